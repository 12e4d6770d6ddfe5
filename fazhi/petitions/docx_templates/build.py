"""Build the DOCX template of the petition notices (信访事项告知书) that
fazhi.petitions.documents fills.

Run ``.venv/bin/python fazhi/petitions/docx_templates/build.py`` after changing this file and
commit the script and notice.docx together (as fazhi/cases/docx_templates/build.py does for the
case documents). Placeholders are docxtpl/Jinja; every value is prepared as text by documents.py.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH

from fazhi.core.docx_build import TITLE_FONT, official_paper
from fazhi.core.docx_build import paragraph as _paragraph

HERE = Path(__file__).resolve().parent


def build() -> Path:
    doc = official_paper()
    _paragraph(
        doc, "{{ unit_name }}", size=22, bold=True, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    _paragraph(
        doc, "{{ title }}", size=22, bold=True, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    _paragraph(doc, "{{ number }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{%p for line in lines %}")
    _paragraph(doc, "{{ line }}")
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, "送达方式：{{ method }}")
    _paragraph(doc, "{{ unit_name }}（印章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{{ date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "本告知书一式两份，一份交信访人，一份附卷。", size=12)
    path = HERE / "notice.docx"
    doc.save(str(path))
    return path


if __name__ == "__main__":
    print(build())

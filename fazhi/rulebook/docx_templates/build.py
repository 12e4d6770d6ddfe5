"""Build the DOCX template of the rulebook's papers (合法性审核意见书, 清理结果目录) that
fazhi.rulebook.documents fills.

Run ``.venv/bin/python fazhi/rulebook/docx_templates/build.py`` after changing this file and
commit the script and paper.docx together (as fazhi/petitions/docx_templates/build.py does).
Placeholders are docxtpl/Jinja; every value is prepared as text by documents.py.
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
    _paragraph(doc, "{{ subtitle }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, "{%p for section in sections %}")
    _paragraph(doc, "{{ section.heading }}", bold=True)
    _paragraph(doc, "{%p for line in section.lines %}")
    _paragraph(doc, "{{ line }}")
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, "{{ signature }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{{ date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{{ note }}", size=12)
    path = HERE / "paper.docx"
    doc.save(str(path))
    return path


if __name__ == "__main__":
    print(build())

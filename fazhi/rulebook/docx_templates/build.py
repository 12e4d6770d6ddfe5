"""Build the DOCX template of the rulebook's papers (合法性审核意见书, 清理结果目录) that
fazhi.rulebook.documents fills.

Run ``.venv/bin/python fazhi/rulebook/docx_templates/build.py`` after changing this file and
commit the script and paper.docx together (as fazhi/petitions/docx_templates/build.py does).
Placeholders are docxtpl/Jinja; every value is prepared as text by documents.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
BODY_FONT = "仿宋"
TITLE_FONT = "宋体"


def _paragraph(
    doc: DocxDocument,
    text: str,
    *,
    size: int = 14,
    bold: bool = False,
    font: str = BODY_FONT,
    align: Any = None,
) -> Paragraph:
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = font
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return paragraph


def build() -> Path:
    doc = Document()
    for section in doc.sections:
        section.top_margin = section.bottom_margin = Cm(3.7)
        section.left_margin = section.right_margin = Cm(2.8)
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

"""Helpers of the scripts that build the apps' DOCX templates (``fazhi/<app>/docx_templates/build.py``).

The templates are built once by hand and committed; docxtpl fills them at run time. A paper of
the bureau (公文) has 3.7 cm top and 2.8 cm side margins, 仿宋 body text and 宋体 titles, with
the East Asian font set on each run so that Word shows the Chinese text in it.
"""

from __future__ import annotations

from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"


def official_paper() -> DocxDocument:
    """A new document with the margins of a 公文 page."""
    doc = Document()
    for section in doc.sections:
        section.top_margin = section.bottom_margin = Cm(3.7)
        section.left_margin = section.right_margin = Cm(2.8)
    return doc


def paragraph(
    doc: DocxDocument,
    text: str,
    *,
    size: int = 14,
    bold: bool = False,
    font: str = BODY_FONT,
    align: Any = None,
) -> Paragraph:
    """Add one paragraph of TEXT in FONT (Latin and East Asian alike) and return it."""
    added = doc.add_paragraph()
    if align is not None:
        added.alignment = align
    run = added.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = font
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return added

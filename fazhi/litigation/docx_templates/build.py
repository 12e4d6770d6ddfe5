"""Build the DOCX templates of the litigation documents that fazhi.litigation.documents fills:
行政复议答复书 (reply.docx) and 行政诉讼答辩状 (defence.docx).

Run ``.venv/bin/python fazhi/litigation/docx_templates/build.py`` after changing this file and
commit the script with the .docx files (the templates are data; this says how they were made),
as fazhi/cases/docx_templates/build.py does for the case documents. Placeholders are
docxtpl/Jinja; every value is prepared as text by documents.py. The parts a legal officer writes
(facts, evidence, basis, opinion) are left as headed blanks to fill in Word.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
BODY_FONT = "仿宋"
TITLE_FONT = "宋体"


def _doc() -> DocxDocument:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(14)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    return doc


def _title(doc: DocxDocument, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(22)
    run.font.name = TITLE_FONT
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), TITLE_FONT)


def _right(doc: DocxDocument, text: str) -> None:
    doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _blank(doc: DocxDocument, heading: str) -> None:
    doc.add_paragraph(heading)
    for _ in range(3):
        doc.add_paragraph("")


def reply() -> None:
    doc = _doc()
    _title(doc, "行政复议答复书")
    _right(doc, "{{ number }}")
    doc.add_paragraph("被申请人：{{ respondent }}")
    doc.add_paragraph("{%p if head %}")
    doc.add_paragraph("负责人：{{ head }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("申请人：{{ claimant }}")
    doc.add_paragraph(
        "申请人{{ claimant }}不服被申请人作出的{{ act }}{{ act_document }}，向{{ body }}申请行政复议"
        "{{ docket }}。被申请人于{{ received }}收到行政复议申请书副本（行政复议申请笔录复印件），"
        "现依照《中华人民共和国行政复议法》第四十八条的规定，在{{ due }}前提出书面答复如下："
    )
    _blank(doc, "一、作出行政行为的事实和证据")
    _blank(doc, "二、作出行政行为的依据")
    _blank(doc, "三、对申请人行政复议请求的意见")
    doc.add_paragraph("附：作出行政行为的证据、依据和其他有关材料（证据清单）")
    doc.add_paragraph("此致")
    doc.add_paragraph("{{ body }}")
    _right(doc, "{{ respondent }}")
    _right(doc, "{{ today }}")
    doc.save(str(HERE / "reply.docx"))


def defence() -> None:
    doc = _doc()
    _title(doc, "行政诉讼答辩状")
    _right(doc, "{{ number }}")
    doc.add_paragraph("答辩人（被告）：{{ respondent }}")
    doc.add_paragraph("{%p if head %}")
    doc.add_paragraph("负责人：{{ head }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("被答辩人（原告）：{{ claimant }}")
    doc.add_paragraph(
        "原告{{ claimant }}诉答辩人{{ act }}{{ act_document }}一案{{ docket }}，答辩人于{{ received }}"
        "收到起诉状副本，现依照《中华人民共和国行政诉讼法》第六十七条第一款的规定，在{{ due }}前"
        "提交作出行政行为的证据和所依据的规范性文件，并答辩如下："
    )
    _blank(doc, "一、被诉行政行为认定的事实和证据")
    _blank(doc, "二、被诉行政行为适用的法律依据和程序")
    _blank(doc, "三、对原告诉讼请求的答辩意见")
    doc.add_paragraph("附：证据清单及所依据的规范性文件")
    doc.add_paragraph("此致")
    doc.add_paragraph("{{ body }}")
    _right(doc, "答辩人：{{ respondent }}")
    _right(doc, "{{ today }}")
    doc.save(str(HERE / "defence.docx"))


if __name__ == "__main__":
    reply()
    defence()

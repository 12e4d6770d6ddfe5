"""Build the DOCX templates of the case documents (文书) that fazhi.cases.documents fills.

Run ``.venv/bin/python fazhi/cases/docx_templates/build.py`` after changing this file, and
commit the script and the four .docx files together: the templates are data, this script says
how they were made. The wording follows the public-security administrative forms
(公安机关行政法律文书式样); where a sentence is the statute's own words it is quoted from
fazhi/law/data/statutes/ and named in ``STATUTE_QUOTES`` (a test checks every quote verbatim).

Placeholders are docxtpl/Jinja: ``{{ name }}`` inside a paragraph, ``{%p if … %}`` for a whole
paragraph, ``{%tr for … %}`` for a table row. Every value is prepared by documents.py as text;
the templates hold no logic beyond showing or hiding a paragraph.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

HERE = Path(__file__).resolve().parent
BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
BLANK_DATE = "____年__月__日"
BLANK_TIME = "____年__月__日__时__分"

# (statute file in fazhi/law/data/statutes/, the exact words quoted in a template)
STATUTE_QUOTES = {
    "summons_compelled": (
        "zaglcff-2012-10-26.md",  # 治安管理处罚法 第八十二条第二款
        "对无正当理由不接受传唤或者逃避传唤的人，可以强制传唤。",
    ),
    "statement_right": (
        "zaglcff-2012-10-26.md",  # 治安管理处罚法 第九十四条第二款
        "违反治安管理行为人有权陈述和申辩。公安机关必须充分听取违反治安管理行为人的意见，"
        "对违反治安管理行为人提出的事实、理由和证据，应当进行复核；违反治安管理行为人提出的"
        "事实、理由或者证据成立的，公安机关应当采纳。",
    ),
    "no_heavier_penalty": (
        "zaglcff-2012-10-26.md",  # 治安管理处罚法 第九十四条第三款
        "公安机关不得因违反治安管理行为人的陈述、申辩而加重处罚。",
    ),
    "hearing_right": (
        "zaglcff-2012-10-26.md",  # 治安管理处罚法 第九十八条
        "公安机关作出吊销许可证以及处二千元以上罚款的治安管理处罚决定前，应当告知违反治安管理"
        "行为人有权要求举行听证；违反治安管理行为人要求听证的，公安机关应当及时依法举行听证。",
    ),
    "hearing_request_days": (
        "xzcff-2021-01-22.md",  # 行政处罚法 第六十四条第（一）项
        "当事人要求听证的，应当在行政机关告知后五日内提出",
    ),
    "fine_payment": (
        "xzcff-2021-01-22.md",  # 行政处罚法 第六十七条第三款
        "当事人应当自收到行政处罚决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款。",
    ),
    "detention_execution": (
        "zaglcff-2012-10-26.md",  # 治安管理处罚法 第一百零三条
        "对被决定给予行政拘留处罚的人，由作出决定的公安机关送达拘留所执行。",
    ),
    "reconsideration_period": (
        "xzfyf-2023-09-01.md",  # 行政复议法 第二十条第一款
        "自知道或者应当知道该行政行为之日起六十日内提出行政复议申请",
    ),
    "litigation_period": (
        "xzssf-2017-06-27.md",  # 行政诉讼法 第四十六条第一款
        "自知道或者应当知道作出行政行为之日起六个月内",
    ),
}
Q = {key: text for key, (_file, text) in STATUTE_QUOTES.items()}


def _fonts(run: Run, name: str) -> None:
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(
    doc: DocxDocument,
    text: str,
    *,
    size: float = 14,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    font: str = BODY_FONT,
) -> Paragraph:
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(4)
    run = paragraph.add_run(text)  # one run per paragraph, so Jinja tags are never split
    run.font.size = Pt(size)
    run.bold = bold
    _fonts(run, font)
    return paragraph


def _header(doc: DocxDocument, title: str, *, authority: bool = True) -> None:
    if authority:
        _paragraph(doc, "{{ unit_name }}", size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, title, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    _paragraph(doc, "{{ number }}", align=WD_ALIGN_PARAGRAPH.RIGHT)


def _conditional(doc: DocxDocument, condition: str, text: str) -> None:
    _paragraph(doc, "{%p if " + condition + " %}")
    _paragraph(doc, text)
    _paragraph(doc, "{%p endif %}")


def _unverified(doc: DocxDocument) -> None:
    _conditional(doc, "law_unverified", "{{ law_unverified }}")


def _cell(cell: _Cell, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.font.size = Pt(12)
    run.bold = bold
    _fonts(run, BODY_FONT)


def _grid(doc: DocxDocument, rows: list[tuple[str, str]]) -> Table:
    table: Table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, value in rows:
        # python-docx leaves Table.add_row unannotated
        cells = table.add_row().cells  # type: ignore[no-untyped-call]
        cells[0].width, cells[1].width = Cm(3.5), Cm(12.5)
        _cell(cells[0], label, bold=True)
        _cell(cells[1], value)
    return table


def _new_document() -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.6)
    doc.core_properties.author = "Fazhi"
    doc.core_properties.created = doc.core_properties.modified = dt.datetime(
        2026, 1, 1, tzinfo=dt.UTC
    )
    return doc


def acceptance() -> DocxDocument:  # 受案登记表
    doc = _new_document()
    _header(doc, "受案登记表")
    _grid(
        doc,
        [
            ("受案单位", "{{ unit_name }}"),
            ("案件编号", "{{ case_number }}"),
            ("案件来源", "{{ source }}"),
            ("接报时间", "{{ received_at }}"),
            ("接报民警", "{{ receiving_officer }}"),
        ],
    )
    _paragraph(doc, "报案人、当事人：", bold=True)
    parties = doc.add_table(rows=3, cols=6)
    parties.style = "Table Grid"
    for cell, label in zip(
        parties.rows[0].cells,
        ["身份", "姓名/名称", "证件种类", "证件号码", "联系方式", "住址"],
        strict=True,
    ):
        _cell(cell, label, bold=True)
    _cell(parties.rows[1].cells[0], "{%tr for party in parties %}")
    for cell, field in zip(
        parties.rows[2].cells,
        ["role", "name", "id_type", "id_number", "phone", "address"],
        strict=True,
    ):
        _cell(cell, "{{ party." + field + " }}")
    row = parties.add_row()
    _cell(row.cells[0], "{%tr endfor %}")
    _paragraph(doc, "")
    _grid(
        doc,
        [
            ("案由", "{{ title }}"),
            ("发案时间", "{{ act_at }}"),
            ("发案地点", "{{ act_place }}"),
            ("简要案情", "{{ summary }}"),
            ("受案意见", "{{ opinion }}"),
            ("受案民警", "{{ accepting_officer }}    {{ accepted_on }}"),
            ("受案审批", "受案部门负责人：__________    " + BLANK_DATE),
        ],
    )
    _unverified(doc)
    return doc


def summons() -> DocxDocument:  # 传唤证
    doc = _new_document()
    _header(doc, "传唤证")
    _paragraph(doc, "{{ person }}：")
    _paragraph(
        doc,
        "因你涉嫌{{ reason }}，根据《中华人民共和国治安管理处罚法》第八十二条之规定，"
        "现传唤你于{{ summoned_at }}到{{ place }}接受询问。",
    )
    _paragraph(doc, Q["summons_compelled"] + "（《中华人民共和国治安管理处罚法》第八十二条第二款）")
    _paragraph(doc, "{{ unit_name }}（公安机关印章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{{ issued_on }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "本证已于" + BLANK_TIME + "向我宣告。被传唤人（签名）：__________")
    _paragraph(doc, "被传唤人到达时间：{{ arrived_at }}    被传唤人（签名）：__________")
    _paragraph(doc, "被传唤人离开时间：{{ left_at }}    被传唤人（签名）：__________")
    _unverified(doc)
    return doc


def notice() -> DocxDocument:  # 行政处罚告知笔录
    doc = _new_document()
    _header(doc, "行政处罚告知笔录", authority=False)
    _paragraph(doc, "时间：{{ started_at }}至{{ ended_at }}")
    _paragraph(doc, "地点：{{ place }}")
    _paragraph(doc, "告知人：{{ informers }}    工作单位：{{ unit_name }}")
    _paragraph(
        doc,
        "被告知人：{{ party.name }}    性别：{{ party.sex }}    出生日期：{{ party.birth_date }}",
    )
    _paragraph(doc, "身份证件种类及号码：{{ party.id_type }} {{ party.id_number }}")
    _paragraph(doc, "现住址：{{ party.address }}")
    _paragraph(doc, "案由：{{ title }}    案件编号：{{ case_number }}")
    _paragraph(
        doc,
        "告知内容：根据《中华人民共和国行政处罚法》第四十四条和《中华人民共和国治安管理处罚法》"
        "第九十四条的规定，现将拟作出行政处罚决定的内容及事实、理由、依据告知如下：",
    )
    _paragraph(doc, "拟作出的行政处罚：{{ proposed }}")
    _paragraph(doc, "事实和理由：{{ facts }}")
    _paragraph(doc, "依据：{{ basis }}")
    _paragraph(
        doc,
        "你依法享有陈述和申辩的权利。“"
        + Q["statement_right"]
        + "”“"
        + Q["no_heavier_penalty"]
        + "”（《中华人民共和国治安管理处罚法》第九十四条第二款、第三款；"
        "《中华人民共和国行政处罚法》第四十五条）",
    )
    _conditional(
        doc,
        "hearing_offered",
        "你有权要求举行听证（《中华人民共和国行政处罚法》第六十三条）。“"
        + Q["hearing_right"]
        + "”（《中华人民共和国治安管理处罚法》第九十八条）“"
        + Q["hearing_request_days"]
        + "”（《中华人民共和国行政处罚法》第六十四条第一项）。",
    )
    _paragraph(doc, "问：对以上告知内容，你是否提出陈述和申辩？{{ hearing_question }}")
    _paragraph(doc, "答：{{ response }}")
    _paragraph(doc, "被告知人（签名）：__________    " + BLANK_DATE)
    _paragraph(doc, "告知人（签名）：__________    " + BLANK_DATE)
    _unverified(doc)
    return doc


def decision() -> DocxDocument:  # 行政处罚决定书
    doc = _new_document()
    _header(doc, "行政处罚决定书")
    _paragraph(doc, "{{ party_line }}")
    _paragraph(doc, "现查明：{{ facts }}")
    _paragraph(doc, "以上事实有{{ evidence }}等证据证实。")
    _paragraph(doc, "根据{{ basis }}之规定，现决定：对{{ party_name }}{{ penalty }}。")
    _conditional(
        doc,
        "has_fine",
        "履行方式和期限：依照《中华人民共和国行政处罚法》第六十七条第三款，“"
        + Q["fine_payment"]
        + "”",
    )
    _conditional(
        doc,
        "has_detention",
        "执行方式：依照《中华人民共和国治安管理处罚法》第一百零三条，“"
        + Q["detention_execution"]
        + "”",
    )
    _paragraph(
        doc,
        "如不服本决定，可以"
        + Q["reconsideration_period"]
        + "（行政复议机关：__________；《中华人民共和国行政复议法》第二十条第一款），或者"
        + Q["litigation_period"]
        + "向__________人民法院提起行政诉讼（《中华人民共和国行政诉讼法》第四十六条第一款）。",
    )
    _paragraph(doc, "{{ unit_name }}（公安机关印章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{{ decided_on }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "本决定书已向我宣告并送达。被处罚人（签名）：__________    " + BLANK_TIME)
    _unverified(doc)
    return doc


TEMPLATES = {
    "acceptance.docx": acceptance,
    "summons.docx": summons,
    "notice.docx": notice,
    "decision.docx": decision,
}


def main() -> None:
    for name, build in TEMPLATES.items():
        # python-docx hints str | IO[bytes], but zipfile opens a Path as well
        build().save(HERE / name)  # type: ignore[arg-type]
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()

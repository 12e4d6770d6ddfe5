"""The case-file review checklist (rules/review/zhian-case-file.yaml) cites what the texts say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fazhi.law.citations import parse_citation
from fazhi.law.statutes import read_statute
from fazhi.supervision.review import load_checklist

ROOT = Path(__file__).resolve().parents[3]
CHECKLIST = ROOT / "rules" / "review" / "zhian-case-file.yaml"
STATUTES = ROOT / "fazhi" / "law" / "data" / "statutes"
TEXTS = {
    "中华人民共和国行政处罚法": STATUTES / "xzcff-2021-01-22.md",
    "公安机关办理行政案件程序规定": STATUTES / "gaxzajcxgd-2018-11-25.md",
    "中华人民共和国治安管理处罚法": STATUTES / "zaglcff-2012-10-26.md",
}


def _item(code: str):
    return next(item for item in load_checklist(CHECKLIST).items if item.code == code)


def _citations(basis: str) -> list[str]:
    """Return the citations of a basis string: 《…》第X条…, separated by ；, notes dropped."""
    return re.sub(r"（[^（）]*年[^（）]*）", "", basis).split("；")


def _text(citation: str) -> str:
    cited = parse_citation(citation)
    article = read_statute(TEXTS[cited.law]).article(cited.article)
    if not cited.paragraph:
        return article.text
    paragraph = article.paragraphs[cited.paragraph - 1]
    return paragraph.items[cited.item - 1] if cited.item else paragraph.full_text


def test_fine_separation_cites_the_penalty_law_beside_the_2012_article():
    basis = _item("C09").basis

    cited = [str(parse_citation(c)) for c in _citations(basis)]

    assert cited[0] == "《中华人民共和国行政处罚法》第六十七条第一款"
    assert "《中华人民共和国治安管理处罚法》第一百一十五条" in cited
    assert "2025年修订文本条号未核实" in basis


def test_two_officers_item_cites_the_one_officer_exception_of_the_simple_procedure():
    cited = [str(parse_citation(c)) for c in _citations(_item("V03").basis)]

    assert cited == [
        "《公安机关办理行政案件程序规定》第五十二条第一款",
        "《公安机关办理行政案件程序规定》第三十九条第一款",
    ]


@pytest.mark.parametrize(
    ("code", "phrase"),
    [
        ("C09", "与收缴罚款的机构分离"),
        ("C09", "罚款决定与罚款收缴分离"),
        ("V03", "人民警察不得少于二人"),
        ("V03", "可以由人民警察一人作出行政处罚决定"),
    ],
)
def test_the_cited_provisions_say_what_the_item_checks(code, phrase):
    texts = [_text(c) for c in _citations(_item(code).basis)]

    assert any(phrase in text for text in texts)

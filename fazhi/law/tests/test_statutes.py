from pathlib import Path

import pytest

from fazhi.law.statutes import StatuteFormatError, parse_statute, read_statute

STATUTES = Path(__file__).resolve().parents[1] / "data" / "statutes"

# Measured on the shipped files; each also matches the law's last article (施行 clause).
ARTICLE_COUNTS = {
    "xzcff-2021-01-22.md": 86,
    "zaglcff-2012-10-26.md": 119,
    "gaxzajcxgd-2018-11-25.md": 266,
    "xzfyf-2023-09-01.md": 90,
    "xzssf-2017-06-27.md": 103,
    "xzqzf-2011-06-30.md": 71,
    "xzxkf-2019-04-23.md": 83,
    "dljtaqf-2021-04-29.md": 124,
    "jmsfzf-2011-10-29.md": 23,
    "fdxwlzpf-2022-09-02.md": 50,
    "wlaqf-2016-11-07.md": 79,
    "grxxbhf-2021-08-20.md": 74,
    "wrjfxgltl-2023-05-31.md": 63,
    "xfgztl-2022-02-25.md": 50,
    "zdxzjcgtl-2019-04-20.md": 44,
}


@pytest.fixture(scope="module")
def xzcff():
    return read_statute(STATUTES / "xzcff-2021-01-22.md")


@pytest.fixture(scope="module")
def zaglcff():
    return read_statute(STATUTES / "zaglcff-2012-10-26.md")


def test_every_shipped_statute_file_is_counted_here():
    assert sorted(p.name for p in STATUTES.glob("*.md")) == sorted(ARTICLE_COUNTS)


@pytest.mark.parametrize(("name", "count"), ARTICLE_COUNTS.items())
def test_statute_file_has_its_articles_numbered_without_gaps(name, count):
    statute = read_statute(STATUTES / name)

    assert [a.number for a in statute.articles] == list(range(1, count + 1))


def test_title_comes_from_the_heading(xzcff):
    assert xzcff.title == "中华人民共和国行政处罚法"
    assert xzcff.header[-1] == "2021年1月22日 第十三届全国人民代表大会常务委员会第二十五次会议修订"


def test_article_33_of_the_penalty_law_has_three_paragraphs(xzcff):
    article = xzcff.article(33)

    assert len(article.paragraphs) == 3
    assert article.paragraphs[0].text == (
        "违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚。"
        "初次违法且危害后果轻微并及时改正的，可以不予行政处罚。"
    )
    assert (
        article.paragraphs[2].text
        == "对当事人的违法行为依法不予行政处罚的，行政机关应当对当事人进行教育。"
    )
    assert article.chapter == "第四章 行政处罚的管辖和适用"


def test_items_belong_to_the_paragraph_before_them(xzcff):
    article = xzcff.article(9)

    assert len(article.paragraphs) == 1
    assert article.paragraphs[0].text == "行政处罚的种类："
    assert len(article.paragraphs[0].items) == 6
    assert article.paragraphs[0].items[4] == "（五）行政拘留；"


def test_article_19_of_the_2012_security_law_has_five_items(zaglcff):
    paragraph = zaglcff.article(19).paragraphs[0]

    assert paragraph.items[3] == "（四）主动投案，向公安机关如实陈述自己的违法行为的；"
    assert len(paragraph.items) == 5


def test_chapter_and_section_follow_the_headings(zaglcff):
    article = zaglcff.article(23)

    assert article.chapter == "第三章 违反治安管理的行为和处罚"
    assert article.section == "第一节 扰乱公共秩序的行为和处罚"
    assert zaglcff.article(119).section == ""


def test_spaced_chapter_names_are_closed_up():
    statute = read_statute(STATUTES / "xzfyf-2023-09-01.md")

    assert statute.article(1).chapter == "第一章 总则"


def test_rows_are_one_per_article_paragraph_and_item(xzcff):
    rows = [r for r in xzcff.provisions() if r.article == 9]

    assert [(r.article, r.paragraph, r.item) for r in rows] == [
        (9, 0, 0),
        (9, 1, 0),
        *[(9, 1, i) for i in range(1, 7)],
    ]
    assert rows[0].text == rows[1].text
    assert rows[0].text.splitlines()[1] == "（一）警告、通报批评；"
    assert {r.article_paragraphs for r in rows} == {1}


def test_article_row_holds_every_paragraph(xzcff):
    article_row = next(r for r in xzcff.provisions() if (r.article, r.paragraph) == (33, 0))

    assert article_row.text.count("\n") == 2
    assert article_row.article_paragraphs == 3


def test_a_paragraph_after_items_starts_a_new_paragraph():
    statute = parse_statute(
        "# 示例法\n<!-- INFO END -->\n## 第一章 总则\n"
        "第一条 有下列情形之一的，处警告：\n（一）甲；\n（二）乙。\n情节较重的，处罚款。\n"
    )

    first, second = statute.article(1).paragraphs
    assert first.items == ("（一）甲；", "（二）乙。")
    assert second.text == "情节较重的，处罚款。"


def test_a_gap_in_article_numbers_names_the_line():
    text = "# 示例法\n<!-- INFO END -->\n第一条 甲。\n第三条 乙。\n"

    with pytest.raises(StatuteFormatError, match=r"demo.md:4: article 第三条 is 3, expected 2"):
        parse_statute(text, source="demo.md")


def test_a_gap_in_item_numbers_names_the_article():
    text = "# 示例法\n<!-- INFO END -->\n第一条 甲：\n（一）乙；\n（三）丙。\n"

    with pytest.raises(StatuteFormatError, match=r":5: item （三） of article 1 is 3, expected 2"):
        parse_statute(text, source="demo.md")


def test_text_without_the_header_marker_is_refused():
    with pytest.raises(StatuteFormatError, match="INFO END"):
        parse_statute("# 示例法\n第一条 甲。\n", source="demo.md")

import datetime as dt

import pytest

from fazhi.law.citations import (
    Citation,
    CitationSyntaxError,
    ProvisionNotFound,
    format_citation,
    parse_citation,
    render_citation,
    resolve_citation,
)


def test_citation_is_written_in_legal_form():
    assert (
        format_citation("中华人民共和国行政处罚法", 33, 1)
        == "《中华人民共和国行政处罚法》第三十三条第一款"
    )
    assert format_citation("行政处罚法", 144) == "《行政处罚法》第一百四十四条"
    assert str(Citation("治安管理处罚法", 19, 0, 4)) == "《治安管理处罚法》第十九条第（四）项"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "《中华人民共和国行政处罚法》第三十三条第一款",
            Citation("中华人民共和国行政处罚法", 33, 1),
        ),
        ("行政处罚法第三十三条第一款", Citation("行政处罚法", 33, 1)),
        ("治安管理处罚法第十九条第（四）项", Citation("治安管理处罚法", 19, 0, 4)),
        ("治安管理处罚法第十九条第四项", Citation("治安管理处罚法", 19, 0, 4)),
        ("《行政复议法》 第四十八条", Citation("行政复议法", 48)),
        ("行政处罚法第33条第1款", Citation("行政处罚法", 33, 1)),
        (
            "公安机关办理行政案件程序规定第一百六十五条第一款第(二)项",
            Citation("公安机关办理行政案件程序规定", 165, 1, 2),
        ),
    ],
)
def test_citation_string_parses_to_its_parts(text, expected):
    assert parse_citation(text) == expected


@pytest.mark.parametrize(
    "text", ["", "行政处罚法", "第三十三条", "行政处罚法第三十三款", "行政处罚法第零条"]
)
def test_text_that_is_not_a_citation_is_refused_with_the_field_named(text):
    with pytest.raises(CitationSyntaxError) as caught:
        parse_citation(text)
    assert caught.value.field == "citation"


def test_rendered_provision_cites_paragraph_when_the_article_has_several(laws):
    provision = resolve_citation("行政处罚法第三十三条第一款", on=dt.date(2025, 1, 1))

    assert render_citation(provision) == "《中华人民共和国行政处罚法》第三十三条第一款"
    assert render_citation(provision, short=True) == "《行政处罚法》第三十三条第一款"
    assert provision.text == (
        "违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚。"
        "初次违法且危害后果轻微并及时改正的，可以不予行政处罚。"
    )


def test_item_of_a_single_paragraph_article_is_cited_without_the_paragraph(laws):
    provision = resolve_citation("治安管理处罚法第十九条第（四）项", on=dt.date(2025, 12, 31))

    assert (provision.paragraph, provision.item) == (1, 4)
    assert render_citation(provision) == "《中华人民共和国治安管理处罚法》第十九条第（四）项"
    assert provision.text == "（四）主动投案，向公安机关如实陈述自己的违法行为的；"


def test_full_title_short_title_and_code_resolve_to_the_same_provision(laws):
    on = dt.date(2025, 1, 1)
    ids = {
        resolve_citation(text, on=on).pk
        for text in (
            "《中华人民共和国行政处罚法》第三十三条第一款",
            "行政处罚法第三十三条第一款",
            "《行政处罚法》第三十三条第一款",
        )
    }
    ids.add(resolve_citation(Citation("xzcff", 33, 1), on=on).pk)

    assert len(ids) == 1


def test_citation_resolves_in_the_version_in_force_on_the_date(laws):
    before = resolve_citation("治安管理处罚法第十九条", on=dt.date(2025, 12, 31))
    after = resolve_citation("治安管理处罚法第十九条", on=dt.date(2026, 1, 1))

    assert before.version.label == "2012-10-26"
    assert before.is_confirmed is True
    assert after.version.label == "2025-06-27"
    assert after.is_confirmed is False
    assert "未核实" in after.text


def test_citation_with_a_version_label_ignores_the_date(laws):
    citation = Citation("治安管理处罚法", 20, version="2012-10-26")

    assert resolve_citation(citation, on=dt.date(2026, 6, 1)).version.label == "2012-10-26"


def test_article_missing_from_the_version_is_not_found(laws):
    with pytest.raises(ProvisionNotFound, match="2025-06-27"):
        resolve_citation("治安管理处罚法第二十三条", on=dt.date(2026, 1, 1))


def test_unknown_law_is_not_found(laws):
    with pytest.raises(ProvisionNotFound, match="刑法") as caught:
        resolve_citation("刑法第一条")
    assert caught.value.field == "law"


def test_no_version_in_force_before_the_first_one(laws):
    with pytest.raises(ProvisionNotFound) as caught:
        resolve_citation("行政复议法第一条", on=dt.date(2023, 12, 31))
    assert caught.value.field == "on"

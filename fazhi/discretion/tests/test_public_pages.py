import pytest

from fazhi.discretion.plain import condition_text

pytestmark = pytest.mark.django_db


def test_the_benchmark_index_lists_each_pack_with_its_dates_and_unverified_mark(client):
    page = client.get("/public/benchmarks/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "自 2026-01-01 起施行" in text
    assert "至 2025-12-31 止" in text
    assert 'data-testid="pack-zaglcff-2025"' in text
    assert text.count('data-testid="unverified"') >= 1
    assert "/public/benchmarks/zaglcff-2012/za.beat/" in text


def test_a_benchmark_is_shown_as_a_table_of_tiers_with_conditions_and_citations(client):
    page = client.get("/public/benchmarks/zaglcff-2012/za.property/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "情节较重" in text
    assert "涉案财物价值（元）不少于500" in text
    assert "行政拘留10日以上15日以下" in text
    assert "罚款0元以上1000元以下（可以并处）" in text
    assert "《中华人民共和国治安管理处罚法》第四十九条" in text
    assert "《中华人民共和国行政处罚法》第三十三条第一款" in text  # 首违不罚
    assert 'data-testid="unverified"' not in text


def test_an_unverified_benchmark_says_so(client):
    page = client.get("/public/benchmarks/zaglcff-2025/za.beat/")

    assert 'data-testid="unverified"' in page.content.decode()


def test_an_unknown_benchmark_is_not_found(client):
    assert client.get("/public/benchmarks/zaglcff-2012/za.nothing/").status_code == 404


def test_a_citizen_can_try_the_facts_and_see_the_range_with_its_basis(client):
    form = client.get("/public/benchmarks/try/?offence=za.property")
    assert 'name="amount"' in form.content.decode()

    page = client.post(
        "/public/benchmarks/try/",
        {
            "offence": "za.property",
            "act_date": "2025-03-01",
            "decision_date": "2025-03-20",
            "offender_birth_date": "1990-05-01",
            "harm": "minor",
            "amount": "800",
        },
    )

    text = page.content.decode()
    assert "行政拘留10-15日、罚款0-1000元（可以并处）" in text
    assert "《中华人民共和国治安管理处罚法》第四十九条" in text
    assert 'data-testid="unverified"' not in text


def test_trying_facts_under_the_2025_revision_shows_the_unverified_notice(client):
    page = client.post(
        "/public/benchmarks/try/",
        {
            "offence": "za.property",
            "act_date": "2026-03-01",
            "decision_date": "2026-03-20",
            "offender_birth_date": "1990-05-01",
            "harm": "minor",
            "amount": "300",
        },
    )

    assert "unverified: confirm against the official text" in page.content.decode()


def test_a_missing_fact_on_the_try_page_is_named(client):
    page = client.post(
        "/public/benchmarks/try/",
        {"offence": "za.property", "act_date": "2025-03-01", "decision_date": "2025-03-20",
         "offender_birth_date": "1990-05-01", "harm": "minor"},
    )  # fmt: skip

    assert "amount" in page.content.decode()


def test_the_try_page_refuses_a_post_without_a_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert strict.post("/public/benchmarks/try/", {"offence": "za.beat"}).status_code == 403


def test_conditions_read_as_chinese():
    facts = {}

    assert condition_text(
        {"any": [{"fact": "age", "gte": 70}, {"fact": "x", "eq": True}]}, facts
    ) == ("（年龄（周岁）不少于70；或者x）")

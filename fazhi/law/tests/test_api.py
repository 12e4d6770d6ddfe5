import pytest

from fazhi.core.roles import Role

API = "/api/v1/law"


@pytest.fixture
def api(client, make_user, laws):
    client.force_login(make_user(Role.OFFICER))
    return client


def test_api_needs_authentication(client, laws):
    assert client.get(f"{API}/laws").status_code == 401


def test_law_list_holds_every_law_with_its_versions(api):
    body = api.get(f"{API}/laws").json()

    assert len(body) == 15
    security = next(law for law in body if law["code"] == "zaglcff")
    assert [
        (v["label"], v["effective_from"], v["effective_to"], v["is_verified"])
        for v in security["versions"]
    ] == [
        ("2012-10-26", "2013-01-01", "2025-12-31", True),
        ("2025-06-27", "2026-01-01", None, False),
    ]


def test_law_detail_by_code(api):
    body = api.get(f"{API}/laws/xzcff").json()

    assert (body["title"], body["short_title"], body["kind"]) == (
        "中华人民共和国行政处罚法",
        "行政处罚法",
        "law",
    )
    assert api.get(f"{API}/laws/nosuchlaw").status_code == 404


def test_provisions_of_one_article(api):
    body = api.get(f"{API}/laws/xzcff/provisions", {"version": "2021-01-22", "article": 9}).json()

    assert [(p["paragraph"], p["item"]) for p in body] == [
        (0, 0),
        (1, 0),
        *[(1, i) for i in range(1, 7)],
    ]
    assert body[7]["citation"] == "《中华人民共和国行政处罚法》第九条第（六）项"
    assert body[7]["text"] == "（六）法律、行政法规规定的其他行政处罚。"


def test_resolve_returns_the_provision_in_force_on_the_date(api):
    body = api.get(
        f"{API}/resolve", {"citation": "行政处罚法第三十三条第一款", "on": "2025-10-08"}
    ).json()

    assert body["citation"] == "《中华人民共和国行政处罚法》第三十三条第一款"
    assert body["text"].startswith("违法行为轻微并及时改正")
    assert (body["law"], body["version"], body["is_verified"], body["on"]) == (
        "xzcff",
        "2021-01-22",
        True,
        "2025-10-08",
    )


def test_resolve_after_2026_marks_the_revision_unverified(api):
    body = api.get(
        f"{API}/resolve", {"citation": "治安管理处罚法第十九条", "on": "2026-01-01"}
    ).json()

    assert (body["version"], body["is_verified"], body["effective_from"]) == (
        "2025-06-27",
        False,
        "2026-01-01",
    )


def test_resolve_unknown_provision_is_404_and_bad_syntax_is_422(api):
    missing = api.get(f"{API}/resolve", {"citation": "行政处罚法第九十九条", "on": "2025-01-01"})
    garbled = api.get(f"{API}/resolve", {"citation": "行政处罚法", "on": "2025-01-01"})

    assert missing.status_code == 404
    assert missing.json()["code"] == "provision_not_found"
    assert garbled.status_code == 422
    assert garbled.json()["field"] == "citation"

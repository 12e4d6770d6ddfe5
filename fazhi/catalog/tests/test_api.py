import datetime as dt

import pytest

from fazhi.catalog import editions
from fazhi.catalog.models import EditionStatus, ListKind
from fazhi.catalog.tests.factories import DelegationFactory, EnforcementItemFactory
from fazhi.org.tokens import issue_token

pytestmark = pytest.mark.django_db

API = "/api/v1/catalog"


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user, 'test', actor=user)}"}


def test_the_catalogue_api_needs_authentication(client):
    assert client.get(f"{API}/items").status_code == 401


def test_items_are_filtered_and_paginated(client, editor):
    EnforcementItemFactory(code="ZA-001", name="殴打他人")
    EnforcementItemFactory(code="ZA-002", name="赌博", centre_only=True)
    EnforcementItemFactory(code="XK-001", permit=True)

    response = client.get(f"{API}/items", {"q": "ZA", "must_use_centre": "true"}, **bearer(editor))

    body = response.json()
    assert (body["count"], [i["code"] for i in body["items"]]) == (1, ["ZA-002"])
    assert client.get(f"{API}/items", {"kind": "permit"}, **bearer(editor)).json()["count"] == 1


def test_item_detail_includes_its_delegations(client, editor, tree):
    DelegationFactory(township=tree["t1"], item__code="XZ-9", effective_from=dt.date(2025, 1, 1))

    body = client.get(f"{API}/items/XZ-9", **bearer(editor)).json()

    assert body["code"] == "XZ-9"
    assert body["delegations"] == [
        {
            "township_code": "500104-T1",
            "township_name": "乙区某镇",
            "effective_from": "2025-01-01",
            "effective_to": None,
            "document": "示例县人民政府关于赋权乡镇（街道）的决定",
        }
    ]


def test_unknown_item_is_404(client, editor):
    assert client.get(f"{API}/items/NOPE", **bearer(editor)).status_code == 404


def test_editions_list_and_detail(client, editor, publish_list):
    live = publish_list(["A1", "A2"])
    draft = editions.start_draft(ListKind.POWER, actor=editor)

    listed = client.get(f"{API}/editions", {"status": "published"}, **bearer(editor)).json()
    detail = client.get(f"{API}/editions/{draft.pk}", **bearer(editor)).json()

    assert [(e["id"], e["entry_count"]) for e in listed] == [(live.pk, 2)]
    assert (detail["status"], detail["based_on_id"]) == ("draft", live.pk)
    assert [e["code"] for e in detail["entries"]] == ["A1", "A2"]


def test_diff_endpoint_returns_changes_field_by_field(client, editor, publish_list):
    live = publish_list(["A1"])
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    editions.update_entry(draft.entries.get(), {"levels": ["city"]}, actor=editor)

    body = client.get(
        f"{API}/editions/diff", {"a": live.pk, "b": draft.pk}, **bearer(editor)
    ).json()

    assert body["changed"] == [
        {
            "code": "A1",
            "name": draft.entries.get().name,
            "fields": [{"field": "levels", "before": ["district", "station"], "after": ["city"]}],
        }
    ]
    assert (body["added"], body["removed"]) == ([], [])


def test_leader_publishes_through_the_api(client, editor, leader):
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    editions.add_entry_from_item(draft, EnforcementItemFactory(), actor=editor)

    response = client.post(
        f"{API}/editions/{draft.pk}/publish",
        {"effective_from": "2025-05-01"},
        content_type="application/json",
        **bearer(leader),
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["effective_from"]) == (
        "published",
        "2025-05-01",
    )


def test_legal_officer_publishing_through_the_api_is_403(client, editor):
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    editions.add_entry_from_item(draft, EnforcementItemFactory(), actor=editor)

    response = client.post(
        f"{API}/editions/{draft.pk}/publish",
        {"effective_from": "2025-05-01"},
        content_type="application/json",
        **bearer(editor),
    )

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    draft.refresh_from_db()
    assert draft.status == EditionStatus.DRAFT


def test_publishing_a_published_edition_through_the_api_is_409(client, leader, publish_list):
    live = publish_list(["A1"])

    response = client.post(
        f"{API}/editions/{live.pk}/publish",
        {"effective_from": "2026-01-01"},
        content_type="application/json",
        **bearer(leader),
    )

    assert (response.status_code, response.json()["code"]) == (409, "frozen")


def test_publishing_an_empty_draft_through_the_api_is_422(client, editor, leader):
    draft = editions.start_draft(ListKind.POWER, actor=editor)

    response = client.post(
        f"{API}/editions/{draft.pk}/publish",
        {"effective_from": "2025-05-01"},
        content_type="application/json",
        **bearer(leader),
    )

    assert response.status_code == 422
    assert response.json()["code"] == "empty_edition"

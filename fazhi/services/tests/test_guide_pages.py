"""The public 办事指南 and the staff edition pages: only the published edition reaches the public."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from fazhi.core.roles import Role
from fazhi.services import editions
from fazhi.services.models import Bundle, BundleItem, HandlingMode
from fazhi.services.tests.factories import service_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(make_user):
    return make_user(Role.LEGAL_OFFICER)


@pytest.fixture
def leader(make_user):
    return make_user(Role.LEADER)


@pytest.fixture
def live(editor, leader):
    """Two items published in edition 1, then a third item added to an unpublished draft."""
    online = service_item(name="户口迁入（投靠配偶）", on_the_spot=True, fee="不收费")
    window = service_item(
        name="居民身份证首次申领",
        category="household",
        modes=[HandlingMode.ONLINE_WINDOW, HandlingMode.WINDOW],
        fee="工本费20元",
        promised_days=15,
    )
    draft = editions.start_draft(actor=editor)
    editions.sync_draft(draft, actor=editor)
    edition = editions.publish(draft, actor=leader)
    unpublished = service_item(name="尚未发布的事项", category="traffic")
    draft = editions.start_draft(actor=editor)
    editions.sync_draft(draft, actor=editor)
    return {"edition": edition, "online": online, "window": window, "unpublished": unpublished}


def test_the_catalogue_shows_only_the_published_edition(client, live):
    response = client.get(reverse("guide:index"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "户口迁入（投靠配偶）" in body
    assert "尚未发布的事项" not in body
    assert "共 2 项服务事项，其中支持全程网办 1 项，可当场办结 1 项。" in body


def test_the_catalogue_filters_by_category_and_search(client, live):
    by_category = client.get(reverse("guide:index"), {"category": "traffic"}).content.decode()
    by_search = client.get(reverse("guide:index"), {"q": "身份证"}).content.decode()

    assert "没有符合条件的事项。" in by_category
    assert "居民身份证首次申领" in by_search
    assert "户口迁入（投靠配偶）" not in by_search


def test_before_any_publication_the_public_sees_none(client, db):
    service_item()

    response = client.get(reverse("guide:index"))

    assert "服务事项目录尚未发布。" in response.content.decode()
    assert client.get(reverse("guide:csv")).status_code == 404


def test_a_guide_page_shows_the_frozen_guide_and_the_apply_button(client, live):
    item = live["online"]
    item.fee = "改过的收费"
    item.save()

    response = client.get(reverse("guide:item", args=[item.code]))

    body = response.content.decode()
    assert "改过的收费" not in body
    assert "不收费" in body
    assert "准予迁入证明" in body
    assert "免提交" in body
    assert "需原件" in body
    assert f"/jkb/apply/{item.code}/" in body
    assert "全程网办" in body
    assert "当场办结" in body


def test_an_unpublished_item_has_no_public_guide(client, live):
    response = client.get(reverse("guide:item", args=[live["unpublished"].code]))

    assert response.status_code == 404


def test_a_bundle_page_links_its_published_items(client, live):
    bundle = Bundle.objects.create(code="YJS-T-1", name="测试一件事")
    BundleItem.objects.create(bundle=bundle, item=live["online"], order=1)
    BundleItem.objects.create(bundle=bundle, item=live["unpublished"], order=2)

    body = client.get(reverse("guide:bundle", args=["YJS-T-1"])).content.decode()

    assert reverse("guide:item", args=[live["online"].code]) in body
    assert reverse("guide:item", args=[live["unpublished"].code]) not in body
    assert "测试一件事" in client.get(reverse("guide:bundles")).content.decode()


def test_open_data_csv_has_a_bom_chinese_headers_and_one_row_per_published_item(client, live):
    response = client.get(reverse("guide:csv"))

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["版次", "事项编码", "事项名称"]
    assert [(r[2], r[7], r[11]) for r in rows[1:]] == [
        ("户口迁入（投靠配偶）", "不收费", "是"),
        ("居民身份证首次申领", "工本费20元", "否"),
    ]
    assert rows[1][14] == "居民身份证（免提交）；准予迁入证明（原件）"


def test_open_data_json_carries_the_edition_and_each_snapshot(client, live):
    data = json.loads(client.get(reverse("guide:json")).content)

    assert data["edition"]["number"] == 1
    assert [(e["code"], e["fully_online"]) for e in data["entries"]] == [
        (live["online"].code, True),
        (live["window"].code, False),
    ]


def test_the_portal_index_links_the_guide(client, db):
    assert reverse("guide:index") in client.get(reverse("portal:index")).content.decode()


def test_staff_see_the_draft_diff_against_the_published_edition(client, editor, live):
    client.force_login(editor)
    draft = editions.open_draft()

    body = client.get(reverse("service_catalogue:edition", args=[draft.pk])).content.decode()

    assert "新增 1 项" in body
    assert "尚未发布的事项" in body
    assert client.get(reverse("service_catalogue:editions")).status_code == 200


def test_a_leader_publishes_the_draft_from_the_staff_page(client, leader, live):
    client.force_login(leader)
    draft = editions.open_draft()

    response = client.post(reverse("service_catalogue:publish", args=[draft.pk]))

    assert response.status_code == 302
    assert editions.current_edition() == draft
    assert "尚未发布的事项" in client.get(reverse("guide:index")).content.decode()


def test_an_editor_may_not_publish(client, editor, live):
    client.force_login(editor)
    draft = editions.open_draft()

    response = client.post(reverse("service_catalogue:publish", args=[draft.pk]))

    assert response.status_code == 403
    assert editions.current_edition() == live["edition"]


def test_the_diff_page_compares_two_editions(client, editor, live):
    client.force_login(editor)
    draft = editions.open_draft()

    response = client.get(
        reverse("service_catalogue:diff"), {"a": live["edition"].pk, "b": draft.pk}
    )
    bad = client.get(reverse("service_catalogue:diff"), {"a": "x", "b": "1"})

    assert "尚未发布的事项" in response.content.decode()
    assert bad.status_code == 422

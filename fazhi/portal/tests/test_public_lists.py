import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from fazhi.catalog import editions
from fazhi.catalog.editions import default_responsibility
from fazhi.catalog.models import ListKind
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(tree, make_user):
    return make_user(Role.LEGAL_OFFICER, tree["city"], username="fazhiyuan")


@pytest.fixture
def leader(tree, make_user):
    return make_user(Role.LEADER, tree["city"], username="lingdao")


@pytest.fixture
def lists(editor, leader):
    """A power list: edition 1 superseded, edition 2 live, edition 3 a draft with a secret."""
    first = editions.start_draft(ListKind.POWER, actor=editor)
    editions.add_entry_from_item(
        first, EnforcementItemFactory(code="OLD-1", name="旧版专有事项"), actor=editor
    )
    editions.publish(first, actor=leader, effective_from=dt.date(2024, 1, 1))
    second = editions.start_draft(ListKind.POWER, actor=editor)
    editions.remove_entry(second.entries.get(code="OLD-1"), actor=editor)
    editions.add_entry_from_item(
        second,
        EnforcementItemFactory(
            code="ZA-001",
            name="殴打他人",
            basis_text="《中华人民共和国治安管理处罚法》第四十三条",
            levels=["district", "station"],
            centre_only=True,
        ),
        actor=editor,
    )
    editions.update_entry(
        second.entries.get(), {"responsibility": "受理、调查、决定"}, actor=editor
    )
    editions.add_entry_from_item(
        second, EnforcementItemFactory(code="ZA-002", name="赌博"), actor=editor
    )
    live = editions.publish(second, actor=leader, effective_from=dt.date(2025, 7, 1))
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    editions.add_entry_from_item(
        draft, EnforcementItemFactory(code="DRAFT-1", name="草稿保密事项"), actor=editor
    )
    return {"live": live, "draft": draft}


def test_public_pages_need_no_login(client, lists):
    assert client.get(reverse("portal:index")).status_code == 200
    assert client.get(reverse("portal:list", args=["power"])).status_code == 200


def test_landing_page_links_to_the_current_lists(client, lists):
    html = client.get(reverse("portal:index")).content.decode()

    assert reverse("portal:list", args=["power"]) in html
    assert reverse("portal:list_csv", args=["power"]) in html
    assert "现行第 2 版，自 2025-07-01 起施行。" in html
    assert "尚未发布。" in html  # the permit list


def test_public_list_shows_only_the_published_edition(client, lists):
    response = client.get(reverse("portal:list", args=["power"]))

    html = response.content.decode()
    assert [e.code for e in response.context["page"]] == ["ZA-001", "ZA-002"]
    assert "现行第 2 版，自 2025-07-01 起施行。" in html
    assert "DRAFT-1" not in html
    assert "草稿保密事项" not in html
    assert "OLD-1" not in html


def test_public_list_is_searchable(client, lists):
    response = client.get(reverse("portal:list", args=["power"]), {"q": "四十三条"})

    assert [e.code for e in response.context["page"]] == ["ZA-001"]


def test_a_list_never_published_says_so(client, lists):
    response = client.get(reverse("portal:list", args=["permit"]))

    assert response.status_code == 200
    assert response.context["edition"] is None
    assert client.get(reverse("portal:list_csv", args=["permit"])).status_code == 404


def test_unknown_list_kind_is_404(client):
    assert client.get("/public/lists/secret/").status_code == 404
    assert client.get("/public/lists/secret.json").status_code == 404


def test_a_draft_alone_never_reaches_the_public(client, editor):
    draft = editions.start_draft(ListKind.PERMIT, actor=editor)
    editions.add_entry_from_item(
        draft, EnforcementItemFactory(code="XK-1", name="草稿许可", permit=True), actor=editor
    )

    assert "XK-1" not in client.get(reverse("portal:list", args=["permit"])).content.decode()
    assert client.get(reverse("portal:list_json", args=["permit"])).status_code == 404


def test_csv_download_has_a_bom_chinese_headers_and_the_live_entries(client, lists):
    response = client.get(reverse("portal:list_csv", args=["power"]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="power-list-edition-2.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        [
            "清单",
            "版次",
            "生效日期",
            "事项编码",
            "事项名称",
            "事项类型",
            "实施依据",
            "行使层级",
            "可赋权乡镇（街道）",
            "应进必进",
            "责任事项",
        ],
        [
            "权责清单",
            "2",
            "2025-07-01",
            "ZA-001",
            "殴打他人",
            "行政处罚",
            "《中华人民共和国治安管理处罚法》第四十三条",
            "区县级、派出所",
            "否",
            "是",
            "受理、调查、决定",
        ],
        [
            "权责清单",
            "2",
            "2025-07-01",
            "ZA-002",
            "赌博",
            "行政处罚",
            "《中华人民共和国治安管理处罚法》第二十三条",
            "区县级、派出所",
            "否",
            "否",
            default_responsibility("penalty"),  # a new entry starts with its kind's text
        ],
    ]


def test_csv_headers_stay_chinese_when_the_visitor_reads_english(client, lists):
    client.cookies["django_language"] = "en"

    response = client.get(reverse("portal:list_csv", args=["power"]))

    assert response.content.decode("utf-8-sig").startswith("清单,版次,生效日期,事项编码")


def test_json_download_has_edition_metadata_and_entries(client, lists):
    response = client.get(reverse("portal:list_json", args=["power"]))

    body = json.loads(response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert body["edition"] == {
        "list_kind": "power",
        "list_name": "权责清单",
        "number": 2,
        "title": "权责清单（第2版）",
        "effective_from": "2025-07-01",
        "published_at": lists["live"].published_at.isoformat(),
    }
    assert body["entries"][0] == {
        "code": "ZA-001",
        "name": "殴打他人",
        "kind": "penalty",
        "kind_name": "行政处罚",
        "basis_text": "《中华人民共和国治安管理处罚法》第四十三条",
        "levels": ["district", "station"],
        "delegable_to_township": False,
        "must_use_centre": True,
        "responsibility": "受理、调查、决定",
    }
    assert [e["code"] for e in body["entries"]] == ["ZA-001", "ZA-002"]

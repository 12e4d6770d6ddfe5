"""The catalogue loader: the shipped files load cleanly, a second load changes nothing, bad entries
are rejected one by one with field and reason (zh and en), and the counts land in the seed's range."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from fazhi.audit.models import AuditEntry
from fazhi.services.catalogue import (
    BUNDLES_FILE,
    ITEMS_FILE,
    POLICE,
    CatalogueFileError,
    load_catalogue,
    load_demo,
)
from fazhi.services.models import Bundle, HandlingMode, Material, ServiceItem

pytestmark = pytest.mark.django_db

GOOD_ITEM = {
    "code": "JKB-T-001",
    "name": "户口迁入（投靠配偶）",
    "category": "household",
    "basis": "《中华人民共和国户口登记条例》第十三条",
    "levels": ["station"],
    "promised": "即办",
    "modes": ["online", "window"],
    "on_the_spot": True,
    "is_online": True,
    "materials": [{"name": "居民身份证", "fetched": True}],
    "form": "move_in",
}
FORMS = {"move_in": [{"key": "reason", "label": "迁入事由", "type": "text"}]}


def write(tmp_path: Path, items: list, bundles: list | None = None, forms=FORMS) -> dict:
    items_path = tmp_path / "items.yaml"
    items_path.write_text(
        yaml.safe_dump({"forms": forms, "items": items}, allow_unicode=True), encoding="utf-8"
    )
    bundles_path = tmp_path / "bundles.yaml"
    bundles_path.write_text(
        yaml.safe_dump({"bundles": bundles or []}, allow_unicode=True), encoding="utf-8"
    )
    return {"items_path": items_path, "bundles_path": bundles_path}


def item(**changes) -> dict:
    row = copy.deepcopy(GOOD_ITEM)
    for key, value in changes.items():
        if value is None:
            row.pop(key, None)
        else:
            row[key] = value
    return row


@pytest.fixture(scope="module")
def shipped():
    return yaml.safe_load(ITEMS_FILE.read_text(encoding="utf-8"))


def test_the_shipped_catalogue_loads_without_a_rejection(laws):
    report = load_catalogue()

    assert (report.items.rejected, report.bundles.rejected) == ([], [])
    assert report.items.accepted == ServiceItem.objects.count() == 437
    assert report.bundles.accepted == Bundle.objects.count() == 10


def test_a_second_load_changes_nothing_and_audits_nothing(laws):
    load_catalogue()
    entries = AuditEntry.objects.count()

    again = load_catalogue()

    assert (again.items.accepted, again.bundles.accepted, again.basis_changed) == (0, 0, 0)
    assert again.items.unchanged == 437
    assert again.changed is False
    assert AuditEntry.objects.count() == entries


def test_the_basis_of_items_citing_platform_laws_is_linked_to_the_provision(laws):
    report = load_catalogue()

    item = ServiceItem.objects.get(name="临时居民身份证申领")
    assert [(p.version.law.short_title, p.article, p.paragraph) for p in item.basis.all()] == [
        ("居民身份证法", 12, 2)
    ]
    assert report.unresolved == []  # laws the platform lacks stay text only (README)
    assert (report.linked, report.basis_changed) == (234, 148)


def test_the_shares_land_in_the_seeds_range(shipped):
    items = shipped["items"]
    online = [i for i in items if i["is_online"]]
    fully = [i for i in online if HandlingMode.ONLINE in i["modes"]]
    spot = [i for i in items if i["on_the_spot"]]

    assert len(online) == 413  # the seed: 435 online (README: what is missing)
    assert 0.84 <= len(fully) / len(online) <= 0.86  # the seed: 85.1% 全程网办
    assert 0.88 <= len(spot) / len(items) <= 0.92  # the seed: 90% 当场办结


def test_every_category_and_the_port_visa_item_are_in_the_catalogue(shipped):
    police = [i for i in shipped["items"] if i.get("department", POLICE) == POLICE]
    categories = {i["category"] for i in police}
    port = [i for i in police if i["name"] == "外国人口岸团队旅游签证"]

    assert categories == {"household", "exit_entry", "traffic", "public_order", "cyber", "other"}
    assert [(i["category"], i.get("needs_roster")) for i in port] == [("exit_entry", True)]


def test_bundles_combine_police_items_with_other_departments(laws):
    load_catalogue()

    newborn = Bundle.objects.get(name="新生儿出生一件事")
    departments = [e.item.department for e in newborn.entries.order_by("order")]
    assert departments == [
        "卫生健康委员会",
        "卫生健康委员会",
        POLICE,
        "医疗保障局",
        "人力资源和社会保障局",
    ]


def test_a_good_item_is_stored_with_its_materials_and_form(tmp_path):
    report = load_catalogue(**write(tmp_path, [item()]))

    stored = ServiceItem.objects.get(code="JKB-T-001")
    assert report.items.accepted == 1
    assert (stored.department, stored.form) == (POLICE, FORMS["move_in"])
    assert list(Material.objects.values_list("name", "fetched", "original")) == [
        ("居民身份证", True, False)
    ]


def test_a_changed_material_updates_the_item_and_is_audited(tmp_path):
    load_catalogue(**write(tmp_path, [item()]))

    report = load_catalogue(
        **write(tmp_path, [item(materials=[{"name": "结婚证", "original": True}])])
    )

    assert (report.items.accepted, report.items.unchanged) == (1, 0)
    assert list(Material.objects.values_list("name", "original")) == [("结婚证", True)]
    assert AuditEntry.objects.filter(action="services.item.import.updated").count() == 1


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (item(code="jkb 1"), "code", "事项编码“jkb 1”应为大写字母、数字和连字符，如 JKB-HZ-001。"),
        (item(name=None), "name", "不能为空。"),
        (
            item(category="交警"),
            "category",
            "“交警”不是可用的值，可用：household、exit_entry、traffic、public_order、cyber、other。",
        ),
        (
            item(levels=["province"]),
            "levels",
            "“province”不是可用的值，可用：city、district、station、township。",
        ),
        (
            item(promised="-1 个工作日"),
            "promised",
            "“-1 个工作日”应写明数量和单位，如“15 个工作日”“15 日”“24 小时”。",
        ),
        (
            item(promised=15),
            "promised",
            "“15”应写明数量和单位，如“15 个工作日”“15 日”“24 小时”。",
        ),
        (item(promised="400 日"), "promised", "“400 日”超出范围：应为 0 到 365。"),
        (item(statutory="0 小时"), "statutory", "“0 小时”超出范围：应为 1 到 720。"),
        (
            item(statutory="5 个工作日", promised="10 个工作日"),
            "promised",
            "items.yaml 第2条 JKB-T-001：承诺时限 10 个工作日 超过法定时限 5 个工作日。",
        ),
        (
            item(promised=None, promised_days=0),
            "promised_days",
            "promised_days 已停用：时限写作 statutory / promised 并写明单位，"
            "如“15 个工作日”“15 日”“24 小时”。",
        ),
        (item(modes=["window"]), "modes", "网上可办的事项应支持“全程网办”或“网上申请、窗口领取”。"),
        (
            item(is_online=False),
            "is_online",
            "办理方式含网上办理（online），is_online 却为 false。",
        ),
        (item(on_the_spot="yes"), "on_the_spot", "“yes”应为 true 或 false。"),
        (item(materials=[{"name": ""}]), "materials[1].name", "不能为空。"),
        (item(materials=[{"name": "照片", "colour": "red"}]), "materials[1]", "未知字段：colour。"),
        (
            item(form="unknown"),
            "form",
            "申请表“unknown”未在 forms 中定义，可用：move_in。",
        ),
        (
            item(form=[{"key": "Bad Key", "label": "x", "type": "text"}]),
            "form",
            "申请表定义有误：JKB-T-001 form[1]: key 'Bad Key' must match ^[a-z][a-z0-9_]{0,39}$",
        ),
        (item(fees="20元"), "fees", "未知字段：fees。"),
    ],
)
def test_a_bad_item_is_rejected_naming_the_field_and_why(tmp_path, row, field, reason):
    report = load_catalogue(**write(tmp_path, [item(code="JKB-T-002", name="好的事项"), row]))

    assert [(r.row, r.field, r.reason) for r in report.items.rejected] == [(2, field, reason)]
    assert report.items.accepted == 1  # the good one is still stored


def test_a_rejection_is_also_given_in_english(tmp_path):
    report = load_catalogue(**write(tmp_path, [item(name=None)]))

    assert report.items.rejected[0].reason_en != report.items.rejected[0].reason
    assert report.items.rejected[0].reason_en  # rendered in English (or the source if untranslated)


def test_a_code_repeated_in_the_file_is_rejected_the_second_time(tmp_path):
    report = load_catalogue(**write(tmp_path, [item(), item(name="另一个")]))

    assert [(r.row, r.field, r.reason) for r in report.items.rejected] == [
        (2, "code", "JKB-T-001 与第1条重复。")
    ]


@pytest.mark.parametrize(
    ("bundle", "field", "reason"),
    [
        (
            {"code": "YJS-9", "name": "x", "items": ["JKB-T-001"]},
            "items",
            "一件事应至少包含两个事项。",
        ),
        (
            {"code": "YJS-9", "name": "x", "items": ["JKB-T-001", "JKB-NONE-1"]},
            "items[2]",
            "事项编码“JKB-NONE-1”不存在。",
        ),
        (
            {"code": "YJS-9", "name": "x", "items": ["JKB-T-001", "JKB-T-001"]},
            "items[2]",
            "事项“JKB-T-001”出现了两次。",
        ),
        ({"code": "YJS-9", "items": ["JKB-T-001", "JKB-T-003"]}, "name", "不能为空。"),
    ],
)
def test_a_bad_bundle_is_rejected_naming_the_field_and_why(tmp_path, bundle, field, reason):
    items = [item(), item(code="JKB-T-003", name="另一个")]
    report = load_catalogue(**write(tmp_path, items, [bundle]))

    assert [(r.row, r.field, r.reason) for r in report.bundles.rejected] == [(1, field, reason)]
    assert Bundle.objects.count() == 0


def test_a_bundle_may_not_lean_on_an_item_rejected_in_the_same_file(tmp_path):
    load_catalogue(**write(tmp_path, [item(), item(code="JKB-T-003", name="另一个")]))
    bundle = {"code": "YJS-9", "name": "x", "items": ["JKB-T-001", "JKB-T-003"]}

    report = load_catalogue(
        **write(tmp_path, [item(), item(code="JKB-T-003", name=None)], [bundle])
    )

    assert [(r.field, r.reason) for r in report.bundles.rejected] == [
        ("items[2]", "事项编码“JKB-T-003”不存在。")
    ]


def test_strict_writes_nothing_when_an_entry_is_rejected(tmp_path):
    report = load_catalogue(**write(tmp_path, [item(), item(code="bad")]), strict=True)

    assert len(report.items.rejected) == 1
    assert ServiceItem.objects.count() == 0


def test_dry_run_reports_but_writes_nothing(tmp_path):
    report = load_catalogue(**write(tmp_path, [item()]), dry_run=True)

    assert report.items.accepted == 1
    assert ServiceItem.objects.count() == 0


def test_a_missing_or_malformed_file_is_refused_as_a_whole(tmp_path):
    with pytest.raises(CatalogueFileError, match="不存在"):
        load_catalogue(items_path=tmp_path / "none.yaml", bundles_path=None)
    (tmp_path / "bad.yaml").write_text("items: {a: 1}", encoding="utf-8")
    with pytest.raises(CatalogueFileError, match="应包含列表“items”"):
        load_catalogue(items_path=tmp_path / "bad.yaml", bundles_path=None)


def test_the_shipped_bundles_file_names_only_shipped_items(shipped):
    codes = {i["code"] for i in shipped["items"]}
    bundles = yaml.safe_load(BUNDLES_FILE.read_text(encoding="utf-8"))["bundles"]

    assert [c for b in bundles for c in b["items"] if c not in codes] == []


def test_the_shipped_catalogue_is_published_by_the_demo_step_and_rendered(laws, make_user, client):
    from django.urls import reverse

    from fazhi.core.roles import Role

    make_user(Role.LEGAL_OFFICER, username="legal")
    make_user(Role.LEADER, username="leader")
    notes: list[str] = []

    assert load_demo(notes) == (437, 1)
    assert load_demo(notes) == (0, 0)  # idempotent: nothing changed, nothing published
    assert notes == []

    index = client.get(reverse("guide:index")).content.decode()
    guide = client.get(reverse("guide:item", args=["JKB-HZ-072"])).content.decode()
    assert "共 409 项服务事项" in index
    assert "临时居民身份证申领" in guide
    assert "《中华人民共和国居民身份证法》第十二条第二款" in guide  # the linked provision
    assert "工本费10元" in guide

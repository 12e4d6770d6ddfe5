"""Importing enforcement items: column values, rejections and idempotency."""

import pytest

from fazhi.audit.models import AuditEntry
from fazhi.catalog.imports import ItemImporter
from fazhi.catalog.models import EnforcementItem
from fazhi.core.importing import Table, import_table

pytestmark = pytest.mark.django_db

ZH = [
    "事项编码",
    "事项名称",
    "事项类型",
    "实施依据",
    "行使层级",
    "可赋权乡镇",
    "应进必进",
    "所需执法资格",
]
EN = [
    "code",
    "name",
    "kind",
    "basis",
    "levels",
    "delegable",
    "must_use_centre",
    "required_qualification",
]
BASIS = "《中华人民共和国治安管理处罚法》第二十三条第一款第（一）项"


def item_row(
    code="ZA-1",
    kind="行政处罚",
    levels="派出所;区县级",
    delegable="否",
    centre="是",
    qualification="中级",
):
    return [code, "对扰乱单位秩序的处罚", kind, BASIS, levels, delegable, centre, qualification]


def import_items(rows, headers=ZH, **options):
    return import_table(ItemImporter("system:import"), Table(headers, rows), **options)


def stored(code="ZA-1"):
    item = EnforcementItem.objects.get(code=code)
    return (
        item.kind,
        item.basis_text,
        item.levels,
        item.delegable_to_township,
        item.must_use_centre,
        item.required_qualification,
    )


def test_an_item_row_is_stored_with_levels_in_canonical_order():
    report = import_items([item_row()])

    assert report.accepted == 1
    assert stored() == ("penalty", BASIS, ["district", "station"], False, True, 2)


def test_english_codes_and_headers_give_the_same_item_as_chinese_ones():
    import_items([item_row("A")])
    import_items(
        [item_row("B", "penalty", "station, district", "false", "yes", "intermediate")], headers=EN
    )

    assert stored("A") == stored("B")


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ("市级；区县级、派出所,乡镇（街道）", ["city", "district", "station", "township"]),
        ("街道", ["township"]),
        ("", []),
    ],
)
def test_levels_accept_every_documented_separator_and_word(levels, expected):
    import_items([item_row(levels=levels)])

    assert EnforcementItem.objects.get().levels == expected


def test_every_item_rejection_is_reported_with_its_row_and_field():
    rows = [
        item_row("1", kind="行政处罚决定"),
        item_row("2", levels="省级"),
        item_row("3", delegable="也许"),
        item_row("4", qualification="专家级"),
        ["5", "无依据", "行政检查", "", "", "", "", ""],
        item_row("1"),
    ]

    report = import_items(rows)

    assert [(r.row, r.field) for r in report.as_rejections()] == [
        (1, "kind"),
        (2, "levels"),
        (3, "delegable"),
        (4, "required_qualification"),
        (5, "basis"),
        (6, "code"),
    ]
    assert report.as_rejections()[2].reason == "“也许”应为“是”或“否”。"
    assert report.as_rejections()[5].reason == "1 与第1行重复。"
    assert EnforcementItem.objects.count() == 0


def test_empty_optional_cells_mean_the_documented_defaults():
    import_items([["ZA-1", "名称", "行政检查", BASIS, "", "", "", ""]])

    assert stored() == ("inspection", BASIS, [], False, False, 1)


def test_importing_items_twice_changes_nothing_the_second_time():
    rows = [item_row("A"), item_row("B", delegable="是")]
    import_items(rows)
    entries = AuditEntry.objects.count()

    report = import_items(rows)

    assert (report.accepted, report.unchanged) == (0, 2)
    assert AuditEntry.objects.count() == entries == 2


def test_a_changed_item_is_updated_and_audited_field_by_field():
    import_items([item_row()])

    report = import_items([item_row(centre="否")])

    assert report.accepted == 1
    entry = AuditEntry.objects.get(action="item.import.updated")
    assert entry.changes == {"must_use_centre": [True, False]}


def test_the_shipped_catalogue_file_imports_without_rejections():
    from pathlib import Path

    from fazhi.core.importing import import_file

    path = Path(__file__).resolve().parents[1] / "data" / "items.csv"
    if not path.is_file():
        pytest.skip("fazhi/catalog/data/items.csv is not there yet")

    report = import_file(ItemImporter("system:import"), path)

    assert report.as_rejections() == []
    assert report.accepted >= 100

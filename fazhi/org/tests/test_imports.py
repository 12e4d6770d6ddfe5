"""Importing units and officers: every rejection reason with its row, moves, idempotency."""

import datetime as dt

import pytest

from fazhi.audit.models import AuditEntry
from fazhi.core.importing import Table, import_table
from fazhi.org.imports import OfficerImporter, UnitImporter
from fazhi.org.models import Officer, OfficerStatus, QualificationLevel, Unit
from fazhi.org.tests.factories import OfficerFactory, make_citizen_id

pytestmark = pytest.mark.django_db

UNIT_HEADERS = ["code", "name", "type", "parent_code"]
OFFICER_HEADERS = [
    "警号",
    "姓名",
    "身份证号",
    "单位代码",
    "执法资格等级",
    "资格取得日期",
    "资格有效期至",
]
ID_1 = make_citizen_id(1)
ID_2 = make_citizen_id(2)


def import_units(rows, **options):
    return import_table(UnitImporter("system:import"), Table(UNIT_HEADERS, rows), **options)


def import_officers(rows, headers=OFFICER_HEADERS, **options):
    return import_table(OfficerImporter("system:import"), Table(headers, rows), **options)


def rejections(report):
    return [(r.row, r.field, r.reason) for r in report.as_rejections()]


def parent_of(code):
    unit = Unit.objects.get(code=code)
    parent = Unit.objects.get_parent(unit)
    return parent.code if parent else None


# --- units -------------------------------------------------------------------------------------


def test_units_are_written_parents_first_whatever_the_row_order():
    report = import_units(
        [
            ["500103-01", "甲区一派出所", "派出所", "500103"],
            ["500103", "甲区分局", "区县局", "500000"],
            ["500000", "示例市公安局", "市局", ""],
        ]
    )

    assert (report.accepted, report.rejected) == (3, [])
    assert parent_of("500103-01") == "500103"
    assert parent_of("500103") == "500000"


def test_unit_types_accept_chinese_labels_and_english_codes():
    import_units(
        [
            ["1", "市局", "city_bureau", ""],
            ["2", "街道", "街道", "1"],
            ["3", "乡镇", "乡镇/街道", "1"],
            ["4", "中心", "执法监督管理中心", "1"],
        ]
    )

    assert list(Unit.objects.order_by("code").values_list("kind", flat=True)) == [
        "city_bureau",
        "township",
        "township",
        "supervision_centre",
    ]


def test_a_unit_whose_parent_is_unknown_is_rejected(tree):
    report = import_units([["500103-09", "甲区九所", "派出所", "500999"]])

    assert rejections(report) == [(1, "parent_code", "上级单位代码 500999 不存在。")]


def test_units_in_a_cycle_are_rejected_with_the_cycle():
    report = import_units(
        [
            ["A", "甲", "派出所", "B"],
            ["B", "乙", "派出所", "A"],
            ["C", "丙", "基层案管室", "A"],
        ]
    )

    assert report.accepted == 0
    assert rejections(report) == [
        (1, "parent_code", "上级单位关系构成循环：A → B → A。"),
        (2, "parent_code", "上级单位关系构成循环：B → A → B。"),
        (3, "parent_code", "上级单位 A（第1行）未能导入。"),
    ]


def test_a_unit_that_is_its_own_parent_is_rejected():
    report = import_units([["A", "甲", "市局", "A"]])

    assert rejections(report) == [(1, "parent_code", "单位不能以自己为上级单位。")]


def test_a_child_of_a_rejected_unit_names_the_parents_row():
    report = import_units(
        [
            ["500000", "示例市公安局", "市局", ""],
            ["500103-01", "甲区一派出所", "派出所", "500103"],
            ["500103", "甲区分局", "总队", "500000"],
        ]
    )

    assert rejections(report) == [
        (2, "parent_code", "上级单位 500103（第3行）未能导入。"),
        (3, "type", rejections(report)[1][2]),
    ]
    assert rejections(report)[1][2].startswith("“总队”不是可用的值")


def test_a_duplicate_unit_code_in_the_file_is_rejected():
    report = import_units([["1", "市局", "市局", ""], ["1", "又一个", "市局", ""]])

    assert rejections(report) == [(2, "code", "1 与第1行重复。")]


def test_an_existing_unit_with_a_new_parent_is_moved_with_its_subtree(tree):
    Unit.objects.add_child(
        Unit.objects.get(code="500103-01"), {"code": "X", "name": "案管室", "kind": "case_room"}
    )

    report = import_units([["500103-01", "甲区一派出所", "派出所", "500104"]])

    assert report.accepted == 1
    assert parent_of("500103-01") == "500104"
    assert parent_of("X") == "500103-01"
    assert Unit.objects.get(code="X").path.startswith(Unit.objects.get(code="500104").path)
    entry = AuditEntry.objects.get(action="unit.import.updated")
    assert entry.changes == {"parent_code": ["500103", "500104"]}


def test_a_unit_cannot_be_moved_under_its_own_descendant(tree):
    report = import_units([["500103", "甲区分局", "区县局", "500103-01"]])

    assert rejections(report) == [
        (1, "parent_code", "不能把单位移到它自己的下级单位 500103-01 之下。")
    ]
    assert parent_of("500103") == "500000"


def test_a_renamed_unit_is_updated_and_audited_with_before_and_after(tree):
    report = import_units([["500103", "甲区公安分局", "区县局", "500000"]])

    assert (report.accepted, report.unchanged) == (1, 0)
    entry = AuditEntry.objects.get(action="unit.import.updated")
    assert entry.changes == {"name": ["甲区分局", "甲区公安分局"]}


# --- officers ----------------------------------------------------------------------------------


def officer_row(
    number="010001",
    id_number=ID_1,
    unit="500103-01",
    level="中级",
    granted="2024-01-01",
    expires="2028-12-31",
):
    return [number, "王建国", id_number, unit, level, granted, expires]


def test_an_officer_row_is_stored_with_its_qualification(tree):
    report = import_officers([officer_row()])

    assert report.accepted == 1
    officer = Officer.objects.get(police_number="010001")
    assert (officer.name, officer.unit.code, officer.status) == ("王建国", "500103-01", "on_duty")
    assert officer.qualification_level == QualificationLevel.INTERMEDIATE
    assert officer.qualification_granted_on == dt.date(2024, 1, 1)
    assert officer.qualification_expires_on == dt.date(2028, 12, 31)


def test_officer_id_numbers_are_stored_with_an_uppercase_x(tree):
    first17 = "11010519491231002"
    import_officers([officer_row(id_number=first17 + "x")])

    assert Officer.objects.get().id_number == "11010519491231002X"


def test_every_officer_rejection_is_reported_with_its_row_and_field(tree):
    wrong_check = ID_2[:17] + ("0" if ID_2[17] != "0" else "1")
    rows = [
        officer_row("1", wrong_check),
        officer_row("2", make_citizen_id(3), unit="500999"),
        officer_row("3", make_citizen_id(4), granted="2024/01/01"),
        officer_row("3", make_citizen_id(5)),
        officer_row("5", make_citizen_id(4)),
        officer_row("6", make_citizen_id(6), granted="2025-01-01", expires="2024-12-31"),
        officer_row("7", make_citizen_id(7), level="专家级"),
        officer_row("8", make_citizen_id(8), granted=""),
        officer_row("9", make_citizen_id(9), level="", granted="2024-01-01", expires=""),
        officer_row("", make_citizen_id(10)),
        officer_row("11", "12345"),
        officer_row("12", make_citizen_id(12), expires="2024-02-30"),
    ]

    report = import_officers(rows)

    assert report.accepted == 0
    assert rejections(report) == [
        (1, "id_number", f"身份证号校验码错误：第18位应为 {ID_2[17]}，实际为 {wrong_check[17]}。"),
        (2, "unit_code", "单位代码 500999 不存在。"),
        (3, "qualification_granted", "“2024/01/01”不是 YYYY-MM-DD 格式的有效日期。"),
        (4, "police_number", "3 与第3行重复。"),
        (5, "id_number", f"{make_citizen_id(4)} 与第3行重复。"),
        (6, "qualification_expires", "资格有效期至 2024-12-31 早于资格取得日期 2025-01-01。"),
        (
            7,
            "qualification_level",
            "“专家级”不是可用的值，可用：基本级、中级、高级、basic、intermediate、advanced。",
        ),
        (8, "qualification_granted", "有执法资格等级时，资格取得日期不能为空。"),
        (9, "qualification_level", "填写了资格日期，但未填写执法资格等级。"),
        (10, "police_number", "不能为空。"),
        (11, "id_number", "身份证号应为18位，实际为5位。"),
        (12, "qualification_expires", "“2024-02-30”不是 YYYY-MM-DD 格式的有效日期。"),
    ]
    assert Officer.objects.count() == 0


def test_an_id_number_already_held_by_another_officer_is_rejected(tree):
    OfficerFactory(police_number="099999", id_number=ID_1, unit=tree["s1"])

    report = import_officers([officer_row("010001", ID_1)])

    assert rejections(report) == [(1, "id_number", "该身份证号已登记在警号 099999 名下。")]


def test_the_wrong_check_digit_reason_is_also_given_in_english(tree):
    from django.utils import translation

    wrong = ID_1[:17] + ("0" if ID_1[17] != "0" else "1")
    report = import_officers([officer_row(id_number=wrong)])

    with translation.override("en"):
        from fazhi.core.identity import validate_citizen_id

        try:
            validate_citizen_id(wrong)
        except ValueError as error:
            english = str(error)
    assert report.rejected[0].reason_en == english


def test_importing_officers_twice_accepts_nothing_and_audits_nothing_the_second_time(tree):
    rows = [officer_row("1", ID_1), officer_row("2", ID_2, level="", granted="", expires="")]
    import_officers(rows)
    entries = AuditEntry.objects.count()

    report = import_officers(rows)

    assert (report.accepted, report.unchanged, report.rejected) == (0, 2, [])
    assert AuditEntry.objects.count() == entries == 2


def test_a_changed_officer_is_updated_with_masked_id_numbers_in_the_audit(tree):
    import_officers([officer_row("1", ID_1)])

    report = import_officers([officer_row("1", ID_2, unit="500104-01")])

    assert report.accepted == 1
    entry = AuditEntry.objects.get(action="officer.import.updated")
    assert entry.changes == {
        "id_number": [f"{ID_1[:4]}**********{ID_1[-4:]}", f"{ID_2[:4]}**********{ID_2[-4:]}"],
        "unit": ["500103-01", "500104-01"],
    }


def test_the_new_officer_audit_masks_the_id_number(tree):
    import_officers([officer_row("1", ID_1)])

    entry = AuditEntry.objects.get(action="officer.import.created")
    assert entry.changes["id_number"] == [None, f"{ID_1[:4]}**********{ID_1[-4:]}"]
    assert ID_1 not in str(entry.changes)


def test_english_and_chinese_officer_headers_give_the_same_officer(tree):
    english = [
        "police_number",
        "name",
        "id_number",
        "unit_code",
        "qualification_level",
        "qualification_granted",
        "qualification_expires",
    ]
    import_officers([officer_row("1", ID_1, level="advanced")], headers=english)
    import_officers([officer_row("2", ID_2, level="高级")])

    first, second = Officer.objects.order_by("police_number")
    fields = [
        "unit_id",
        "qualification_level",
        "qualification_granted_on",
        "qualification_expires_on",
    ]
    assert [getattr(first, f) for f in fields] == [getattr(second, f) for f in fields]


def test_officers_without_qualification_columns_keep_their_stored_qualification(tree):
    import_officers([officer_row("1", ID_1)])

    report = import_officers([["1", "王建国", ID_1, "500103-01"]], headers=OFFICER_HEADERS[:4])

    assert report.unchanged == 1
    assert Officer.objects.get().qualification_level == QualificationLevel.INTERMEDIATE


def test_one_qualification_column_without_the_others_is_rejected(tree):
    report = import_officers([[*officer_row()[:5]]], headers=OFFICER_HEADERS[:5])

    assert rejections(report) == [
        (1, "qualification_granted", "资格等级、取得日期和有效期至三列须同时提供。")
    ]


def test_the_status_column_takes_chinese_or_english(tree):
    headers = [*OFFICER_HEADERS, "status"]
    import_officers(
        [[*officer_row("1", ID_1), "停止执法"], [*officer_row("2", ID_2), "off_duty"]],
        headers=headers,
    )

    assert list(Officer.objects.values_list("status", flat=True)) == [
        OfficerStatus.SUSPENDED,
        OfficerStatus.OFF_DUTY,
    ]


def test_rejection_reasons_are_translated_to_english_in_reason_en(tree):
    report = import_officers([officer_row(unit="500999")])

    assert report.rejected[0].reason == "单位代码 500999 不存在。"
    assert report.rejected[0].reason_en == "Unit code 500999 does not exist."

"""The generic import framework and the `fazhi import` command (files, headers, modes, report)."""

import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from fazhi.audit.models import AuditEntry
from fazhi.core.importing import ImportFileError, import_file, read_table
from fazhi.core.roles import Role
from fazhi.org.imports import UnitImporter
from fazhi.org.models import Unit

pytestmark = pytest.mark.django_db

UNITS = [
    ["500000", "示例市公安局", "市局", ""],
    ["500103", "甲区分局", "区县局", "500000"],
    ["500103-01", "甲区一派出所", "派出所", "500103"],
]
ZH_UNIT_HEADERS = ["单位代码", "单位名称", "单位类型", "上级单位代码"]
EN_UNIT_HEADERS = ["code", "name", "type", "parent_code"]


def write_csv(path, headers, rows, encoding="utf-8"):
    lines = [",".join(headers)] + [",".join(row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_xlsx(path, headers, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def run(*args):
    """Run `fazhi import ARGS --json` and return the parsed report."""
    from io import StringIO

    out = StringIO()
    call_command("import_data", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def stored_units():
    return [(u.code, u.name, u.kind, u.depth) for u in Unit.objects.order_by("code")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gbk(tmp_path, encoding):
    path = write_csv(tmp_path / "units.csv", ZH_UNIT_HEADERS, UNITS, encoding)

    table = read_table(path)

    assert table.headers == ZH_UNIT_HEADERS
    assert table.rows[1] == ["500103", "甲区分局", "区县局", "500000"]


def test_xlsx_and_csv_give_the_same_units(tmp_path):
    write_xlsx(tmp_path / "units.xlsx", ZH_UNIT_HEADERS, UNITS)
    report = run("units", str(tmp_path / "units.xlsx"))
    from_xlsx = stored_units()
    Unit.objects.all().delete()

    write_csv(tmp_path / "units.csv", ZH_UNIT_HEADERS, UNITS)
    assert run("units", str(tmp_path / "units.csv")) == report
    assert stored_units() == from_xlsx
    assert from_xlsx == [
        ("500000", "示例市公安局", "city_bureau", 1),
        ("500103", "甲区分局", "district_bureau", 2),
        ("500103-01", "甲区一派出所", "station", 3),
    ]


def test_xlsx_numbers_and_dates_are_read_as_text(tmp_path):
    import datetime as dt

    path = write_xlsx(tmp_path / "t.xlsx", ["a", "b"], [[500103, dt.datetime(2024, 5, 1)]])  # noqa: DTZ001 - Excel cells are naive

    assert read_table(path).rows == [["500103", "2024-05-01"]]


def test_chinese_and_english_headers_give_the_same_result(tmp_path):
    zh = run("units", str(write_csv(tmp_path / "zh.csv", ZH_UNIT_HEADERS, UNITS)))
    from_zh = stored_units()
    Unit.objects.all().delete()

    en = run("units", str(write_csv(tmp_path / "en.csv", EN_UNIT_HEADERS, UNITS)))

    assert en == zh == {"accepted": 3, "unchanged": 0, "rejected": []}
    assert stored_units() == from_zh


def test_an_unknown_header_stops_the_import_before_any_row(tmp_path):
    path = write_csv(tmp_path / "u.csv", [*ZH_UNIT_HEADERS, "备注"], [[*UNITS[0], "x"]])

    with pytest.raises(ImportFileError, match="未知的列“备注”（第5列）"):
        import_file(UnitImporter("system:import"), path)
    assert Unit.objects.count() == 0


def test_a_missing_required_header_stops_the_import(tmp_path):
    path = write_csv(tmp_path / "u.csv", ["code", "name", "parent_code"], [["1", "x", ""]])

    with pytest.raises(ImportFileError, match="缺少必需的列：单位类型/type。"):
        import_file(UnitImporter("system:import"), path)


def test_a_header_given_twice_stops_the_import(tmp_path):
    path = write_csv(tmp_path / "u.csv", [*EN_UNIT_HEADERS, "单位代码"], [])

    with pytest.raises(ImportFileError, match="列“单位代码”出现了两次（第5列）"):
        import_file(UnitImporter("system:import"), path)


def test_a_header_error_exits_with_code_2(tmp_path):
    path = write_csv(tmp_path / "u.csv", ["code", "名字"], [])

    with pytest.raises(CommandError) as caught:
        call_command("import_data", "units", str(path))

    assert caught.value.returncode == 2


def test_a_missing_file_exits_with_code_2(tmp_path):
    with pytest.raises(CommandError, match="不存在") as caught:
        call_command("import_data", "units", str(tmp_path / "nothing.csv"))

    assert caught.value.returncode == 2


def test_json_report_has_exactly_the_documented_structure(tmp_path):
    rows = [*UNITS, ["500104", "乙区分局", "大队", "500000"]]
    path = write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, rows)

    report = run("units", str(path))

    assert list(report) == ["accepted", "unchanged", "rejected"]
    assert report["accepted"] == 3
    assert report["unchanged"] == 0
    [rejected] = report["rejected"]
    assert list(rejected) == ["row", "field", "reason", "reason_en"]
    assert rejected["row"] == 4
    assert rejected["field"] == "type"
    assert rejected["reason"].startswith("“大队”不是可用的值")


def test_importing_the_same_file_twice_changes_nothing_the_second_time(tmp_path):
    path = write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, UNITS)
    run("units", str(path))
    entries = AuditEntry.objects.count()

    assert run("units", str(path)) == {"accepted": 0, "unchanged": 3, "rejected": []}
    assert AuditEntry.objects.count() == entries


def test_dry_run_writes_nothing_but_reports_as_if(tmp_path):
    path = write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, UNITS)

    report = run("units", str(path), "--dry-run")

    assert report == {"accepted": 3, "unchanged": 0, "rejected": []}
    assert Unit.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_valid_rows_are_written_when_another_row_is_rejected(tmp_path):
    rows = [*UNITS, ["500104", "", "区县局", "500000"]]

    report = run("units", str(write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, rows)))

    assert report["accepted"] == 3
    assert [(r["row"], r["field"]) for r in report["rejected"]] == [(4, "name")]
    assert Unit.objects.count() == 3


def test_strict_writes_nothing_when_one_row_is_rejected_and_exits_1(tmp_path):
    rows = [*UNITS, ["500104", "", "区县局", "500000"]]
    path = write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, rows)

    with pytest.raises(CommandError) as caught:
        call_command("import_data", "units", str(path), "--strict", "--json")

    assert caught.value.returncode == 1
    assert Unit.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_strict_writes_everything_when_no_row_is_rejected(tmp_path):
    path = write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, UNITS)

    assert run("units", str(path), "--strict")["accepted"] == 3
    assert Unit.objects.count() == 3


def test_blank_lines_keep_their_row_number_and_are_not_rows(tmp_path):
    rows = [UNITS[0], ["", "", "", ""], ["500104", "乙区分局", "外星", "500000"]]

    report = run("units", str(write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, rows)))

    assert report["accepted"] == 1
    assert [r["row"] for r in report["rejected"]] == [3]


def test_a_row_with_more_cells_than_headers_is_rejected(tmp_path):
    rows = [[*UNITS[0], "extra"]]

    report = run("units", str(write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, rows)))

    assert report["rejected"][0]["row"] == 1
    assert report["rejected"][0]["reason"] == "该行的单元格多于表头的列数。"


def test_the_audit_names_system_import_by_default(tmp_path):
    run("units", str(write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, UNITS[:1])))

    entry = AuditEntry.objects.get()
    assert (entry.actor_label, entry.action, entry.object_repr) == (
        "system:import",
        "unit.import.created",
        "示例市公安局",
    )


def test_the_audit_names_the_operator_given_with_actor(tmp_path, make_user):
    admin = make_user(Role.SYSTEM_ADMIN, username="ops-wang")
    path = write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, UNITS[:1])

    run("units", str(path), "--actor", "ops-wang")

    entry = AuditEntry.objects.get()
    assert (entry.actor_id, entry.actor_label) == (admin.pk, "ops-wang")


def test_an_actor_without_the_import_capability_is_refused(tmp_path, make_user):
    make_user(Role.OFFICER, username="officer-li")
    path = write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, UNITS[:1])

    with pytest.raises(CommandError, match="无权导入基础数据"):
        call_command("import_data", "units", str(path), "--actor", "officer-li")
    assert Unit.objects.count() == 0


def test_plain_output_prints_counts_and_a_table_of_rejected_rows(tmp_path):
    from io import StringIO

    rows = [*UNITS, ["500104", "乙区分局", "外星", "500000"]]
    out = StringIO()

    call_command(
        "import_data",
        "units",
        str(write_csv(tmp_path / "u.csv", EN_UNIT_HEADERS, rows)),
        stdout=out,
    )

    lines = out.getvalue().splitlines()
    assert lines[0] == "接受 3 行，未变化 0 行，拒绝 1 行。"
    assert lines[2].split()[:2] == ["4", "type"]


@pytest.mark.parametrize("kind", ["units", "officers", "items"])
def test_template_has_the_chinese_headers_and_imports_as_empty(tmp_path, kind):
    path = tmp_path / f"{kind}.xlsx"

    call_command("import_data", "template", kind, str(path), stdout=__import__("io").StringIO())

    table = read_table(path)
    assert table.rows == []
    assert all(not header.isascii() for header in table.headers)
    assert run(kind, str(path)) == {"accepted": 0, "unchanged": 0, "rejected": []}


def test_reasons_are_rendered_in_chinese_and_in_english_whatever_the_active_language():
    from django.utils import translation

    from fazhi.core.importing import Rejection, RowError, lazy_message

    error = RowError("code", lazy_message(translation.get_language))
    with translation.override("en"):
        rejection = Rejection.of(7, error)

    assert rejection == Rejection(row=7, field="code", reason="zh-hans", reason_en="en")


DOCS = __import__("pathlib").Path(__file__).resolve().parents[3] / "docs" / "import"


def test_the_documented_examples_import_without_rejections():
    reports = [run(kind, str(DOCS / f"{kind}.csv")) for kind in ("units", "officers", "items")]

    assert [r["rejected"] for r in reports] == [[], [], []]
    assert [r["accepted"] for r in reports] == [7, 4, 3]


def test_the_documented_bad_examples_reject_the_rows_they_are_meant_to():
    run("units", str(DOCS / "units.csv"))
    run("officers", str(DOCS / "officers.csv"))
    bad = DOCS / "examples-with-errors"

    fields = {
        kind: [(r["row"], r["field"]) for r in run(kind, str(bad / f"{kind}.csv"))["rejected"]]
        for kind in ("units", "officers", "items")
    }

    assert fields == {
        "units": [
            (1, "parent_code"),
            (2, "type"),
            (3, "parent_code"),
            (4, "parent_code"),
            (5, "parent_code"),
            (6, "name"),
        ],
        "officers": [
            (1, "id_number"),
            (2, "unit_code"),
            (3, "qualification_granted"),
            (4, "police_number"),
            (5, "qualification_expires"),
            (6, "qualification_level"),
        ],
        "items": [(2, "kind"), (3, "levels"), (4, "basis"), (5, "code")],
    }


def test_the_apps_register_what_fazhi_import_can_import():
    """core names no importer: each app registers its own (ADR 0017)."""
    from fazhi.catalog.imports import ItemImporter
    from fazhi.core.importing import importers
    from fazhi.litigation.imports import MatterImporter
    from fazhi.org.imports import OfficerImporter, UnitImporter
    from fazhi.petitions.imports import PetitionImporter
    from fazhi.training.imports import QuestionImporter

    assert importers() == {
        "units": UnitImporter,
        "officers": OfficerImporter,
        "items": ItemImporter,
        "litigation": MatterImporter,
        "petitions": PetitionImporter,
        "questions": QuestionImporter,
    }

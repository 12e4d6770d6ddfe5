"""Import of open petitions: per-row report, idempotent, accepted ones keep their 60 days."""

import datetime as dt

import pytest
import time_machine

from fazhi.core.importing import Table, import_table
from fazhi.petitions.imports import PetitionImporter
from fazhi.petitions.models import Petition

pytestmark = pytest.mark.django_db
HEADERS = ["信访编号", "承办单位代码", "信访渠道", "收到日期", "转送交办机关", "转送交办日期", "信访人",
           "身份证号", "联系电话", "信访事项", "诉求", "受理日期", "延长天数"]  # fmt: skip


def _rows(unit):
    return [
        ["OLD-1", unit, "走访", "2026-03-02", "", "", "李四", "110101199003070011", "", "噪音", "处理噪音；赔偿", "2026-03-05", "10"],
        ["OLD-2", unit, "转送", "2026-03-06", "", "", "王五", "", "", "欠薪", "支付工资", "", ""],
        ["OLD-3", "NOPE", "来电", "2026-03-06", "", "", "赵六", "", "", "事项", "诉求", "", ""],
        ["OLD-4", unit, "来信", "2026-03-06", "", "", "钱七", "110101199003070012", "", "事项", "诉求", "", ""],
        ["OLD-5", unit, "来电", "2026-03-06", "", "", "孙八", "", "", "事项", "诉求", "", ""],
    ]  # fmt: skip


@time_machine.travel("2026-03-10 10:00+08:00")
def test_each_rejected_row_is_reported_and_a_second_import_changes_nothing(tree):
    table = Table(HEADERS, _rows(tree["s1"].code))
    report = import_table(PetitionImporter("system:import"), table)

    assert report.accepted == 2
    assert [(r.row, r.field) for r in report.as_rejections()] == [
        (2, "sender"), (3, "unit"), (4, "petitioner_id_number"),
    ]  # fmt: skip
    accepted = Petition.objects.get(number="OLD-1")
    assert accepted.status == "accepted"
    assert accepted.deadlines.get(code="handling").due_on == dt.date(2026, 5, 14)
    assert list(accepted.claims.values_list("route", flat=True)) == ["petition", "petition"]
    assert Petition.objects.get(number="OLD-5").deadlines.get(code="notice").due_on == dt.date(
        2026, 3, 21
    )

    again = import_table(PetitionImporter("system:import"), table)
    assert (again.accepted, again.unchanged) == (0, 2)

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from fazhi.core.calendar import CalendarFileError, WorkCalendar
from fazhi.core.periods import PeriodUnit, add_period

D = dt.date


@pytest.fixture(scope="module")
def cal():
    return WorkCalendar.load()


def test_the_bureau_file_for_2026_agrees_with_the_package(cal, tmp_path):
    package_only = WorkCalendar.load(tmp_path)  # an empty rules folder
    day = D(2026, 1, 1)
    while day.year == 2026:
        assert cal.is_workday(day) == package_only.is_workday(day), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        (D(2026, 2, 14), True),  # Saturday, make-up working day (春节)
        (D(2026, 2, 16), False),  # 春节
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday, make-up working day (国庆节)
        (D(2026, 10, 11), False),  # Sunday
        (D(2026, 10, 7), False),  # Wednesday inside the 国庆 block
    ],
)
def test_2026_notice_days(cal, day, is_workday):
    assert cal.is_workday(day) is is_workday


def test_five_working_days_across_national_day_explain_themselves(cal):
    period = add_period(D(2026, 9, 30), 5, PeriodUnit.WORKDAYS, calendar=cal)
    assert period.end == D(2026, 10, 13)
    assert period.due_at == dt.datetime(2026, 10, 14, tzinfo=dt.UTC) - dt.timedelta(hours=8)
    assert "跳过 2026-10-01…07（国庆节）" in period.explain()
    assert "计入调休上班日 2026-10-10" in period.explain()
    assert "《中华人民共和国行政处罚法》第八十五条" in period.basis
    assert not period.is_provisional


def test_a_day_period_ending_on_a_rest_day_moves_to_the_next_working_day(cal):
    # 2026-09-20 + 11 days = 2026-10-01 (国庆节) → 2026-10-08.
    period = add_period(D(2026, 9, 20), 11, PeriodUnit.DAYS, calendar=cal)
    assert period.end == D(2026, 10, 8)
    assert period.rolled_from == D(2026, 10, 1)


def test_a_liberty_period_is_never_extended_by_a_holiday(cal):
    period = add_period(D(2026, 9, 20), 11, PeriodUnit.DAYS, liberty=True, calendar=cal)
    assert period.end == D(2026, 10, 1)
    assert period.rolled_from is None


def test_hours_run_from_the_exact_recorded_time(cal):
    start = dt.datetime(2026, 10, 1, 21, 15, tzinfo=dt.UTC)
    period = add_period(start, 8, PeriodUnit.HOURS, liberty=True, calendar=cal)
    assert period.due_at == dt.datetime(2026, 10, 2, 5, 15, tzinfo=dt.UTC)


def test_an_hour_period_needs_a_time(cal):
    with pytest.raises(ValueError, match="start time"):
        add_period(D(2026, 10, 1), 8, PeriodUnit.HOURS, calendar=cal)


def test_a_year_without_a_notice_is_counted_on_statutory_days_and_marked_provisional(cal):
    period = add_period(D(2026, 12, 28), 5, PeriodUnit.WORKDAYS, calendar=cal)
    assert period.end == D(2027, 1, 5)  # 2027-01-01 元旦 (放假办法 第二条) is skipped
    assert period.missing_years == (2027,)
    assert period.is_provisional
    assert "2027-01-01（元旦）" in period.explain()
    assert "暂定" in period.explain()


def test_a_bureau_file_adds_a_year_without_a_code_change(tmp_path):
    (tmp_path / "calendar").mkdir()
    (tmp_path / "calendar" / "2027.yaml").write_text(
        "year: 2027\ncomplete: true\nsource: test\n"
        "holidays:\n  - {from: 2027-01-01, to: 2027-01-03, name: 元旦}\n"
        "workdays:\n  - {date: 2027-01-09, name: 元旦调休上班}\n",
        encoding="utf-8",
    )
    cal = WorkCalendar.load(tmp_path)
    assert cal.is_known(2027)
    assert cal.is_workday(D(2027, 1, 1)) is False
    assert cal.is_workday(D(2027, 1, 9)) is True  # a Saturday
    assert not add_period(D(2026, 12, 28), 5, PeriodUnit.WORKDAYS, calendar=cal).is_provisional


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("year: x\n", "2027.yaml:1: year: 必须是整数"),
        (
            "year: 2027\nholidays:\n  - {from: 2027-13-01, name: x}\n",
            "2027.yaml:3: 2027-13-01 不是日期",
        ),
        (
            "year: 2027\nholidays:\n  - {from: 2027-02-30, name: x}\n",
            "2027.yaml:3: 2027-02-30 不是日期",
        ),
        ("year: 2027\nholiday: []\n", "2027.yaml:2: holiday: 未知字段"),
        (
            "year: 2027\nworkdays:\n  - {date: 2028-01-02}\n",
            r"2027.yaml:3: workdays\[0\].date: 2028-01-02 不在 2027 年内",
        ),
    ],
)
def test_a_broken_calendar_file_is_refused_naming_the_file(tmp_path, content, message):
    (tmp_path / "calendar").mkdir()
    (tmp_path / "calendar" / "2027.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(CalendarFileError, match=message) as excinfo:
        WorkCalendar.load(tmp_path)
    assert "2027.yaml" in str(excinfo.value)


@given(st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 6, 30)), st.integers(1, 60))
def test_adding_working_days_lands_on_a_working_day_after_the_start(start, n):
    cal = WorkCalendar.load()
    end = cal.add_working_days(start, n)
    assert end > start
    assert cal.is_workday(end)
    days = [start + dt.timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(cal.is_workday(day) for day in days) == n


@given(st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 6, 30)), st.integers(1, 59))
def test_more_working_days_never_end_earlier(start, n):
    cal = WorkCalendar.load()
    assert cal.add_working_days(start, n + 1) > cal.add_working_days(start, n)


@given(st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 6, 30)), st.integers(1, 90))
def test_a_day_period_ends_on_a_working_day_unless_it_restricts_liberty(start, n):
    cal = WorkCalendar.load()
    ordinary = add_period(start, n, PeriodUnit.DAYS, calendar=cal)
    liberty = add_period(start, n, PeriodUnit.DAYS, liberty=True, calendar=cal)
    assert cal.is_workday(ordinary.end)
    assert liberty.end == start + dt.timedelta(days=n)
    assert ordinary.end >= liberty.end


def test_calendar_add_command_prints_json(capsys):
    call_command(
        "calendar", "add", "--from", "2026-09-30", "--amount", "5", "--unit", "workdays", "--json"
    )
    out = json.loads(capsys.readouterr().out)
    assert out["end"] == "2026-10-13"
    assert "第八十五条" in out["basis"]
    assert out["provisional"] is False


@time_machine.travel("2026-11-25 09:00+08:00")
def test_calendar_command_names_the_missing_year(capsys):
    call_command("calendar")
    assert "MISSING: 2027" in capsys.readouterr().out

"""The working-day calendar: China's statutory holidays and make-up working days (调休).

Data comes from the ``chinesecalendar`` package (years it knows) overlaid by the bureau's own files
under ``rules/calendar/*.yaml`` (a new year's State Council notice, or a correction), so a year can
be added without a code change. A year that neither source knows is counted on weekends alone and
every result that touches it is marked provisional (legal brief §7).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import yaml
from chinese_calendar import constants as cc_constants
from django.conf import settings

from fazhi.core.errors import FazhiError


class CalendarFileError(FazhiError):
    code = "calendar_file"


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    is_workday: bool
    name: str  # 国庆节, 国庆节调休上班, 周末, 工作日
    is_known: bool  # False: the year's holiday notice is not in the calendar (weekends only)


@dataclass
class WorkCalendar:
    """Which days are working days. Build it with ``WorkCalendar.load()``."""

    holidays: dict[dt.date, str] = field(default_factory=dict)
    makeup_workdays: dict[dt.date, str] = field(default_factory=dict)
    known_years: frozenset[int] = frozenset()
    sources: tuple[str, ...] = ()

    @classmethod
    def load(cls, rules_dir: Path | None = None) -> WorkCalendar:
        """Return the package's data overlaid by every rules/calendar/*.yaml file."""
        holidays = {
            day: _holiday_name(day) for day in cc_constants.holidays if isinstance(day, dt.date)
        }
        workdays = {day: "调休上班" for day in cc_constants.workdays if isinstance(day, dt.date)}
        years = {day.year for day in holidays}
        sources = [f"chinesecalendar {chinese_calendar.__version__}"]
        folder = (rules_dir or settings.RULES_DIR) / "calendar"
        for path in sorted(folder.glob("*.yaml")) if folder.exists() else []:
            year, file_holidays, file_workdays, complete = _read_calendar_file(path)
            for day in [d for d in holidays if d.year == year] if complete else []:
                del holidays[day]
            for day in [d for d in workdays if d.year == year] if complete else []:
                del workdays[day]
            holidays.update(file_holidays)
            workdays.update(file_workdays)
            for day in file_workdays:
                holidays.pop(day, None)
            for day in file_holidays:
                workdays.pop(day, None)
            if complete:
                years.add(year)
            sources.append(str(path.name))
        return cls(holidays, workdays, frozenset(years), tuple(sources))

    def is_known(self, year: int) -> bool:
        return year in self.known_years

    def is_workday(self, day: dt.date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def info(self, day: dt.date) -> DayInfo:
        known = self.is_known(day.year)
        if day in self.makeup_workdays:
            return DayInfo(day, True, self.makeup_workdays[day], known)
        if day in self.holidays:
            return DayInfo(day, False, self.holidays[day], known)
        if day.weekday() >= 5:
            return DayInfo(day, False, "周末", known)
        return DayInfo(day, True, "工作日", known)

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """Return the COUNTth working day after START (START itself is not counted).

        >>> cal = WorkCalendar.load()
        >>> cal.add_working_days(dt.date(2026, 9, 30), 5)
        datetime.date(2026, 10, 13)
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, not {count}")
        day = start
        remaining = count
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def next_workday_on_or_after(self, day: dt.date) -> dt.date:
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    def missing_years(self, start: dt.date, end: dt.date) -> list[int]:
        return [year for year in range(start.year, end.year + 1) if not self.is_known(year)]


def _holiday_name(day: dt.date) -> str:
    _on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return HOLIDAY_NAMES_ZH.get(name, name or "法定节假日")


HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _as_date(value, path: Path, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CalendarFileError(
            f"{path.name}: {what} {value!r} is not a date (YYYY-MM-DD)"
        ) from None


def _read_calendar_file(path: Path):
    """Return (year, holidays, workdays, complete) from one calendar file, or raise naming it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CalendarFileError(f"{path.name}: not valid YAML: {exc}") from None
    except ValueError as exc:  # YAML's own date parsing, e.g. 2027-13-01
        raise CalendarFileError(f"{path.name}: a value is not a date (YYYY-MM-DD): {exc}") from None
    unknown = set(data) - {"year", "complete", "source", "holidays", "workdays", "note", "examples"}
    if unknown:
        raise CalendarFileError(f"{path.name}: unknown fields {sorted(unknown)}")
    year = data.get("year")
    if not isinstance(year, int):
        raise CalendarFileError(f"{path.name}: 'year' must be a whole number")
    holidays: dict[dt.date, str] = {}
    for block in data.get("holidays") or []:
        first = _as_date(block.get("from"), path, "holidays.from")
        last = _as_date(block.get("to", block.get("from")), path, "holidays.to")
        if last < first:
            raise CalendarFileError(
                f"{path.name}: holiday {block.get('name')} ends before it starts"
            )
        day = first
        while day <= last:
            holidays[day] = str(block.get("name", "法定节假日"))
            day += dt.timedelta(days=1)
    workdays = {
        _as_date(entry.get("date"), path, "workdays.date"): str(entry.get("name", "调休上班"))
        for entry in data.get("workdays") or []
    }
    for day in [*holidays, *workdays]:
        if day.year != year:
            raise CalendarFileError(f"{path.name}: {day} is not in year {year}")
    return year, holidays, workdays, bool(data.get("complete", False))


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """Return the calendar loaded from the configured rules folder (cached per process)."""
    return WorkCalendar.load()


def run_calendar_examples(path: Path) -> list:
    """Run the ``examples:`` of one calendar file: periods counted on the whole calendar.

    An example gives ``from``, ``amount``, ``unit`` and optionally ``liberty``, and expects
    ``end`` (and optionally ``provisional``).
    """
    from fazhi.core.periods import add_period
    from fazhi.core.rulepacks import ExampleResult, RulePackError, expect_of, read_yaml

    try:
        calendar = WorkCalendar.load(path.parent.parent)
    except CalendarFileError as exc:
        raise RulePackError(path, str(exc)) from None
    data = read_yaml(path) or {}
    results = []
    for index, example in enumerate(data.get("examples") or []):
        name, given, expect = expect_of(path, example, index)
        start = given.get("from")
        if isinstance(start, str):
            start = dt.datetime.fromisoformat(start)
        try:
            period = add_period(
                start,
                int(given.get("amount", 0)),
                str(given.get("unit")),
                liberty=bool(given.get("liberty", False)),
                calendar=calendar,
            )
        except ValueError as exc:
            results.append(ExampleResult(path.name, name, False, f"error: {exc}"))
            continue
        got = {"end": period.end.isoformat(), "provisional": period.is_provisional}
        wanted = {
            key: (val.isoformat() if isinstance(val, dt.date) else val)
            for key, val in expect.items()
        }
        mismatches = {
            key: (val, got.get(key)) for key, val in wanted.items() if got.get(key) != val
        }
        detail = "; ".join(f"{k}: expected {v[0]}, got {v[1]}" for k, v in mismatches.items())
        results.append(ExampleResult(path.name, name, not mismatches, detail or period.explain()))
    return results

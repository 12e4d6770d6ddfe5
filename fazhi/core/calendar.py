"""The working-day calendar: China's statutory holidays and make-up working days (调休).

Three sources, in order (legal brief §7, ADR 0019):

1. the ``chinesecalendar`` package: every State Council notice it carries (2004–2026 in 1.11.0);
2. the bureau's files ``rules/calendar/YYYY.yaml`` (a year's notice entered with
   ``fazhi calendar import`` or the calendar screen, or a correction), which win over the package;
3. for a year that neither knows (no notice yet, e.g. 2027 in December 2026), the statutory
   holidays of 《全国年节及纪念日放假办法》 (2024 revision, in force 2025-01-01) 第二条 — 元旦, 春节 (除夕
   to 正月初三), 清明节, 劳动节 (May 1–2), 端午节, 中秋节, 国庆节 (Oct 1–3) — whose lunar dates and the
   清明 solar term come from the ``holidays`` package. The 调休 arrangement of such a year (days
   swapped, make-up working days, and the working day a holiday falling on a weekend is made up
   on, 第六条) is not known: every result that touches the year stays provisional.

Every process re-reads the bureau's files when one of them changes (checked at most once a
second), so a notice entered in one worker is used by all of them.

Apps that store deadlines register ``on_calendar_change``: after a notice is imported their
callbacks re-date every running deadline and return what moved.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import chinese_calendar
import holidays as holidays_package
from chinese_calendar import constants as cc_constants
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from fazhi.core.clock import SHANGHAI as _SHANGHAI
from fazhi.core.rulepacks import (
    HEADER_FIELDS,
    ExampleResult,
    PackHeader,
    RulePackError,
    Strict,
    expect_of,
    line_of,
    read_yaml,
)

# The 2024 text of the 办法 is not among the statute texts the platform holds (shared/domain/laws):
# the days below follow the legal brief's summary of 第二条 (§7, §12) — unverified against the text.
STATUTORY_BASIS = "《全国年节及纪念日放假办法》第二条"
STATUTORY_FROM_YEAR = 2025  # the 2024 revision is in force from 2025-01-01
FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
# How a run's name in a notice is matched to a festival: 国庆节、中秋节 names two of them.
_FESTIVAL_KEYS = {
    "元旦": "元旦",
    "春节": "春节",
    "清明": "清明节",
    "劳动": "劳动节",
    "五一": "劳动节",
    "端午": "端午节",
    "中秋": "中秋节",
    "国庆": "国庆节",
}
_log = logging.getLogger(__name__)
NOTICE_NUMBER = re.compile(r"^国办发(?:明电)?〔(\d{4})〕(\d+)号$")


# --------------------------------------------------------------------------- statutory days


@lru_cache(maxsize=256)
def statutory_days(year: int) -> dict[str, tuple[dt.date, ...]]:
    """Return each festival's statutory days in YEAR under the 2024 办法 (第二条).

    Empty before 2025 (earlier revisions; the package knows those years) and for a year beyond
    the lunar tables of the ``holidays`` package. Only the lunar dates (正月初一, 五月初五,
    八月十五) and the 清明 solar term are taken from the package; which days are holidays is
    this function's reading of the 办法.

    >>> statutory_days(2027)["春节"]
    (datetime.date(2027, 2, 5), datetime.date(2027, 2, 6), datetime.date(2027, 2, 7), datetime.date(2027, 2, 8))
    """
    if year < STATUTORY_FROM_YEAR:
        return {}
    named: dict[str, list[dt.date]] = {}
    package = holidays_package.country_holidays("CN", years=year, observed=False, language="zh_CN")
    for day, names in package.items():
        for name in names.split("; "):
            named.setdefault(name, []).append(day)
    spring, qingming = sorted(named.get("春节", [])), named.get("清明节", [])
    dragon, autumn = named.get("端午节", []), named.get("中秋节", [])
    if not (spring and qingming and dragon and autumn):
        return {}
    first = spring[0]  # 正月初一
    return {
        "元旦": (dt.date(year, 1, 1),),
        "春节": tuple(first + dt.timedelta(days=n) for n in range(-1, 3)),  # 除夕 to 初三
        "清明节": (qingming[0],),
        "劳动节": (dt.date(year, 5, 1), dt.date(year, 5, 2)),
        "端午节": (dragon[0],),
        "中秋节": (autumn[0],),
        "国庆节": (dt.date(year, 10, 1), dt.date(year, 10, 2), dt.date(year, 10, 3)),
    }


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """Return {day: festival} of YEAR's statutory holidays; a shared day names both (国庆节、中秋节)."""
    out: dict[dt.date, str] = {}
    for festival, days in statutory_days(year).items():
        for day in days:
            out[day] = f"{out[day]}、{festival}" if day in out else festival
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------- the calendar


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    is_workday: bool
    name: str  # 国庆节, 国庆节调休上班, 周末, 工作日
    is_known: bool  # False: the year's notice is not in the calendar (statutory days and weekends)


@dataclass(frozen=True)
class Notice:
    """A year's notice as the bureau entered it (rules/calendar/YYYY.yaml)."""

    year: int
    number: str
    date: dt.date | None
    source: str
    file: str


@dataclass
class WorkCalendar:
    """Which days are working days. Build it with ``WorkCalendar.load()``."""

    holidays: dict[dt.date, str] = field(default_factory=dict)
    makeup_workdays: dict[dt.date, str] = field(default_factory=dict)
    known_years: frozenset[int] = frozenset()
    sources: tuple[str, ...] = ()
    notices: dict[int, Notice] = field(default_factory=dict)
    # Days already decided by is_workday (the calendar does not change once built).
    _decided: dict[dt.date, bool] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _infos: dict[dt.date, DayInfo] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def load(
        cls, rules_dir: Path | None = None, *, extra: CalendarFile | None = None
    ) -> WorkCalendar:
        """Return the package's data overlaid by every rules/calendar/*.yaml file.

        EXTRA, a validated file not written yet, replaces the file of its year (an import's
        preview).
        """
        holidays = {
            day: _holiday_name(day) for day in cc_constants.holidays if isinstance(day, dt.date)
        }
        workdays = {day: "调休上班" for day in cc_constants.workdays if isinstance(day, dt.date)}
        years = {day.year for day in holidays}
        sources = [f"chinesecalendar {chinese_calendar.__version__}"]
        notices: dict[int, Notice] = {}
        files = [(path.name, load_file(path)) for path in calendar_files(rules_dir)]
        if extra is not None:
            files = [(n, f) for n, f in files if f.year != extra.year]
            files.append((f"{extra.year}.yaml", extra))
        for name, data in sorted(files, key=lambda item: item[0]):
            file_holidays, file_workdays = data.days()
            if data.complete:
                for day in [d for d in holidays if d.year == data.year]:
                    del holidays[day]
                for day in [d for d in workdays if d.year == data.year]:
                    del workdays[day]
                years.add(data.year)
            holidays.update(file_holidays)
            workdays.update(file_workdays)
            for day in file_workdays:
                holidays.pop(day, None)
            for day in file_holidays:
                workdays.pop(day, None)
            sources.append(name)
            notices[data.year] = Notice(
                data.year,
                data.notice.number if data.notice else "",
                data.notice.date if data.notice else None,
                data.source,
                name,
            )
        return cls(holidays, workdays, frozenset(years), tuple(sources), notices)

    def is_known(self, year: int) -> bool:
        return year in self.known_years

    def _rest_name(self, day: dt.date) -> str | None:
        name = self.holidays.get(day)
        if name is None and day.year not in self.known_years:
            name = statutory_holidays(day.year).get(day)
        return name

    def is_workday(self, day: dt.date) -> bool:
        # The hot path of every period: one dict lookup once a day has been decided.
        answer = self._decided.get(day)
        if answer is None:
            if day in self.makeup_workdays:
                answer = True
            elif self._rest_name(day) is not None:
                answer = False
            else:
                answer = day.weekday() < 5
            self._decided[day] = answer
        return answer

    def info(self, day: dt.date) -> DayInfo:
        answer = self._infos.get(day)
        if answer is None:
            answer = self._infos[day] = self._info(day)
        return answer

    def _info(self, day: dt.date) -> DayInfo:
        known = self.is_known(day.year)
        if day in self.makeup_workdays:
            return DayInfo(day, True, self.makeup_workdays[day], known)
        name = self._rest_name(day)
        if name is not None:
            return DayInfo(day, False, name, known)
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
        """The years from START to END without a notice: results touching them are provisional."""
        return [year for year in range(start.year, end.year + 1) if not self.is_known(year)]

    def first_missing_year(self, since: int) -> int:
        """The first year from SINCE on without a notice."""
        year = since
        while self.is_known(year):
            year += 1
        return year


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


# --------------------------------------------------------------------------- the files


class CalendarFileError(RulePackError):
    """A calendar file (or an entered notice) that cannot be used; lists every problem found."""

    code = "calendar_file"

    def __init__(self, path: Path | str, problems: list[Problem] | str, *, line: int | None = None):
        if isinstance(problems, str):
            problems = [Problem(line, "", problems)]
        self.problems = problems
        first = problems[0]
        super().__init__(path, first.text(), line=first.line)
        name = Path(path).name
        self.message = "\n".join(problem.where(name) for problem in problems)


@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str  # holidays[2].to, workdays[0].date, notice.number … ("" for the whole file)
    message: str
    rule: str = ""  # the example it is about (as every pack's errors name their rule)

    def text(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def where(self, name: str) -> str:
        place = f"{name}:{self.line}" if self.line else name
        return f"{place} [{self.rule}]: {self.text()}" if self.rule else f"{place}: {self.text()}"


class _Strict(Strict):
    """The packs' Strict base; the notice's fields also accept their Python names (from/to)."""

    model_config = ConfigDict(populate_by_name=True)


class HolidayRun(_Strict):
    first: dt.date = Field(alias="from")
    last: dt.date | None = Field(default=None, alias="to")
    name: str = Field(min_length=1, max_length=40)

    @property
    def end(self) -> dt.date:
        return self.last or self.first

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.end - self.first).days + 1)]

    def festivals(self) -> list[str]:
        return sorted(
            {festival for key, festival in _FESTIVAL_KEYS.items() if key in self.name},
            key=FESTIVALS.index,
        )


class MakeupDay(_Strict):
    date: dt.date
    name: str = Field(default="调休上班", min_length=1, max_length=40)


class NoticeRef(_Strict):
    number: str = Field(min_length=1, max_length=60)  # 国办发明电〔2026〕N号
    date: dt.date  # the day the notice was issued


class CalendarFile(PackHeader):
    """One year's holidays and make-up working days (the State Council's notice).

    It has the header of every rule pack (ADR 0013). A calendar's header follows from its year,
    so a field left out is filled in: id ``calendar-YYYY``, title ``YYYY 年部分节假日安排``, version
    the notice's number (else the year), in force from January 1 to December 31 of the year
    (from the first day listed, when a 元旦 run begins in the December before), and the source
    the notice's usual title.
    """

    year: StrictInt = Field(ge=2000, le=2200)
    complete: StrictBool = False  # true: the whole notice of the year (not a correction)
    notice: NoticeRef | None = None
    holidays: list[HolidayRun] = Field(default_factory=list)
    workdays: list[MakeupDay] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _header_from_year(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("year"), int):
            return data
        year = data["year"]
        filled = dict(data)
        given = data.get("notice")
        notice: dict[str, Any] = given if isinstance(given, dict) else {}
        first = dt.date(year, 1, 1)
        for run in data.get("holidays") or []:
            start = run.get("from") if isinstance(run, dict) else None
            if isinstance(start, dt.date) and dt.date(year - 1, 12, 1) <= start < first:
                first = start
        filled.setdefault("id", f"calendar-{year}")
        filled.setdefault("title", f"{year} 年部分节假日安排")
        filled.setdefault("version", notice.get("number") or str(year))
        filled.setdefault("effective_from", first)
        filled.setdefault("effective_to", dt.date(year, 12, 31))
        if not filled.get("source"):
            filled["source"] = f"国务院办公厅关于{year}年部分节假日安排的通知"
        return filled

    def days(self) -> tuple[dict[dt.date, str], dict[dt.date, str]]:
        holidays = {day: run.name for run in self.holidays for day in run.days()}
        return holidays, {entry.date: entry.name for entry in self.workdays}


_ERROR_TEXT = {
    "missing": gettext_noop("缺少此项"),
    "extra_forbidden": gettext_noop("未知字段"),
    "int_type": gettext_noop("必须是整数"),
    "int_parsing": gettext_noop("必须是整数"),
    "bool_type": gettext_noop("必须是 true 或 false"),
    "bool_parsing": gettext_noop("必须是 true 或 false"),
    "string_type": gettext_noop("必须是文字"),
    "string_too_short": gettext_noop("不能为空"),
    "string_too_long": gettext_noop("太长"),
    "date_type": gettext_noop("不是日期（YYYY-MM-DD）"),
    "date_parsing": gettext_noop("不是日期（YYYY-MM-DD）"),
    "date_from_datetime_parsing": gettext_noop("不是日期（YYYY-MM-DD）"),
    "date_from_datetime_inexact": gettext_noop("不是日期（YYYY-MM-DD）"),
    "list_type": gettext_noop("必须是列表"),
    "model_type": gettext_noop("必须是映射（key: value）"),
    "dict_type": gettext_noop("必须是映射（key: value）"),
    "greater_than_equal": gettext_noop("年份不合理"),
    "less_than_equal": gettext_noop("年份不合理"),
}


def _field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_file(data: Any, path: Path | str) -> CalendarFile:
    """Validate DATA (read with ``read_yaml``) as a calendar file, or raise naming each problem."""
    if not isinstance(data, dict):
        raise CalendarFileError(path, _("文件内容必须是映射（year: …, holidays: …）"))
    for index, example in enumerate(data.get("examples") or []):
        try:  # the one rule of every pack: an example without expect is an error, not a pass
            expect_of(Path(path), example, index)
        except RulePackError as exc:
            raise CalendarFileError(
                path, [Problem(exc.line, "", exc.reason, rule=exc.rule or "")]
            ) from None
    try:
        parsed = CalendarFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        errors = exc.errors()
        year_wrong = any(tuple(e["loc"])[:1] == ("year",) for e in errors)
        for error in errors:
            loc = tuple(error["loc"])
            if year_wrong and error["type"] == "missing" and loc[0] in HEADER_FIELDS:
                continue  # the header follows from the year: say only that the year is wrong
            text = _ERROR_TEXT.get(error["type"])
            problems.append(
                Problem(line_of(data, loc), _field_name(loc), _(text) if text else error["msg"])
            )
        raise CalendarFileError(path, problems) from None
    problems = check(parsed, data)
    if problems:
        raise CalendarFileError(path, problems)
    return parsed


def check_complete(parsed: CalendarFile, data: Any = None) -> list[Problem]:
    """Return the festivals a year's whole notice leaves out (an import must have them all)."""
    data = data if data is not None else {}
    statutory = statutory_days(parsed.year)
    named = {festival for run in parsed.holidays for festival in run.festivals()}
    return [
        Problem(
            line_of(data, ("holidays",)),
            "holidays",
            _("放假安排缺少%(name)s（法定节假日 %(days)s，%(basis)s）")
            % {
                "name": festival,
                "days": "、".join(d.isoformat() for d in statutory[festival]),
                "basis": STATUTORY_BASIS,
            },
        )
        for festival in FESTIVALS
        if statutory and festival not in named
    ]


def check(parsed: CalendarFile, data: Any = None) -> list[Problem]:
    """Return what is wrong with a validated file: the legal and arithmetic checks of a notice.

    * every day is in the notice's year (a 元旦 run and its make-up day may begin in the last
      week of the year before, as in the notice for 2019);
    * no day twice: runs do not overlap, a make-up day is listed once and is not a holiday;
    * a make-up working day is a Saturday or a Sunday (the notices only move weekend days);
    * a run named after a festival contains that festival's statutory days (办法 第二条) (an
      imported notice must also have a run for every festival: ``check_complete``);
    * a notice's number reads 国办发明电〔YYYY〕N号 (or 国办发〔YYYY〕N号).
    """
    year = parsed.year
    data = data if data is not None else {}
    problems: list[Problem] = []

    def problem(loc: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(line_of(data, loc), _field_name(loc), message))

    eve = dt.date(year - 1, 12, 25)

    def in_year(day: dt.date, new_years_run: bool) -> bool:
        return day.year == year or (new_years_run and eve <= day < dt.date(year, 1, 1))

    seen: dict[dt.date, str] = {}
    backwards = set()
    for index, run in enumerate(parsed.holidays):
        loc = ("holidays", index)
        if run.end < run.first:
            problem((*loc, "to"), _("假期结束日早于开始日"))
            backwards.add(index)
            continue
        new_years_run = run.end >= dt.date(year, 1, 1) and "元旦" in run.name
        for day in run.days():
            if not in_year(day, new_years_run):
                problem(loc, _("%(day)s 不在 %(year)d 年内") % {"day": day, "year": year})
                break
        for day in run.days():
            if day in seen:
                problem(
                    loc,
                    _("%(day)s 与 %(other)s 重复") % {"day": day.isoformat(), "other": seen[day]},
                )
                break
            seen[day] = run.name
    statutory = statutory_days(year)
    for index, run in enumerate(parsed.holidays):
        for festival in run.festivals() if index not in backwards else ():
            wanted = statutory.get(festival, ())
            outside = [day for day in wanted if not run.first <= day <= run.end]
            if outside:
                problem(
                    ("holidays", index),
                    _("%(name)s假期应包含法定节假日 %(days)s（%(basis)s）")
                    % {
                        "name": run.name,
                        "days": "、".join(day.isoformat() for day in outside),
                        "basis": STATUTORY_BASIS,
                    },
                )
    listed: set[dt.date] = set()
    for index, entry in enumerate(parsed.workdays):
        wloc: tuple[Any, ...] = ("workdays", index, "date")
        day = entry.date
        if not in_year(day, "元旦" in entry.name):
            problem(wloc, _("%(day)s 不在 %(year)d 年内") % {"day": day, "year": year})
        if day.weekday() < 5:
            problem(
                wloc,
                _("调休上班日 %(day)s 是工作日（星期%(weekday)s），只能是星期六或星期日")
                % {"day": day.isoformat(), "weekday": "一二三四五"[day.weekday()]},
            )
        if day in listed:
            problem(wloc, _("调休上班日 %(day)s 重复") % {"day": day.isoformat()})
        if day in seen:
            problem(
                wloc,
                _("%(day)s 已列为%(name)s假期，不能同时是调休上班日")
                % {"day": day.isoformat(), "name": seen[day]},
            )
        listed.add(day)
    if parsed.notice is not None:
        if not NOTICE_NUMBER.match(parsed.notice.number):
            problem(
                ("notice", "number"),
                _("通知文号应为 国办发明电〔YYYY〕N号 的形式，而不是 %(number)s")
                % {"number": parsed.notice.number},
            )
        if parsed.notice.date >= dt.date(year + 1, 1, 1):
            problem(("notice", "date"), _("通知日期晚于所安排的年份"))
    return problems


def normalise_number(number: str) -> str:
    """国办发明电[2026]12号, 国办发明电(2026)12号 → 国办发明电〔2026〕12号."""
    text = re.sub(r"\s+", "", number)
    return re.sub(r"[\[［(（【]", "〔", re.sub(r"[\]］)）】]", "〕", text))


def load_file(path: Path) -> CalendarFile:
    """Read and validate one calendar file (errors name file:line and the field)."""
    try:
        data = read_yaml(path)
    except RulePackError as exc:
        raise _unreadable(path, path.name, exc) from None
    parsed = parse_file(data, path)
    stem = path.stem
    if stem.isdigit() and int(stem) != parsed.year:
        raise CalendarFileError(
            path,
            [
                Problem(
                    line_of(data, ("year",)),
                    "year",
                    _("文件名 %(name)s 与年份 %(year)d 不符")
                    % {"name": path.name, "year": parsed.year},
                )
            ],
        )
    return parsed


def calendar_dir(rules_dir: Path | None = None) -> Path:
    return (rules_dir or settings.RULES_DIR) / "calendar"


def calendar_files(rules_dir: Path | None = None) -> list[Path]:
    folder = calendar_dir(rules_dir)
    return sorted(folder.glob("*.yaml")) if folder.exists() else []


def _signature(rules_dir: Path | None = None) -> tuple[object, ...]:
    out = []
    for path in calendar_files(rules_dir):
        try:
            stat = path.stat()
        except FileNotFoundError:  # replaced between the listing and the stat
            continue
        out.append((path.name, stat.st_mtime_ns, stat.st_size))
    return (str(calendar_dir(rules_dir)), *out)


class _DefaultCalendar:
    """``default_calendar()``: the calendar of the configured rules folder, cached per process
    and reloaded when a calendar file changes (checked at most once per ``RECHECK`` seconds)."""

    RECHECK = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.cache_clear()

    def cache_clear(self) -> None:
        self._calendar: WorkCalendar | None = None
        self._signature: tuple[object, ...] | None = None
        self._checked = 0.0

    def __call__(self) -> WorkCalendar:
        now = time.monotonic()
        calendar = self._calendar
        if calendar is not None and now - self._checked < self.RECHECK:
            return calendar
        with self._lock:
            signature = _signature()
            if self._calendar is None or signature != self._signature:
                try:
                    loaded = WorkCalendar.load()
                except CalendarFileError:
                    if self._calendar is None:
                        raise  # no calendar at all: nothing can be counted
                    # A file broken while running (a hand edit): keep counting on the calendar
                    # loaded before and say so; `fazhi rules test` names the file and the line.
                    _log.exception("calendar files not reloaded; the previous calendar stays")
                else:
                    self._calendar = loaded
                self._signature = signature
            self._checked = now
            return self._calendar


default_calendar = _DefaultCalendar()


# --------------------------------------------------------------------------- re-dating


@dataclass(frozen=True)
class Moved:
    """One running deadline that a calendar change moved."""

    kind: str  # "case", "application"
    ref: str  # the case number, the application's receipt
    what: str  # the deadline's code or name
    before: dt.date | dt.datetime | None
    after: dt.date | dt.datetime
    url: str = ""

    @staticmethod
    def text(value: dt.date | dt.datetime | None) -> str:
        """2027-01-12 00:00 (Shanghai) for an instant, 2027-01-12 for a day."""
        if isinstance(value, dt.datetime):
            return f"{value.astimezone(_SHANGHAI):%Y-%m-%d %H:%M}"
        return value.isoformat() if value else "—"

    @property
    def before_text(self) -> str:
        return self.text(self.before)

    @property
    def after_text(self) -> str:
        return self.text(self.after)


@dataclass
class Redating:
    """What one app's re-dating did (or would do, in a dry run)."""

    label: str  # 行政案件, 警快办办件
    checked: int = 0
    moves: list[Moved] = field(default_factory=list)
    settled: int = 0  # no longer provisional
    changed: int = 0  # rows rewritten (moved, settled or re-explained)


class RedateCallback(Protocol):
    def __call__(
        self, *, actor: Any, at: dt.datetime, calendar: WorkCalendar, dry_run: bool
    ) -> Redating: ...


@dataclass(frozen=True)
class _Listener:
    redate: RedateCallback
    pending: Callable[[dt.date], int] | None


_LISTENERS: dict[str, _Listener] = {}


def on_calendar_change(
    callback: RedateCallback, *, pending: Callable[[dt.date], int] | None = None
) -> None:
    """Register an app's re-dating (called from its ``AppConfig.ready``).

    CALLBACK(actor=, at=, calendar=, dry_run=) re-dates every running deadline the app owns on
    CALENDAR, audits each change under ACTOR and returns a ``Redating``; PENDING(day) counts the
    app's running deadlines whose last day is DAY or later (the banner of a year without a
    notice). Registering the same function twice keeps one.
    """
    key = f"{callback.__module__}.{getattr(callback, '__qualname__', repr(callback))}"
    _LISTENERS[key] = _Listener(callback, pending)


def redate_everything(
    *, actor: Any, at: dt.datetime, calendar: WorkCalendar, dry_run: bool = False
) -> list[Redating]:
    """Run every registered re-dating on CALENDAR and return what each moved.

    ``fazhi calendar refresh`` / ``import`` show a stage per app (fazhi.core.progress).
    """
    from django.apps import apps

    from fazhi.core import progress

    progress.plan(len(_LISTENERS))
    out = []
    for listener in _LISTENERS.values():
        config = apps.get_containing_app_config(listener.redate.__module__)
        progress.stage(str(config.verbose_name) if config else listener.redate.__module__)
        out.append(listener.redate(actor=actor, at=at, calendar=calendar, dry_run=dry_run))
    return out


def pending_from(day: dt.date) -> int:
    """How many running deadlines (of every registered app) end on DAY or later."""
    return sum(
        listener.pending(day) for listener in _LISTENERS.values() if listener.pending is not None
    )


# --------------------------------------------------------------------------- importing a notice


@dataclass
class Imported:
    year: int
    path: Path
    replaced: bool
    redated: list[Redating]
    dry_run: bool

    @property
    def moves(self) -> list[Moved]:
        return [move for part in self.redated for move in part.moves]


def read_notice(
    text: str, name: str, *, number: str | None = None, issued: dt.date | None = None
) -> CalendarFile:
    """Parse and check a notice given as YAML text (NAME is used in the errors).

    NUMBER and ISSUED (the notice's number and date) fill or replace its ``notice:``. An
    imported notice is the whole arrangement of its year (``complete: true``).
    """
    name = Path(name).name or "notice.yaml"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        try:
            data = read_yaml(path)
        except RulePackError as exc:
            raise _unreadable(path, name, exc) from None
    if not isinstance(data, dict):
        raise CalendarFileError(name, _("文件内容必须是映射（year: …, holidays: …）"))
    if data.get("complete") is False:
        raise CalendarFileError(
            name,
            [
                Problem(
                    line_of(data, ("complete",)),
                    "complete",
                    _("导入的是一年完整的放假安排，complete 不能为 false"),
                )
            ],
        )
    if number is not None or issued is not None:
        notice = dict(data.get("notice") or {})
        if number is not None:
            notice["number"] = normalise_number(number)
        if issued is not None:
            notice["date"] = issued
        data["notice"] = notice
    data["complete"] = True
    parsed = parse_file(data, name)
    problems = check_complete(parsed, data)
    stem = Path(name).stem
    if stem.isdigit() and len(stem) == 4 and int(stem) != parsed.year:
        problems.insert(
            0,
            Problem(
                line_of(data, ("year",)),
                "year",
                _("文件名 %(name)s 与年份 %(year)d 不符") % {"name": name, "year": parsed.year},
            ),
        )
    if problems:
        raise CalendarFileError(name, problems)
    return parsed


def _unreadable(path: Path, name: str, exc: RulePackError) -> CalendarFileError:
    """Say in the user's language why a file could not be read, with the line where known."""
    reason = getattr(exc, "reason", None) or str(exc).split(": ", 1)[-1]
    if exc.line is None:  # YAML's own date parsing stops without a line: find the bad date
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for token in _DATE_TOKEN.findall(text):
                try:
                    dt.date.fromisoformat(token)
                except ValueError:
                    return CalendarFileError(
                        name,
                        _("%(value)s 不是日期（YYYY-MM-DD）") % {"value": token},
                        line=number,
                    )
    return CalendarFileError(
        name, _("不是有效的 YAML：%(reason)s") % {"reason": reason}, line=exc.line
    )


_DATE_TOKEN = re.compile(r"(?<![\d-])(\d{4}-\d{2}-\d{2})(?![\d-])")


def render(parsed: CalendarFile, *, by: str, at: dt.datetime) -> str:
    """The YAML text of a notice as it is written under rules/calendar/."""

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        f"# {parsed.year} 年部分节假日安排，由 {by} 于 {at:%Y-%m-%d %H:%M} 录入"
        "（fazhi calendar import / 工作日历页面）。",
        f"id: {parsed.id}",
        f"title: {quote(parsed.title)}",
        f"version: {quote(parsed.version)}",
        f"effective_from: {parsed.effective_from}",
        f"effective_to: {parsed.effective_to}",
        f"source: {quote(parsed.source)}",
        f"year: {parsed.year}",
        "complete: true",
    ]
    if parsed.notice:
        lines.append(
            f"notice: {{number: {quote(parsed.notice.number)}, date: {parsed.notice.date}}}"
        )
    if parsed.note:
        lines.append(f"note: {quote(parsed.note)}")
    lines.append("holidays:")
    for run in sorted(parsed.holidays, key=lambda r: r.first):
        lines.append(f"  - {{from: {run.first}, to: {run.end}, name: {quote(run.name)}}}")
    lines.append("workdays:" if parsed.workdays else "workdays: []")
    for entry in sorted(parsed.workdays, key=lambda e: e.date):
        lines.append(f"  - {{date: {entry.date}, name: {quote(entry.name)}}}")
    if parsed.examples:
        import yaml

        lines.append(
            yaml.safe_dump(
                {"examples": _plain(list(parsed.examples))}, allow_unicode=True, sort_keys=False
            ).rstrip()
        )
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> Any:
    """VALUE with the line-remembering mappings and lists of read_yaml made plain (for dumping)."""
    if isinstance(value, dict):
        return {key: _plain(val) for key, val in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(val) for val in value]
    return value


def import_notice(
    parsed: CalendarFile,
    *,
    actor: Any,
    at: dt.datetime,
    replace: bool = False,
    dry_run: bool = False,
    rules_dir: Path | None = None,
) -> Imported:
    """Write a checked notice to rules/calendar/YYYY.yaml, audit it and re-date every running
    deadline on the new calendar (DRY_RUN: only say what would move)."""
    from django.db import transaction

    from fazhi.core import auditing

    folder = calendar_dir(rules_dir)
    path = folder / f"{parsed.year}.yaml"
    replaced = path.exists()
    if replaced and not replace:
        raise CalendarFileError(
            path,
            [
                Problem(
                    None,
                    "year",
                    _("%(year)d 年的放假安排已录入（%(name)s）；如需更正，请选择替换")
                    % {"year": parsed.year, "name": path.name},
                )
            ],
        )
    calendar = WorkCalendar.load(rules_dir, extra=parsed)
    if dry_run:
        redated = redate_everything(actor=actor, at=at, calendar=calendar, dry_run=True)
        return Imported(parsed.year, path, replaced, redated, True)
    by = actor if isinstance(actor, str) else actor.get_username()
    text = render(parsed, by=by, at=at.astimezone(dt.timezone(dt.timedelta(hours=8))))
    with transaction.atomic():
        auditing.record(
            actor,
            "calendar.notice.import",
            ("calendar.notice", str(parsed.year), f"{parsed.year} 年部分节假日安排"),
            changes={
                "year": parsed.year,
                "number": parsed.notice.number if parsed.notice else "",
                "issued": parsed.notice.date if parsed.notice else None,
                "holidays": [[r.first, r.end, r.name] for r in parsed.holidays],
                "workdays": [[e.date, e.name] for e in parsed.workdays],
                "file": path.name,
                "replaced": replaced,
            },
        )
        _write_atomically(path, text)
    default_calendar.cache_clear()
    redated = redate_everything(actor=actor, at=at, calendar=calendar, dry_run=False)
    return Imported(parsed.year, path, replaced, redated, False)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- examples


def run_calendar_examples(path: Path) -> list[ExampleResult]:
    """Run the ``examples:`` of one calendar file: periods counted on the whole calendar.

    An example gives ``from``, ``amount``, ``unit`` and optionally ``liberty``, and expects
    ``end`` (and optionally ``provisional``).
    """
    from fazhi.core.periods import add_period

    calendar = WorkCalendar.load(path.parent.parent)
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

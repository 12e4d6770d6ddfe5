"""Count statutory periods (期间) the way the law counts them, and say how.

* The start hour or day is not counted (《公安机关办理行政案件程序规定》第三十五条).
* Working-day periods skip weekends and statutory holidays and count make-up working days
  (《行政处罚法》第八十五条: 二日、三日、五日、七日 are working days).
* A natural-day period whose last day is a rest day ends on the next working day, except a period
  that restricts personal liberty, which ends on its real last day (程序规定 第三十五条).
* Hour periods run from the exact recorded time and are never extended.

A result is a half-open deadline: it is missed when ``at >= due_at`` (STYLE §7).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.clock import SHANGHAI

BASIS_PERIODS = "《公安机关办理行政案件程序规定》第三十五条"
BASIS_WORKDAYS = "《中华人民共和国行政处罚法》第八十五条"


class PeriodUnit(StrEnum):
    WORKDAYS = "workdays"
    DAYS = "days"
    HOURS = "hours"


@dataclass(frozen=True)
class Period:
    """A computed period: where it ends, why, and whether the calendar data was complete."""

    start: dt.date | dt.datetime
    amount: int
    unit: PeriodUnit
    liberty: bool
    end: dt.date | dt.datetime  # the last day (date) or the exact instant (hours)
    due_at: dt.datetime  # the aware instant from which the period is missed
    rule: str
    basis: str
    skipped: tuple[tuple[dt.date, str], ...] = ()
    makeup_counted: tuple[tuple[dt.date, str], ...] = ()
    rolled_from: dt.date | None = None
    missing_years: tuple[int, ...] = field(default=())

    @property
    def is_provisional(self) -> bool:
        """True when a year the period touches has no notice (statutory holidays and weekends
        only: its 调休 is unknown)."""
        return bool(self.missing_years)

    def explain(self) -> str:
        """Return one sentence, in the active language, that lets legal staff check the period."""
        return describe_period(self.facts())

    def facts(self) -> dict[str, Any]:
        """Return the period as JSON-ready data (no text in any language): what it counted.

        ``describe_period`` renders it in the reader's language; a stored deadline keeps these
        facts, never the sentence (ADR 0018).
        """

        def when(value: dt.date | dt.datetime) -> str:
            if isinstance(value, dt.datetime):
                instant = value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
                return instant.astimezone(SHANGHAI).isoformat()
            return value.isoformat()

        start = self.start
        if self.unit is not PeriodUnit.HOURS and isinstance(start, dt.datetime):
            start = start.astimezone(SHANGHAI).date()
        return {
            "start": when(start),
            "amount": self.amount,
            "unit": str(self.unit),
            "liberty": self.liberty,
            "end": when(self.end),
            "due_at": when(self.due_at),
            "skipped": [[day.isoformat(), name] for day, name in self.skipped],
            "makeup": [[day.isoformat(), name] for day, name in self.makeup_counted],
            "rolled_from": self.rolled_from.isoformat() if self.rolled_from else None,
            "missing_years": list(self.missing_years),
            "basis": self.basis,
        }


def describe_period(facts: dict[str, Any]) -> str:
    """Render a period's ``facts()`` as one sentence in the active language (gettext)."""
    from django.utils.translation import gettext as _

    amount, unit = facts["amount"], facts["unit"]
    if unit == PeriodUnit.HOURS:
        start = dt.datetime.fromisoformat(facts["start"]).astimezone(SHANGHAI)
        end = dt.datetime.fromisoformat(facts["end"]).astimezone(SHANGHAI)
        parts = [
            _("自 %(start)s 起连续计算 %(amount)d 小时，至 %(end)s 止，不因节假日延长")
            % {"start": f"{start:%Y-%m-%d %H:%M}", "amount": amount, "end": f"{end:%Y-%m-%d %H:%M}"}
        ]
    elif unit == PeriodUnit.WORKDAYS:
        parts = [
            _("自 %(start)s 起 %(amount)d 个工作日（起始日不计入），期满日 %(end)s")
            % {"start": facts["start"], "amount": amount, "end": facts["end"]}
        ]
    else:
        rule = _("自 %(start)s 起 %(amount)d 日（起始日不计入），期满日 %(end)s") % {
            "start": facts["start"],
            "amount": amount,
            "end": facts["end"],
        }
        if facts.get("liberty"):
            rule += _("；限制人身自由的期间至期满之日为止，不因节假日延长")
        parts = [rule]
    skipped = [(dt.date.fromisoformat(d), _(n)) for d, n in facts.get("skipped") or []]
    if skipped:
        parts.append(_("跳过 %(days)s") % {"days": _ranges(tuple(skipped))})
    makeup = facts.get("makeup") or []
    if makeup:
        parts.append(_("计入调休上班日 %(days)s") % {"days": "、".join(d for d, _n in makeup)})
    if facts.get("rolled_from"):
        parts.append(
            _("期满日 %(day)s 为休息日，顺延至下一个工作日") % {"day": facts["rolled_from"]}
        )
    if facts.get("missing_years"):
        years = "、".join(str(y) for y in facts["missing_years"])
        parts.append(
            _(
                "%(years)s 年节假日安排尚未载入：已计入《全国年节及纪念日放假办法》第二条规定的"
                "法定节假日，调休安排未知，结果为暂定"
            )
            % {"years": years}
        )
    return "；".join(parts) + _("（%(basis)s）") % {"basis": facts["basis"]}


def _ranges(days: tuple[tuple[dt.date, str], ...]) -> str:
    """Return "2026-10-01…07（国庆节）、2026-10-11（周末）" for consecutive runs of one name."""
    runs: list[list[Any]] = []
    for day, name in days:
        if runs and runs[-1][2] == name and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day, name])
    out = []
    for first, last, name in runs:
        text = first.isoformat() if first == last else f"{first.isoformat()}…{last.day:02d}"
        out.append(f"{text}（{name}）")
    return "、".join(out)


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, SHANGHAI)


def add_period(
    start: dt.date | dt.datetime,
    amount: int,
    unit: PeriodUnit | str,
    *,
    liberty: bool = False,
    calendar: WorkCalendar | None = None,
) -> Period:
    """Return the period of AMOUNT UNITs that starts at START, counted as the law counts it."""
    unit = PeriodUnit(unit)
    if amount < 1:
        raise ValueError(f"amount must be at least 1, not {amount}")
    cal = calendar or default_calendar()

    if unit is PeriodUnit.HOURS:
        if not isinstance(start, dt.datetime):
            raise ValueError("an hour period needs a start time (YYYY-MM-DDTHH:MM), not a date")
        instant = start if start.tzinfo else start.replace(tzinfo=SHANGHAI)
        end = instant + dt.timedelta(hours=amount)
        return Period(
            start=instant,
            amount=amount,
            unit=unit,
            liberty=liberty,
            end=end,
            due_at=end,
            rule=f"自 {instant.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 起连续计算 {amount} 小时，"
            f"至 {end.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 止，不因节假日延长",
            basis=BASIS_PERIODS,
        )

    start_day = start.astimezone(SHANGHAI).date() if isinstance(start, dt.datetime) else start
    if unit is PeriodUnit.WORKDAYS:
        end_day = cal.add_working_days(start_day, amount)
        skipped, makeup = _walk(cal, start_day, end_day)
        return Period(
            start=start,
            amount=amount,
            unit=unit,
            liberty=liberty,
            end=end_day,
            due_at=_end_of_day(end_day),
            rule=f"自 {start_day.isoformat()} 起 {amount} 个工作日（起始日不计入），期满日 {end_day.isoformat()}",
            basis=f"{BASIS_WORKDAYS}；{BASIS_PERIODS}",
            skipped=skipped,
            makeup_counted=makeup,
            missing_years=tuple(cal.missing_years(start_day, end_day)),
        )

    nominal = start_day + dt.timedelta(days=amount)
    end_day = nominal if liberty else cal.next_workday_on_or_after(nominal)
    rule = (
        f"自 {start_day.isoformat()} 起 {amount} 日（起始日不计入），期满日 {end_day.isoformat()}"
    )
    if liberty:
        rule += "；限制人身自由的期间至期满之日为止，不因节假日延长"
    return Period(
        start=start,
        amount=amount,
        unit=unit,
        liberty=liberty,
        end=end_day,
        due_at=_end_of_day(end_day),
        rule=rule,
        basis=BASIS_PERIODS,
        rolled_from=nominal if end_day != nominal else None,
        missing_years=tuple(cal.missing_years(start_day, end_day)),
    )


def _walk(
    cal: WorkCalendar, start: dt.date, end: dt.date
) -> tuple[tuple[tuple[dt.date, str], ...], tuple[tuple[dt.date, str], ...]]:
    """Return the rest days skipped and the make-up working days counted in (start, end]."""
    skipped, makeup = [], []
    day = start + dt.timedelta(days=1)
    while day <= end:
        info = cal.info(day)
        if not info.is_workday:
            skipped.append((day, info.name))
        elif day.weekday() >= 5:
            makeup.append((day, info.name))
        day += dt.timedelta(days=1)
    return tuple(skipped), tuple(makeup)

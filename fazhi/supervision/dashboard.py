"""The supervision dashboard of one level (三级联动): the figures, each from one aggregate query.

The city supervision centre looks at the whole city, a district case-handling centre at its
district, a station at its unit: always the rows ``visible_to(user)`` inside the chosen unit's
subtree. Warnings and overdue orders are counted as they stand now; the reply time and the
case-quality excellent rate (案件质量优良率, from the metric registry) are counted over the chosen
period (a month, a quarter or a year, in Shanghai time).

Every figure is a GROUP BY or an aggregate in the database, never a loop over rows, so the number
of queries does not grow with the number of warnings or orders; the trend asks the registry once
per month or quarter shown. The same filters back the lists the figures link to
(``find_warnings``, ``first_answered_between``), so a figure is exactly the rows behind its link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from fazhi.core import metrics
from fazhi.core.metrics import Period
from fazhi.org.models import Unit
from fazhi.supervision.models import (
    CaseWarning,
    OrderEvent,
    OrderEventKind,
    SupervisionOrder,
    SupervisionOrderQuerySet,
)
from fazhi.supervision.rules import WarningLevel

RATE_METRIC = "case_quality_excellent_rate"
TOP_RED_UNITS = 10


class PeriodKind(models.TextChoices):  # 统计周期
    MONTH = "month", _lazy("月")
    QUARTER = "quarter", _lazy("季度")
    YEAR = "year", _lazy("年")


def _month_start(year: int, month: int) -> dt.date:
    """Return the first day of MONTH of YEAR, where MONTH may run below 1 or above 12."""
    year += (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)


def period_of(kind: PeriodKind, on: dt.date) -> Period:
    """Return the calendar month, quarter or year (KIND) that contains ON.

    >>> period_of(PeriodKind.QUARTER, dt.date(2026, 5, 17))
    Period(start=datetime.date(2026, 4, 1), end=datetime.date(2026, 6, 30))
    """
    if kind == PeriodKind.YEAR:
        return Period(dt.date(on.year, 1, 1), dt.date(on.year, 12, 31))
    months = 3 if kind == PeriodKind.QUARTER else 1
    first = on.month - (on.month - 1) % months
    start = dt.date(on.year, first, 1)
    return Period(start, _month_start(on.year, first + months) - dt.timedelta(days=1))


def period_label(kind: PeriodKind, period: Period) -> str:
    """Return how the page names PERIOD: 2026年4月, 2026年第2季度, 2026年."""
    year = period.start.year
    if kind == PeriodKind.YEAR:
        return _("%(year)d年") % {"year": year}
    if kind == PeriodKind.QUARTER:
        return _("%(year)d年第%(quarter)d季度") % {
            "year": year,
            "quarter": (period.start.month - 1) // 3 + 1,
        }
    return _("%(year)d年%(month)d月") % {"year": year, "month": period.start.month}


def trend_periods(kind: PeriodKind, on: dt.date) -> list[tuple[PeriodKind, Period]]:
    """Return the buckets of the 优良率 trend for the period of KIND that contains ON, oldest first.

    A month shows the twelve months up to it, a quarter the eight quarters up to it, and a year
    its own twelve months.
    """
    if kind == PeriodKind.YEAR:
        return [
            (PeriodKind.MONTH, period_of(PeriodKind.MONTH, dt.date(on.year, month, 1)))
            for month in range(1, 13)
        ]
    months, count = (3, 8) if kind == PeriodKind.QUARTER else (1, 12)
    last = period_of(kind, on).start
    return [
        (kind, period_of(kind, _month_start(last.year, last.month - months * back)))
        for back in range(count - 1, -1, -1)
    ]


# --- the figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    """Open warnings of one unit one level down (its subtree), or of the unit itself (OWN)."""

    unit: Unit
    own: bool  # True: the chosen unit's own cases, not those of the units below it
    by_level: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_level.values())


@dataclass(frozen=True)
class RedUnit:
    code: str
    name: str
    count: int


@dataclass(frozen=True)
class ReplyTime:
    """Orders first answered in the period, and their mean time from issue to that answer."""

    orders: int
    average: dt.timedelta | None  # None when no order was answered in the period


@dataclass(frozen=True)
class TrendPoint:
    kind: PeriodKind
    period: Period
    label: str
    value: metrics.MetricValue


@dataclass(frozen=True)
class Dashboard:
    unit: Unit
    kind: PeriodKind
    period: Period
    at: dt.datetime
    by_level: dict[str, int]
    by_unit: list[UnitRow]
    overdue_orders: int
    reply: ReplyTime
    rate: metrics.MetricValue
    trend: list[TrendPoint] = field(default_factory=list)
    red_units: list[RedUnit] = field(default_factory=list)

    @property
    def open_warnings(self) -> int:
        return sum(self.by_level.values())

    @property
    def label(self) -> str:
        return period_label(self.kind, self.period)


def _zero() -> dict[str, int]:
    return dict.fromkeys(WarningLevel.values, 0)


def open_warnings_in(user: Any, unit: Unit) -> QuerySet[CaseWarning]:
    """Return the open warnings USER may see on cases of UNIT's subtree."""
    return (
        CaseWarning.objects.visible_to(user)
        .open()
        .filter(case__unit__path__startswith=unit.path)
        .order_by()
    )


def warnings_by_unit(user: Any, unit: Unit) -> list[UnitRow]:
    """Return the open warnings per level of each unit one level below UNIT (its subtree).

    One GROUP BY over the first step of the case unit's tree path below UNIT; warnings on
    UNIT's own cases form a last row (``own``) when there are any, so the rows add up to all
    open warnings of UNIT's subtree.
    """
    branch_len = len(unit.path) + Unit.steplen
    counts = (
        open_warnings_in(user, unit)
        .annotate(branch=Substr("case__unit__path", 1, branch_len))
        .values_list("branch", "level")
        .annotate(n=Count("id"))
    )
    found: dict[str, dict[str, int]] = {}
    for branch, level, n in counts:
        found.setdefault(branch, _zero())[level] = n
    rows = [
        UnitRow(child, False, found.get(child.path, _zero()))
        for child in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by(
            "path"
        )
    ]
    if unit.path in found:
        rows.append(UnitRow(unit, True, found[unit.path]))
    return rows


def red_units(user: Any, unit: Unit, limit: int = TOP_RED_UNITS) -> list[RedUnit]:
    """Return the units (where the cases are handled) with the most open 告警 (red), most first."""
    rows = (
        open_warnings_in(user, unit)
        .filter(level=WarningLevel.ALARM)
        .values_list("case__unit__code", "case__unit__name")
        .annotate(n=Count("id"))
        .order_by("-n", "case__unit__code")[:limit]
    )
    return [RedUnit(code, name, n) for code, name, n in rows]


def orders_in(user: Any, unit: Unit) -> SupervisionOrderQuerySet:
    """Return the orders USER may see addressed to UNIT's subtree."""
    return SupervisionOrder.objects.visible_to(user).filter(target_unit__path__startswith=unit.path)


def with_first_answer(orders: QuerySet[SupervisionOrder]) -> QuerySet[Any]:
    """Annotate each order with ``first_answered_at``: its first reply (a later one after a
    send-back does not restart the clock)."""
    first = (
        OrderEvent.objects.filter(order=OuterRef("pk"), kind=OrderEventKind.ANSWERED)
        .order_by("at", "id")
        .values("at")[:1]
    )
    return orders.annotate(first_answered_at=Subquery(first))


def first_answered_between(
    orders: QuerySet[SupervisionOrder], period: Period
) -> QuerySet[SupervisionOrder]:
    """Return the ORDERS first answered within PERIOD."""
    return with_first_answer(orders).filter(
        first_answered_at__gte=period.low, first_answered_at__lt=period.high
    )


def reply_time(user: Any, unit: Unit, period: Period) -> ReplyTime:
    """Return how many orders to UNIT's subtree were first answered in PERIOD, and the mean
    time from issue to that first answer."""
    took = ExpressionWrapper(F("first_answered_at") - F("created_at"), output_field=DurationField())
    row = (
        first_answered_between(orders_in(user, unit), period)
        .order_by()
        .aggregate(n=Count("id"), average=Avg(took))
    )
    average = row["average"]
    if average is not None and not isinstance(average, dt.timedelta):  # microseconds on SQLite
        average = dt.timedelta(microseconds=average)
    return ReplyTime(row["n"], average)


def build(user: Any, unit: Unit, kind: PeriodKind, on: dt.date, *, at: dt.datetime) -> Dashboard:
    """Return the dashboard of UNIT (inside USER's scope) for the period of KIND containing ON.

    AT is now: the instant against which orders are overdue.
    """
    period = period_of(kind, on)
    rows = warnings_by_unit(user, unit)
    by_level = _zero()
    for row in rows:
        for level, n in row.by_level.items():
            by_level[level] += n
    rate = metrics.get(RATE_METRIC)
    trend = [
        TrendPoint(k, p, period_label(k, p), rate(p, unit)) for k, p in trend_periods(kind, on)
    ]
    return Dashboard(
        unit=unit,
        kind=kind,
        period=period,
        at=at,
        by_level=by_level,
        by_unit=rows,
        overdue_orders=orders_in(user, unit).overdue(at).count(),
        reply=reply_time(user, unit, period),
        rate=rate(period, unit),
        trend=trend,
        red_units=red_units(user, unit),
    )

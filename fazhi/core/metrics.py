"""The one metric registry (DESIGN: Shared shapes → Metrics).

A metric is a function of (period, scope) returning a ``MetricValue``: the value, its numerator
and denominator, and the queryset of the exact records behind it, so that every figure on a
dashboard, in the API or in the annual report can be drilled down to its rows. Domain apps
register their metrics with ``@metric(...)`` when they load (in ``AppConfig.ready``); the
reports app, the API and the ``fazhi metrics`` command only read the registry.

The registry lives in ``core`` (the foundation) so that a domain app registering its figures
never imports ``fazhi.reports``, which sits above the domain apps (DESIGN: Layers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fazhi.core.clock import start_of_day
from fazhi.core.errors import FazhiError

if TYPE_CHECKING:  # the scope is an org.Unit; core does not import org at run time
    from fazhi.org.models import Unit

# The days a period may name: from the founding of the People's Republic to the end of 2100.
EARLIEST_DAY = dt.date(1949, 10, 1)
LATEST_DAY = dt.date(2100, 12, 31)


@dataclass(frozen=True)
class Period:
    """Whole days from START to END inclusive, in the bureau's time zone."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        for name, day in (("from", self.start), ("to", self.end)):
            if not EARLIEST_DAY <= day <= LATEST_DAY:
                raise FazhiError(
                    _("统计日期 %(day)s 超出 %(earliest)s 至 %(latest)s 的范围。")
                    % {"day": day, "earliest": EARLIEST_DAY, "latest": LATEST_DAY},
                    code="date_out_of_range",
                    field=name,
                )
        if self.end < self.start:
            raise FazhiError(
                _("统计截止日 %(end)s 早于起始日 %(start)s。")
                % {"end": self.end, "start": self.start},
                code="invalid_period",
                field="to",
            )

    @property
    def low(self) -> dt.datetime:
        return start_of_day(self.start)

    @property
    def high(self) -> dt.datetime:  # exclusive
        return start_of_day(self.end + dt.timedelta(days=1))


def parse_day(text: str, *, field_name: str) -> dt.date:
    """TEXT as a YYYY-MM-DD day, or a FazhiError naming FIELD_NAME."""
    try:
        if len(text) != 10:  # fromisoformat also takes 20260101 and 2026-W01-1
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FazhiError(
            _("%(field)s 的值 %(value)s 不是 YYYY-MM-DD 格式的日期。")
            % {"field": field_name, "value": text},
            code="invalid_date",
            field=field_name,
        ) from None


def parse_period(start: str | None, end: str | None, *, today: dt.date) -> Period:
    """The period FROM–TO given as text; a missing end is TODAY, a missing start 1 January of
    the end's year. A bad day, an end before the start or a day outside 1949-10-01..2100-12-31
    raises FazhiError naming the field ("from" or "to")."""
    last = parse_day(end, field_name="to") if end else today
    first = parse_day(start, field_name="from") if start else last.replace(month=1, day=1)
    return Period(first, last)


class MetricKind(StrEnum):
    """What the value is: a percentage of the denominator, an average over it, or a count."""

    RATE = "rate"  # numerator / denominator × 100 %, no figure when the denominator is 0
    AVERAGE = "average"  # numerator / denominator, no figure when the denominator is 0
    COUNT = "count"  # the numerator itself (0 is a figure); the denominator is context


@dataclass(frozen=True)
class MetricValue:
    value: Decimal | None  # None when the denominator is 0: no figure, not 0%
    numerator: int
    denominator: int
    records: QuerySet[Any]


@dataclass(frozen=True)
class Metric:
    code: str
    name: str
    formula: str  # the written formula, shown beside the figure
    unit: str  # "%", "件", …
    compute: Callable[[Period, Unit], MetricValue]
    kind: MetricKind = MetricKind.RATE
    app: str = field(default="")  # the label of the app that registered it ("services", …)

    do_not_call_in_templates = True  # a template reads its fields; it never runs it

    def __call__(self, period: Period, scope: Unit) -> MetricValue:
        return self.compute(period, scope)


_REGISTRY: dict[str, Metric] = {}
Compute = Callable[["Period", "Unit"], MetricValue]


def _app_of(compute: Callable[..., Any]) -> str:
    """The app label of the module COMPUTE is defined in: fazhi.services.metrics → services."""
    parts = getattr(compute, "__module__", "").split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "fazhi" else parts[0]


def metric(
    code: str,
    *,
    name: str,
    formula: str,
    unit: str,
    kind: MetricKind = MetricKind.RATE,
    app: str | None = None,
) -> Callable[[Compute], Compute]:
    """Register the decorated function (period, scope) → MetricValue as metric CODE."""

    def decorator(compute: Compute) -> Compute:
        if code in _REGISTRY and _REGISTRY[code].compute is not compute:
            raise ValueError(f"metric {code!r} is registered twice")
        _REGISTRY[code] = Metric(
            code, name, formula, unit, compute, MetricKind(kind), app or _app_of(compute)
        )
        return compute

    return decorator


class UnknownMetric(FazhiError):
    code = "unknown_metric"


def get(code: str) -> Metric:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise UnknownMetric(_("没有指标 %(code)s。") % {"code": code}, field="code") from None


def all_metrics() -> list[Metric]:
    return sorted(_REGISTRY.values(), key=lambda m: m.code)


def percent(numerator: int, denominator: int) -> Decimal | None:
    """NUMERATOR / DENOMINATOR × 100, to one decimal place (half up); None for 0 denominators."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )

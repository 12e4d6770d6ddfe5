"""The one metric registry (DESIGN: Shared shapes → Metrics).

A metric is a function of (period, scope) returning a ``MetricValue``: the value, its numerator
and denominator, and the queryset of the exact records behind it, so that every figure on a
dashboard, in the API or in the annual report can be drilled down to its rows. Apps register
their metrics with ``@metric(...)`` when they load (in ``AppConfig.ready``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fazhi.core.errors import FazhiError
from fazhi.org.models import Unit

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class Period:
    """Whole days from START to END inclusive, in the bureau's time zone."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise FazhiError(
                _("统计截止日 %(end)s 早于起始日 %(start)s。")
                % {"end": self.end, "start": self.start},
                field="to",
            )

    @property
    def low(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, SHANGHAI)

    @property
    def high(self) -> dt.datetime:  # exclusive
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, SHANGHAI)


@dataclass(frozen=True)
class MetricValue:
    value: Decimal | None  # None when the denominator is 0: no figure, not 0%
    numerator: int
    denominator: int
    records: QuerySet


@dataclass(frozen=True)
class Metric:
    code: str
    name: str
    formula: str  # the written formula, shown beside the figure
    unit: str  # "%", "件", …
    compute: Callable[[Period, Unit], MetricValue]

    do_not_call_in_templates = True  # a template reads its fields; it never runs it

    def __call__(self, period: Period, scope: Unit) -> MetricValue:
        return self.compute(period, scope)


_REGISTRY: dict[str, Metric] = {}


def metric(code: str, *, name: str, formula: str, unit: str) -> Callable:
    """Register the decorated function (period, scope) → MetricValue as metric CODE."""

    def decorator(compute: Callable[[Period, Unit], MetricValue]) -> Callable:
        if code in _REGISTRY and _REGISTRY[code].compute is not compute:
            raise ValueError(f"metric {code!r} is registered twice")
        _REGISTRY[code] = Metric(code, name, formula, unit, compute)
        return compute

    return decorator


def get(code: str) -> Metric:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise FazhiError(_("没有指标 %(code)s。") % {"code": code}, field="code") from None


def all_metrics() -> list[Metric]:
    return sorted(_REGISTRY.values(), key=lambda m: m.code)


def percent(numerator: int, denominator: int) -> Decimal | None:
    """NUMERATOR / DENOMINATOR × 100, to one decimal place (half up); None for 0 denominators."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )

"""A registered metric as data: what ``fazhi metrics`` prints and ``/api/v1/metrics/`` answers.

Both read the one registry (``fazhi.core.metrics``) and give the same JSON:
``{"code", "name", "value", "numerator", "denominator", "formula", "unit", "kind", "app",
"period": {"from", "to"}, "scope": {"code", "name"}, "records"}``. The value is a number, or null
when a rate or an average has an empty denominator (no figure, never 0 %); a count (kind
"count") is its numerator, so 0 is a figure, and its denominator is only context.

Scope: the figure is computed for one unit (its subtree) that the asker may see —
``Unit.objects.visible_to(user)``; the operator's command (no user) sees the whole city. A unit
that does not exist and one outside the asker's scope answer the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from fazhi.core import metrics
from fazhi.core.errors import FazhiError
from fazhi.core.metrics import Metric, MetricKind, MetricValue, Period
from fazhi.org.models import Unit

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from fazhi.org.models import User


class UnitNotFound(FazhiError):
    """The unit does not exist, or lies outside the asker's scope (the same answer for both)."""

    code = "unit_not_found"


def describe(metric: Metric) -> dict[str, Any]:
    """The registry's entry for METRIC: what it counts, without a figure."""
    return {
        "code": metric.code,
        "name": str(metric.name),
        "formula": str(metric.formula),
        "unit": str(metric.unit),
        "kind": str(metric.kind),
        "app": metric.app,
    }


def catalogue() -> list[dict[str, Any]]:
    return [describe(m) for m in metrics.all_metrics()]


def units_for(user: User | None) -> QuerySet[Unit]:
    """The units USER may ask about; every unit for the operator (USER None)."""
    return Unit.objects.all() if user is None else Unit.objects.visible_to(user)


def scope_unit(user: User | None, code: str | None) -> Unit:
    """The unit CODE among those USER may see; without CODE, USER's own scope unit (the city's
    root unit for the operator). Raises UnitNotFound (field "unit") otherwise."""
    units = units_for(user)
    if code:
        unit = units.filter(code=code).first()
        if unit is None:
            raise UnitNotFound(
                _("没有单位 %(code)s，或该单位不在您的范围内。") % {"code": code}, field="unit"
            )
        return unit
    if user is None:  # the operator: the city bureau, the root of the tree
        unit = units.filter(depth=1).first()
    else:  # the user's own scope unit, if their role sees scoped data at all
        unit = units.filter(pk=getattr(user.scope_unit, "pk", None)).first()
    if unit is None:
        raise UnitNotFound(
            _("没有可以统计的单位：请用 unit 指定一个您范围内的单位。"), field="unit"
        )
    return unit


def number(value: Decimal | None, kind: MetricKind) -> int | float | None:
    """VALUE for JSON: a count as an integer, a rate or an average as a number, or null."""
    if value is None:
        return None
    if kind == MetricKind.COUNT and value == value.to_integral_value():
        return int(value)
    return float(value)


def records_link(metric: Metric, period: Period, unit: Unit) -> str:
    """The drill-down page of the figure: the exact records behind it."""
    query = urlencode(
        {"unit": unit.code, "from": period.start.isoformat(), "to": period.end.isoformat()}
    )
    return f"{reverse('reports:metric', args=[metric.code])}?{query}"


@dataclass(frozen=True)
class Figure:
    metric: Metric
    period: Period
    unit: Unit
    value: MetricValue

    def as_dict(self) -> dict[str, Any]:
        return {
            **describe(self.metric),
            "value": number(self.value.value, self.metric.kind),
            "numerator": self.value.numerator,
            "denominator": self.value.denominator,
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
            "scope": {"code": self.unit.code, "name": self.unit.name},
            "records": records_link(self.metric, self.period, self.unit),
        }


def figure(
    code: str,
    *,
    start: str | None,
    end: str | None,
    unit_code: str | None,
    user: User | None,
    today: dt.date,
) -> Figure:
    """Metric CODE for the period START–END (text, YYYY-MM-DD) and the unit UNIT_CODE as USER
    (None: the operator, city-wide) may see it.

    Checked in this order, each a FazhiError naming its field: the code ("code"), the days
    ("from", "to"), the unit ("unit", a UnitNotFound)."""
    metric = metrics.get(code)
    period = metrics.parse_period(start, end, today=today)
    unit = scope_unit(user, unit_code)
    return Figure(metric, period, unit, metric(period, unit))

"""The metric registry over the API: ``GET /api/v1/metrics/`` and ``GET /api/v1/metrics/{code}``.

The same JSON as ``fazhi metrics show --json`` (fazhi.reports.figures), scoped by
``visible_to(request.user)``: a unit outside the caller's subtree answers 404 exactly like one that
does not exist; an unknown code answers 404; a bad day or an end before the start answers 422
naming the field (``from`` or ``to``).
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fazhi.core.api_errors import ErrorOut
from fazhi.core.errors import PermissionDeniedError
from fazhi.core.metrics import UnknownMetric
from fazhi.core.roles import Capability
from fazhi.org.models import User
from fazhi.reports import figures

router = Router(tags=["metrics"])


# --- Schemas (named Metric…, unique in the OpenAPI schema) ---------------------------------------


class MetricInfoOut(Schema):
    code: str = Field(..., examples=["services_fully_online_rate"])
    name: str = Field(..., examples=["全程网办率（办件）"])
    formula: str = Field(..., description="the written formula, as on the metric's page")
    unit: str = Field(..., examples=["%"], description='what the value is in: "%", "件", "小时" …')
    kind: str = Field(
        ...,
        examples=["rate"],
        description="rate (numerator / denominator × 100) | average (numerator / denominator) | "
        "count (the numerator; the denominator is context)",
    )
    app: str = Field(..., examples=["services"], description="the app that registers the metric")


class MetricPeriodOut(Schema):
    from_: str = Field(..., alias="from", examples=["2026-01-01"], description="first day")
    to: str = Field(..., examples=["2026-12-31"], description="last day (inclusive)")


class MetricScopeOut(Schema):
    code: str = Field(..., examples=["500103"], description="the unit; its subtree is counted")
    name: str = Field(..., examples=["甲区分局"])


class MetricFigureOut(MetricInfoOut):
    value: float | None = Field(
        ...,
        examples=[85.1],
        description="null when a rate or an average has an empty denominator (no figure, not 0)",
    )
    numerator: int
    denominator: int
    period: MetricPeriodOut
    scope: MetricScopeOut
    records: str = Field(
        ...,
        examples=["/reports/metrics/services_fully_online_rate/?unit=500103&from=…&to=…"],
        description="the drill-down page listing the exact records behind the figure",
    )


class MetricQueryIn(Schema):
    from_: str | None = Field(
        None, alias="from", description="first day, YYYY-MM-DD (default: 1 January of `to`)"
    )
    to: str | None = Field(None, description="last day, YYYY-MM-DD (default: today)")
    unit: str | None = Field(
        None, description="unit code within the caller's scope (default: the caller's scope unit)"
    )


# --- Endpoints -----------------------------------------------------------------------------------


def _viewer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.has_capability(Capability.VIEW_SCOPED_DATA):
        raise PermissionDeniedError(_("您的角色无权查看统计指标。"))
    return user


def _not_found(exc: Exception, field: str) -> Status[dict[str, str]]:
    return Status(
        404, {"code": getattr(exc, "code", "not_found"), "detail": str(exc), "field": field}
    )


@router.get("/", response=list[MetricInfoOut], summary="The registered metrics")
def list_metrics(request: HttpRequest) -> list[dict[str, Any]]:
    _viewer(request)
    return figures.catalogue()


@router.get(
    "/{code}",
    response={200: MetricFigureOut, 404: ErrorOut, 422: ErrorOut},
    summary="One metric's figure for a period and a unit",
    by_alias=True,
)
def show_metric(
    request: HttpRequest, code: str, params: Query[MetricQueryIn]
) -> Status[dict[str, Any]] | Status[dict[str, str]]:
    user = _viewer(request)
    try:
        figure = figures.figure(
            code,
            start=params.from_,
            end=params.to,
            unit_code=params.unit,
            user=user,
            today=timezone.localdate(),
        )
    except UnknownMetric as exc:
        return _not_found(exc, "code")
    except figures.UnitNotFound as exc:
        return _not_found(exc, "unit")
    return Status(200, figure.as_dict())

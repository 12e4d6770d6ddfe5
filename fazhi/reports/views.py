"""The metric page: the figure, its written formula and the exact records behind it."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fazhi.core import bounds, metrics
from fazhi.core.access import requires
from fazhi.core.errors import FazhiError
from fazhi.core.metrics import Period
from fazhi.core.roles import Capability as C
from fazhi.org.models import Unit, User

PAGE_SIZE = 50


def _signed_in(request: HttpRequest) -> User:
    """The user of a view behind @requires, which lets only a signed-in User through."""
    return cast(User, request.user)


def _date(text: str | None, default: dt.date, *, field: str) -> dt.date:
    """Return the day of the query parameter FIELD; a bad or absurd day is a 400 naming it."""
    return bounds.day(text, field=field, default=default)


@requires(C.VIEW_SCOPED_DATA)
def metric_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/metric_list.html", {"metrics": metrics.all_metrics()})


@requires(C.VIEW_SCOPED_DATA)
def metric_detail(request: HttpRequest, code: str) -> HttpResponse:
    """/reports/metrics/<code>/?from=YYYY-MM-DD&to=YYYY-MM-DD&unit=<unit code>."""
    try:
        metric = metrics.get(code)
    except FazhiError:
        raise Http404 from None
    today = timezone.localdate()
    start = _date(request.GET.get("from"), today.replace(month=1, day=1), field="from")
    end = _date(request.GET.get("to"), today, field="to")
    units = Unit.objects.visible_to(request.user)
    unit_code = request.GET.get("unit") or getattr(_signed_in(request).scope_unit, "code", None)
    unit = units.filter(code=unit_code).first()
    if unit is None:  # outside the scope answers like a unit that does not exist
        raise Http404
    error = None
    value = page = None
    try:
        value = metric(Period(start, end), unit)
    except FazhiError as exc:
        error = str(exc)
    else:
        # The records are scoped again (the metric's scope is already inside the user's), by
        # AND-ing the user's scope into the metric's own query: one WHERE, no IN (subquery),
        # so counting a million records stays an index range.
        records = value.records & value.records.model.objects.visible_to(request.user)
        page = Paginator(records.order_by(*value.records.query.order_by), PAGE_SIZE).get_page(
            bounds.page_number(request.GET.get("page"))
        )
    context = {
        "metric": metric,
        "value": value,
        "page": page,
        "error": error,
        "start": start,
        "end": end,
        "unit": unit,
        "units": units,
        "records_template": f"reports/records/{metric.code}.html",
    }
    return render(request, "reports/metric_detail.html", context)

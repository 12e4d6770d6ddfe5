"""The 警快办 metrics page: every service metric of a period and a unit, each linked to its records.

The application figures are read in one aggregate query (fazhi.services.metrics.all_values), so the
page answers in well under a second on 1,000,000 applications (docs/performance.md).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fazhi.core import metrics
from fazhi.core.access import requires
from fazhi.core.errors import FazhiError
from fazhi.core.metrics import Period
from fazhi.core.roles import Capability as C
from fazhi.org.models import Unit
from fazhi.reports.views import _date, _signed_in
from fazhi.services import metrics as service_metrics


@requires(C.VIEW_SCOPED_DATA)
def services(request: HttpRequest) -> HttpResponse:
    """/reports/services/?from=YYYY-MM-DD&to=YYYY-MM-DD&unit=<unit code> (default: this year)."""
    today = timezone.localdate()
    start = _date(request.GET.get("from"), today.replace(month=1, day=1), field="from")
    end = _date(request.GET.get("to"), today, field="to")
    units = Unit.objects.visible_to(request.user)
    unit_code = request.GET.get("unit") or getattr(_signed_in(request).scope_unit, "code", None)
    unit = units.filter(code=unit_code).first()
    if unit is None:  # outside the scope answers like a unit that does not exist
        raise Http404
    rows, error = [], None
    try:
        values = service_metrics.all_values(Period(start, end), unit)
    except FazhiError as exc:
        error = str(exc)
    else:
        rows = [(metrics.get(code), value) for code, value in values]
    context = {
        "rows": rows,
        "error": error,
        "start": start,
        "end": end,
        "unit": unit,
        "units": units,
    }
    return render(request, "reports/services.html", context)

"""The warning queue: each level sees its own (visible_to), filters, counts, acknowledge."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fazhi.core import bounds
from fazhi.core.access import requires
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Capability as C
from fazhi.org.models import Unit, User
from fazhi.supervision import warnings
from fazhi.supervision.models import CaseWarning, Escalated, WarningState
from fazhi.supervision.rules import WarningLevel, registry

if TYPE_CHECKING:
    from fazhi.org.views import HtmxHttpRequest


def _signed_in(request: HttpRequest) -> User:
    """The user of a view behind @requires, which lets only a signed-in User through."""
    return cast(User, request.user)


PAGE_SIZE = 50


def _filter_of(request: HttpRequest) -> warnings.WarningFilter:
    get = request.GET
    state = get.get("state", WarningState.OPEN)
    return warnings.WarningFilter(
        level=get.get("level", "") if get.get("level") in WarningLevel.values else "",
        rule=get.get("rule", "")[:40],
        unit=get.get("unit", "")[:32],
        own=get.get("own") == "1",
        state=state if state in WarningState.values else "",
        escalated=get.get("escalated", "") if get.get("escalated") in Escalated.values else "",
        handler_id=_signed_in(request).officer_id if get.get("mine") == "1" else None,
        since=_day(get.get("since", "")),
    )


def _day(text: str) -> dt.date | None:
    """A YYYY-MM-DD query value as a date, or None (a malformed one is ignored)."""
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


@requires(C.VIEW_SCOPED_DATA)
def warning_list(request: HtmxHttpRequest) -> HttpResponse:
    f = _filter_of(request)
    counted = warnings.find_warnings(
        request.user, warnings.WarningFilter(**{**f.__dict__, "level": ""})
    )
    qs = warnings.find_warnings(request.user, f)
    page = Paginator(qs, PAGE_SIZE).get_page(bounds.page_number(request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    counts = warnings.counts_by_level(counted)
    context = {
        "page": page,
        "filter": f,
        "counts": [(level, label, counts[level]) for level, label in WarningLevel.choices],
        "total": sum(counts.values()),
        "levels": WarningLevel.choices,
        "states": WarningState.choices,
        "escalations": Escalated.choices,
        "rules": sorted((r.code, r.name) for r in registry().all()),
        "units": Unit.objects.visible_to(request.user),
        "query": query.urlencode(),
        "can_acknowledge": _signed_in(request).has_capability(C.HANDLE_CASES)
        or _signed_in(request).has_capability(C.SUPERVISE),
        "can_supervise": _signed_in(request).has_capability(C.SUPERVISE),
    }
    template = (
        "supervision/_warning_table.html" if request.htmx else "supervision/warning_list.html"
    )
    return render(request, template, context)


@require_POST
@requires(C.VIEW_SCOPED_DATA)
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(CaseWarning.objects.visible_to(request.user), pk=pk)
    error = None
    try:
        warning = warnings.acknowledge(warning, actor=request.user, at=timezone.now())
    except FazhiError as exc:
        error = str(exc)
    row = warnings.find_warnings(request.user, warnings.WarningFilter(state="")).get(pk=warning.pk)
    return render(
        request,
        "supervision/_warning_row.html",
        {
            "w": row,
            "error": error,
            "can_acknowledge": True,
            "can_supervise": _signed_in(request).has_capability(C.SUPERVISE),
        },
        status=200 if error is None else 409,
    )

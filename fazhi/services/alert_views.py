"""The queue of 警快办 deadline warnings: each unit its own scope, loudest first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fazhi.core import bounds
from fazhi.services import alerts
from fazhi.services.staff_views import staff
from fazhi.supervision.rules import WarningLevel

PAGE_SIZE = 50


@staff
def warning_list(request: HttpRequest) -> HttpResponse:
    every = alerts.visible_warnings(request.user)
    found = dict(every.order_by().values_list("level").annotate(n=Count("id")))
    level = request.GET.get("level", "")
    shown = every.filter(level=level) if level in WarningLevel.values else every
    page = Paginator(shown, PAGE_SIZE).get_page(bounds.page_number(request.GET.get("page")))
    context = {
        "page": page,
        "level": level,
        "counts": [(code, label, found.get(code, 0)) for code, label in WarningLevel.choices],
        "total": sum(found.values()),
    }
    return render(request, "services/staff/warnings.html", context)

"""The staff home (one per role); the health checks are in fazhi.core.health."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fazhi.core import home as home_panels


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = home_panels.for_user(request.user)
    return render(request, "core/home.html", context)

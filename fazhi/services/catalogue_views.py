"""Staff pages for the editions of the 警快办 catalogue (/services/catalogue/): thin over editions.py.

A domain error becomes an error page with its status (403 no capability, 409 frozen, 422 otherwise),
never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fazhi.catalog.views import editions_to_compare
from fazhi.core.access import requires
from fazhi.core.errors import FazhiError, FrozenRecord, PermissionDeniedError
from fazhi.core.roles import Capability
from fazhi.services import editions
from fazhi.services.models import EditionStatus, ServiceEdition
from fazhi.services.requests import StaffRequest

ERROR_STATUS = {FrozenRecord: 409, PermissionDeniedError: 403}


def _error(request: HttpRequest, exc: FazhiError) -> HttpResponse:
    status = next((code for cls, code in ERROR_STATUS.items() if isinstance(exc, cls)), 422)
    context = {"message": str(exc), "field": exc.field, "status": status}
    return render(request, "services/catalogue/error.html", context, status=status)


@login_required
@require_GET
def edition_list(request: StaffRequest) -> HttpResponse:
    rows = ServiceEdition.objects.annotate(entry_count=Count("entries")).order_by("-number")
    context = {
        "editions": rows,
        "has_draft": any(e.status == EditionStatus.DRAFT for e in rows),
        "can_edit": request.user.has_capability(Capability.EDIT_CATALOGUE),
    }
    return render(request, "services/catalogue/editions.html", context)


@requires(Capability.EDIT_CATALOGUE)
@require_POST
def edition_start(request: StaffRequest) -> HttpResponse:
    try:
        draft = editions.start_draft(actor=request.user)
    except FazhiError as exc:
        return _error(request, exc)
    messages.success(request, _("已新建草稿：%(edition)s") % {"edition": draft.title})
    return redirect("service_catalogue:edition", pk=draft.pk)


@login_required
@require_GET
def edition_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """An edition's entries; for a draft, what it changes against the published edition."""
    edition = get_object_or_404(ServiceEdition, pk=pk)
    live = editions.current_edition()
    is_draft = edition.status == EditionStatus.DRAFT
    context = {
        "edition": edition,
        "entries": edition.entries.order_by("code"),
        "is_draft": is_draft,
        "live": live,
        "draft_diff": editions.diff(live, edition) if is_draft and live else None,
        "can_edit": is_draft and request.user.has_capability(Capability.EDIT_CATALOGUE),
        "can_publish": is_draft and request.user.has_capability(Capability.PUBLISH_LIST),
    }
    return render(request, "services/catalogue/edition_detail.html", context)


@requires(Capability.EDIT_CATALOGUE)
@require_POST
def edition_sync(request: StaffRequest, pk: int) -> HttpResponse:
    edition = get_object_or_404(ServiceEdition, pk=pk)
    try:
        result = editions.sync_draft(edition, actor=request.user)
    except FazhiError as exc:
        return _error(request, exc)
    messages.success(
        request,
        _("已按服务事项同步：新增 %(added)s 项，删除 %(removed)s 项，更新 %(updated)s 项。")
        % result.counts(),
    )
    return redirect("service_catalogue:edition", pk=pk)


@requires(Capability.PUBLISH_LIST)
@require_POST
def edition_publish(request: StaffRequest, pk: int) -> HttpResponse:
    edition = get_object_or_404(ServiceEdition, pk=pk)
    try:
        edition = editions.publish(edition, actor=request.user)
    except FazhiError as exc:
        return _error(request, exc)
    messages.success(request, _("已发布：%(edition)s") % {"edition": edition.title})
    return redirect("service_catalogue:edition", pk=pk)


@login_required
@require_GET
def edition_diff(request: StaffRequest) -> HttpResponse:
    """Compare any two editions (?a=ID&b=ID)."""
    context: dict[str, Any] = {
        "editions": ServiceEdition.objects.order_by("-number"),
        "result": None,
    }
    try:
        pair = editions_to_compare(request, ServiceEdition)
    except FazhiError as exc:
        return _error(request, exc)
    if pair is not None:
        context["result"] = editions.diff(*pair)
    context.update(a=request.GET.get("a", ""), b=request.GET.get("b", ""))
    return render(request, "services/catalogue/diff.html", context)

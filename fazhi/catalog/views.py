"""Staff pages for the enforcement catalogue and list editions (htmx for inline draft editing).

Thin: parse the request, call ``fazhi.catalog.editions``, render. A domain error becomes an
error page (403/409/422) or, for an htmx request, an alert swapped into the page — never a 500.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Model, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fazhi.catalog import editions
from fazhi.catalog.forms import EntryForm, PublishForm
from fazhi.catalog.models import (
    EnforcementItem,
    ItemKind,
    ListEdition,
    ListEntry,
    ListKind,
)
from fazhi.core import bounds
from fazhi.core.access import requires
from fazhi.core.errors import FazhiError, FrozenRecord, PermissionDeniedError
from fazhi.core.roles import Capability
from fazhi.org.models import User

ITEMS_PER_PAGE = 50
ERROR_STATUS = {FrozenRecord: 409, PermissionDeniedError: 403}
M = TypeVar("M", bound=Model)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _error(request: HttpRequest, exc: FazhiError) -> HttpResponse:
    """Render a domain error: an alert fragment for htmx, else an error page with its status."""
    status = next((code for cls, code in ERROR_STATUS.items() if isinstance(exc, cls)), 422)
    context = {"message": str(exc), "field": exc.field, "basis": exc.basis, "status": status}
    if _is_htmx(request):
        # htmx does not swap 4xx responses; answer 200 and retarget the alert area instead.
        response = render(request, "catalog/_alert.html", context)
        response["HX-Retarget"] = "#edition-alerts"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "catalog/error.html", context, status=status)


def _signed_in(request: HttpRequest) -> User:
    """The user of a view behind @login_required or @requires: always a signed-in User."""
    return cast(User, request.user)


def _can_edit(user: User, edition: ListEdition) -> bool:
    return not edition.is_frozen and user.has_capability(Capability.EDIT_CATALOGUE)


@login_required
@require_GET
def items(request: HttpRequest) -> HttpResponse:
    """List enforcement items: search by code/name, filter by kind, 应进必进, delegable."""
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    centre = request.GET.get("centre", "")
    delegable = request.GET.get("delegable", "")
    rows = EnforcementItem.objects.all()
    if q:
        rows = rows.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if kind in ItemKind.values:
        rows = rows.filter(kind=kind)
    if centre in ("1", "0"):
        rows = rows.filter(must_use_centre=centre == "1")
    if delegable in ("1", "0"):
        rows = rows.filter(delegable_to_township=delegable == "1")
    page = Paginator(rows, ITEMS_PER_PAGE).get_page(bounds.page_number(request.GET.get("page")))
    context = {
        "page": page,
        "q": q,
        "kind": kind,
        "centre": centre,
        "delegable": delegable,
        "kinds": ItemKind.choices,
    }
    template = "catalog/_items_table.html" if _is_htmx(request) else "catalog/items.html"
    return render(request, template, context)


@login_required
@require_GET
def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    item = get_object_or_404(EnforcementItem, code=code)
    today = timezone.localdate()
    context = {
        "item": item,
        # (provision, whether its text is no longer the one in force today)
        "provisions": [
            (provision, not provision.version.in_force_on(today))
            for provision in item.basis.select_related("version__law")
        ],
        "delegations": item.delegations.select_related("township").order_by(
            "township__code", "effective_from"
        ),
    }
    return render(request, "catalog/item_detail.html", context)


@login_required
@require_GET
def edition_list(request: HttpRequest) -> HttpResponse:
    """List the editions of each list, newest first, with the draft (if any) on top."""
    rows = ListEdition.objects.annotate(entry_count=Count("entries")).order_by(
        "list_kind", "-number"
    )
    lists = [
        {
            "kind": kind,
            "label": label,
            "editions": [e for e in rows if e.list_kind == kind],
            "has_draft": any(e.list_kind == kind and not e.is_frozen for e in rows),
        }
        for kind, label in ListKind.choices
    ]
    context = {
        "lists": lists,
        "can_edit": _signed_in(request).has_capability(Capability.EDIT_CATALOGUE),
    }
    return render(request, "catalog/editions.html", context)


@requires(Capability.EDIT_CATALOGUE)
@require_POST
def edition_start(request: HttpRequest) -> HttpResponse:
    try:
        draft = editions.start_draft(request.POST.get("list_kind", ""), actor=request.user)
    except FazhiError as exc:
        return _error(request, exc)
    messages.success(request, _("已新建草稿：%(edition)s") % {"edition": draft.title})
    return redirect("catalog:edition", pk=draft.pk)


@login_required
@require_GET
def edition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    edition = get_object_or_404(ListEdition, pk=pk)
    q = request.GET.get("q", "").strip()
    entries = edition.entries.all()
    if q:
        entries = entries.filter(Q(code__icontains=q) | Q(name__icontains=q))
    can_edit = _can_edit(_signed_in(request), edition)
    context = {
        "edition": edition,
        "entries": entries,
        "q": q,
        "can_edit": can_edit,
        "can_publish": not edition.is_frozen
        and _signed_in(request).has_capability(Capability.PUBLISH_LIST),
        "publish_form": PublishForm(),
    }
    return render(request, "catalog/edition_detail.html", context)


def _entry(pk: int, entry_pk: int) -> ListEntry:
    return get_object_or_404(
        ListEntry.objects.select_related("edition"), pk=entry_pk, edition_id=pk
    )


@login_required
@require_GET
def entry_row(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    entry = _entry(pk, entry_pk)
    context = {"entry": entry, "can_edit": _can_edit(_signed_in(request), entry.edition)}
    return render(request, "catalog/_entry_row.html", context)


@requires(Capability.EDIT_CATALOGUE)
def entry_edit(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """GET: the inline form of one entry. POST: save it, or show it again with field errors."""
    entry = _entry(pk, entry_pk)
    if entry.edition.is_frozen:
        return _error(request, FrozenRecord(_("已发布的清单版本不能修改，请新建版本。")))
    if request.method != "POST":
        return render(
            request,
            "catalog/_entry_form.html",
            {"entry": entry, "form": EntryForm.for_entry(entry)},
        )
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            entry = editions.update_entry(entry, form.cleaned_data, actor=request.user)
        except editions.InvalidEntry as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except FazhiError as exc:
            return _error(request, exc)
        else:
            if _is_htmx(request):
                return render(
                    request, "catalog/_entry_row.html", {"entry": entry, "can_edit": True}
                )
            return redirect("catalog:edition", pk=pk)
    status = 200 if _is_htmx(request) else 422
    return render(
        request, "catalog/_entry_form.html", {"entry": entry, "form": form}, status=status
    )


@requires(Capability.EDIT_CATALOGUE)
@require_POST
def entry_remove(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    entry = _entry(pk, entry_pk)
    try:
        editions.remove_entry(entry, actor=request.user)
    except FazhiError as exc:
        return _error(request, exc)
    if _is_htmx(request):
        return HttpResponse("")  # the row is swapped out
    return redirect("catalog:edition", pk=pk)


@requires(Capability.EDIT_CATALOGUE)
@require_POST
def entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    edition = get_object_or_404(ListEdition, pk=pk)
    code = request.POST.get("code", "").strip()
    item = EnforcementItem.objects.filter(code=code).first()
    try:
        if item is None:
            raise FazhiError(_("事项编码“%(code)s”不存在。") % {"code": code}, field="code")
        editions.add_entry_from_item(edition, item, actor=request.user)
    except FazhiError as exc:
        return _error(request, exc)
    messages.success(request, _("已加入事项 %(code)s。") % {"code": code})
    return redirect("catalog:edition", pk=pk)


@requires(Capability.EDIT_CATALOGUE)
@require_POST
def edition_sync(request: HttpRequest, pk: int) -> HttpResponse:
    edition = get_object_or_404(ListEdition, pk=pk)
    try:
        result = editions.sync_draft_from_catalogue(edition, actor=request.user)
    except FazhiError as exc:
        return _error(request, exc)
    messages.success(
        request,
        _("已按执法事项目录同步：新增 %(added)s 项，删除 %(removed)s 项，更新 %(updated)s 项。")
        % result.counts(),
    )
    return redirect("catalog:edition", pk=pk)


@requires(Capability.PUBLISH_LIST)
@require_POST
def edition_publish(request: HttpRequest, pk: int) -> HttpResponse:
    edition = get_object_or_404(ListEdition, pk=pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        value = request.POST.get("effective_from", "")
        return _error(
            request,
            FazhiError(
                _("生效日期“%(value)s”无效，应为 YYYY-MM-DD。") % {"value": value},
                field="effective_from",
            ),
        )
    try:
        edition = editions.publish(
            edition, actor=request.user, effective_from=form.cleaned_data["effective_from"]
        )
    except FazhiError as exc:
        return _error(request, exc)
    messages.success(request, _("已发布：%(edition)s") % {"edition": edition.title})
    if _is_htmx(request):
        response = HttpResponse("")
        response["HX-Redirect"] = reverse("catalog:edition", args=[pk])
        return response
    return redirect("catalog:edition", pk=pk)


@login_required
@require_GET
def edition_diff(request: HttpRequest) -> HttpResponse:
    """Compare any two editions (?a=ID&b=ID): added, removed, changed field by field."""
    all_editions = ListEdition.objects.order_by("list_kind", "-number")
    context: dict[str, Any] = {"editions": all_editions, "result": None}
    try:
        pair = editions_to_compare(request, ListEdition)
    except FazhiError as exc:
        return _error(request, exc)
    if pair is not None:
        context["result"] = editions.diff(*pair)
    context.update(a=request.GET.get("a", ""), b=request.GET.get("b", ""))
    return render(request, "catalog/diff.html", context)


def editions_to_compare(request: HttpRequest, model: type[M]) -> tuple[M, M] | None:
    """Return the two editions of MODEL that ?a=ID&b=ID name, or None unless both are given.

    Raises FazhiError unless both IDs are numbers, Http404 if either edition does not exist.
    The 警快办 catalogue's diff page uses it too.
    """
    a_id, b_id = request.GET.get("a", ""), request.GET.get("b", "")
    if not (a_id and b_id):
        return None
    if not (a_id.isdigit() and b_id.isdigit()):
        raise FazhiError(
            _("版本编号应为数字，收到 a=%(a)s、b=%(b)s。") % {"a": a_id, "b": b_id}, field="a"
        )
    return get_object_or_404(model, pk=int(a_id)), get_object_or_404(model, pk=int(b_id))

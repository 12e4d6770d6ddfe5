"""Staff pages of 警快办: the queue, window intake, an application and its handling steps.

Views are thin: they scope with ``visible_to``, call fazhi.services.applications, and render. An
application outside the user's scope answers 404, like one that does not exist. A refusal of a step
(ApplicationStateError, PermissionDeniedError …) is shown as a message with its basis; nothing is
written and nothing answers 500.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fazhi.cases.forms import style
from fazhi.core import bounds
from fazhi.core.access import requires
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Capability as C
from fazhi.services import applicants, formspec, queue, uploads
from fazhi.services import applications as ops
from fazhi.services.clock import clock_of
from fazhi.services.models import (
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    Channel,
    ServiceItem,
)
from fazhi.services.requests import StaffRequest
from fazhi.services.staff_forms import (
    QueueFilterForm,
    ReasonForm,
    SupplementRequestForm,
    WindowApplicantForm,
)

S = ApplicationStatus
BASIS_DECIDE = "《中华人民共和国行政许可法》第三十八条"
BASIS_ON_THE_SPOT = "《中华人民共和国行政许可法》第三十四条第二款"
ITEM_RESULTS = 20


def staff(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Let the view run for a logged-in user who handles services or views the scope's data."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.has_capability(C.HANDLE_SERVICES) or user.has_capability(C.VIEW_SCOPED_DATA)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def idempotency_key(user: Any, key: str) -> str:
    """The stored key: a client's key is its own (two clerks' keys never collide)."""
    return f"staff:{user.pk}:{key}"


# --- The queue -----------------------------------------------------------------------------------


@staff
def queue_page(request: StaffRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    now = timezone.now()
    found: QuerySet[Application]
    if form.is_bound and not form.is_valid():
        found = Application.objects.none()
        counts = dict.fromkeys(S.values, 0)
    else:
        filters = form.to_filter()
        found = queue.find_applications(request.user, filters, at=now)
        counts = queue.status_counts(request.user, filters, at=now)
    page = Paginator(found, queue.PAGE_SIZE).get_page(bounds.page_number(request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    without_status = query.copy()
    without_status.pop("status", None)
    context = {
        "form": form,
        "page": page,
        "now": now,
        "soon_until": queue.soon_until(now, queue.DUE_SOON_DAYS),
        "running": queue.CLOCK_STATUSES,
        "query": query.urlencode(),
        "status_query": without_status.urlencode(),
        "counts": [(value, label, counts[value]) for value, label in S.choices],
        "total": sum(counts.values()),
        "current_status": form.cleaned_data.get("status", "") if form.is_bound else "",
        "can_handle": request.user.has_capability(C.HANDLE_SERVICES),
    }
    status = bounds.form_status(form)
    if request.htmx:
        return render(request, "services/staff/_queue_table.html", context, status=status)
    return render(request, "services/staff/queue.html", context, status=status)


# --- Window intake -------------------------------------------------------------------------------


def _item_search(term: str) -> QuerySet[ServiceItem]:
    items = ServiceItem.objects.filter(is_active=True)
    term = term.strip()
    if term:
        items = items.filter(Q(code__icontains=term) | Q(name__icontains=term))
    return items.order_by("code")[:ITEM_RESULTS]


def _raw_item_data(item: ServiceItem, data: QueryDict) -> dict[str, str]:
    return {f["key"]: data.get(f"form-{f['key']}", "") for f in item.form}


def _attach_invalid(form: forms.Form, item_form: forms.Form, invalid: formspec.FormInvalid) -> None:
    """Put each of the domain's errors next to its field (the item form found its own already)."""
    for key, errors in invalid.errors.items():
        if key in form.fields:
            for message in errors:
                form.add_error(key, message)
        elif key in item_form.fields:
            known: Container[object] = item_form.errors.get(key, [])
            for message in errors:
                if message not in known:
                    item_form.add_error(key, message)
        else:
            for message in errors:
                form.add_error(None, f"{key}: {message}")


@requires(C.HANDLE_SERVICES)
def window(request: StaffRequest) -> HttpResponse:
    """窗口受理: find the item, then register the walk-in applicant (and complete on the spot)."""
    code = request.POST.get("item") or request.GET.get("item")
    if not code:
        term = request.GET.get("q", "")
        context: dict[str, Any] = {"term": term, "items": _item_search(term)}
        if request.htmx:
            return render(request, "services/staff/_item_results.html", context)
        return render(request, "services/staff/window_items.html", context)
    item = get_object_or_404(ServiceItem.objects.prefetch_related("materials"), code=code)
    item_form_class = formspec.build_form(item.form)
    refusal = None
    file_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = WindowApplicantForm(request.POST, user=request.user)
        item_form = item_form_class(request.POST, prefix="form")
        item_form.is_valid()  # its errors show even when the unit is wrong
        if form.is_valid():
            response, refusal, file_errors = _register(request, item, form, item_form)
            if response is not None:
                return response
        else:
            file_errors = uploads.check_many(_files(request, item))[1]
    else:
        form = WindowApplicantForm(user=request.user)
        item_form = item_form_class(prefix="form")
    style(item_form)
    context = {
        "item": item,
        "form": form,
        "item_form": item_form,
        "refusal": refusal,
        "materials": [
            (m, f"material-{m.pk}", file_errors.get(f"material-{m.pk}", []))
            for m in item.materials.all()
        ],
        "file_errors": file_errors,
        "allowed_types": uploads.allowed_labels(),
        "basis_on_the_spot": BASIS_ON_THE_SPOT,
    }
    return render(request, "services/staff/window.html", context)


def _files(request: HttpRequest, item: ServiceItem) -> list[tuple[str, Any]]:
    """The scanned materials the clerk attached: one optional file per material not fetched."""
    fields = (f"material-{m.pk}" for m in item.materials.all() if not m.fetched)
    return [(name, request.FILES[name]) for name in fields if name in request.FILES]


class _FilesRefused(Exception):
    """Roll the submission back: a file was refused (its message is shown beside its field)."""


def _register(
    request: StaffRequest, item: ServiceItem, form: WindowApplicantForm, item_form: forms.Form
) -> tuple[HttpResponse | None, Refusal | None, dict[str, list[str]]]:
    """Submit, store the scans, complete on the spot if asked; return (response, refusal, errors).

    Every check runs before anything is kept: a refused file rolls the submission back, so the
    form's, the applicant's and the files' errors are all shown at once.
    """
    user = request.user
    data = form.cleaned_data
    key = idempotency_key(user, data["idempotency_key"])
    earlier = Application.objects.filter(idempotency_key=key).first()
    if earlier is not None:
        messages.info(
            request,
            _("重复提交：办件 %(receipt)s 已登记，未新建办件。") % {"receipt": earlier.receipt},
        )
        return redirect("services:application", receipt=earlier.receipt), None, {}
    on_the_spot = request.POST.get("action") == "on_the_spot"
    checked, file_errors = uploads.check_many(_files(request, item))
    materials = {f"material-{m.pk}": m for m in item.materials.all()}
    now = timezone.now()
    applicant = ops.Applicant(
        name=data["applicant_name"],
        id_number=data["applicant_id_number"],
        phone=data["applicant_phone"],
        id_type=data["applicant_id_type"],
    )
    try:
        with uploads.removed_if_rolled_back(), transaction.atomic():
            application = ops.submit(
                item,
                applicant=applicant,
                unit=data["unit"],
                channel=Channel.WINDOW,
                data=_raw_item_data(item, request.POST),
                by=user,
                idempotency_key=key,
                at=now,
            )
            if file_errors:
                raise _FilesRefused
            if application.submitted_at == now:  # made now, not a concurrent repeat of the key
                for field, one in checked.items():
                    uploads.store(application, one, by=user, material=materials[field])
                if on_the_spot:
                    ops.complete_on_the_spot(application, user, at=now)
    except formspec.FormInvalid as invalid:
        _attach_invalid(form, item_form, invalid)
        return None, None, file_errors
    except _FilesRefused:
        return None, None, file_errors
    except FazhiError as exc:
        return None, Refusal.of(exc), file_errors
    if on_the_spot:
        messages.success(
            request, _("办件 %(receipt)s 已当场办结。") % {"receipt": application.receipt}
        )
    else:
        messages.success(request, _("办件 %(receipt)s 已登记。") % {"receipt": application.receipt})
    return redirect("services:application", receipt=application.receipt), None, {}


# --- An application ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A domain refusal as the page shows it: the message and the provision behind it."""

    message: str
    basis: str

    @classmethod
    def of(cls, exc: FazhiError) -> Refusal:
        return cls(str(exc), str(exc.basis or ""))


@dataclass(frozen=True)
class Action:
    """One handling step offered on the page: its form and the operation it calls."""

    code: str
    label: Any
    states: tuple[str, ...]
    call: Callable[..., Any]
    form_class: type[forms.Form] | None = None
    basis: str = ""
    style: str = "btn-primary"

    def allowed(self, application: Application) -> bool:
        if self.code == "on_the_spot" and not application.item.on_the_spot:
            return False
        return application.status in self.states


def _plain(op: Callable[..., Any]) -> Callable[..., Any]:
    """An Action's call for operation OP, which takes nothing from the form."""
    return lambda app, user, form, at: op(app, user, at=at)


def _with_reason(op: Callable[..., Any]) -> Callable[..., Any]:
    """An Action's call for operation OP, which takes the ReasonForm's reason."""
    return lambda app, user, form, at: op(app, user, reason=form.cleaned_data["reason"], at=at)


ACTIONS = {
    action.code: action
    for action in (
        Action(
            "accept",
            gettext_lazy("受理"),
            (S.SUBMITTED,),
            _plain(ops.accept),
            basis=ops.BASIS_ACCEPT,
        ),
        Action(
            "on_the_spot",
            gettext_lazy("当场办结"),
            (S.SUBMITTED,),
            _plain(ops.complete_on_the_spot),
            basis=BASIS_ON_THE_SPOT,
            style="btn-success",
        ),
        Action(
            "ask_supplement",
            gettext_lazy("一次性告知补正"),
            (S.SUBMITTED, S.ACCEPTED),
            lambda app, user, form, at: ops.ask_supplement(
                app, user, missing=form.missing_items(), at=at
            ),
            SupplementRequestForm,
            basis=ops.BASIS_ACCEPT,
            style="btn-outline-warning",
        ),
        Action(
            "supplement",
            gettext_lazy("补正材料已收到"),
            (S.SUPPLEMENT,),
            _plain(ops.supplement),
        ),
        Action(
            "approve",
            gettext_lazy("准予"),
            (S.ACCEPTED,),
            _plain(ops.approve),
            basis=BASIS_DECIDE,
            style="btn-success",
        ),
        Action(
            "reject",
            gettext_lazy("不予许可"),
            (S.ACCEPTED,),
            _with_reason(ops.reject),
            ReasonForm,
            basis=BASIS_DECIDE,
            style="btn-outline-danger",
        ),
        Action(
            "complete",
            gettext_lazy("办结"),
            (S.APPROVED,),
            _plain(ops.complete),
            style="btn-success",
        ),
        Action(
            "refuse",
            gettext_lazy("不予受理"),
            (S.SUBMITTED, S.SUPPLEMENT),
            _with_reason(ops.refuse),
            ReasonForm,
            basis=ops.BASIS_ACCEPT,
            style="btn-outline-danger",
        ),
        Action(
            "visit",
            gettext_lazy("登记到窗口"),
            OPEN_STATUSES,
            _plain(ops.record_visit),
            style="btn-outline-secondary",
        ),
    )
}


def _scoped(request: StaffRequest, receipt: str) -> Application:
    found: Application = get_object_or_404(
        Application.objects.visible_to(request.user).select_related(
            "item", "unit", "citizen", "created_by", "bundle_application__bundle"
        ),
        receipt=receipt,
    )
    return found


def _form_rows(application: Application) -> list[tuple[str, Any]]:
    """The application form's answers, labelled as the item's form labels them."""
    labels = {f["key"]: f["label"] for f in application.item.form}
    rows = [(labels.get(key, key), value) for key, value in application.form_data.items()]
    order = list(labels)
    return sorted(rows, key=lambda r: order.index(r[0]) if r[0] in order else len(order))


def _detail_context(
    request: StaffRequest, application: Application, **extra: Any
) -> dict[str, Any]:
    now = timezone.now()
    bound = extra.pop("bound", {})
    can_handle = request.user.has_capability(C.HANDLE_SERVICES)
    actions = []
    if can_handle:
        for action in ACTIONS.values():
            if action.allowed(application):
                form = bound.get(action.code)
                if form is None and action.form_class is not None:
                    form = action.form_class(prefix=action.code)
                actions.append((action, form))
    uploads = list(application.uploads.select_related("material").order_by("uploaded_at", "pk"))
    context = {
        "application": application,
        "item": application.item,
        "form_rows": _form_rows(application),
        "events": application.events.order_by("at", "pk"),
        "clock": clock_of(application, at=now),
        "uploads": uploads,
        "materials": application.item.materials.all(),
        "actions": actions,
        "can_handle": can_handle,
        "can_reveal": request.user.has_capability(C.REVEAL_ID_NUMBER),
        "revealed": extra.pop("revealed", ""),
        "parts": (
            parent.parts.select_related("item").order_by("pk")
            if application.bundle_application_id
            and (parent := application.bundle_application) is not None
            else []
        ),
    }
    return context | extra


@staff
def application_page(request: StaffRequest, receipt: str) -> HttpResponse:
    application = _scoped(request, receipt)
    return render(request, "services/staff/application.html", _detail_context(request, application))


@require_POST
@staff
def act(request: StaffRequest, receipt: str, code: str) -> HttpResponse:
    """Run one handling step; a refusal is shown as a message, never a 500."""
    application = _scoped(request, receipt)
    action = ACTIONS.get(code)
    if action is None:
        messages.error(request, _("未知的办理环节：%(code)s") % {"code": code})
        return redirect("services:application", receipt=receipt)
    form = None
    if action.form_class is not None:
        form = action.form_class(request.POST, prefix=code)
        if not form.is_valid():
            context = _detail_context(request, application, bound={code: form})
            return render(request, "services/staff/application.html", context, status=422)
    try:
        action.call(application, request.user, form, timezone.now())
    except FazhiError as exc:
        text = str(exc)
        if exc.basis:
            text = _("%(message)s（依据：%(basis)s）") % {"message": text, "basis": exc.basis}
        messages.error(request, text)
    else:
        messages.success(
            request,
            _("办件 %(receipt)s：已登记“%(step)s”。")
            % {"receipt": application.receipt, "step": action.label},
        )
    return redirect(reverse("services:application", args=[receipt]))


@never_cache
@require_POST
@requires(C.REVEAL_ID_NUMBER)
def reveal_id(request: StaffRequest, receipt: str) -> HttpResponse:
    """Show the applicant's full ID number and record the display (pii.reveal) in the same request."""
    application = _scoped(request, receipt)
    full = applicants.reveal_id_number(
        application, actor=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    if request.htmx:
        return render(
            request,
            "services/staff/_applicant_id.html",
            {"application": application, "number": full},
        )
    context = _detail_context(request, application, revealed=full)
    return render(request, "services/staff/application.html", context)

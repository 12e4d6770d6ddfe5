"""Supervision order pages (督办): the list per level, the detail with its history, the forms.

Thin: each form calls one function of fazhi.supervision.orders; a refusal is shown on the form
(next to its field when it names one) and nothing is written. Orders outside the user's scope
answer 404, like orders that do not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fazhi.cases.forms import LocalDateTimeInput, style
from fazhi.cases.models import Case
from fazhi.core import bounds, jobs
from fazhi.core.access import requires
from fazhi.core.errors import FazhiError
from fazhi.core.metrics import Period
from fazhi.core.roles import Capability as C
from fazhi.org.models import Unit
from fazhi.supervision import bulk, dashboard, orders, warnings
from fazhi.supervision.models import (
    OrderLevel,
    OrderStatus,
    SupervisionOrder,
    SupervisionOrderQuerySet,
)
from fazhi.supervision.views import _filter_of, _signed_in

if TYPE_CHECKING:
    from fazhi.org.views import HtmxHttpRequest

PAGE_SIZE = 50


class IssueForm(forms.Form):
    target_unit = forms.ModelChoiceField(
        label=gettext_lazy("被督办单位"), queryset=Unit.objects.none(), to_field_name="code"
    )
    problem = forms.CharField(label=gettext_lazy("存在问题"), widget=forms.Textarea({"rows": 3}))
    demand = forms.CharField(label=gettext_lazy("督办要求"), widget=forms.Textarea({"rows": 3}))
    reply_due_at = forms.DateTimeField(label=gettext_lazy("答复期限"), widget=LocalDateTimeInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            "forms.ModelChoiceField[Unit]", self.fields["target_unit"]
        ).queryset = Unit.objects.visible_to(user)
        style(self)


class BulkForm(forms.Form):
    demand = forms.CharField(label=gettext_lazy("督办要求"), widget=forms.Textarea({"rows": 3}))
    reply_due_at = forms.DateTimeField(label=gettext_lazy("答复期限"), widget=LocalDateTimeInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class AnswerForm(forms.Form):
    rectification = forms.CharField(
        label=gettext_lazy("整改情况"), widget=forms.Textarea({"rows": 3})
    )
    evidence = forms.CharField(label=gettext_lazy("佐证材料"), widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("退回理由"), widget=forms.Textarea({"rows": 2}))
    reply_due_at = forms.DateTimeField(
        label=gettext_lazy("新的答复期限"), required=False, widget=LocalDateTimeInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


def _refuse(form: forms.Form, exc: FazhiError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


def _go(request: HtmxHttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _visible(request: HtmxHttpRequest, number: str) -> SupervisionOrder:
    return get_object_or_404(
        SupervisionOrder.objects.visible_to(request.user).select_related(
            "issuing_unit", "target_unit", "issued_by", "case"
        ),
        number=number,
    )


def _period_of(start: str | None, end: str | None) -> Period | None:
    """Return the period FROM–TO (ISO dates) of the list's answered_from/answered_to filter.

    Both or neither: a bad or absurd day, or an end before the start, is a 400 naming the field.
    """
    first = bounds.optional_day(start, field="answered_from")
    last = bounds.optional_day(end, field="answered_to")
    if first is None or last is None:
        return None
    if last < first:
        raise bounds.BadParameter(
            _("截止日 %(end)s 早于起始日 %(start)s。") % {"end": last, "start": first},
            field="answered_to",
        )
    return Period(first, last)


# The status filter's value for "still owes a reply" (OPEN or RETURNED), used by the home page.
AWAITING = "awaiting"


@requires(C.VIEW_SCOPED_DATA)
def order_list(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    qs = SupervisionOrder.objects.visible_to(request.user).select_related(
        "issuing_unit", "target_unit", "case"
    )
    status = request.GET.get("status", "")
    level = request.GET.get("level", "")
    overdue = request.GET.get("overdue") == "1"
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    elif status == AWAITING:  # 待答复 and 已退回: the target unit still owes a reply
        qs = qs.awaiting_reply()
    issued = request.GET.get("issued") == "1"
    if issued:  # the orders the user's scope issued (those it verifies), not those it received
        scope = _signed_in(request).scope_unit
        qs = qs.filter(issuing_unit__path__startswith=scope.path) if scope else qs.none()
    if level in OrderLevel.values:
        qs = qs.filter(level=level)
    if overdue:
        qs = qs.overdue(now)
    unit = None
    if request.GET.get("unit"):  # a unit outside the scope lists nothing, like an unknown one
        unit = Unit.objects.visible_to(request.user).filter(code=request.GET["unit"]).first()
        qs = qs.filter(target_unit__path__startswith=unit.path) if unit else qs.none()
    answered = _period_of(request.GET.get("answered_from"), request.GET.get("answered_to"))
    if answered is not None:
        # the same queryset class, filtered on the annotated first answer
        qs = cast(SupervisionOrderQuerySet, dashboard.first_answered_between(qs, answered))
    page = Paginator(qs, PAGE_SIZE).get_page(bounds.page_number(request.GET.get("page")))
    context = {
        "page": page,
        "now": now,
        "status": status,
        "level": level,
        "overdue": overdue,
        "issued": issued,
        "unit": unit,
        "answered": answered,
        "statuses": OrderStatus.choices,
        "levels": OrderLevel.choices,
        "overdue_count": SupervisionOrder.objects.visible_to(request.user).overdue(now).count(),
    }
    template = "supervision/_order_table.html" if request.htmx else "supervision/order_list.html"
    return render(request, template, context)


def _detail_context(
    request: HtmxHttpRequest, order: SupervisionOrder, **forms_: forms.Form
) -> dict[str, Any]:
    user = _signed_in(request)
    scope = user.scope_unit
    can_answer = (
        user.has_capability(C.HANDLE_CASES)
        and scope is not None
        and order.target_unit.contains(scope)
        and order.status in (OrderStatus.OPEN, OrderStatus.RETURNED)
    )
    can_verify = (
        user.has_capability(C.SUPERVISE)
        and scope is not None
        and scope.contains(order.issuing_unit)
        and order.status == OrderStatus.ANSWERED
    )
    return {
        "order": order,
        "events": order.events.select_related("actor"),
        "order_warnings": order.warnings.all(),
        "overdue": order.is_overdue(timezone.now()),
        "can_answer": can_answer,
        "can_verify": can_verify,
        "answer_form": forms_.get("answer_form") or AnswerForm(),
        "return_form": forms_.get("return_form") or ReturnForm(),
    }


@requires(C.VIEW_SCOPED_DATA)
def order_detail(request: HtmxHttpRequest, number: str) -> HttpResponse:
    order = _visible(request, number)
    return render(request, "supervision/order_detail.html", _detail_context(request, order))


@requires(C.SUPERVISE, C.VIEW_SCOPED_DATA)
def order_new(request: HtmxHttpRequest) -> HttpResponse:
    """Issue one order: about a case (?case=number) or a warning (?warning=pk)."""
    source = request.POST if request.method == "POST" else request.GET
    case = warning = None
    if source.get("warning"):
        warning = get_object_or_404(
            warnings.find_warnings(request.user, warnings.WarningFilter(state="")),
            pk=source.get("warning"),
        )
        case = warning.case
    elif source.get("case"):
        case = get_object_or_404(Case.objects.visible_to(request.user), number=source["case"])
    initial = {}
    if case is not None:
        initial["target_unit"] = case.unit.code
    if warning is not None:
        initial["problem"] = f"{warning.name}（{warning.basis}）"
    if request.method == "POST":
        form = IssueForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                order = orders.issue_order(
                    form.cleaned_data["target_unit"],
                    case=case,
                    warnings=[warning] if warning else (),
                    problem=form.cleaned_data["problem"],
                    demand=form.cleaned_data["demand"],
                    reply_due_at=form.cleaned_data["reply_due_at"],
                    actor=request.user,
                    at=timezone.now(),
                )
            except FazhiError as exc:
                _refuse(form, exc)
            else:
                messages.success(request, _("已下发督办单 %(n)s。") % {"n": order.number})
                return _go(request, reverse("supervision:order", args=[order.number]))
    else:
        form = IssueForm(initial=initial, user=request.user)
    context = {"form": form, "case": case, "warning": warning}
    template = (
        "supervision/_order_issue_form.html" if request.htmx else "supervision/order_new.html"
    )
    return render(request, template, context)


@requires(C.SUPERVISE, C.VIEW_SCOPED_DATA)
def order_bulk(request: HtmxHttpRequest) -> HttpResponse:
    """Issue one order per case of the warnings the queue's filter shows (对筛选结果批量督办)."""
    source = request.POST if request.method == "POST" else request.GET
    f = _filter_of(
        cast(HttpRequest, SimpleNamespace(GET=source))
    )  # it reads only .GET  # the queue's own filter, from GET or POST
    found = warnings.find_warnings(request.user, f).filter(state="open")
    if request.method == "POST":
        form = BulkForm(request.POST)
        if form.is_valid():
            try:
                orders._issuer_unit(request.user)  # refused here, on the form, not in the job
            except FazhiError as exc:
                _refuse(form, exc)
            else:
                # A long action: the worker issues the orders; its page shows them counted.
                job = jobs.start(
                    bulk.KIND,
                    owner=request.user,
                    title=_("批量督办：%(n)d 件案件")
                    % {"n": found.values("case").distinct().count()},
                    params=bulk.params(
                        f,
                        demand=form.cleaned_data["demand"],
                        reply_due_at=form.cleaned_data["reply_due_at"],
                    ),
                )
                return _go(request, reverse("core:job", args=[job.pk]))
    else:
        form = BulkForm()
    context = {
        "form": form,
        "filter": f,
        "warning_count": found.count(),
        "case_count": found.values("case").distinct().count(),
    }
    return render(request, "supervision/order_bulk.html", context)


def _order_step(
    request: HtmxHttpRequest,
    number: str,
    form_class: type[forms.Form],
    step: Callable[..., object],
    done: str,
    *,
    form_key: str,
    fragment: str,
) -> HttpResponse:
    """Run one form-backed step of an order (answer, send back); re-render the form on errors."""
    order = _visible(request, number)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            step(order, actor=request.user, at=timezone.now(), **form.cleaned_data)
        except FazhiError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, done)
            return _go(request, reverse("supervision:order", args=[number]))
    context = _detail_context(request, order, **{form_key: form})
    if request.htmx:
        return render(request, fragment, context)
    return render(request, "supervision/order_detail.html", context)


@require_POST
@requires(C.VIEW_SCOPED_DATA)
def order_answer(request: HtmxHttpRequest, number: str) -> HttpResponse:
    return _order_step(
        request,
        number,
        AnswerForm,
        orders.answer_order,
        _("已答复督办单。"),
        form_key="answer_form",
        fragment="supervision/_order_answer_form.html",
    )


@require_POST
@requires(C.VIEW_SCOPED_DATA)
def order_return(request: HtmxHttpRequest, number: str) -> HttpResponse:
    return _order_step(
        request,
        number,
        ReturnForm,
        orders.return_order,
        _("已退回督办单，待重新答复。"),
        form_key="return_form",
        fragment="supervision/_order_verify_form.html",
    )


@require_POST
@requires(C.VIEW_SCOPED_DATA)
def order_verify(request: HtmxHttpRequest, number: str) -> HttpResponse:
    order = _visible(request, number)
    try:
        orders.verify_order(order, actor=request.user, at=timezone.now())
    except FazhiError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("督办单已核验办结。"))
    return _go(request, reverse("supervision:order", args=[number]))


@requires(C.VIEW_SCOPED_DATA)
def order_notice(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """Download the 督办通知书 (within scope only: _visible answers 404 outside it)."""
    order = _visible(request, number)
    response = HttpResponse(
        orders.notice_docx(order),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="{order.number}.docx"'
    return response

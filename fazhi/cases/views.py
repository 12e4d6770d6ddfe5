"""Pages of the cases app: the list, a case, opening a case, recording a step, revealing an ID.

Views are thin: they scope with ``visible_to``, call fazhi.cases.procedure, and render. A case
outside the user's scope answers 404, like a case that does not exist. A refusal of the law
(CaseRefused, EventRefused, PermissionDeniedError) is shown with its provision; nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from fazhi.cases import parties as party_ops
from fazhi.cases import procedure, queries
from fazhi.cases.document_views import HtmxHttpRequest
from fazhi.cases.forms import FACT_PREFIX, CaseFilterForm, CaseOpenForm, EventForm, party_formset
from fazhi.cases.models import Case, Deadline, DeadlineStatus, Party, ProceduralEvent
from fazhi.cases.packs import Pack
from fazhi.catalog.models import EnforcementItem
from fazhi.core.access import requires
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Capability as C
from fazhi.discretion import preview as benchmark
from fazhi.discretion.engine import InvalidFacts
from fazhi.discretion.review import BASIS_BENCHMARK
from fazhi.org.models import User

# --- List ----------------------------------------------------------------------------------------


def _signed_in(request: HttpRequest) -> User:
    """The user of a view behind @requires: always a signed-in User."""
    return cast(User, request.user)


def _item_options() -> list[tuple[str, str]]:
    return list(EnforcementItem.objects.filter(is_active=True).values_list("code", "name"))


@requires(C.VIEW_SCOPED_DATA)
def case_list(request: HtmxHttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None, user=request.user)
    now = timezone.now()
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        number = 1
    if form.is_bound and not form.is_valid():
        page = queries.CasePage([], 1, queries.PAGE_SIZE, has_next=False)
    else:
        page = queries.find_cases(request.user, form.to_filter(), at=now, page=number)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "now": now,
        "query": query.urlencode(),
        "can_handle": _signed_in(request).has_capability(C.HANDLE_CASES),
    }
    if request.htmx:
        return render(request, "cases/_case_table.html", context)
    context["item_options"] = _item_options()
    return render(request, "cases/case_list.html", context)


# --- Refusals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A domain refusal as the page shows it: the message and the provision behind it."""

    message: str
    basis: str
    code: str
    field: str | None

    @classmethod
    def of(cls, exc: FazhiError) -> Refusal:
        return cls(str(exc), str(exc.basis or ""), exc.code, exc.field)


def _attach(form: BaseForm, exc: FazhiError) -> None:
    """Show a refusal next to its field too, when the form has that field."""
    name = exc.field or ""
    if name.startswith("data.facts."):
        name = FACT_PREFIX + name.removeprefix("data.facts.")
    elif name == "data.deviation_reason":
        name = "deviation_reason"
    elif name.startswith("data."):
        name = "data_" + name.removeprefix("data.")
    if name in form.fields:
        form.add_error(name, str(exc))


def _form_response(
    request: HtmxHttpRequest, template: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    return render(request, partial if request.htmx else template, context)


def _go(request: HtmxHttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# --- Opening a case ------------------------------------------------------------------------------


@requires(C.VIEW_SCOPED_DATA, C.HANDLE_CASES)
def case_new(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    data = request.POST if request.method == "POST" else None
    form = CaseOpenForm(data, user=request.user, now=now)
    formset = party_formset(data)
    refusal = None
    if request.method == "POST":
        form_ok = form.is_valid()
        parties_ok = formset.is_valid()  # both validated: every error is shown at once
        if form_ok and parties_ok:
            parties = tuple(
                f.to_domain() for f in formset.forms if f.has_changed() and f.cleaned_data
            )
            new, first = form.to_domain(parties)
            try:
                case = procedure.open_case(new, first, actor=request.user, at=now)
            except FazhiError as exc:
                refusal = Refusal.of(exc)
                _attach(form, exc)
            else:
                messages.success(request, _("案件 %(number)s 已登记。") % {"number": case.number})
                return _go(request, reverse("cases:detail", args=[case.number]))
    context = {
        "form": form,
        "formset": formset,
        "refusal": refusal,
        "item_options": _item_options(),
    }
    return _form_response(request, "cases/case_new.html", "cases/_case_form.html", context)


# --- A case --------------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    event: ProceduralEvent
    name: str
    values: list[tuple[str, object]]
    corrections: list[TimelineEntry] = field(default_factory=list)
    is_corrected: bool = False


def _event_name(pack: Pack | None, kind: str) -> str:
    if pack is None:
        return kind
    try:
        return _(pack.event(kind).name)  # a pack's name, in the catalogue (fazhi.core.data_i18n)
    except KeyError:
        return kind


def _values(pack: Pack | None, event: ProceduralEvent) -> list[tuple[str, object]]:
    labels = {}
    if pack is not None:
        try:
            labels = {
                f.name: _(f.label) if f.label else f.name for f in pack.event(event.kind).fields
            }
        except KeyError:
            labels = {}
    return [(labels.get(name, name), value) for name, value in (event.data or {}).items()]


def timeline(pack: Pack | None, events: list[ProceduralEvent]) -> list[TimelineEntry]:
    """Return the events in time order, each correction placed beside the event it corrects.

    An event is marked corrected when a later event names it (it is no longer in force).
    """
    entries = {e.pk: TimelineEntry(e, _event_name(pack, e.kind), _values(pack, e)) for e in events}
    roots: list[TimelineEntry] = []
    for event in events:
        entry = entries[event.pk]
        if event.corrects_id not in entries:
            roots.append(entry)
            continue
        entries[event.corrects_id].is_corrected = True
        root = entries[event.corrects_id]
        while root.event.corrects_id in entries:  # a correction of a correction
            root = entries[root.event.corrects_id]
        root.corrections.append(entry)
    return roots


def time_left(deadline: Deadline, now: dt.datetime) -> str:
    """Return how long a running deadline has left, or how long it is overdue."""
    if deadline.status != DeadlineStatus.OPEN:
        return ""
    delta = deadline.due_at - now
    overdue = delta <= dt.timedelta(0)
    delta = abs(delta)
    days, hours = delta.days, delta.seconds // 3600
    minutes = delta.seconds % 3600 // 60
    if days:
        span = _("%(days)d 天 %(hours)d 小时") % {"days": days, "hours": hours}
    else:
        span = _("%(hours)d 小时 %(minutes)d 分钟") % {"hours": hours, "minutes": minutes}
    if overdue:
        return _("已超期 %(span)s") % {"span": span}
    return _("剩余 %(span)s") % {"span": span}


def _suggested_kind(pack: Pack, events: list[ProceduralEvent]) -> str:
    """Return the first step of the pack that may come next (a default for the form)."""
    recorded = {e.kind for e in events}
    for spec in pack.events:
        if spec.first or (not spec.repeatable and spec.code in recorded):
            continue
        if spec.after and not recorded.intersection(spec.after):
            continue
        if spec.code not in recorded:
            return spec.code
    return pack.events[0].code


def _pack(case: Case) -> Pack | None:
    try:
        return procedure.pack_of(case)
    except KeyError:
        return None


def _scoped_case(request: HttpRequest, number: str) -> Case:
    case: Case = get_object_or_404(
        Case.objects.visible_to(request.user).select_related("unit", "item", "legal_officer"),
        number=number,
    )
    return case


def _detail_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    pack = _pack(case)
    events = list(case.events.select_related("recorded_by").order_by("occurred_at", "pk"))
    deadlines = sorted(
        case.deadlines.all(),
        key=lambda d: (d.status not in (DeadlineStatus.OPEN, DeadlineStatus.STOPPED), d.due_at),
    )
    can_handle = _signed_in(request).has_capability(C.HANDLE_CASES)
    parties = list(case.parties.order_by("pk"))
    revealed = extra.pop("revealed", {})
    for party in parties:
        party.revealed = revealed.get(party.pk, "")
    context: dict[str, Any] = {
        "case": case,
        "pack": pack,
        "now": now,
        "handler_links": case.handler_links.select_related("officer").order_by("pk"),
        "deadlines": [(d, time_left(d, now)) for d in deadlines],
        "timeline": timeline(pack, events),
        "parties": parties,
        "properties": case.properties.select_related("seized_by_event").order_by("pk"),
        "documents": case.documents.order_by("generated_at", "pk"),
        "can_handle": can_handle,
        "can_reveal": _signed_in(request).has_capability(C.REVEAL_ID_NUMBER),
        "offence_name": benchmark.offence_name(case.offence_code) if case.offence_code else "",
        "reviews": [
            (review, benchmark.describe_stored(review.recommendation))
            for review in case.discretion_reviews.select_related("event").order_by("pk")
        ],
    }
    if can_handle and pack is not None and "event_form" not in extra:
        kind = _suggested_kind(pack, events)
        context["event_form"] = EventForm(
            case=case, pack=pack, kind=kind, now=now, initial={"kind": kind}
        )
    return context | extra


@requires(C.VIEW_SCOPED_DATA)
def case_detail(request: HtmxHttpRequest, number: str) -> HttpResponse:
    case = _scoped_case(request, number)
    return render(request, "cases/case_detail.html", _detail_context(request, case))


# --- Recording a step ----------------------------------------------------------------------------


@require_GET
@requires(C.VIEW_SCOPED_DATA, C.HANDLE_CASES)
def event_form(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """Return the event form for the chosen step (htmx, when the step select changes)."""
    case = _scoped_case(request, number)
    pack = _pack(case)
    if pack is None:
        return HttpResponse(_("本案的办案程序没有施行中的规则。"), status=409)
    kind = request.GET.get("kind") or _suggested_kind(pack, list(case.events.all()))
    initial = {"kind": kind, "occurred_at": request.GET.get("occurred_at") or None}
    form = EventForm(case=case, pack=pack, kind=kind, now=timezone.now(), initial=initial)
    return render(request, "cases/_event_form.html", {"case": case, "event_form": form})


@require_GET
@requires(C.VIEW_SCOPED_DATA, C.HANDLE_CASES)
def recommendation(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """Return the benchmark's recommendation for the facts in the decide form (htmx, live).

    Nothing is written: the officer sees the range before deciding. The decision date is the
    form's 发生时间, or today.
    """
    case = _scoped_case(request, number)
    pack = _pack(case)
    context: dict[str, Any] = {"case": case, "basis_benchmark": BASIS_BENCHMARK}
    if pack is None or not case.offence_code:
        return render(request, "cases/_recommendation.html", context)
    now = timezone.now()
    form = EventForm(request.GET, case=case, pack=pack, kind="decide", now=now)
    form.is_valid()  # only the facts and the time are read; other errors wait for the submit
    wrong = {
        name.removeprefix(FACT_PREFIX): messages_
        for name, messages_ in form.errors.items()
        if name.startswith(FACT_PREFIX)
    }
    occurred = form.cleaned_data.get("occurred_at")
    decided_on = timezone.localtime(occurred or now).date()
    if wrong:
        context["problem"] = "；".join(
            f"{form.fields[FACT_PREFIX + name].label}：{' '.join(cast(list[str], msgs))}"
            for name, msgs in wrong.items()
        )
        return render(request, "cases/_recommendation.html", context)
    try:
        decision = benchmark.preview(case, form.given_facts(), decided_on)
    except InvalidFacts as exc:
        context["problem"] = str(exc)
    else:
        context |= {
            "decision": decision,
            "range": benchmark.describe_stored(decision.to_dict()),
            "decided_on": decided_on,
        }
    return render(request, "cases/_recommendation.html", context)


@require_POST
@requires(C.VIEW_SCOPED_DATA, C.HANDLE_CASES)
def record_event(request: HtmxHttpRequest, number: str) -> HttpResponse:
    case = _scoped_case(request, number)
    pack = _pack(case)
    if pack is None:
        return HttpResponse(_("本案的办案程序没有施行中的规则。"), status=409)
    now = timezone.now()
    kind = request.POST.get("kind", "")
    form = EventForm(request.POST, case=case, pack=pack, kind=kind, now=now)
    refusal = None
    if form.is_valid():
        try:
            procedure.record_event(case, form.to_domain(), actor=request.user, at=now)
        except FazhiError as exc:
            refusal = Refusal.of(exc)
            _attach(form, exc)
        else:
            messages.success(
                request,
                _("已登记“%(event)s”。") % {"event": _event_name(pack, kind)},
            )
            return _go(request, reverse("cases:detail", args=[case.number]))
    if request.htmx:
        return render(
            request,
            "cases/_event_form.html",
            {"case": case, "event_form": form, "refusal": refusal},
        )
    context = _detail_context(request, case, event_form=form, refusal=refusal)
    return render(request, "cases/case_detail.html", context)


# --- Revealing a party's ID number ---------------------------------------------------------------


@never_cache
@require_POST
@requires(C.VIEW_SCOPED_DATA, C.REVEAL_ID_NUMBER)
def reveal_party_id(request: HtmxHttpRequest, number: str, pk: int) -> HttpResponse:
    """Show a party's full ID number and record the display (pii.reveal) in the same request."""
    party = get_object_or_404(
        Party.objects.visible_to(request.user).select_related("case"), case__number=number, pk=pk
    )
    full = party_ops.reveal_id_number(
        party, actor=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    if request.htmx:
        return render(request, "cases/_party_id.html", {"party": party, "number": full})
    case = _scoped_case(request, number)
    context = _detail_context(request, case, revealed={party.pk: full})
    return render(request, "cases/case_detail.html", context)

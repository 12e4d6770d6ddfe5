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

from fazhi.cases import documents, next_steps, opening, procedure, queries
from fazhi.cases import labels as case_labels
from fazhi.cases import parties as party_ops
from fazhi.cases.derive import Ev
from fazhi.cases.document_views import HtmxHttpRequest
from fazhi.cases.forms import FACT_PREFIX, CaseFilterForm, CaseOpenForm, EventForm, party_formset
from fazhi.cases.models import Case, Deadline, DeadlineStatus, Party, ProceduralEvent
from fazhi.cases.packs import Pack
from fazhi.catalog.models import EnforcementItem
from fazhi.core import bounds
from fazhi.core.access import requires
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Capability as C
from fazhi.discretion import preview as benchmark
from fazhi.discretion.engine import InvalidFacts
from fazhi.discretion.review import BASIS_BENCHMARK
from fazhi.org.models import Officer, Unit, User

# --- List ----------------------------------------------------------------------------------------


def _signed_in(request: HttpRequest) -> User:
    """The user of a view behind @requires: always a signed-in User."""
    return cast(User, request.user)


def _item_options() -> list[tuple[str, str, None]]:
    """Every active item as the datalist shows it: (code, name, no check)."""
    rows = EnforcementItem.objects.filter(is_active=True).values_list("code", "name")
    return [(code, name, None) for code, name in rows]


@requires(C.VIEW_SCOPED_DATA)
def case_list(request: HtmxHttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None, user=request.user)
    now = timezone.now()
    number = bounds.page_number(request.GET.get("page"))
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
        "due_bands": queries.band_ends(now),  # the list colours the bands the home page counts
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
        **_open_checks(_signed_in(request), data or _initial_values(form), now),
    }
    return _form_response(request, "cases/case_new.html", "cases/_case_form.html", context)


def _initial_values(form: CaseOpenForm) -> dict[str, Any]:
    """The unbound form's defaults as the values the checks read (like a submitted form's)."""
    values = {name: form[name].value() for name in ("unit", "item", "act_at", "first_at")}
    values["handlers"] = form["handlers"].value() or []
    return values


def _local_day(text: Any, fallback: dt.date) -> dt.date:
    if isinstance(text, dt.datetime):
        return timezone.localtime(text).date() if timezone.is_aware(text) else text.date()
    try:
        return dt.date.fromisoformat(str(text or "")[:10])
    except ValueError:
        return fallback


def _open_checks(user: User, values: Any, now: dt.datetime) -> dict[str, Any]:
    """Return what the 受案登记 form offers for VALUES: items, handlers, 应进必进, offences.

    The day is the first step's (the day ``open_case`` checks), else the act's, else today.
    """
    unit_code = str(values.get("unit") or "")
    unit = Unit.objects.visible_to(user).filter(code=unit_code).first() if unit_code else None
    code = str(values.get("item") or "").split(" ", 1)[0].strip()
    item = EnforcementItem.objects.active().filter(code=code).first() if code else None
    today = timezone.localdate(now)
    on = _local_day(values.get("first_at"), _local_day(values.get("act_at"), today))
    officers = list(
        Officer.objects.visible_to(user).select_related("unit").order_by("unit__path", "name")
    )
    if unit is not None:  # the unit's own officers first
        officers.sort(key=lambda o: o.unit_id != unit.pk)
    chosen = values.getlist("handlers") if hasattr(values, "getlist") else values.get("handlers")
    chosen = [str(v) for v in chosen or []]
    me = getattr(user, "officer", None)
    if me is not None:  # me first: the first selected is the main handler (主办)
        officers.sort(key=lambda o: o.pk != me.pk)
    offences = benchmark.offence_choices(item.code) if item is not None else []
    return {
        "open_on": on,
        "item_check": opening.check_item(item, unit, officers, on) if item and unit else None,
        "handler_options": opening.handler_options(item, officers, on),
        "chosen_handlers": chosen,
        "item_options": [
            (found.code, found.name, check)
            for found, check in (opening.items_for(unit, officers, on) if unit else [])
        ]
        or _item_options(),
        "item_offences": [(c, label.split(" ", 1)[-1]) for c, label in offences],
        "chosen_offence": str(values.get("offence") or "")
        or (offences[0][0] if len(offences) == 1 else ""),
    }


@require_GET
@requires(C.VIEW_SCOPED_DATA, C.HANDLE_CASES)
def open_check(request: HtmxHttpRequest) -> HttpResponse:
    """Return the checks of the 受案登记 form for its current values (htmx, as fields change)."""
    context = _open_checks(_signed_in(request), request.GET, timezone.now())
    return render(request, "cases/_open_checks.html", context)


# --- A case --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One stored value of a step as the page shows it: its label, and its text or its rows."""

    label: str
    text: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)  # the discretion facts


@dataclass
class TimelineEntry:
    event: ProceduralEvent
    name: str
    values: list[Value]
    corrections: list[TimelineEntry] = field(default_factory=list)
    is_corrected: bool = False


def _event_name(pack: Pack | None, kind: str) -> str:
    if pack is None:
        return kind
    try:
        return _(pack.event(kind).name)  # a pack's name, in the catalogue (fazhi.core.data_i18n)
    except KeyError:
        return kind


def _values(pack: Pack | None, event: ProceduralEvent, offence_code: str = "") -> list[Value]:
    """Return the step's stored values with their labels, in the pack's field order."""
    labels: dict[str, str] = {}
    if pack is not None:
        try:
            labels = {f.name: _(f.label) if f.label else "" for f in pack.event(event.kind).fields}
        except KeyError:
            labels = {}
    data = event.data or {}
    order = [name for name in labels if name in data] + [n for n in data if n not in labels]
    values = []
    for name in order:
        value = data[name]
        label = case_labels.field_label(name, labels.get(name, ""))
        if name == "facts" and isinstance(value, dict):
            values.append(Value(label, rows=case_labels.fact_rows(offence_code, value)))
        elif name == "property_id":
            continue  # the property is named by the step's own description
        else:
            values.append(Value(label, case_labels.value_label(name, value)))
    return values


def timeline(
    pack: Pack | None, events: list[ProceduralEvent], offence_code: str = ""
) -> list[TimelineEntry]:
    """Return the events in time order, each correction placed beside the event it corrects.

    An event is marked corrected when a later event names it (it is no longer in force).
    """
    entries = {
        e.pk: TimelineEntry(e, _event_name(pack, e.kind), _values(pack, e, offence_code))
        for e in events
    }
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


def _step_options(case: Case, pack: Pack, now: dt.datetime) -> list[next_steps.StepOption]:
    """Return the steps the case may record now (the next due first) and those it may not."""
    events = [Ev.of(row) for row in case.events.all()]
    running = case.deadlines.filter(status=DeadlineStatus.OPEN).values_list("code", "due_at")
    return next_steps.step_options(pack, events, list(running), now=now)


def _event_form(
    case: Case, pack: Pack, now: dt.datetime, data: Any = None, kind: str = "", **kwargs: Any
) -> EventForm:
    """Return the step form offering only what the pack allows now, on KIND (or the next due)."""
    options = _step_options(case, pack, now)
    kind = kind or next_steps.suggested(options)
    initial = kwargs.setdefault("initial", {})
    initial.setdefault("kind", kind)
    if not initial.get("occurred_at"):  # most steps are recorded as they happen
        initial["occurred_at"] = timezone.localtime(now).replace(second=0, microsecond=0)
    return EventForm(data, case=case, pack=pack, kind=kind, now=now, options=options, **kwargs)


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
    events = list(
        case.events.select_related("recorded_by__officer", "corrects").order_by("occurred_at", "pk")
    )
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
        "deadlines": [
            (d, time_left(d, now), case_labels.due_text(d.facts, d.due_at)) for d in deadlines
        ],
        "timeline": timeline(pack, events, case.offence_code),
        "parties": parties,
        "properties": case.properties.select_related("seized_by_event").order_by("pk"),
        "documents": case.documents.order_by("generated_at", "pk"),
        "document_offers": documents.offers(case, at=now)
        if documents.can_generate(request.user)
        else [],
        "can_handle": can_handle,
        "can_reveal": _signed_in(request).has_capability(C.REVEAL_ID_NUMBER),
        "offence_name": benchmark.offence_name(case.offence_code) if case.offence_code else "",
        "reviews": [
            (review, benchmark.describe_stored(review.recommendation))
            for review in case.discretion_reviews.select_related("event").order_by("pk")
        ],
    }
    if can_handle and pack is not None and "event_form" not in extra:
        context["event_form"] = _event_form(case, pack, now)
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
    kind = request.GET.get("kind", "")
    initial = {"occurred_at": request.GET.get("occurred_at") or None}
    form = _event_form(case, pack, timezone.now(), kind=kind, initial=initial)
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
    form = _event_form(case, pack, now, request.POST, kind=kind)
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

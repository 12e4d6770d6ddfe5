"""API of administrative cases: list, open, read, record events, read deadlines.

A case outside the caller's scope answers 404, exactly like a case that does not exist (never a
403 that would confirm it exists elsewhere). Input is validated by the same forms as the pages
(fazhi.cases.forms), so an invalid field answers 422 with every error by field; a refusal of the
law answers 422 with ``{code, detail, field, basis}`` (mapped once, in fazhi/api.py).
Times without an offset are read as Asia/Shanghai.
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime as dt
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel

from fazhi.cases import procedure, queries
from fazhi.cases.forms import FACT_PREFIX, CaseOpenForm, EventForm, form_errors, party_formset
from fazhi.cases.models import Case, CaseStatus, Deadline, ProceduralEvent
from fazhi.cases.packs import DataField, Pack
from fazhi.core.access import require_capability
from fazhi.core.api_errors import ErrorOut
from fazhi.core.bounds import BirthDate, Id, Page, PageSize, PlausibleDateTime
from fazhi.core.roles import Capability

router = Router(tags=["cases"])
deadlines_router = Router(tags=["cases"])


# --- Schemas -------------------------------------------------------------------------------------


class CaseFields(BaseModel):
    """The fields of a case in a list or on its own.

    A plain pydantic model, not a ninja Schema: the list validates plain dicts, which pydantic
    does in its compiled core, while a Schema wraps each value to resolve it as an attribute.
    """

    number: str = Field(..., examples=["500103-01-2025-00001"])
    title: str = Field(..., examples=["殴打他人"])
    unit_code: str
    unit_name: str
    item_code: str
    item_name: str
    procedure: str = Field(..., examples=["zhian-general"])
    source: str = Field(..., examples=["call"])
    status: str = Field(..., examples=["accepted"])
    status_label: str = Field(..., examples=["已受案"])
    act_at: dt.datetime
    act_place: str
    accepted_at: dt.datetime | None
    decided_at: dt.datetime | None
    closed_at: dt.datetime | None
    outside_centre: bool = Field(..., description="应进未进: accepted outside a case centre")
    next_due_at: dt.datetime | None = Field(None, description="the nearest running deadline")
    next_deadline: str | None = Field(None, examples=["办案期限"], description="its name")


def case_row(row: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """Complete one row of ``find_cases(as_rows=True)`` for CaseFields."""
    row["status_label"] = labels[row["status"]]
    row["next_deadline"] = row["next_deadline"] or None
    return row


class CaseOut(CaseFields, Schema):  # a Schema: its fields resolve from a Case
    procedure_version: str = Field(
        ..., examples=["2021-07-15"], description="the pack version stored when it was opened"
    )

    @staticmethod
    def resolve_unit_code(case: Case) -> str:
        return case.unit.code

    @staticmethod
    def resolve_unit_name(case: Case) -> str:
        return case.unit.name

    @staticmethod
    def resolve_item_code(case: Case) -> str:
        return case.item.code

    @staticmethod
    def resolve_item_name(case: Case) -> str:
        return case.item.name

    @staticmethod
    def resolve_status_label(case: Case) -> str:
        return str(case.get_status_display())

    @staticmethod
    def resolve_next_deadline(case: Case) -> str | None:
        return case.next_deadline_name or None


class CasePageOut(BaseModel):
    items: list[CaseFields]
    page: int = Field(..., examples=[1])
    page_size: int = Field(..., examples=[50])
    has_next: bool = Field(..., description="another page follows")
    total: int | None = Field(
        None,
        examples=[None],
        description="the number of matching cases, given on the last page only (null: not "
        "counted; the list does not count a whole scope — follow `has_next`)",
    )


class HandlerOut(Schema):
    police_number: str
    name: str
    role: str = Field(..., examples=["lead"])


class PartyOut(Schema):
    id: int
    kind: str = Field(..., examples=["person"])
    role: str = Field(..., examples=["suspect"])
    name: str
    id_type: str = Field(..., examples=["citizen_id"])
    id_number_masked: str = Field(..., examples=["1101**********0011"])
    is_minor_at_act: bool


class PropertyOut(Schema):
    id: int
    description: str
    quantity: str
    status: str = Field(..., examples=["seized"])


class CaseDetailOut(CaseOut):
    summary: str
    handlers: list[HandlerOut] = Field(..., description="the lead handler (主办) first")
    legal_officer: str | None = Field(None, description="police number")
    parties: list[PartyOut]
    properties: list[PropertyOut]

    @staticmethod
    def resolve_handlers(case: Case) -> list[dict[str, Any]]:
        return [
            {"police_number": h.officer.police_number, "name": h.officer.name, "role": h.role}
            for h in case.handler_links.select_related("officer").order_by("pk")
        ]

    @staticmethod
    def resolve_legal_officer(case: Case) -> str | None:
        officer = case.legal_officer
        return officer.police_number if officer is not None else None

    @staticmethod
    def resolve_parties(case: Case) -> list[dict[str, Any]]:
        return [
            {
                "id": p.pk,
                "kind": p.kind,
                "role": p.role,
                "name": p.name,
                "id_type": p.id_type,
                "id_number_masked": p.masked_id_number,  # never the full number
                "is_minor_at_act": p.is_minor_at_act,
            }
            for p in case.parties.order_by("pk")
        ]

    @staticmethod
    def resolve_properties(case: Case) -> list[dict[str, Any]]:
        rows = case.properties.order_by("pk").values("id", "description", "quantity", "status")
        return cast(list[dict[str, Any]], list(rows))


class EventOut(Schema):
    id: int
    kind: str = Field(..., examples=["notify"])
    occurred_at: dt.datetime
    ended_at: dt.datetime | None
    data: dict[str, Any] = Field(..., examples=[{"proposed": "罚款200元", "proposed_fine": 200}])
    corrects: int | None = Field(None, description="id of the event this one corrects")
    correction_reason: str
    recorded_at: dt.datetime
    recorded_by: str

    @staticmethod
    def resolve_corrects(event: ProceduralEvent) -> int | None:
        return event.corrects_id

    @staticmethod
    def resolve_recorded_by(event: ProceduralEvent) -> str:
        return event.recorded_by.username


class PeriodFactsOut(Schema):
    """One counted period (the original one, or an extension) as data."""

    start: str = Field(..., description="first instant (hours) or the start day, not counted")
    amount: int
    unit: str = Field(..., examples=["days"], description="days | workdays | hours")
    liberty: bool = Field(..., description="restricts liberty: never extended by a holiday")
    end: str = Field(..., description="the last day (YYYY-MM-DD), or the end instant for hours")
    due_at: str
    skipped: list[tuple[str, str]] = Field(..., description="rest days skipped [day, name]")
    makeup: list[tuple[str, str]] = Field(..., description="make-up working days counted")
    rolled_from: str | None = Field(..., description="the nominal last day, a rest day")
    missing_years: list[int] = Field(..., description="years without holiday data: provisional")
    basis: str


class EventFactsOut(Schema):
    event: str = Field(..., examples=["accept"])
    name: str = Field(..., description="the pack's name of the event (a translation key)")
    at: str


class PauseFactsOut(Schema):
    start: str
    end: str | None = Field(..., description="null while the pause runs")
    days: int | None
    basis: str


class ExtensionFactsOut(Schema):
    at: str
    approver: str
    amount: int
    basis: str


class VariantFactsOut(Schema):
    amount: int
    basis: str


class EarliestFactsOut(Schema):
    amount: int
    unit: str
    event: str = Field(..., examples=["hearing"])
    name: str
    basis: str
    applies: bool = Field(..., description="the deadline ends on this period's last day instead")
    period: PeriodFactsOut


class DeadlineFactsOut(Schema):
    """How a deadline was counted, as data; ``explanation`` is it rendered in your language."""

    v: int = Field(..., description="format version")
    start: EventFactsOut
    restarts: list[EventFactsOut]
    amount: int
    unit: str
    liberty: bool
    variant: VariantFactsOut | None
    pauses: list[PauseFactsOut]
    extensions: list[ExtensionFactsOut] = Field(
        ..., description="each runs from the (rolled) last day of the period before it"
    )
    periods: list[PeriodFactsOut] = Field(..., description="the original period, then extensions")
    earliest: EarliestFactsOut | None
    stopped: EventFactsOut | None
    provisional_years: list[int]
    provisions: list[str]


class DeadlineOut(Schema):
    case: str = Field(..., examples=["500103-01-2025-00001"])
    code: str = Field(..., examples=["handling"])
    name: str = Field(..., examples=["办案期限"])
    key: str
    start_at: dt.datetime
    due_at: dt.datetime = Field(..., description="half-open: missed when now >= due_at")
    status: str = Field(..., examples=["open"])
    met_at: dt.datetime | None
    basis: str = Field(..., examples=["《中华人民共和国治安管理处罚法》第九十九条第一款"])
    explanation: str = Field(..., description="rendered from facts in the request's language")
    facts: DeadlineFactsOut | None = Field(..., description="null for a deadline never recounted")
    provisional: bool = Field(..., description="the calendar lacks a year: weekends only")
    unverified: bool = Field(..., description="未核实，请以官方文本为准")
    is_liberty: bool
    extended: bool
    paused_days: int

    @staticmethod
    def resolve_case(deadline: Deadline) -> str:
        return deadline.case.number

    @staticmethod
    def resolve_provisional(deadline: Deadline) -> bool:
        return deadline.is_provisional

    @staticmethod
    def resolve_facts(deadline: Deadline) -> dict[str, Any] | None:
        return deadline.facts or None


class DeadlinePageOut(Schema):
    items: list[DeadlineOut]
    page: int
    page_size: int
    has_next: bool


class PartyIn(Schema):
    kind: str = Field("person", examples=["person"])
    role: str = Field("suspect", examples=["suspect"])
    name: str = Field(..., examples=["张三"])
    id_type: str = Field("citizen_id", examples=["citizen_id"])
    id_number: str = Field(..., examples=["110101199003070011"])
    nationality: str = "CHN"
    birth_date: BirthDate | None = None
    phone: str = ""
    address: str = ""


class FirstEventIn(Schema):
    kind: str = Field("accept", examples=["accept"], description="接报 report | 受案 accept")
    occurred_at: PlausibleDateTime = Field(..., examples=["2025-03-03T10:00:00+08:00"])


class CaseIn(Schema):
    unit: str = Field(..., examples=["500103-01"], description="unit code, within scope")
    item: str = Field(..., examples=["CF-00001"], description="enforcement item code")
    procedure: str = Field(..., examples=["zhian-general"], description="procedure pack id")
    title: str = Field(..., examples=["殴打他人"])
    source: str = Field(
        ..., examples=["call"], description="call | report | discovered | transferred"
    )
    act_at: PlausibleDateTime = Field(..., examples=["2025-03-03T08:00:00+08:00"])
    act_place: str = Field(..., examples=["解放路12号"])
    summary: str = ""
    handlers: list[str] = Field(
        ..., examples=[["100001", "100002"]], description="police numbers; the first is 主办"
    )
    legal_officer: str | None = Field(None, description="police number")
    parties: list[PartyIn] = Field(..., min_length=1)
    first_event: FirstEventIn


class EventIn(Schema):
    kind: str = Field(..., examples=["notify"], description="an event code of the case's pack")
    occurred_at: PlausibleDateTime = Field(..., examples=["2025-03-10T10:00:00+08:00"])
    ended_at: PlausibleDateTime | None = None
    data: dict[str, Any] = Field(
        default_factory=dict,
        examples=[{"proposed": "罚款200元", "proposed_fine": 200, "hearing_offered": False}],
    )
    corrects: Id | None = Field(None, description="id of an earlier event of the same kind")
    correction_reason: str = ""


class CaseFilterIn(Schema):
    unit: str = Field("", description="unit code: the unit and its subtree, within scope")
    status: str = Field("", description="reported | accepted | … | closed")
    item: str = Field("", description="enforcement item code")
    procedure: str = Field("", description="procedure pack id")
    due_within_days: int | None = Field(None, ge=0, le=366)
    overdue: bool = False
    q: str = Field("", max_length=50, description="case number or title contains")
    page: Page = 1
    page_size: PageSize = queries.PAGE_SIZE

    def to_filter(self) -> queries.CaseFilter:
        return queries.CaseFilter(
            unit_code=self.unit,
            status=self.status,
            item_code=self.item,
            procedure=self.procedure,
            due_within_days=self.due_within_days,
            overdue=self.overdue,
            search=self.q,
        )


class DeadlineFilterIn(Schema):
    due_within_hours: int | None = Field(None, ge=0, le=24 * 366)
    overdue: bool = False
    page: Page = 1
    page_size: PageSize = queries.PAGE_SIZE


# --- Helpers -------------------------------------------------------------------------------------


def _viewer(request: HttpRequest) -> Any:
    require_capability(request.user, Capability.VIEW_SCOPED_DATA)
    return request.user


def _case(request: HttpRequest, number: str) -> Case:
    case: Case = get_object_or_404(
        Case.objects.visible_to(_viewer(request)).select_related("unit", "item", "legal_officer"),
        number=number,
    )
    return case


def _invalid(errors: dict[str, list[str]]) -> Status[dict[str, Any]]:
    field, messages = next(iter(errors.items()))
    return Status(
        422,
        {
            "code": "invalid",
            "detail": messages[0],
            "field": None if field == "__all__" else field,
            "errors": errors,
        },
    )


def _case_detail(case: Case) -> Case:
    """Return CASE read again with its unit, item and legal officer, for CaseDetailOut."""
    found: Case = Case.objects.select_related("unit", "item", "legal_officer").get(pk=case.pk)
    return found


def _local_input(value: dt.datetime | None) -> dt.datetime | None:
    """Read a time without an offset as Asia/Shanghai, like the forms do."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


# --- Endpoints -----------------------------------------------------------------------------------


@router.get("", response=CasePageOut)
def list_cases(request: HttpRequest, filters: Query[CaseFilterIn]) -> HttpResponse:
    """Cases in the caller's scope, nearest running deadline first (cases without one last).

    Pages are not counted: ``has_next`` says whether another follows, ``total`` is given on the
    last page only.
    """
    page = queries.find_cases(
        _viewer(request),
        filters.to_filter(),
        at=timezone.now(),
        page=filters.page,
        page_size=filters.page_size,
        as_rows=True,
    )
    labels = {value: str(label) for value, label in CaseStatus.choices}
    body = CasePageOut.model_validate(
        {
            "items": [case_row(row, labels) for row in cast(list[dict[str, Any]], page.cases)],
            "page": page.number,
            "page_size": page.page_size,
            "has_next": page.has_next,
            "total": page.total,
        }
    )
    # Validated against the documented schema above; serialised by pydantic's core in one step.
    return HttpResponse(body.model_dump_json(), content_type="application/json; charset=utf-8")


@router.post("", response={201: CaseDetailOut, 422: ErrorOut})
def open_case(request: HttpRequest, payload: CaseIn) -> Status[Case] | Status[dict[str, Any]]:
    """Open a case (受案登记) with its handlers, parties and first event (接报 or 受案)."""
    user = _viewer(request)
    require_capability(user, Capability.HANDLE_CASES)
    now = timezone.now()
    data: dict[str, Any] = {
        "unit": payload.unit,
        "item": payload.item,
        "procedure": payload.procedure,
        "title": payload.title,
        "source": payload.source,
        "act_at": _local_input(payload.act_at),
        "act_place": payload.act_place,
        "summary": payload.summary,
        "handlers": list(payload.handlers),
        "legal_officer": payload.legal_officer or "",
        "first_kind": payload.first_event.kind,
        "first_at": _local_input(payload.first_event.occurred_at),
        "parties-TOTAL_FORMS": str(len(payload.parties)),
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "20",
    }
    for i, party in enumerate(payload.parties):
        for name, value in party.dict().items():
            data[f"parties-{i}-{name}"] = "" if value is None else value
    form = CaseOpenForm(data, user=user, now=now)
    formset = party_formset(data)
    form_ok, parties_ok = form.is_valid(), formset.is_valid()
    if not (form_ok and parties_ok):
        return _invalid(form_errors(form, formset=formset))
    parties = tuple(f.to_domain() for f in formset.forms)
    new, first = form.to_domain(parties)
    case = procedure.open_case(new, first, actor=user, at=now)  # refusals: 422 in fazhi/api.py
    return Status(201, _case_detail(case))


@router.get("/{number}", response=CaseDetailOut)
def get_case(request: HttpRequest, number: str) -> Case:
    return _case(request, number)


@router.get("/{number}/events", response=list[EventOut])
def list_events(request: HttpRequest, number: str) -> QuerySet[ProceduralEvent]:
    """Every event of the case in time order, corrections included (append-only)."""
    case = _case(request, number)
    return case.events.select_related("recorded_by").order_by("occurred_at", "pk")


@router.post("/{number}/events", response={201: EventOut, 422: ErrorOut})
def record_event(
    request: HttpRequest, number: str, payload: EventIn
) -> Status[ProceduralEvent] | Status[dict[str, Any]]:
    """Record one step; the deadlines and the status are recomputed in the same transaction."""
    case = _case(request, number)
    require_capability(request.user, Capability.HANDLE_CASES)
    pack = procedure.pack_of(case)
    now = timezone.now()
    data: dict[str, Any] = {
        "kind": payload.kind,
        "occurred_at": _local_input(payload.occurred_at),
        "ended_at": _local_input(payload.ended_at),
        "corrects": payload.corrects or "",
        "correction_reason": payload.correction_reason,
    }
    given = dict(payload.data)
    # A decision of a case with an offence carries the benchmark's facts and any deviation reason.
    facts = given.pop("facts", None) or {}
    if not isinstance(facts, dict):
        return _invalid({"data.facts": ["facts must be an object {name: value}"]})
    if "deviation_reason" in given:
        reason = given.pop("deviation_reason") or ""
        if isinstance(reason, dict | list):
            return _invalid({"data.deviation_reason": [_("应为文本。")]})
        data["deviation_reason"] = str(reason)
    unknown = sorted(set(given) - {f.name for f in _fields(pack, payload.kind)})
    if unknown:
        return _invalid({f"data.{name}": [f"unknown field {name!r}"] for name in unknown})
    # A field of the pack is one value, stored as what its type says: an object or a list where
    # a date, a number or a text is expected is refused, never stored as its text (ADR 0027).
    nested = {
        f"data.{prefix}{name}": [_("应为单个值（文本、数字或是否），不能是对象或列表。")]
        for prefix, values in (("", given), ("facts.", facts))
        for name, value in values.items()
        if isinstance(value, dict | list)
    }
    if nested:
        return _invalid(nested)
    for name, value in facts.items():
        data[f"{FACT_PREFIX}{name}"] = "" if value is None else str(value)
    for name, value in given.items():
        data[f"data_{name}"] = "" if value is None else str(value)
    form = EventForm(data, case=case, pack=pack, kind=payload.kind, now=now)
    if not form.is_valid():
        return _invalid(form_errors(form))
    event = procedure.record_event(case, form.to_domain(), actor=request.user, at=now)
    return Status(201, event)


def _fields(pack: Pack, kind: str) -> tuple[DataField, ...]:
    try:
        return pack.event(kind).fields
    except KeyError:
        return ()


@router.get("/{number}/deadlines", response=list[DeadlineOut])
def list_case_deadlines(request: HttpRequest, number: str) -> QuerySet[Deadline]:
    """The case's deadlines, each with its explanation, basis and marks."""
    case = _case(request, number)
    return case.deadlines.select_related("case").order_by("due_at", "pk")


@deadlines_router.get("", response=DeadlinePageOut)
def list_deadlines(request: HttpRequest, filters: Query[DeadlineFilterIn]) -> dict[str, Any]:
    """Running deadlines in the caller's scope, soonest first (for supervision)."""
    found = queries.find_deadlines(
        _viewer(request),
        queries.DeadlineFilter(filters.due_within_hours, filters.overdue),
        at=timezone.now(),
    )
    offset = (filters.page - 1) * filters.page_size
    rows = list(found[offset : offset + filters.page_size + 1])
    return {
        "items": rows[: filters.page_size],
        "page": filters.page,
        "page_size": filters.page_size,
        "has_next": len(rows) > filters.page_size,
    }

"""The litigation endpoints under /api/v1/litigation/.

A matter outside the caller's scope answers 404, like one that does not exist. Writes call the
same domain functions as the pages (fazhi.litigation.matters); a refusal answers 422 with
``{code, detail, field, basis}`` (mapped once, in fazhi/api.py). Identity numbers are masked.
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from fazhi.cases.models import Case
from fazhi.core.errors import FazhiError
from fazhi.litigation import matters
from fazhi.litigation.models import (
    AgencyHead,
    Hearing,
    Matter,
    MatterDeadline,
    MatterKind,
    MatterWarning,
)
from fazhi.org.models import Officer, Unit

router = Router(tags=["litigation"])


class MatterDeadlineOut(Schema):
    code: str
    name: str
    is_ours: bool = Field(..., description="False: the body's or the court's period, followed up")
    start_on: dt.date
    due_at: dt.datetime = Field(..., description="half-open: missed when now >= due_at")
    status: str
    met_on: dt.date | None
    basis: str
    consequence: str
    is_provisional: bool
    facts: dict[str, Any]
    explanation: str


class HearingOut(Schema):
    id: int
    scheduled_at: dt.datetime
    place: str
    status: str
    appearance: str
    head: str | None
    entrusted: str | None
    absence_reason: str


class WarningOut(Schema):
    rule: str
    name: str
    level: str
    basis: str
    opened_at: dt.datetime
    escalated_level: str


class MatterOut(Schema):
    number: str
    kind: str
    kind_label: str
    body: str
    docket_number: str
    unit_code: str
    unit_name: str
    claimant_name: str
    claimant_id_masked: str
    case_number: str | None
    act: str
    received_on: dt.date
    accepted_on: dt.date | None
    replied_on: dt.date | None
    outcome: str
    outcome_label: str
    outcome_on: dt.date | None
    next_due_at: dt.datetime | None
    next_deadline: str


class MatterDetailOut(MatterOut):
    deadlines: list[MatterDeadlineOut]
    hearings: list[HearingOut]
    warnings: list[WarningOut]
    correction_order: str | None


class MatterPageOut(Schema):
    count: int
    items: list[MatterOut]


def _out(m: Matter) -> dict[str, Any]:
    return {
        "number": m.number,
        "kind": m.kind,
        "kind_label": str(m.get_kind_display()),
        "body": m.body,
        "docket_number": m.docket_number,
        "unit_code": m.unit.code,
        "unit_name": m.unit.name,
        "claimant_name": m.claimant_name,
        "claimant_id_masked": m.masked_id_number,
        "case_number": m.case.number if m.case else None,
        "act": m.act,
        "received_on": m.received_on,
        "accepted_on": m.accepted_on,
        "replied_on": m.replied_on,
        "outcome": m.outcome,
        "outcome_label": str(m.get_outcome_display()) if m.outcome else "",
        "outcome_on": m.outcome_on,
        "next_due_at": m.next_due_at,
        "next_deadline": m.next_deadline_name,
    }


def _deadline(d: MatterDeadline) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "is_ours": d.is_ours,
        "start_on": d.start_on,
        "due_at": d.due_at,
        "status": d.status,
        "met_on": d.met_on,
        "basis": d.basis,
        "consequence": d.consequence,
        "is_provisional": d.is_provisional,
        "facts": d.facts,
        "explanation": d.explanation,
    }


def _hearing(h: Hearing) -> dict[str, Any]:
    return {
        "id": h.pk,
        "scheduled_at": h.scheduled_at,
        "place": h.place,
        "status": h.status,
        "appearance": h.appearance,
        "head": str(h.head) if h.head else None,
        "entrusted": str(h.entrusted) if h.entrusted else None,
        "absence_reason": h.absence_reason,
    }


def _detail(m: Matter) -> dict[str, Any]:
    return {
        **_out(m),
        "deadlines": [_deadline(d) for d in m.deadlines.all()],
        "hearings": [_hearing(h) for h in m.hearings.select_related("head__officer", "entrusted")],
        "warnings": [
            {
                "rule": w.rule,
                "name": w.name,
                "level": w.level,
                "basis": w.basis,
                "opened_at": w.opened_at,
                "escalated_level": w.escalated_level,
            }
            for w in MatterWarning.objects.filter(matter=m, state="open")
        ],
        "correction_order": m.correction_order.number if m.correction_order else None,
    }


def _matter(request: HttpRequest, number: str) -> Matter:
    found: Matter = get_object_or_404(
        Matter.objects.visible_to(request.user).select_related("unit", "case", "correction_order"),
        number=number,
    )
    return found


class MatterFilter(Schema):
    kind: str | None = Field(None, description="reconsideration, first_instance, appeal, retrial")
    open: bool | None = Field(None, description="true: not concluded; false: concluded")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


@router.get("/matters", response=MatterPageOut)
def list_matters(request: HttpRequest, filters: Query[MatterFilter]) -> dict[str, Any]:
    qs = Matter.objects.visible_to(request.user).select_related("unit", "case")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.open is True:
        qs = qs.filter(outcome="")
    elif filters.open is False:
        qs = qs.exclude(outcome="")
    qs = qs.order_by("-received_on", "-id")
    return {
        "count": qs.count(),
        "items": [_out(m) for m in qs[filters.offset : filters.offset + filters.limit]],
    }


@router.get("/matters/{number}", response=MatterDetailOut)
def get_matter(request: HttpRequest, number: str) -> dict[str, Any]:
    return _detail(_matter(request, number))


class MatterIn(Schema):
    kind: str = Field(..., examples=[MatterKind.RECONSIDERATION.value])
    body: str = Field(..., examples=["示例市人民政府"])
    unit: str = Field(..., description="the responding unit's code")
    received_on: dt.date = Field(..., description="the day the copy was received")
    accepted_on: dt.date | None = None
    simplified: bool = False
    docket_number: str = ""
    claimant_kind: str = Field(..., examples=["person"])
    claimant_name: str
    claimant_id_type: str = Field(..., examples=["citizen_id"])
    claimant_id_number: str
    claimant_phone: str = ""
    case: str | None = Field(None, description="the contested case's number")
    act: str = ""
    act_document: str = ""
    claims: str = ""
    agent: str | None = Field(None, description="the agent's police number")
    previous: str | None = Field(None, description="the previous instance's number")


def _in_scope(request: HttpRequest, model: Any, field: str, value: str | None, name: str) -> Any:
    if not value:
        return None
    found = model.objects.visible_to(request.user).filter(**{field: value}).first()
    if found is None:
        raise FazhiError(f"{name} {value}: not found in your scope", field=name)
    return found


@router.post("/matters", response={201: MatterDetailOut})
def create_matter(request: HttpRequest, payload: MatterIn) -> Status[dict[str, Any]]:
    unit = _in_scope(request, Unit, "code", payload.unit, "unit")
    new = matters.NewMatter(
        kind=payload.kind,
        body=payload.body,
        unit=unit,
        received_on=payload.received_on,
        accepted_on=payload.accepted_on,
        simplified=payload.simplified,
        docket_number=payload.docket_number,
        claimant_kind=payload.claimant_kind,
        claimant_name=payload.claimant_name,
        claimant_id_type=payload.claimant_id_type,
        claimant_id_number=payload.claimant_id_number,
        claimant_phone=payload.claimant_phone,
        case=_in_scope(request, Case, "number", payload.case, "case"),
        act=payload.act,
        act_document=payload.act_document,
        claims=payload.claims,
        agent=_in_scope(request, Officer, "police_number", payload.agent, "agent"),
        previous=_in_scope(request, Matter, "number", payload.previous, "previous"),
    )
    matter = matters.register_matter(new, actor=request.user, at=timezone.now())
    return Status(201, _detail(matter))


class ReplyIn(Schema):
    replied_on: dt.date
    evidence_submitted: bool


@router.post("/matters/{number}/reply", response=MatterDetailOut)
def reply(request: HttpRequest, number: str, payload: ReplyIn) -> dict[str, Any]:
    matter = matters.record_reply(
        _matter(request, number),
        replied_on=payload.replied_on,
        evidence_submitted=payload.evidence_submitted,
        actor=request.user,
        at=timezone.now(),
    )
    return _detail(matter)


class HearingIn(Schema):
    scheduled_at: dt.datetime
    place: str


@router.post("/matters/{number}/hearings", response={201: HearingOut})
def add_hearing(request: HttpRequest, number: str, payload: HearingIn) -> Status[dict[str, Any]]:
    at = payload.scheduled_at
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    hearing = matters.plan_hearing(
        _matter(request, number),
        scheduled_at=at,
        place=payload.place,
        actor=request.user,
        at=timezone.now(),
    )
    return Status(201, _hearing(hearing))


class AppearanceBody(Schema):
    appearance: str = Field(..., examples=["head"])
    head_id: int | None = Field(None, description="an AgencyHead of the responding unit")
    entrusted: str | None = Field(None, description="the entrusted official's police number")
    absence_reason: str = ""
    held: bool = False
    note: str = ""


@router.post("/matters/{number}/hearings/{hearing_id}/appearance", response=HearingOut)
def appearance(
    request: HttpRequest, number: str, hearing_id: int, payload: AppearanceBody
) -> dict[str, Any]:
    matter = _matter(request, number)
    hearing = get_object_or_404(Hearing, pk=hearing_id, matter=matter)
    head = AgencyHead.objects.filter(pk=payload.head_id).first() if payload.head_id else None
    given = matters.AppearanceIn(
        appearance=payload.appearance,
        head=head,
        entrusted=_in_scope(request, Officer, "police_number", payload.entrusted, "entrusted"),
        absence_reason=payload.absence_reason,
        held=payload.held,
        note=payload.note,
    )
    return _hearing(matters.set_appearance(hearing, given, actor=request.user, at=timezone.now()))


class OutcomeBody(Schema):
    outcome: str = Field(..., examples=["upheld"])
    outcome_on: dt.date
    ruling_form: str = ""
    served_on: dt.date | None = None
    note: str = ""


@router.post("/matters/{number}/outcome", response=MatterDetailOut)
def outcome(request: HttpRequest, number: str, payload: OutcomeBody) -> dict[str, Any]:
    given = matters.OutcomeIn(
        outcome=payload.outcome,
        outcome_on=payload.outcome_on,
        ruling_form=payload.ruling_form,
        served_on=payload.served_on,
        note=payload.note,
    )
    return _detail(
        matters.record_outcome(
            _matter(request, number), given, actor=request.user, at=timezone.now()
        )
    )

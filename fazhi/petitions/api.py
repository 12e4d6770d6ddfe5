"""The petitions endpoints under /api/v1/petitions/: the same domain functions as the pages.

Refusals of the domain answer 422 with the message, the field and the provision (fazhi.api);
another unit's petition answers 404 like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from fazhi.core.access import require_capability
from fazhi.core.api_errors import ErrorOut
from fazhi.core.clock import SHANGHAI
from fazhi.core.roles import Capability
from fazhi.org.models import Unit
from fazhi.petitions import petitions as ops
from fazhi.petitions.models import Claim, Mediation, Petition
from fazhi.petitions.packs import explain, route

router = Router(tags=["petitions"])


class PetitionDeadlineOut(Schema):
    code: str
    name: str
    start_on: dt.date
    due_on: dt.date
    status: str
    met_on: dt.date | None
    basis: str
    facts: dict[str, Any]
    explanation: str


class ClaimOut(Schema):
    id: int
    text: str
    answers: dict[str, Any]
    route: str
    route_name: str
    track: str
    is_petition: bool
    reason: str
    basis: str
    windows: dict[str, Any]
    unverified: str
    pack_version: str


class PetitionOut(Schema):
    id: int
    number: str
    unit: str = Field(..., description="the handling unit's code")
    channel: str
    received_on: dt.date
    sender: str
    sent_on: dt.date | None
    petitioner_name: str
    petitioner_id_number: str = Field(..., description="masked")
    status: str
    accepted_on: dt.date | None
    replied_on: dt.date | None
    outcome: str
    repeat_of: str | None


class PetitionDetailOut(PetitionOut):
    matter: str
    claims: list[ClaimOut]
    deadlines: list[PetitionDeadlineOut]


class PetitionIn(Schema):
    unit: str = Field(..., description="unit code within the caller's scope")
    channel: str = Field(..., examples=["visit"])
    received_on: dt.date
    petitioner_name: str
    petitioner_id_number: str = ""
    petitioner_phone: str = ""
    petitioner_address: str = ""
    petitioner_count: int = 1
    matter: str
    claims: list[str]
    sender: str = ""
    sent_on: dt.date | None = None
    sender_reference: str = ""


class AnswersIn(Schema):
    answers: dict[str, Any] = Field(
        ..., examples=[{"act": "decided", "known_on": "2026-03-02", "on_the_spot": False}]
    )


class RoutingOut(Schema):
    route: str
    name: str
    track: str
    handled_as_petition: bool
    reason: str
    tell: str
    basis: str
    windows: dict[str, Any]
    unverified: bool
    pack_version: str


class NoticeIn(Schema):
    sent_on: dt.date
    method: str


class PetitionReplyIn(Schema):
    outcome: str = Field(..., examples=["supported"])
    text: str
    replied_on: dt.date


class ExtensionIn(Schema):
    days: int
    reason: str
    approved_by: str
    approved_on: dt.date


class MediationOut(Schema):
    id: int
    number: str
    kind: str
    unit: str
    status: str
    started_on: dt.date
    ended_on: dt.date | None
    referral: str


def _out(p: Petition) -> dict[str, Any]:
    return {
        "id": p.pk,
        "number": p.number,
        "unit": p.unit.code,
        "channel": p.channel,
        "received_on": p.received_on,
        "sender": p.sender,
        "sent_on": p.sent_on,
        "petitioner_name": p.petitioner_name,
        "petitioner_id_number": p.masked_id_number,
        "status": p.status,
        "accepted_on": p.accepted_on,
        "replied_on": p.replied_on,
        "outcome": p.outcome,
        "repeat_of": p.repeat_of.number if p.repeat_of else None,
    }


def _detail(p: Petition) -> dict[str, Any]:
    return {
        **_out(p),
        "matter": p.matter,
        "claims": list(p.claims.all()),
        "deadlines": [
            {**{f: getattr(d, f) for f in ("code", "name", "start_on", "due_on", "status", "met_on", "basis", "facts")},
             "explanation": explain(d.facts)}
            for d in p.deadlines.order_by("due_on")
        ],
    }  # fmt: skip


def _petition(request: HttpRequest, pk: int) -> Petition:
    petition: Petition = get_object_or_404(
        Petition.objects.visible_to(request.user).select_related("unit", "repeat_of"), pk=pk
    )
    return petition


@router.get("/", response=list[PetitionOut], summary="Petitions of the caller's scope")
def list_petitions(
    request: HttpRequest, status: str = "", limit: int = 100
) -> list[dict[str, Any]]:
    rows = Petition.objects.visible_to(request.user).select_related("unit", "repeat_of")
    if status:
        rows = rows.filter(status=status)
    return [_out(p) for p in rows.order_by("-received_on", "-id")[: max(1, min(limit, 500))]]


@router.post("/", response={201: PetitionDetailOut, 422: ErrorOut}, summary="Register a petition")
def create_petition(request: HttpRequest, payload: PetitionIn) -> Status[dict[str, Any]]:
    unit: Unit = get_object_or_404(Unit.objects.visible_to(request.user), code=payload.unit)
    new = ops.NewPetition(
        unit=unit,
        channel=payload.channel,
        received_on=payload.received_on,
        petitioner_name=payload.petitioner_name,
        petitioner_id_number=payload.petitioner_id_number,
        petitioner_phone=payload.petitioner_phone,
        petitioner_address=payload.petitioner_address,
        petitioner_count=payload.petitioner_count,
        matter=payload.matter,
        claims=tuple(payload.claims),
        sender=payload.sender,
        sent_on=payload.sent_on,
        sender_reference=payload.sender_reference,
    )
    petition = ops.receive(new, actor=request.user, at=timezone.now())
    return Status(201, _detail(petition))


@router.get(
    "/{pk}", response=PetitionDetailOut, summary="One petition with its claims and deadlines"
)
def get_petition(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(_petition(request, pk))


def _routing(answers: dict[str, Any], day: dt.date) -> dict[str, Any]:
    result = route(answers, day)
    r = result.route
    return {
        "route": r.code,
        "name": r.name,
        "track": r.track,
        "handled_as_petition": r.handled_as_petition,
        "reason": r.reason,
        "tell": r.tell,
        "basis": str(r.basis),
        "windows": result.window_facts,
        "unverified": r.unverified,
        "pack_version": result.pack_version,
    }


@router.post(
    "/routing/preview",
    response={200: RoutingOut, 422: ErrorOut},
    summary="Where the 诉访分离 pack sends a claim with these answers, today (nothing is saved)",
)
def preview_route(request: HttpRequest, payload: AnswersIn) -> Status[dict[str, Any]]:
    require_capability(request.user, Capability.HANDLE_PETITIONS)
    try:
        return Status(200, _routing(payload.answers, timezone.now().astimezone(SHANGHAI).date()))
    except ValueError as error:
        return Status(422, {"code": "invalid_answers", "detail": str(error), "field": "answers"})


@router.post(
    "/claims/{pk}/route",
    response={200: ClaimOut, 422: ErrorOut},
    summary="Classify a claim (诉访分离) from the clerk's answers",
)
def route_claim(request: HttpRequest, pk: int, payload: AnswersIn) -> Status[Claim]:
    claim = get_object_or_404(Claim.objects.visible_to(request.user), pk=pk)
    return Status(200, ops.classify(claim, payload.answers, actor=request.user, at=timezone.now()))


@router.post(
    "/{pk}/notice",
    response={200: PetitionDetailOut, 422: ErrorOut},
    summary="Record the written notice",
)
def send_notice(request: HttpRequest, pk: int, payload: NoticeIn) -> Status[dict[str, Any]]:
    petition = _petition(request, pk)
    ops.send_notice(
        petition,
        sent_on=payload.sent_on,
        method=payload.method,
        actor=request.user,
        at=timezone.now(),
    )
    return Status(200, _detail(_petition(request, pk)))


@router.post(
    "/{pk}/extend",
    response={200: PetitionDetailOut, 422: ErrorOut},
    summary="Extend the handling period",
)
def extend(request: HttpRequest, pk: int, payload: ExtensionIn) -> Status[dict[str, Any]]:
    petition = _petition(request, pk)
    ops.extend(petition, days=payload.days, reason=payload.reason, approved_by=payload.approved_by,
               approved_on=payload.approved_on, actor=request.user, at=timezone.now())  # fmt: skip
    return Status(200, _detail(_petition(request, pk)))


@router.post(
    "/{pk}/reply",
    response={200: PetitionDetailOut, 422: ErrorOut},
    summary="Issue the 信访处理意见书",
)
def reply(request: HttpRequest, pk: int, payload: PetitionReplyIn) -> Status[dict[str, Any]]:
    petition = _petition(request, pk)
    ops.reply(petition, outcome=payload.outcome, text=payload.text, replied_on=payload.replied_on,
              actor=request.user, at=timezone.now())  # fmt: skip
    return Status(200, _detail(_petition(request, pk)))


@router.get("/mediations/", response=list[MediationOut], summary="Mediations of the caller's scope")
def list_mediations(request: HttpRequest, limit: int = 100) -> list[dict[str, Any]]:
    rows = (
        Mediation.objects.visible_to(request.user)
        .select_related("unit")
        .order_by("-started_on", "-id")
    )
    return [
        {"id": m.pk, "number": m.number, "kind": m.kind, "unit": m.unit.code, "status": m.status,
         "started_on": m.started_on, "ended_on": m.ended_on, "referral": m.referral}
        for m in rows[: max(1, min(limit, 500))]
    ]  # fmt: skip

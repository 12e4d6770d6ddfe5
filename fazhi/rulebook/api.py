"""The rulebook endpoints under /api/v1/rulebook/: the same domain functions as the pages.

A refused step answers 422 with the message, the field and the provision (fazhi.api); another
unit's document answers 404 like one that does not exist.
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
from fazhi.core.roles import Capability
from fazhi.rulebook import impact, lifecycle
from fazhi.rulebook.models import (
    CleanupCampaign,
    LegislativeProject,
    LegislativeProposal,
    MajorDecision,
    NormativeDocument,
)

router = Router(tags=["rulebook"])
MANAGE = Capability.MANAGE_RULEBOOK


class DocumentOut(Schema):
    id: int
    title: str
    unit: str
    number: str
    published_on: dt.date | None
    effective_from: dt.date | None
    valid_until: dt.date | None
    filed_on: dt.date | None
    ended_on: dt.date | None
    end_kind: str
    promoted: str
    basis: list[str]


class StepCheckOut(Schema):
    step: str
    name: str
    allowed: bool
    reason: str
    basis: str
    analogy: bool


class StepRecordOut(Schema):
    step: str
    outcome: str
    on: dt.date
    data: dict[str, Any]


class DocumentDetailOut(DocumentOut):
    steps: list[StepRecordOut]
    next_steps: list[StepCheckOut]


class DocumentStepIn(Schema):
    step: str
    outcome: str = ""
    on: dt.date | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class DocumentIn(Schema):
    title: str
    text: str
    summary: str = ""


def _out(doc: NormativeDocument) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "title": doc.title,
        "unit": doc.unit.code,
        "number": doc.number,
        "published_on": doc.published_on,
        "effective_from": doc.effective_from,
        "valid_until": doc.valid_until,
        "filed_on": doc.filed_on,
        "ended_on": doc.ended_on,
        "end_kind": doc.end_kind,
        "promoted": doc.promoted,
        "basis": [b.citation for b in doc.basis.all()],
    }


def _detail(doc: NormativeDocument) -> dict[str, Any]:
    return {
        **_out(doc),
        "steps": [
            {"step": s.step, "outcome": s.outcome, "on": s.on, "data": s.data}
            for s in doc.steps.all()
        ],
        "next_steps": [
            {
                "step": c.step.code,
                "name": c.step.name,
                "allowed": c.allowed,
                "reason": c.message,
                "basis": c.basis,
                "analogy": c.analogy,
            }
            for c in lifecycle.checks(doc)
        ],
    }


def _document(request: HttpRequest, pk: int) -> NormativeDocument:
    require_capability(request.user, MANAGE)
    doc: NormativeDocument = get_object_or_404(
        NormativeDocument.objects.visible_to(request.user).select_related("unit"), pk=pk
    )
    return doc


@router.get("/documents", response=list[DocumentOut], summary="Normative documents of the scope")
def list_documents(request: HttpRequest, in_force: bool = False) -> list[dict[str, Any]]:
    require_capability(request.user, MANAGE)
    rows = NormativeDocument.objects.visible_to(request.user).select_related("unit")
    if in_force:
        rows = rows.in_force(timezone.localdate())
    return [_out(doc) for doc in rows.prefetch_related("basis")[:500]]


@router.post(
    "/documents", response={201: DocumentDetailOut, 422: ErrorOut}, summary="Start a draft"
)
def create_document(request: HttpRequest, payload: DocumentIn) -> Status[dict[str, Any]]:
    require_capability(request.user, MANAGE)
    doc = lifecycle.create_document(
        title=payload.title,
        unit=getattr(request.user, "scope_unit", None),
        text=payload.text,
        summary=payload.summary,
        actor=request.user,
    )
    return Status(201, _detail(doc))


@router.get("/documents/{pk}", response=DocumentDetailOut, summary="One document, its steps")
def get_document(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(_document(request, pk))


@router.post(
    "/documents/{pk}/steps",
    response={201: DocumentDetailOut, 422: ErrorOut},
    summary="Record a step of the procedure (refused with its basis when not allowed)",
)
def record_step(request: HttpRequest, pk: int, payload: DocumentStepIn) -> Status[dict[str, Any]]:
    doc = _document(request, pk)
    lifecycle.record_step(
        doc,
        payload.step,
        outcome=payload.outcome,
        data=payload.data,
        on=payload.on,
        actor=request.user,
    )
    doc.refresh_from_db()
    return Status(201, _detail(doc))


@router.get("/impact", summary="What a change of law touches (the report of `fazhi law impact`)")
def impact_report(request: HttpRequest, law: str, old: str, new: str) -> dict[str, Any]:
    require_capability(request.user, MANAGE)
    return impact.report_for(law, old, new).as_dict()


class MajorDecisionOut(Schema):
    id: int
    title: str
    unit: str
    steps: list[StepRecordOut]
    next_steps: list[StepCheckOut]


def _decision_out(item: MajorDecision) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "unit": item.unit.code,
        "steps": [
            {"step": s.step, "outcome": s.outcome, "on": s.on, "data": s.data}
            for s in item.steps.all()
        ],
        "next_steps": [
            {
                "step": c.step.code,
                "name": c.step.name,
                "allowed": c.allowed,
                "reason": c.message,
                "basis": c.basis,
                "analogy": c.analogy,
            }
            for c in lifecycle.checks(item)
        ],
    }


def _decision(request: HttpRequest, pk: int) -> MajorDecision:
    require_capability(request.user, MANAGE)
    item: MajorDecision = get_object_or_404(
        MajorDecision.objects.visible_to(request.user).select_related("unit"), pk=pk
    )
    return item


@router.get("/decisions", response=list[MajorDecisionOut], summary="Major administrative decisions")
def list_decisions(request: HttpRequest) -> list[dict[str, Any]]:
    require_capability(request.user, MANAGE)
    rows = MajorDecision.objects.visible_to(request.user).select_related("unit")
    return [_decision_out(item) for item in rows[:200]]


@router.get("/decisions/{pk}", response=MajorDecisionOut, summary="One decision, its procedure")
def get_decision(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _decision_out(_decision(request, pk))


@router.post(
    "/decisions/{pk}/steps",
    response={201: MajorDecisionOut, 422: ErrorOut},
    summary="Record a step of 重大行政决策程序暂行条例 (refused with its article when not allowed)",
)
def record_decision_step(
    request: HttpRequest, pk: int, payload: DocumentStepIn
) -> Status[dict[str, Any]]:
    item = _decision(request, pk)
    lifecycle.record_step(
        item,
        payload.step,
        outcome=payload.outcome,
        data=payload.data,
        on=payload.on,
        actor=request.user,
    )
    return Status(201, _decision_out(item))


class CleanupEntryOut(Schema):
    document: int
    title: str
    number: str
    reviewer: str
    outcome: str
    reason: str
    decided_on: dt.date | None


class CleanupCampaignOut(Schema):
    id: int
    title: str
    scope: str
    started_on: dt.date
    due_on: dt.date
    published_on: dt.date | None
    entries: list[CleanupEntryOut]


@router.get(
    "/campaigns", response=list[CleanupCampaignOut], summary="Clean-up campaigns and outcomes"
)
def list_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    require_capability(request.user, MANAGE)
    rows = CleanupCampaign.objects.prefetch_related("entries__document", "entries__reviewer")
    return [
        {
            "id": c.pk,
            "title": c.title,
            "scope": c.scope,
            "started_on": c.started_on,
            "due_on": c.due_on,
            "published_on": c.published_on,
            "entries": [
                {
                    "document": e.document_id,
                    "title": e.document.title,
                    "number": e.document.number,
                    "reviewer": e.reviewer.username if e.reviewer else "",
                    "outcome": e.outcome,
                    "reason": e.reason,
                    "decided_on": e.decided_on,
                }
                for e in c.entries.all()
            ],
        }
        for c in rows[:100]
    ]


class ReserveProjectOut(Schema):
    id: int
    title: str
    kind: str
    stage: str
    sponsor: str
    entered_on: dt.date


class ReserveProposalOut(Schema):
    id: int
    title: str
    sent_to: str
    sent_on: dt.date
    reply: str
    replied_on: dt.date | None


class LegislativeReserveOut(Schema):
    projects: list[ReserveProjectOut]
    proposals: list[ReserveProposalOut]


@router.get(
    "/reserve", response=LegislativeReserveOut, summary="The legislative reserve and proposals"
)
def reserve(request: HttpRequest) -> dict[str, Any]:
    require_capability(request.user, MANAGE)
    projects = LegislativeProject.objects.visible_to(request.user).select_related("sponsor")
    return {
        "projects": [
            {
                "id": p.pk,
                "title": p.title,
                "kind": p.kind,
                "stage": p.stage,
                "sponsor": p.sponsor.code,
                "entered_on": p.entered_on,
            }
            for p in projects
        ],
        "proposals": list(
            LegislativeProposal.objects.visible_to(request.user).values(
                "id", "title", "sent_to", "sent_on", "reply", "replied_on"
            )
        ),
    }

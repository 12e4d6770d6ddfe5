"""API of 警快办 applications for staff: the queue, an application, window submission, the steps.

Scoped like the pages: an application outside the caller's scope answers 404, exactly like one that
does not exist. A window submission carries an ``Idempotency-Key`` header: the same key from the
same caller returns the application it created first (200) instead of a new one (201). Invalid input
answers 422 with every field's error in ``errors``; a step that does not fit the application's state
answers 422 with ``{code, detail, field, basis}`` (mapped once, in fazhi/api.py).
The applicant's ID number and phone are given masked, never in full.
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fazhi.core.api_errors import ErrorOut
from fazhi.core.bounds import Page, PageSize, PlausibleDate
from fazhi.core.errors import PermissionDeniedError
from fazhi.core.roles import Capability
from fazhi.org.models import User
from fazhi.services import applications as ops
from fazhi.services import formspec, queue
from fazhi.services.clock import clock_of
from fazhi.services.models import Application, ApplicationEvent, Channel, ServiceItem
from fazhi.services.staff_forms import handling_units
from fazhi.services.staff_views import idempotency_key

router = Router(tags=["services"])

KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")


# --- Schemas -------------------------------------------------------------------------------------


class ApplicationFields(Schema):
    receipt: str = Field(..., examples=["JKB20260302ABC123"])
    item_code: str
    item_name: str
    category: str = Field(..., examples=["household"])
    unit_code: str
    unit_name: str
    channel: str = Field(..., examples=["window"], description="online | window | self_service")
    mode: str = Field(..., examples=["window"], description="online | online_window | window")
    status: str = Field(..., examples=["accepted"])
    status_label: str = Field(..., examples=["已受理"])
    applicant_name: str
    applicant_id_masked: str = Field(..., examples=["5001**********0017"])
    applicant_phone_masked: str = Field(..., examples=["139****5678"])
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    completed_at: dt.datetime | None
    due_on: dt.date | None = Field(None, description="the last day of the promised time limit")
    due_at: dt.datetime | None = Field(
        None, description="late from this instant on (an hour limit: the exact hour)"
    )
    is_overdue: bool = Field(..., description="running and its due instant (due_at) has come")
    visits: int
    fully_online: bool | None = Field(None, description="全程网办, fixed on completion")
    on_the_spot: bool | None = Field(None, description="当场办结, fixed on completion")


def application_row(app: Application, now: dt.datetime) -> dict[str, Any]:
    return {
        "receipt": app.receipt,
        "item_code": app.item.code,
        "item_name": app.item.name,
        "category": app.item.category,
        "unit_code": app.unit.code,
        "unit_name": app.unit.name,
        "channel": app.channel,
        "mode": app.mode,
        "status": app.status,
        "status_label": str(app.get_status_display()),
        "applicant_name": app.applicant_name,
        "applicant_id_masked": app.masked_id_number,  # never the full number
        "applicant_phone_masked": app.masked_phone,
        "submitted_at": app.submitted_at,
        "accepted_at": app.accepted_at,
        "completed_at": app.completed_at,
        "due_on": app.due_on,
        "due_at": app.due_at,
        "is_overdue": queue.is_overdue(app, now),
        "visits": app.visits,
        "fully_online": app.fully_online,
        "on_the_spot": app.on_the_spot,
    }


class ApplicationPageOut(Schema):
    items: list[ApplicationFields]
    page: int
    page_size: int
    total: int
    has_next: bool


class ApplicationEventOut(Schema):
    step: str = Field(..., examples=["accept"])
    step_label: str = Field(..., examples=["受理"])
    at: dt.datetime
    actor: str = Field(..., description='a username, or "citizen:<id>"')
    reason: str
    data: dict[str, Any]


def event_row(event: ApplicationEvent) -> dict[str, Any]:
    return {
        "step": event.step,
        "step_label": str(event.get_step_display()),
        "at": event.at,
        "actor": event.actor,
        "reason": event.reason,
        "data": event.data,
    }


class ClockOut(Schema):
    state: str = Field(..., examples=["running"], description="not_started|running|stopped|ended")
    promised_days: int = Field(..., description="the amount of the promised limit, in unit")
    unit: str = Field(..., examples=["workdays"], description="workdays|days|hours")
    due_on: dt.date | None
    due_at: dt.datetime | None = Field(None, description="late from this instant on")
    used_days: int | None
    left_days: int | None
    overdue_days: int
    basis: str
    explanation: list[str]


class UploadOut(Schema):
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class ApplicationDetailOut(ApplicationFields):
    form_data: dict[str, Any]
    clock: ClockOut
    events: list[ApplicationEventOut]
    uploads: list[UploadOut]


class ApplicantIn(Schema):
    name: str = Field(..., examples=["李四"])
    id_type: str = Field("id_card", examples=["id_card"], description="id_card | passport | other")
    id_number: str = Field(..., examples=["110101199003070011"])
    phone: str = Field(..., examples=["13912345678"])


class WindowApplicationIn(Schema):
    item: str = Field(..., examples=["JKB-HZ-0001"], description="service item code")
    unit: str = Field(
        "", description="unit code within the caller's scope; default: the scope unit"
    )
    applicant: ApplicantIn
    data: dict[str, Any] = Field(default_factory=dict, description="the item's form, by key")
    on_the_spot: bool = Field(False, description="当场办结: accept, approve and complete at once")


class StepIn(Schema):
    step: str = Field(
        ...,
        examples=["accept"],
        description="accept | refuse | ask_supplement | supplement | visit | approve | reject | "
        "complete | on_the_spot",
    )
    reason: str = Field("", description="refuse, reject: required")
    missing: list[str] = Field(default_factory=list, description="ask_supplement: everything")


class ApplicationFilterIn(Schema):
    status: str = ""
    item: str = Field("", description="service item code")
    category: str = ""
    channel: str = ""
    overdue: bool = False
    due_within_days: int | None = Field(None, ge=0, le=366)
    date_from: PlausibleDate | None = Field(None, description="submitted on or after (local date)")
    date_to: PlausibleDate | None = Field(None, description="submitted on or before (local date)")
    q: str = Field("", max_length=24, description="receipt contains")
    page: Page = 1
    page_size: PageSize = queue.PAGE_SIZE

    def to_filter(self) -> queue.QueueFilter:
        return queue.QueueFilter(
            status=self.status,
            item_code=self.item,
            category=self.category,
            channel=self.channel,
            overdue=self.overdue,
            due_within_days=self.due_within_days,
            submitted_from=self.date_from,
            submitted_to=self.date_to,
            receipt=self.q,
        )


# --- Helpers -------------------------------------------------------------------------------------


def _viewer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not (  # the API's auth lets only users in
        user.has_capability(Capability.HANDLE_SERVICES)
        or user.has_capability(Capability.VIEW_SCOPED_DATA)
    ):
        raise PermissionDeniedError(_("您的角色无权查看警快办办件。"))
    return user


def _application(request: HttpRequest, receipt: str) -> Application:
    found: Application = get_object_or_404(
        Application.objects.visible_to(_viewer(request)).select_related("item", "unit"),
        receipt=receipt,
    )
    return found


def _invalid(
    errors: dict[str, list[str]], code: str = "invalid", status: int = 422
) -> Status[dict[str, Any]]:
    field, messages = next(iter(errors.items()))
    return Status(status, {"code": code, "detail": messages[0], "field": field, "errors": errors})


def _detail(app: Application) -> dict[str, Any]:
    now = timezone.now()
    clock = clock_of(app, at=now)
    return application_row(app, now) | {
        "form_data": app.form_data,
        "clock": {
            "state": clock.state,
            "promised_days": clock.promised_days,
            "unit": clock.unit,
            "due_on": clock.due_on,
            "due_at": clock.due_at,
            "used_days": clock.used_days,
            "left_days": clock.left_days,
            "overdue_days": clock.overdue_days,
            "basis": clock.basis,
            "explanation": clock.lines,
        },
        "events": [event_row(e) for e in app.events.order_by("at", "pk")],
        "uploads": list(
            app.uploads.order_by("uploaded_at", "pk").values(
                "original_name", "content_type", "size", "sha256", "uploaded_at"
            )
        ),
    }


STEPS: dict[str, Callable[..., Any]] = {
    "accept": lambda app, user, p, at: ops.accept(app, user, at=at),
    "refuse": lambda app, user, p, at: ops.refuse(app, user, reason=p.reason, at=at),
    "ask_supplement": lambda app, user, p, at: ops.ask_supplement(
        app, user, missing=list(p.missing), at=at
    ),
    "supplement": lambda app, user, p, at: ops.supplement(app, user, at=at),
    "visit": lambda app, user, p, at: ops.record_visit(app, user, at=at),
    "approve": lambda app, user, p, at: ops.approve(app, user, at=at),
    "reject": lambda app, user, p, at: ops.reject(app, user, reason=p.reason, at=at),
    "complete": lambda app, user, p, at: ops.complete(app, user, at=at),
    "on_the_spot": lambda app, user, p, at: ops.complete_on_the_spot(app, user, at=at),
}


# --- Endpoints -----------------------------------------------------------------------------------


@router.get("/applications", response=ApplicationPageOut)
def list_applications(request: HttpRequest, filters: Query[ApplicationFilterIn]) -> dict[str, Any]:
    """Applications in the caller's scope, nearest last day first (not yet accepted: last)."""
    now = timezone.now()
    found = queue.find_applications(_viewer(request), filters.to_filter(), at=now)
    offset = (filters.page - 1) * filters.page_size
    rows = list(found[offset : offset + filters.page_size + 1])
    return {
        "items": [application_row(app, now) for app in rows[: filters.page_size]],
        "page": filters.page,
        "page_size": filters.page_size,
        "total": found.count(),
        "has_next": len(rows) > filters.page_size,
    }


@router.post(
    "/applications",
    response={200: ApplicationDetailOut, 201: ApplicationDetailOut, 409: ErrorOut, 422: ErrorOut},
    openapi_extra={
        "parameters": [
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": True,
                "description": "1–40 of A-Z a-z 0-9 _ . : - ; the same key returns the first "
                "application (200) instead of a new one (201)",
                "schema": {"type": "string", "maxLength": 40},
            }
        ]
    },
)
def submit_at_window(request: HttpRequest, payload: WindowApplicationIn) -> Status[dict[str, Any]]:
    """窗口受理: register a walk-in applicant; the Idempotency-Key header makes a retry safe."""
    user = _viewer(request)
    raw_key = request.headers.get("Idempotency-Key", "")
    if not KEY.match(raw_key):
        return _invalid(
            {
                "Idempotency-Key": [
                    _("Idempotency-Key 应为 1–40 位字母、数字或 _.:-，收到：%(v)s") % {"v": raw_key}
                ]
            }
        )
    key = idempotency_key(user, raw_key)
    earlier = Application.objects.filter(idempotency_key=key).select_related("item", "unit").first()
    if earlier is not None:
        if earlier.item.code != payload.item:
            return _invalid(
                {
                    "Idempotency-Key": [
                        _("Idempotency-Key %(key)s 已用于事项 %(used)s，不能再用于 %(item)s。")
                        % {"key": raw_key, "used": earlier.item.code, "item": payload.item}
                    ]
                },
                code="idempotency_conflict",
                status=409,
            )
        return Status(200, _detail(earlier))
    errors: dict[str, list[str]] = {}
    item = ServiceItem.objects.filter(code=payload.item).first()
    if item is None:
        errors["item"] = [_("事项编码 %(code)s 不存在。") % {"code": payload.item}]
    unit_code = payload.unit or (user.scope_unit.code if user.scope_unit else "")
    unit = handling_units(user).filter(code=unit_code).first()
    if unit is None:
        errors["unit"] = [_("单位 %(code)s 不在您的管辖范围内。") % {"code": unit_code}]
    if errors or item is None or unit is None:  # no item or unit is always an error above
        return _invalid(errors)
    now = timezone.now()
    applicant = ops.Applicant(
        name=payload.applicant.name,
        id_number=payload.applicant.id_number,
        phone=payload.applicant.phone,
        id_type=payload.applicant.id_type,
    )
    try:
        with transaction.atomic():  # a refused 当场办结 keeps nothing
            app = ops.submit(
                item,
                applicant=applicant,
                unit=unit,
                channel=Channel.WINDOW,
                data=payload.data,
                by=user,
                idempotency_key=key,
                at=now,
            )
            created = app.submitted_at == now  # else a concurrent request with the key won
            if created and payload.on_the_spot:
                ops.complete_on_the_spot(app, user, at=now)  # refusals: 422 in fazhi/api.py
    except formspec.FormInvalid as invalid:
        return _invalid(
            {
                (f"data.{k}" if not k.startswith("applicant_") else k.replace("_", ".", 1)): v
                for k, v in invalid.errors.items()
            }
        )
    return Status(201 if created else 200, _detail(app))


@router.get("/applications/{receipt}", response=ApplicationDetailOut)
def get_application(request: HttpRequest, receipt: str) -> dict[str, Any]:
    return _detail(_application(request, receipt))


@router.get("/applications/{receipt}/events", response=list[ApplicationEventOut])
def list_steps(request: HttpRequest, receipt: str) -> list[dict[str, Any]]:
    """The handling steps of the application in time order (append-only)."""
    app = _application(request, receipt)
    return [event_row(e) for e in app.events.order_by("at", "pk")]


@router.post("/applications/{receipt}/steps", response={200: ApplicationDetailOut, 422: ErrorOut})
def record_step(request: HttpRequest, receipt: str, payload: StepIn) -> Status[dict[str, Any]]:
    """Record one handling step; a step that does not fit the state answers 422."""
    app = _application(request, receipt)
    run = STEPS.get(payload.step)
    if run is None:
        return _invalid(
            {
                "step": [
                    _("未知的办理环节：%(step)s（可选：%(all)s）")
                    % {"step": payload.step, "all": ", ".join(sorted(STEPS))}
                ]
            }
        )
    run(app, request.user, payload, timezone.now())
    return Status(200, _detail(app))

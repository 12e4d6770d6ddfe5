"""API for the organisation tree and officers, scoped by ``visible_to``.

Something outside the caller's scope answers 404, exactly like something that does not exist:
the API never tells whether a unit or officer exists elsewhere. The three administrators hold
no VIEW_SCOPED_DATA and get 403 on every list and detail.
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from fazhi.core.access import require_capability
from fazhi.core.bounds import PageNumberPagination
from fazhi.core.roles import Capability
from fazhi.org import officers
from fazhi.org.models import Officer, OfficerQuerySet, Unit, User

router = Router(tags=["org"])


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    parent_code: str | None
    depth: int
    is_active: bool


class OfficerOut(Schema):
    police_number: str
    name: str
    id_number_masked: str
    unit_code: str
    unit_name: str
    status: str
    qualification_level: int | None
    qualification_granted_on: dt.date | None
    qualification_expires_on: dt.date | None
    qualification_state: str

    @staticmethod
    def resolve_id_number_masked(officer: Officer) -> str:
        return officer.masked_id_number  # never the full number: see reveal-id

    @staticmethod
    def resolve_unit_code(officer: Officer) -> str:
        return officer.unit.code

    @staticmethod
    def resolve_unit_name(officer: Officer) -> str:
        return officer.unit.name

    @staticmethod
    def resolve_qualification_state(officer: Officer) -> str:
        return str(officers.qualification_state(officer, timezone.localdate()))


class OfficerFilterIn(Schema):
    unit: str = Field("", description="unit code: the unit and its subtree, within scope")
    qualification_level: int | None = Field(None, ge=1, le=3)
    status: str = Field("", description="on_duty | off_duty | suspended")
    qualification_state: str = Field("", description="valid | expiring | expired | none")
    within_days: int = Field(officers.DEFAULT_EXPIRING_DAYS, ge=1, le=3650)
    q: str = Field("", max_length=50, description="name or 警号 contains")

    def to_filter(self) -> officers.OfficerFilter:
        return officers.OfficerFilter(
            unit_code=self.unit,
            qualification_level=self.qualification_level,
            status=self.status,
            qualification_state=self.qualification_state,
            within_days=self.within_days,
            search=self.q,
        )


class RevealOut(Schema):
    police_number: str
    id_number: str


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    capabilities: list[str]
    scope_unit: str | None
    officer: str | None


def _unit_out(unit: Unit, parent_codes: dict[str, str]) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "kind_label": str(unit.get_kind_display()),
        "parent_code": parent_codes.get(unit.path[: -Unit.steplen]),
        "depth": unit.depth,
        "is_active": unit.is_active,
    }


def _parent_codes(units: Iterable[Unit]) -> dict[str, str]:
    paths = {unit.path[: -Unit.steplen] for unit in units if unit.depth > 1}
    return dict(Unit.objects.filter(path__in=paths).values_list("path", "code"))


def _scoped_user(request: HttpRequest) -> User:
    require_capability(request.user, Capability.VIEW_SCOPED_DATA)
    return cast(User, request.user)  # require_capability lets only a signed-in User through


@router.get("/units", response=list[UnitOut])
@paginate(PageNumberPagination)
def list_units(request: HttpRequest) -> list[dict[str, Any]]:
    """The units in the caller's scope, in tree order (parent before children)."""
    units = list(Unit.objects.visible_to(_scoped_user(request)))
    parents = _parent_codes(units)
    return [_unit_out(unit, parents) for unit in units]


@router.get("/units/{code}", response=UnitOut)
def get_unit(request: HttpRequest, code: str) -> dict[str, Any]:
    unit: Unit = get_object_or_404(Unit.objects.visible_to(_scoped_user(request)), code=code)
    return _unit_out(unit, _parent_codes([unit]))


@router.get("/officers", response=list[OfficerOut])
@paginate(PageNumberPagination)
def list_officers(request: HttpRequest, filters: Query[OfficerFilterIn]) -> OfficerQuerySet:
    """Officers in scope; ID numbers are masked. Filters as on the officers page."""
    on = timezone.localdate()
    found = officers.find_officers(_scoped_user(request), filters.to_filter(), on=on)
    return found


@router.get("/officers/{police_number}", response=OfficerOut)
def get_officer(request: HttpRequest, police_number: str) -> Officer:
    officer: Officer = get_object_or_404(
        Officer.objects.visible_to(_scoped_user(request)).select_related("unit"),
        police_number=police_number,
    )
    return officer


@router.post("/officers/{police_number}/reveal-id", response=RevealOut)
def reveal_id(request: HttpRequest, police_number: str) -> dict[str, str]:
    """Return the full ID number; the display is written to the audit log (pii.reveal)."""
    require_capability(request.user, Capability.REVEAL_ID_NUMBER)
    officer = get_object_or_404(
        Officer.objects.visible_to(_scoped_user(request)), police_number=police_number
    )
    number = officers.reveal_id_number(
        officer, actor=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    return {"police_number": officer.police_number, "id_number": number}


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, Any]:
    user = cast(User, request.user)  # the API's auth lets only a signed-in User through
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "role_label": str(user.get_role_display()),
        "capabilities": sorted(str(cap) for cap in user.capabilities),
        "scope_unit": cast(Unit, user.scope_unit).code if user.scope_unit_id else None,
        "officer": cast(Officer, user.officer).police_number if user.officer_id else None,
    }

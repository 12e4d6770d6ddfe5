"""Helpers to open cases in tests through the real domain functions."""

from __future__ import annotations

import datetime as dt

from fazhi.cases import procedure
from fazhi.cases.procedure import NewCase, NewEvent, NewParty
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.roles import Role
from fazhi.org.tests.factories import OfficerFactory, UserFactory

SH = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    """Return an aware instant from "2026-03-02 10:00" in Shanghai time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def clerk_for(unit):
    return UserFactory(role=Role.CLERK, scope_unit=unit)


def open_public_order_case(
    unit,
    *,
    accepted: str = "2025-03-03 10:00",
    item=None,
    actor=None,
    now: str | None = None,
    parties=(),
    procedure_id: str = "zhian-general",
):
    item = item or EnforcementItemFactory(levels=["district", "station"])
    actor = actor or clerk_for(unit)
    handlers = (OfficerFactory(unit=unit), OfficerFactory(unit=unit))
    new = NewCase(
        unit=unit,
        item=item,
        procedure=procedure_id,
        title="殴打他人",
        source="call",
        act_at=at(accepted) - dt.timedelta(hours=2),
        act_place="解放路12号",
        handlers=handlers,
        parties=tuple(parties),
    )
    clock = at(now) if now else at(accepted) + dt.timedelta(minutes=5)
    case = procedure.open_case(new, NewEvent("accept", at(accepted)), actor=actor, at=clock)
    return case, actor


def person(id_number: str = "110101199003070011", role: str = "suspect") -> NewParty:
    return NewParty(
        kind="person", role=role, name="张三", id_type="citizen_id", id_number=id_number
    )

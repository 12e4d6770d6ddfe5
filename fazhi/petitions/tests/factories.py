"""Helpers to create petitions and mediations in tests through the real domain functions."""

from __future__ import annotations

import datetime as dt

from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory
from fazhi.petitions import petitions as ops
from fazhi.petitions.petitions import NewPetition

SH = dt.timezone(dt.timedelta(hours=8))

DECIDED = {"act": "decided", "known_on": "2026-03-02"}


def at(text: str) -> dt.datetime:
    """An aware instant from "2026-03-02 10:00" in Shanghai time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def clerk_for(unit):
    return UserFactory(role=Role.CLERK, scope_unit=unit)


def new_petition(unit, **overrides) -> NewPetition:
    values = {
        "unit": unit,
        "channel": "visit",
        "received_on": dt.date(2026, 3, 2),
        "petitioner_name": "李四",
        "petitioner_id_number": "110101199003070011",
        "petitioner_phone": "13912345678",
        "matter": "对派出所作出的罚款决定不服，并反映邻里噪音长期未解决",
        "claims": ("撤销罚款决定",),
    }
    values.update(overrides)
    return NewPetition(**values)


def receive(unit, actor=None, *, now: str = "2026-03-02 10:00", **overrides):
    actor = actor or clerk_for(unit)
    return ops.receive(new_petition(unit, **overrides), actor=actor, at=at(now)), actor


def accepted_petition(unit, actor=None, *, answers=None, now="2026-03-05 10:00", **overrides):
    """A petition whose one claim stays a petition, told and accepted on the day of NOW."""
    petition, actor = receive(unit, actor, **overrides)
    claim = petition.claims.get()
    ops.classify(claim, answers or {}, actor=actor, at=at(now))
    ops.send_notice(petition, sent_on=at(now).date(), method="当面送达", actor=actor, at=at(now))
    petition.refresh_from_db()
    return petition, actor

"""Helpers to register matters in tests through the real domain functions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fazhi.core.roles import Role
from fazhi.litigation import matters
from fazhi.litigation.matters import NewMatter
from fazhi.litigation.models import HeadPost, Matter
from fazhi.org.tests.factories import OfficerFactory, UserFactory, make_citizen_id

SH = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    """Return an aware instant from "2026-03-02 10:00" in Shanghai time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def legal_for(unit: Any) -> Any:
    return UserFactory(role=Role.LEGAL_OFFICER, scope_unit=unit)


def register(
    unit: Any,
    *,
    kind: str = "reconsideration",
    received: str = "2026-03-02",
    accepted: str | None = None,
    actor: Any = None,
    now: str | None = None,
    **extra: Any,
) -> Matter:
    actor = actor or legal_for(unit)
    new = NewMatter(
        kind=kind,
        body="示例市人民政府" if kind == "reconsideration" else "示例市甲区人民法院",
        unit=unit,
        received_on=day(received),
        accepted_on=day(accepted) if accepted else None,
        claimant_kind="person",
        claimant_name="李四",
        claimant_id_type="citizen_id",
        claimant_id_number=make_citizen_id(7),
        act=extra.pop("act", "行政拘留五日的处罚决定"),
        **extra,
    )
    return matters.register_matter(new, actor=actor, at=at(now or f"{received} 10:00"))


def head_of(unit: Any, *, post: str = HeadPost.PRINCIPAL, since: str = "2024-01-01") -> Any:
    officer = OfficerFactory(unit=unit)
    actor = legal_for(unit)
    return matters.add_head(
        unit,
        officer,
        post=post,
        title="局长",
        since=day(since),
        actor=actor,
        at=at(f"{since} 09:00"),
    )

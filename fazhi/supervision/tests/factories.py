"""Helpers for the supervision tests: cases through the real write path, and many cases fast."""

from __future__ import annotations

import datetime as dt

from fazhi.cases import procedure
from fazhi.cases.models import Case, Deadline
from fazhi.cases.procedure import NewEvent
from fazhi.cases.tests.factories import at, clerk_for, open_public_order_case
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.supervision.models import CaseWarning, WarningState


def record(case: Case, actor, kind: str, when: str, *, now: str | None = None, end=None, **data):
    """Record one event on CASE at WHEN (Shanghai time); the clock reads NOW (default WHEN)."""
    return procedure.record_event(
        case,
        NewEvent(kind, at(when), ended_at=at(end) if end else None, data=data),
        actor=actor,
        at=at(now or when),
    )


def open_rules(case: Case) -> set[str]:
    return set(
        CaseWarning.objects.filter(case=case, state=WarningState.OPEN).values_list(
            "rule", flat=True
        )
    )


def bulk_overdue_cases(unit, n: int, *, accepted: str = "2025-03-03 10:00") -> list[Case]:
    """Create N cases with an overdue 办案期限 directly (no events): for counting queries only."""
    user = clerk_for(unit)
    item = EnforcementItemFactory(levels=["district", "station"])
    start = at(accepted)
    cases = Case.objects.bulk_create(
        Case(
            number=f"{unit.code}-2025-B{i:05d}",
            unit=unit,
            year=2025,
            sequence=90000 + i,
            procedure="zhian-general",
            item=item,
            title="殴打他人",
            source="call",
            act_at=start - dt.timedelta(hours=2),
            act_place="解放路",
            status="accepted",
            accepted_at=start,
            created_by=user,
        )
        for i in range(n)
    )
    Deadline.objects.bulk_create(
        Deadline(
            case=case,
            code="handling",
            name="办案期限",
            start_at=start,
            due_at=start + dt.timedelta(days=30),
            basis="《中华人民共和国治安管理处罚法》第九十九条第一款",
            facts={},
            computed_at=start,
        )
        for case in cases
    )
    return cases


__all__ = ["at", "bulk_overdue_cases", "open_public_order_case", "open_rules", "record"]

"""A petition's deadlines as rows: derived from the pack in force on its receipt day and the days
of its events, refreshed by every operation that changes one (fazhi/petitions/petitions.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fazhi.petitions.models import (
    Deadline,
    DeadlineStatus,
    Petition,
    ReviewKind,
    Status,
)
from fazhi.petitions.packs import Computed, deadline_rules, derive


def events_of(petition: Petition) -> dict[str, dt.date | None]:
    """The days of the petition's events, as the pack's deadlines name them."""
    reviews = {r.kind: r for r in petition.reviews.all()}
    review, re_review = reviews.get(ReviewKind.REVIEW), reviews.get(ReviewKind.RE_REVIEW)
    return {
        "received": petition.received_on,
        "accepted": petition.accepted_on,
        "notice_sent": petition.notice_sent_on,
        "objected": petition.objected_on,
        "routed": petition.closed_on if petition.status == Status.ROUTED else None,
        "replied": petition.replied_on,
        "review_requested": review.requested_on if review else None,
        "review_answered": review.answered_on if review else None,
        "re_review_requested": re_review.requested_on if re_review else None,
        "re_review_answered": re_review.answered_on if re_review else None,
    }


def extension_facts(petition: Petition) -> dict[str, Any] | None:
    rows = list(petition.extensions.order_by("approved_on", "id"))
    if not rows:
        return None
    last = rows[-1]
    return {
        "days": sum(r.days for r in rows),
        "approved_by": last.approved_by,
        "approved_on": last.approved_on.isoformat(),
        "reason": last.reason,
        "basis": "《信访工作条例》第三十四条",
    }


def compute(petition: Petition) -> list[Computed]:
    return derive(
        deadline_rules(petition.received_on),
        petition.channel,
        events_of(petition),
        extension_days=petition.extension_days,
        extension=extension_facts(petition),
    )


def refresh(petition: Petition) -> int:
    """Write the petition's deadlines; return how many rows changed. A deadline no longer derived
    (or of a petition returned to its sender) stops; nothing is deleted."""
    computed = {c.code: c for c in compute(petition)}
    if petition.status == Status.RETURNED:
        computed = {code: c for code, c in computed.items() if c.status == DeadlineStatus.MET}
    existing = {d.code: d for d in petition.deadlines.all()}
    changed = 0
    for code, c in computed.items():
        values = {
            "name": c.name,
            "start_on": c.start_on,
            "due_on": c.due_on,
            "due_at": c.due_at,
            "status": c.status,
            "met_on": c.met_on,
            "basis": c.basis,
            "facts": c.facts,
        }
        row = existing.get(code)
        if row is None:
            Deadline.objects.create(petition=petition, code=code, **values)
            changed += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.save()
            changed += 1
    for code, row in existing.items():
        if code not in computed and row.status == DeadlineStatus.OPEN:
            row.status = DeadlineStatus.STOPPED
            row.save(update_fields=["status"])
            changed += 1
    return changed

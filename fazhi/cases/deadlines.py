"""Store the deadlines the procedure pack derives, so lists and the scan read them with SQL.

``refresh`` is called by ``record_event`` in the same transaction; ``redate_all`` recomputes
every running deadline when the calendar data changes and records what moved.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from fazhi.audit import log as audit
from fazhi.cases.calendar import WorkCalendar, default_calendar
from fazhi.cases.derive import Ev, compute_deadlines
from fazhi.cases.models import Case, Deadline, DeadlineStatus
from fazhi.cases.packs import Pack
from fazhi.cases.periods import SHANGHAI

FIELDS = (
    "name",
    "start_at",
    "due_at",
    "status",
    "met_at",
    "basis",
    "explanation",
    "is_provisional",
    "is_liberty",
    "paused_days",
    "extended",
    "unverified",
)


def refresh(
    case: Case,
    pack: Pack,
    events: list[Ev],
    *,
    at: dt.datetime,
    calendar: WorkCalendar | None = None,
) -> tuple[int, int, int]:
    """Write CASE's derived deadlines; return (created, changed, removed)."""
    accepted = case.accepted_at or case.created_at
    unverified = pack.unverified_on(accepted.astimezone(SHANGHAI).date())
    computed = compute_deadlines(
        pack, events, calendar or default_calendar(), unverified=unverified
    )
    stored = {(d.code, d.key): d for d in case.deadlines.all()}
    created = changed = 0
    seen = set()
    for item in computed:
        key = (item.code, item.key)
        seen.add(key)
        values = {name: getattr(item, name) for name in FIELDS}
        values["status"] = {"paused": DeadlineStatus.STOPPED}.get(item.status, item.status)
        row = stored.get(key)
        if row is None:
            Deadline.objects.create(
                case=case, code=item.code, key=item.key, computed_at=at, **values
            )
            created += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.computed_at = at
            row.save()
            changed += 1
    removed = [row.pk for key, row in stored.items() if key not in seen]
    if removed:
        Deadline.objects.filter(pk__in=removed).delete()
    return created, changed, len(removed)


def redate_all(*, actor, at: dt.datetime, calendar: WorkCalendar | None = None) -> int:
    """Recompute the deadlines of every open case (e.g. after a new holiday notice); return how many moved."""
    from fazhi.cases.procedure import pack_of

    calendar = calendar or WorkCalendar.load()
    moved = 0
    cases = Case.objects.open().filter(deadlines__status=DeadlineStatus.OPEN).distinct()
    for case in cases.iterator(chunk_size=500):
        with transaction.atomic():
            before = {(d.code, d.key): d.due_at for d in case.deadlines.all()}
            events = [Ev.of(row) for row in case.events.all()]
            refresh(case, pack_of(case), events, at=at, calendar=calendar)
            after = {(d.code, d.key): d.due_at for d in case.deadlines.all()}
            changes = {
                f"{code}:{key}": [before[(code, key)], due]
                for (code, key), due in after.items()
                if (code, key) in before and before[(code, key)] != due
            }
            if changes:
                moved += len(changes)
                audit.record(actor, "case.deadlines.redate", case, changes=changes)
    return moved

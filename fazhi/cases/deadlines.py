"""Store the deadlines the procedure pack derives, so lists and the scan read them with SQL.

``refresh`` is called by ``record_event`` in the same transaction; ``redate_all`` (``fazhi
calendar refresh``) recomputes every running deadline when the calendar data changes and records
what moved. Both compare the pure ``compute_deadlines`` result with the stored rows by ``_diff``,
and both copy the case's nearest running deadline onto the case (``Case.next_due_at`` and
``next_deadline_name``, see ``nearest_running``), which the case list sorts and filters by.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from fazhi.audit import log as audit
from fazhi.cases.derive import ComputedDeadline, Ev, compute_deadlines
from fazhi.cases.models import Case, CaseStatus, Deadline, DeadlineStatus, ProceduralEvent
from fazhi.cases.packs import Pack
from fazhi.core import progress
from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.clock import SHANGHAI

FIELDS = (
    "name",
    "start_at",
    "due_at",
    "status",
    "met_at",
    "basis",
    "facts",
    "is_provisional",
    "is_liberty",
    "paused_days",
    "extended",
    "unverified",
)


def stored_values(item: ComputedDeadline) -> dict[str, Any]:
    """Return the Deadline fields (but case, code, key, computed_at) for one computed deadline."""
    values = {name: getattr(item, name) for name in FIELDS}
    values["status"] = {"paused": DeadlineStatus.STOPPED}.get(item.status, item.status)
    return values


def nearest_running(items: Iterable[ComputedDeadline]) -> tuple[dt.datetime | None, str]:
    """Return the due time and name of the earliest running deadline of ITEMS, or (None, "").

    Of two due at the same instant, the one whose name sorts first (as the migration that
    filled ``Case.next_due_at`` chose).
    """
    running = [(item.due_at, item.name) for item in items if item.status == DeadlineStatus.OPEN]
    return min(running) if running else (None, "")


def _set_nearest(case: Case, computed: list[ComputedDeadline]) -> bool:
    """Put the nearest running deadline of COMPUTED on CASE; return whether it changed."""
    due, name = nearest_running(computed)
    if (case.next_due_at, case.next_deadline_name) == (due, name):
        return False
    case.next_due_at, case.next_deadline_name = due, name
    return True


def refresh(
    case: Case,
    pack: Pack,
    events: list[Ev],
    *,
    at: dt.datetime,
    calendar: WorkCalendar | None = None,
) -> tuple[int, int, int]:
    """Write CASE's derived deadlines and its nearest running one; return (created, changed,
    removed) deadline rows."""
    computed = _compute(case, pack, events, calendar or default_calendar())
    diff = _diff(case, computed, list(case.deadlines.all()), at)
    for row in diff.created:
        row.save()
    for row in diff.changed:
        row.save()
    if diff.removed:
        Deadline.objects.filter(pk__in=[row.pk for row in diff.removed]).delete()
    # Written even when this instance already holds it: it may have been read before this
    # transaction, and the row is what the list reads.
    _set_nearest(case, computed)
    case.save(update_fields=["next_due_at", "next_deadline_name"])
    return len(diff.created), len(diff.changed), len(diff.removed)


def _compute(
    case: Case, pack: Pack, events: list[Ev], calendar: WorkCalendar
) -> list[ComputedDeadline]:
    accepted = case.accepted_at or case.created_at
    unverified = pack.unverified_on(accepted.astimezone(SHANGHAI).date())
    return compute_deadlines(pack, events, calendar, unverified=unverified)


@dataclass
class _Diff:
    created: list[Deadline] = field(default_factory=list)
    changed: list[Deadline] = field(default_factory=list)
    removed: list[Deadline] = field(default_factory=list)
    before: dict[tuple[str, str], tuple[dt.datetime, bool]] = field(default_factory=dict)


def _diff(
    case: Case, computed: list[ComputedDeadline], rows: list[Deadline], at: dt.datetime
) -> _Diff:
    """Return the rows to create, the stored rows changed in place, and the rows to remove."""
    stored = {(d.code, d.key): d for d in rows}
    diff = _Diff()
    seen: set[tuple[str, str]] = set()
    for item in computed:
        key = (item.code, item.key)
        seen.add(key)
        values = stored_values(item)
        row = stored.get(key)
        if row is None:
            diff.created.append(
                Deadline(case=case, code=item.code, key=item.key, computed_at=at, **values)
            )
        elif any(getattr(row, name) != value for name, value in values.items()):
            diff.before[key] = (row.due_at, row.is_provisional)
            for name, value in values.items():
                setattr(row, name, value)
            row.computed_at = at
            diff.changed.append(row)
    diff.removed = [row for key, row in stored.items() if key not in seen]
    return diff


@dataclass
class Redated:
    """What ``redate_all`` found: cases examined, deadlines moved, provisional marks cleared."""

    cases: int = 0
    changed: int = 0  # deadline rows that changed in any way
    moved: int = 0  # … whose due time changed
    settled: int = 0  # … that are no longer provisional
    moves: list[tuple[str, str, dt.datetime, dt.datetime]] = field(default_factory=list)


def redate_all(
    *,
    actor: Any,
    at: dt.datetime,
    calendar: WorkCalendar | None = None,
    dry_run: bool = False,
    chunk: int = 1000,
) -> Redated:
    """Recompute the deadlines of every open case with a running deadline (e.g. after a new
    holiday notice), and record each change in the audit log (one entry per case).

    The cases are read from the partial index of open deadlines, then handled CHUNK at a time,
    one transaction each: three queries read a chunk's cases, events and deadlines, the pure
    functions recompute them, and the changed rows (and the cases whose nearest running
    deadline moved) are written in bulk. DRY_RUN writes nothing.
    """
    from fazhi.cases.procedure import pack_of

    calendar = calendar or WorkCalendar.load()
    result = Redated()
    ids = sorted(
        set(
            Deadline.objects.running()
            .exclude(case__status=CaseStatus.CLOSED)
            .values_list("case_id", flat=True)
        )
    )
    progress.count(gettext("核对案件期限"), len(ids))  # fazhi calendar refresh / import
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            part = ids[start : start + chunk]
            cases = list(Case.objects.select_for_update().filter(pk__in=part).order_by("pk"))
            events: dict[int, list[Ev]] = {pk: [] for pk in part}
            for row in ProceduralEvent.objects.filter(case_id__in=part).order_by(
                "occurred_at", "id"
            ):
                events[row.case_id].append(Ev.of(row))
            stored: dict[int, list[Deadline]] = {pk: [] for pk in part}
            for row in Deadline.objects.filter(case_id__in=part):
                stored[row.case_id].append(row)
            created: list[Deadline] = []
            changed: list[Deadline] = []
            removed: list[int] = []
            moved_cases: list[Case] = []
            for case in cases:
                result.cases += 1
                computed = _compute(case, pack_of(case), events[case.pk], calendar)
                diff = _diff(case, computed, stored[case.pk], at)
                created += diff.created
                changed += diff.changed
                removed += [row.pk for row in diff.removed]
                if _set_nearest(case, computed):
                    moved_cases.append(case)
                changes: dict[str, Any] = {}
                for row in diff.changed:
                    due, provisional = diff.before[(row.code, row.key)]
                    entry: dict[str, Any] = {}
                    if due != row.due_at:
                        entry["due_at"] = [
                            due.astimezone(SHANGHAI),
                            row.due_at.astimezone(SHANGHAI),
                        ]
                        result.moved += 1
                        result.moves.append((case.number, row.code, due, row.due_at))
                    if provisional != row.is_provisional:
                        entry["is_provisional"] = [provisional, row.is_provisional]
                        result.settled += provisional and not row.is_provisional
                    changes[f"{row.code}:{row.key}" if row.key else row.code] = entry or {
                        "facts": "recomputed"
                    }
                result.changed += len(diff.changed)
                if changes and not dry_run:
                    audit.record(actor, "case.deadlines.redate", case, changes=changes)
            if not dry_run:
                Deadline.objects.bulk_create(created)
                Deadline.objects.bulk_update(changed, [*FIELDS, "computed_at"], batch_size=500)
                Deadline.objects.filter(pk__in=removed).delete()
                Case.objects.bulk_update(
                    moved_cases, ["next_due_at", "next_deadline_name"], batch_size=500
                )
        progress.advance(len(part))
    return result

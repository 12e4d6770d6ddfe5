"""Run the ``examples:`` of a procedure pack: events in, deadlines, status and refusals out.

An example::

    - name: 未告知即作出处罚决定被拒绝
      given:
        events:
          - {kind: accept, at: "2025-03-03T10:00+08:00"}
          - {kind: decide, at: "2025-03-10T10:00+08:00", data: {outcome: penalty}}
      expect:
        refused: notice_before_decision     # the rule code that refuses the LAST event

``given.continues`` names an earlier example of the same file whose events come first (a story
told in steps: the 听证 example continues the 要求听证 one).

``expect`` may also hold ``deadlines`` ({code: last day "YYYY-MM-DD", or an instant for hour
periods}), ``deadline_status`` ({code: open|paused|met|missed}), ``status`` (the case status) and
``unverified`` (whether the results carry the unverified mark).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fazhi.cases import explain
from fazhi.cases.derive import (
    ComputedDeadline,
    Ev,
    EventRefused,
    check_new_event,
    compute_deadlines,
    derive_status,
)
from fazhi.cases.packs import Pack, load_pack
from fazhi.core.calendar import WorkCalendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.rulepacks import ExampleResult, RulePackError, expect_of, line_of, read_yaml


def _instant(value: Any, path: Path, where: str) -> dt.datetime:
    try:
        instant = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise RulePackError(
            path, f"{where}: {value!r} is not a date-time (YYYY-MM-DDTHH:MM+08:00)"
        ) from None
    return instant if instant.tzinfo else instant.replace(tzinfo=SHANGHAI)


def last_day(deadline: ComputedDeadline) -> str:
    """Return how an example names a deadline: its last day, or its instant for hour periods."""
    return explain.last_day(deadline.facts, deadline.due_at)


def run_scenario(
    pack: Pack,
    raw_events: list[dict[str, Any]],
    calendar: WorkCalendar,
    path: Path,
    *,
    now: dt.datetime | None = None,
) -> tuple[list[Ev], EventRefused | None]:
    """Apply the events in order; return (accepted events, refusal of the last one or None)."""
    events: list[Ev] = []
    parsed = [
        Ev(
            id=index + 1,
            kind=str(raw.get("kind")),
            occurred_at=_instant(raw.get("at"), path, f"event {index + 1}.at"),
            ended_at=_instant(raw["end"], path, f"event {index + 1}.end")
            if raw.get("end")
            else None,
            data=dict(raw.get("data") or {}),
            corrects=raw.get("corrects"),
        )
        for index, raw in enumerate(raw_events)
    ]
    if not parsed:
        return events, None
    clock = now or max((e.ended_at or e.occurred_at) for e in parsed)
    for position, event in enumerate(parsed):
        try:
            check_new_event(pack, events, event, now=clock, calendar=calendar)
        except EventRefused as refusal:
            if position == len(parsed) - 1:
                return events, refusal
            raise
        events.append(event)
    return events, None


def _events_of(
    path: Path, given: Any, earlier: dict[str, list[dict[str, Any]]], name: str
) -> list[dict[str, Any]]:
    """Return the example's events, after those of the example it continues."""
    events = list(given.get("events") or [])
    base = given.get("continues")
    if base is None:
        return events
    if base not in earlier:
        raise RulePackError(
            path,
            f"continues {base!r}, which is not an earlier example of this file",
            line=line_of(given, []),
            rule=name,
        )
    return [*earlier[base], *events]


def run_procedure_examples(path: Path) -> list[ExampleResult]:
    pack = load_pack(path)
    calendar = WorkCalendar.load(path.parent.parent)
    data = read_yaml(path)
    results = []
    earlier: dict[str, list[dict[str, Any]]] = {}
    for index, example in enumerate(data.get("examples") or []):
        name, given, expect = expect_of(path, example, index)
        now = _instant(given["now"], path, "given.now") if given.get("now") else None
        raw_events = _events_of(path, given, earlier, name)
        earlier[name] = raw_events
        try:
            events, refusal = run_scenario(pack, raw_events, calendar, path, now=now)
        except EventRefused as earlier_refusal:
            results.append(
                ExampleResult(
                    path.name,
                    name,
                    False,
                    f"an earlier event was refused: {earlier_refusal.code}: {earlier_refusal}",
                )
            )
            continue
        problems = []
        wanted_refusal = expect.get("refused")
        if wanted_refusal != (refusal.code if refusal else None):
            got: str | None = f"{refusal.code} ({refusal})" if refusal else "accepted"
            problems.append(f"refused: expected {wanted_refusal}, got {got}")
        accept = next((e for e in events if e.kind == "accept"), events[0] if events else None)
        unverified = accept is not None and pack.unverified_on(
            accept.occurred_at.astimezone(SHANGHAI).date()
        )
        deadlines = {
            d.code: d for d in compute_deadlines(pack, events, calendar, unverified=unverified)
        }
        for code, wanted in (expect.get("deadlines") or {}).items():
            got = last_day(deadlines[code]) if code in deadlines else None
            wanted_text = wanted.isoformat() if isinstance(wanted, dt.date) else str(wanted)
            if got != wanted_text:
                problems.append(f"deadline {code}: expected {wanted_text}, got {got}")
        for code, wanted in (expect.get("deadline_status") or {}).items():
            got = deadlines[code].status if code in deadlines else None
            if got != wanted:
                problems.append(f"deadline {code} status: expected {wanted}, got {got}")
        if "status" in expect and derive_status(pack, events, "reported") != expect["status"]:
            problems.append(
                f"status: expected {expect['status']}, got {derive_status(pack, events, 'reported')}"
            )
        if "unverified" in expect and bool(expect["unverified"]) != unverified:
            problems.append(f"unverified: expected {expect['unverified']}, got {unverified}")
        detail = "; ".join(problems)
        if problems:
            detail = f"line {line_of(example, [])}: {detail}"
        results.append(ExampleResult(path.name, name, not problems, detail))
    return results

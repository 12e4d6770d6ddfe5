"""Run the ``examples:`` of a warning file: a case's events in, the warnings that hold out.

An example::

    - name: 办案期限届满仍未作出决定，告警
      given:
        procedure: zhian-general            # the procedure pack the case follows
        events:
          - {kind: accept, at: "2025-03-03T10:00+08:00"}
        now: "2025-04-03T09:00+08:00"       # the instant of the scan
        case: {outside_centre: false}       # facts that are not events (optional)
      expect:
        open: [BANAN_OVER]                  # exactly the rules of this file that hold

``given.continues`` names an earlier example of the file: its events (and case facts) come
first, and ``expect.closed`` lists the rules that held then and no longer hold now (the
warning closes by itself). No database is used: deadlines come from the procedure pack through
fazhi.cases.derive, and each rule from fazhi.supervision.conditions.holds.

``case`` may hold ``outside_centre`` (bool), ``decision_within_range`` (bool), ``handlers``
(a list of ``{status, level, granted_on, expires_on}``) and ``orders``, the supervision orders
about the case (a list of ``{id, status, reply_due_at}``, status one of open, answered,
returned, verified).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fazhi.cases.derive import compute_deadlines, derive_status
from fazhi.cases.examples import _instant, run_scenario
from fazhi.cases.packs import PackRegistry
from fazhi.core.calendar import WorkCalendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.rulepacks import ExampleResult, RulePackError, expect_of, line_of, read_yaml
from fazhi.supervision.conditions import MemoryCase, MemoryOrder, holds
from fazhi.supervision.models import OrderStatus
from fazhi.supervision.rules import WarningPack, load_warning_pack


class Scenario:
    """One example's case: its events, its facts and the instant of the scan."""

    def __init__(self, procedure: str, events: list[dict], facts: dict, now: dt.datetime) -> None:
        self.procedure = procedure
        self.events = events
        self.facts = facts
        self.now = now


def orders_of(facts: dict, path: Path) -> list[MemoryOrder]:
    """Return the example's ``case.orders`` (raise naming the order and the bad value)."""
    out = []
    for index, raw in enumerate(facts.get("orders") or []):
        where = f"case.orders {index + 1}"
        if not isinstance(raw, dict):
            raise RulePackError(
                path, f"{where}: an order is a mapping {{id, status, reply_due_at}}"
            )
        status = str(raw.get("status", OrderStatus.OPEN))
        if status not in OrderStatus.values:
            raise RulePackError(
                path, f"{where}.status: {status!r} is not one of {', '.join(OrderStatus.values)}"
            )
        due = _instant(raw.get("reply_due_at"), path, f"{where}.reply_due_at")
        out.append(MemoryOrder(int(raw.get("id", index + 1)), status, due))
    return out


def open_rules(
    pack: WarningPack,
    scenario: Scenario,
    procedures: PackRegistry,
    calendar: WorkCalendar,
    path: Path,
) -> set[str]:
    """Return the codes of PACK's rules that hold for SCENARIO (raise if an event is refused)."""
    first = scenario.events[0] if scenario.events else None
    if first is None:
        raise RulePackError(path, "an example needs at least one event")
    accepted = _instant(first.get("at"), path, "event 1.at").astimezone(SHANGHAI).date()
    procedure = procedures.for_case(scenario.procedure, accepted)
    events, refusal = run_scenario(procedure, scenario.events, calendar, path, now=scenario.now)
    if refusal is not None:
        raise RulePackError(path, f"event {refusal.code} refused: {refusal}")
    unverified = procedure.unverified_on(accepted)
    case = MemoryCase(
        procedure=scenario.procedure,
        status=derive_status(procedure, events, "reported"),
        events=events,
        deadlines=compute_deadlines(procedure, events, calendar, unverified=unverified),
        handlers=list(scenario.facts.get("handlers") or []),
        outside_centre=bool(scenario.facts.get("outside_centre", False)),
        decision_within_range=scenario.facts.get("decision_within_range"),
        orders=orders_of(scenario.facts, path),
    )
    return {rule.code for rule in pack.rules if holds(rule, case, scenario.now)}


def scenario_of(
    path: Path, given: Any, earlier: dict[str, Scenario], name: str
) -> tuple[Scenario, Scenario | None]:
    """Return the example's scenario and the one it continues (or None)."""
    if not given.get("now"):
        raise RulePackError(
            path,
            "given.now is required: warnings depend on the time",
            line=line_of(given, []),
            rule=name,
        )
    now = _instant(given["now"], path, "given.now")
    base = None
    if given.get("continues") is not None:
        base = earlier.get(given["continues"])
        if base is None:
            raise RulePackError(
                path,
                f"continues {given['continues']!r}, which is not an earlier example of this file",
                line=line_of(given, []),
                rule=name,
            )
    events = [*(base.events if base else []), *(given.get("events") or [])]
    facts = {**(base.facts if base else {}), **(given.get("case") or {})}
    procedure = given.get("procedure") or (base.procedure if base else None)
    if not procedure:
        raise RulePackError(path, "given.procedure is required", line=line_of(given, []), rule=name)
    return Scenario(str(procedure), events, facts, now), base


def run_warning_examples(path: Path) -> list[ExampleResult]:
    pack = load_warning_pack(path)
    rules_dir = path.parent.parent
    procedures = PackRegistry.load(rules_dir)
    calendar = WorkCalendar.load(rules_dir)
    known = {rule.code for rule in pack.rules}
    earlier: dict[str, Scenario] = {}
    results = []
    raw_examples = read_yaml(path).get("examples") or []  # with their line numbers
    for index, raw in enumerate(raw_examples):
        name, given, expect = expect_of(path, raw, index)
        scenario, base = scenario_of(path, given, earlier, name)
        earlier[name] = scenario
        problems = []
        for key in ("open", "closed"):
            unknown = set(expect.get(key) or []) - known
            if unknown:
                problems.append(f"{key} names rules not in this file: {sorted(unknown)}")
        if "open" not in expect:
            problems.append("expect.open is required (the rules that hold, [] for none)")
        try:
            now_open = open_rules(pack, scenario, procedures, calendar, path)
            before = open_rules(pack, base, procedures, calendar, path) if base else set()
        except RulePackError as exc:
            results.append(ExampleResult(path.name, name, False, str(exc)))
            continue
        if "open" in expect and set(expect["open"] or []) != now_open:
            problems.append(
                f"open: expected {sorted(expect['open'] or [])}, got {sorted(now_open)}"
            )
        closed = before - now_open
        if set(expect.get("closed") or []) != closed:
            problems.append(
                f"closed: expected {sorted(expect.get('closed') or [])}, got {sorted(closed)}"
            )
        detail = "; ".join(problems)
        if problems:
            detail = f"line {line_of(raw, [])}: {detail}"
        results.append(ExampleResult(path.name, name, not problems, detail))
    return results

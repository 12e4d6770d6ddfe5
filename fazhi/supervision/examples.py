"""Run the ``examples:`` of a warning file through the production path: the example's case is
written as rows of an in-memory database (fazhi.core.warnings.example_database) and the engine's
writer runs the scan's own SQL over them; the warnings it leaves open are the answer.

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
first; the earlier example is written and scanned at its ``now``, then the case is brought to
this example's state and scanned again, and ``expect.closed`` lists the rules whose warning that
second scan closed (the warning closes by itself). Deadlines come from the procedure pack through
fazhi.cases.derive, as record_event stores them.

``case`` may hold ``outside_centre`` (bool), ``decision_within_range`` (bool), ``handlers``
(a list of ``{status, level, granted_on, expires_on}``) and ``orders``, the supervision orders
about the case (a list of ``{id, status, reply_due_at}``, status one of open, answered,
returned, verified).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fazhi.cases.deadlines import stored_values
from fazhi.cases.derive import compute_deadlines, derive_status
from fazhi.cases.examples import _instant, run_scenario
from fazhi.cases.models import Case, CaseHandler, Deadline, ProceduralEvent
from fazhi.cases.packs import PackRegistry
from fazhi.core import warnings
from fazhi.core.calendar import WorkCalendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.rulepacks import ExampleResult, RulePackError, expect_of, line_of, read_yaml
from fazhi.org.models import Officer, OfficerStatus
from fazhi.supervision import scan
from fazhi.supervision.conditions import decision_review_model
from fazhi.supervision.models import CaseWarning, OrderStatus, SupervisionOrder, WarningState
from fazhi.supervision.rules import WarningPack, load_warning_pack


@dataclass(frozen=True)
class ExampleOrder:
    """A supervision order about the case, as the examples give it."""

    id: int
    status: str
    reply_due_at: dt.datetime


class Scenario:
    """One example's case: its events, its facts and the instant of the scan."""

    def __init__(
        self, procedure: str, events: list[dict[str, Any]], facts: dict[str, Any], now: dt.datetime
    ) -> None:
        self.procedure = procedure
        self.events = events
        self.facts = facts
        self.now = now


def orders_of(facts: dict[str, Any], path: Path) -> list[ExampleOrder]:
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
        out.append(ExampleOrder(int(raw.get("id", index + 1)), status, due))
    return out


def _day(value: Any, path: Path, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RulePackError(path, f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _write_case(
    case_id: int | None,
    scenario: Scenario,
    procedures: PackRegistry,
    calendar: WorkCalendar,
    path: Path,
    using: str,
) -> int:
    """Write (or rewrite) the scenario's case as rows of the database USING; return its id.

    The case row carries what record_event stores (status, accepted/decided/closed instants),
    the events their correction links, the deadlines what compute_deadlines derives; handlers,
    the current decision review and the orders come from the example's facts.
    """
    first = scenario.events[0] if scenario.events else None
    if first is None:
        raise RulePackError(path, "an example needs at least one event")
    accepted = _instant(first.get("at"), path, "event 1.at").astimezone(SHANGHAI).date()
    procedure = procedures.for_case(scenario.procedure, accepted)
    events, refusal = run_scenario(procedure, scenario.events, calendar, path, now=scenario.now)
    if refusal is not None:
        raise RulePackError(path, f"event {refusal.code} refused: {refusal}")
    computed = compute_deadlines(
        procedure, events, calendar, unverified=procedure.unverified_on(accepted)
    )
    first_of: dict[str, dt.datetime] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        first_of.setdefault(event.kind, event.occurred_at)
    facts = scenario.facts
    values = {
        "procedure": scenario.procedure,
        "status": derive_status(procedure, events, "reported"),
        "accepted_at": first_of.get("accept"),
        "decided_at": first_of.get("decide") or first_of.get("mediation_agreed"),
        "closed_at": first_of.get("close"),
        "outside_centre": bool(facts.get("outside_centre", False)),
    }
    if case_id is None:
        case_id = warnings.row(Case, using, **values).pk
    else:
        Case.objects.using(using).filter(pk=case_id).update(**values)
        for model in (ProceduralEvent, Deadline, CaseHandler, SupervisionOrder):
            model.objects.using(using).filter(case_id=case_id)._raw_delete(using)
        review = decision_review_model()
        if review is not None:
            review.objects.using(using).filter(case_id=case_id)._raw_delete(using)
    for event in events:
        warnings.row(
            ProceduralEvent,
            using,
            id=event.id,
            case_id=case_id,
            kind=event.kind,
            occurred_at=event.occurred_at,
            ended_at=event.ended_at,
            data=event.data,
            corrects_id=event.corrects,
        )
    for item in computed:
        warnings.row(
            Deadline,
            using,
            case_id=case_id,
            code=item.code,
            key=item.key,
            computed_at=scenario.now,
            **stored_values(item),
        )
    for index, raw in enumerate(facts.get("handlers") or []):
        where = f"case.handlers {index + 1}"
        level = raw.get("level")
        granted = _day(raw.get("granted_on"), path, f"{where}.granted_on")
        expires = _day(raw.get("expires_on"), path, f"{where}.expires_on")
        if level is not None and (granted is None or expires is None):
            raise RulePackError(path, f"{where}: a level needs granted_on and expires_on")
        officer = warnings.row(
            Officer,
            using,
            status=raw.get("status", OfficerStatus.ON_DUTY),
            qualification_level=level,
            qualification_granted_on=granted if level is not None else None,
            qualification_expires_on=expires if level is not None else None,
        )
        warnings.row(CaseHandler, using, case_id=case_id, officer_id=officer.pk)
    if facts.get("decision_within_range") is not None:
        review = decision_review_model()
        if review is not None:
            warnings.row(
                review,
                using,
                case_id=case_id,
                is_current=True,
                within_range=bool(facts["decision_within_range"]),
            )
    for order in orders_of(facts, path):
        warnings.row(
            SupervisionOrder,
            using,
            id=order.id,
            case_id=case_id,
            status=order.status,
            reply_due_at=order.reply_due_at,
            created_at=order.reply_due_at - dt.timedelta(days=7),
            answered_at=scenario.now if order.status != OrderStatus.OPEN else None,
            verified_at=scenario.now if order.status == OrderStatus.VERIFIED else None,
        )
    return case_id


def _open(case_id: int, using: str) -> set[str]:
    return set(
        CaseWarning.objects.using(using)
        .filter(case_id=case_id, state=WarningState.OPEN)
        .values_list("rule", flat=True)
    )


def scan_example(
    pack: WarningPack,
    scenario: Scenario,
    base: Scenario | None,
    procedures: PackRegistry,
    calendar: WorkCalendar,
    path: Path,
) -> tuple[set[str], set[str]]:
    """Return the rules of PACK open after scanning SCENARIO, and those the scan closed.

    The scan is the one record_event runs (``warnings.refresh`` of the case: the rules that can
    hold for it or have a warning open on it, each the scan's SQL). With BASE (the example
    continued), BASE is written and scanned first, at its instant."""
    with warnings.example_database() as using:
        case_id = None
        if base is not None:
            case_id = _write_case(None, base, procedures, calendar, path, using)
            warnings.refresh(scan.SOURCE, [case_id], at=base.now, rules=pack.rules, using=using)
        before = _open(case_id, using) if case_id is not None else set()
        case_id = _write_case(case_id, scenario, procedures, calendar, path, using)
        warnings.refresh(scan.SOURCE, [case_id], at=scenario.now, rules=pack.rules, using=using)
        now_open = _open(case_id, using)
        closed = set(
            CaseWarning.objects.using(using)
            .filter(case_id=case_id, state=WarningState.CLOSED, rule__in=before)
            .exclude(rule__in=now_open)
            .values_list("rule", flat=True)
        )
        return now_open, closed


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
            now_open, closed = scan_example(pack, scenario, base, procedures, calendar, path)
        except RulePackError as exc:
            results.append(ExampleResult(path.name, name, False, str(exc)))
            continue
        if "open" in expect and set(expect["open"] or []) != now_open:
            problems.append(
                f"open: expected {sorted(expect['open'] or [])}, got {sorted(now_open)}"
            )
        if set(expect.get("closed") or []) != closed:
            problems.append(
                f"closed: expected {sorted(expect.get('closed') or [])}, got {sorted(closed)}"
            )
        detail = "; ".join(problems)
        if problems:
            detail = f"line {line_of(raw, [])}: {detail}"
        results.append(ExampleResult(path.name, name, not problems, detail))
    return results

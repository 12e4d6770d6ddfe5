"""Evaluate every warning rule over all cases at once; open, close and escalate warnings.

For each rule, ONE query (fazhi.supervision.conditions.pairs) says for which (case, subject) the
condition holds now. The scan never loads cases into Python: it wraps that query in set-based
statements —

1. INSERT … SELECT the triples that have no open warning yet (opened);
2. UPDATE the open warnings whose triple is no longer in the set (closed, with the reason);
3. UPDATE the open warnings old enough to go up to the district, then the city centre;

— and after each statement that changed rows, one INSERT … SELECT writes their history
(WarningEvent), found by the statement's run token. A second scan with nothing changed writes
nothing. Each rule's statements commit together (one transaction per rule): a worker killed
mid-scan leaves every rule either applied or not, and the next scan repairs the rest.

``run(at, case_ids=[…])`` limits every statement to those cases: fazhi.cases.procedure
.record_event calls it inside its own transaction, so a case's warnings are right as soon as
an event is recorded; the periodic full scan (fazhi.supervision.tasks) catches deadlines that
pass while nobody touches a case.
"""

from __future__ import annotations

# S608: the statements below interpolate only table and column names (from Django's model
# metadata, quoted) and SQL compiled by the ORM; every value is a bound parameter.
# ruff: noqa: S608
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connections, transaction

from fazhi.audit import log as audit
from fazhi.cases.models import Case, CaseStatus, Deadline, ProceduralEvent
from fazhi.core.clock import SHANGHAI
from fazhi.supervision.conditions import close_reason, orders_awaiting_reply, pairs, supported
from fazhi.supervision.models import (
    CaseWarning,
    CloseReason,
    Escalated,
    WarningEvent,
    WarningEventKind,
    WarningState,
)
from fazhi.supervision.rules import WarningRule, registry

SCAN_ACTOR = "system:scan"


@dataclass
class ScanResult:
    opened: int = 0
    closed: int = 0
    escalated: int = 0
    by_rule: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # rules this installation cannot evaluate

    def add(self, code: str, opened: int, closed: int, escalated: int) -> None:
        self.opened += opened
        self.closed += closed
        self.escalated += escalated
        if opened or closed or escalated:
            self.by_rule[code] = (opened, closed, escalated)


def rules_in_force(at: dt.datetime) -> list[WarningRule]:
    """Return the rules of every warning file in force on AT's day (Shanghai)."""
    day = at.astimezone(SHANGHAI).date()
    return [
        rule
        for pack in registry().packs
        if pack.effective_from <= day and (pack.effective_to is None or day <= pack.effective_to)
        for rule in pack.rules
    ]


def run(
    at: dt.datetime,
    *,
    case_ids: Iterable[int] | None = None,
    rules: list[WarningRule] | None = None,
) -> ScanResult:
    """Bring the warnings of all cases (or of CASE_IDS) in line with the rules at AT."""
    result = ScanResult()
    ids = None if case_ids is None else sorted(set(case_ids))
    if ids == []:
        return result
    chosen = rules_in_force(at) if rules is None else rules
    if ids is None:
        ensure_statistics()
    runnable = []
    for rule in chosen:
        ok, why = supported(rule)
        if ok:
            runnable.append(rule)
        else:
            result.skipped.append(f"{rule.code}: {why}")
    if ids is not None:
        # Incremental: the caller's transaction (record_event) holds the case; one unit of work.
        with transaction.atomic():
            no_jit()
            for rule in relevant_rules(runnable, ids):
                result.add(rule.code, *apply_rule(rule, at, ids))
        return result
    for rule in runnable:
        with transaction.atomic():
            no_jit()
            counts = apply_rule(rule, at, None)
            if any(counts):
                audit.record(
                    SCAN_ACTOR,
                    "supervision.scan",
                    ("supervision.rule", rule.code, rule.name),
                    changes={
                        "at": at,
                        "opened": counts[0],
                        "closed": counts[1],
                        "escalated": counts[2],
                    },
                )
        result.add(rule.code, *counts)
    if rules is None:
        with transaction.atomic():
            result.add("-", 0, close_retired([rule.code for rule in chosen], at), 0)
    return result


def relevant_rules(
    rules: list[WarningRule], case_ids: list[int], *, with_open: bool = True
) -> list[WarningRule]:
    """Return the rules that can hold for CASE_IDS, or that have a warning open on them.

    A rule can hold only for a case not closed (but for the order rule) and of its procedures;
    a rule over deadlines needs one of its deadlines open (missed, for ``deadline_missed``), an
    event rule its starting event, the discretion rule a decision, the qualification rule a case
    not yet decided, the 应进必进 rule a case accepted outside a centre. A rule that cannot hold
    and has nothing open to close is skipped. Four small indexed reads replace one statement
    per rule (the incremental scan of one case inside record_event).
    """
    deadlines = set(
        Deadline.objects.filter(case_id__in=case_ids)
        .order_by()  # no model ordering: it would join DISTINCT and cost a sort
        .values_list("code", "status")
        .distinct()
    )
    kinds = set(
        ProceduralEvent.objects.filter(case_id__in=case_ids)
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    )
    cases = list(
        Case.objects.filter(pk__in=case_ids).values_list(
            "procedure", "status", "outside_centre", "decided_at"
        )
    )
    running = [c for c in cases if c[1] != CaseStatus.CLOSED]
    procedures = {c[0] for c in cases}
    open_rules = (
        set(
            CaseWarning.objects.filter(case_id__in=case_ids, state=WarningState.OPEN)
            .order_by()
            .values_list("rule", flat=True)
        )
        if with_open
        else set()
    )
    keep = []
    for rule in rules:
        condition = rule.condition
        if rule.code in open_rules:
            keep.append(rule)
        elif rule.procedures and not set(rule.procedures) & procedures:
            continue
        elif condition.type == "order_unanswered":  # one more small read, only for such rules
            if orders_awaiting_reply(case_ids):
                keep.append(rule)
        elif not running:  # every other condition ignores closed cases
            continue
        elif condition.type in {"deadline_due_within", "deadline_overdue", "deadline_missed"}:
            status = "missed" if condition.type == "deadline_missed" else "open"
            if any((code, status) in deadlines for code in condition.deadlines):
                keep.append(rule)
        elif condition.type == "event_missing_after":
            if condition.event in kinds:
                keep.append(rule)
        elif condition.type == "decision_outside_range":
            if "decide" in kinds:
                keep.append(rule)
        elif condition.type == "handler_unqualified":
            if any(c[3] is None for c in running):
                keep.append(rule)
        elif condition.type == "outside_centre":
            if any(c[2] for c in running):
                keep.append(rule)
        else:  # a condition type this filter does not know: always evaluated
            keep.append(rule)
    return keep


def no_jit() -> None:
    """On PostgreSQL, switch JIT compilation off for the rest of the transaction.

    The scan's statements are estimated expensive enough for PostgreSQL to JIT-compile them
    (with inlining and optimisation), which costs 0.3–0.6 s per statement and more than it
    saves: at 1,000,000 cases it doubled the full scan.
    """
    connection = connections[CaseWarning.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _scanned_tables() -> list[str]:
    from fazhi.cases.models import CaseHandler
    from fazhi.supervision.models import SupervisionOrder

    models = (Case, ProceduralEvent, Deadline, CaseHandler, CaseWarning, SupervisionOrder)
    return [model._meta.db_table for model in models]


def ensure_statistics() -> None:
    """Give the planner table statistics before a full scan.

    SQLite keeps none until ANALYZE: without them it reads the events of a kind through the
    (kind, occurred_at) index for every case instead of the (case, kind) index, and the event
    rules go from milliseconds to seconds. ``analysis_limit`` makes ANALYZE sample, so even 10M
    events take a moment.

    PostgreSQL's autovacuum keeps statistics up to date, except for a table it believes empty
    (never analysed, or analysed while it was empty) that has just been filled — after a bulk
    load such as ``fazhi demo``, or inside one long transaction. The planner then expects one
    row and nests the event rules' NOT EXISTS into loops of sequential scans: seconds become
    minutes. Such tables are analysed here (sampled; cheap), and only such tables.
    """
    connection = connections[CaseWarning.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r'"
                " AND reltuples <= 0",
                [_scanned_tables()],
            )
            for (table,) in cursor.fetchall():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        return
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'cases_proceduralevent'")
            if cursor.fetchone():
                return
        cursor.execute("PRAGMA analysis_limit = 1000")
        cursor.execute("ANALYZE")


class _Writer:
    """Set-based statements on the warning tables, on one connection."""

    def __init__(self, at: dt.datetime) -> None:
        self.connection = connections[CaseWarning.objects.db]
        self.ops = self.connection.ops
        qn = self.ops.quote_name
        self.table = qn(CaseWarning._meta.db_table)
        self.events = qn(WarningEvent._meta.db_table)
        self.q = qn
        self.at = at
        self.at_db = self.ops.adapt_datetimefield_value(at)

    def execute(self, sql: str, params: list) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return max(cursor.rowcount, 0)

    def history(self, token: str, kind: str, *, with_reason: bool = False) -> None:
        """Write one WarningEvent for each row the statement tagged with TOKEN changed."""
        q, t = self.q, self.table
        reason = f"{t}.{q('closed_reason')}" if with_reason else "''"
        self.execute(
            f"INSERT INTO {self.events} ({q('warning_id')}, {q('kind')}, {q('at')},"
            f" {q('actor_label')}, {q('escalated_level')}, {q('reason')})"
            f" SELECT {t}.{q('id')}, %s, %s, %s, {t}.{q('escalated_level')}, {reason}"
            f" FROM {t} WHERE {t}.{q('run_token')} = %s",
            [kind, self.at_db, SCAN_ACTOR, token],
        )

    def scope(self, case_ids: list[int] | None) -> tuple[str, list]:
        if case_ids is None:
            return "", []
        marks = ", ".join(["%s"] * len(case_ids))
        return f" AND {self.table}.{self.q('case_id')} IN ({marks})", list(case_ids)


def condition_sql(
    rule: WarningRule, at: dt.datetime, case_ids: list[int] | None = None
) -> tuple[str, list]:
    """Return the SELECT (and its params) of the triples for which RULE holds at AT.

    The very statement every step of ``apply_rule`` wraps; bench/scan.py runs it bare (the
    floor a scan is measured against).
    """
    sql, params = pairs(rule, at, case_ids).query.sql_with_params()
    return sql, list(params)


def apply_rule(
    rule: WarningRule, at: dt.datetime, case_ids: list[int] | None
) -> tuple[int, int, int]:
    """Open, close and escalate RULE's warnings at AT; return (opened, closed, escalated)."""
    w = _Writer(at)
    q, t = w.q, w.table
    cond_sql, cond_params = condition_sql(rule, at, case_ids)
    open_ = WarningState.OPEN
    match = (
        f"c.w_case = {t}.{q('case_id')} AND c.w_code = {t}.{q('deadline_code')}"
        f" AND c.w_key = {t}.{q('subject_key')}"
    )
    # 1. Open: the triples without an open warning. ON CONFLICT: a concurrent scan got there first.
    open_token = uuid.uuid4().hex
    insert = (
        f"INSERT INTO {t} ({q('case_id')}, {q('rule')}, {q('name')}, {q('level')}, {q('basis')},"
        f" {q('deadline_code')}, {q('subject_key')}, {q('state')}, {q('opened_at')},"
        f" {q('escalated_level')}, {q('closed_reason')}, {q('run_token')})"
        f" SELECT c.w_case, %s, %s, %s, %s, c.w_code, c.w_key, %s, %s, %s, '', %s"
        " FROM {source} c"
        f" WHERE NOT EXISTS (SELECT 1 FROM {t} WHERE {t}.{q('state')} = %s"
        f" AND {t}.{q('rule')} = %s AND {match}) ON CONFLICT DO NOTHING"
    )
    insert_params = [rule.code, rule.name, rule.level, rule.basis, open_, w.at_db, Escalated.UNIT]
    insert_params += [open_token]
    # 2. Close: open warnings whose triple left the set, with the reason read from the case.
    close_token = uuid.uuid4().hex
    reason_sql, reason_params = close_reason(rule, t, at, w.ops)
    scope_sql, scope_params = w.scope(case_ids)
    update = (
        f"UPDATE {t} SET {q('state')} = %s, {q('closed_at')} = %s,"
        f" {q('closed_reason')} = {reason_sql}, {q('run_token')} = %s"
        f" WHERE {t}.{q('state')} = %s AND {t}.{q('rule')} = %s{scope_sql}"
        " AND NOT EXISTS (SELECT 1 FROM {source} c WHERE " + match + ")"
    )
    update_params = [WarningState.CLOSED, w.at_db, *reason_params, close_token, open_, rule.code]
    update_params += scope_params
    if w.connection.vendor == "postgresql":
        # One statement: the condition is evaluated once (a materialised CTE, held in memory)
        # for both steps, instead of once to open and again, as a hashed anti-join, to close.
        with w.connection.cursor() as cursor:
            cursor.execute(
                f"WITH c AS MATERIALIZED ({cond_sql}),"
                f" opened AS ({insert.replace('{source}', 'c')} RETURNING 1),"
                f" closed AS ({update.replace('{source}', 'c')} RETURNING 1)"
                " SELECT (SELECT COUNT(*) FROM opened), (SELECT COUNT(*) FROM closed)",
                [*cond_params, *insert_params, open_, rule.code, *update_params],
            )
            opened, closed = cursor.fetchone()
        if opened:
            w.history(open_token, WarningEventKind.OPENED)
    else:
        source = f"({cond_sql})"
        opened = w.execute(
            insert.replace("{source}", source), [*insert_params, *cond_params, open_, rule.code]
        )
        if opened:
            w.history(open_token, WarningEventKind.OPENED)
        closed = w.execute(update.replace("{source}", source), [*update_params, *cond_params])
    if closed:
        w.history(close_token, WarningEventKind.CLOSED, with_reason=True)
    # 3. Escalate by age: to the district centre, then to the city centre.
    escalated = 0
    if case_ids is None or opened:
        steps = [
            (rule.escalation.district_after, Escalated.DISTRICT, [Escalated.UNIT]),
            (rule.escalation.city_after, Escalated.CITY, [Escalated.UNIT, Escalated.DISTRICT]),
        ]
        for after, level, below in steps:
            if after is None:
                continue
            token = uuid.uuid4().hex
            marks = ", ".join(["%s"] * len(below))
            changed = w.execute(
                f"UPDATE {t} SET {q('escalated_level')} = %s, {q('escalated_at')} = %s,"
                f" {q('run_token')} = %s WHERE {t}.{q('state')} = %s AND {t}.{q('rule')} = %s"
                f" AND {t}.{q('escalated_level')} IN ({marks}) AND {t}.{q('opened_at')} <= %s"
                f"{scope_sql}",
                [
                    level,
                    w.at_db,
                    token,
                    open_,
                    rule.code,
                    *below,
                    w.ops.adapt_datetimefield_value(at - after.delta),
                    *scope_params,
                ],
            )
            if changed:
                w.history(token, WarningEventKind.ESCALATED)
            escalated += changed
    return opened, closed, escalated


def close_retired(codes: list[str], at: dt.datetime) -> int:
    """Close the open warnings of rules no longer in force (removed or ended files)."""
    w = _Writer(at)
    q, t = w.q, w.table
    token = uuid.uuid4().hex
    marks = ", ".join(["%s"] * len(codes)) or "''"
    closed = w.execute(
        f"UPDATE {t} SET {q('state')} = %s, {q('closed_at')} = %s, {q('closed_reason')} = %s,"
        f" {q('run_token')} = %s WHERE {q('state')} = %s AND {q('rule')} NOT IN ({marks})",
        [WarningState.CLOSED, w.at_db, CloseReason.RULE_RETIRED, token, WarningState.OPEN, *codes],
    )
    if closed:
        w.history(token, WarningEventKind.CLOSED, with_reason=True)
    return closed

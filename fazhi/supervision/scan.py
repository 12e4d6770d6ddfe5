"""The case source of the one warning engine (fazhi.core.warnings): case warnings, set-based.

For each rule, ONE query (fazhi.supervision.conditions.pairs) says for which (case, deadline
code, subject key) the condition holds now; the engine's writer wraps it in INSERT … SELECT and
UPDATE statements (open, close with the reason ``conditions.close_reason`` reads from the case,
escalate) and writes the history. ``SOURCE`` is registered by SupervisionConfig.ready.

``run(at)`` runs the case rules only (each in its own transaction); ``fazhi scan`` and the
periodic task run ``fazhi.core.warnings.sweep``, which runs every source and the sweep steps
(escalating unanswered orders). ``run(at, case_ids=[…])`` limits every statement to those cases
(``warnings.refresh``): fazhi.cases.procedure.record_event calls the engine inside its own
transaction, so a case's warnings are right as soon as an event is recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from fazhi.cases.models import Case, CaseStatus, Deadline, ProceduralEvent
from fazhi.core import warnings
from fazhi.core.clock import SHANGHAI
from fazhi.core.warnings import SourceResult
from fazhi.supervision.conditions import close_reason, orders_awaiting_reply, pairs, supported
from fazhi.supervision.models import CaseWarning, WarningEvent, WarningState
from fazhi.supervision.rules import WarningRule, registry

SCAN_ACTOR = "system:scan"


ScanResult = SourceResult


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
) -> SourceResult:
    """Bring the warnings of all cases (or of CASE_IDS) in line with the rules at AT."""
    if case_ids is None:
        return warnings.run_source(SOURCE, at, rules=rules)
    return warnings.refresh(SOURCE, case_ids, at=at, rules=rules)


def relevant_rules(
    rules: list[WarningRule],
    case_ids: list[int],
    *,
    with_open: bool = True,
    using: str = DEFAULT_DB_ALIAS,
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
        Deadline.objects.using(using)
        .filter(case_id__in=case_ids)
        .order_by()  # no model ordering: it would join DISTINCT and cost a sort
        .values_list("code", "status")
        .distinct()
    )
    kinds = set(
        ProceduralEvent.objects.using(using)
        .filter(case_id__in=case_ids)
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    )
    cases = list(
        Case.objects.using(using)
        .filter(pk__in=case_ids)
        .values_list("procedure", "status", "outside_centre", "decided_at")
    )
    running = [c for c in cases if c[1] != CaseStatus.CLOSED]
    procedures = {c[0] for c in cases}
    open_rules = (
        set(
            CaseWarning.objects.using(using)
            .filter(case_id__in=case_ids, state=WarningState.OPEN)
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
            if orders_awaiting_reply(case_ids, using):
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


def _scanned_tables() -> list[str]:
    from fazhi.cases.models import CaseHandler
    from fazhi.supervision.models import SupervisionOrder

    models = (Case, ProceduralEvent, Deadline, CaseHandler, CaseWarning, SupervisionOrder)
    return [model._meta.db_table for model in models]


SMALL_TABLE = 10_000  # rows the planner believes, below which ensure_statistics checks a table


def ensure_statistics(using: str = DEFAULT_DB_ALIAS) -> None:
    """Give the planner table statistics before a full scan.

    SQLite keeps none until ANALYZE: without them it reads the events of a kind through the
    (kind, occurred_at) index for every case instead of the (case, kind) index, and the event
    rules go from milliseconds to seconds. ``analysis_limit`` makes ANALYZE sample, so even 10M
    events take a moment.

    PostgreSQL's autovacuum keeps statistics up to date, except for a table it believes (nearly)
    empty that has just been filled — after a bulk load such as ``fazhi demo``, or inside one
    long transaction, which autovacuum does not see. The planner then expects a row or two and
    nests the event rules' NOT EXISTS into loops of sequential scans: seconds become minutes.
    ANALYZE's row count outlives a rolled-back transaction, so "analysed with 2 rows, now 300"
    happens as well as "never analysed". A table is analysed here (sampled; cheap) when it holds
    more than twice the rows the planner believes, counted with a bounded scan, and only while
    the planner believes it small (autovacuum keeps large tables right); an empty table is never
    analysed, which would only teach the planner that it is empty.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)"
                " AND relkind = 'r' AND reltuples < %s",
                [_scanned_tables(), SMALL_TABLE],
            )
            for table, believed in cursor.fetchall():
                name = connection.ops.quote_name(table)
                limit = 2 * max(int(believed), 0) + 100
                bounded = f"SELECT count(*) FROM (SELECT 1 FROM {name} LIMIT %s) s"  # noqa: S608
                cursor.execute(bounded, [limit])  # NAME: one of our own tables, quoted
                if cursor.fetchone()[0] >= limit:
                    cursor.execute(f"ANALYZE {name}")
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


def condition_sql(
    rule: WarningRule,
    at: dt.datetime,
    case_ids: list[int] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> tuple[str, list[Any]]:
    """Return the SELECT (and its params) of the triples for which RULE holds at AT.

    The very statement every step of the engine's writer wraps; bench/scan.py runs it bare (the
    floor a scan is measured against).
    """
    return warnings.compiled(pairs(rule, at, case_ids), using)


def _relevant(
    rules: list[WarningRule], case_ids: list[int], with_open: bool, using: str
) -> list[WarningRule]:
    return relevant_rules(rules, case_ids, with_open=with_open, using=using)


SOURCE = warnings.Source(
    name="case",
    warning=CaseWarning,
    history=WarningEvent,
    subject="case",
    rules=rules_in_force,
    condition=condition_sql,
    close_reason=close_reason,
    actor=SCAN_ACTOR,
    audit_action="supervision.scan",
    audit_target="supervision.rule",
    supported=supported,
    relevant=_relevant,
    prepare=ensure_statistics,
)

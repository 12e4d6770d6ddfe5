"""Benchmark: the supervision warning scan (issue 4) — full, again with nothing changed, incremental.

The instant is the data set's own (``bench_meta.generated_at``, the day it was planned against),
so the figures do not drift with the calendar. ``BENCH_SCAN_ROUNDS`` rounds (default 3) each
empty the warning tables and measure

- **floor**: each rule's condition — the very SELECT ``scan.apply_rule`` wraps
  (``scan.condition_sql``) — run bare as ``SELECT COUNT(*) FROM (…)`` over the same tables, every
  runnable rule in force, one after the other; it writes nothing. Measured before the full scan,
  between the two scans and after the second. On PostgreSQL with ``jit = off``, as the scan
  runs its statements (``scan.no_jit``);
- **full scan**: ``scan.run(at)`` (the case source of ``fazhi.core.warnings``, as the sweep runs
  it: each rule in its own transaction) over every case, from empty warning tables (opens, escalates
  and writes the history of every warning that holds);
- **second full scan**: ``scan.run(at)`` again, nothing changed: it must write nothing (checked:
  its counts, the rows of the warning, history and audit tables, and on SQLite the connection's
  ``total_changes()``).

The figures are the medians over the rounds (the machine is shared; the runs are kept in the
results file). Then, once:

- **incremental scan**: on 200 open cases (after 10 warm-up ones) a 询问 is recorded through
  ``procedure.record_event`` a minute after the instant; the time of the
  ``fazhi.core.warnings.refresh("case", [case], at=…)`` that record_event makes inside its
  transaction is measured. Its baseline:
  the same case's conditions as bare SELECTs (every rule, restricted to the case). Each event is
  rolled back, so the data set stays as generated.

``BENCH_CASES`` picks the data set, ``DATABASE_URL=postgres://…`` runs it on PostgreSQL (results
``bench/results/scan-postgresql.json``); without it the PostgreSQL run is skipped with a message.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

from bench import common

SAMPLES = 200
WARMUP = 10
ROUNDS = int(os.environ.get("BENCH_SCAN_ROUNDS", "3"))


def data_set_instant() -> dt.datetime:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'generated_at'")
        return dt.datetime.fromisoformat(cursor.fetchone()[0])


def empty_warnings() -> None:
    """Delete every warning, its history and the orders' links to warnings (raw SQL)."""
    from django.db import connection, transaction

    from fazhi.supervision.models import CaseWarning, SupervisionOrder, WarningEvent

    tables = [
        SupervisionOrder.warnings.through._meta.db_table,
        WarningEvent._meta.db_table,
        CaseWarning._meta.db_table,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def footprint() -> tuple[int, ...]:
    """Rows of the tables a scan writes, and SQLite's count of rows changed by this connection."""
    from django.db import connection

    from fazhi.audit.models import AuditEntry
    from fazhi.supervision.models import CaseWarning, WarningEvent, WarningState

    out = [
        CaseWarning.objects.count(),
        CaseWarning.objects.filter(state=WarningState.OPEN).count(),
        WarningEvent.objects.count(),
        AuditEntry.objects.count(),
    ]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT total_changes()")
            out.append(cursor.fetchone()[0])
    return tuple(out)


def floor(rules, at: dt.datetime, case_ids: list[int] | None = None) -> tuple[float, int]:
    """Run every rule's condition as a bare SELECT COUNT(*); return (seconds, rows matched)."""
    from django.db import connection

    from fazhi.supervision.scan import condition_sql

    statements = [condition_sql(rule, at, case_ids) for rule in rules]
    matched = 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) c", params)
            matched += cursor.fetchone()[0]
    return time.perf_counter() - started, matched


def main() -> None:
    if common.engine() == "sqlite":
        print(
            "PostgreSQL: skipped (no DATABASE_URL); run it with "
            "DATABASE_URL=postgres://… make bench, or … .venv/bin/python -m bench.scan"
        )
    common.setup()
    from django.db import connection, transaction

    from bench.accounts import clerk
    from fazhi.cases import procedure
    from fazhi.cases.models import Case, CaseStatus
    from fazhi.cases.procedure import NewEvent
    from fazhi.core import warnings
    from fazhi.supervision import scan
    from fazhi.supervision.conditions import supported

    at = data_set_instant()
    rules = [rule for rule in scan.rules_in_force(at) if supported(rule)[0]]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the floor as the scan runs (scan.no_jit)
            cursor.execute("SET jit = off")
    empty_warnings()
    scan.ensure_statistics()  # what the first full scan would do; not part of the timings

    floors: list[float] = []
    fulls: list[float] = []
    agains: list[float] = []
    writes: list[int] = []
    floor(rules, at)  # warm-up: the tables into the cache
    for _round in range(ROUNDS):
        empty_warnings()
        seconds, matched = floor(rules, at)
        floors.append(seconds)
        before = footprint()
        started = time.perf_counter()
        first = scan.run(at)
        fulls.append(time.perf_counter() - started)
        after_first = footprint()
        floors.append(floor(rules, at)[0])
        started = time.perf_counter()
        second = scan.run(at)
        agains.append(time.perf_counter() - started)
        after_second = footprint()
        floors.append(floor(rules, at)[0])
        writes.append(
            sum(abs(b - a) for a, b in zip(after_first, after_second, strict=True))
            + second.opened
            + second.closed
            + second.escalated
        )
        print(
            f"round {_round + 1}: {len(rules)} rules over {common.CASES:,} cases "
            f"({common.engine()}) at {at.isoformat()}: {matched:,} triples hold; full scan "
            f"{fulls[-1]:.2f} s opened {first.opened:,}, escalated {first.escalated:,} "
            f"(warnings, open, history, audit[, changes]: {before} → {after_first}); second "
            f"scan {agains[-1]:.2f} s wrote {writes[-1]} rows; floors "
            f"{[round(f, 3) for f in floors[-3:]]}",
            flush=True,
        )
    base = statistics.median(floors)
    full, again = statistics.median(fulls), statistics.median(agains)

    # Incremental: one 询问 on an open case, the scan record_event runs for it, rolled back.
    actor = clerk()
    open_ids = list(
        Case.objects.filter(status__in=[CaseStatus.ACCEPTED, CaseStatus.INVESTIGATING])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    picked = random.Random(17).sample(open_ids, min(len(open_ids), SAMPLES + WARMUP))
    timings: list[float] = []
    floor_one: list[float] = []
    real_run = warnings.refresh

    def timed_run(*args, **kwargs):
        t = time.perf_counter()
        try:
            return real_run(*args, **kwargs)
        finally:
            timings.append(time.perf_counter() - t)

    warnings.refresh = timed_run
    try:
        for index, pk in enumerate(picked):
            when = at + dt.timedelta(minutes=1)
            with transaction.atomic():
                case = Case.objects.get(pk=pk)
                procedure.record_event(
                    case,
                    NewEvent("question", when - dt.timedelta(seconds=30)),
                    actor=actor,
                    at=when,
                )
                transaction.set_rollback(True)
            floor_one.append(floor(rules, when, [pk])[0])
            if index < WARMUP:
                timings.clear()
                floor_one.clear()
    finally:
        warnings.refresh = real_run
    assert len(timings) == len(floor_one) == len(picked) - WARMUP, (len(timings), len(floor_one))
    common.write_results(
        "scan",
        [
            {
                "name": "full scan, all rules, empty warnings",
                "value": full,
                "baseline": base,
                "rules": len(rules),
                "opened": first.opened,
                "rounds": ROUNDS,
                "floor_runs": [round(f, 3) for f in floors],
                "full_runs": [round(f, 3) for f in fulls],
                "second_runs": [round(f, 3) for f in agains],
                "escalated": first.escalated,
                "goal": "< 30 s on SQLite and <= 3x the floor",
                "met": full <= 3 * base and (common.engine() != "sqlite" or full < 30),
            },
            {
                "name": "second full scan, nothing changed",
                "value": again,
                "baseline": base,
                "rows_written": sum(writes),
                "goal": "writes nothing and <= 1.5x the floor",
                "met": not any(writes) and again <= 1.5 * base,
            },
            {
                "name": "incremental scan after one event p50",
                "value": common.percentile(timings, 0.50),
                "baseline": common.percentile(floor_one, 0.50),
            },
            {
                "name": "incremental scan after one event p95",
                "value": common.percentile(timings, 0.95),
                "baseline": common.percentile(floor_one, 0.95),
                "goal": "p95 < 0.020 s",
                "met": common.percentile(timings, 0.95) < 0.020,
            },
        ],
    )


if __name__ == "__main__":
    main()

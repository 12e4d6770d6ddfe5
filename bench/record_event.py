"""Benchmark: record one event on an existing open case through ``procedure.record_event``.

Baseline (same run, same cases): a bare INSERT of one event row and a commit. The baseline rows
are deleted afterwards; the recorded events (询问, one per sampled case) stay in the data set.
"""

from __future__ import annotations

import random
import time

from bench import common

SAMPLES = 200
WARMUP = 10


def main() -> None:
    common.setup()
    import datetime as dt
    import json

    from django.db import connection, transaction
    from django.utils import timezone

    from bench.accounts import clerk
    from fazhi.cases import procedure
    from fazhi.cases.models import Case, CaseStatus
    from fazhi.cases.procedure import NewEvent

    actor = clerk()
    open_ids = list(
        Case.objects.filter(status__in=[CaseStatus.ACCEPTED, CaseStatus.INVESTIGATING])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng = random.Random(11)
    picked = rng.sample(open_ids, min(len(open_ids), SAMPLES + WARMUP))
    timings = []
    for index, pk in enumerate(picked):
        case = Case.objects.get(pk=pk)
        at = timezone.now()
        started = time.perf_counter()
        procedure.record_event(
            case, NewEvent("question", at - dt.timedelta(seconds=30)), actor=actor, at=at
        )
        if index >= WARMUP:
            timings.append(time.perf_counter() - started)
    baseline = []
    inserted = []
    when = common.engine() == "sqlite"
    for pk in picked[WARMUP:]:
        at = timezone.now()
        stamp = connection.ops.adapt_datetimefield_value(at) if when else at
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_proceduralevent (case_id, kind, occurred_at, ended_at, data, "
                "corrects_id, correction_reason, recorded_at, recorded_by_id) "
                "VALUES (%s, %s, %s, NULL, %s, NULL, '', %s, %s) RETURNING id",
                [pk, "question", stamp, json.dumps({}), stamp, actor.pk],
            )
            inserted.append(cursor.fetchone()[0])
        baseline.append(time.perf_counter() - started)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "DELETE FROM cases_proceduralevent WHERE id = %s", [[i] for i in inserted]
        )
    print(f"record_event on {len(timings)} open cases of {common.CASES:,} ({common.engine()})")
    common.write_results(
        "record_event",
        [
            {
                "name": "record_event p50",
                "value": common.percentile(timings, 0.50),
                "baseline": common.percentile(baseline, 0.50),
            },
            {
                "name": "record_event p95",
                "value": common.percentile(timings, 0.95),
                "baseline": common.percentile(baseline, 0.95),
                "goal": "p95 < 0.050 s",
                "met": common.percentile(timings, 0.95) < 0.050,
            },
        ],
    )


if __name__ == "__main__":
    main()

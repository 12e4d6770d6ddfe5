"""Benchmark: compute every deadline of every open case with the pure functions.

Value: read each open case's events (a chunk of cases per query) and recompute its deadlines
with ``derive.compute_deadlines`` (what ``fazhi calendar refresh`` does, without writing).
Baseline: one plain SQL query over the same rows — the open deadlines by ``due_at`` through the
partial index ``deadline_open_due``, every row fetched (what the supervision scan reads).
"""

from __future__ import annotations

import time

from bench import common

CHUNK = 2000


def main() -> None:
    common.setup()
    from django.db import connection

    from fazhi.cases.derive import Ev, compute_deadlines
    from fazhi.cases.models import Case, CaseStatus, ProceduralEvent
    from fazhi.cases.procedure import pack_of
    from fazhi.core.calendar import default_calendar
    from fazhi.core.clock import SHANGHAI

    calendar = default_calendar()
    started = time.perf_counter()
    ids = list(
        Case.objects.exclude(status=CaseStatus.CLOSED).order_by("pk").values_list("pk", flat=True)
    )
    computed = 0
    pure = 0.0
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        cases = list(Case.objects.filter(pk__in=part).order_by("pk"))
        events: dict[int, list[Ev]] = {pk: [] for pk in part}
        for row in ProceduralEvent.objects.filter(case_id__in=part).order_by("occurred_at", "id"):
            events[row.case_id].append(Ev.of(row))
        t = time.perf_counter()
        for case in cases:
            pack = pack_of(case)
            accepted = case.accepted_at or case.created_at
            unverified = pack.unverified_on(accepted.astimezone(SHANGHAI).date())
            computed += len(
                compute_deadlines(pack, events[case.pk], calendar, unverified=unverified)
            )
        pure += time.perf_counter() - t
    value = time.perf_counter() - started
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, case_id, code, due_at FROM cases_deadline WHERE status = 'open' "
            "ORDER BY due_at"
        )
        rows = cursor.fetchall()
    baseline = time.perf_counter() - t
    print(
        f"{len(ids):,} open cases of {common.CASES:,}: {computed:,} deadlines recomputed "
        f"({pure:.1f} s of it in compute_deadlines); {len(rows):,} open deadline rows by SQL"
    )
    common.write_results(
        "deadlines",
        [
            {
                "name": "all deadlines of all open cases",
                "value": value,
                "baseline": baseline,
                "open_cases": len(ids),
                "deadlines": computed,
                "compute_seconds": round(pure, 3),
            }
        ],
    )


if __name__ == "__main__":
    main()

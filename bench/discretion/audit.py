"""Benchmark ``fazhi discretion audit`` over N decided cases read from the database (issue 5).

    .venv/bin/python -m bench.discretion.audit          # BENCH_CASES (default 1,000,000)

The decided cases live in their own SQLite file, bench/data/discretion-audit-<N>.sqlite3
(the cases bench's data set has no discretion facts): one ``DecisionReview`` row per case,
its facts those of bench/discretion/population.py and a fine drawn around the recommended
range (5 % outside, with a reason). Rows are bulk-inserted once (foreign keys off: the cases
and events the rows name are not needed by the audit); later runs reuse the file.
The goal: the whole audit (one query into columns, the column-wise evaluation, the grouping)
under 10 s. The baseline is that goal. Writes bench/results/discretion-audit.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
N = int(os.environ.get("BENCH_CASES", "1000000"))
DB = ROOT / "bench" / "data" / f"discretion-audit-{N}.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhi.settings")
os.environ.setdefault("FAZHI_VAR_DIR", str(ROOT / "bench" / "data" / "var"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.common import write_results  # noqa: E402
from bench.discretion.population import generate  # noqa: E402
from fazhi.discretion.audit import run_audit  # noqa: E402
from fazhi.discretion.batch import Categorical, evaluate  # noqa: E402
from fazhi.discretion.models import DecisionReview  # noqa: E402
from fazhi.discretion.packs import load_library  # noqa: E402
from fazhi.org.models import Unit  # noqa: E402

GOAL_SECONDS = 10.0
CHUNK = 50_000


def build() -> None:
    DB.parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    if DecisionReview.objects.count() == N:
        return
    from django.contrib.auth import get_user_model

    DecisionReview.objects.all().delete()
    city = Unit.objects.filter(code="900000").first() or Unit.objects.add_root(
        {"code": "900000", "name": "基准测试市局", "kind": "city_bureau"}
    )
    stations = []
    for i in range(12):
        code = f"900000-{i:02d}"
        stations.append(
            Unit.objects.filter(code=code).first()
            or Unit.objects.add_child(
                city, {"code": code, "name": f"第{i + 1}派出所", "kind": "station"}
            )
        )
    user = get_user_model().objects.filter(
        username="bench"
    ).first() or get_user_model().objects.create(username="bench")
    population = generate(N)
    library = load_library()
    result = evaluate(population["offence"], population["facts"], population["act_date"],
                      population["decision_date"], library=library)  # fmt: skip
    rng = np.random.Generator(np.random.PCG64(11))
    penalised = result.outcome == 1
    fine_low = np.maximum(result.fine_min, 0)
    fine_high = np.maximum(result.fine_max, fine_low)
    fine = np.where(result.fine_mode >= 0, rng.integers(fine_low, fine_high + 1), 0)
    outside = rng.random(N) < 0.05
    fine = np.where(outside & penalised, fine_high + 100, fine)
    days = np.where(result.detention_mode == 0, np.maximum(result.detention_min, 0), 0)
    facts = population["facts"]
    names = list(facts)
    unit_ids = np.array([u.pk for u in stations])[rng.integers(0, len(stations), N)]
    offence = population["offence"]
    sql = (
        "INSERT INTO discretion_decisionreview (id, case_id, event_id, unit_id, offence_code, "
        "act_on, decided_on, facts, recommendation, version_applied, recommended_outcome, tier, "
        "unverified, decided_outcome, decided_warning, decided_fine, decided_detention_days, "
        "within_range, deviation_reason, is_current, created_at, created_by_id) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, '{}', '2012-10-26', ?, '', 0, ?, 0, ?, ?, ?, ?, 1, "
        "'2025-12-31 00:00:00', ?)"
    )
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute("PRAGMA journal_mode = WAL")
        for start in range(0, N, CHUNK):
            rows = []
            for i in range(start, min(N, start + CHUNK)):
                given = {}
                for name in names:
                    column = facts[name]
                    if isinstance(column, Categorical):
                        if column.codes[i] >= 0:
                            given[name] = column.categories[column.codes[i]]
                        continue
                    value = column[i]
                    if isinstance(value, np.datetime64):
                        if not np.isnat(value):
                            given[name] = str(value)
                    elif isinstance(value, np.floating):
                        if not np.isnan(value):
                            given[name] = round(float(value), 2)
                    elif value >= 0:
                        given[name] = bool(value)
                pen = bool(penalised[i])
                rows.append((
                    i + 1, i + 1, i + 1, int(unit_ids[i]),
                    offence.categories[offence.codes[i]],
                    str(population["act_date"][i]), str(population["decision_date"][i]),
                    json.dumps(given, ensure_ascii=False),
                    "penalty" if pen else "no_penalty",
                    "penalty" if pen else "no_penalty",
                    float(fine[i]) if pen and fine[i] else None,
                    int(days[i]) if pen and days[i] else None,
                    0 if outside[i] and pen else 1,
                    "基准测试：偏离" if outside[i] and pen else "",
                    user.pk,
                ))  # fmt: skip
            cursor.executemany(sql, rows)
            connection.commit() if not connection.get_autocommit() else None
            print(f"  {min(N, start + CHUNK):,} reviews", end="\r", flush=True)
        cursor.execute("PRAGMA foreign_keys = ON")
    print()


def main() -> None:
    started = time.perf_counter()
    build()
    print(f"data set: {N:,} decided cases in {DB.name} ({time.perf_counter() - started:.1f} s)")
    run_audit()  # warm the packs and the compiled conditions
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        report = run_audit()
        timings.append(time.perf_counter() - started)
    seconds = sorted(timings)[1]
    print(
        f"audit: {report.total:,} decided, {report.outside:,} outside the range, "
        f"{len(report.rows)} unit×offence rows in {seconds:.2f} s (median of 3)"
    )
    write_results(
        "discretion-audit",
        [{"name": "discretion.audit_1m_from_db", "value": seconds, "baseline": GOAL_SECONDS,
          "goal": "value < 10 s (ratio < 1)", "outside_range": report.outside}],
    )  # fmt: skip


if __name__ == "__main__":
    main()

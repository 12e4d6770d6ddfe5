"""Litigation benchmark (issue 13): the warning sweep of the litigation source and the three
litigation metrics against their bare-SQL floor, on N matters (BENCH_MATTERS, default 20,000).

    BENCH_MATTERS=20000 .venv/bin/python -m bench.litigation

Its own SQLite file, ``bench/data/litigation-<N>.sqlite3``, built when missing: the schema from
the models, a city with 6 district bureaus (the answering units), N matters received over the
year before the generation day (two thirds reconsiderations, one third first-instance lawsuits),
their periods counted by the production code (``fazhi.litigation.deadlines.compute``, memoised
by its inputs), a hearing per lawsuit (the head appearing at the held ones), most answered in
time, the older ones concluded with the demo's shares of outcomes.

Measured in the same run (3 warm-up, 7 timed, median):

- sweep: ``warnings.run_source`` of the litigation source at noon of the generation day with the
  warnings already in line (steady state); floor: each rule's condition as a bare SELECT COUNT.
- metrics: ``court_appearance_rate``, ``litigation_loss_rate`` and ``correction_rate`` for the
  city and the year through the registry (value and the records' count); floor: per metric one
  aggregate (COUNT and SUM) and one count of its records, as bare SQL.

Results: bench/results/litigation.json (name, value, baseline, ratio, cases = N).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
MATTERS = int(os.environ.get("BENCH_MATTERS", "20000"))
CHUNK = 5_000
SEED = 20
WARMUP, RUNS = 3, 7


def setup() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DATA / f'litigation-{MATTERS}.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("FAZHI_VAR_DIR", str(DATA / "var"))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build(today: dt.date) -> None:
    """Create the schema and the data set (once per file)."""
    from django.apps import apps
    from django.db import connection, transaction

    from fazhi.core.clock import SHANGHAI
    from fazhi.litigation.deadlines import Dates, compute, pack_for
    from fazhi.litigation.demo import LAWSUIT_OUTCOMES, RECONSIDERATION_OUTCOMES, _pick
    from fazhi.litigation.models import Hearing, Matter, MatterDeadline
    from fazhi.org.models import Unit, UnitKind

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'litigation_matter'")
        exists = cursor.fetchone() is not None
    if exists and Matter.objects.count() == MATTERS:
        return
    if not exists:
        with connection.schema_editor() as editor:
            for model in apps.get_models():
                if model._meta.managed and not model._meta.proxy:
                    editor.create_model(model)
    city = Unit.add_root(code="500000", name="示例市公安局", kind=UnitKind.CITY_BUREAU)
    bureaus = [
        city.add_child(code=f"5001{d:02d}", name=f"第{d + 1}区分局", kind=UnitKind.DISTRICT_BUREAU)
        for d in range(6)
    ]
    rng = random.Random(SEED)
    now = dt.datetime.now(dt.UTC)

    @functools.cache
    def periods(dates: Dates) -> tuple:
        pack = pack_for(dates)
        return tuple(compute(dates, pack)) if pack else ()

    matters, deadlines, hearings = [], [], []
    for n in range(MATTERS):
        lawsuit = rng.random() < 1 / 3
        kind = "first_instance" if lawsuit else "reconsideration"
        received = today - dt.timedelta(days=rng.randrange(0, 365))
        accepted = received - dt.timedelta(days=rng.randint(1, 5))
        late = rng.random() < 0.04
        replied = received + dt.timedelta(days=rng.randint(16, 20) if late else rng.randint(3, 10))
        replied = replied if replied < today else None
        decided = received + dt.timedelta(
            days=rng.randint(90, 150) if lawsuit else rng.randint(35, 70)
        )
        outcome = ""
        if decided < today and replied is not None:
            outcome = _pick(rng, LAWSUIT_OUTCOMES if lawsuit else RECONSIDERATION_OUTCOMES)
        form = ("judgment" if lawsuit else "decision") if outcome else ""
        served = (
            decided + dt.timedelta(days=2)
            if outcome and decided + dt.timedelta(days=2) < today
            else None
        )
        dates = Dates(
            kind=kind, received_on=received, accepted_on=accepted, served_on=served,
            ruling_form=form, replied_on=replied, outcome=outcome,
            outcome_on=decided if outcome else None,
        )  # fmt: skip
        computed = periods(dates)
        running = [c for c in computed if c.ours and c.status == "open"]
        nearest = min(running, key=lambda c: c.due_at, default=None)
        matters.append(
            Matter(
                id=n + 1, number=f"LIT{n:08d}", kind=kind, body="示例市人民政府",
                unit=bureaus[n % len(bureaus)], claimant_kind="person", claimant_name=f"申请人{n}",
                claimant_id_type="citizen_id", claimant_id_number="110101199003070011", act="罚款",
                received_on=received, accepted_on=accepted, replied_on=replied,
                evidence_submitted=replied is not None, outcome=outcome, ruling_form=form,
                outcome_on=decided if outcome else None, served_on=served,
                next_due_at=nearest.due_at if nearest else None,
                next_deadline_name=nearest.name if nearest else "", created_at=now,
            )
        )  # fmt: skip
        for c in computed:
            deadlines.append(
                MatterDeadline(
                    matter_id=n + 1, code=c.code, name=c.name, is_ours=c.ours, start_on=c.start_on,
                    due_at=c.due_at, status=c.status, met_on=c.met_on, basis=c.basis,
                    consequence=c.consequence, facts={}, computed_at=now,
                )
            )  # fmt: skip
        if lawsuit:
            scheduled = dt.datetime.combine(
                received + dt.timedelta(days=45), dt.time(9, 30), SHANGHAI
            )
            held = scheduled.date() < today
            hearings.append(
                Hearing(
                    matter_id=n + 1, scheduled_at=scheduled, place="第一法庭",
                    status="held" if held else "planned",
                    appearance="entrusted" if held and rng.random() < 0.05 else ("head" if held else ""),
                    head_id=None, recorded_at=now,
                )
            )  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")  # the bench writes no heads or officers
        cursor.execute("PRAGMA ignore_check_constraints = ON")  # entrusted rows without officers
        Matter.objects.bulk_create(matters, batch_size=CHUNK)
        MatterDeadline.objects.bulk_create(deadlines, batch_size=CHUNK)
        Hearing.objects.bulk_create(hearings, batch_size=CHUNK)
        cursor.execute("ANALYZE")
    print(
        f"built {len(matters)} matters, {len(deadlines)} deadlines, {len(hearings)} hearings",
        file=sys.stderr,
    )


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    for _ in range(WARMUP):
        fn()
    values = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        values.append(time.perf_counter() - started)
    return statistics.median(values)


def main() -> int:
    setup()
    from django.db import connection
    from django.utils import timezone

    from bench import common
    from fazhi.core import warnings
    from fazhi.core.clock import SHANGHAI
    from fazhi.core.metrics import Period
    from fazhi.core.metrics import get as metric
    from fazhi.litigation.alerts import SOURCE, condition_sql, rules_in_force
    from fazhi.litigation.models import LOSSES
    from fazhi.org.models import Unit

    common.CASES = MATTERS
    today = timezone.now().astimezone(SHANGHAI).date()
    build(today)
    at = dt.datetime.combine(today, dt.time(12), SHANGHAI)
    rules = rules_in_force(at)
    warnings.run_source(SOURCE, at)  # the steady state is measured
    open_count = SOURCE.warning.objects.filter(state="open").count()

    def sweep() -> None:
        warnings.run_source(SOURCE, at)

    def floor_sweep() -> None:
        with connection.cursor() as cursor:
            for rule in rules:
                sql, params = condition_sql(rule, at, None, "default")
                cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS c", params)
                cursor.fetchone()

    city = Unit.objects.get(code="500000")
    period = Period(today - dt.timedelta(days=364), today)

    def metrics() -> None:
        for code in ("court_appearance_rate", "litigation_loss_rate", "correction_rate"):
            value = metric(code)(period, city)
            value.records.count()

    low, high = period.low.astimezone(dt.UTC), period.high.astimezone(dt.UTC)
    losses = ",".join(f"'{o}'" for o in sorted(LOSSES))

    def floor_metrics() -> None:
        with connection.cursor() as cursor:
            for _ in range(2):  # the value, the records
                cursor.execute(
                    "SELECT COUNT(*), SUM(h.appearance = 'head') FROM litigation_hearing h"
                    " JOIN litigation_matter m ON m.id = h.matter_id WHERE h.status = 'held'"
                    " AND m.kind IN ('first_instance', 'appeal', 'retrial')"
                    " AND h.scheduled_at >= %s AND h.scheduled_at < %s",
                    [low, high],
                )
                cursor.fetchone()
            for kinds in ("('first_instance', 'appeal', 'retrial')", "('reconsideration')"):
                for _ in range(2):
                    cursor.execute(
                        f"SELECT COUNT(*), SUM(outcome IN ({losses})) FROM litigation_matter"
                        f" WHERE kind IN {kinds} AND outcome <> '' AND outcome_on BETWEEN %s AND %s",
                        [period.start, period.end],
                    )
                    cursor.fetchone()

    rows = [
        {"name": "litigation sweep (steady state)", "value": timed(sweep), "baseline": timed(floor_sweep),
         "open_warnings": open_count, "rules": len(rules)},
        {"name": "litigation metrics (3, city, year)", "value": timed(metrics), "baseline": timed(floor_metrics)},
    ]  # fmt: skip
    common.write_results("litigation", rows)
    for row in rows:
        print(f"{row['name']}: {row['value'] * 1000:.1f} ms vs floor {row['baseline'] * 1000:.1f} ms"
              f" = {row['value'] / row['baseline']:.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

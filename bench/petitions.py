"""Petitions benchmark (issue 13): the warning sweep of the petition source and the petitions
metrics against their bare-SQL floor, on N petitions (BENCH_PETITIONS, default 200,000).

    BENCH_PETITIONS=200000 .venv/bin/python -m bench.petitions

Its own SQLite file, ``bench/data/petitions-<N>.sqlite3``, built when missing: the schema from
the models, a city with 6 districts and 36 stations, and N petitions received over the year
before the generation day, each with one or two claims routed by the 诉访分离 pack (the answers
drawn from the demo's shares) and the deadlines the production derivation gives them
(``fazhi.petitions.packs.derive``, memoised by its inputs), written with ``executemany``.
About a third are accepted and open, most of the rest answered (some late), some just received.

Measured in the same run (3 warm-up, 7 timed, median):

- sweep: ``warnings.run_source`` of the petition source at noon of the generation day, with the
  warnings already in line (the periodic sweep's steady state: every rule's open, close and
  escalate statements run and change nothing); floor: each rule's condition as a bare SQL
  SELECT of the matching (petition, deadline) pairs, summed.
- metrics: ``petition_ontime_rate``, ``petition_routed_rate`` and ``petitions_accepted`` for the
  city and the year through the registry (value and the records' count); floor: the same counts
  as bare SQL.

Results: bench/results/petitions.json (name, value, baseline, ratio, cases = N).
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
PETITIONS = int(os.environ.get("BENCH_PETITIONS", "200000"))
CHUNK = 20_000
SEED = 13
WARMUP, RUNS = 3, 7


def setup() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DATA / f'petitions-{PETITIONS}.sqlite3'}"
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
    from fazhi.org.models import Unit, UnitKind
    from fazhi.petitions.demo import CHANNELS, CLAIMS
    from fazhi.petitions.models import Petition
    from fazhi.petitions.packs import deadline_rules, derive, route

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'petitions_petition'")
        exists = cursor.fetchone() is not None
    if exists and Petition.objects.count() == PETITIONS:
        return
    if not exists:
        with connection.schema_editor() as editor:
            for model in apps.get_models():
                if model._meta.managed and not model._meta.proxy:
                    editor.create_model(model)
    Unit.objects.all().delete() if not Petition.objects.exists() else None
    city = Unit.add_root(code="500000", name="示例市公安局", kind=UnitKind.CITY_BUREAU)
    stations = []
    for d in range(6):
        district = city.add_child(
            code=f"5001{d:02d}", name=f"第{d + 1}区分局", kind=UnitKind.DISTRICT_BUREAU
        )
        for s in range(6):
            stations.append(
                district.add_child(
                    code=f"5001{d:02d}-{s:02d}", name=f"第{d + 1}区{s + 1}所", kind=UnitKind.STATION
                )
            )
    rng = random.Random(SEED)
    rules = deadline_rules(today)
    channel_names = [c for c, _w in CHANNELS]
    channel_weights = [w for _c, w in CHANNELS]
    claim_weights = [w for w, _t, _a in CLAIMS]

    @functools.cache
    def deadlines_of(
        channel: str, events: tuple[tuple[str, dt.date | None], ...], ext: int
    ) -> tuple:
        return tuple(derive(rules, channel, dict(events), extension_days=ext))

    @functools.cache
    def routed(index: int, received: dt.date, day: dt.date) -> tuple:
        _w, _t, answers = CLAIMS[index]
        r = route(answers(received, random.Random(index * 1000 + received.toordinal())), day)
        return (
            r.route.code,
            r.route.name,
            r.route.track,
            r.route.handled_as_petition,
            str(r.route.basis),
        )

    petitions, claims, deadlines = [], [], []
    next_id = 1
    now = dt.datetime.now(dt.UTC)
    for n in range(PETITIONS):
        received = today - dt.timedelta(days=rng.randrange(0, 365))
        channel = rng.choices(channel_names, channel_weights)[0]
        picked = rng.choices(range(len(CLAIMS)), claim_weights, k=1 + (rng.random() < 0.2))
        told = received + dt.timedelta(days=rng.choice([1, 3, 5, 10, 14, 18]))
        events: dict[str, dt.date | None] = {"received": received}
        status, accepted, replied, ext = "received", None, None, 0
        results = []
        if told <= today:
            results = [routed(i, received, told) for i in picked]
            events["notice_sent"] = told
            if any(r[3] for r in results):
                status, accepted = "accepted", told
                events["accepted"] = told
                ext = 30 if rng.random() < 0.1 else 0
                answer = told + dt.timedelta(days=rng.randint(15, 70 + ext))
                if answer <= today and rng.random() < 0.95:
                    status, replied = "replied", answer
                    events["replied"] = answer
            else:
                status, events["routed"] = "routed", told
        pk = next_id
        next_id += 1
        petitions.append((
            pk, f"XF{received.year}B{n:08d}", stations[n % len(stations)].pk, channel,
            dt.datetime.combine(received, dt.time(9), SHANGHAI).astimezone(dt.UTC), received,
            "示例市信访局" if channel in ("transferred", "assigned") else "", f"信访人{n}", "",
            "", "", 1, "事项", status, told if told <= today else None, accepted, ext, "explained" if replied else "",
            "经调查核实，已作解释说明。" if replied else "", replied,
        ))  # fmt: skip
        for i, result in zip(picked, results or [None] * len(picked), strict=True):
            claims.append(
                (
                    pk,
                    CLAIMS[i][1],
                    "{}",
                    *(result or ("", "", "", False, "")),
                    told if result else None,
                )
            )
        key = tuple(sorted(events.items()))
        for c in deadlines_of(channel, key, ext):
            deadlines.append(
                (
                    pk,
                    c.code,
                    c.name,
                    c.start_on,
                    c.due_on,
                    c.due_at.astimezone(dt.UTC),
                    c.status,
                    c.met_on,
                    c.basis,
                    "{}",
                )
            )
    with transaction.atomic(), connection.cursor() as cursor:
        sql_p = (
            "INSERT INTO petitions_petition (id, number, unit_id, channel, received_at, received_on, sender,"
            " petitioner_name, petitioner_id_number, petitioner_phone, petitioner_address, petitioner_count,"
            " matter, status, notice_sent_on, accepted_on, extension_days, outcome, reply, replied_on,"
            " sender_reference, objection_reason) VALUES (" + ",".join(["%s"] * 20) + ",'','')"
        )
        sql_c = (
            "INSERT INTO petitions_claim (petition_id, text, answers, route, route_name, track, is_petition,"
            " basis, classified_on, reason, tell, windows, unverified, pack_version)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,'','','{}','','bench')"
        )
        sql_d = (
            "INSERT INTO petitions_deadline (petition_id, code, name, start_on, due_on, due_at, status, met_on,"
            " basis, facts) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
        )
        for sql, rows in ((sql_p, petitions), (sql_c, claims), (sql_d, deadlines)):
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(sql, rows[start : start + CHUNK])
        cursor.execute("ANALYZE")
    del now
    print(
        f"built {len(petitions)} petitions, {len(claims)} claims, {len(deadlines)} deadlines",
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
    from fazhi.org.models import Unit
    from fazhi.petitions.alerts import SOURCE, condition_sql, rules_in_force

    common.CASES = PETITIONS
    today = timezone.now().astimezone(SHANGHAI).date()
    build(today)
    at = dt.datetime.combine(today, dt.time(12), SHANGHAI)
    rules = rules_in_force(at)
    warnings.run_source(SOURCE, at)  # bring the warnings in line: the steady state is measured
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
        for code in ("petition_ontime_rate", "petition_routed_rate", "petitions_accepted"):
            value = metric(code)(period, city)
            value.records.count()

    low, high = period.start.isoformat(), period.end.isoformat()

    def floor_metrics() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), SUM(met_on IS NOT NULL AND met_on <= due_on) FROM petitions_deadline"
                " WHERE code = 'handling' AND status != 'stopped'"
                " AND ((due_on BETWEEN %s AND %s) OR (met_on BETWEEN %s AND %s))",
                [low, high, low, high],
            )
            cursor.fetchone()
            cursor.execute(
                "SELECT COUNT(DISTINCT petition_id) FROM petitions_deadline WHERE code = 'handling'"
                " AND status != 'stopped' AND ((due_on BETWEEN %s AND %s) OR (met_on BETWEEN %s AND %s))",
                [low, high, low, high],
            )
            cursor.fetchone()
            for _ in range(2):  # the value and the records behind it
                cursor.execute(
                    "SELECT COUNT(*), SUM(track != 'petition') FROM petitions_claim"
                    " WHERE route != '' AND classified_on BETWEEN %s AND %s",
                    [low, high],
                )
                cursor.fetchone()
            for _ in range(3):  # accepted (value, records) and received
                cursor.execute(
                    "SELECT COUNT(*) FROM petitions_petition WHERE accepted_on BETWEEN %s AND %s",
                    [low, high],
                )
                cursor.fetchone()

    rows = [
        {"name": "petition sweep (steady state)", "value": timed(sweep), "baseline": timed(floor_sweep),
         "open_warnings": open_count, "rules": len(rules)},
        {"name": "petition metrics (3, city, year)", "value": timed(metrics), "baseline": timed(floor_metrics)},
    ]  # fmt: skip
    common.write_results("petitions", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""警快办 benchmarks (issue 6): submission p95 < 100 ms; the metrics page < 1 s on 1,000,000.

    BENCH_APPLICATIONS=1000000 .venv/bin/python -m bench.services

Runs on the data set of bench/services_generate.py (built first if missing). Writes
bench/results/services.json (name, value, baseline, ratio, cases; seconds):

- submission: 200 walk-in applications (after 10 warm-up ones) through ``applications.submit``
  by the demo window clerk (validation, receipt, the row, its event, the audit entry, commit);
  baseline: a bare INSERT of the same application row and a commit, in the same run (those rows
  are deleted afterwards; the submitted ones stay).
- metrics page: GET /reports/services/ for the whole city and the whole year of data, as the
  demo ``city`` supervisor through Django's test client (view, every service metric, template),
  3 warm-up then 20 timed; baseline: the same three aggregate queries as bare SQL.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time

from bench import services_generate as gen

WARMUP, SUBMITS, PAGES = 10, 200, 20


def main() -> int:
    gen.main()
    from bench import common

    common.CASES = gen.APPLICATIONS  # the results' "cases" column: applications here
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from fazhi.org.models import Unit, User
    from fazhi.services import applications as ops
    from fazhi.services.demo import sample_form
    from fazhi.services.models import Application, ServiceItem
    from fazhi.services.tests.factories import id_number

    clerk = User.objects.get(username="window")
    unit = clerk.scope_unit
    item = (
        ServiceItem.objects.filter(is_active=True, needs_roster=False, form=[])
        .order_by("code")
        .first()
        or ServiceItem.objects.filter(is_active=True, needs_roster=False).order_by("code").first()
    )
    data = sample_form(item, random.Random(1))
    applicant = ops.Applicant(name="基准申请人", id_number=id_number(), phone="13912345678")

    def submit() -> float:
        started = time.perf_counter()
        ops.submit(item, applicant=applicant, unit=unit, channel="window", data=data, by=clerk)
        return time.perf_counter() - started

    for _ in range(WARMUP):
        submit()
    submit_times = [submit() for _ in range(SUBMITS)]

    template = Application.objects.filter(created_by=clerk).order_by("-pk").first()
    columns = [f.column for f in Application._meta.concrete_fields if f.column != "id"]
    placeholders = ", ".join(["%s"] * len(columns))
    insert = f"INSERT INTO services_application ({', '.join(columns)}) VALUES ({placeholders})"
    base_times = []
    receipts = []
    for n in range(SUBMITS):
        receipt = f"BENCH{n:06d}{os.getpid() % 100000:05d}"
        receipts.append(receipt)
        values = []
        for f in Application._meta.concrete_fields:
            if f.column == "id":
                continue
            value = receipt if f.column == "receipt" else getattr(template, f.attname)
            if f.column == "idempotency_key":
                value = None
            values.append(f.get_db_prep_save(value, connection))
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(insert, values)
        base_times.append(time.perf_counter() - started)  # autocommit: the INSERT and commit
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM services_application WHERE receipt LIKE 'BENCH%%'")

    # The metrics page: the whole city, the whole year of data.
    on = timezone.localdate()
    start, end = on - dt.timedelta(days=366), on
    city = Unit.objects.get_root_nodes().first()
    client = Client()
    client.force_login(User.objects.get(username="city"))
    url = f"/reports/services/?unit={city.code}&from={start}&to={end}"

    def page() -> float:
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return time.perf_counter() - started

    sql = bare_sql(start, end, on)

    def bare() -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for statement, params in sql:
                cursor.execute(statement, params)
                cursor.fetchall()
        return time.perf_counter() - started

    for _ in range(3):
        page()
        bare()
    page_times, bare_times = [], []
    for _ in range(PAGES):  # alternate, so that both see the same machine
        page_times.append(page())
        bare_times.append(bare())

    p = common.percentile
    rows = [
        {"name": "submit p50", "value": p(submit_times, 0.5), "baseline": p(base_times, 0.5)},
        {
            "name": "submit p95",
            "value": p(submit_times, 0.95),
            "baseline": p(base_times, 0.95),
            "goal": "p95 < 0.1 s",
        },
        {"name": "metrics page p50", "value": p(page_times, 0.5), "baseline": p(bare_times, 0.5)},
        {
            "name": "metrics page p95",
            "value": p(page_times, 0.95),
            "baseline": p(bare_times, 0.95),
            "goal": "< 1 s",
        },
    ]
    common.write_results("services", rows)
    return 0


def bare_sql(start: dt.date, end: dt.date, on: dt.date) -> list[tuple[str, list]]:
    """The page's three aggregates as bare SQL (the whole city: no unit filter)."""
    from django.db import connection

    from fazhi.core.metrics import Period

    period = Period(start, end)
    low = connection.ops.adapt_datetimefield_value(period.low)
    high = connection.ops.adapt_datetimefield_value(period.high)
    as_of = connection.ops.adapt_datefield_value(min(end, on))
    true = "1" if connection.vendor == "sqlite" else "true"
    roster = f"SELECT id FROM services_serviceitem WHERE needs_roster = {true}"
    return [
        (
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE fully_online),"
            " COUNT(*) FILTER (WHERE on_the_spot), SUM(handling_seconds), SUM(handling_days),"
            " COUNT(*) FILTER (WHERE completed_late),"
            f" COUNT(*) FILTER (WHERE item_id IN ({roster}))"
            " FROM services_application"
            " WHERE status = 'completed' AND completed_at >= %s AND completed_at < %s",
            [low, high],
        ),
        (
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE channel = 'online'),"
            " COUNT(*) FILTER (WHERE channel = 'window'),"
            " COUNT(*) FILTER (WHERE channel = 'self_service')"
            " FROM services_application WHERE submitted_at >= %s AND submitted_at < %s",
            [low, high],
        ),
        (
            "SELECT COUNT(*) FROM services_application"
            " WHERE status IN ('accepted', 'approved') AND due_on < %s",
            [as_of],
        ),
    ]


if __name__ == "__main__":
    raise SystemExit(main())

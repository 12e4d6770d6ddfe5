"""Build the 警快办 benchmark data set: N applications (BENCH_APPLICATIONS, default 1,000,000).

    BENCH_APPLICATIONS=100000 .venv/bin/python -m bench.services_generate

Its own SQLite file, ``bench/data/services-<N>.sqlite3`` (or the PostgreSQL database of
``DATABASE_URL``). The org tree and accounts are the demo's (``fazhi.core.demo.load`` without laws,
cases or applications); the catalogue is the demo catalogue when the app ships one, else the
synthetic one of bench/services_catalogue.py; each application is planned by the demo's planner
(``fazhi.services.demo.plan_one``: the same shares, clock and flags) over the year before the
generation day and written with ``executemany`` in chunks of 20,000. The steps (events),
rosters and bundles are not written: the benchmarks read and write applications only. The data
set is kept when the database already holds one of the same N and generator version.

Progress goes to stderr (fazhi.core.progress: a bar on a terminal, a line per stage in a log,
nothing with ``--quiet``); the figures to stdout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", "1000000"))
GENERATOR_VERSION = "1"
CHUNK = 20_000
SEED = 6
COLUMNS = (
    "receipt", "item_id", "unit_id", "channel", "mode", "citizen_id", "applicant_name",
    "applicant_id_type", "applicant_id_number", "applicant_phone", "form_data", "status",
    "submitted_at", "accepted_at", "decided_at", "completed_at", "due_on", "days_used",
    "clock_stopped_at", "visits", "fully_online", "on_the_spot", "handling_seconds",
    "handling_days", "completed_late", "created_by_id",
)  # fmt: skip


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    return f"sqlite:///{DATA / f'services-{APPLICATIONS}.sqlite3'}"


def setup() -> None:
    """Point Django at the services benchmark database and set it up."""
    DATA.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("FAZHI_VAR_DIR", str(DATA / "var"))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def engine() -> str:
    return "postgresql" if database_url().startswith("postgres") else "sqlite"


def _meta() -> dict[str, str]:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM bench_meta WHERE key = 'services'")
            row = cursor.fetchone()
    except Exception:  # no such table: no data set
        return {}
    return json.loads(row[0]) if row else {}


def _write_meta(meta: dict[str, str]) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta (key varchar(40) PRIMARY KEY, value text)"
        )
        cursor.execute("DELETE FROM bench_meta WHERE key = 'services'")
        cursor.execute(
            "INSERT INTO bench_meta (key, value) VALUES (%s, %s)", ["services", json.dumps(meta)]
        )


def wanted() -> dict[str, str]:
    return {"applications": str(APPLICATIONS), "generator": GENERATOR_VERSION}


def main() -> int:
    setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", "--no-input", verbosity=0, stdout=io.StringIO())
    if _meta() == wanted():
        print(f"services data set of {APPLICATIONS} applications present: kept")
        return 0
    from fazhi.core import progress

    with progress.reporting(progress.for_command(quiet="--quiet" in sys.argv[1:])):
        generate()
    _write_meta(wanted())
    print(
        f"services data set of {APPLICATIONS} applications built in {time.monotonic() - started:.0f} s"
    )
    return 0


def generate() -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.services_catalogue import ensure_catalogue
    from fazhi.core import demo, progress
    from fazhi.org.models import Unit, UnitKind, User
    from fazhi.services import demo as services_demo
    from fazhi.services.models import Application, Citizen

    on = timezone.localdate()
    if Application.objects.exists():
        with connection.cursor() as cursor:  # a data set of another N: start again
            cursor.execute("DELETE FROM services_application")
    progress.plan(3)
    progress.stage("org tree, officers, accounts and catalogue (the demo's)")
    with progress.reporting(progress.Silent()):  # the demo's own steps: one stage here
        demo.load(dataclasses.replace(demo.FULL, applications=0), on=on, laws=False, cases=False)
    ensure_catalogue()
    rng = random.Random(SEED)
    now = dt.datetime.combine(on, dt.time(0, 0), tzinfo=services_demo.SHANGHAI)
    clock = services_demo.Clock()
    from fazhi.services.models import ServiceItem

    items = list(ServiceItem.objects.filter(is_active=True).order_by("code"))
    pools = services_demo.Pools.of(items, rng)
    forms = {
        item.pk: json.dumps(services_demo.sample_form(item, rng), ensure_ascii=False)
        for item in items
    }
    units = {
        "station": list(Unit.objects.filter(kind=UnitKind.STATION).order_by("code")),
        "district": list(Unit.objects.filter(kind=UnitKind.DISTRICT_BUREAU).order_by("code")),
        "city": list(Unit.objects.filter(kind=UnitKind.CITY_BUREAU).order_by("code")),
    }
    clerk = User.objects.get(username=services_demo.CLERK)
    citizens = list(Citizen.objects.order_by("pk")[:20_000])
    if not citizens:
        with transaction.atomic():
            citizens = services_demo._citizens(rng, 20_000)
    first = on - dt.timedelta(days=services_demo.HISTORY_DAYS)
    days = [first + dt.timedelta(days=n) for n in range(services_demo.HISTORY_DAYS)]
    workdays = [d for d in days if clock.workday(d)]
    receipts: set[str] = set()
    indexes = _drop_indexes(connection)
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO services_application ({', '.join(COLUMNS)}) VALUES ({placeholders})"
    written = 0
    progress.stage(f"{APPLICATIONS:,} applications")
    progress.count("applications", APPLICATIONS)
    while written < APPLICATIONS:
        rows = []
        while len(rows) < min(CHUNK, APPLICATIONS - written):
            plan, who = services_demo.plan_one(rng, now, pools, clock, days, workdays, citizens)
            if plan is None:
                continue
            unit = services_demo.unit_for(plan.item, rng, units)
            values = _values(rng, plan, unit, who, clerk, forms, receipts, services_demo)
            rows.append(values)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        written += len(rows)
        progress.advance(len(rows))
    progress.stage("indexes")
    with connection.cursor() as cursor:
        for statement in indexes:
            cursor.execute(statement)
        if engine() == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE services_application")


def _drop_indexes(connection) -> list[str]:
    """Drop the applications table's secondary indexes (SQLite); return the SQL to rebuild them.

    Loading 1,000,000 rows into a table with a dozen indexes (a random receipt among them) is
    several times slower than loading it bare and building the indexes once afterwards.
    """
    if engine() != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            " AND tbl_name = 'services_application' AND sql IS NOT NULL"
        )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def _values(rng, plan, unit, who, clerk, forms, receipts, services_demo) -> tuple:
    f = plan.fields
    online = plan.channel == "online"
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(55 * 365))
    row = {
        "receipt": services_demo.new_receipt(rng, f["submitted_at"], receipts),
        "item_id": plan.item.pk,
        "unit_id": unit.pk,
        "channel": plan.channel,
        "mode": plan.mode,
        "citizen_id": who.pk if online and who else None,
        "applicant_name": services_demo.person_name(rng),
        "applicant_id_type": "id_card",
        "applicant_id_number": services_demo.citizen_id(rng, birth),
        "applicant_phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
        "form_data": forms[plan.item.pk],
        "created_by_id": None if online else clerk.pk,
        **f,
    }
    from django.db import connection

    ops = connection.ops
    out = []
    for column in COLUMNS:
        value = row[column]
        if isinstance(value, dt.datetime):
            value = ops.adapt_datetimefield_value(value)
        elif isinstance(value, dt.date):
            value = ops.adapt_datefield_value(value)
        out.append(value)
    return tuple(out)


if __name__ == "__main__":
    sys.exit(main())

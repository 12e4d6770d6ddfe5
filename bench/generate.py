"""Build the benchmark data set: N cases (BENCH_CASES, default 1,000,000), ~10 events each.

    BENCH_CASES=100000 .venv/bin/python -m bench.generate          # SQLite, bench/data/
    DATABASE_URL=postgres://… .venv/bin/python -m bench.generate   # PostgreSQL

The org tree, officers, items and accounts are the demo's (``fazhi.core.demo.load`` without
laws or demo cases). Each case's timeline comes from ``fazhi.cases.demo.plan_timeline`` (15 %
open, closed ones spread over two years), its status from ``derive.derive_status`` and its
deadlines from ``derive.compute_deadlines`` — the functions ``record_event`` uses — so the
stored rows are what recording the events one by one would leave (handler qualification is
not checked: the benchmark needs volume, not eligibility). Rows are written with bulk SQL
(``executemany`` on SQLite, ``COPY`` on PostgreSQL) in chunks of 10,000 cases, one transaction
each; the cases tables' indexes are dropped before the load and created after it.

The data set is cached: when the database holds a data set of the same N and generator version
it is kept (pending migrations are applied to it); otherwise it is rebuilt.

Progress goes to stderr (fazhi.core.progress: a bar on a terminal, a line per stage in a log,
nothing with ``--quiet``); the figures to stdout.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
from collections import Counter
from typing import Any

from bench import common

GENERATOR_VERSION = "1"
CHUNK = 10_000
SEED = 3
OPEN_SHARE = 0.15
TABLES = (
    "cases_case",
    "cases_casehandler",
    "cases_party",
    "cases_proceduralevent",
    "cases_deadline",
    "cases_seizedproperty",
)


def meta_wanted() -> dict[str, str]:
    return {"cases": str(common.CASES), "generator": GENERATOR_VERSION}


def read_meta(connection) -> dict[str, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT key, value FROM bench_meta")
            return dict(cursor.fetchall())
    except Exception:  # no such table: no data set
        return {}


def bench_now() -> dt.datetime:
    """The instant the data set is planned against (the generation day's midnight)."""
    from django.utils import timezone

    from fazhi.cases.demo import demo_instant

    return demo_instant(timezone.localdate())


def main() -> int:
    from fazhi.core import progress

    with progress.reporting(progress.for_command(quiet="--quiet" in sys.argv[1:])):
        return _main()


def _main() -> int:
    from fazhi.core import progress

    started = time.monotonic()
    if common.engine() == "sqlite":
        path = common.DATA / f"bench-{common.CASES}.sqlite3"
        if path.exists() and _cached_sqlite(path):
            print(f"data set of {common.CASES} cases present in {path}: kept")
            common.setup()
            _migrate()
            return 0
        for suffix in ("", "-wal", "-shm"):
            (path.parent / (path.name + suffix)).unlink(missing_ok=True)
    common.setup()
    from django.db import connection

    if common.engine() == "postgresql":
        meta = read_meta(connection)
        if all(meta.get(k) == v for k, v in meta_wanted().items()):
            print(f"data set of {common.CASES} cases present in PostgreSQL: kept")
            _migrate()
            return 0
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    _migrate()
    from django.utils import timezone

    from fazhi.core import demo

    progress.plan(3)
    progress.stage("org tree, officers and accounts (the demo's)")
    with progress.reporting(progress.Silent()):  # the demo's own steps: one stage here
        demo.load(demo.FULL, on=timezone.localdate(), laws=False, cases=False)
    print(f"org tree and accounts: {time.monotonic() - started:.1f} s", flush=True)
    indexes = _drop_indexes(connection)
    progress.stage(f"{common.CASES:,} cases")
    _load(connection, common.CASES)
    if common.engine() == "postgresql":
        connection.connection.autocommit = True  # _load turned it off for its COPY transactions
    progress.stage("indexes")
    t = time.monotonic()
    _create_indexes(connection, indexes)
    print(f"indexes: {time.monotonic() - t:.1f} s", flush=True)
    with connection.cursor() as cursor:
        if common.engine() == "postgresql":
            for table in TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                )
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta (key varchar(40) PRIMARY KEY, value text)"
        )
        cursor.execute("DELETE FROM bench_meta")
        meta = {**meta_wanted(), "generated_at": bench_now().isoformat()}
        meta["seconds"] = f"{time.monotonic() - started:.0f}"
        for key, value in meta.items():
            cursor.execute("INSERT INTO bench_meta (key, value) VALUES (%s, %s)", [key, value])
    print(f"data set of {common.CASES} cases built in {time.monotonic() - started:.0f} s")
    return 0


def _cached_sqlite(path) -> bool:
    import sqlite3

    try:
        db = sqlite3.connect(path)
        meta = dict(db.execute("SELECT key, value FROM bench_meta").fetchall())
        db.close()
    except sqlite3.Error:
        return False
    return all(meta.get(k) == v for k, v in meta_wanted().items())


def _migrate() -> None:
    import io

    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0, stdout=io.StringIO())


def _drop_indexes(connection) -> list[str]:
    """Drop the secondary indexes of the cases tables; return the statements that recreate them."""
    with connection.cursor() as cursor:
        if common.engine() == "sqlite":
            names = ",".join(f"'{t}'" for t in TABLES)
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                f"AND tbl_name IN ({names}) AND sql IS NOT NULL"
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [list(TABLES)],
            )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def _create_indexes(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Writer:
    """Append rows per table and flush them with executemany (SQLite) or COPY (PostgreSQL)."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.rows: dict[str, list[tuple]] = {}
        self.columns: dict[str, tuple[str, ...]] = {}
        self.pg = common.engine() == "postgresql"

    def table(self, name: str, columns: tuple[str, ...]) -> list[tuple]:
        self.columns[name] = columns
        return self.rows.setdefault(name, [])

    def when(self, value: dt.datetime | None):
        if value is None or self.pg:
            return value
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")

    def flush(self) -> None:
        raw = self.connection.connection
        if self.pg:
            with raw.cursor() as cursor:
                for name, rows in self.rows.items():
                    cols = ", ".join(self.columns[name])
                    with cursor.copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            raw.commit()
        else:
            raw.execute("BEGIN")
            for name, rows in self.rows.items():
                cols = self.columns[name]
                marks = ", ".join("?" for _ in cols)
                raw.executemany(
                    f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({marks})",
                    rows,
                )
            raw.execute("COMMIT")
        for rows in self.rows.values():
            rows.clear()


def _load(connection, count: int) -> None:
    from fazhi.cases.deadlines import nearest_running, stored_values
    from fazhi.cases.demo import (
        PROCEDURE,
        STREETS,
        act_of,
        plan_parties,
        plan_timeline,
    )
    from fazhi.cases.derive import Ev, compute_deadlines, derive_status
    from fazhi.cases.models import CaseSource, CaseStatus, PropertyStatus
    from fazhi.cases.packs import registry
    from fazhi.cases.procedure import case_number, pack_version
    from fazhi.catalog.eligibility import item_allowed_at_unit
    from fazhi.catalog.models import EnforcementItem
    from fazhi.core import progress
    from fazhi.core.calendar import default_calendar
    from fazhi.core.clock import SHANGHAI
    from fazhi.org.models import Officer, Unit, UnitKind, User

    connection.ensure_connection()
    if common.engine() == "sqlite":
        raw = connection.connection
        raw.isolation_level = None  # Django's autocommit; the writer opens one BEGIN per chunk
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute("PRAGMA cache_size = -1000000")  # 1 GB of page cache for the load
    else:
        connection.connection.autocommit = False
    units = list(
        Unit.objects.filter(kind__in=[UnitKind.STATION, UnitKind.CASE_CENTRE]).order_by("code")
    )
    items = list(EnforcementItem.objects.active().filter(kind="penalty", code__startswith="ZA-"))
    allowed = {
        u.pk: [
            i
            for i in items
            if item_allowed_at_unit(i, u).ok
            and (u.kind != UnitKind.STATION or "station" in i.levels)
        ]
        for u in units
    }
    officers: dict[int, list[int]] = {}
    for unit_id, officer_id in Officer.objects.filter(unit__in=units).values_list("unit_id", "id"):
        officers.setdefault(unit_id, []).append(officer_id)
    units = [u for u in units if len(officers.get(u.pk, [])) >= 2 and allowed[u.pk]]
    legal = {
        u.pk: Officer.objects.filter(unit__path=u.path[: -Unit.steplen])
        .order_by("police_number")
        .values_list("id", flat=True)
        .first()
        for u in units
    }
    clerk = User.objects.get(username="clerk").pk
    calendar = default_calendar()
    packs = registry()
    pack_on: dict[dt.date, Any] = {}
    now = bench_now()
    rng = random.Random(SEED)
    writer = Writer(connection)
    case_cols = (
        "id", "number", "unit_id", "year", "sequence", "procedure", "procedure_version", "item_id",
        "offence_code",
        "title", "source", "act_at", "act_place", "summary", "legal_officer_id", "status",
        "accepted_at", "decided_at", "closed_at", "outside_centre", "created_at", "created_by_id",
        "next_due_at", "next_deadline_name",
    )  # fmt: skip
    handler_cols = ("id", "case_id", "officer_id", "role")
    party_cols = (
        "id", "case_id", "kind", "role", "name", "id_type", "id_number", "nationality",
        "birth_date", "is_minor_at_act", "phone", "address",
    )  # fmt: skip
    event_cols = (
        "id", "case_id", "kind", "occurred_at", "ended_at", "data", "corrects_id",
        "correction_reason", "recorded_at", "recorded_by_id",
    )  # fmt: skip
    deadline_cols = (
        "id", "case_id", "code", "key", "name", "start_at", "due_at", "status", "met_at",
        "basis", "facts", "is_provisional", "is_liberty", "paused_days", "extended",
        "unverified", "computed_at",
    )  # fmt: skip
    property_cols = (
        "id", "case_id", "description", "quantity", "seized_by_event_id", "status",
    )  # fmt: skip
    ids: Counter = Counter()
    sequences: Counter = Counter()
    sources = CaseSource.values
    titles = {i.pk: act_of(i.name) for i in items}
    started = time.monotonic()
    progress.count("cases", count)
    written = 0
    w = writer.when
    pg = common.engine() == "postgresql"
    for index in range(count):
        unit = units[index % len(units)] if index < len(units) else rng.choice(units)
        item = rng.choice(allowed[unit.pk])
        timeline = plan_timeline(rng, now, open_share=OPEN_SHARE, history_days=730)
        first = timeline.events[0].occurred_at.astimezone(SHANGHAI).date()
        accept_day = timeline.accept_at.astimezone(SHANGHAI).date()
        sequences[(unit.pk, first.year)] += 1
        ids["case"] += 1
        case_id = ids["case"]
        parties = plan_parties(rng, timeline.act_at.astimezone(SHANGHAI).date())
        evs = []
        for event in timeline.events:
            ids["event"] += 1
            evs.append(
                Ev(ids["event"], event.kind, event.occurred_at, event.ended_at, event.data, None)
            )
        pack = pack_on.get(accept_day) or pack_on.setdefault(
            accept_day, packs.for_case(PROCEDURE, accept_day)
        )
        status = derive_status(pack, evs, CaseStatus.REPORTED)
        unverified = pack.unverified_on(accept_day)
        computed = compute_deadlines(pack, evs, calendar, unverified=unverified)
        next_due, next_name = nearest_running(computed)
        first_of: dict[str, dt.datetime] = {}
        for event in evs:
            first_of.setdefault(event.kind, event.occurred_at)
        writer.table("cases_case", case_cols).append(
            (
                case_id,
                case_number(unit, first.year, sequences[(unit.pk, first.year)]),
                unit.pk,
                first.year,
                sequences[(unit.pk, first.year)],
                PROCEDURE,
                pack_version(pack),
                item.pk,
                "",
                f"{parties[0]['name']}{titles[item.pk]}案",
                sources[index % len(sources)],
                w(timeline.act_at),
                f"示例市{STREETS[index % len(STREETS)]}{index % 300 + 1}号",
                "",
                legal[unit.pk],
                status,
                w(first_of.get("accept")),
                w(first_of.get("decide") or first_of.get("mediation_agreed")),
                w(first_of.get("close")),
                False,
                w(timeline.events[0].occurred_at),
                clerk,
                w(next_due),
                next_name,
            )
        )
        handlers = writer.table("cases_casehandler", handler_cols)
        for role, officer in zip(("lead", "assist"), rng.sample(officers[unit.pk], 2), strict=True):
            ids["handler"] += 1
            handlers.append((ids["handler"], case_id, officer, role))
        party_rows = writer.table("cases_party", party_cols)
        for p in parties:
            ids["party"] += 1
            birth = p["birth_date"]
            party_rows.append(
                (
                    ids["party"], case_id, str(p["kind"]), str(p["role"]), p["name"],
                    str(p["id_type"]), p["id_number"], "CHN",
                    birth if pg or birth is None else birth.isoformat(),
                    p["is_minor_at_act"], p.get("phone", ""), p.get("address", ""),
                )
            )  # fmt: skip
        event_rows = writer.table("cases_proceduralevent", event_cols)
        for event in evs:
            event_rows.append(
                (
                    event.id, case_id, event.kind, w(event.occurred_at), w(event.ended_at),
                    json.dumps(event.data, ensure_ascii=False), None, "",
                    w((event.ended_at or event.occurred_at) + dt.timedelta(minutes=7)), clerk,
                )
            )  # fmt: skip
        deadline_rows = writer.table("cases_deadline", deadline_cols)
        for item_deadline in computed:
            ids["deadline"] += 1
            v = stored_values(item_deadline)
            deadline_rows.append(
                (
                    ids["deadline"], case_id, item_deadline.code, item_deadline.key, v["name"],
                    w(v["start_at"]), w(v["due_at"]), str(v["status"]), w(v["met_at"]),
                    v["basis"], json.dumps(v["facts"], ensure_ascii=False), v["is_provisional"],
                    v["is_liberty"],
                    v["paused_days"], v["extended"], v["unverified"], w(now),
                )
            )  # fmt: skip
        seized = [e for e in evs if e.kind == "seize"]
        if seized:
            final = PropertyStatus.SEIZED
            for e in evs:
                if e.kind == "property_stored":
                    final = PropertyStatus.STORED
                elif e.kind == "property_disposed":
                    final = {"confiscated": PropertyStatus.CONFISCATED}.get(
                        e.data.get("disposition"), final
                    )
            for e in seized:
                ids["property"] += 1
                writer.table("cases_seizedproperty", property_cols).append(
                    (ids["property"], case_id, e.data["property"], e.data.get("quantity", ""),
                     e.id, str(final))
                )  # fmt: skip
        if (index + 1) % CHUNK == 0 or index + 1 == count:
            writer.flush()
            progress.advance((index + 1) - written)
            written = index + 1
    rate = count / (time.monotonic() - started)
    print(
        f"{count:>9} cases, {ids['event']:>10} events, "
        f"{ids['deadline']:>9} deadlines  ({rate:,.0f} cases/s)",
        flush=True,
    )


if __name__ == "__main__":
    os.environ.setdefault("BENCH_CASES", str(common.CASES))
    sys.exit(main())

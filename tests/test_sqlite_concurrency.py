"""Concurrent writers on the embedded database never fail with "database is locked".

SQLite runs in WAL mode with a busy timeout and IMMEDIATE write transactions
(docs/decisions/0004-sqlite-wal-immediate.md): a transaction takes the write lock when it
begins, so a writer that reads first waits its turn instead of failing when it upgrades. The
same workload runs on PostgreSQL when DATABASE_URL points there: the audit chain head's
``select_for_update`` serialises the appends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.db import OperationalError, connection, connections, transaction

from fazhi.audit import log as audit
from fazhi.audit.models import AuditEntry, AuditHead

WRITERS = 16
ROUNDS = 8

is_sqlite = connection.vendor == "sqlite"
sqlite_only = pytest.mark.skipif(not is_sqlite, reason="about the embedded SQLite database")


@dataclass
class Outcome:
    errors: list[str] = field(default_factory=list)
    seen: list[int] = field(default_factory=list)  # the entry count each transaction read


def read_then_write(writer: int, start: threading.Barrier, outcome: Outcome) -> None:
    """Run ROUNDS transactions that each read the log's size, then append one entry to it."""
    try:
        start.wait()
        for round_ in range(ROUNDS):
            try:
                with transaction.atomic():
                    seen = AuditEntry.objects.count()  # the read that precedes the write
                    audit.record(
                        "system:concurrency-test",
                        "test.concurrent_write",
                        ("test.writer", writer, f"writer {writer}"),
                        changes={"writer": writer, "round": round_, "seen": seen},
                    )
                outcome.seen.append(seen)
            except OperationalError as exc:
                outcome.errors.append(f"writer {writer} round {round_}: {exc}")
    finally:
        connection.close()  # this thread's own connection


def run_writers() -> Outcome:
    outcome = Outcome()
    start = threading.Barrier(WRITERS)
    threads = [
        threading.Thread(target=read_then_write, args=(writer, start, outcome))
        for writer in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcome


@contextmanager
def sqlite_transaction_mode(mode: str | None) -> Iterator[None]:
    """Open the threads' new connections with MODE instead of the configured one."""
    options = connections.settings["default"]["OPTIONS"]
    configured = options.get("transaction_mode")
    options["transaction_mode"] = mode
    try:
        yield
    finally:
        options["transaction_mode"] = configured


@sqlite_only
@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_immediate_transactions():
    with connection.cursor() as cursor:
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        busy_timeout = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
        foreign_keys = cursor.execute("PRAGMA foreign_keys").fetchone()[0]
    assert journal_mode == "wal"
    assert busy_timeout == 30_000
    assert foreign_keys == 1
    assert connection.transaction_mode == "IMMEDIATE"
    assert connection.settings_dict["NAME"] != ":memory:"


@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_read_then_write_transactions_all_succeed():
    outcome = run_writers()

    assert outcome.errors == []
    total = WRITERS * ROUNDS
    assert AuditEntry.objects.count() == total
    assert AuditHead.objects.get().count == total
    written = {
        (e["writer"], e["round"]) for e in AuditEntry.objects.values_list("changes", flat=True)
    }
    assert written == {(w, r) for w in range(WRITERS) for r in range(ROUNDS)}
    result = audit.verify()
    assert (result.ok, result.checked) == (True, total)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_each_transaction_reads_what_the_previous_one_wrote():
    # IMMEDIATE takes the write lock before the read: the transactions run one after another,
    # so the counts they read are exactly 0, 1, 2, … with no two alike.
    outcome = run_writers()
    assert outcome.errors == []
    assert sorted(outcome.seen) == list(range(WRITERS * ROUNDS))


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_the_default_deferred_mode_fails_under_the_same_load():
    # The control experiment: it shows the test above can fail. A DEFERRED transaction reads
    # from a snapshot; when it then writes after another writer committed, SQLite refuses at
    # once (SQLITE_BUSY_SNAPSHOT) and the busy timeout cannot help.
    with sqlite_transaction_mode(None):
        outcome = run_writers()
    assert outcome.errors != []
    assert all("database is locked" in error for error in outcome.errors)
    assert audit.verify().ok  # the failed transactions rolled back whole
    assert AuditEntry.objects.count() == WRITERS * ROUNDS - len(outcome.errors)

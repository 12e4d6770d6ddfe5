import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from fazhi.audit import log as audit
from fazhi.audit import retention
from fazhi.audit.models import AuditAnchor, AuditEntry
from fazhi.core.errors import PermissionDeniedError
from fazhi.core.roles import Role

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDIT_ADMIN, None, username="auditor")


def write(actor, day: dt.date, n: int = 1) -> list:
    at = dt.datetime.combine(day, dt.time(10, 0), SHANGHAI)
    return [audit.record(actor, "test.act", ("thing", i, "thing"), at=at) for i in range(n)]


def run(*args) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue().strip()


def test_verify_prints_ok_with_the_count(auditor):
    write(auditor, dt.date(2026, 1, 1), 3)
    assert run("verify") == "ok: 3 entries"


def test_verify_names_the_tampered_entry_and_exits_1(auditor):
    entries = write(auditor, dt.date(2026, 1, 1), 4)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["x", entries[2].id]
        )
    out = StringIO()
    with pytest.raises(SystemExit) as caught:
        call_command("audit", "verify", stdout=out)
    assert caught.value.code == 1
    assert out.getvalue().strip() == (
        f"BROKEN at entry #{entries[2].id}: content does not match its hash"
    )


@time_machine.travel(NOW, tick=False)
def test_prune_refuses_anything_younger_than_the_retention_period(auditor, settings):
    settings.FAZHI_AUDIT_RETENTION_DAYS = 183
    write(auditor, dt.date(2026, 1, 1), 2)
    latest = NOW.date() - dt.timedelta(days=183)  # 2026-03-02
    with pytest.raises(CommandError, match="2026-03-02") as caught:
        run("prune", "--before", (latest + dt.timedelta(days=1)).isoformat(), "--by", "auditor")
    assert "网络安全法》第二十一条第（三）项" in str(caught.value)
    assert AuditEntry.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_prune_removes_the_old_prefix_and_the_chain_still_verifies(auditor):
    old = write(auditor, dt.date(2026, 1, 1), 3)
    kept = write(auditor, dt.date(2026, 6, 1), 2)
    assert run("prune", "--before", "2026-03-01", "--by", "auditor") == (
        "pruned=3 before=2026-03-01"
    )
    assert list(AuditEntry.objects.values_list("id", flat=True)[:2]) == [k.id for k in kept]
    anchor = AuditAnchor.objects.get()
    assert (anchor.last_pruned_id, anchor.last_pruned_hash) == (old[-1].id, old[-1].entry_hash)
    assert AuditEntry.objects.filter(action="audit.prune").get().actor == auditor
    assert run("verify") == "ok: 3 entries"  # the two kept and the prune itself


@time_machine.travel(NOW, tick=False)
def test_a_second_prune_anchors_on_top_of_the_first(auditor):
    write(auditor, dt.date(2025, 12, 1), 2)
    write(auditor, dt.date(2026, 2, 1), 2)
    write(auditor, dt.date(2026, 6, 1), 1)
    retention.prune(dt.date(2026, 1, 1), actor=auditor)
    result = retention.prune(dt.date(2026, 3, 1), actor=auditor)
    assert (result.pruned, result.anchor.pruned_total) == (2, 4)
    assert audit.verify().ok


@time_machine.travel(NOW, tick=False)
def test_dry_run_removes_nothing(auditor):
    write(auditor, dt.date(2026, 1, 1), 3)
    assert run("prune", "--before", "2026-03-01", "--by", "auditor", "--dry-run") == (
        "would prune=3 before=2026-03-01"
    )
    assert AuditEntry.objects.count() == 3
    assert not AuditAnchor.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_forged_anchor_does_not_verify(auditor):
    entries = write(auditor, dt.date(2026, 1, 1), 4)
    # Someone deletes the two oldest rows behind the application's back and forges an anchor.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id <= %s", [entries[1].id])
    AuditAnchor(
        created_at=NOW,
        actor=auditor,
        pruned_before=dt.date(2026, 1, 2),
        last_pruned_id=entries[1].id,
        last_pruned_hash=entries[1].entry_hash,
        pruned_count=2,
        pruned_total=2,
    ).save()
    result = audit.verify()
    assert (result.ok, result.reason) == (False, "prune anchor is not vouched for by the chain")


@time_machine.travel(NOW, tick=False)
def test_deleting_the_first_kept_entry_after_a_prune_is_caught(auditor):
    write(auditor, dt.date(2026, 1, 1), 2)
    kept = write(auditor, dt.date(2026, 6, 1), 2)
    retention.prune(dt.date(2026, 3, 1), actor=auditor)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [kept[0].id])
    assert audit.verify().first_broken_id == kept[1].id


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SUPERVISOR])
def test_only_the_audit_administrator_prunes(make_user, tree, role):
    actor = make_user(role, None)
    with pytest.raises(PermissionDeniedError):
        retention.prune(dt.date(2026, 1, 1), actor=actor)


def test_prune_needs_an_existing_person(db):
    with pytest.raises(CommandError, match="'ghost'"):
        run("prune", "--before", "2020-01-01", "--by", "ghost")

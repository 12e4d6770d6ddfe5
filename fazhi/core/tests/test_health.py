"""/healthz, /readyz, `fazhi status` and the status page (issue 16)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from fazhi.core import health, status
from fazhi.core.models import Heartbeat, beat
from fazhi.core.roles import Role

NOW = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")  # no django_db mark: any query would raise
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_public_and_names_only_its_checks(client, monkeypatch):
    # A migration test elsewhere in the run may leave the test database one migration behind.
    monkeypatch.setattr(status, "unapplied_migrations", lambda using="default": [])
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "rule_packs": "ok"},
    }
    assert response["Content-Type"] == "application/json"
    assert "Content-Security-Policy" in response  # the project's CSP, nothing inline to allow


@pytest.mark.django_db
def test_readyz_fails_503_when_a_migration_is_missing(client, monkeypatch):
    monkeypatch.setattr(status, "unapplied_migrations", lambda using="default": ["core.0099_x"])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "fail", "rule_packs": "ok"}
    assert "0099" not in response.content.decode()  # no detail to the public


@pytest.mark.django_db
def test_readyz_fails_when_a_rule_file_does_not_load(client, settings, tmp_path):
    import shutil

    from fazhi.core import rulepacks

    rules = tmp_path / "rules"
    shutil.copytree(settings.RULES_DIR, rules)
    (rules / "warnings" / "broken.yaml").write_text("id: [broken\n")
    settings.RULES_DIR = rules
    rulepacks.reload()
    try:
        response = client.get("/readyz")
    finally:
        rulepacks.reload()
    assert response.status_code == 503
    assert response.json()["checks"]["rule_packs"] == "fail"
    assert "broken" not in response.content.decode()


def test_readyz_fails_everything_after_the_database(monkeypatch):
    def down() -> bool:
        raise OSError("connection refused")

    monkeypatch.setitem(health.READY_CHECKS, "database", down)
    assert health.ready_checks() == {"database": False, "migrations": False, "rule_packs": False}


# --------------------------------------------------------------------------- fazhi status


def run_status(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("status", *args, stdout=out)
    return int(exited.value.code), out.getvalue()


def checks(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"]}


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_status_json_shape_and_exit_code_of_a_healthy_installation(monkeypatch):
    monkeypatch.setattr(status, "unapplied_migrations", lambda using="default": [])  # see above
    beat("worker", host="w1", pid=42)
    beat("sweep", started_at=NOW - dt.timedelta(seconds=3), opened=2, closed=1)
    beat("audit_verify", started_at=NOW, ok=True, checked=10, first_broken_id=None, reason="ok")
    code, out = run_status("--json")
    report = json.loads(out)
    assert set(report) == {"status", "at", "checks"}
    by_name = checks(report)
    assert list(by_name) == [
        "database",
        "rule_packs",
        "calendar",
        "worker",
        "sweep",
        "warnings",
        "jobs",
        "uploads",
        "audit",
    ]
    for check in report["checks"]:
        assert set(check) == {"name", "state", "reason", "data"}
        assert check["state"] in {"ok", "warn", "fail"}
        assert check["reason"]
    assert by_name["database"]["data"]["engine"] == connection.vendor
    assert by_name["database"]["data"]["unapplied"] == 0
    assert by_name["rule_packs"]["state"] == "ok"
    assert by_name["rule_packs"]["data"]["in_force"]["calendar"] == [
        {"id": "calendar-2026", "version": "2025-11-04"}
    ]
    assert 2026 in by_name["calendar"]["data"]["years_with_notice"]
    assert by_name["worker"]["data"]["host"] == "w1"
    assert by_name["sweep"]["data"]["duration_seconds"] == 3.0
    assert by_name["sweep"]["data"]["opened"] == 2
    assert by_name["warnings"]["data"] == {"hint": 0, "warning": 0, "alarm": 0}
    assert {"media", "private", "disk_free_ratio"} <= set(by_name["uploads"]["data"])
    assert by_name["audit"]["state"] == "ok"
    assert by_name["audit"]["data"]["anchor_warn_days"] == 0
    assert by_name["jobs"]["data"] == {"queued": 0, "running": 0, "failed_last_day": 0}
    assert code == status.EXIT_CODES[report["status"]]
    if by_name["uploads"]["state"] == "ok":  # a nearly full test disk would warn
        assert report["status"] == "ok"
        assert code == 0


@pytest.mark.django_db
def test_status_without_worker_sweep_or_verification():
    code, out = run_status("--json")
    by_name = checks(json.loads(out))
    assert by_name["worker"]["state"] == "fail"
    assert "fazhi run_huey" in by_name["worker"]["reason"]
    assert by_name["sweep"]["state"] == "warn"
    assert by_name["audit"]["state"] == "warn"
    assert code == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("minutes_ago", "state"), [(1, "ok"), (5, "warn"), (20, "fail")])
def test_the_worker_heartbeat_ages(minutes_ago, state):
    with time_machine.travel(NOW - dt.timedelta(minutes=minutes_ago), tick=False):
        beat("worker")
    with time_machine.travel(NOW, tick=False):
        assert status.check_worker(timezone.now()).state == state


@pytest.mark.django_db
def test_the_worker_task_beats():
    from fazhi.core.tasks import heartbeat

    heartbeat.call_local()
    row = Heartbeat.objects.get(name="worker")
    assert row.detail["pid"] > 0


@pytest.mark.django_db
def test_a_sweep_records_its_start_and_end(settings):
    from fazhi.core import warnings

    with time_machine.travel(NOW, tick=True):
        warnings.sweep(timezone.now())
    row = Heartbeat.objects.get(name="sweep")
    assert row.started_at is not None
    assert row.finished_at >= row.started_at
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        assert status.check_sweep(timezone.now()).state == "ok"
    # Three intervals without a sweep: warn.
    later = NOW + dt.timedelta(minutes=3 * settings.FAZHI_SCAN_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        assert status.check_sweep(timezone.now()).state == "warn"


@pytest.mark.django_db
def test_a_sweep_longer_than_its_interval_warns(settings):
    beat("sweep", started_at=NOW - dt.timedelta(minutes=settings.FAZHI_SCAN_MINUTES + 1))
    check = status.check_sweep(NOW)
    assert check.state == "warn"


@pytest.mark.django_db
def test_a_broken_audit_chain_fails_and_a_stale_verification_warns():
    from fazhi.audit.status import check_audit, verify_and_record

    assert verify_and_record().ok
    assert check_audit(timezone.now()).state == "ok"
    assert check_audit(timezone.now() + dt.timedelta(days=9)).state == "warn"
    beat("audit_verify", ok=False, first_broken_id=7)
    failed = check_audit(timezone.now())
    assert failed.state == "fail"
    assert "7" in failed.reason


@pytest.mark.django_db
def test_audit_verify_command_records_its_result():
    call_command("audit", "verify", stdout=io.StringIO())
    assert Heartbeat.objects.get(name="audit_verify").ok


@pytest.mark.django_db
def test_a_rule_file_that_does_not_load_fails_with_file_and_line(settings, tmp_path):
    import shutil

    from fazhi.core import rulepacks

    rules = tmp_path / "rules"
    shutil.copytree(settings.RULES_DIR, rules)
    (rules / "warnings" / "broken.yaml").write_text("id: x\nrules: [\n")
    settings.RULES_DIR = rules
    rulepacks.reload()
    try:
        check = status.check_rule_packs(NOW)
    finally:
        rulepacks.reload()
    assert check.state == "fail"
    assert "broken.yaml:" in check.reason


@pytest.mark.django_db
def test_years_that_deadlines_reach_without_a_notice_warn(monkeypatch):
    from fazhi.core import calendar as cal

    monkeypatch.setattr(cal, "pending_from", lambda day: {2027: 12, 2028: 3}.get(day.year, 0))
    check = status.check_calendar(dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert check.state == "warn"
    assert check.data["deadlines_in_years_without_notice"] == {"2027": 12, "2028": 3}
    assert "2027" in check.reason
    assert "fazhi calendar import" in check.reason


@pytest.mark.django_db
def test_a_full_disk_fails(monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(100, 99, 1))  # type: ignore[attr-defined]
    assert status.check_uploads(NOW).state == "fail"


def test_the_overall_state_is_the_worst():
    report = status.Report(NOW, [status.Check("a", "ok", "x"), status.Check("b", "warn", "y")])
    assert (report.state, report.exit_code) == ("warn", 1)
    report.checks.append(status.Check("c", "fail", "z"))
    assert (report.state, report.exit_code) == ("fail", 2)


@pytest.mark.django_db
def test_the_status_page_is_for_the_system_administrator_only(client, make_user):
    response = client.get("/status/")
    assert response.status_code == 302
    for role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.SUPERVISOR, Role.OFFICER):
        client.force_login(make_user(role))
        assert client.get("/status/").status_code == 403
    client.force_login(make_user(Role.SYSTEM_ADMIN))
    page = client.get("/status/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-check="worker" data-state="fail"' in html
    assert 'data-check="database" data-state="ok"' in html
    assert 'href="/status/"' in client.get("/").content.decode()  # in the 系统管理 menu


@pytest.mark.django_db
def test_the_audit_anchor_age_warns_past_its_threshold(settings, make_user):
    from fazhi.audit.models import AuditAnchor
    from fazhi.audit.status import check_audit
    from fazhi.core import auditing

    with time_machine.travel(NOW, tick=False):
        auditing.record("system:test", "test.thing", ("test", "1", "x"), changes={})
    later = NOW + dt.timedelta(days=40)
    beat("audit_verify", finished_at=later, ok=True, checked=1)
    settings.FAZHI_AUDIT_ANCHOR_WARN_DAYS = 0  # the default: never warns
    check = check_audit(later)
    assert (check.state, check.data["anchor_at"], check.data["anchor_age_days"]) == (
        "ok",
        None,
        None,
    )
    assert check.data["chain_starts_at"] == NOW.isoformat()
    settings.FAZHI_AUDIT_ANCHOR_WARN_DAYS = 30
    never = check_audit(later)
    assert never.state == "warn"
    assert "从未清理" in never.reason
    assert "40" in never.reason
    AuditAnchor.objects.create(
        created_at=NOW + dt.timedelta(days=5),
        actor=make_user(Role.AUDIT_ADMIN),
        pruned_before=dt.date(2026, 1, 1),
        last_pruned_id=1,
        last_pruned_hash="0" * 64,
        pruned_count=1,
        pruned_total=1,
    )
    pruned = check_audit(later)
    assert pruned.data["anchor_age_days"] == 35
    assert pruned.state == "warn"
    assert "35 天未清理" in pruned.reason
    settings.FAZHI_AUDIT_ANCHOR_WARN_DAYS = 60
    assert check_audit(later).state == "ok"


@pytest.mark.django_db
def test_long_actions_waiting_for_minutes_warn(make_user):
    from fazhi.core.models import Job, JobState

    owner = make_user(Role.SUPERVISOR)
    Job.objects.create(kind="x", title="x", owner=owner, created_at=NOW - dt.timedelta(minutes=2))
    Job.objects.create(kind="x", title="x", owner=owner, state=JobState.RUNNING, created_at=NOW)
    Job.objects.create(
        kind="x",
        title="x",
        owner=owner,
        state=JobState.FAILED,
        finished_at=NOW - dt.timedelta(hours=2),
    )
    check = status.check_jobs(NOW)
    assert check.state == "ok"
    assert check.data == {"queued": 1, "running": 1, "failed_last_day": 1}
    late = status.check_jobs(NOW + dt.timedelta(minutes=5))
    assert late.state == "warn"
    assert "fazhi run_huey" in late.reason
    assert late.data["oldest_queued_at"] == (NOW - dt.timedelta(minutes=2)).isoformat()


@pytest.mark.django_db
def test_the_status_page_names_each_check_in_words(client, make_user):
    client.force_login(make_user(Role.SYSTEM_ADMIN))
    html = client.get("/status/").content.decode()
    for label in ("数据库", "规则包", "工作日历", "任务进程", "预警扫描", "后台办理", "审计链"):
        assert label in html

"""The operator's pages in a real browser: 系统管理 → 系统状态 for the 系统管理员 (issue 16)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fazhi.core.models import beat
from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory, build_small_tree

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"  # the UserFactory password


def log_in(page, username: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")


def test_the_system_administrator_reads_the_status_page(
    page, live_server, transactional_db, console_errors, monkeypatch
):
    from fazhi.core import status

    # A migration test elsewhere in the run may leave the test database one migration behind.
    monkeypatch.setattr(status, "unapplied_migrations", lambda using="default": [])
    tree = build_small_tree()
    UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN, scope_unit=tree["city"])
    beat("sweep")  # a sweep just ran; no worker heartbeat yet
    page.goto("/status/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/status/$"))
    log_in(page, "sysadmin")
    expect(page).to_have_url(f"{live_server.url}/status/")
    table = page.get_by_test_id("status-checks")
    for label in ("数据库", "规则包", "工作日历", "任务进程", "预警扫描", "后台办理", "审计链"):
        expect(table).to_contain_text(label)
    worker = table.locator('tr[data-check="worker"]')
    expect(worker).to_have_attribute("data-state", "fail")
    expect(worker).to_contain_text("fazhi run_huey")
    expect(table.locator('tr[data-check="sweep"]')).to_have_attribute("data-state", "ok")
    expect(table.locator('tr[data-check="database"]')).to_have_attribute("data-state", "ok")
    expect(page.get_by_test_id("status-overall")).to_contain_text("故障")
    # The worker starts: the next look says so.
    beat("worker", host="w1", pid=1)
    page.reload()
    expect(table.locator('tr[data-check="worker"]')).to_have_attribute("data-state", "ok")
    expect(table.locator('tr[data-check="worker"]')).to_contain_text("秒前")
    assert [e for e in console_errors if "Content Security Policy" in e] == []


def test_another_role_cannot_open_the_status_page(page, live_server, transactional_db):
    tree = build_small_tree()
    UserFactory(username="officer1", role=Role.OFFICER, scope_unit=tree["s1"])
    page.goto("/login/?next=/")
    log_in(page, "officer1")
    expect(page).to_have_url(f"{live_server.url}/")
    response = page.goto("/status/")
    assert response is not None
    assert response.status == 403


def test_a_bulk_supervision_runs_as_a_job_and_its_page_shows_the_result(
    page, live_server, transactional_db, console_errors
):
    from fazhi.supervision import scan
    from fazhi.supervision.models import SupervisionOrder
    from fazhi.supervision.tests.factories import at, open_public_order_case

    tree = build_small_tree()
    UserFactory(username="city", role=Role.SUPERVISOR, scope_unit=tree["city"])
    for unit in ("s1", "c1"):
        open_public_order_case(tree[unit], accepted="2025-03-03 10:00")
    scan.run(at("2025-04-03 09:00"))  # two overdue cases, two open warnings
    page.goto("/login/?next=/supervision/warnings/%3Funit%3D500103")
    log_in(page, "city")
    page.get_by_test_id("bulk-supervise").click()
    expect(page.get_by_test_id("bulk-count")).to_contain_text("涉及案件 2 件")
    form = page.get_by_test_id("order-bulk-form")
    form.locator("textarea[name=demand]").fill("限期整改，逐件说明")
    form.locator("input[name=reply_due_at]").fill("2030-01-10T17:00")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    status = page.get_by_test_id("job-status")
    expect(status).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("job-count")).to_contain_text("2 / 2")
    expect(page.get_by_test_id("job-result")).to_contain_text("已批量下发督办单 2 份。")
    page.get_by_test_id("job-result").locator("a").click()
    expect(page).to_have_url(re.compile(r"/supervision/orders/$"))
    assert SupervisionOrder.objects.count() == 2
    assert [e for e in console_errors if "Content Security Policy" in e] == []

"""The 系统管理员 enters next year's holiday notice on the calendar screen, in a real browser."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from fazhi.core import calendar as cal
from fazhi.core import rulepacks
from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory, build_small_tree

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"  # the UserFactory password

HOLIDAYS = """2027-01-01 2027-01-03 元旦
2027-02-05 2027-02-13 春节
2027-04-03 2027-04-05 清明节
2027-05-01 2027-05-05 劳动节
2027-06-09 2027-06-11 端午节
2027-09-15 2027-09-17 中秋节
2027-10-01 2027-10-07 国庆节"""  # made up for the test: the 2027 notice is not published yet


@pytest.fixture
def rules(settings, tmp_path):
    (tmp_path / "calendar").mkdir()
    shutil.copy(settings.RULES_DIR / "calendar" / "2026.yaml", tmp_path / "calendar")
    for kind in ("procedure",):
        shutil.copytree(settings.RULES_DIR / kind, tmp_path / kind)
    settings.RULES_DIR = tmp_path
    cal.default_calendar.cache_clear()
    rulepacks.reload()
    yield tmp_path
    cal.default_calendar.cache_clear()
    rulepacks.reload()


def test_the_system_administrator_enters_next_years_notice(
    page, live_server, transactional_db, rules, console_errors
):
    build_small_tree()
    UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN)
    page.goto("/login/?next=/calendar/")
    page.fill("#id_username", "sysadmin")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.get_by_test_id("calendar-years")).to_contain_text("尚未录入")
    page.fill("#cal-year", "2027")
    page.fill("#cal-number", "国办发明电〔2026〕99号")
    page.fill("#cal-issued", "2026-11-20")
    page.fill("#cal-holidays", HOLIDAYS)
    page.fill("#cal-workdays", "2027-10-08 国庆节调休上班")  # a Friday: refused
    page.get_by_role("button", name="录入并重新计算期限").click()
    expect(page.get_by_test_id("calendar-errors")).to_contain_text(
        "调休上班第 1 行：调休上班日 2027-10-08 是工作日"
    )
    page.fill("#cal-workdays", "2027-02-20 春节调休上班\n2027-10-09 国庆节调休上班")
    page.get_by_role("button", name="录入并重新计算期限").click()
    expect(page.get_by_test_id("calendar-result")).to_contain_text("2027 年放假安排已录入")
    expect(page.get_by_test_id("calendar-years")).to_contain_text("国办发明电〔2026〕99号")
    assert (rules / "calendar" / "2027.yaml").exists()
    assert [e for e in console_errors if "Content Security Policy" in e] == []

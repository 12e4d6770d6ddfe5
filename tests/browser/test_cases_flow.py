"""A clerk opens a case, records 告知 and 决定, and sees the 办案期限 met — in a real browser."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fazhi.cases.models import Case, DeadlineStatus
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.roles import Role
from fazhi.org.tests.factories import OfficerFactory, UserFactory, build_small_tree
from tests.browser.test_flows import PASSWORD, csp_errors, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def clerk_station(transactional_db):
    tree = build_small_tree()
    OfficerFactory(unit=tree["s1"], name="张警官", police_number="200001")
    OfficerFactory(unit=tree["s1"], name="李警官", police_number="200002")
    EnforcementItemFactory(code="CF-90001", name="殴打他人")
    UserFactory(username="clerk", role=Role.CLERK, scope_unit=tree["s1"])
    return tree


def local(instant: dt.datetime) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%dT%H:%M")


def test_a_clerk_opens_a_case_and_meets_the_handling_period(page, clerk_station, console_errors):
    now = timezone.now().replace(second=0, microsecond=0)
    page.goto("/cases/")
    log_in(page, "clerk", PASSWORD)
    expect(page).to_have_url(re.compile(r"/cases/$"))

    page.get_by_test_id("open-case").click()
    page.select_option("#id_unit", "500103-01")
    page.fill("#id_item", "CF-90001")
    page.select_option("#id_procedure", "zhian-general")
    page.fill("#id_title", "殴打他人")
    page.fill("#id_act_at", local(now - dt.timedelta(hours=5)))
    page.fill("#id_act_place", "解放路12号")
    page.select_option("#id_handlers", ["200001", "200002"])
    page.fill("#id_parties-0-name", "张三")
    page.fill("#id_parties-0-id_number", "110101199003070011")
    page.select_option("#id_first_kind", "accept")
    page.fill("#id_first_at", local(now - dt.timedelta(hours=4)))
    page.get_by_test_id("submit-case").click()

    expect(page.get_by_test_id("case-number")).to_have_text(f"500103-01-{now.year}-00001")
    handling = page.locator('[data-deadline="handling"]')
    expect(handling).to_have_attribute("data-status", "open")
    expect(page.get_by_test_id("masked-id")).to_have_text("1101**********0011")

    page.get_by_test_id("event-kind").select_option("notify")
    expect(page.locator("#id_data_proposed")).to_be_visible()  # the form follows the step
    page.fill("#id_occurred_at", local(now - dt.timedelta(hours=3)))
    page.fill("#id_data_proposed", "罚款200元")
    page.get_by_test_id("submit-event").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已告知")

    with page.expect_response(lambda r: "/events/form/" in r.url):
        page.get_by_test_id("event-kind").select_option("decide")
    expect(page.get_by_label("给予处罚")).to_be_visible()  # chosen by its label (issue 12)
    page.fill("#id_occurred_at", local(now - dt.timedelta(hours=2)))
    page.get_by_label("给予处罚").check()
    page.fill("#id_data_fine", "200")
    page.get_by_test_id("submit-event").click()

    expect(page.get_by_test_id("case-status")).to_have_text("已决定")
    expect(handling).to_have_attribute("data-status", "met")
    expect(handling.get_by_test_id("deadline-met")).to_have_text("已完成")
    case = Case.objects.get()
    assert case.deadlines.get(code="handling").status == DeadlineStatus.MET
    assert csp_errors(console_errors) == []


def test_a_refusal_shows_its_provision_in_the_browser(page, clerk_station, console_errors):
    from fazhi.cases.tests.factories import open_public_order_case

    now = timezone.now()
    accepted = timezone.localtime(now - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    case, _ = open_public_order_case(clerk_station["s1"], accepted=accepted, now=None)
    page.goto(f"/cases/{case.number}/")
    log_in(page, "clerk", PASSWORD)

    with page.expect_response(lambda r: "/events/form/" in r.url):
        page.get_by_test_id("event-kind").select_option("decide")
    expect(page.get_by_label("给予处罚")).to_be_visible()  # chosen by its label (issue 12)
    page.fill("#id_occurred_at", local(now - dt.timedelta(hours=1)))
    page.get_by_label("给予处罚").check()
    page.get_by_test_id("submit-event").click()

    expect(page.get_by_test_id("refusal-basis")).to_contain_text(
        "《中华人民共和国行政处罚法》第四十四条"
    )
    assert case.events.count() == 1
    assert csp_errors(console_errors) == []

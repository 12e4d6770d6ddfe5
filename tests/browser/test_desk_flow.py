"""The officer's day at the desk (issue 12), in a real browser: the to-do on the home page, a
case opened with the defaults in few inputs, the steps the pack allows, the decision by its
label, and a refusal brought into focus."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fazhi.cases.models import Case
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.roles import Role
from fazhi.org.tests.factories import OfficerFactory, UserFactory, build_small_tree
from tests.browser.a11y import severe_violations
from tests.browser.test_flows import PASSWORD, csp_errors, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def officer_desk(transactional_db):
    tree = build_small_tree()
    me = OfficerFactory(unit=tree["s1"], name="张警官", police_number="200001")
    OfficerFactory(unit=tree["s1"], name="李警官", police_number="200002")
    OfficerFactory(unit=tree["s1"], name="赵警官", police_number="200003", unqualified=True)
    EnforcementItemFactory(code="CF-90001", name="殴打他人")
    UserFactory(username="officer", role=Role.OFFICER, scope_unit=tree["s1"], officer=me)
    return tree


def test_an_officer_opens_a_case_records_steps_and_decides_by_label(
    page, officer_desk, console_errors
):
    page.goto("/")
    log_in(page, "officer", PASSWORD)
    work = page.get_by_test_id("home-work")
    expect(work.get_by_test_id("card-my_cases_overdue")).to_be_visible()
    statistics = page.get_by_test_id("home-statistics")
    assert work.bounding_box()["y"] < statistics.bounding_box()["y"]  # the work comes first
    assert severe_violations(page) == []  # axe-core: no serious or critical WCAG 2 AA issue

    page.goto("/cases/new/")
    # The defaults: my unit, me as the main handler, 受案 now; the unqualified colleague is
    # shown but cannot be chosen, with the reason.
    expect(page.locator("#id_unit")).to_have_value("500103-01")
    assert severe_violations(page) == []
    expect(page.locator("#id_handlers option[value='200001']")).to_have_attribute("selected", "")
    inputs = 0
    page.fill("#id_item", "CF-90001")
    page.locator("#id_item").dispatch_event("change")
    inputs += 1
    expect(page.get_by_test_id("item-ok")).to_contain_text("2 名执法人员可实施")
    expect(page.locator("#id_handlers option[value='200003']")).to_be_disabled()
    page.select_option("#id_handlers", ["200001", "200002"])
    inputs += 1
    page.fill("#id_title", "殴打他人")
    page.fill("#id_act_place", "解放路12号")
    page.fill("#id_parties-0-name", "张三")
    page.fill("#id_parties-0-id_number", "110101199003070011")
    inputs += 4
    page.get_by_test_id("submit-case").click()
    assert inputs == 6  # was 11 before the defaults (unit, procedure, two times, first step)

    expect(page.get_by_test_id("case-number")).to_contain_text("500103-01-")
    kind = page.get_by_test_id("event-kind")
    expect(kind.locator("option[value='statement']")).to_be_disabled()  # needs 告知 first
    expect(page.get_by_test_id("refused-steps")).to_contain_text("陈述申辩")

    with page.expect_response(lambda r: "/events/form/" in r.url):
        kind.select_option("notify")
    page.fill("#id_data_proposed", "罚款200元")  # the time defaults to now
    page.get_by_test_id("submit-event").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已告知")

    # The step meeting the nearest deadline (办案期限) is offered first, with the time now.
    expect(kind).to_have_value("decide")
    expect(page.locator("#id_occurred_at")).not_to_have_value("")
    # A fine of 2,000 yuan without offering a hearing: refused, and the focus goes to the step.
    page.get_by_label("给予处罚").check()
    page.fill("#id_data_fine", "2000")
    page.get_by_test_id("submit-event").click()
    expect(page.get_by_test_id("refusal")).to_contain_text("听证")
    expect(page.locator("[name=kind]")).to_be_focused()  # after the swap settles

    page.fill("#id_data_fine", "200")
    page.get_by_test_id("submit-event").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已决定")
    decided = page.locator("[data-testid=timeline] [data-kind=decide]")
    expect(decided).to_contain_text("给予处罚")
    expect(decided).not_to_contain_text("penalty")
    assert Case.objects.get().events.get(kind="decide").data["outcome"] == "penalty"
    assert severe_violations(page) == []
    assert csp_errors(console_errors) == []


def test_the_officers_overdue_figure_opens_exactly_its_cases(page, officer_desk):
    page.goto("/")
    log_in(page, "officer", PASSWORD)
    card = page.get_by_test_id("card-my_cases_overdue")
    shown = int(card.locator(".value").inner_text())
    card.locator("a").click()
    expect(page).to_have_url(re.compile(r"/cases/\?mine=1&due=overdue$"))
    assert page.locator("[data-testid=case-table] tbody tr[data-number]").count() == shown

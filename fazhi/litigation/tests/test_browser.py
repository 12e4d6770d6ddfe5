"""Litigation in a real browser: a reconsideration from the copy's receipt to the reply and the
decision; a lawsuit whose hearing the head of the bureau attends."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fazhi.core.clock import SHANGHAI
from fazhi.core.roles import Role
from fazhi.litigation.models import Matter
from fazhi.litigation.tests.factories import head_of, register
from fazhi.org.tests.factories import UserFactory, build_small_tree, make_citizen_id
from tests.browser.conftest import CHROMIUM
from tests.browser.test_flows import PASSWORD, csp_errors, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture
def bureau(transactional_db):
    tree = build_small_tree()
    UserFactory(username="fazhi", role=Role.LEGAL_OFFICER, scope_unit=tree["d1"])
    return tree


def _today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def test_a_reconsideration_from_receipt_to_reply_and_decision(
    page, live_server, bureau, console_errors
):
    today = _today().isoformat()
    page.goto("/litigation/")
    log_in(page, "fazhi", PASSWORD)
    page.get_by_test_id("new-matter").click()
    page.select_option("#id_kind", "reconsideration")
    page.select_option("#id_unit", "500103")
    page.fill("#id_body", "示例市北山区人民政府")
    page.fill("#id_received_on", today)
    page.fill("#id_claimant_name", "李四")
    page.fill("#id_claimant_id_number", "110101199003070012")
    page.fill("#id_act", "罚款五百元的行政处罚决定")
    page.locator("#id_act").dispatch_event("change")
    expect(page.get_by_test_id("check-error")).to_contain_text("校验码")
    page.fill("#id_claimant_id_number", make_citizen_id(3))
    page.locator("#id_claimant_id_number").dispatch_event("change")
    expect(page.get_by_test_id("preview")).to_contain_text("行政复议书面答复及提交证据、依据")
    expect(page.get_by_test_id("preview")).to_contain_text("第八十八条第二款")
    page.locator("#matter-form button[type=submit]").click()

    matter = Matter.objects.get()
    reply = matter.deadlines.get(code="FUYI_DAFU")
    row = page.locator('[data-code="FUYI_DAFU"]')
    expect(row).to_contain_text(timezone.localtime(reply.due_at).strftime("%Y-%m-%d"))
    expect(row).to_contain_text("第七十条")
    expect(page.get_by_test_id("claimant-id")).to_have_text(
        make_citizen_id(3)[:4] + "*" * 10 + make_citizen_id(3)[-4:]
    )

    page.fill("#id_replied_on", today)
    page.get_by_test_id("reply-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("replied")).to_contain_text(today)
    expect(row).to_contain_text("已完成")

    page.select_option("#id_outcome", "upheld")
    page.select_option("#id_ruling_form", "decision")
    page.fill("#id_outcome_on", today)
    page.get_by_test_id("outcome-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("outcome")).to_have_text("维持")
    matter.refresh_from_db()
    assert (matter.replied_on, matter.outcome) == (_today(), "upheld")
    assert csp_errors(console_errors) == []


def test_a_lawsuit_with_the_heads_appearance(page, live_server, bureau, console_errors):
    head = head_of(bureau["d1"])
    matter = register(
        bureau["d1"],
        kind="first_instance",
        received=_today().isoformat(),
        now=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    )
    hearing_at = timezone.localtime() - dt.timedelta(hours=2)
    page.goto(f"/litigation/{matter.number}/")
    log_in(page, "fazhi", PASSWORD)
    expect(page.get_by_test_id("hearings")).to_contain_text("尚未登记开庭")

    page.fill("#id_scheduled_at", hearing_at.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_place", "第三法庭")
    page.get_by_test_id("hearing-form").locator("button[type=submit]").click()
    form = page.get_by_test_id("appearance-form")
    form.locator("select[name=appearance]").select_option("head")
    form.locator("select[name=head]").select_option(str(head.pk))
    form.locator("input[name=held]").check()
    form.locator("button[type=submit]").click()

    expect(page.get_by_test_id("appearance")).to_contain_text("负责人出庭")
    expect(page.get_by_test_id("appearance")).to_contain_text(head.officer.name)
    expect(page.get_by_test_id("hearing-status")).to_have_text("已开庭")
    assert csp_errors(console_errors) == []

"""Petitions in a real browser: a petition routed to litigation (诉访分离) and told in writing;
a petition handled as a petition and answered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fazhi.core.clock import SHANGHAI
from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory, build_small_tree
from fazhi.petitions.models import Petition, Status
from tests.browser.conftest import CHROMIUM
from tests.browser.test_flows import PASSWORD, csp_errors, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture
def station(transactional_db):
    tree = build_small_tree()
    UserFactory(username="xinfang", role=Role.CLERK, scope_unit=tree["s1"])
    return tree


def _today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def _register(page, claim: str) -> Petition:
    page.goto("/petitions/")
    page.get_by_test_id("new-petition").click()
    page.select_option("#id_channel", "visit")
    page.fill("#id_petitioner_name", "王五")
    page.fill("#id_petitioner_id_number", "110101199003070011")
    page.fill("#id_petitioner_phone", "13912345678")
    page.fill("#id_matter", "对派出所的处理不满")
    page.fill("#id_claims", claim)
    expect(page.get_by_test_id("petition-check")).to_contain_text("可以登记")
    page.get_by_test_id("submit-petition").click()
    expect(page.get_by_test_id("petition-status")).to_have_text("已登记，待甄别")
    return Petition.objects.get()


def test_a_petition_against_a_penalty_is_routed_to_litigation_and_told_in_writing(
    page, live_server, station, console_errors
):
    page.goto("/petitions/")
    log_in(page, "xinfang", PASSWORD)
    petition = _register(page, "撤销罚款决定")
    expect(page.get_by_test_id("action-notice")).to_contain_text("尚有诉求未甄别")

    page.get_by_test_id("classify").click()
    page.select_option("#id_act", "decided")
    page.fill("#id_known_on", (_today() - dt.timedelta(days=100)).isoformat())
    page.locator("#id_known_on").dispatch_event("change")
    expect(page.get_by_test_id("routing-name")).to_contain_text("导入行政诉讼")
    expect(page.get_by_test_id("routing-basis")).to_contain_text(
        "《中华人民共和国行政诉讼法》第四十六条第一款"
    )
    expect(page.get_by_test_id("window-reconsideration")).to_contain_text("已届满")
    page.get_by_test_id("save-route").click()

    expect(page.get_by_test_id("claim-route")).to_contain_text("导入行政诉讼")
    page.get_by_test_id("do-notice").click()
    expect(page.get_by_test_id("petition-status")).to_have_text("已导入法定途径")
    expect(page.get_by_test_id("notice")).to_contain_text("六个月内向人民法院提起行政诉讼")
    expect(page.get_by_test_id("deadline-notice")).to_contain_text("已完成")
    petition.refresh_from_db()
    assert petition.status == Status.ROUTED
    assert petition.claims.get().route == "litigation"
    assert csp_errors(console_errors) == []


def test_a_petition_is_accepted_handled_and_answered(page, live_server, station, console_errors):
    page.goto("/petitions/")
    log_in(page, "xinfang", PASSWORD)
    petition = _register(page, "要求说明户籍迁移办理时间过长的原因")

    page.get_by_test_id("classify").click()
    expect(page.get_by_test_id("routing-name")).to_contain_text("作为信访事项办理")
    expect(page.get_by_test_id("routing-basis")).to_contain_text("第三十一条第（六）项")
    page.get_by_test_id("save-route").click()
    page.get_by_test_id("do-notice").click()
    expect(page.get_by_test_id("petition-status")).to_have_text("已受理，办理中")
    due = (_today() + dt.timedelta(days=60)).isoformat()
    expect(page.get_by_test_id("deadline-handling")).to_contain_text(due)
    expect(page.get_by_test_id("deadline-handling")).to_contain_text("《信访工作条例》第三十四条")

    page.select_option("#id_outcome", "explained")
    page.fill("#id_text", "经调查核实，户籍迁移因材料需核验延误，已督促办结，现予以解释说明。")
    page.get_by_test_id("do-reply").click()
    expect(page.get_by_test_id("petition-status")).to_have_text("已出具处理意见")
    expect(page.get_by_test_id("reply")).to_contain_text("解释说明")
    expect(page.get_by_test_id("deadline-handling")).to_contain_text("已完成")
    petition.refresh_from_db()
    assert petition.status == Status.REPLIED
    assert csp_errors(console_errors) == []

"""The city supervisor issues a 督办 from the dashboard; the station answers; the city closes it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fazhi.cases.tests.factories import open_public_order_case
from fazhi.core.roles import Role
from fazhi.org.tests.factories import OfficerFactory, UserFactory, build_small_tree
from fazhi.supervision.models import CaseWarning, OrderStatus, SupervisionOrder, WarningState
from tests.browser.test_flows import PASSWORD, csp_errors, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def red_warning(transactional_db):
    """A case of 甲区一派出所 with one open 告警, a city supervisor and a station officer."""
    tree = build_small_tree()
    UserFactory(username="city", role=Role.SUPERVISOR, scope_unit=tree["city"])
    me = OfficerFactory(unit=tree["s1"], name="张警官")
    UserFactory(username="zhang", role=Role.OFFICER, scope_unit=tree["s1"], officer=me)
    now = timezone.now()
    case, _ = open_public_order_case(
        tree["s1"],
        accepted=timezone.localtime(now - dt.timedelta(days=40)).strftime("%Y-%m-%d %H:%M"),
    )
    return CaseWarning.objects.create(
        case=case,
        rule="BANAN_OVER",
        name="办案期限已超期",
        level="alarm",
        basis="《中华人民共和国治安管理处罚法》第九十九条第一款",
        deadline_code="handling",
        state=WarningState.OPEN,
        opened_at=now - dt.timedelta(days=10),
    )


def local(instant: dt.datetime) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%dT%H:%M")


def test_the_city_issues_an_order_the_station_answers_and_the_city_closes_it(
    page, browser, live_server, red_warning, console_errors
):
    case = red_warning.case
    page.goto("/supervision/")
    log_in(page, "city", PASSWORD)
    expect(page).to_have_url(re.compile(r"/supervision/$"))
    expect(page.get_by_test_id("open-warnings")).to_have_text("1")
    expect(page.locator("#chart-levels")).to_be_visible()

    page.get_by_test_id("warnings-by-level").locator('[data-level="alarm"]').click()
    expect(page).to_have_url(re.compile(r"/supervision/warnings/\?.*level=alarm"))
    row = page.locator(f"#warning-{red_warning.pk}")
    expect(row).to_contain_text(case.number)
    row.get_by_test_id("supervise").click()

    expect(page.locator("#id_target_unit")).to_have_value("500103-01")
    expect(page.locator("#id_problem")).to_contain_text("办案期限已超期")
    page.fill("#id_demand", "三日内依法作出处理决定并报告")
    page.fill("#id_reply_due_at", local(timezone.now() + dt.timedelta(days=3)))
    page.get_by_test_id("order-issue-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("order-status")).to_have_text("待答复")
    order = SupervisionOrder.objects.get()
    assert (order.target_unit.code, order.case_id) == ("500103-01", case.pk)
    assert list(order.warnings.all()) == [red_warning]

    station = browser.new_context(base_url=live_server.url, locale="zh-CN")
    station_page = station.new_page()
    station_page.on(
        "console", lambda m: console_errors.append(m.text) if m.type == "error" else None
    )
    station_page.goto("/supervision/orders/")
    log_in(station_page, "zhang", PASSWORD)
    station_page.locator(f'[data-number="{order.number}"] a').click()
    expect(station_page.get_by_test_id("order-status")).to_have_text("待答复")
    station_page.fill("#id_rectification", "已于当日作出行政处罚决定，并对承办民警进行提醒谈话")
    station_page.fill("#id_evidence", "行政处罚决定书一份")
    station_page.get_by_test_id("order-answer-form").locator("button[type=submit]").click()
    expect(station_page.get_by_test_id("order-status")).to_have_text("已答复待核验")
    station.close()

    page.goto(f"/supervision/orders/{order.number}/")
    expect(page.get_by_test_id("order-events")).to_contain_text("行政处罚决定书一份")
    page.get_by_test_id("verify").click()
    expect(page.get_by_test_id("order-status")).to_have_text("已核验办结")
    order.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED
    assert [e.kind for e in order.events.all()] == ["issued", "answered", "verified"]
    assert csp_errors(console_errors) == []

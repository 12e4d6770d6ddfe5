"""警快办 in a real browser: a citizen applies online and a window clerk completes it; a walk-in
applicant is served on the spot."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory, build_small_tree
from fazhi.services.models import Application, HandlingMode
from fazhi.services.tests.factories import id_number, service_item
from tests.browser.test_flows import PASSWORD, csp_errors, log_in

pytestmark = pytest.mark.browser

SMS: list[tuple[str, str]] = []  # what the SMS gateway was asked to send (the live server's thread)


def capture_sms(phone: str, message: str) -> None:
    SMS.append((phone, message))


@pytest.fixture
def jkb(transactional_db, settings, tmp_path):
    settings.FAZHI_SMS_SENDER = f"{__name__}.capture_sms"
    settings.FAZHI_PRIVATE_MEDIA_ROOT = tmp_path
    SMS.clear()
    tree = build_small_tree()
    UserFactory(username="window", role=Role.WINDOW, scope_unit=tree["s1"])
    online = service_item(name="户口迁入", promised_days=5)
    walk_in = service_item(
        name="临时身份证明",
        on_the_spot=True,
        promised_days=0,
        modes=(HandlingMode.WINDOW,),
        is_online=False,
    )
    return {"tree": tree, "online": online, "walk_in": walk_in}


def test_a_citizen_applies_online_and_the_window_clerk_completes_it(
    browser, page, live_server, jkb, console_errors
):
    item = jkb["online"]
    proof = item.materials.get(fetched=False)

    # The citizen logs in with a code sent to the phone, then applies.
    page.goto(f"/jkb/apply/{item.code}/")
    page.fill("#id_phone", "13912345678")
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    code = re.search(r"验证码为 (\d{6})", SMS[-1][1]).group(1)
    page.fill("#id_code", code)
    page.get_by_test_id("verify-code").click()
    expect(page.get_by_test_id("apply-form")).to_be_visible()
    page.fill("#id_applicant_name", "王五")
    page.fill("#id_applicant_id_number", id_number())
    page.select_option(f"#id_handling_unit_{item.pk}", label="甲区一派出所")
    page.fill("#id_reason", "投靠亲属")
    page.fill("#id_move_date", "2026-03-01")
    page.select_option("#id_household", "家庭户")
    page.set_input_files(
        f"#id_material_{proof.pk}",
        files=[{"name": "证明.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}],
    )
    page.get_by_test_id("submit-application").click()
    receipt = page.get_by_test_id("receipt").inner_text().strip()
    assert Application.objects.get().receipt == receipt

    # The window clerk finds it in the queue, accepts, approves and completes it.
    clerk = browser.new_context(base_url=live_server.url, locale="zh-CN")
    staff = clerk.new_page()
    staff.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    staff.goto("/services/")
    log_in(staff, "window", PASSWORD)
    expect(staff.get_by_test_id("queue-table")).to_contain_text(receipt)
    expect(staff.get_by_test_id("queue-table")).not_to_contain_text(
        Application.objects.get().applicant_id_number
    )  # masked
    staff.get_by_role("link", name=receipt).click()
    expect(staff.get_by_test_id("uploads")).to_contain_text("证明.pdf")
    staff.get_by_test_id("act-accept").click()
    expect(staff.get_by_test_id("application-status")).to_have_text("已受理")
    expect(staff.get_by_test_id("clock-summary")).to_contain_text("剩余 5 个工作日")
    staff.get_by_test_id("act-approve").click()
    expect(staff.get_by_test_id("application-status")).to_have_text("已准予")
    staff.get_by_test_id("act-complete").click()
    expect(staff.get_by_test_id("application-status")).to_have_text("已办结")
    expect(staff.get_by_test_id("flag-fully-online")).to_be_visible()
    clerk.close()

    # The citizen sees it completed.
    page.goto(f"/jkb/mine/{receipt}/")
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    assert csp_errors(console_errors) == []


def test_a_walk_in_applicant_is_served_on_the_spot(page, live_server, jkb, console_errors):
    page.goto("/services/window/")
    log_in(page, "window", PASSWORD)
    page.fill("#item-q", "临时身份")
    row = page.locator(f'[data-item="{jkb["walk_in"].code}"]')
    expect(row).to_be_visible()  # found as the clerk types (htmx)
    row.get_by_role("link").click()
    page.fill("#id_applicant_name", "赵六")
    page.fill("#id_applicant_id_number", id_number())
    page.fill("#id_applicant_phone", "13812345678")
    page.fill("#id_form-reason", "证件遗失")
    page.fill("#id_form-move_date", "2026-03-01")
    page.select_option("#id_form-household", "家庭户")
    page.get_by_test_id("complete-on-the-spot").click()

    expect(page.get_by_test_id("application-status")).to_have_text("已办结")
    expect(page.get_by_test_id("flag-on-the-spot")).to_be_visible()
    expect(page.get_by_test_id("channel")).to_have_text("窗口")
    application = Application.objects.get()
    assert (application.on_the_spot, application.visits) == (True, 1)
    assert csp_errors(console_errors) == []

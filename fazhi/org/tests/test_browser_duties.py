"""三员分立 in a real browser (issue 11): the system administrator cannot use the account they
create; the owner activates it with both halves and logs in. Chromium, against a live server.
(The lockout scenario needs two client addresses: fazhi/org/tests/test_lockout.py.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fazhi.core.roles import Role
from fazhi.org.models import User
from fazhi.org.tests.factories import UserFactory, build_small_tree
from tests.browser.conftest import CHROMIUM
from tests.browser.test_flows import PASSWORD, csp_errors, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

CHOSEN = "Jiefang-Road-77"


@pytest.fixture
def admins(transactional_db):
    tree = build_small_tree()
    UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN)
    UserFactory(username="secadmin", role=Role.SECURITY_ADMIN)
    return tree


def log_out(page):
    page.click("form[action='/logout/'] button")


def test_a_new_account_is_usable_only_by_its_owner(page, admins, console_errors):
    page.set_default_timeout(60_000)  # a shared, loaded test machine
    # The system administrator creates the account and sees one half of the code, no password.
    page.goto("/login/")
    log_in(page, "sysadmin", PASSWORD)
    page.goto("/org/accounts/")
    page.fill("#id_username", "zhouqiang")
    page.fill("#id_full_name", "周强")
    page.click("form button:has-text('创建账号')")
    system_half = page.get_by_test_id("activation-code").locator("code").inner_text()
    expect(page.locator("tr[data-username='zhouqiang']")).to_contain_text("待本人激活")
    log_out(page)

    # With that half alone, nothing works: not as a password, not to activate.
    log_in(page, "zhouqiang", system_half)
    expect(page.locator(".alert-danger")).to_be_visible()
    page.get_by_test_id("activate-link").click()
    page.fill("#id_username", "zhouqiang")
    page.fill("#id_system_code", system_half)
    page.fill("#id_security_code", system_half)
    page.fill("#id_new_password1", CHOSEN)
    page.fill("#id_new_password2", CHOSEN)
    page.click("form button[type=submit]")
    expect(page.locator("body")).to_contain_text("请核对两段激活码")

    # The security administrator grants the scope and issues the second half.
    page.goto("/login/")
    log_in(page, "secadmin", PASSWORD)
    page.goto("/org/accounts/roles/")
    row = page.locator("tr[data-username='zhouqiang']")
    row.locator("select[name=role]").select_option("officer")
    row.locator("select[name=scope_unit]").select_option("500103-01")
    row.locator("button:has-text('保存')").click()
    page.locator("tr[data-username='zhouqiang'] button:has-text('签发激活码')").click()
    security_half = page.get_by_test_id("activation-code").locator("code").inner_text()
    log_out(page)

    # The owner activates with both halves, and logs in with the password only they know.
    page.goto("/org/activate/")
    page.fill("#id_username", "zhouqiang")
    page.fill("#id_system_code", system_half)
    page.fill("#id_security_code", security_half)
    page.fill("#id_new_password1", CHOSEN)
    page.fill("#id_new_password2", CHOSEN)
    page.click("form button[type=submit]")
    expect(page.locator("body")).to_contain_text("账号已激活")
    log_in(page, "zhouqiang", CHOSEN)
    expect(page.get_by_test_id("current-user")).to_contain_text("周强")
    assert User.objects.get(username="zhouqiang").scope_unit.code == "500103-01"
    assert csp_errors(console_errors) == []

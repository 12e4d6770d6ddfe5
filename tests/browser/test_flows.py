"""The main flows, driven in a real browser against a live server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fazhi.catalog.models import EditionStatus, ListKind
from fazhi.catalog.tests.factories import ListEditionFactory, add_entry, freeze
from fazhi.core.roles import Role
from fazhi.org.tests.factories import OfficerFactory, UserFactory, build_small_tree

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"  # the UserFactory password


@pytest.fixture
def station(transactional_db):
    """A station officer of 甲区一派出所 with a colleague, and an officer of another station."""
    tree = build_small_tree()
    me = OfficerFactory(unit=tree["s1"], name="张警官")
    OfficerFactory(unit=tree["s1"], name="李警官")
    OfficerFactory(unit=tree["s2"], name="王警官")
    UserFactory(username="zhang", role=Role.OFFICER, scope_unit=tree["s1"], officer=me)
    return tree


def log_in(page, username: str, password: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")


def csp_errors(console_errors) -> list[str]:
    return [text for text in console_errors if "Content Security Policy" in text]


def test_a_station_officer_logs_in_and_sees_only_their_units_officers(
    page, live_server, station, console_errors
):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))

    log_in(page, "zhang", PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("home-scope")).to_contain_text("甲区一派出所")
    expect(page.get_by_test_id("card-officers").locator(".value")).to_have_text("2")
    page.get_by_test_id("card-officers").locator("a").click()
    expect(page).to_have_url(re.compile(r"/org/officers/$"))
    table = page.locator("table")
    expect(table).to_contain_text("张警官")
    expect(table).to_contain_text("李警官")
    expect(table).not_to_contain_text("王警官")
    assert csp_errors(console_errors) == []


def test_five_wrong_passwords_lock_the_account(page, station, console_errors):
    for attempt in range(4):
        page.goto("/login/")
        log_in(page, "zhang", f"wrong-{attempt}")
        expect(page.locator(".alert-danger")).to_be_visible()  # wrong password, try again
    page.goto("/login/")
    log_in(page, "zhang", "wrong-4")
    expect(page.get_by_test_id("locked-out")).to_be_visible()  # the fifth failure locks

    page.goto("/login/")
    log_in(page, "zhang", PASSWORD)

    expect(page.get_by_test_id("locked-out")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    assert csp_errors(console_errors) == []


def test_choosing_english_switches_the_page_language(page, station, console_errors):
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # fazhi.js submits the form when the selection changes (no inline handler: CSP).
    page.select_option("#language-form select", "en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#language-form select")).to_have_value("en")
    log_in(page, "zhang", PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert csp_errors(console_errors) == []


def test_the_public_list_is_open_without_login(page, transactional_db, console_errors):
    edition = ListEditionFactory(list_kind=ListKind.POWER, title="示例市公安局权责清单")
    add_entry(edition, "GA-CF-001", name="对违反治安管理行为的处罚")
    freeze(edition, EditionStatus.PUBLISHED)

    page.goto("/public/")
    page.get_by_role("link", name="权责清单").first.click()

    expect(page).to_have_url(re.compile(r"/public/lists/power/$"))
    expect(page.locator("main")).to_contain_text("对违反治安管理行为的处罚")
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    assert csp_errors(console_errors) == []


def test_the_api_docs_page_works_offline_under_the_csp(page, transactional_db, console_errors):
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))

    page.goto("/api/v1/docs")

    expect(page.locator("#swagger-ui .info .title")).to_contain_text("Fazhi API")
    assert csp_errors(console_errors) == []
    assert len(requested_hosts) == 1  # the live server itself, nothing from outside

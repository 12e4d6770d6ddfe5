import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from fazhi.audit import log as audit
from fazhi.catalog.models import ListEdition, ListKind
from fazhi.core import home
from fazhi.core.roles import Role
from fazhi.org import home as org_home
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 10, 8, 9, 0, tzinfo=dt.UTC)  # 17:00 in Shanghai
TODAY = dt.date(2025, 10, 8)


def cards(user, at=NOW) -> dict[str, home.Card]:
    return {card.key: card for panel in home.panels_for(user, at) for card in panel.cards}


def panel_keys(user) -> list[str]:
    return [panel.key for panel in home.panels_for(user, NOW)]


@pytest.fixture
def officers(tree):
    """One officer in each qualification state at s1, and two valid ones elsewhere."""
    s1 = tree["s1"]
    return {
        "valid": OfficerFactory(unit=s1, qualification_expires_on=dt.date(2028, 12, 31)),
        "expiring": OfficerFactory(unit=s1, qualification_expires_on=TODAY + dt.timedelta(89)),
        "expires_in_90": OfficerFactory(unit=s1, qualification_expires_on=TODAY + dt.timedelta(90)),
        "expired": OfficerFactory(unit=s1, qualification_expires_on=TODAY - dt.timedelta(1)),
        "none": OfficerFactory(unit=s1, unqualified=True),
        "suspended": OfficerFactory(unit=s1, suspended=True),
        "elsewhere": OfficerFactory(unit=tree["s2"]),
        "centre": OfficerFactory(unit=tree["c1"]),
    }


def test_the_apps_register_their_panels_in_the_page_order():
    """core.home imports no app: each app's home module registers its panels (ADR 0017).

    The work (待办) comes first, then the statistics; the new apps' panels may stand between.
    """
    expected = [
        "me",
        "my_cases",
        "case_review",
        "my_supervision",
        "supervision_work",
        "window_work",
        "supervision",
        "scope",
        "catalogue",
        "qualification",
        "services",
        "accounts",
        "security",
        "audit",
    ]
    keys = [source.key for source in home.sources()]
    assert [key for key in keys if key in expected] == expected


def test_qualification_counts_match_the_officer_list_filters(officers, tree, make_user):
    user = make_user(Role.SUPERVISOR, tree["city"])
    assert org_home.qualification_counts(user, TODAY) == {
        "valid": 5,  # valid, expires_in_90, suspended (its dates are valid), elsewhere, centre
        "expiring": 1,
        "expired": 1,
        "none": 1,
        "suspended": 1,
    }


def test_a_qualification_that_ends_today_is_still_in_force_and_expiring(tree, make_user):
    OfficerFactory(unit=tree["s1"], qualification_expires_on=TODAY)
    counts = org_home.qualification_counts(make_user(Role.SUPERVISOR, tree["city"]), TODAY)
    assert (counts["expiring"], counts["expired"]) == (1, 0)


def test_a_qualification_granted_in_the_future_counts_as_none(tree, make_user):
    OfficerFactory(unit=tree["s1"], qualification_granted_on=TODAY + dt.timedelta(1))
    counts = org_home.qualification_counts(make_user(Role.SUPERVISOR, tree["city"]), TODAY)
    assert counts["none"] == 1


def test_a_station_officer_sees_only_their_station(officers, tree, make_user):
    user = make_user(Role.OFFICER, tree["s1"], officer=officers["valid"])
    figures = cards(user)
    assert figures["units"].value == 1
    assert figures["officers"].value == 6
    assert figures["expiring"].value == 1
    assert figures["valid"].value == 3
    assert figures["suspended"].value == 1


def test_a_district_supervisor_sees_the_district_subtree(officers, tree, make_user):
    user = make_user(Role.SUPERVISOR, tree["d1"])
    figures = cards(user)
    assert figures["units"].value == 3  # d1, s1, c1
    assert figures["officers"].value == 7


def test_the_city_centre_sees_everything(officers, tree, make_user):
    user = make_user(Role.SUPERVISOR, tree["city"])
    assert cards(user)["officers"].value == 8
    assert cards(user)["units"].value == 8


def test_an_officer_sees_their_own_qualification_first(officers, tree, make_user):
    user = make_user(Role.OFFICER, tree["s1"], officer=officers["expiring"])
    first = home.panels_for(user, NOW)[0]
    assert first.key == "me"
    assert str(first.cards[0].value) == "即将到期"
    assert first.cards[0].level == "yellow"
    assert (str(first.rows[0][0]), first.rows[0][1]) == ("警号", officers["expiring"].police_number)


def test_an_expired_officer_is_told_in_red(officers, tree, make_user):
    user = make_user(Role.OFFICER, tree["s1"], officer=officers["expired"])
    own = home.panels_for(user, NOW)[0].cards[0]
    assert (str(own.value), own.level) == ("已过期", "red")


def test_qualification_cards_link_to_the_filtered_officer_list(officers, tree, make_user):
    user = make_user(Role.SUPERVISOR, tree["city"])
    figures = cards(user)
    assert figures["officers"].url == "/org/officers/"
    assert figures["expiring"].url == "/org/officers/?qualification_state=expiring"
    assert figures["suspended"].url == "/org/officers/?status=suspended"
    assert figures["expired"].level == "red"


def test_each_qualification_figure_is_the_number_of_rows_its_link_lists(
    client, officers, tree, make_user
):
    user = make_user(Role.SUPERVISOR, tree["d1"])
    client.force_login(user)
    for key in ("valid", "expiring", "expired", "none", "suspended"):
        card = cards(user, timezone.now())[key]
        response = client.get(card.url)
        assert response.status_code == 200
        assert response.context["page"].paginator.count == card.value, key


def test_a_zero_count_carries_no_warning_colour(tree, make_user):
    user = make_user(Role.SUPERVISOR, tree["city"])
    assert cards(user)["expired"].level == ""


def test_catalogue_drafts_are_shown_to_those_who_edit_or_publish(tree, make_user):
    ListEdition.objects.create(list_kind=ListKind.POWER, number=1, title="权责清单")
    officer = make_user(Role.OFFICER, tree["s1"])
    legal = make_user(Role.LEGAL_OFFICER, tree["d1"])
    leader = make_user(Role.LEADER, tree["city"])
    assert "draft_editions" not in cards(officer)
    assert cards(legal)["draft_editions"].value == 1
    assert cards(legal)["draft_editions"].level == ""
    assert cards(leader)["draft_editions"].level == "yellow"
    assert cards(leader)["published_editions"].value == 0


def test_the_three_administrators_see_only_their_own_tasks(tree, make_user):
    sysadmin = make_user(Role.SYSTEM_ADMIN, None)
    secadmin = make_user(Role.SECURITY_ADMIN, None)
    auditadmin = make_user(Role.AUDIT_ADMIN, None)
    assert panel_keys(sysadmin) == ["accounts"]
    assert panel_keys(secadmin) == ["security"]
    assert panel_keys(auditadmin) == ["audit"]


def test_the_system_administrator_counts_accounts_and_inactive_ones(tree, make_user):
    sysadmin = make_user(Role.SYSTEM_ADMIN, None)
    make_user(Role.OFFICER, tree["s1"], is_active=False)
    make_user(Role.OFFICER, tree["s1"])
    figures = cards(sysadmin)
    assert figures["accounts"].value == 3
    assert figures["inactive_accounts"].value == 1
    assert figures["unscoped_accounts"].value == 1  # the sysadmin itself


def test_the_security_administrator_sees_the_locked_accounts(client, tree, make_user):
    secadmin = make_user(Role.SECURITY_ADMIN, None)
    make_user(Role.OFFICER, tree["s1"], username="locked")
    make_user(Role.OFFICER, tree["s1"], username="typo")
    for _ in range(5):
        client.post(reverse("login"), {"username": "locked", "password": "wrong"})
    client.post(reverse("login"), {"username": "typo", "password": "wrong"})
    now = timezone.now()
    panel = home.panels_for(secadmin, now)[0]
    figures = {card.key: card for card in panel.cards}
    assert figures["locked_accounts"].value == 1
    assert figures["locked_accounts"].level == "red"
    assert figures["failing_accounts"].value == 1
    assert panel.rows == [("已锁定", "locked")]
    assert org_home.locked_usernames(now + dt.timedelta(minutes=31)) == []


def test_the_audit_administrator_sees_todays_entries_and_an_intact_chain(tree, make_user):
    auditadmin = make_user(Role.AUDIT_ADMIN, None)
    # 2025-10-07 23:30 in Shanghai is yesterday; 2025-10-08 00:30 is today.
    audit.record(
        "system:test", "test.yesterday", at=dt.datetime(2025, 10, 7, 15, 30, tzinfo=dt.UTC)
    )
    audit.record("system:test", "test.today", at=dt.datetime(2025, 10, 7, 16, 30, tzinfo=dt.UTC))
    audit.record("system:login", "auth.login_failed", at=NOW)
    figures = cards(auditadmin)
    assert figures["audit_today"].value == 2
    assert figures["failed_logins_today"].value == 1
    assert (str(figures["chain"].value), figures["chain"].level) == ("完整", "ok")


def test_a_broken_chain_shows_red_on_the_audit_home(tree, make_user):
    from django.db import connection

    auditadmin = make_user(Role.AUDIT_ADMIN, None)
    entry = audit.record("system:test", "test.act", at=NOW)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [entry.id])
    chain = cards(auditadmin)["chain"]
    assert (str(chain.value), chain.level) == ("已损坏", "red")


def test_the_home_page_renders_each_role(client, officers, tree, make_user):
    for role in Role:
        scope = (
            None
            if role in {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
            else tree["s1"]
        )
        client.force_login(make_user(role, scope, username=f"home-{role}"))
        with time_machine.travel(NOW, tick=False):
            response = client.get("/")
        assert response.status_code == 200, role
        assert response.context["today"] == TODAY


def test_the_home_page_shows_the_station_officers_unit(client, officers, tree, make_user):
    client.force_login(make_user(Role.OFFICER, tree["s1"], officer=officers["valid"]))
    response = client.get("/")
    html = response.content.decode()
    assert 'data-testid="home-scope"' in html
    assert "甲区一派出所" in html
    assert 'data-testid="card-officers"' in html
    expected = [
        "me",
        "my_cases",  # the work first (issue 12)
        "my_supervision",
        "supervision",
        "scope",
        "catalogue",
        "qualification",
    ]
    keys = [panel.key for panel in response.context["panels"]]
    assert [key for key in keys if key in expected] == expected
    work = [panel.key for panel in response.context["work"]]
    assert work[:2] == ["my_cases", "my_supervision"]
    assert html.index('data-testid="home-work"') < html.index('data-testid="home-statistics"')


def test_the_supervision_figures_are_the_numbers_of_rows_their_links_list(client, tree, make_user):
    from fazhi.supervision import orders, scan
    from fazhi.supervision.tests.factories import at, open_public_order_case

    case, _ = open_public_order_case(tree["s1"], accepted="2025-04-01 08:00")
    open_public_order_case(tree["s2"], accepted="2025-04-01 08:00")
    user = make_user(Role.SUPERVISOR, tree["d1"])
    orders.issue_order(
        tree["s1"], case=case, problem="办案期限已超期", demand="立即依法处理",
        reply_due_at=at("2025-04-08 17:00"), actor=user, at=at("2025-04-01 09:00"),
    )  # fmt: skip
    scan.run(timezone.now())
    client.force_login(user)
    figures = cards(user, timezone.now())
    assert figures["orders_overdue"].value == 1
    assert sum(figures[f"warnings_{level}"].value for level in ("hint", "warning", "alarm")) > 0
    for key in ("warnings_hint", "warnings_warning", "warnings_alarm", "orders_overdue"):
        response = client.get(figures[key].url)
        assert response.status_code == 200
        assert response.context["page"].paginator.count == figures[key].value, key

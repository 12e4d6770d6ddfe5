"""The desk's to-do on the home page: each figure is exactly the rows its link lists."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from fazhi.cases import documents
from fazhi.cases.models import Case, CaseHandler, HandlerRole
from fazhi.cases.procedure import NewEvent, record_event
from fazhi.cases.tests.factories import open_public_order_case, person
from fazhi.core import home
from fazhi.core.roles import Role
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SH)  # a Tuesday morning in Shanghai


def _cards(user) -> dict[str, home.Card]:
    return {card.key: card for panel in home.panels_for(user, NOW) for card in panel.cards}


def _listed(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return sorted(case.number for case in response.context["page"].cases)


@pytest.fixture
def desk(tree, make_user):
    """An officer of s1 handling five cases due at different times, and one case of another."""
    me = OfficerFactory(unit=tree["s1"], name="王警官")
    user = make_user(Role.OFFICER, tree["s1"], officer=me)
    due = {
        "overdue": NOW - dt.timedelta(hours=1),
        "today": NOW + dt.timedelta(hours=5),  # 14:00 today
        "tomorrow": NOW + dt.timedelta(days=1),
        "day3": NOW.replace(hour=23) + dt.timedelta(days=3),  # the end of the third day
        "day4": NOW + dt.timedelta(days=4),  # later than three days: in no band
        "other": NOW - dt.timedelta(hours=2),  # overdue, but not mine
    }
    cases = {}
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        for key in due:
            cases[key], _clerk = open_public_order_case(tree["s1"], accepted="2026-03-09 08:00")
    for key, instant in due.items():
        Case.objects.filter(pk=cases[key].pk).update(next_due_at=instant)
        if key != "other":
            CaseHandler.objects.create(case=cases[key], officer=me, role=HandlerRole.ASSIST)
    return user, cases


def test_the_officer_sees_their_cases_in_three_disjoint_deadline_bands(desk):
    user, _cases = desk
    panels = [panel.key for panel in home.panels_for(user, NOW)]
    assert panels[:2] == ["me", "my_cases"]  # who I am, then my work, before the statistics
    figures = _cards(user)
    assert figures["my_cases_overdue"].value == 1
    assert figures["my_cases_today"].value == 1
    assert figures["my_cases_soon"].value == 2  # tomorrow and the end of the third day
    assert figures["my_cases_overdue"].level == "red"
    assert figures["my_cases_soon"].url == "/cases/?mine=1&due=soon"


def test_each_of_the_officers_figures_lists_exactly_its_cases(client, desk):
    user, cases = desk
    client.force_login(user)
    expected = {
        "my_cases_overdue": [cases["overdue"].number],
        "my_cases_today": [cases["today"].number],
        "my_cases_soon": sorted([cases["tomorrow"].number, cases["day3"].number]),
    }
    with time_machine.travel(NOW, tick=False):
        figures = _cards(user)
        for key, numbers in expected.items():
            assert _listed(client, figures[key].url) == numbers, key
            assert figures[key].value == len(numbers)


def test_the_clerk_sees_decisions_waiting_for_their_document(client, tree):
    case, clerk = open_public_order_case(
        tree["s1"], accepted="2026-03-02 08:00", now="2026-03-09 08:00", parties=[person()]
    )
    at = dt.datetime(2026, 3, 9, 10, 0, tzinfo=SH)
    record_event(case, NewEvent("notify", at, data={"proposed": "罚款200元"}), actor=clerk, at=at)
    figures = _cards(clerk)
    assert figures["awaiting_review"].value == 1  # told, not yet reviewed
    assert figures["awaiting_document"].value == 0
    decided = at + dt.timedelta(hours=1)
    record_event(
        case,
        NewEvent("legal_review", decided - dt.timedelta(minutes=30), data={"opinion": "同意"}),
        actor=clerk,
        at=decided,
    )
    record_event(
        case,
        NewEvent("decide", decided, data={"outcome": "penalty", "fine": 200}),
        actor=clerk,
        at=decided,
    )
    figures = _cards(clerk)
    assert figures["awaiting_review"].value == 0
    assert figures["awaiting_document"].value == 1
    client.force_login(clerk)
    with time_machine.travel(NOW, tick=False):
        assert _listed(client, figures["awaiting_document"].url) == [case.number]
    documents.generate_document(case, "decision", actor=clerk, at=decided)
    assert _cards(clerk)["awaiting_document"].value == 0


def test_a_supervisor_and_a_window_clerk_see_their_own_work(tree, make_user):
    supervisor = make_user(Role.SUPERVISOR, tree["d1"])
    keys = [panel.key for panel in home.panels_for(supervisor, NOW) if panel.is_work]
    assert keys == ["supervision_work"]
    window = make_user(Role.WINDOW, tree["s1"])
    keys = [panel.key for panel in home.panels_for(window, NOW) if panel.is_work]
    assert keys == ["window_work"]


def test_the_case_list_colours_the_same_bands_the_home_page_counts(client, desk):
    user, _cases = desk
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        html = client.get("/cases/?mine=1").content.decode()
    assert html.count('data-band="overdue"') == 1
    assert html.count('data-band="today"') == 1
    assert html.count('data-band="soon"') == 2


@pytest.mark.parametrize(
    "role",
    [Role.OFFICER, Role.LEGAL_OFFICER, Role.CLERK, Role.SUPERVISOR, Role.LEADER, Role.WINDOW],
)
def test_every_business_role_sees_its_work_before_its_statistics(client, tree, make_user, role):
    officer = OfficerFactory(unit=tree["s1"])
    client.force_login(make_user(role, tree["d1"] if role == Role.SUPERVISOR else tree["s1"],
                                 officer=officer))  # fmt: skip
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["work"], role  # every business role has a to-do
    if 'data-testid="home-statistics"' in html:
        assert html.index('data-testid="home-work"') < html.index('data-testid="home-statistics"')

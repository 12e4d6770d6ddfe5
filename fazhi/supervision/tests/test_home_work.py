"""The supervision work on the home page (issue 12): each figure is exactly the rows its link lists."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fazhi.core import home
from fazhi.core.roles import Role
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


def _cards(user) -> dict[str, home.Card]:
    now = timezone.now()
    return {card.key: card for panel in home.panels_for(user, now) for card in panel.cards}


def _count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def test_the_order_figures_of_the_officer_and_the_supervisor_list_exactly_their_rows(
    client, tree, make_user
):
    from fazhi.supervision import orders, scan
    from fazhi.supervision.tests.factories import at, open_public_order_case

    case, clerk = open_public_order_case(tree["s1"], accepted="2025-04-01 08:00")
    open_public_order_case(tree["s2"], accepted="2025-04-01 08:00")
    supervisor = make_user(Role.SUPERVISOR, tree["d1"])
    issued = orders.issue_order(
        tree["s1"], case=case, problem="办案期限已超期", demand="立即依法处理",
        reply_due_at=at("2025-04-08 17:00"), actor=supervisor, at=at("2025-04-01 09:00"),
    )  # fmt: skip
    orders.issue_order(
        tree["s1"], case=case, problem="未及时告知", demand="补充告知",
        reply_due_at=at("2025-04-08 17:00"), actor=supervisor, at=at("2025-04-01 09:00"),
    )  # fmt: skip
    scan.run(timezone.now())
    officer = make_user(Role.OFFICER, tree["s1"], officer=OfficerFactory(unit=tree["s1"]))
    figures = _cards(officer)
    assert figures["orders_awaiting_reply"].value == 2
    client.force_login(officer)
    assert _count(client, figures["orders_awaiting_reply"].url) == 2

    orders.answer_order(
        issued, rectification="已补办", evidence="见卷宗", actor=clerk, at=timezone.now()
    )
    assert _cards(officer)["orders_awaiting_reply"].value == 1
    figures = _cards(supervisor)
    assert figures["orders_to_verify"].value == 1
    client.force_login(supervisor)
    for key in ("orders_to_verify", "red_warnings_new", "orders_overdue_work"):
        assert _count(client, figures[key].url) == figures[key].value, key


def test_the_window_figures_list_exactly_their_applications(client, tree, make_user):
    window = make_user(Role.WINDOW, tree["s1"])
    figures = _cards(window)
    client.force_login(window)
    for key in ("services_due_today", "services_overdue_work", "services_supplemented"):
        response = client.get(figures[key].url)
        assert response.status_code == 200, key
        assert figures[key].value == 0

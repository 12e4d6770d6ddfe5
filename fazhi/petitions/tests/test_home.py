"""The home panel of petitions: open, due, overdue and mediations, each linking to its list."""

import pytest

from fazhi.core.home import panels_for
from fazhi.core.roles import Role
from fazhi.petitions.tests.factories import at, receive

pytestmark = pytest.mark.django_db


def test_the_panel_counts_the_overdue_petition_of_the_scope(tree, make_user):
    _petition, user = receive(tree["s1"])
    panel = next(p for p in panels_for(user, at("2026-03-20 09:00")) if p.key == "petitions")
    cards = {c.key: c for c in panel.cards}
    assert (cards["petitions_open"].value, cards["petitions_overdue"].value) == (1, 1)
    assert cards["petitions_overdue"].url == "/petitions/?state=overdue"
    assert cards["petitions_overdue"].level == "red"


def test_roles_without_petitions_see_no_panel(tree, make_user):
    receive(tree["s1"])
    legal = make_user(Role.LEGAL_OFFICER, tree["s1"])
    assert "petitions" not in [p.key for p in panels_for(legal, at("2026-03-20 09:00"))]

import datetime as dt

import pytest

from fazhi.catalog import editions
from fazhi.catalog.models import ListKind
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.roles import Role


@pytest.fixture
def editor(tree, make_user):
    return make_user(Role.LEGAL_OFFICER, tree["city"], username="fazhiyuan")


@pytest.fixture
def leader(tree, make_user):
    return make_user(Role.LEADER, tree["city"], username="lingdao")


@pytest.fixture
def publish_list(editor, leader):
    """Return a function that publishes an edition of LIST_KIND holding items with CODES."""

    def publish(codes, on=dt.date(2025, 1, 1), kind=ListKind.POWER, **item_fields):
        draft = editions.start_draft(kind, actor=editor)
        for code in codes:
            item = EnforcementItemFactory(code=code, **item_fields)
            editions.add_entry_from_item(draft, item, actor=editor)
        return editions.publish(draft, actor=leader, effective_from=on)

    return publish

"""Fixtures shared by every app's tests."""

import pytest


@pytest.fixture
def tree(db):
    from fazhi.org.tests.factories import build_small_tree

    return build_small_tree()


@pytest.fixture
def make_user(db):
    from fazhi.org.tests.factories import UserFactory

    def make(role, scope_unit=None, **kwargs):
        return UserFactory(role=role, scope_unit=scope_unit, **kwargs)

    return make

"""Fixtures shared by every app's tests."""

import pytest
from hypothesis import settings as hypothesis_settings

# Headless Chromium, one browser per worker for every app's browser tests.
pytest_plugins = ["tests.browser.plugin"]

# The machine is shared and noisy: a per-example deadline makes property tests flaky, not stricter.
hypothesis_settings.register_profile("fazhi", deadline=None, print_blob=True)
hypothesis_settings.load_profile("fazhi")


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


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords with MD5: the production hasher makes user-heavy tests slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _two_factor_off(settings):
    """Two-factor login (ADR 0024) is off here and on in fazhi/org/tests/test_two_factor.py: the
    other tests sign supervisors and administrators in with force_login and a password alone."""
    settings.FAZHI_2FA_REQUIRED = False


@pytest.fixture
def laws(db):
    """Load the shipped laws for the test; return the load report."""
    from fazhi.law.loader import load_laws

    return load_laws()


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_at_once():
    """A task a request queues (a long action, fazhi.core.jobs) runs at once, in the request
    (huey's immediate mode, in memory): the tests need no worker and see its result."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before

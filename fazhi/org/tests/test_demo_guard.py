"""`fazhi demo` runs only when asked for (FAZHI_DEMO=1) and only where every account is a demo
account: the demo's accounts carry a published password (issue 11, ADR 0024)."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from fazhi.core import demo
from fazhi.core.roles import Role
from fazhi.org.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_refuses_a_database_with_a_real_account(make_user, monkeypatch):
    monkeypatch.setenv("FAZHI_DEMO", "1")
    make_user(Role.SYSTEM_ADMIN, None, username="zhang.admin")
    with pytest.raises(CommandError) as caught:
        call_command("demo", "--tiny", "--no-laws", "--applications", "0", stdout=io.StringIO())
    assert "1 个非演示账号" in str(caught.value)
    assert "zhang.admin" in str(caught.value)
    assert User.objects.count() == 1  # nothing was written


def test_the_demo_runs_only_when_asked_for_explicitly(db, monkeypatch):
    monkeypatch.delenv("FAZHI_DEMO", raising=False)
    with pytest.raises(CommandError) as caught:
        call_command("demo", "--tiny", "--no-laws", "--applications", "0", stdout=io.StringIO())
    assert "FAZHI_DEMO=1" in str(caught.value)
    assert demo.refusal({"FAZHI_DEMO": "yes"}) is not None
    assert demo.refusal({"FAZHI_DEMO": "1"}) is None


def test_demo_accounts_are_marked_and_a_second_run_is_allowed(make_user, monkeypatch):
    """Every account a demo step creates is marked, even one a step made without the mark."""

    def another_step(run):
        User.objects.create(username="unit-x", role=Role.OFFICER)  # no is_demo

    only = [s for s in demo.steps() if s.name == "org"] + [demo.Step(99, "x", another_step)]
    monkeypatch.setattr(demo, "steps", lambda: only)
    monkeypatch.setenv("FAZHI_DEMO", "1")
    demo.load(demo.TINY, on=dt.date(2026, 3, 2), laws=False, cases=False)
    assert User.objects.filter(username__in=["officer", "auditadmin", "unit-x"]).count() == 3
    assert not User.objects.filter(is_demo=False).exists()
    assert demo.refusal() is None
    officer = User.objects.get(username="officer")
    assert officer.check_password(demo.DEMO_PASSWORD)  # the documented password still works
    make_user(Role.OFFICER, None, username="real")
    assert "real" in (demo.refusal() or "")

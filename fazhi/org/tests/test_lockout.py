"""A login lockout nobody can use to lock someone else out (issue 11, ADR 0024).

django-axes counts failures by (username, client address); attempts made during a lockout do
not restart it; the lockout page says how long is left.
"""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from fazhi.core.roles import Role
from fazhi.org import accounts

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the test factory's
OWNER_ADDRESS = "10.20.1.15"
ATTACKER_ADDRESS = "172.16.8.201"
T0 = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


def attempt(address, username, password):
    return Client(REMOTE_ADDR=address).post(
        reverse("login"), {"username": username, "password": password}
    )


def test_a_third_party_from_another_address_cannot_lock_the_owner_out(make_user, settings):
    make_user(Role.OFFICER, None, username="owner")
    for _ in range(settings.AXES_FAILURE_LIMIT * 3):  # and keeps trying during the lockout
        attempt(ATTACKER_ADDRESS, "owner", "guess")
    assert attempt(ATTACKER_ADDRESS, "owner", PASSWORD).status_code == 429  # locked: the guesser

    response = attempt(OWNER_ADDRESS, "owner", PASSWORD)

    assert response.status_code == 302  # the owner, from their own desk, logs in
    assert accounts.lockouts() == {"owner": [ATTACKER_ADDRESS]}


def test_the_owner_locked_from_their_address_is_not_held_by_retrying(make_user):
    make_user(Role.OFFICER, None, username="owner")
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            attempt(OWNER_ADDRESS, "owner", "wrong")
        for _ in range(29):  # a retry every minute during the lockout …
            clock.shift(dt.timedelta(minutes=1))
            assert attempt(OWNER_ADDRESS, "owner", "wrong").status_code == 429
        clock.shift(dt.timedelta(minutes=1, seconds=1))
        # … does not restart it: 30 minutes after the fifth failure, the right password works.
        assert attempt(OWNER_ADDRESS, "owner", PASSWORD).status_code == 302


def test_the_lockout_page_shows_the_remaining_wait(make_user):
    make_user(Role.OFFICER, None, username="owner")
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            attempt(OWNER_ADDRESS, "owner", "wrong")
        clock.shift(dt.timedelta(minutes=10, seconds=30))
        response = attempt(OWNER_ADDRESS, "owner", PASSWORD)
    assert response.status_code == 429
    text = response.content.decode()
    assert "请在 20 分钟后（09:30 以后）再试" in text
    assert "暂停期间的尝试不会延长等待时间" in text


def test_the_security_administrator_unlocks_every_address_at_once(make_user):
    owner = make_user(Role.OFFICER, None, username="owner")
    secadmin = make_user(Role.SECURITY_ADMIN, None, username="secadmin")
    for address in (OWNER_ADDRESS, ATTACKER_ADDRESS):
        for _ in range(5):
            attempt(address, "owner", "wrong")
    assert sorted(accounts.lockouts()["owner"]) == sorted([OWNER_ADDRESS, ATTACKER_ADDRESS])
    accounts.unlock_account(owner, actor=secadmin)
    assert accounts.lockouts() == {}
    assert attempt(OWNER_ADDRESS, "owner", PASSWORD).status_code == 302

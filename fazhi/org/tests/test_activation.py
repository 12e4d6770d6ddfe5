"""No administrator can act as another user (issue 11, ADR 0024).

An account's password is chosen only by its owner, with a one-time activation code in two
halves (系统管理员 and 安全管理员); a reset voids the password; the policy of 等保 level 3
applies to every password an owner chooses.
"""

import datetime as dt
import itertools

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from fazhi.audit.models import AuditEntry
from fazhi.core.roles import Role
from fazhi.org import accounts
from fazhi.org.accounts import AccountError
from fazhi.org.models import ActivationCode, PasswordHistory, User
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

GOOD = "Qingshan-2026!"  # 14 characters, four classes, not like any username here
LOGIN = "/login/"


@pytest.fixture
def sysadmin(make_user):
    return make_user(Role.SYSTEM_ADMIN, None, username="sysadmin")


@pytest.fixture
def secadmin(make_user):
    return make_user(Role.SECURITY_ADMIN, None, username="secadmin")


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def activate_page(client, username, system_code, security_code, password=GOOD, again=None):
    return client.post(
        reverse("org:activate"),
        {
            "username": username,
            "system_code": system_code,
            "security_code": security_code,
            "new_password1": password,
            "new_password2": password if again is None else again,
        },
    )


def new_account(sysadmin, secadmin, tree, username="zhangwei"):
    """A new account with a scope and both activation halves, as the two administrators do."""
    officer = OfficerFactory(unit=tree["s1"])
    user, system_half = accounts.create_account(username, "张伟", actor=sysadmin, officer=officer)
    accounts.assign_role(user, Role.OFFICER, tree["s1"], actor=secadmin)
    security_half = accounts.issue_security_activation(user, actor=secadmin)
    return user, system_half.code, security_half.code


# --- Scenario: the system administrator cannot use a new account ------------------------------


def test_the_system_administrator_cannot_use_a_new_account(client, tree, sysadmin, secadmin):
    client.force_login(sysadmin)
    page = client.post(reverse("org:accounts"), {"username": "zhangwei", "full_name": "张伟"})
    shown = page.context["issued"].code
    assert "密码" not in page.context["issued"].__dict__  # an activation half, not a password
    user = User.objects.get(username="zhangwei")
    accounts.assign_role(user, Role.OFFICER, tree["s1"], actor=secadmin)  # case access granted
    client.logout()

    # Everything the system administrator saw or could guess: nothing logs in …
    for guess in (shown, "", "zhangwei", "Fazhi-demo-2026"):
        assert login(client, "zhangwei", guess).status_code == 200
    assert "_auth_user_id" not in client.session
    # … and the half they hold does not activate the account on its own.
    refused = activate_page(client, "zhangwei", shown, shown)
    assert refused.status_code == 200
    assert "两段激活码" in refused.content.decode()
    user.refresh_from_db()
    assert user.is_pending_activation
    assert AuditEntry.objects.filter(action="account.activation_failed").count() == 1


def test_the_owner_activates_with_both_halves_and_logs_in(client, tree, sysadmin, secadmin):
    user, system_code, security_code = new_account(sysadmin, secadmin, tree)
    response = activate_page(client, "zhangwei", system_code.lower(), security_code)
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert login(client, "zhangwei", GOOD).status_code == 302
    user.refresh_from_db()
    assert not user.is_pending_activation
    assert user.password_changed_at is not None
    entry = AuditEntry.objects.get(action="account.activated")
    assert (entry.actor, entry.ip_address) == (user, "127.0.0.1")
    # The codes worked once and are gone; no code was ever written to the log.
    assert ActivationCode.objects.filter(user=user).count() == 0
    assert activate_page(Client(), "zhangwei", system_code, security_code).status_code == 200
    assert not any(system_code in str(e.changes) for e in AuditEntry.objects.all())


def test_the_codes_are_stored_only_as_keyed_hashes(tree, sysadmin, secadmin):
    user, system_code, security_code = new_account(sysadmin, secadmin, tree)
    stored = set(ActivationCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 2
    for code in (system_code, security_code):
        assert all(accounts.normalise_code(code) not in h for h in stored)


def test_an_expired_half_names_who_must_issue_it_again(client, tree, sysadmin, secadmin):
    with time_machine.travel(dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        _user, system_code, security_code = new_account(sysadmin, secadmin, tree)
        clock.shift(dt.timedelta(hours=24, minutes=1))
        response = activate_page(client, "zhangwei", system_code, security_code)
    assert response.status_code == 200
    text = response.content.decode()
    assert "已过期" in text
    assert "系统管理员部分" in text
    assert "安全管理员部分" in text


def test_the_security_half_is_issued_only_to_an_account_awaiting_activation(
    tree, sysadmin, secadmin, make_user
):
    active = make_user(Role.OFFICER, tree["s1"], username="active")
    with pytest.raises(AccountError):
        accounts.issue_security_activation(active, actor=secadmin)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Ab1!x", "至少 10 个字符"),  # too short
        ("abcdefghijkl", "类"),  # one class
        ("abcdefgh1234", "类"),  # two classes
        ("Zhangwei-2026", "相似"),  # like the username
        ("2026202620262026", "类"),  # digits only
    ],
)
def test_the_password_policy_names_what_is_wrong(client, tree, sysadmin, secadmin, password, why):
    _user, system_code, security_code = new_account(sysadmin, secadmin, tree)
    response = activate_page(client, "zhangwei", system_code, security_code, password)
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["form"].errors.get("new_password1", []))
    assert why in errors, errors
    assert User.objects.get(username="zhangwei").is_pending_activation


def test_the_two_new_passwords_must_match(client, tree, sysadmin, secadmin):
    _user, system_code, security_code = new_account(sysadmin, secadmin, tree)
    response = activate_page(client, "zhangwei", system_code, security_code, again=GOOD + "x")
    assert "不一致" in str(response.context["form"].errors["new_password2"])


# --- Reset ----------------------------------------------------------------------------------------


def test_a_reset_voids_the_password_ends_the_session_and_is_audited(
    client, tree, sysadmin, secadmin, make_user
):
    owner = make_user(Role.OFFICER, tree["s1"], username="owner")
    owner.set_password(GOOD)
    owner.save()
    assert login(client, "owner", GOOD).status_code == 302
    assert client.get(reverse("core:home")).status_code == 200

    issued = accounts.reset_password(owner, actor=sysadmin)

    assert client.get(reverse("core:home")).status_code == 302  # the session ended
    assert login(Client(), "owner", GOOD).status_code == 200  # the old password is void
    assert login(Client(), "owner", issued.code).status_code == 200
    entry = AuditEntry.objects.get(action="account.reset")
    assert (entry.actor, entry.changes) == (sysadmin, {"had_password": True})
    # The account holds case access: it logs in again only once its owner activates it,
    # which takes the 安全管理员's half too.
    assert activate_page(Client(), "owner", issued.code, issued.code).status_code == 200
    security = accounts.issue_security_activation(owner, actor=secadmin)
    new = "Hongyan-Lu-88"
    assert activate_page(Client(), "owner", issued.code, security.code, new).status_code == 302
    assert login(Client(), "owner", new).status_code == 302


def test_a_reset_from_the_page_shows_the_new_half_once(client, make_user, sysadmin):
    make_user(Role.OFFICER, None, username="owner")
    client.force_login(sysadmin)
    response = client.post(reverse("org:account_reset", args=["owner"]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.context["issued"].code in response.content.decode()


def test_nobody_resets_their_own_password(sysadmin):
    with pytest.raises(AccountError):
        accounts.reset_password(sysadmin, actor=sysadmin)


# --- The owner's password-change page --------------------------------------------------------


def test_every_user_changes_their_own_password(client, make_user):
    user = make_user(Role.OFFICER, None, username="wang")
    user.set_password(GOOD)
    user.save()
    client.force_login(user)
    page = client.get(reverse("org:password_change"))
    assert page.status_code == 200
    assert "3 类" in page.content.decode()  # the policy is stated before typing
    response = client.post(
        reverse("org:password_change"),
        {"old_password": GOOD, "new_password1": "Songlin#2027", "new_password2": "Songlin#2027"},
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200  # still signed in
    assert login(Client(), "wang", "Songlin#2027").status_code == 302
    assert AuditEntry.objects.filter(action="account.password_change", actor=user).count() == 1


def test_a_wrong_old_password_is_refused(client, make_user):
    user = make_user(Role.OFFICER, None, username="wang")
    client.force_login(user)
    response = client.post(
        reverse("org:password_change"),
        {"old_password": "nope", "new_password1": GOOD, "new_password2": GOOD},
    )
    assert "原密码不正确" in str(response.context["form"].errors["old_password"])


def test_none_of_the_last_five_passwords_is_chosen_again(client, make_user, settings):
    assert settings.FAZHI_PASSWORD_HISTORY == 5
    user = make_user(Role.OFFICER, None, username="wang")
    passwords = [f"Baiyun-{n}-Road!" for n in range(7)]
    user.set_password(passwords[0])
    user.save()
    for old, new in itertools.pairwise(passwords):
        accounts.change_password(user, old, new)
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for recent in passwords[2:]:  # the current one and the four before it
        with pytest.raises(AccountError) as caught:
            accounts.change_password(user, passwords[-1], recent)
        assert "最近 5 次" in str(caught.value)
    accounts.change_password(user, passwords[-1], passwords[1])  # six changes ago: allowed


# --- Forced change and expiry ------------------------------------------------------------------


def test_a_password_an_administrator_knew_must_be_changed_first(client, make_user):
    user = make_user(Role.OFFICER, None, username="old", must_change_password=True)
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("org:password_change")
    assert client.get("/api/v1/cases/").status_code == 403
    client.post(
        reverse("org:password_change"),
        {"old_password": "correct horse battery", "new_password1": GOOD, "new_password2": GOOD},
    )
    assert client.get(reverse("core:home")).status_code == 200


def test_the_owner_is_warned_before_the_password_expires_and_must_change_it_after(
    client, make_user, settings
):
    settings.FAZHI_PASSWORD_MAX_AGE_DAYS = 90
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        user = make_user(Role.OFFICER, None, username="wang")
        user.set_password(GOOD)
        user.save()
        assert login(client, "wang", GOOD).status_code == 302
        assert "您的密码将于" not in client.get(reverse("core:home")).content.decode()
        clock.shift(dt.timedelta(days=80))
        assert login(client, "wang", GOOD).status_code == 302
        warned = client.get(reverse("core:home"))
        assert warned.status_code == 200
        assert "您的密码将于 2026-04-05 过期（还有 10 天）" in warned.content.decode()
        clock.shift(dt.timedelta(days=11))
        assert login(client, "wang", GOOD).status_code == 302
        expired = client.get(reverse("core:home"))
    assert expired.status_code == 302
    assert expired["Location"] == reverse("org:password_change")


def test_no_expiry_unless_the_bureau_configures_one(make_user, settings):
    from fazhi.org.passwords import expiry_state

    assert settings.FAZHI_PASSWORD_MAX_AGE_DAYS == 0
    user = make_user(Role.OFFICER, None, username="wang")
    user.set_password(GOOD)
    assert expiry_state(user).expires_on is None

"""三员分立: each administrator does their own job, and gets 403 on the others'."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from fazhi.audit.models import AuditEntry
from fazhi.core.errors import PermissionDeniedError
from fazhi.core.roles import Role
from fazhi.org import accounts
from fazhi.org.accounts import AccountError
from fazhi.org.models import Officer, User
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Hashing with the production hasher costs ~0.3 s a user; these tests make a hundred.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admins(make_user):
    return {
        role: make_user(role, None, username=role)
        for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
    }


@pytest.fixture
def target(make_user):
    return make_user(Role.OFFICER, None, username="newcomer")


def acts(action):
    return list(AuditEntry.objects.filter(action=action))


# --- The page matrix: (page, method, the one role allowed) ------------------------------------

PAGES = [
    ("org:accounts", "get", Role.SYSTEM_ADMIN),
    ("org:account_set_active", "post", Role.SYSTEM_ADMIN),
    ("org:account_link_officer", "post", Role.SYSTEM_ADMIN),
    ("org:account_roles", "get", Role.SECURITY_ADMIN),
    ("org:account_assign_role", "post", Role.SECURITY_ADMIN),
    ("org:account_unlock", "post", Role.SECURITY_ADMIN),
    ("org:account_reset", "post", Role.SYSTEM_ADMIN),
    ("org:account_issue_activation", "post", Role.SECURITY_ADMIN),
    ("audit:log", "get", Role.AUDIT_ADMIN),
    ("audit:verify", "post", Role.AUDIT_ADMIN),
]
TAKES_USERNAME = {
    "org:account_set_active",
    "org:account_link_officer",
    "org:account_assign_role",
    "org:account_unlock",
    "org:account_reset",
    "org:account_issue_activation",
}
ROLES = [
    Role.SYSTEM_ADMIN,
    Role.SECURITY_ADMIN,
    Role.AUDIT_ADMIN,
    Role.OFFICER,
    Role.SUPERVISOR,
    Role.LEADER,
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("page", "method", "owner"), PAGES)
def test_each_administration_page_opens_for_its_own_administrator_only(
    client, tree, make_user, target, role, page, method, owner
):
    client.force_login(make_user(role, None if role in accounts.ADMIN_ROLES else tree["city"]))
    url = reverse(page, args=[target.username] if page in TAKES_USERNAME else [])
    response = getattr(client, method)(url)
    if role == owner:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403


# --- The domain functions refuse the other administrators -------------------------------------


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.SUPERVISOR])
def test_only_the_system_administrator_creates_accounts(make_user, role):
    with pytest.raises(PermissionDeniedError):
        accounts.create_account("x1", "X", actor=make_user(role))


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.LEADER])
def test_only_the_security_administrator_assigns_roles(tree, make_user, target, role):
    with pytest.raises(PermissionDeniedError):
        accounts.assign_role(target, Role.SUPERVISOR, tree["d1"], actor=make_user(role))


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN])
def test_only_the_security_administrator_unlocks(make_user, target, role):
    with pytest.raises(PermissionDeniedError):
        accounts.unlock_account(target, actor=make_user(role))


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_only_the_system_administrator_deactivates(make_user, target, role):
    with pytest.raises(PermissionDeniedError):
        accounts.set_active(target, False, actor=make_user(role))


# --- What each job does ------------------------------------------------------------------------


def test_a_new_account_is_an_officer_without_scope_and_sees_nothing(tree, admins):
    OfficerFactory(unit=tree["s1"])
    user, issued = accounts.create_account("zhangsan", "张三", actor=admins[Role.SYSTEM_ADMIN])
    assert (user.role, user.scope_unit) == (Role.OFFICER, None)
    assert user.is_pending_activation  # no password at all: only its owner will choose one
    assert not user.check_password(issued.code)
    assert Officer.objects.visible_to(user).count() == 0
    (entry,) = acts("account.create")
    assert (entry.actor, entry.object_id) == (admins[Role.SYSTEM_ADMIN], str(user.pk))


def test_creating_a_taken_username_names_the_field(admins, target):
    with pytest.raises(AccountError) as caught:
        accounts.create_account("newcomer", "X", actor=admins[Role.SYSTEM_ADMIN])
    assert caught.value.field == "username"
    assert "newcomer" in str(caught.value)


def test_the_creation_page_shows_the_activation_code_once_and_no_password(client, admins):
    client.force_login(admins[Role.SYSTEM_ADMIN])
    response = client.post(reverse("org:accounts"), {"username": "lisi", "full_name": "李四"})
    code = response.context["issued"].code
    user = User.objects.get(username="lisi")
    assert user.is_pending_activation
    assert response["Cache-Control"] == "no-store"
    assert code in response.content.decode()
    assert code not in client.get(reverse("org:accounts")).content.decode()
    assert not any(code in str(e.changes) for e in AuditEntry.objects.all())


def test_security_administrator_sets_role_and_scope_and_it_is_audited(tree, admins, target):
    actor = admins[Role.SECURITY_ADMIN]
    accounts.assign_role(target, Role.SUPERVISOR, tree["d1"], actor=actor)
    target.refresh_from_db()
    assert (target.role, target.scope_unit) == (Role.SUPERVISOR, tree["d1"])
    (entry,) = acts("account.assign_role")
    assert entry.actor == actor
    assert entry.changes == {
        "role": ["officer", "supervisor"],
        "scope_unit": [None, "500103"],
    }


def test_a_business_role_needs_a_scope(admins, target):
    with pytest.raises(AccountError) as caught:
        accounts.assign_role(target, Role.SUPERVISOR, None, actor=admins[Role.SECURITY_ADMIN])
    assert caught.value.field == "scope_unit"


def test_an_administrator_role_has_no_scope(tree, admins, target):
    with pytest.raises(AccountError) as caught:
        accounts.assign_role(
            target, Role.AUDIT_ADMIN, tree["city"], actor=admins[Role.SECURITY_ADMIN]
        )
    assert caught.value.field == "scope_unit"


def test_nobody_changes_their_own_role(admins):
    actor = admins[Role.SECURITY_ADMIN]
    with pytest.raises(AccountError):
        accounts.assign_role(actor, Role.SYSTEM_ADMIN, None, actor=actor)


def test_nobody_deactivates_themselves(admins):
    actor = admins[Role.SYSTEM_ADMIN]
    with pytest.raises(AccountError):
        accounts.set_active(actor, False, actor=actor)


def test_deactivation_is_audited_with_the_real_person(admins, target):
    accounts.set_active(target, False, actor=admins[Role.SYSTEM_ADMIN])
    target.refresh_from_db()
    assert target.is_active is False
    (entry,) = acts("account.deactivate")
    assert (entry.actor_label, entry.changes) == ("system_admin", {"is_active": [True, False]})


def test_an_officer_links_to_one_account_only(tree, admins, make_user, target):
    officer = OfficerFactory(unit=tree["s1"])
    make_user(Role.OFFICER, tree["s1"], username="holder", officer=officer)
    with pytest.raises(AccountError) as caught:
        accounts.link_officer(target, officer, actor=admins[Role.SYSTEM_ADMIN])
    assert "holder" in str(caught.value)


def test_linking_an_officer_is_audited(tree, admins, target):
    officer = OfficerFactory(unit=tree["s1"], police_number="320001")
    accounts.link_officer(target, officer, actor=admins[Role.SYSTEM_ADMIN])
    (entry,) = acts("account.link_officer")
    assert entry.changes == {"officer": [None, "320001"]}


def test_unlocking_clears_the_lockout_and_is_audited(admins, target):
    AccessAttempt.objects.create(
        username=target.username,
        ip_address="10.0.0.1",
        user_agent="test",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )
    assert accounts.locked_usernames() == {"newcomer"}
    cleared = accounts.unlock_account(target, actor=admins[Role.SECURITY_ADMIN])
    assert cleared == 1
    assert accounts.locked_usernames() == set()
    (entry,) = acts("account.unlock")
    assert entry.actor == admins[Role.SECURITY_ADMIN]


def test_the_roles_page_shows_who_is_locked(client, admins, target):
    AccessAttempt.objects.create(
        username=target.username,
        ip_address="10.0.0.1",
        user_agent="test",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )
    client.force_login(admins[Role.SECURITY_ADMIN])
    rows = client.get(reverse("org:account_roles")).context["rows"]
    assert {user.username for user, _form, locked in rows if locked} == {"newcomer"}


def test_role_page_form_posts_through_the_domain_function(client, tree, admins, target):
    client.force_login(admins[Role.SECURITY_ADMIN])
    client.post(
        reverse("org:account_assign_role", args=["newcomer"]),
        {"role": "legal_officer", "scope_unit": "500104"},
    )
    target.refresh_from_db()
    assert (target.role, target.scope_unit.code) == ("legal_officer", "500104")

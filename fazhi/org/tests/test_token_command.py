import pytest
from django.core.management import CommandError, call_command

from fazhi.audit.models import AuditEntry
from fazhi.core.roles import Role
from fazhi.org.models import ApiToken
from fazhi.org.tokens import user_for_token

pytestmark = pytest.mark.django_db


def issue(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("token", "issue", *args, stdout=out)
    return out.getvalue().strip()


def test_the_printed_token_authenticates_its_user_and_only_its_hash_is_stored(tree, make_user):
    user = make_user(Role.OFFICER, tree["s1"], username="li")
    token = issue("li", "--name", "report script")
    assert user_for_token(token) == user
    row = ApiToken.objects.get()
    assert (row.name, row.prefix) == ("report script", token[:8])
    assert token not in row.token_hash


def test_issuing_for_someone_else_needs_the_system_administrator(tree, make_user):
    make_user(Role.OFFICER, tree["s1"], username="li")
    make_user(Role.SUPERVISOR, tree["city"], username="boss")
    with pytest.raises(CommandError, match="系统管理员"):
        issue("li", "--name", "x", "--by", "boss")
    admin = make_user(Role.SYSTEM_ADMIN, None, username="sys")
    issue("li", "--name", "x", "--by", "sys")
    assert AuditEntry.objects.get(action="api_token.issue").actor == admin


def test_without_by_the_log_names_the_operating_system_account(tree, make_user, monkeypatch):
    make_user(Role.OFFICER, tree["s1"], username="li")
    monkeypatch.setattr("getpass.getuser", lambda: "ops")
    issue("li", "--name", "x")
    assert AuditEntry.objects.get(action="api_token.issue").actor_label == "system:cli:ops"


def test_an_unknown_user_is_an_error(db):
    with pytest.raises(CommandError, match="'nobody'"):
        issue("nobody", "--name", "x")

"""Accounts under 三员分立: each administrator does their own job and nothing else.

* 系统管理员 (MANAGE_ACCOUNTS): creates accounts, deactivates/reactivates them, links an account
  to its officer. A new account has the role 执法民警 and **no scope**, so it sees nothing until
  the security administrator grants a scope.
* 安全管理员 (ASSIGN_ROLES, UNLOCK_ACCOUNTS): sets role and scope unit, unlocks locked accounts.
* 审计管理员 (READ_AUDIT_LOG): reads the log (fazhi.audit.views); nothing here.

Nobody changes their own account's role, scope or activity. Every write is audited with the
real person who made it (docs/decisions/0008-accounts-and-officer-records.md).
"""

from __future__ import annotations

import secrets
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from fazhi.audit import log as audit
from fazhi.core.access import require_capability
from fazhi.core.errors import FazhiError
from fazhi.core.roles import ADMIN_ROLES, Capability, Role
from fazhi.org.models import Officer, Unit, User


class AccountError(FazhiError):
    code = "account"


def _error(field: str, value: object, why: str) -> AccountError:
    return AccountError(
        gettext("%(field)s 的值 %(value)s 无效：%(why)s")
        % {"field": field, "value": value, "why": why},
        field=field,
    )


def _not_self(user: User, actor: User) -> None:
    if user.pk == actor.pk:
        raise _error("user", user.username, gettext("不能修改自己的账号。"))


def _account_state(user: User) -> dict[str, Any]:
    return {
        "role": user.role,
        "scope_unit": user.scope_unit.code if user.scope_unit else None,
        "officer": user.officer.police_number if user.officer else None,
        "is_active": user.is_active,
    }


def _check_officer_free(officer: Officer, user: User | None) -> None:
    others = User.objects.filter(officer=officer)
    holder = (others.exclude(pk=user.pk) if user is not None and user.pk else others).first()
    if holder is not None:
        raise _error(
            "officer",
            officer.police_number,
            gettext("该民警已关联账号 %(username)s。") % {"username": holder.username},
        )


@transaction.atomic
def create_account(
    username: str, full_name: str, *, actor: User, officer: Officer | None = None
) -> tuple[User, str]:
    """Create an account and return it with its initial password, which is shown only once.

    The account has the role 执法民警 and no scope: it sees no data until the 安全管理员
    assigns a role and scope unit.
    """
    require_capability(actor, Capability.MANAGE_ACCOUNTS)
    username = username.strip()
    if not username:
        raise _error("username", '""', gettext("用户名不能为空。"))
    if User.objects.filter(username=username).exists():
        raise _error("username", username, gettext("该用户名已存在。"))
    if officer is not None:
        _check_officer_free(officer, None)
    password = secrets.token_urlsafe(12)
    user = User(username=username, full_name=full_name.strip(), role=Role.OFFICER, officer=officer)
    user.set_password(password)
    user.save()
    audit.record(actor, "account.create", user, changes=audit.diff_fields({}, _account_state(user)))
    return user, password


@transaction.atomic
def set_active(user: User, is_active: bool, *, actor: User) -> User:
    """Deactivate (or reactivate) USER's account; a deactivated account cannot log in."""
    require_capability(actor, Capability.MANAGE_ACCOUNTS)
    _not_self(user, actor)
    if user.is_active == is_active:
        return user
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    action = "account.activate" if is_active else "account.deactivate"
    audit.record(actor, action, user, changes={"is_active": [not is_active, is_active]})
    return user


@transaction.atomic
def link_officer(user: User, officer: Officer | None, *, actor: User) -> User:
    """Make USER act as OFFICER (None unlinks); an administrator's account has no officer."""
    require_capability(actor, Capability.MANAGE_ACCOUNTS)
    if officer is not None:
        if user.role in ADMIN_ROLES:
            raise _error("officer", officer.police_number, gettext("管理员账号不能关联民警。"))
        _check_officer_free(officer, user)
    before = _account_state(user)
    user.officer = officer
    user.save(update_fields=["officer"])
    diff = audit.diff_fields(before, _account_state(user))
    if diff:
        audit.record(actor, "account.link_officer", user, changes=diff)
    return user


@transaction.atomic
def assign_role(user: User, role: str, scope_unit: Unit | None, *, actor: User) -> User:
    """Set USER's role and scope unit: business roles need a scope, administrators have none."""
    require_capability(actor, Capability.ASSIGN_ROLES)
    _not_self(user, actor)
    if role not in Role.values:
        raise _error("role", role, gettext("不是有效的角色。"))
    if role in ADMIN_ROLES:
        if scope_unit is not None:
            raise _error(
                "scope_unit", scope_unit.code, gettext("管理员不查看业务数据，不设数据范围。")
            )
        if user.officer_id is not None:
            raise _error("role", role, gettext("已关联民警的账号不能设为管理员。"))
    elif scope_unit is None:
        raise _error("scope_unit", '""', gettext("业务角色必须设置数据范围。"))
    elif not scope_unit.is_active:
        raise _error("scope_unit", scope_unit.code, gettext("该单位已停用。"))
    before = _account_state(user)
    user.role = role
    user.scope_unit = scope_unit
    user.save(update_fields=["role", "scope_unit"])
    diff = audit.diff_fields(before, _account_state(user))
    if diff:
        audit.record(actor, "account.assign_role", user, changes=diff)
    return user


def locked_usernames() -> set[str]:
    """Return the usernames django-axes currently locks out."""
    return set(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        ).values_list("username", flat=True)
    )


@transaction.atomic
def unlock_account(user: User, *, actor: User) -> int:
    """Clear USER's failed logins so they can log in again; return the attempts cleared."""
    require_capability(actor, Capability.UNLOCK_ACCOUNTS)
    cleared = axes_reset(username=user.username)
    audit.record(actor, "account.unlock", user, changes={"attempts_cleared": cleared})
    return int(cleared)

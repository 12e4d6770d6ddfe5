"""Accounts under 三员分立: each administrator does their own job and nothing else.

* 系统管理员 (MANAGE_ACCOUNTS): creates accounts, deactivates/reactivates them, links an account
  to its officer, resets a password. A new account has the role 执法民警 and **no scope**, so it
  sees nothing until the security administrator grants a scope.
* 安全管理员 (ASSIGN_ROLES, UNLOCK_ACCOUNTS): sets role and scope unit, unlocks locked accounts,
  issues the second half of an activation.
* 审计管理员 (READ_AUDIT_LOG): reads the log (fazhi.audit.views); nothing here.

No administrator ever sees or sets a password (docs/decisions/0024). A new or reset account has
no usable password; its owner activates it by choosing one with a one-time activation code in
two halves, one issued by the 系统管理员 and one by the 安全管理员 (each shown once, stored as a
keyed hash, valid FAZHI_ACTIVATION_HOURS), so neither administrator alone can activate an
account and act as its owner. Nobody changes their own account's role, scope or activity.
Every write is audited with the real person who made it (docs/decisions/0008).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext, gettext_lazy

from fazhi.audit import log as audit
from fazhi.core.access import require_capability
from fazhi.core.errors import FazhiError
from fazhi.core.roles import ADMIN_ROLES, Capability, Role
from fazhi.org.models import ActivationCode, ActivationPart, Officer, Unit, User


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


# --- One-time activation codes ----------------------------------------------------------------

# No 0/O, 1/I/L: the code is read aloud or copied from paper. 12 symbols of 32 = 60 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


@dataclass(frozen=True)
class Activation:
    """An activation half just issued: the code (shown once, never stored) and its expiry."""

    user: User
    part: str
    code: str
    expires_at: dt.datetime


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _code_hash(user: User, part: str, code: str) -> str:
    """A keyed hash: a copy of the database alone does not let anyone test codes offline."""
    return salted_hmac(
        "fazhi.org.activation", f"{user.pk}:{part}:{normalise_code(code)}", algorithm="sha256"
    ).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _issue(user: User, part: str, actor: User) -> Activation:
    code = _new_code()
    now = timezone.now()
    expires_at = now + dt.timedelta(hours=settings.FAZHI_ACTIVATION_HOURS)
    ActivationCode.objects.update_or_create(
        user=user,
        part=part,
        defaults={
            "code_hash": _code_hash(user, part, code),
            "issued_by": actor,
            "issued_at": now,
            "expires_at": expires_at,
        },
    )
    audit.record(
        actor,
        "account.activation_issue",
        user,
        changes={"part": part, "expires_at": expires_at.isoformat(timespec="seconds")},
    )
    return Activation(user, part, code, expires_at)


def activation_parts(user: User) -> dict[str, ActivationCode]:
    """Return the activation halves USER holds now (expired ones included), by part."""
    return {code.part: code for code in ActivationCode.objects.filter(user=user)}


@transaction.atomic
def create_account(
    username: str, full_name: str, *, actor: User, officer: Officer | None = None
) -> tuple[User, Activation]:
    """Create an account without a password and return it with the 系统管理员's activation half.

    The account has the role 执法民警 and no scope: it sees no data until the 安全管理员
    assigns a role and scope unit. It cannot log in until its owner activates it with both
    halves of the activation code and chooses a password.
    """
    require_capability(actor, Capability.MANAGE_ACCOUNTS)
    username = username.strip()
    if not username:
        raise _error("username", '""', gettext("用户名不能为空。"))
    if User.objects.filter(username=username).exists():
        raise _error("username", username, gettext("该用户名已存在。"))
    if officer is not None:
        _check_officer_free(officer, None)
    user = User(username=username, full_name=full_name.strip(), role=Role.OFFICER, officer=officer)
    user.set_unusable_password()
    user.save()
    audit.record(actor, "account.create", user, changes=audit.diff_fields({}, _account_state(user)))
    return user, _issue(user, ActivationPart.SYSTEM, actor)


@transaction.atomic
def reset_password(user: User, *, actor: User) -> Activation:
    """Invalidate USER's password and issue a new 系统管理员 activation half.

    The account cannot log in (its sessions end: the session hash depends on the password)
    until its owner activates it again with both halves; the old halves are void.
    """
    require_capability(actor, Capability.MANAGE_ACCOUNTS)
    _not_self(user, actor)
    was_active = user.has_usable_password()
    user.set_unusable_password()
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    ActivationCode.objects.filter(user=user).delete()
    audit.record(actor, "account.reset", user, changes={"had_password": was_active})
    return _issue(user, ActivationPart.SYSTEM, actor)


@transaction.atomic
def issue_security_activation(user: User, *, actor: User) -> Activation:
    """Issue the 安全管理员's half of USER's activation (only while the account awaits it)."""
    require_capability(actor, Capability.ASSIGN_ROLES)
    _not_self(user, actor)
    if not user.is_pending_activation:
        raise _error(
            "user", user.username, gettext("该账号已激活；如需重设，请系统管理员先重置密码。")
        )
    if not user.is_active:
        raise _error("user", user.username, gettext("该账号已停用。"))
    return _issue(user, ActivationPart.SECURITY, actor)


ACTIVATION_REFUSED = gettext_lazy(
    "用户名或激活码不正确。请核对两段激活码（系统管理员、安全管理员各一段）。"
)


def _refuse_activation(username: str, ip_address: str | None, why: str) -> AccountError:
    audit.record(
        "system:login",
        "account.activation_failed",
        ("org.user", username, username),
        changes={"username": username, "reason": why},
        ip_address=ip_address,
    )
    return AccountError(str(ACTIVATION_REFUSED), field="code")


def activate(
    username: str,
    system_code: str,
    security_code: str,
    password: str,
    *,
    ip_address: str | None = None,
) -> User:
    """The owner chooses a password with both activation halves; return the activated account.

    A wrong username or code says only that the pair does not match (and is audited); an
    expired half names the administrator who must issue it again; a password against the
    policy names the rules it breaks.
    """
    username = username.strip()[:150]
    user = User.objects.filter(username=username).first()
    parts = activation_parts(user) if user is not None else {}
    given = {ActivationPart.SYSTEM: system_code, ActivationPart.SECURITY: security_code}
    if user is None or not user.is_active or not user.is_pending_activation:
        raise _refuse_activation(username, ip_address, "no pending account")
    if any(
        part not in parts
        or not constant_time_compare(parts[part].code_hash, _code_hash(user, part, code))
        for part, code in given.items()
    ):
        raise _refuse_activation(username, ip_address, "code mismatch")
    now = timezone.now()
    expired = [ActivationPart(part).label for part, code in parts.items() if code.expires_at < now]
    if expired:
        raise AccountError(
            gettext("激活码（%(parts)s）已过期，请联系签发的管理员重新签发。")
            % {"parts": "、".join(str(label) for label in expired)},
            field="code",
        )
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages), field="new_password1") from None
    with transaction.atomic():
        # Both halves are consumed in the same transaction: a code works once.
        if ActivationCode.objects.filter(user=user).delete()[0] != len(given):
            raise _error("code", "—", gettext("激活码已被使用。"))
        user.set_password(password)
        user.must_change_password = False
        user.save()
        audit.record(user, "account.activated", user, ip_address=ip_address)
    return user


@transaction.atomic
def change_password(
    user: User, old_password: str, new_password: str, *, ip_address: str | None = None
) -> User:
    """The owner replaces their password: the old one proves it is them; the policy applies."""
    if not user.check_password(old_password):
        raise AccountError(gettext("原密码不正确。"), field="old_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages), field="new_password1") from None
    user.set_password(new_password)
    user.must_change_password = False
    user.save()
    audit.record(user, "account.password_change", user, ip_address=ip_address)
    return user


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


def lockouts() -> dict[str, list[str]]:
    """Return, per username, the client addresses django-axes currently locks it out from.

    Failures count by (username, address): a lockout holds only where the guessing came from.
    """
    since = timezone.now() - dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    out: dict[str, list[str]] = {}
    for username, address in AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).values_list("username", "ip_address"):
        out.setdefault(username, []).append(address or "")
    return out


def locked_usernames() -> set[str]:
    """Return the usernames django-axes currently locks out (from at least one address)."""
    return set(lockouts())


@transaction.atomic
def unlock_account(user: User, *, actor: User) -> int:
    """Clear USER's failed logins so they can log in again; return the attempts cleared."""
    require_capability(actor, Capability.UNLOCK_ACCOUNTS)
    cleared = axes_reset(username=user.username)
    audit.record(actor, "account.unlock", user, changes={"attempts_cleared": cleared})
    return int(cleared)

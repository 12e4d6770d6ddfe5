"""The password policy of 等保 level 3 (GB/T 22239-2019 8.1.4.1 a: 身份鉴别信息具有复杂度要求并定期更换).

Django's validators (``AUTH_PASSWORD_VALIDATORS``) check every password an owner chooses —
on activation and on the password-change page — with these two added to the built-in length,
common-password and similarity checks:

* ``CharacterClassesValidator``: at least 3 of 4 character classes (lower case, upper case,
  digits, other characters);
* ``PasswordHistoryValidator``: none of the last N passwords again; it also keeps that history
  (Django calls ``password_changed`` whenever a new password is saved).

``expiry_state`` tells the owner when the bureau's maximum password age
(``FAZHI_PASSWORD_MAX_AGE_DAYS``, off by default) is near or past.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

CLASSES = 4


def character_classes(password: str) -> int:
    """Return how many of lower case, upper case, digits and other characters PASSWORD uses."""
    return sum(
        (
            any(ch.islower() for ch in password),
            any(ch.isupper() for ch in password),
            any(ch.isdigit() for ch in password),
            any(not ch.isalnum() for ch in password),
        )
    )


class MinimumLengthValidator:
    """At least MIN_LENGTH characters (FAZHI_PASSWORD_MIN_LENGTH; Django 5.2's own message has
    no Chinese translation)."""

    def __init__(self, min_length: int = 10) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                gettext("密码太短：至少 %(count)d 个字符，现为 %(length)d 个。")
                % {"count": self.min_length, "length": len(password)},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return gettext("密码至少 %(count)d 个字符。") % {"count": self.min_length}


class CharacterClassesValidator:
    """At least MIN_CLASSES of: lower-case letters, upper-case letters, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min(max(min_classes, 1), CLASSES)

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return gettext(
            "密码须包含小写字母、大写字母、数字、其他字符四类中的至少 %(count)d 类。"
        ) % {"count": self.min_classes}


class PasswordHistoryValidator:
    """None of the user's last COUNT passwords (the current one included) may be chosen again."""

    def __init__(self, count: int = 5) -> None:
        self.count = max(count, 0)

    def _recent(self, user: Any) -> list[str]:
        from fazhi.org.models import PasswordHistory

        if user is None or not getattr(user, "pk", None) or self.count == 0:
            return []
        return list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                : self.count
            ]
        )

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None) or self.count == 0:
            return
        from fazhi.org.models import User

        stored = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        hashes = [h for h in [stored, *self._recent(user)] if h]
        # check_password without a setter: validating must never rewrite a stored hash.
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password: str, user: Any = None) -> None:
        """Keep the new password's hash, and only the last COUNT of them."""
        from fazhi.org.models import PasswordHistory

        if user is None or not getattr(user, "pk", None) or self.count == 0:
            return
        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[
            : self.count
        ]
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=list(keep)).delete()

    def get_help_text(self) -> str:
        return gettext("不能使用最近 %(count)d 次用过的密码。") % {"count": self.count}


@dataclass(frozen=True)
class Expiry:
    expires_on: dt.date | None
    days_left: int | None

    @property
    def expired(self) -> bool:
        return self.days_left is not None and self.days_left <= 0

    @property
    def warn(self) -> bool:
        return (
            self.days_left is not None and 0 < self.days_left <= settings.FAZHI_PASSWORD_WARN_DAYS
        )


NO_EXPIRY = Expiry(None, None)


def expiry_state(user: Any, now: dt.datetime | None = None) -> Expiry:
    """Return when USER's password expires under FAZHI_PASSWORD_MAX_AGE_DAYS (0: never)."""
    max_age = settings.FAZHI_PASSWORD_MAX_AGE_DAYS
    changed = getattr(user, "password_changed_at", None)
    if not max_age or changed is None or getattr(user, "is_demo", False):
        return NO_EXPIRY
    now = now or timezone.now()
    expires = changed + dt.timedelta(days=max_age)
    days_left = (timezone.localdate(expires) - timezone.localdate(now)).days
    return Expiry(timezone.localdate(expires), days_left)

"""API bearer tokens: issue (shown once), authenticate (by hash), revoke."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from fazhi.audit import log as audit
from fazhi.org.models import ApiToken, User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_token(user: User, name: str, *, actor: User | str, valid_days: int | None = 90) -> str:
    """Create a token for USER and return it; it cannot be shown again."""
    token = "fz_" + secrets.token_urlsafe(32)
    now = timezone.now()
    row = ApiToken.objects.create(
        user=user,
        name=name,
        token_hash=_hash(token),
        prefix=token[:8],
        expires_at=now + dt.timedelta(days=valid_days) if valid_days else None,
    )
    audit.record(actor, "api_token.issue", row, changes={"user": user.get_username(), "name": name})
    return token


def user_for_token(token: str, at: dt.datetime | None = None) -> User | None:
    """Return the active user of a valid (not revoked, not expired) TOKEN, or None.

    Runs on every API request: one lookup by the unique hash (the user and their scope unit
    joined, no ordering); revocation and expiry are checked on the row, so a revoked token
    fails on its next request.
    """
    at = at or timezone.now()
    rows = ApiToken.objects.select_related("user__scope_unit").filter(token_hash=_hash(token))
    row = next(iter(rows[:1]), None)
    if row is None or row.revoked_at is not None:
        return None
    if (row.expires_at is not None and row.expires_at <= at) or not row.user.is_active:
        return None
    return row.user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user

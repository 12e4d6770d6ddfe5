"""Write logins, logouts, failed logins and lockouts to the audit log (等保 level 3 audit).

Django announces these events only through its signals (django-axes, which enforces the
lockout, listens to the same ones), so AuditConfig.ready() connects each signal to one function
here (STYLE §5: a signal only wires a third-party app to a named domain function). A failed login names the username that was tried, never the password;
nobody is proven to have acted, so the actor is ``system:login`` and the username goes into the
entry's details.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fazhi.audit import log as audit

LOGIN_ACTOR = "system:login"


def client_address(request: HttpRequest | None) -> str | None:
    """Return the address the request came from, as axes saw it, or None without a request."""
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR") or None


def record_login(user: Any, request: HttpRequest | None) -> None:
    """Record that USER logged in."""
    audit.record(user, "auth.login", user, ip_address=client_address(request))


def record_logout(user: Any, request: HttpRequest | None) -> None:
    """Record that USER logged out (nothing when an anonymous session is ended)."""
    if user is None or not user.is_authenticated:
        return
    audit.record(user, "auth.logout", user, ip_address=client_address(request))


def record_login_failure(username: str, request: HttpRequest | None) -> None:
    """Record a failed login for the username that was tried."""
    audit.record(
        LOGIN_ACTOR,
        "auth.login_failed",
        ("org.user", username, username),
        changes={"username": username},
        ip_address=client_address(request),
    )


def record_lockout(username: str, request: HttpRequest | None) -> None:
    """Record that the account USERNAME is locked, or a login was refused while it is."""
    audit.record(
        LOGIN_ACTOR,
        "auth.locked_out",
        ("org.user", username, username),
        changes={"username": username},
        ip_address=client_address(request),
    )


# --- Signal adapters: unpack the signal's arguments, call the function above. ----------------


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record_login(user, request)


def on_user_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record_logout(user, request)


def on_user_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in CREDENTIALS; we keep only the username.
    username = str(credentials.get("username", ""))[:150]
    record_login_failure(username, request)
    # django-axes handles this same signal before us (axes precedes fazhi.audit in
    # INSTALLED_APPS, so its receiver is connected first) and marks the request when this
    # failure locks the account or was refused because it is locked. Reading the mark here,
    # rather than axes' own user_locked_out signal (sent in the middle of its handler), keeps
    # the entries in the order things happened: the failure, then the lockout.
    if request is not None and getattr(request, "axes_locked_out", False):
        record_lockout(username, request)


def connect() -> None:
    """Connect Django's login signals to the functions above (called once, by AuditConfig)."""
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_user_logged_in, dispatch_uid="fazhi.auth.login")
    user_logged_out.connect(on_user_logged_out, dispatch_uid="fazhi.auth.logout")
    user_login_failed.connect(on_user_login_failed, dispatch_uid="fazhi.auth.login_failed")

"""Send a signed-in user to the password-change page, or to two-factor login, first.

Two cases (docs/decisions/0024): an administrator knew the password (``must_change_password``,
set on accounts created before activation codes existed), or the bureau's maximum password age
(``FAZHI_PASSWORD_MAX_AGE_DAYS``) has passed. Until the owner chooses a new password, every
other page redirects there and the API answers 403; when expiry is near, a message warns once
per session. A role that must use two-factor authentication (fazhi/org/twofactor.py) enrols
first, and an enrolled user gives the code, before any other page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fazhi.core.api_errors import error_body
from fazhi.org import twofactor
from fazhi.org.passwords import expiry_state

WARNED = "fazhi.password_expiry_warned"


class PasswordPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        allowed = (
            reverse("org:password_change"),
            reverse("logout"),
            reverse("set_language"),
            "/static/",
        )
        if request.path.startswith(allowed):
            return self.get_response(request)
        expiry = expiry_state(user)
        if getattr(user, "must_change_password", False) or expiry.expired:
            reason = (
                _("密码已过期，请先修改密码。")
                if expiry.expired
                else _("您的密码曾由管理员设置，请先修改为只有您知道的密码。")
            )
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("password_change_required", reason), status=403)
            messages.warning(request, reason)
            return redirect("org:password_change")
        # Two-factor: a required role enrols first; an enrolled user always gives the code.
        if not request.path.startswith(self._two_factor_paths()) and not user.is_verified():
            enrolled = twofactor.enrolled_in_session(request, user)
            if enrolled or twofactor.is_required(user):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        error_body("two_factor_required", _("请先完成双因素验证。")), status=403
                    )
                target = "org:otp_verify" if enrolled else "org:otp_setup"
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        if expiry.warn and not request.session.get(WARNED):
            request.session[WARNED] = True
            messages.warning(
                request,
                _("您的密码将于 %(date)s 过期（还有 %(days)d 天），请及时修改。")
                % {"date": expiry.expires_on, "days": expiry.days_left},
            )
        return self.get_response(request)

    @staticmethod
    def _two_factor_paths() -> tuple[str, ...]:
        return (
            reverse("org:otp_setup"),
            reverse("org:otp_verify"),
            reverse("logout"),
            reverse("set_language"),
            "/static/",
        )

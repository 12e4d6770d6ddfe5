"""Citizen accounts of the public site (警快办): a phone number proved by a one-time code.

A citizen is not a staff user (ADR 0012). Their id lives in the session under its own key
(SESSION_KEY), never in Django's auth keys, so a citizen session carries no role and a staff login
makes no one a citizen. The code:

- six digits, stored only as an HMAC-SHA256 digest (keyed with SECRET_KEY), valid CODE_TTL;
- at most one per RESEND_SECONDS and DAILY_LIMIT per calendar day (Asia/Shanghai) per phone;
- MAX_ATTEMPTS guesses per code, then it is dead; only the newest unused code of a phone counts;
- delivered by the callable named in settings.FAZHI_SMS_SENDER, ``sender(phone, message)``; the
  default, ``console_sender``, writes it to the log for the demo.

Each login is audited as ``citizen:<id>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fazhi.audit import log as audit
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import FazhiError
from fazhi.services.formspec import PHONE
from fazhi.services.models import Citizen, PhoneCode, mask_phone

SESSION_KEY = "jkb_citizen_id"
CODE_TTL = dt.timedelta(minutes=5)
RESEND_SECONDS = 60
DAILY_LIMIT = 10
MAX_ATTEMPTS = 5
CODE = re.compile(r"^\d{6}$")

log = logging.getLogger("fazhi.sms")


class CitizenLoginError(FazhiError):
    """A phone, a code or a request for a code was refused; ``field`` names the form field."""

    code = "citizen_login"


def normalise_phone(raw: str) -> str:
    """Return the 11-digit mainland mobile number in RAW (spaces and dashes allowed) or raise."""
    phone = re.sub(r"[\s-]", "", raw or "")
    if not PHONE.match(phone):
        raise CitizenLoginError(
            _("手机号应为 11 位数字，以 13–19 开头：%(v)s") % {"v": raw or "（空）"},
            field="phone",
        )
    return phone


def _digest(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"jkb-login:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def console_sender(phone: str, message: str) -> None:
    """The demo's SMS gateway: write the message to the log (WARNING, so the default level shows it)."""
    log.warning("SMS to %s: %s", mask_phone(phone), message)


def _sender() -> Callable[[str, str], Any]:
    return cast(Callable[[str, str], Any], import_string(settings.FAZHI_SMS_SENDER))


class _SessionRequest(HttpRequest):
    """A request of the public site: login, logout and current_citizen keep ``citizen`` on it."""

    citizen: Citizen | None


class CitizenRequest(HttpRequest):
    """A request of a view behind citizen_required: ``citizen`` is the logged-in citizen."""

    citizen: Citizen


def send_code(phone: str, *, at: dt.datetime | None = None) -> PhoneCode:
    """Send a fresh one-time code to PHONE, within the per-minute and per-day limits.

    If the sender fails the code is removed (it does not count against the limits) and the
    citizen is told to try again.
    """
    phone = normalise_phone(phone)
    at = at or timezone.now()
    day_start = dt.datetime.combine(at.astimezone(SHANGHAI).date(), dt.time.min, SHANGHAI)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        latest = PhoneCode.objects.filter(phone=phone).order_by("-created_at").first()
        if latest is not None:
            wait = RESEND_SECONDS - int((at - latest.created_at).total_seconds())
            if wait > 0:
                raise CitizenLoginError(
                    _("验证码已发送，请 %(n)d 秒后再获取。") % {"n": wait}, field="phone"
                )
        if PhoneCode.objects.filter(phone=phone, created_at__gte=day_start).count() >= DAILY_LIMIT:
            raise CitizenLoginError(
                _("该手机号今天已获取 %(n)d 次验证码，请明天再试。") % {"n": DAILY_LIMIT},
                field="phone",
            )
        row = PhoneCode.objects.create(
            phone=phone, digest=_digest(phone, code), expires_at=at + CODE_TTL
        )
        # auto_now_add ignores a passed value: pin the creation time to AT so limits agree with it.
        PhoneCode.objects.filter(pk=row.pk).update(created_at=at)
        row.created_at = at
    message = gettext("【警快办】您的登录验证码为 %(code)s，%(m)d 分钟内有效。请勿告诉他人。") % {
        "code": code,
        "m": CODE_TTL.seconds // 60,
    }
    try:
        _sender()(phone, message)
    except Exception as error:
        PhoneCode.objects.filter(pk=row.pk).delete()
        log.error("SMS sender failed for %s: %r", mask_phone(phone), error)
        raise CitizenLoginError(_("短信发送失败，请稍后再试。"), field="phone") from error
    return row


def verify_code(
    phone: str, code: str, *, at: dt.datetime | None = None, ip_address: str | None = None
) -> Citizen:
    """Return the citizen proved by CODE (creating the account on the first login) or raise.

    Every guess is counted before it is compared, in one conditional UPDATE, so parallel guesses
    cannot exceed MAX_ATTEMPTS; the comparison takes constant time.
    """
    phone = normalise_phone(phone)
    code = (code or "").strip()
    if not CODE.match(code):
        raise CitizenLoginError(_("验证码应为 6 位数字。"), field="code")
    at = at or timezone.now()
    row = (
        PhoneCode.objects.filter(phone=phone, used_at__isnull=True).order_by("-created_at").first()
    )
    if row is None:
        raise CitizenLoginError(_("请先获取验证码。"), field="code")
    if at >= row.expires_at:
        raise CitizenLoginError(_("验证码已过期，请重新获取。"), field="code")
    counted = PhoneCode.objects.filter(
        pk=row.pk, used_at__isnull=True, attempts__lt=MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise CitizenLoginError(_("验证码错误次数过多，已失效，请重新获取。"), field="code")
    if not hmac.compare_digest(row.digest, _digest(phone, code)):
        left = MAX_ATTEMPTS - (row.attempts + 1)
        if left <= 0:
            raise CitizenLoginError(_("验证码错误，已失效，请重新获取。"), field="code")
        raise CitizenLoginError(_("验证码错误，还可以再试 %(n)d 次。") % {"n": left}, field="code")
    with transaction.atomic():
        if not PhoneCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=at):
            raise CitizenLoginError(_("验证码已使用，请重新获取。"), field="code")
        citizen, created = Citizen.objects.get_or_create(phone=phone)
        citizen.verified_at = at
        citizen.save(update_fields=["verified_at"])
        audit.record(
            f"citizen:{citizen.pk}",
            "services.citizen_login",
            citizen,
            changes={"created": created},
            ip_address=ip_address,
            at=at,
        )
    return citizen


def login(request: HttpRequest, citizen: Citizen) -> None:
    """Start a citizen session: a new session key (no fixation), the citizen's id under SESSION_KEY."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = citizen.pk
    cast(_SessionRequest, request).citizen = citizen


def logout(request: HttpRequest) -> None:
    """End the citizen session only; a staff login in the same browser is left alone."""
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    cast(_SessionRequest, request).citizen = None


def current_citizen(request: HttpRequest) -> Citizen | None:
    """The citizen logged in on REQUEST's session, or None (a staff user is never one)."""
    held = cast(_SessionRequest, request)
    if not hasattr(held, "citizen"):
        pk = held.session.get(SESSION_KEY)
        held.citizen = Citizen.objects.filter(pk=pk).first() if pk else None
    return held.citizen


def login_url(next_path: str) -> str:
    return f"{reverse('jkb:login')}?{urlencode({'next': next_path})}"


def citizen_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Let VIEW run for a logged-in citizen (``request.citizen``); others go to the code login."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if current_citizen(request) is None:
            return redirect(login_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapper

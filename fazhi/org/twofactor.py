"""Two-factor authentication (TOTP, django-otp) for the roles that must have it (ADR 0024).

Required (``FAZHI_2FA_REQUIRED``, on by default) for the three administrators and the
supervision and legal roles (``TWO_FACTOR_ROLES``); optional for everyone else, but once a user
has enrolled, every login asks for the code. Demo accounts are exempt (their password is
published anyway). Enrolment shows a QR code (inline SVG, no external service) and the secret,
confirms it with one code, and issues ``RECOVERY_CODES`` one-time recovery codes shown once.
The 安全管理员 resets a user's devices (a lost phone). Enrolment, every use, every failure and
every reset are audited.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext

from fazhi.audit import log as audit
from fazhi.core.access import require_capability
from fazhi.core.roles import Capability, Role
from fazhi.org.accounts import AccountError
from fazhi.org.models import User

TWO_FACTOR_ROLES = frozenset(
    {
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
        Role.SUPERVISOR,
        Role.LEGAL_OFFICER,
    }
)
RECOVERY_CODES = 10
DEVICE_NAME = "authenticator"
RECOVERY_NAME = "recovery"


def _totp() -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice


def _static() -> Any:
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    return StaticDevice, StaticToken


def is_required(user: User) -> bool:
    return bool(settings.FAZHI_2FA_REQUIRED and user.role in TWO_FACTOR_ROLES and not user.is_demo)


def is_enrolled(user: User) -> bool:
    return bool(_totp().objects.filter(user=user, confirmed=True).exists())


ENROLLED = "fazhi.2fa_enrolled"  # the session's answer to is_enrolled, taken at login


def remember_enrolment(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Ask once per login, not on every request, whether the user has an authenticator.

    A session signed in before its user enrols elsewhere keeps going without the code until it
    ends; enrolling in this session verifies it (``login`` below).
    """
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED] = is_enrolled(user)


def enrolled_in_session(request: HttpRequest, user: User) -> bool:
    known = request.session.get(ENROLLED) if hasattr(request, "session") else None
    return bool(known) if known is not None else is_enrolled(user)


def pending_device(user: User) -> Any:
    """Return USER's unconfirmed authenticator (created on first call), for the QR code."""
    device, _created = _totp().objects.get_or_create(
        user=user, confirmed=False, defaults={"name": DEVICE_NAME}
    )
    return device


def qr_svg(device: Any) -> str:
    """The device's otpauth:// URL as an inline SVG QR code (no external service, CSP-safe)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    svg: str = image.to_string(encoding="unicode")
    return svg


def secret_of(device: Any) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode("ascii")


@transaction.atomic
def enrol(user: User, token: str, *, ip_address: str | None = None) -> tuple[Any, list[str]]:
    """Confirm USER's pending authenticator with TOKEN; return it and the new recovery codes."""
    device = _totp().objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip()):
        raise AccountError(gettext("验证码不正确，请核对手机上显示的 6 位数字。"), field="token")
    _totp().objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save()
    static_device, static_token = _static()
    static_device.objects.filter(user=user).delete()
    recovery = static_device.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [static_token.random_token() for _ in range(RECOVERY_CODES)]
    for code in codes:
        recovery.token_set.create(token=code)
    audit.record(
        user, "otp.enrol", user, changes={"recovery_codes": len(codes)}, ip_address=ip_address
    )
    return device, codes


def verify(user: User, token: str, *, ip_address: str | None = None) -> Any:
    """Return the device that accepts TOKEN (the authenticator or a recovery code), audited."""
    from django_otp import devices_for_user

    token = token.strip().replace(" ", "")
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            allowed, _why = device.verify_is_allowed()
            if allowed and device.verify_token(token):
                break
        else:
            device = None
    static_device, _token = _static()
    if device is None:
        audit.record(user, "otp.failed", user, ip_address=ip_address)
        raise AccountError(
            gettext("验证码不正确或已用过。连续出错后需等待片刻再试。"), field="token"
        )
    if isinstance(device, static_device):
        left = device.token_set.count()
        audit.record(user, "otp.recovery_used", user, changes={"left": left}, ip_address=ip_address)
    else:
        audit.record(user, "otp.verify", user, ip_address=ip_address)
    return device


def login(request: HttpRequest, device: Any) -> None:
    from django_otp import login as otp_login

    otp_login(request, device)


@transaction.atomic
def reset(user: User, *, actor: User) -> int:
    """The 安全管理员 removes USER's authenticator and recovery codes (a lost phone)."""
    require_capability(actor, Capability.UNLOCK_ACCOUNTS)
    if user.pk == actor.pk:
        raise AccountError(gettext("不能修改自己的账号。"), field="user")
    static_device, _token = _static()
    removed = _totp().objects.filter(user=user).delete()[0]
    removed += static_device.objects.filter(user=user).delete()[0]
    audit.record(actor, "otp.reset", user, changes={"removed": removed})
    return int(removed)

"""Two-factor login (TOTP) for the three administrators and the supervision and legal roles
(issue 11, ADR 0024): enrolment with a QR code and recovery codes, use, reset — all audited."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp

from fazhi.audit.models import AuditEntry
from fazhi.core.roles import Role
from fazhi.org import twofactor

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the test factory's


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.FAZHI_2FA_REQUIRED = True


def code_for(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).order_by("-id").first()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def signed_in(username):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def actions():
    return list(
        AuditEntry.objects.filter(action__startswith="otp.").values_list("action", flat=True)
    )


@pytest.mark.parametrize(
    "role",
    [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.SUPERVISOR, Role.LEGAL_OFFICER],
)
def test_a_required_role_enrols_before_anything_else(tree, make_user, role):
    user = make_user(role, None if role.endswith("admin") else tree["city"], username="u")
    client = signed_in("u")
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("org:otp_setup"))
    assert client.get("/api/v1/cases/").status_code == 403
    setup = client.get(response["Location"])
    assert "<svg" in setup.content.decode()  # the QR code, inline: no image service
    assert twofactor.secret_of(twofactor.pending_device(user)) in setup.content.decode()


def test_an_officer_may_go_on_without_two_factor(tree, make_user):
    make_user(Role.OFFICER, tree["s1"], username="u")
    assert signed_in("u").get(reverse("core:home")).status_code == 200


def test_enrolment_recovery_codes_and_the_next_login(tree, make_user):
    user = make_user(Role.SUPERVISOR, tree["city"], username="u")
    client = signed_in("u")
    client.get(reverse("org:otp_setup"))
    wrong = client.post(reverse("org:otp_setup"), {"token": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    done = client.post(reverse("org:otp_setup"), {"token": code_for(user)})
    codes = done.context["codes"]
    assert len(codes) == 10
    assert "no-store" in done["Cache-Control"]
    assert client.get(reverse("core:home")).status_code == 200  # verified in this session

    again = signed_in("u")  # next login: password, then the code
    assert again.get(reverse("core:home"))["Location"].startswith(reverse("org:otp_verify"))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        refused = again.post(reverse("org:otp_verify"), {"token": "123456"})
        assert refused.status_code == 200
        # A failure throttles the next try (1 s, doubling): right after it, even a good code waits.
        assert again.post(reverse("org:otp_verify"), {"token": codes[0]}).status_code == 200
        clock.shift(dt.timedelta(seconds=2))
        assert again.post(reverse("org:otp_verify"), {"token": codes[0]}).status_code == 302
    assert again.get(reverse("core:home")).status_code == 200
    # A recovery code works once.
    third = signed_in("u")
    assert third.post(reverse("org:otp_verify"), {"token": codes[0]}).status_code == 200
    assert actions() == ["otp.enrol", "otp.failed", "otp.failed", "otp.recovery_used", "otp.failed"]


def test_the_security_administrator_resets_a_lost_phone(tree, make_user):
    user = make_user(Role.SUPERVISOR, tree["city"], username="u")
    secadmin = make_user(Role.SECURITY_ADMIN, None, username="sec")
    twofactor.pending_device(user)
    twofactor.enrol(user, code_for(user))
    client = Client()
    client.force_login(secadmin)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # (the security administrator's own session: verified through a device of their own)
    twofactor.pending_device(secadmin)
    _device, codes = twofactor.enrol(secadmin, code_for(secadmin))
    client.post(reverse("org:otp_verify"), {"token": codes[0]})
    response = client.post(reverse("org:account_reset_otp", args=["u"]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    entry = AuditEntry.objects.get(action="otp.reset")
    assert (entry.actor, entry.object_id) == (secadmin, str(user.pk))
    # The user enrols again at the next login.
    assert signed_in("u").get(reverse("core:home"))["Location"].startswith(reverse("org:otp_setup"))


def test_demo_accounts_are_exempt(tree, make_user):
    make_user(Role.SUPERVISOR, tree["city"], username="city", is_demo=True)
    assert signed_in("city").get(reverse("core:home")).status_code == 200

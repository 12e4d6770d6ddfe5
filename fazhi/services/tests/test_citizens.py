"""Citizen login by phone and one-time code: limits, expiry, attempts, and a session apart from staff."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from fazhi.audit.models import AuditEntry
from fazhi.core.roles import Role
from fazhi.services import citizens
from fazhi.services.citizens import CitizenLoginError, send_code, verify_code
from fazhi.services.models import Citizen, PhoneCode

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
SENT: list[tuple[str, str]] = []


def capture(phone: str, message: str) -> None:
    """The test's SMS gateway (settings.FAZHI_SMS_SENDER points here)."""
    SENT.append((phone, message))


def broken(phone: str, message: str) -> None:
    raise ConnectionError("gateway down")


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.FAZHI_SMS_SENDER = "fazhi.services.tests.test_citizens.capture"
    SENT.clear()
    return SENT


def last_code() -> str:
    return re.search(r"\d{6}", SENT[-1][1]).group()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_code_is_sent_to_the_phone_and_only_its_digest_is_stored(outbox):
    with time_machine.travel("2026-03-02 09:00+08:00", tick=False):
        row = send_code(PHONE)
    code = last_code()
    assert outbox[0][0] == PHONE
    assert code not in row.digest
    assert len(row.digest) == 64
    assert row.expires_at - row.created_at == dt.timedelta(minutes=5)


def test_a_phone_number_that_is_not_a_mainland_mobile_is_refused_with_its_value():
    with pytest.raises(CitizenLoginError, match="12345678901") as refused:
        send_code("12345678901")
    assert refused.value.field == "phone"
    assert PhoneCode.objects.count() == 0


def test_spaces_and_dashes_in_the_phone_number_are_accepted(outbox):
    send_code("139-1234 5678")
    assert outbox[0][0] == PHONE


def test_a_second_code_within_sixty_seconds_is_refused_and_allowed_after(outbox):
    with time_machine.travel("2026-03-02 09:00:00+08:00", tick=False) as clock:
        send_code(PHONE)
        clock.shift(dt.timedelta(seconds=45))
        with pytest.raises(CitizenLoginError, match="15 秒后"):
            send_code(PHONE)
        clock.shift(dt.timedelta(seconds=15))
        send_code(PHONE)
    assert len(outbox) == 2


def test_the_eleventh_code_of_a_day_is_refused_and_the_next_day_is_fresh(outbox):
    with time_machine.travel("2026-03-02 09:00+08:00", tick=False) as clock:
        for _ in range(10):
            send_code(PHONE)
            clock.shift(dt.timedelta(minutes=2))
        with pytest.raises(CitizenLoginError, match="10 次"):
            send_code(PHONE)
        clock.move_to("2026-03-03 00:00:01+08:00")
        send_code(PHONE)
    assert len(outbox) == 11


def test_the_limits_count_each_phone_separately(outbox):
    with time_machine.travel("2026-03-02 09:00+08:00", tick=False):
        send_code(PHONE)
        send_code("13800000000")
    assert len(outbox) == 2


def test_a_code_the_sender_failed_to_deliver_is_not_kept_nor_counted(settings):
    settings.FAZHI_SMS_SENDER = "fazhi.services.tests.test_citizens.broken"
    with pytest.raises(CitizenLoginError, match="短信发送失败"):
        send_code(PHONE)
    assert PhoneCode.objects.count() == 0


def test_the_first_login_creates_the_citizen_and_audits_it_as_the_citizen():
    with time_machine.travel("2026-03-02 09:00+08:00", tick=False):
        send_code(PHONE)
        citizen = verify_code(PHONE, last_code())
    assert (citizen.phone, Citizen.objects.count()) == (PHONE, 1)
    entry = AuditEntry.objects.get(action="services.citizen_login")
    assert (entry.actor_label, entry.changes) == (f"citizen:{citizen.pk}", {"created": True})


def test_a_later_login_finds_the_same_citizen():
    with time_machine.travel("2026-03-02 09:00+08:00", tick=False) as clock:
        send_code(PHONE)
        first = verify_code(PHONE, last_code())
        clock.shift(dt.timedelta(minutes=2))
        send_code(PHONE)
        second = verify_code(PHONE, last_code())
    assert first.pk == second.pk
    assert Citizen.objects.count() == 1


def test_a_code_expires_after_five_minutes():
    with time_machine.travel("2026-03-02 09:00+08:00", tick=False) as clock:
        send_code(PHONE)
        clock.shift(dt.timedelta(minutes=5))
        with pytest.raises(CitizenLoginError, match="已过期"):
            verify_code(PHONE, last_code())
    assert Citizen.objects.count() == 0


def test_a_code_still_works_just_before_it_expires():
    with time_machine.travel("2026-03-02 09:00+08:00", tick=False) as clock:
        send_code(PHONE)
        clock.shift(dt.timedelta(minutes=4, seconds=59))
        assert verify_code(PHONE, last_code()).phone == PHONE


def test_each_wrong_guess_says_how_many_are_left():
    send_code(PHONE)
    with pytest.raises(CitizenLoginError, match="还可以再试 4 次") as refused:
        verify_code(PHONE, wrong(last_code()))
    assert refused.value.field == "code"


def test_the_right_code_at_the_fifth_attempt_still_logs_in():
    send_code(PHONE)
    for _ in range(4):
        with pytest.raises(CitizenLoginError):
            verify_code(PHONE, wrong(last_code()))
    assert verify_code(PHONE, last_code()).phone == PHONE


def test_after_five_wrong_guesses_the_code_is_dead_even_for_the_right_code():
    send_code(PHONE)
    for _ in range(4):
        with pytest.raises(CitizenLoginError, match="还可以再试"):
            verify_code(PHONE, wrong(last_code()))
    with pytest.raises(CitizenLoginError, match="已失效"):
        verify_code(PHONE, wrong(last_code()))
    with pytest.raises(CitizenLoginError, match="错误次数过多"):
        verify_code(PHONE, last_code())
    assert PhoneCode.objects.get().attempts == 5
    assert Citizen.objects.count() == 0


def test_a_used_code_cannot_log_in_twice():
    send_code(PHONE)
    code = last_code()
    verify_code(PHONE, code)
    with pytest.raises(CitizenLoginError, match="请先获取验证码"):
        verify_code(PHONE, code)


def test_only_the_newest_code_of_a_phone_counts():
    with time_machine.travel("2026-03-02 09:00+08:00", tick=False) as clock:
        send_code(PHONE)
        older = last_code()
        clock.shift(dt.timedelta(seconds=61))
        send_code(PHONE)
        newer = last_code()
        if older != newer:  # a one-in-a-million coincidence would make the two codes equal
            with pytest.raises(CitizenLoginError, match="验证码错误"):
                verify_code(PHONE, older)
        assert verify_code(PHONE, newer).phone == PHONE


def test_a_code_that_is_not_six_digits_is_refused_without_spending_an_attempt():
    send_code(PHONE)
    with pytest.raises(CitizenLoginError, match="6 位数字"):
        verify_code(PHONE, "12ab")
    assert PhoneCode.objects.get().attempts == 0


# --- The session -----------------------------------------------------------------------------


def login_through_the_page(client, phone=PHONE, next_url=""):
    client.post(reverse("jkb:login"), {"phone": phone, "action": "send"})
    return client.post(
        reverse("jkb:login"),
        {"phone": phone, "code": last_code(), "action": "login", "next": next_url},
    )


def test_the_login_page_sends_a_code_and_shows_the_masked_phone(client, outbox):
    response = client.post(reverse("jkb:login"), {"phone": PHONE, "action": "send"})
    assert response.status_code == 200
    assert "139****5678" in response.content.decode()
    assert len(outbox) == 1


def test_a_wrong_code_on_the_login_page_is_shown_on_the_code_field(client):
    client.post(reverse("jkb:login"), {"phone": PHONE, "action": "send"})
    response = client.post(
        reverse("jkb:login"), {"phone": PHONE, "code": wrong(last_code()), "action": "login"}
    )
    body = response.content.decode()
    assert 'data-field="code">验证码错误，还可以再试 4 次。' in body
    assert citizens.SESSION_KEY not in client.session


def test_logging_in_rotates_the_session_key_and_goes_to_next(client):
    client.get(reverse("jkb:login"))
    client.session.save()
    before = client.session.session_key
    response = login_through_the_page(client, next_url=reverse("jkb:track"))
    assert response.status_code == 302
    assert response["Location"] == reverse("jkb:track")
    assert client.session.session_key != before
    assert client.session[citizens.SESSION_KEY] == Citizen.objects.get(phone=PHONE).pk


def test_an_outside_next_url_is_ignored(client):
    response = login_through_the_page(client, next_url="https://evil.example/")
    assert response["Location"] == reverse("jkb:mine")


def test_a_citizen_session_is_not_a_staff_login(client):
    login_through_the_page(client)
    assert "_auth_user_id" not in client.session
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_staff_login_is_not_a_citizen(client, make_user, tree):
    client.force_login(make_user(Role.WINDOW, tree["s1"]))
    response = client.get(reverse("jkb:mine"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('jkb:login')}?next=%2Fjkb%2Fmine%2F"


def test_citizen_logout_ends_the_citizen_session_only(client, make_user, tree):
    staff = make_user(Role.WINDOW, tree["s1"])
    client.force_login(staff)
    login_through_the_page(client)
    client.post(reverse("jkb:logout"))
    assert citizens.SESSION_KEY not in client.session
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.get(reverse("jkb:mine")).status_code == 302

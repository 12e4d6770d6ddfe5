"""The web shell's security: CSP without inline code, CSRF, login lockout, sessions, headers.

等保 level 3 asks for login-failure handling, session timeout and an audit trail of logins;
the isolated police network asks that nothing but the app itself serves code to the browser.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from fazhi.audit import log as audit
from fazhi.audit.models import AuditEntry
from fazhi.catalog.models import EditionStatus, ListKind
from fazhi.catalog.tests.factories import ListEditionFactory, add_entry, freeze
from fazhi.core.roles import Role
from fazhi.org.models import Officer
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the UserFactory password
OUR_NAMESPACES = {"core", "org", "law", "catalog", "audit", "portal"}


# --- Finding inline code in HTML ------------------------------------------------------------


class InlineCodeFinder(HTMLParser):
    """Collect everything the CSP (script-src/style-src 'self') would block or that runs code."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        # json_script data blocks are not executed; every other inline script is.
        is_data = (attributes.get("type") or "").lower() == "application/json"
        if tag == "script" and not attributes.get("src") and not is_data:
            self.found.append(f"<script> without src at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> element at line {self.getpos()[0]}")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}"> at line {self.getpos()[0]}')
            elif name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"<{tag} {name}=…> handler at line {self.getpos()[0]}")
            elif name in {"href", "src", "action"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…> at line {self.getpos()[0]}")


def inline_code_in(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.found


def test_the_inline_code_finder_finds_each_kind_of_inline_code():
    html = """
    <script>alert(1)</script><script src="/static/x.js"></script>
    <script type="application/json" id="data">{"a": 1}</script>
    <div style="color: red" onclick="go()"></div><style>p {}</style>
    <a href="javascript:void(0)">x</a><button hx-on:click="x()"></button>
    """
    assert len(inline_code_in(html)) == 6


def parameterless_pages() -> list[str]:
    """Return every URL of our apps that needs no argument (pages added later are included)."""
    paths: list[str] = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace in OUR_NAMESPACES:
                if "<" in route or "(?P" in route or "^" in route:
                    continue
                paths.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "", None)
    return sorted(set(paths))


def pages_with_arguments(officer, unit) -> list[str]:
    """Return the detail pages of our apps for one row each (those that exist so far)."""
    wanted = [
        ("portal:list", ["power"]),
        ("portal:list", ["permit"]),
        ("org:officer", [officer.police_number]),
        ("org:unit", [unit.code]),
    ]
    paths = []
    for name, args in wanted:
        try:
            paths.append(reverse(name, args=args))
        except NoReverseMatch:
            continue
    return paths


@pytest.fixture
def populated(tree, make_user):
    edition = ListEditionFactory(list_kind=ListKind.POWER)
    add_entry(edition, "GA-CF-001")
    freeze(edition, EditionStatus.PUBLISHED)
    OfficerFactory(unit=tree["s1"], police_number="900001")
    OfficerFactory(unit=tree["s2"], expired=True)
    OfficerFactory(unit=tree["c1"], suspended=True)
    return {
        "supervisor": make_user(Role.SUPERVISOR, tree["city"], username="sup"),
        "legal": make_user(Role.LEGAL_OFFICER, tree["d1"], username="legal"),
        "leader": make_user(Role.LEADER, tree["city"], username="leader"),
        "officer": make_user(Role.OFFICER, tree["s1"], username="officer"),
        "sysadmin": make_user(Role.SYSTEM_ADMIN, None, username="sys"),
        "secadmin": make_user(Role.SECURITY_ADMIN, None, username="sec"),
        "auditadmin": make_user(Role.AUDIT_ADMIN, None, username="aud"),
        "anonymous": None,
    }


def test_every_page_of_ours_sends_the_csp_and_contains_no_inline_code(populated):
    officer = Officer.objects.get(police_number="900001")
    pages = [
        *parameterless_pages(),
        reverse("login"),
        "/api/v1/docs",  # django-ninja's page: its assets must come from us, not a CDN
        *pages_with_arguments(officer, officer.unit),
    ]
    assert "/" in pages
    assert "/public/" in pages
    problems: list[str] = []
    rendered = 0
    for name, user in populated.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for path in pages:
            response = client.get(path)
            if response.status_code >= 500:
                problems.append(f"{path} as {name}: HTTP {response.status_code}")
                continue
            policy = response.headers.get("Content-Security-Policy", "")
            if "script-src 'self'" not in policy or "unsafe-inline" in policy:
                problems.append(f"{path} as {name}: CSP header is {policy!r}")
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                rendered += 1
                html = response.content.decode()
                problems += [f"{path} as {name}: {found}" for found in inline_code_in(html)]
                if "https://" in html and re.search(r'(src|href)="https://', html):
                    problems.append(f"{path} as {name}: loads an asset from another site")
    assert problems == []
    assert rendered >= len(populated)  # at least the home or login page for everyone


def test_the_lockout_page_contains_no_inline_code(client, make_user):
    make_user(Role.OFFICER, None, username="victim")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "victim", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "victim", "password": PASSWORD})
    assert response.status_code == 429
    assert inline_code_in(response.content.decode()) == []
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_security_headers_are_sent():
    response = Client().get(reverse("login"))
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy


def test_session_and_csrf_cookies_are_not_readable_by_scripts_and_stay_on_the_site(
    client, make_user
):
    user = make_user(Role.OFFICER, None, username="cookie")
    response = client.post(reverse("login"), {"username": "cookie", "password": PASSWORD})
    assert response.status_code == 302
    session_cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session_cookie["httponly"] is True
    assert session_cookie["samesite"] == "Lax"
    assert client.session["_auth_user_id"] == str(user.pk)


# --- CSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["login", "logout", "set_language"])
def test_a_post_without_csrf_token_is_refused(url_name, make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(Role.OFFICER, None, username="csrf"))
    response = client.post(reverse(url_name), {"language": "en"})
    assert response.status_code == 403


def test_a_post_with_the_csrf_token_is_accepted(make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(Role.OFFICER, None, username="csrf"))
    client.get(reverse("core:home"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


# --- Login, lockout and the audit trail of logins -------------------------------------------


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_a_login_and_a_logout_are_written_to_the_audit_log(client, make_user):
    user = make_user(Role.OFFICER, None, username="zhang")
    client.post(reverse("login"), {"username": "zhang", "password": PASSWORD})
    client.post(reverse("logout"))
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.action, e.actor_id, e.actor_label) for e in entries] == [
        ("auth.login", user.pk, "zhang"),
        ("auth.logout", user.pk, "zhang"),
    ]
    assert entries[0].ip_address == "127.0.0.1"
    assert audit.verify().ok


def test_a_failed_login_records_the_username_tried_and_never_the_password(client, make_user):
    make_user(Role.OFFICER, None, username="zhang")
    client.post(reverse("login"), {"username": "zhang", "password": "s3cret-guess"})
    entry = AuditEntry.objects.get()
    assert entry.action == "auth.login_failed"
    assert entry.actor_id is None
    assert entry.actor_label == "system:login"
    assert entry.changes == {"username": "zhang"}
    assert (entry.object_type, entry.object_id) == ("org.user", "zhang")
    assert "s3cret-guess" not in str(AuditEntry.objects.values().get())


def test_a_failed_login_for_an_unknown_username_is_recorded_too(client, db):
    client.post(reverse("login"), {"username": "nobody", "password": "x"})
    assert AuditEntry.objects.get().changes == {"username": "nobody"}


def test_five_failures_lock_the_account_and_then_the_right_password_is_refused(client, make_user):
    make_user(Role.OFFICER, None, username="li")
    for attempt in range(1, 6):
        response = client.post(reverse("login"), {"username": "li", "password": f"wrong{attempt}"})
        assert response.status_code == (200 if attempt < 5 else 429)

    response = client.post(reverse("login"), {"username": "li", "password": PASSWORD})

    assert response.status_code == 429
    assert b'data-testid="locked-out"' in response.content
    assert "_auth_user_id" not in client.session
    assert actions() == ["auth.login_failed"] * 5 + ["auth.locked_out"] + [
        "auth.login_failed",  # the right password, refused while locked
        "auth.locked_out",
    ]
    assert audit.verify().ok


def test_four_failures_do_not_lock_the_account(client, make_user):
    make_user(Role.OFFICER, None, username="wang")
    for _ in range(4):
        client.post(reverse("login"), {"username": "wang", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "wang", "password": PASSWORD})
    assert response.status_code == 302
    assert actions() == ["auth.login_failed"] * 4 + ["auth.login"]


def test_a_lockout_ends_after_thirty_minutes(client, make_user):
    make_user(Role.OFFICER, None, username="zhao")
    with time_machine.travel(dt.datetime(2025, 10, 8, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(5):
            client.post(reverse("login"), {"username": "zhao", "password": "wrong"})
        clock.shift(dt.timedelta(minutes=29))
        still_locked = client.post(reverse("login"), {"username": "zhao", "password": PASSWORD})
        # The refused attempt above counts as a failure and restarts the 30 minutes.
        clock.shift(dt.timedelta(minutes=31))
        unlocked = client.post(reverse("login"), {"username": "zhao", "password": PASSWORD})
    assert still_locked.status_code == 429
    assert unlocked.status_code == 302


def test_the_lockout_locks_the_account_not_the_shared_address(client, make_user):
    make_user(Role.OFFICER, None, username="victim")
    make_user(Role.OFFICER, None, username="colleague")
    for _ in range(5):
        client.post(reverse("login"), {"username": "victim", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "colleague", "password": PASSWORD})
    assert response.status_code == 302


# --- Sessions -----------------------------------------------------------------------------------


def test_an_idle_session_expires_after_thirty_minutes(client, make_user):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    make_user(Role.OFFICER, None, username="idle")
    with time_machine.travel(dt.datetime(2025, 10, 8, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client.post(reverse("login"), {"username": "idle", "password": PASSWORD})
        clock.shift(dt.timedelta(minutes=29))
        active = client.get(reverse("core:home"))
        clock.shift(dt.timedelta(minutes=29))  # each request renews the session
        renewed = client.get(reverse("core:home"))
        clock.shift(dt.timedelta(minutes=31))
        expired = client.get(reverse("core:home"))
    assert active.status_code == 200
    assert renewed.status_code == 200
    assert expired.status_code == 302
    assert expired["Location"].startswith(reverse("login"))


def test_an_anonymous_visitor_to_the_home_page_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_the_public_site_needs_no_login(client, db):
    assert client.get("/public/").status_code == 200


# --- Secrets and flags from the environment --------------------------------------------------


def load_settings(monkeypatch, tmp_path, **env: str):
    """Execute fazhi/settings.py afresh under ENV, as a separate module (the live one stays)."""
    monkeypatch.setenv("FAZHI_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = Path(settings.BASE_DIR) / "fazhi" / "settings.py"
    spec = importlib.util.spec_from_file_location("fazhi_settings_probe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_secret_key_shorter_than_32_characters_stops_start_up(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be at least 32"):
        load_settings(monkeypatch, tmp_path, SECRET_KEY="x" * 31)


def test_a_secret_key_of_32_characters_is_used(monkeypatch, tmp_path):
    assert load_settings(monkeypatch, tmp_path, SECRET_KEY="k" * 32).SECRET_KEY == "k" * 32


def test_without_a_secret_key_one_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_settings(monkeypatch, tmp_path).SECRET_KEY
    second = load_settings(monkeypatch, tmp_path).SECRET_KEY
    assert len(first) >= 50
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_debug_value_that_is_not_a_boolean_stops_start_up(monkeypatch, tmp_path, value):
    with pytest.raises(ImproperlyConfigured, match=f"DEBUG='{value}' is not a boolean"):
        load_settings(monkeypatch, tmp_path, DEBUG=value)


@pytest.mark.parametrize(("value", "expected"), [("yes", True), ("0", False), ("On", True)])
def test_a_clear_debug_value_is_read(monkeypatch, tmp_path, value, expected):
    assert load_settings(monkeypatch, tmp_path, DEBUG=value).DEBUG is expected


def test_debug_is_off_unless_asked_for(monkeypatch, tmp_path):
    monkeypatch.delenv("DEBUG", raising=False)
    assert load_settings(monkeypatch, tmp_path).DEBUG is False

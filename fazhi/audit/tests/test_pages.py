import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from fazhi.audit import log as audit
from fazhi.audit.models import AuditEntry
from fazhi.core.roles import Role

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def auditor(client, make_user):
    user = make_user(Role.AUDIT_ADMIN, None, username="auditor")
    client.force_login(user)
    return user


def shown(response) -> list[str]:
    return [entry.action for entry, _changes in response.context["rows"]]


@pytest.mark.parametrize(
    "role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SUPERVISOR, Role.LEADER]
)
def test_only_the_audit_administrator_reads_the_log(client, tree, make_user, role):
    client.force_login(make_user(role, tree["city"]))
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.post(reverse("audit:verify")).status_code == 403


def test_the_log_is_newest_first_and_viewing_it_is_audited(client, make_user, auditor):
    actor = make_user(Role.SYSTEM_ADMIN, None, username="sys")
    audit.record(actor, "first.act")
    audit.record(actor, "second.act")
    response = client.get(reverse("audit:log"))
    # The view is recorded before the page is read, so it is the newest entry shown.
    assert shown(response)[:3] == ["audit.view", "second.act", "first.act"]
    view = AuditEntry.objects.filter(action="audit.view").get()
    assert view.actor == auditor


def test_filters_narrow_by_person_action_object_and_day(client, make_user, auditor):
    sys = make_user(Role.SYSTEM_ADMIN, None, username="sys")
    other = make_user(Role.SECURITY_ADMIN, None, username="sec")
    day = dt.datetime(2026, 5, 4, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC: still 4 May in Shanghai
    audit.record(sys, "account.create", ("org.user", "7", "u7"), at=day)
    audit.record(sys, "account.create", ("org.user", "8", "u8"), at=day + dt.timedelta(days=1))
    audit.record(other, "account.assign_role", ("org.user", "7", "u7"), at=day)
    url = reverse("audit:log")
    by_person = client.get(url, {"person": "sys"})
    assert {e.actor_label for e, _c in by_person.context["rows"]} == {"sys"}
    by_object = client.get(url, {"object_type": "org.user", "object_id": "7"})
    assert sorted(shown(by_object)) == ["account.assign_role", "account.create"]
    by_day = client.get(
        url, {"action": "account.create", "date_from": "2026-05-04", "date_to": "2026-05-04"}
    )
    assert [e.object_id for e, _c in by_day.context["rows"]] == ["7"]


def test_changes_show_before_and_after(client, make_user, auditor):
    audit.record(auditor, "account.assign_role", changes={"role": ["officer", "supervisor"]})
    response = client.get(reverse("audit:log"), {"action": "account.assign_role"})
    (row,) = response.context["rows"]
    assert row[1].changes == [("role", "officer", "supervisor")]
    assert 'officer</span> → <span class="diff-added">supervisor' in response.content.decode()


def test_verify_button_reports_a_broken_chain(client, auditor):
    first = audit.record(auditor, "first.act")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [first.id])
    response = client.post(reverse("audit:verify"), HTTP_HX_REQUEST="true")
    assert response.context["result"].first_broken_id == first.id
    assert 'data-testid="verify-broken"' in response.content.decode()

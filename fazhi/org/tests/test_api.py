import pytest

from fazhi.audit.models import AuditEntry
from fazhi.core.roles import Role
from fazhi.org.tests.factories import OfficerFactory
from fazhi.org.tokens import issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The production hasher costs ~0.3 s a user; these tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


API = "/api/v1/org"


@pytest.fixture
def officers(tree):
    return {key: OfficerFactory(unit=tree[key]) for key in ("city", "d1", "s1", "c1", "d2", "s2")}


@pytest.fixture
def api_as(client, make_user):
    """Return a GET/POST caller authenticated by a bearer token for a new user."""

    def make(role, unit=None):
        user = make_user(role, unit)
        token = issue_token(user, "test", actor=user)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

        class Caller:
            def get(self, path, data=None):
                return client.get(API + path, data, **headers)

            def post(self, path):
                return client.post(API + path, **headers)

        caller = Caller()
        caller.user = user
        return caller

    return make


def numbers(response) -> list[str]:
    return sorted(item["police_number"] for item in response.json()["items"])


def test_station_officer_lists_only_their_station(tree, officers, api_as):
    api = api_as(Role.OFFICER, tree["s1"])
    assert numbers(api.get("/officers")) == [officers["s1"].police_number]


def test_station_officer_gets_404_for_another_station(tree, officers, api_as):
    api = api_as(Role.OFFICER, tree["s1"])
    outside = api.get(f"/officers/{officers['s2'].police_number}")
    missing = api.get("/officers/999999")
    assert (outside.status_code, missing.status_code) == (404, 404)
    assert outside.json() == missing.json()


def test_district_supervisor_lists_their_subtree(tree, officers, api_as):
    api = api_as(Role.SUPERVISOR, tree["d1"])
    assert numbers(api.get("/officers")) == sorted(
        officers[k].police_number for k in ("d1", "s1", "c1")
    )


def test_city_supervisor_lists_everyone(tree, officers, api_as):
    api = api_as(Role.SUPERVISOR, tree["city"])
    response = api.get("/officers")
    assert response.json()["count"] == 6


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
@pytest.mark.parametrize("path", ["/officers", "/units", "/units/500000"])
def test_administrators_get_403_on_business_data(tree, officers, api_as, role, path):
    api = api_as(role, tree["city"])
    assert api.get(path).status_code == 403


def test_officers_carry_masked_id_numbers(tree, officers, api_as):
    api = api_as(Role.SUPERVISOR, tree["s1"])
    officer = officers["s1"]
    body = api.get(f"/officers/{officer.police_number}").json()
    assert body["id_number_masked"] == officer.masked_id_number
    assert officer.id_number not in str(body)
    assert body["unit_code"] == "500103-01"


def test_officer_filters_match_the_ui(tree, officers, api_as):
    api = api_as(Role.SUPERVISOR, tree["city"])
    expired = OfficerFactory(unit=tree["s2"], expired=True)
    response = api.get("/officers", {"unit": "500104", "qualification_state": "expired"})
    assert numbers(response) == [expired.police_number]


def test_unit_list_is_the_scoped_tree_with_parents_and_depth(tree, api_as):
    api = api_as(Role.SUPERVISOR, tree["d2"])
    items = api.get("/units").json()["items"]
    assert [(u["code"], u["parent_code"], u["depth"]) for u in items] == [
        ("500104", "500000", 2),
        ("500104-01", "500104", 3),
        ("500104-T1", "500104", 3),
    ]


def test_unit_outside_scope_is_404(tree, api_as):
    api = api_as(Role.OFFICER, tree["s1"])
    assert api.get("/units/500104-01").status_code == 404
    assert api.get("/units/500103-01").json()["kind"] == "station"


def test_lists_are_paginated(tree, api_as):
    OfficerFactory.create_batch(55, unit=tree["s1"])
    api = api_as(Role.OFFICER, tree["s1"])
    second = api.get("/officers", {"page": 2}).json()
    assert (second["count"], len(second["items"])) == (55, 5)


def test_reveal_returns_the_number_and_writes_one_entry(tree, officers, api_as):
    api = api_as(Role.CLERK, tree["s1"])
    officer = officers["s1"]
    response = api.post(f"/officers/{officer.police_number}/reveal-id")
    assert response.json() == {
        "police_number": officer.police_number,
        "id_number": officer.id_number,
    }
    reveals = AuditEntry.objects.filter(action="pii.reveal")
    assert [(e.actor, e.object_id) for e in reveals] == [(api.user, str(officer.pk))]


def test_reveal_without_capability_is_403_and_logs_nothing(tree, officers, api_as):
    api = api_as(Role.OFFICER, tree["s1"])
    response = api.post(f"/officers/{officers['s1'].police_number}/reveal-id")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="pii.reveal").exists()


def test_reveal_outside_scope_is_404(tree, officers, api_as):
    api = api_as(Role.CLERK, tree["s1"])
    response = api.post(f"/officers/{officers['s2'].police_number}/reveal-id")
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="pii.reveal").exists()


def test_me_describes_the_caller(tree, api_as):
    api = api_as(Role.SUPERVISOR, tree["d1"])
    body = api.get("/me").json()
    assert (body["role"], body["scope_unit"], body["officer"]) == ("supervisor", "500103", None)
    assert "reveal_id_number" in body["capabilities"]


def test_session_auth_works_too(client, tree, officers, make_user):
    client.force_login(make_user(Role.OFFICER, tree["s1"]))
    assert client.get(f"{API}/officers").json()["count"] == 1


def test_no_credentials_is_401(client, tree):
    assert client.get(f"{API}/officers").status_code == 401

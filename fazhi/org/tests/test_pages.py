import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from fazhi.audit.models import AuditEntry
from fazhi.core.roles import Role
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The production hasher costs ~0.3 s a user; these tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


TODAY = "2026-03-02 09:00+08:00"


@pytest.fixture
def officers(tree):
    return {key: OfficerFactory(unit=tree[key]) for key in ("city", "d1", "s1", "c1", "d2", "s2")}


@pytest.fixture
def login(client, make_user):
    def as_role(role, unit=None, **kwargs):
        user = make_user(role, unit, **kwargs)
        client.force_login(user)
        return user

    return as_role


def acts():
    """Audit entries other than the logins the test client makes."""
    return AuditEntry.objects.exclude(action__startswith="auth.")


def listed_numbers(response) -> list[str]:
    return sorted(o.police_number for o, _state in response.context["rows"])


def test_station_officer_lists_only_their_station(client, tree, officers, login):
    login(Role.OFFICER, tree["s1"])
    response = client.get(reverse("org:officers"))
    assert listed_numbers(response) == [officers["s1"].police_number]


def test_station_officer_gets_404_for_an_officer_of_another_station(client, tree, officers, login):
    login(Role.OFFICER, tree["s1"])
    url = reverse("org:officer", args=[officers["s2"].police_number])
    assert client.get(url).status_code == 404


def test_station_officer_gets_404_for_a_unit_outside_their_scope(client, tree, officers, login):
    login(Role.OFFICER, tree["s1"])
    assert client.get(reverse("org:unit", args=[tree["s2"].code])).status_code == 404
    assert client.get(reverse("org:unit", args=[tree["s1"].code])).status_code == 200


def test_district_supervisor_lists_their_subtree(client, tree, officers, login):
    login(Role.SUPERVISOR, tree["d1"])
    response = client.get(reverse("org:officers"))
    assert listed_numbers(response) == sorted(
        officers[key].police_number for key in ("d1", "s1", "c1")
    )


def test_city_supervisor_lists_everyone(client, tree, officers, login):
    login(Role.SUPERVISOR, tree["city"])
    response = client.get(reverse("org:officers"))
    assert listed_numbers(response) == sorted(o.police_number for o in officers.values())


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
@pytest.mark.parametrize("page", ["org:officers", "org:tree"])
def test_administrators_get_no_officer_list_or_tree(client, tree, officers, login, role, page):
    login(role, tree["city"])
    assert client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_administrators_cannot_open_an_officer(client, tree, officers, login, role):
    login(role, tree["city"])
    url = reverse("org:officer", args=[officers["s1"].police_number])
    assert client.get(url).status_code == 403


def test_the_list_shows_masked_id_numbers_only(client, tree, officers, login):
    login(Role.SUPERVISOR, tree["s1"])
    body = client.get(reverse("org:officers")).content.decode()
    officer = officers["s1"]
    assert officer.masked_id_number in body
    assert officer.id_number not in body


def test_the_unit_filter_takes_the_subtree_within_scope(client, tree, officers, login):
    login(Role.SUPERVISOR, tree["city"])
    response = client.get(reverse("org:officers"), {"unit": tree["d2"].code})
    assert listed_numbers(response) == sorted(officers[k].police_number for k in ("d2", "s2"))


def test_a_unit_filter_outside_scope_finds_nobody(client, tree, officers, login):
    login(Role.SUPERVISOR, tree["d1"])
    response = client.get(reverse("org:officers"), {"unit": tree["d2"].code})
    assert listed_numbers(response) == []


def test_search_matches_name_or_police_number(client, tree, login):
    a = OfficerFactory(unit=tree["s1"], name="张三", police_number="310001")
    OfficerFactory(unit=tree["s1"], name="李四", police_number="310002")
    login(Role.OFFICER, tree["s1"])
    assert listed_numbers(client.get(reverse("org:officers"), {"q": "张"})) == [a.police_number]
    assert listed_numbers(client.get(reverse("org:officers"), {"q": "0001"})) == ["310001"]


@time_machine.travel(TODAY, tick=False)
def test_expiring_filter_uses_the_requested_number_of_days(client, tree, login):
    soon = OfficerFactory(unit=tree["s1"], qualification_expires_on=dt.date(2026, 3, 20))
    later = OfficerFactory(unit=tree["s1"], qualification_expires_on=dt.date(2026, 5, 20))
    OfficerFactory(unit=tree["s1"], qualification_expires_on=dt.date(2027, 5, 20))
    OfficerFactory(unit=tree["s1"], expired=True)
    login(Role.OFFICER, tree["s1"])
    url = reverse("org:officers")
    default = client.get(url, {"qualification_state": "expiring"})
    assert listed_numbers(default) == sorted([soon.police_number, later.police_number])
    narrow = client.get(url, {"qualification_state": "expiring", "within_days": "30"})
    assert listed_numbers(narrow) == [soon.police_number]


def test_the_list_is_paginated_by_fifty(client, tree, login):
    OfficerFactory.create_batch(55, unit=tree["s1"])
    login(Role.OFFICER, tree["s1"])
    first = client.get(reverse("org:officers"))
    second = client.get(reverse("org:officers"), {"page": 2})
    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 5


def test_the_tree_shows_officer_counts_per_unit_and_subtree(client, tree, officers, login):
    OfficerFactory(unit=tree["s1"])
    login(Role.SUPERVISOR, tree["d1"])
    response = client.get(reverse("org:tree"))
    (root,) = response.context["roots"]
    assert root.unit.code == "500103"
    assert (root.officer_count, root.subtree_count) == (1, 4)
    station = next(n for n in root.children if n.unit.code == "500103-01")
    assert (station.officer_count, station.subtree_count) == (2, 2)
    assert "乙区分局" not in response.content.decode()


def test_reveal_returns_the_full_number_and_writes_one_audit_entry(client, tree, officers, login):
    user = login(Role.SUPERVISOR, tree["d1"])
    officer = officers["s1"]
    response = client.post(
        reverse("org:reveal_id_number", args=[officer.police_number]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert officer.id_number in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    entry = acts().get()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        user,
        "pii.reveal",
        "org.officer",
        str(officer.pk),
    )


def test_reveal_without_the_capability_is_forbidden_and_logs_nothing(client, tree, officers, login):
    login(Role.OFFICER, tree["s1"])
    response = client.post(reverse("org:reveal_id_number", args=[officers["s1"].police_number]))
    assert response.status_code == 403
    assert acts().count() == 0


def test_reveal_outside_scope_is_404_and_logs_nothing(client, tree, officers, login):
    login(Role.SUPERVISOR, tree["d1"])
    response = client.post(reverse("org:reveal_id_number", args=[officers["s2"].police_number]))
    assert response.status_code == 404
    assert acts().count() == 0


def test_officer_detail_offers_the_reveal_button_only_to_those_who_may(
    client, tree, officers, login
):
    url = reverse("org:officer", args=[officers["s1"].police_number])
    login(Role.OFFICER, tree["s1"])
    assert "显示完整号码" not in client.get(url).content.decode()
    login(Role.CLERK, tree["s1"])
    assert "显示完整号码" in client.get(url).content.decode()


def test_reveal_without_htmx_renders_the_detail_page_with_the_number(client, tree, officers, login):
    login(Role.SUPERVISOR, tree["s1"])
    officer = officers["s1"]
    response = client.post(reverse("org:reveal_id_number", args=[officer.police_number]))
    assert response.templates[0].name == "org/officer_detail.html"
    assert officer.id_number in response.content.decode()
    assert acts().filter(action="pii.reveal").count() == 1


def test_an_htmx_filter_request_renders_only_the_table(client, tree, officers, login):
    login(Role.OFFICER, tree["s1"])
    response = client.get(reverse("org:officers"), HTTP_HX_REQUEST="true")
    assert response.templates[0].name == "org/_officer_table.html"
    assert "<html" not in response.content.decode()

import pytest
from django.urls import reverse

from fazhi.audit.models import AuditEntry
from fazhi.core.roles import Role
from fazhi.supervision import scan
from fazhi.supervision.models import CaseWarning, WarningEvent
from fazhi.supervision.tests.factories import at, open_public_order_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def warned(tree):
    """One overdue case in each district's station; the full scan opens BANAN_OVER for both."""
    one, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    two, _ = open_public_order_case(tree["s2"], accepted="2025-03-03 10:00")
    scan.run(at("2025-04-03 09:00"))
    return one, two


def _numbers(client) -> set[str]:
    page = client.get(reverse("supervision:warnings"))
    assert page.status_code == 200
    return {w.case.number for w in page.context["page"]}


@pytest.mark.parametrize(
    ("role", "scope", "sees"),
    [
        (Role.OFFICER, "s1", {"one"}),
        (Role.SUPERVISOR, "d1", {"one"}),
        (Role.SUPERVISOR, "d2", {"two"}),
        (Role.SUPERVISOR, "city", {"one", "two"}),
    ],
)
def test_each_level_sees_the_warnings_of_its_own_scope(
    client, make_user, tree, warned, role, scope, sees
):
    cases = dict(zip(("one", "two"), warned, strict=True))
    client.force_login(make_user(role, tree[scope]))

    assert _numbers(client) == {cases[name].number for name in sees}


def test_an_audit_administrator_cannot_open_the_queue(client, make_user, tree, warned):
    client.force_login(make_user(Role.AUDIT_ADMIN, tree["city"]))

    assert client.get(reverse("supervision:warnings")).status_code == 403


def test_the_queue_counts_by_level_links_the_case_and_shows_the_provision(
    client, make_user, tree, warned
):
    client.force_login(make_user(Role.SUPERVISOR, tree["city"]))

    page = client.get(reverse("supervision:warnings"))

    assert [(level, n) for level, _label, n in page.context["counts"]] == [
        ("hint", 0),
        ("warning", 0),
        ("alarm", 2),
    ]
    html = page.content.decode()
    assert reverse("cases:detail", args=[warned[0].number]) in html
    assert "《中华人民共和国治安管理处罚法》第九十九条第一款" in html
    assert 'class="badge level-red"' in html


def test_the_queue_filters_by_unit_level_and_state(client, make_user, tree, warned):
    client.force_login(make_user(Role.SUPERVISOR, tree["city"]))

    by_unit = client.get(reverse("supervision:warnings"), {"unit": tree["d2"].code})
    by_level = client.get(reverse("supervision:warnings"), {"level": "hint"})
    closed = client.get(reverse("supervision:warnings"), {"state": "closed"})

    assert [w.case.number for w in by_unit.context["page"]] == [warned[1].number]
    assert list(by_level.context["page"]) == []
    assert list(closed.context["page"]) == []


def test_a_station_acknowledges_its_warning_and_the_act_is_audited(client, make_user, tree, warned):
    officer = make_user(Role.OFFICER, tree["s1"])
    client.force_login(officer)
    warning = CaseWarning.objects.get(case=warned[0])

    response = client.post(
        reverse("supervision:acknowledge", args=[warning.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    warning.refresh_from_db()
    assert warning.acknowledged_by == officer
    assert (
        WarningEvent.objects.filter(warning=warning, kind="acknowledged", actor=officer).count()
        == 1
    )
    assert AuditEntry.objects.filter(action="supervision.warning.acknowledge").count() == 1
    again = client.post(reverse("supervision:acknowledge", args=[warning.pk]))
    assert again.status_code == 409


def test_a_warning_of_another_unit_cannot_be_acknowledged(client, make_user, tree, warned):
    client.force_login(make_user(Role.OFFICER, tree["s1"]))
    other = CaseWarning.objects.get(case=warned[1])

    response = client.post(reverse("supervision:acknowledge", args=[other.pk]))

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.acknowledged_at is None


def test_the_menu_offers_the_queue(client, make_user, tree):
    client.force_login(make_user(Role.OFFICER, tree["s1"]))

    page = client.get(reverse("core:home"))

    assert reverse("supervision:warnings") in page.content.decode()

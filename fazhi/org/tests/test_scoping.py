import pytest

from fazhi.core.roles import Role
from fazhi.org.models import Officer, Unit
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers(tree):
    return {key: OfficerFactory(unit=tree[key]) for key in ("city", "d1", "s1", "c1", "d2", "s2")}


def codes(qs):
    return sorted(o.unit.code for o in qs)


def test_station_officer_sees_only_their_station(tree, officers, make_user):
    user = make_user(Role.OFFICER, tree["s1"])
    assert codes(Officer.objects.visible_to(user)) == ["500103-01"]


def test_district_supervisor_sees_their_subtree(tree, officers, make_user):
    user = make_user(Role.SUPERVISOR, tree["d1"])
    assert codes(Officer.objects.visible_to(user)) == ["500103", "500103-01", "500103-BA"]


def test_city_supervision_centre_sees_everything(tree, officers, make_user):
    user = make_user(Role.SUPERVISOR, tree["city"])
    assert Officer.objects.visible_to(user).count() == len(officers)


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_administrators_see_no_business_data(tree, officers, make_user, role):
    user = make_user(role, tree["city"])
    assert Officer.objects.visible_to(user).count() == 0
    assert Unit.objects.visible_to(user).count() == 0


def test_inactive_user_sees_nothing(tree, officers, make_user):
    user = make_user(Role.SUPERVISOR, tree["city"], is_active=False)
    assert Officer.objects.visible_to(user).count() == 0


def test_user_without_scope_sees_nothing(tree, officers, make_user):
    user = make_user(Role.OFFICER, None)
    assert Officer.objects.visible_to(user).count() == 0


def test_sibling_prefix_is_not_a_subtree(db):
    # Materialised paths are fixed-width steps, so unit 0001 never matches 00010…
    from fazhi.org.tests.factories import add_unit

    root = add_unit("R", "root", "city_bureau")
    for i in range(12):
        add_unit(f"D{i:02d}", f"d{i}", "district_bureau", root)
    first = Unit.objects.get(code="D00")
    subtree = Unit.objects.filter(path__startswith=first.path)
    assert list(subtree.values_list("code", flat=True)) == ["D00"]

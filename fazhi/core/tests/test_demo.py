"""The demo data set: deterministic, realistic in shape, and idempotent."""

import datetime as dt
from collections import Counter

import pytest

from fazhi.audit.models import AuditEntry
from fazhi.catalog import demo as catalog_demo
from fazhi.catalog.models import Delegation
from fazhi.core import demo
from fazhi.core.identity import validate_citizen_id
from fazhi.org import demo as org_demo
from fazhi.org.models import Officer, Unit, UnitKind, User

ON = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_full_tree_has_the_shape_the_issue_asks_for():
    kinds = Counter(row[2] for row in org_demo.unit_rows(demo.FULL))

    assert kinds[UnitKind.CITY_BUREAU] == 1
    assert kinds[UnitKind.SUPERVISION_CENTRE] == 1
    assert kinds[UnitKind.DISTRICT_BUREAU] == 6
    assert kinds[UnitKind.CASE_CENTRE] == 6
    assert kinds[UnitKind.STATION] == 35
    assert kinds[UnitKind.CASE_ROOM] == 12
    assert kinds[UnitKind.BRANCH] == 3
    assert kinds[UnitKind.TOWNSHIP] == 6


def test_the_full_officer_list_has_200_plus_valid_unique_ids_and_mixed_states():
    rows = org_demo.officer_rows(demo.FULL, ON)
    states = Counter(demo_state(row) for row in rows)

    assert len(rows) >= 200
    assert len({row[0] for row in rows}) == len({row[2] for row in rows}) == len(rows)
    assert all(validate_citizen_id(row[2]).number == row[2] for row in rows)
    assert set(states) == {"valid", "expiring", "expired", "none", "停止执法", "离岗"}
    assert states["valid"] > len(rows) / 2


def demo_state(row):
    level, _granted, expires, status = row[4:]
    if status != "在岗":
        return status
    if not level:
        return "none"
    days = (dt.date.fromisoformat(expires) - ON).days
    return "expired" if days < 0 else "expiring" if days < 90 else "valid"


def test_the_generator_is_deterministic():
    assert org_demo.officer_rows(demo.FULL, ON) == org_demo.officer_rows(demo.FULL, ON)
    assert org_demo.officer_rows(demo.FULL, ON, seed=1) != org_demo.officer_rows(demo.FULL, ON)


@pytest.mark.django_db
def test_the_tiny_demo_loads_and_a_second_run_changes_nothing():
    first = demo.load(demo.TINY, on=ON, laws=False)
    entries = AuditEntry.objects.count()
    accounts = User.objects.exclude(username__startswith="unit-")  # unit-*: fazhi.supervision.demo
    counts = (Unit.objects.count(), Officer.objects.count(), accounts.count())

    second = demo.load(demo.TINY, on=ON, laws=False)

    assert first.changed
    assert not second.changed
    assert counts == (
        len(org_demo.unit_rows(demo.TINY)),
        len(org_demo.officer_rows(demo.TINY, ON)) + 6,  # and the tiny demo's 6 recruits (training)
        12,  # the ten role accounts, legal-city (litigation) and xinfang (petitions)
    )
    assert (Unit.objects.count(), Officer.objects.count(), accounts.count()) == counts
    assert AuditEntry.objects.count() == entries
    assert second.reports["officers"].unchanged == counts[1] - 6  # the org step's own officers
    assert [r.rejected for r in first.reports.values()] == [[] for _ in first.reports]


@pytest.mark.django_db
def test_there_is_one_demo_account_per_role_with_the_documented_password():
    from fazhi.core.roles import Role

    result = demo.load(demo.TINY, on=ON, laws=False)

    users = {user.username: user for user in User.objects.all()}
    assert {user.role for user in users.values()} == set(Role.values)
    assert [account.username for account in result.accounts] == [
        "officer", "legal", "clerk", "district", "city", "leader", "window", "sysadmin", "secadmin",
        "auditadmin", "xinfang",
    ]  # fmt: skip
    assert all(user.check_password(demo.DEMO_PASSWORD) for user in users.values())
    assert users["district"].scope_unit.kind == UnitKind.DISTRICT_BUREAU
    assert users["city"].scope_unit.kind == UnitKind.CITY_BUREAU
    assert users["officer"].officer.qualification_valid_on(ON)
    assert users["sysadmin"].officer is None
    assert users["sysadmin"].scope_unit is None


@pytest.mark.django_db
def test_the_apps_register_their_demo_steps_in_the_order_they_depend_on():
    """Laws before the items' basis, the org before the editions and the cases, cases before
    supervision (its scan), the 警快办 catalogue before its applications (ADR 0017)."""
    assert [(s.name, s.needs) for s in demo.steps()] == [
        ("laws", "laws"),
        ("org", ""),
        ("catalog.items", ""),
        ("catalog.basis", "laws"),
        ("catalog.delegations", ""),
        ("catalog.editions", ""),
        ("services.catalogue", ""),
        ("cases", "cases"),
        ("supervision", "cases"),
        ("litigation", "cases"),
        ("services.applications", ""),
        ("petitions", ""),
        ("training", ""),
        ("rulebook", "laws"),
    ]


def test_the_demo_password_passes_the_password_validators():
    from django.contrib.auth.password_validation import validate_password

    validate_password(demo.DEMO_PASSWORD, User(username="officer"))


@pytest.mark.django_db
def test_townships_get_only_delegable_items():
    demo.load(demo.TINY, on=ON, laws=False)

    if not catalog_demo.ITEMS_FILE.is_file():
        pytest.skip("fazhi/catalog/data/items.csv is not there yet")
    delegations = Delegation.objects.select_related("item", "township")
    assert delegations.exists()
    assert {d.township.kind for d in delegations} == {UnitKind.TOWNSHIP}
    assert all(d.item.delegable_to_township for d in delegations)

import datetime as dt

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from fazhi.audit.models import AuditEntry
from fazhi.core.errors import InvalidIdentifier, PermissionDeniedError
from fazhi.core.roles import Role
from fazhi.org import officers
from fazhi.org.models import Officer, OfficerStatus, QualificationLevel
from fazhi.org.officers import InvalidOfficerChange, OfficerFilter, QualificationState
from fazhi.org.tests.factories import OfficerFactory, make_citizen_id

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The production hasher costs ~0.3 s a user; these tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sysadmin(make_user):
    return make_user(Role.SYSTEM_ADMIN, None, username="sysadmin")


def test_the_system_administrator_suspends_an_officer_and_it_is_audited(tree, sysadmin):
    officer = OfficerFactory(unit=tree["s1"])
    officers.update_officer(officer, {"status": OfficerStatus.SUSPENDED}, actor=sysadmin)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.SUSPENDED
    entry = AuditEntry.objects.get(action="officer.update")
    assert (entry.actor, entry.changes) == (sysadmin, {"status": ["on_duty", "suspended"]})


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.LEGAL_OFFICER, Role.SECURITY_ADMIN])
def test_no_one_else_edits_officer_records(tree, make_user, role):
    officer = OfficerFactory(unit=tree["s1"])
    with pytest.raises(PermissionDeniedError):
        officers.update_officer(
            officer, {"status": "off_duty"}, actor=make_user(role, tree["city"])
        )


def test_expiry_before_grant_is_refused_naming_the_field(tree, sysadmin):
    officer = OfficerFactory(unit=tree["s1"], qualification_granted_on=dt.date(2024, 1, 1))
    with pytest.raises(InvalidOfficerChange) as caught:
        officers.update_officer(
            officer, {"qualification_expires_on": dt.date(2023, 12, 31)}, actor=sysadmin
        )
    assert caught.value.field == "qualification_expires_on"
    assert str(caught.value) == (
        "qualification_expires_on 的值 2023-12-31 无效：资格有效期不能早于资格取得日期 2024-01-01。"
    )


def test_a_level_without_dates_is_refused(tree, sysadmin):
    officer = OfficerFactory(unit=tree["s1"], unqualified=True)
    with pytest.raises(InvalidOfficerChange):
        officers.update_officer(
            officer, {"qualification_level": QualificationLevel.BASIC}, actor=sysadmin
        )


def test_an_invalid_id_number_is_refused(tree, sysadmin):
    officer = OfficerFactory(unit=tree["s1"])
    bad = officer.id_number[:17] + ("0" if officer.id_number[17] != "0" else "1")
    with pytest.raises(InvalidIdentifier):
        officers.update_officer(officer, {"id_number": bad}, actor=sysadmin)


def test_the_audit_keeps_id_numbers_masked(tree, sysadmin):
    officer = OfficerFactory(unit=tree["s1"])
    new = make_citizen_id(7, dt.date(1990, 5, 5))
    officers.update_officer(officer, {"id_number": new}, actor=sysadmin)
    entry = AuditEntry.objects.get(action="officer.update")
    assert new not in str(entry.changes)
    assert entry.changes["id_number"][1] == new[:4] + "*" * 10 + new[-4:]


def test_an_unknown_field_is_refused(tree, sysadmin):
    officer = OfficerFactory(unit=tree["s1"])
    with pytest.raises(InvalidOfficerChange) as caught:
        officers.update_officer(officer, {"police_number": "1"}, actor=sysadmin)
    assert caught.value.field == "police_number"


DATES = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    granted=DATES,
    length=st.integers(min_value=0, max_value=2000),
    level=st.sampled_from([None, *QualificationLevel.values]),
    on=DATES,
    within=st.integers(min_value=1, max_value=400),
)
def test_the_sql_filter_and_the_row_agree_on_the_qualification_state(
    tree, make_user, granted, length, level, on, within
):
    user = make_user(Role.SUPERVISOR, tree["city"], username="reader")
    Officer.objects.all().delete()
    officer = OfficerFactory(
        unit=tree["s1"],
        qualification_level=level,
        qualification_granted_on=granted if level else None,
        qualification_expires_on=granted + dt.timedelta(days=length) if level else None,
    )
    expected = officers.qualification_state(officer, on, within)
    matching = {
        state
        for state in QualificationState
        if officers.find_officers(
            user, OfficerFilter(qualification_state=state, within_days=within), on=on
        ).exists()
    }
    assert matching == {expected}

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fazhi.catalog.eligibility import Eligibility, can_enforce, item_allowed_at_unit
from fazhi.catalog.tests.factories import DelegationFactory, EnforcementItemFactory
from fazhi.org.models import Officer, OfficerStatus, QualificationLevel, Unit, UnitKind
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 10, 8)
ART_42 = "《中华人民共和国行政处罚法》第四十二条"
ART_24 = "《中华人民共和国行政处罚法》第二十四条"


def test_qualified_officer_on_duty_may_enforce(tree):
    officer = OfficerFactory(unit=tree["s1"])

    assert can_enforce(officer, EnforcementItemFactory(), ON) == Eligibility(
        ok=True, reasons=[], basis=ART_42
    )


@pytest.mark.parametrize(
    ("status", "label"), [(OfficerStatus.OFF_DUTY, "离岗"), (OfficerStatus.SUSPENDED, "停止执法")]
)
def test_officer_not_on_duty_may_not_enforce(tree, status, label):
    officer = OfficerFactory(unit=tree["s1"], status=status, name="张三", police_number="001")

    result = can_enforce(officer, EnforcementItemFactory(), ON)

    assert not result.ok
    assert result.reasons == [f"张三（001） 当前状态为“{label}”，只有在岗民警才能执法。"]
    assert result.basis == ART_42


def test_officer_without_qualification_may_not_enforce(tree):
    officer = OfficerFactory(unit=tree["s1"], unqualified=True, name="张三", police_number="001")

    assert can_enforce(officer, EnforcementItemFactory(), ON).reasons == [
        "张三（001） 未取得行政执法资格。"
    ]


def test_expired_qualification_names_the_expiry_date(tree):
    officer = OfficerFactory(unit=tree["s1"], expired=True, name="张三", police_number="001")

    assert can_enforce(officer, EnforcementItemFactory(), ON).reasons == [
        "张三（001） 的执法资格已于 2022-12-31 到期，2025-10-08 不在有效期内。"
    ]


def test_qualification_not_yet_granted_names_the_grant_date(tree):
    officer = OfficerFactory(
        unit=tree["s1"],
        name="张三",
        police_number="001",
        qualification_granted_on=dt.date(2025, 11, 1),
        qualification_expires_on=dt.date(2030, 10, 31),
    )

    assert can_enforce(officer, EnforcementItemFactory(), ON).reasons == [
        "张三（001） 的执法资格自 2025-11-01 起取得，2025-10-08 尚未取得。"
    ]


def test_qualification_below_the_items_requirement_is_refused(tree):
    officer = OfficerFactory(unit=tree["s1"], name="张三", police_number="001")
    item = EnforcementItemFactory(required_qualification=QualificationLevel.INTERMEDIATE)

    assert can_enforce(officer, item, ON).reasons == [
        "张三（001） 的执法资格等级为基本级，该事项需要中级或以上。"
    ]


def test_higher_qualification_satisfies_a_lower_requirement(tree):
    officer = OfficerFactory(unit=tree["s1"], qualification_level=QualificationLevel.ADVANCED)
    item = EnforcementItemFactory(required_qualification=QualificationLevel.INTERMEDIATE)

    assert can_enforce(officer, item, ON).ok


def test_an_inactive_item_cannot_be_enforced(tree):
    item = EnforcementItemFactory(code="X1", name="旧事项", inactive=True)

    assert can_enforce(OfficerFactory(unit=tree["s1"]), item, ON).reasons == [
        "执法事项“X1 旧事项”已停用，不能实施。"
    ]


def test_every_reason_is_listed_not_only_the_first(tree):
    officer = OfficerFactory(unit=tree["t1"], suspended=True, expired=True)
    item = EnforcementItemFactory(required_qualification=QualificationLevel.ADVANCED)

    assert len(can_enforce(officer, item, ON).reasons) == 4


def test_township_officer_may_not_enforce_an_item_that_cannot_be_delegated(tree):
    item = EnforcementItemFactory(code="X1", name="殴打他人")

    result = can_enforce(OfficerFactory(unit=tree["t1"]), item, ON)

    assert result.reasons == ["执法事项“X1 殴打他人”不可赋权乡镇（街道），乙区某镇 不能实施。"]
    assert result.basis == f"{ART_42}；{ART_24}"


def test_township_officer_may_not_enforce_an_item_delegated_elsewhere(tree):
    other = Unit.objects.add_child(
        Unit.objects.get(pk=tree["d2"].pk),
        {"code": "500104-T2", "name": "乙区另一镇", "kind": UnitKind.TOWNSHIP},
    )
    delegation = DelegationFactory(township=other, item__code="X1", item__name="消防检查")

    assert can_enforce(OfficerFactory(unit=tree["t1"]), delegation.item, ON).reasons == [
        "执法事项“X1 消防检查”在 2025-10-08 未赋权给 乙区某镇。"
    ]


@pytest.mark.parametrize(
    ("effective_from", "effective_to", "ok"),
    [
        (dt.date(2025, 10, 8), None, True),
        (dt.date(2025, 10, 9), None, False),
        (dt.date(2024, 1, 1), dt.date(2025, 10, 8), True),
        (dt.date(2024, 1, 1), dt.date(2025, 10, 7), False),
    ],
)
def test_township_delegation_counts_on_its_first_and_last_day(
    tree, effective_from, effective_to, ok
):
    delegation = DelegationFactory(
        township=tree["t1"], effective_from=effective_from, effective_to=effective_to
    )

    assert can_enforce(OfficerFactory(unit=tree["t1"]), delegation.item, ON).ok is ok


def test_station_officer_does_not_need_a_delegation(tree):
    item = EnforcementItemFactory(delegable=True)

    assert can_enforce(OfficerFactory(unit=tree["s1"]), item, ON).ok


def test_centre_only_item_is_refused_at_a_police_station(tree):
    item = EnforcementItemFactory(code="X1", name="吸毒", centre_only=True)

    result = item_allowed_at_unit(item, tree["s1"])

    assert not result.ok
    assert result.reasons == [
        "执法事项“X1 吸毒”的案件须进执法办案管理中心办理（应进必进），甲区一派出所 不是执法办案管理中心。"
    ]
    assert "未核实" in result.basis


def test_centre_only_item_is_allowed_in_a_case_centre(tree):
    assert item_allowed_at_unit(EnforcementItemFactory(centre_only=True), tree["c1"]).ok


def test_ordinary_item_is_allowed_anywhere(tree):
    assert item_allowed_at_unit(EnforcementItemFactory(), tree["s1"]).ok


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@settings(max_examples=60, deadline=None)
@given(granted=dates, length=st.integers(min_value=0, max_value=3650), on=dates)
def test_qualification_dates_are_inclusive_at_both_ends(granted, length, on):
    expires = granted + dt.timedelta(days=length)
    # An unsaved officer: the rule reads only the row and its unit.
    officer = Officer(
        name="张三",
        police_number="001",
        unit=Unit(code="S", name="派出所", kind=UnitKind.STATION),
        qualification_level=QualificationLevel.BASIC,
        qualification_granted_on=granted,
        qualification_expires_on=expires,
    )
    item = EnforcementItemFactory.build()

    assert can_enforce(officer, item, on).ok is (granted <= on <= expires)
    assert can_enforce(officer, item, granted).ok
    assert can_enforce(officer, item, expires).ok
    assert not can_enforce(officer, item, expires + dt.timedelta(days=1)).ok
    assert not can_enforce(officer, item, granted - dt.timedelta(days=1)).ok

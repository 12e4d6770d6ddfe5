"""Mediation: 治安调解 records its steps on the case (治安管理处罚法（2012）第九条)."""

import datetime as dt

import pytest

from fazhi.cases.tests.factories import open_public_order_case, person
from fazhi.petitions import mediation as med
from fazhi.petitions.mediation import MediationRefused, NewMediation
from fazhi.petitions.models import MediationStatus
from fazhi.petitions.tests.factories import at

pytestmark = pytest.mark.django_db


def _public_order(tree):
    case, actor = open_public_order_case(
        tree["s1"], accepted="2026-03-02 10:00", parties=[person()]
    )
    new = NewMediation(
        unit=tree["s1"], kind="public_order", dispute="邻里纠纷引起互相推搡", parties="甲某与乙某",
        mediator_name="李警官", mediator_kind="officer", started_on=dt.date(2026, 3, 4), case=case,
    )  # fmt: skip
    return med.open_mediation(new, actor=actor, at=at("2026-03-04 15:00")), case, actor


def test_public_order_mediation_records_the_case_step(tree):
    mediation, case, _ = _public_order(tree)
    assert list(case.events.values_list("kind", flat=True)) == ["accept", "mediate"]
    assert mediation.status == MediationStatus.OPEN


def test_a_failed_public_order_mediation_sends_the_case_to_the_penalty_procedure(tree):
    mediation, case, actor = _public_order(tree)
    med.record_failure(
        mediation,
        reason="一方拒绝赔偿",
        on=dt.date(2026, 3, 6),
        actor=actor,
        at=at("2026-03-06 16:00"),
    )
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.FAILED
    assert case.number in mediation.referral
    assert "第九条" in mediation.referral
    assert case.events.filter(kind="mediation_failed").count() == 1


def test_a_performed_agreement_ends_the_case_without_a_penalty(tree):
    mediation, case, actor = _public_order(tree)
    med.record_agreement(mediation, agreement="乙某赔偿甲某医药费800元", agreed_on=dt.date(2026, 3, 5),
                         perform_by=dt.date(2026, 3, 10), actor=actor, at=at("2026-03-05 10:00"))  # fmt: skip
    med.record_performance(
        mediation, performed=True, on=dt.date(2026, 3, 9), actor=actor, at=at("2026-03-09 10:00")
    )
    mediation.refresh_from_db()
    case.refresh_from_db()
    assert mediation.status == MediationStatus.PERFORMED
    assert case.events.filter(kind="mediation_agreed").count() == 1


def test_a_people_mediator_cannot_lead_public_order_mediation(tree):
    case, actor = open_public_order_case(
        tree["s1"], accepted="2026-03-02 10:00", parties=[person()]
    )
    new = NewMediation(
        unit=tree["s1"], kind="public_order", dispute="互殴", parties="甲某与乙某",
        mediator_name="赵调解员", mediator_kind="peoples_mediator", started_on=dt.date(2026, 3, 4), case=case,
    )  # fmt: skip
    with pytest.raises(MediationRefused) as refused:
        med.open_mediation(new, actor=actor, at=at("2026-03-04 15:00"))
    assert refused.value.field == "mediator_kind"
    assert case.events.count() == 1

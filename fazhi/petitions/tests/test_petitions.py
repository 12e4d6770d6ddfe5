"""Petition operations: receipt, 诉访分离, notice, acceptance, extension, reply, review."""

import datetime as dt

import pytest

from fazhi.audit.models import AuditEntry
from fazhi.core.errors import LegalRuleViolation, PermissionDeniedError
from fazhi.petitions import petitions as ops
from fazhi.petitions.models import Claim, NoticeKind, Petition, Status, Track
from fazhi.petitions.petitions import PetitionRefused
from fazhi.petitions.tests.factories import DECIDED, accepted_petition, at, clerk_for, receive

pytestmark = pytest.mark.django_db


def test_a_received_petition_gets_its_notice_deadline_of_fifteen_days(tree):
    petition, _actor = receive(tree["s1"])

    notice = petition.deadlines.get(code="notice")
    assert petition.number == "XF202650010301" + "00001"
    assert notice.due_on == dt.date(2026, 3, 17)
    assert notice.basis == "《信访工作条例》第二十三条第二款"
    assert AuditEntry.objects.filter(action="petition.receive").count() == 1


def test_a_transferred_petition_has_the_objection_period_and_needs_its_sender(tree):
    with pytest.raises(PetitionRefused) as refused:
        receive(tree["s1"], channel="transferred")
    assert refused.value.field == "sender"
    assert not Petition.objects.exists()

    petition, _ = receive(
        tree["s1"], channel="transferred", sender="示例市信访局", sent_on=dt.date(2026, 3, 1),
        received_on=dt.date(2026, 3, 6), now="2026-03-06 10:00",
    )  # fmt: skip
    codes = dict(petition.deadlines.values_list("code", "due_on"))
    assert codes == {"notice_transferred": dt.date(2026, 3, 21), "objection": dt.date(2026, 3, 13)}


def test_a_bad_identity_number_is_refused_naming_the_field(tree):
    with pytest.raises(PetitionRefused) as refused:
        receive(tree["s1"], petitioner_id_number="110101199003070012")
    assert refused.value.field == "petitioner_id_number"
    assert "校验码" in str(refused.value)


def test_the_identity_number_is_masked_for_display(tree):
    petition, _ = receive(tree["s1"])
    assert petition.masked_id_number == "1101**********0011"
    assert petition.masked_phone == "139****5678"


def test_a_claim_against_a_decision_is_routed_to_reconsideration_with_its_provisions(tree):
    petition, actor = receive(tree["s1"])
    claim = ops.classify(petition.claims.get(), DECIDED, actor=actor, at=at("2026-03-10 10:00"))

    assert claim.route == "reconsideration"
    assert claim.track == Track.RECONSIDERATION
    assert not claim.is_petition
    assert "《中华人民共和国行政复议法》第二十条第一款" in claim.basis
    assert claim.windows["reconsideration"]["last_day"] == "2026-05-06"
    assert claim.windows["reconsideration"]["rolled_from"] == "2026-05-01"


def test_a_petition_whose_claims_are_all_routed_ends_with_the_routing_notice(tree):
    petition, actor = receive(tree["s1"])
    ops.classify(petition.claims.get(), DECIDED, actor=actor, at=at("2026-03-10 10:00"))
    notice = ops.send_notice(
        petition,
        sent_on=dt.date(2026, 3, 10),
        method="当面送达",
        actor=actor,
        at=at("2026-03-10 11:00"),
    )
    petition.refresh_from_db()

    assert notice.kind == NoticeKind.ROUTING
    assert "六十日内申请行政复议" in notice.body
    assert petition.status == Status.ROUTED
    assert petition.deadlines.get(code="notice").status == "met"
    assert not petition.deadlines.filter(code="handling").exists()


def test_the_notice_waits_until_every_claim_is_classified(tree):
    petition, actor = receive(tree["s1"], claims=("撤销罚款", "解决噪音"))
    ops.classify(petition.claims.first(), DECIDED, actor=actor, at=at("2026-03-10 10:00"))
    with pytest.raises(PetitionRefused):
        ops.send_notice(
            petition,
            sent_on=dt.date(2026, 3, 10),
            method="邮寄",
            actor=actor,
            at=at("2026-03-10 11:00"),
        )


def test_a_petition_claim_is_accepted_on_the_notice_day_and_runs_sixty_days(tree):
    petition, _ = accepted_petition(tree["s1"])

    assert petition.status == Status.ACCEPTED
    assert petition.accepted_on == dt.date(2026, 3, 5)
    assert petition.deadlines.get(code="handling").due_on == dt.date(2026, 5, 4)


def test_an_extension_is_counted_from_the_original_last_day_and_told_to_the_petitioner(tree):
    petition, actor = accepted_petition(tree["s1"])
    ops.extend(
        petition, days=30, reason="需调取监控录像", approved_by="王局长",
        approved_on=dt.date(2026, 4, 20), actor=actor, at=at("2026-04-20 10:00"),
    )  # fmt: skip
    handling = petition.deadlines.get(code="handling")

    assert handling.due_on == dt.date(2026, 6, 3)
    assert handling.facts["extension"]["approved_by"] == "王局长"
    assert petition.notices.filter(kind=NoticeKind.EXTENSION).count() == 1


def test_the_extension_may_not_exceed_thirty_days_in_all(tree):
    petition, actor = accepted_petition(tree["s1"])
    ops.extend(petition, days=20, reason="情况复杂", approved_by="王局长",
               approved_on=dt.date(2026, 4, 20), actor=actor, at=at("2026-04-20 10:00"))  # fmt: skip
    with pytest.raises(LegalRuleViolation) as refused:
        ops.extend(petition, days=11, reason="仍需调查", approved_by="王局长",
                   approved_on=dt.date(2026, 4, 21), actor=actor, at=at("2026-04-21 10:00"))  # fmt: skip
    assert refused.value.basis == "《信访工作条例》第三十四条"
    assert "10" in str(refused.value)


def test_a_reply_meets_the_handling_deadline_and_review_goes_to_the_unit_above(tree):
    petition, actor = accepted_petition(tree["s1"])
    ops.reply(petition, outcome="explained", text="经调查核实，噪音来源已协调整改，现予以解释说明。",
              replied_on=dt.date(2026, 4, 1), actor=actor, at=at("2026-04-01 10:00"))  # fmt: skip
    assert petition.deadlines.get(code="handling").status == "met"

    district = clerk_for(tree["d1"])
    review = ops.request_review(petition, kind="review", requested_on=dt.date(2026, 4, 20),
                                actor=district, at=at("2026-04-20 10:00"))  # fmt: skip
    assert review.unit == tree["d1"]
    assert petition.deadlines.get(code="review").due_on == dt.date(2026, 5, 20)


def test_a_review_request_after_thirty_days_is_refused_with_the_article(tree):
    petition, actor = accepted_petition(tree["s1"])
    ops.reply(petition, outcome="not_supported", text="诉求缺乏事实根据，不予支持。依据第三十二条。",
              replied_on=dt.date(2026, 4, 1), actor=actor, at=at("2026-04-01 10:00"))  # fmt: skip
    with pytest.raises(LegalRuleViolation) as refused:
        ops.request_review(petition, kind="review", requested_on=dt.date(2026, 5, 2),
                           actor=actor, at=at("2026-05-06 10:00"))  # fmt: skip
    assert refused.value.basis == "《信访工作条例》第三十五条"


def test_an_objection_after_five_working_days_is_refused(tree):
    petition, actor = receive(
        tree["s1"], channel="assigned", sender="示例市信访局", sent_on=dt.date(2026, 3, 5),
        received_on=dt.date(2026, 3, 6), now="2026-03-06 10:00",
    )  # fmt: skip
    with pytest.raises(LegalRuleViolation):
        ops.object_to_transfer(petition, reason="不属于本所职权", on=dt.date(2026, 3, 16),
                               actor=actor, at=at("2026-03-16 10:00"))  # fmt: skip
    ops.object_to_transfer(petition, reason="属于区住建部门职权", on=dt.date(2026, 3, 13),
                           actor=actor, at=at("2026-03-13 10:00"))  # fmt: skip
    petition.refresh_from_db()
    assert petition.status == Status.RETURNED
    assert petition.deadlines.get(code="notice_transferred").status == "stopped"


def test_a_second_petition_of_the_same_person_is_a_repeat(tree):
    first, actor = receive(tree["s1"])
    second, _ = receive(tree["s1"], actor, received_on=dt.date(2026, 3, 20), now="2026-03-20 10:00")
    assert second.repeat_of == first


def test_a_user_outside_the_scope_cannot_touch_the_petition(tree):
    petition, _ = receive(tree["s1"])
    stranger = clerk_for(tree["s2"])
    with pytest.raises(PermissionDeniedError):
        ops.classify(petition.claims.get(), {}, actor=stranger, at=at("2026-03-03 10:00"))
    assert not Petition.objects.visible_to(stranger).exists()
    assert Claim.objects.get().route == ""

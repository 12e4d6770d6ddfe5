import pytest

from fazhi.cases.models import Case
from fazhi.core import warnings
from fazhi.core.errors import LegalRuleViolation, PermissionDeniedError
from fazhi.core.roles import Role
from fazhi.litigation import matters
from fazhi.litigation.matters import AppearanceIn, MatterRefused, OutcomeIn
from fazhi.litigation.models import DeadlineStatus, Matter, MatterWarning
from fazhi.litigation.tests.factories import at, day, head_of, legal_for, register
from fazhi.org.tests.factories import OfficerFactory, UserFactory


def test_a_reconsideration_is_due_ten_working_days_after_the_copy_arrived(tree):
    matter = register(tree["d1"], received="2026-09-28")

    reply = matter.deadlines.get(code="FUYI_DAFU")
    assert reply.due_at == at("2026-10-17 00:00")  # 国庆 skipped, 10-10 (调休上班) counted
    assert reply.basis == "《中华人民共和国行政复议法》第四十八条、第八十八条第二款"
    assert "2026-10-16" in reply.explanation
    assert "第七十条" in reply.explanation
    assert Matter.objects.get(pk=matter.pk).next_deadline_name == reply.name


def test_the_defence_is_due_fifteen_days_after_the_complaint_copy(tree):
    matter = register(tree["d1"], kind="first_instance", received="2026-09-16")

    defence = matter.deadlines.get(code="YINGSU_DABIAN")
    assert defence.due_at == at("2026-10-09 00:00")  # 10-01 falls in 国庆: moved to 10-08
    assert defence.facts["periods"][0]["rolled_from"] == "2026-10-01"


def test_a_late_reply_raises_the_red_warning_and_the_reply_closes_it(tree):
    matter = register(tree["d1"], received="2026-03-02")  # due 2026-03-16
    warnings.sweep(at("2026-03-17 09:00"))

    warning = MatterWarning.objects.get(matter=matter, state="open")
    assert (warning.rule, warning.level) == ("FUYI_DAFU_OVER", "alarm")

    matters.record_reply(
        matter,
        replied_on=day("2026-03-17"),
        evidence_submitted=True,
        actor=legal_for(tree["d1"]),
        at=at("2026-03-17 10:00"),
    )
    warning.refresh_from_db()
    assert (warning.state, warning.closed_reason) == ("closed", "deadline_met")
    reply = matter.deadlines.get(code="FUYI_DAFU")
    assert reply.status == DeadlineStatus.MET
    assert reply.facts["late"] is True


def test_a_reply_without_the_evidence_is_refused_with_the_provision(tree):
    matter = register(tree["d1"], received="2026-03-02")
    with pytest.raises(LegalRuleViolation) as refused:
        matters.record_reply(
            matter,
            replied_on=day("2026-03-05"),
            evidence_submitted=False,
            actor=legal_for(tree["d1"]),
            at=at("2026-03-05 10:00"),
        )
    assert "第四十八条" in str(refused.value.basis)


def test_only_a_legal_officer_of_the_scope_registers_a_matter(tree):
    with pytest.raises(PermissionDeniedError):
        register(tree["d1"], actor=UserFactory(role=Role.SUPERVISOR, scope_unit=tree["d1"]))
    with pytest.raises(PermissionDeniedError):
        register(tree["d1"], actor=legal_for(tree["d2"]))


def test_a_wrong_identity_number_names_the_field(tree):
    with pytest.raises(MatterRefused) as refused:
        matters.check_new(
            matters.NewMatter(
                kind="reconsideration",
                body="市政府",
                unit=tree["d1"],
                received_on=day("2026-03-02"),
                claimant_kind="person",
                claimant_name="王五",
                claimant_id_type="citizen_id",
                claimant_id_number="110101199003070012",
                act="罚款",
            ),
            at("2026-03-02 10:00"),
        )
    assert refused.value.field == "claimant_id_number"


def test_matters_are_scoped_by_the_org_tree(tree):
    mine = register(tree["s1"])
    register(tree["s2"])
    assert list(Matter.objects.visible_to(legal_for(tree["d1"]))) == [mine]
    assert (
        Matter.objects.visible_to(
            UserFactory(role=Role.SUPERVISOR, scope_unit=tree["city"])
        ).count()
        == 2
    )


def test_a_hearing_without_anyone_named_warns_seven_days_ahead(tree):
    matter = register(tree["d1"], kind="first_instance", received="2026-03-02")
    actor = legal_for(tree["d1"])
    hearing = matters.plan_hearing(
        matter,
        scheduled_at=at("2026-04-10 09:30"),
        place="第三法庭",
        actor=actor,
        at=at("2026-03-20 10:00"),
    )
    warnings.sweep(at("2026-04-06 09:00"))
    assert (
        MatterWarning.objects.filter(matter=matter, rule="CHUTING_UNPLANNED", state="open").count()
        == 1
    )

    head = head_of(tree["d1"])
    matters.set_appearance(
        hearing, AppearanceIn("head", head=head), actor=actor, at=at("2026-04-06 10:00")
    )
    assert not MatterWarning.objects.filter(
        matter=matter, rule="CHUTING_UNPLANNED", state="open"
    ).exists()


def test_a_head_must_lead_the_responding_unit_on_the_day(tree):
    matter = register(tree["d1"], kind="first_instance", received="2026-03-02")
    actor = legal_for(tree["d1"])
    hearing = matters.plan_hearing(
        matter,
        scheduled_at=at("2026-04-10 09:30"),
        place="第三法庭",
        actor=actor,
        at=at("2026-03-20 10:00"),
    )
    other = head_of(tree["d2"])
    with pytest.raises(MatterRefused) as refused:
        matters.set_appearance(
            hearing, AppearanceIn("head", head=other), actor=actor, at=at("2026-04-06 10:00")
        )
    assert refused.value.field == "head"
    with pytest.raises(MatterRefused) as refused:
        matters.set_appearance(
            hearing,
            AppearanceIn("entrusted", entrusted=OfficerFactory(unit=tree["d1"])),
            actor=actor,
            at=at("2026-04-06 10:00"),
        )
    assert refused.value.field == "absence_reason"
    assert "第三条第三款" in str(refused.value.basis)


def test_a_loss_flags_the_case_and_the_supervisor_issues_the_order(tree):
    from fazhi.cases.tests.factories import open_public_order_case

    case, _clerk = open_public_order_case(tree["s1"], accepted="2026-01-05 10:00")
    matter = register(tree["d1"], case=case, act="", received="2026-03-02")
    actor = legal_for(tree["d1"])
    matters.record_reply(
        matter,
        replied_on=day("2026-03-06"),
        evidence_submitted=True,
        actor=actor,
        at=at("2026-03-06 10:00"),
    )
    matters.record_outcome(
        matter,
        OutcomeIn("revoked", day("2026-04-20"), "decision", day("2026-04-22")),
        actor=actor,
        at=at("2026-04-22 10:00"),
    )
    matter.refresh_from_db()
    assert matter.review_flagged_at == at("2026-04-22 10:00")
    warnings.sweep(at("2026-04-28 09:00"))
    assert MatterWarning.objects.filter(
        matter=matter, rule="FUYI_JIUCUO_UNORDERED", state="open"
    ).exists()

    with pytest.raises(PermissionDeniedError):  # a legal officer does not issue 督办单
        matters.issue_correction(
            matter,
            problem="p",
            demand="d",
            reply_due_at=at("2026-05-20 00:00"),
            actor=actor,
            at=at("2026-04-28 10:00"),
        )
    supervisor = UserFactory(role=Role.SUPERVISOR, scope_unit=tree["d1"])
    problem, demand = matters.correction_text(matter)
    matters.issue_correction(
        matter,
        problem=problem,
        demand=demand,
        reply_due_at=at("2026-05-20 00:00"),
        actor=supervisor,
        at=at("2026-04-28 10:00"),
    )
    matter.refresh_from_db()
    order = matter.correction_order
    assert (order.target_unit, order.case) == (tree["s1"], case)
    assert "撤销" in order.problem
    assert not MatterWarning.objects.filter(
        matter=matter, rule="FUYI_JIUCUO_UNORDERED", state="open"
    ).exists()


def test_a_lost_case_is_offered_to_the_case_quality_review(tree):
    from fazhi.cases.tests.factories import open_public_order_case
    from fazhi.supervision import review

    case, _clerk = open_public_order_case(tree["s1"], accepted="2026-01-05 10:00")
    other, _clerk = open_public_order_case(tree["s1"], accepted="2026-01-06 10:00")
    matter = register(tree["d1"], case=case, act="", received="2026-03-02")
    register(tree["d1"], case=other, act="", received="2026-03-03")
    actor = legal_for(tree["d1"])
    matters.record_outcome(
        matter,
        OutcomeIn("confirmed_illegal", day("2026-04-20"), "decision"),
        actor=actor,
        at=at("2026-04-21 10:00"),
    )

    assert ("litigation_corrected", "复议诉讼中被纠错的案件") in review.kind_choices()
    [kind] = review.case_kinds(["litigation_corrected"])
    assert list(Case.objects.filter(kind.condition)) == [case]


def test_a_new_holiday_redates_the_running_reply_and_audits_it(tree):
    import dataclasses

    from fazhi.audit.models import AuditEntry
    from fazhi.core.calendar import default_calendar
    from fazhi.litigation.deadlines import redate_matters

    matter = register(tree["d1"], received="2026-03-02")  # due 2026-03-16 (Monday)
    calendar = default_calendar()
    extra = dataclasses.replace(
        calendar, holidays={**calendar.holidays, day("2026-03-05"): "测试假日"}
    )
    extra._decided.clear()
    extra._infos.clear()

    dry = redate_matters(
        actor="system:test", at=at("2026-03-03 10:00"), calendar=extra, dry_run=True
    )
    assert [(m.what, m.after) for m in dry.moves] == [("FUYI_DAFU", at("2026-03-18 00:00"))]
    assert matter.deadlines.get(code="FUYI_DAFU").due_at == at("2026-03-17 00:00")

    redate_matters(actor="system:test", at=at("2026-03-03 10:00"), calendar=extra, dry_run=False)
    assert matter.deadlines.get(code="FUYI_DAFU").due_at == at("2026-03-18 00:00")
    assert AuditEntry.objects.filter(action="litigation.deadlines.redate").count() == 1

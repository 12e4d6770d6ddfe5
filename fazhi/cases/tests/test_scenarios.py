"""Whole procedure paths through the real write path (``open_case`` / ``record_event``): 当场处罚,
快速办理, 一般程序 with and without 听证, 调解, 行政拘留 and its execution, 移送, other cases."""

from __future__ import annotations

import datetime as dt

import pytest

from fazhi.cases import procedure
from fazhi.cases.derive import EventRefused
from fazhi.cases.models import Case, CaseStatus, Deadline, DeadlineStatus, ProceduralEvent
from fazhi.cases.procedure import NewCase, NewEvent
from fazhi.cases.tests.factories import at, clerk_for
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

XZCFF_44 = "《中华人民共和国行政处罚法》第四十四条"
GAXZ_41_1 = "《公安机关办理行政案件程序规定》第四十一条第（一）项"


def open_case(
    unit,
    procedure_id: str,
    *,
    when: str = "2025-03-03 10:00",
    first: str = "accept",
    data: dict | None = None,
    officers: int = 2,
):
    """Open a case under PROCEDURE_ID whose first event (with DATA) happens WHEN."""
    actor = clerk_for(unit)
    new = NewCase(
        unit=unit,
        item=EnforcementItemFactory(levels=["district", "station"]),
        procedure=procedure_id,
        title="扰乱公共场所秩序",
        source="patrol",
        act_at=at(when) - dt.timedelta(hours=1),
        act_place="人民广场",
        handlers=tuple(OfficerFactory(unit=unit) for _ in range(officers)),
    )
    case = procedure.open_case(
        new,
        NewEvent(first, at(when), data=data or {}),
        actor=actor,
        at=at(when) + dt.timedelta(minutes=1),
    )
    return case, actor


def record(case, actor, kind: str, when: str, data: dict | None = None, *, end: str | None = None):
    """Record KIND at WHEN (ending END), the clock standing one minute after the latest time."""
    last = at(end or when)
    return procedure.record_event(
        case,
        NewEvent(kind, at(when), ended_at=at(end) if end else None, data=data or {}),
        actor=actor,
        at=last + dt.timedelta(minutes=1),
    )


def refusal_of(case, actor, kind: str, when: str, data: dict | None = None) -> EventRefused:
    """Return the refusal of KIND, checking that nothing was written."""
    before = ProceduralEvent.objects.filter(case=case).count()
    with pytest.raises(EventRefused) as excinfo:
        record(case, actor, kind, when, data)
    assert ProceduralEvent.objects.filter(case=case).count() == before
    return excinfo.value


def deadline(case, code: str) -> Deadline:
    return Deadline.objects.get(case=case, code=code)


# 当场处罚（简易程序） ------------------------------------------------------------------------


def open_on_the_spot(unit, category: str = "扰乱公共秩序"):
    return open_case(
        unit,
        "zhian-simple",
        when="2025-03-03 21:00",
        data={"offence_category": category},
        officers=1,
    )


def test_one_officer_may_fine_200_yuan_on_the_spot_and_must_file_within_24_hours(tree):
    case, actor = open_on_the_spot(tree["s1"])
    record(case, actor, "oral_notice", "2025-03-03 21:10")
    record(case, actor, "decide", "2025-03-03 21:20", {"fine": 200, "handed_over": True})

    filing = deadline(case, "filing")
    assert case.handlers.count() == 1
    assert (filing.due_at, filing.status) == (at("2025-03-04 21:20"), DeadlineStatus.OPEN)
    assert filing.basis == (
        "《中华人民共和国治安管理处罚法》第一百零一条第三款；"
        "《公安机关办理行政案件程序规定》第三十九条第二款"
    )
    record(case, actor, "file_record", "2025-03-04 09:00")
    assert deadline(case, "filing").status == DeadlineStatus.MET


def test_filing_an_on_the_spot_decision_after_24_hours_is_missed(tree):
    case, actor = open_on_the_spot(tree["s1"])
    record(case, actor, "oral_notice", "2025-03-03 21:10")
    record(case, actor, "decide", "2025-03-03 21:20", {"warning": True, "handed_over": True})
    record(case, actor, "file_record", "2025-03-04 21:20")
    assert deadline(case, "filing").status == DeadlineStatus.MISSED


def test_an_on_the_spot_fine_of_201_yuan_is_refused(tree):
    case, actor = open_on_the_spot(tree["s1"])
    record(case, actor, "oral_notice", "2025-03-03 21:10")
    refusal = refusal_of(
        case, actor, "decide", "2025-03-03 21:20", {"fine": 201, "handed_over": True}
    )
    assert (refusal.code, refusal.field) == ("simple_fine_over_200", "data.fine")
    assert refusal.basis == (
        "《中华人民共和国治安管理处罚法》第一百条；"
        "《公安机关办理行政案件程序规定》第三十七条第一款第（一）项"
    )


def test_an_on_the_spot_decision_needs_the_oral_notice_first(tree):
    case, actor = open_on_the_spot(tree["s1"])
    refusal = refusal_of(
        case, actor, "decide", "2025-03-03 21:20", {"fine": 50, "handed_over": True}
    )
    assert refusal.code == "simple_notice_before_decision"
    assert refusal.basis.startswith(XZCFF_44)


@pytest.mark.parametrize("category", ["卖淫", "嫖娼", "赌博", "毒品"])
def test_vice_gambling_and_drug_cases_are_never_handled_on_the_spot(tree, category):
    with pytest.raises(EventRefused) as excinfo:
        open_on_the_spot(tree["s1"], category)
    assert excinfo.value.code == "simple_not_for_vice_gambling_drugs"
    assert excinfo.value.basis == "《公安机关办理行政案件程序规定》第三十七条第二款"
    assert Case.objects.count() == 0


# 快速办理 -------------------------------------------------------------------------------------

CONSENT = {"written_notice": True, "signed_consent": True}


def open_fast(unit):
    case, actor = open_case(unit, "zhian-fast")
    record(case, actor, "arrival", "2025-03-03 10:05", {"person": "李四"})
    record(case, actor, "fast_track", "2025-03-03 10:30", CONSENT)
    return case, actor


def test_a_fast_track_decision_within_48_hours_of_arrival_meets_the_limit(tree):
    case, actor = open_fast(tree["s1"])
    assert deadline(case, "fast_decision").due_at == at("2025-03-05 10:05")
    record(case, actor, "notify", "2025-03-03 11:00", {"proposed": "罚款五百元", "oral": True})
    record(case, actor, "decide", "2025-03-05 10:04", {"outcome": "penalty", "fine": 500})
    assert deadline(case, "fast_decision").status == DeadlineStatus.MET


def test_a_fast_track_decision_48_hours_after_arrival_misses_the_limit(tree):
    case, actor = open_fast(tree["s1"])
    record(case, actor, "notify", "2025-03-03 11:00", {"proposed": "罚款五百元", "oral": True})
    record(case, actor, "decide", "2025-03-05 10:05", {"outcome": "penalty", "fine": 500})
    assert deadline(case, "fast_decision").status == DeadlineStatus.MISSED


@pytest.mark.parametrize(
    ("flag", "code", "basis"),
    [
        ({"blind_deaf_mute": True}, "fast_excluded_blind_deaf_mute", GAXZ_41_1),
        ({"minor": True}, "fast_excluded_minor", GAXZ_41_1),
        ({"mental_illness_suspected": True}, "fast_excluded_mental_illness", GAXZ_41_1),
        (
            {"hearing_required": True},
            "fast_excluded_hearing",
            "《公安机关办理行政案件程序规定》第四十一条第（二）项",
        ),
        (
            {"possible_detention_days": 10},
            "fast_excluded_detention_ten_days",
            "《公安机关办理行政案件程序规定》第四十一条第（三）项",
        ),
        (
            {"written_notice": False},
            "fast_written_notice",
            "《公安机关办理行政案件程序规定》第四十二条",
        ),
        (
            {"signed_consent": False},
            "fast_signed_consent",
            "《公安机关办理行政案件程序规定》第四十二条",
        ),
    ],
)
def test_each_fast_track_exclusion_is_refused_with_its_article(tree, flag, code, basis):
    case, actor = open_case(tree["s1"], "zhian-fast")
    refusal = refusal_of(case, actor, "fast_track", "2025-03-03 10:30", {**CONSENT, **flag})
    assert (refusal.code, refusal.basis) == (code, basis)


def test_a_ten_day_detention_is_refused_on_the_fast_track_until_it_is_converted(tree):
    case, actor = open_fast(tree["s1"])
    record(case, actor, "notify", "2025-03-03 11:00", {"proposed": "行政拘留十日"})
    record(case, actor, "legal_review", "2025-03-03 12:00", {"opinion": "同意"})
    decision = {"outcome": "penalty", "detention_days": 10}
    refusal = refusal_of(case, actor, "decide", "2025-03-03 15:00", decision)
    assert refusal.code == "fast_detention_ten_days_needs_general"
    assert refusal.basis == (
        "《公安机关办理行政案件程序规定》第四十一条第（三）项；"
        "《公安机关办理行政案件程序规定》第四十八条"
    )

    record(case, actor, "convert", "2025-03-03 16:00", {"reason": "拟行政拘留十日"})
    assert deadline(case, "fast_decision").status == DeadlineStatus.STOPPED
    record(case, actor, "decide", "2025-03-06 10:00", decision)
    assert deadline(case, "handling").status == DeadlineStatus.MET
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DECIDED


def test_a_fine_needing_a_hearing_is_refused_on_the_fast_track(tree):
    case, actor = open_fast(tree["s1"])
    record(
        case,
        actor,
        "notify",
        "2025-03-03 11:00",
        {"proposed": "罚款二千元", "hearing_offered": True},
    )
    refusal = refusal_of(
        case, actor, "decide", "2025-03-03 15:00", {"outcome": "penalty", "fine": 2000}
    )
    assert refusal.code == "fast_large_fine_needs_general"
    assert "《公安机关办理行政案件程序规定》第四十一条第（二）项" in refusal.basis


# 一般程序：告知、听证、审核 ------------------------------------------------------------------------


def test_a_2000_yuan_fine_without_the_hearing_notice_is_refused(tree):
    case, actor = open_case(tree["s1"], "zhian-general")
    record(case, actor, "notify", "2025-03-10 10:00", {"proposed": "罚款二千元"})
    refusal = refusal_of(
        case, actor, "decide", "2025-03-14 10:00", {"outcome": "penalty", "fine": 2000}
    )
    assert refusal.code == "hearing_offered_for_large_fine"
    assert refusal.basis == (
        "《中华人民共和国治安管理处罚法》第九十八条；《公安机关办理行政案件程序规定》第一百二十三条"
    )


def test_a_1999_yuan_fine_needs_no_hearing_notice(tree):
    case, actor = open_case(tree["s1"], "zhian-general")
    record(case, actor, "notify", "2025-03-10 10:00", {"proposed": "罚款一千九百九十九元"})
    record(case, actor, "decide", "2025-03-14 10:00", {"outcome": "penalty", "fine": 1999})
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DECIDED


def test_a_requested_hearing_is_held_and_reviewed_before_the_decision(tree):
    case, actor = open_case(tree["s1"], "zhian-general")
    record(
        case,
        actor,
        "notify",
        "2025-03-07 10:00",
        {"proposed": "罚款三千元", "hearing_offered": True},
    )
    record(case, actor, "hearing_request", "2025-03-10 10:00")
    decision = {"outcome": "penalty", "fine": 3000}

    refusal = refusal_of(case, actor, "decide", "2025-03-12 10:00", decision)
    assert (refusal.code, refusal.basis) == (
        "hearing_held_when_requested",
        "《中华人民共和国治安管理处罚法》第九十八条；《中华人民共和国行政处罚法》第六十三条",
    )
    assert deadline(case, "hearing_held").due_at == at("2025-03-21 00:00")  # last day 03-20

    record(case, actor, "hearing_notice", "2025-03-11 10:00")
    record(case, actor, "hearing", "2025-03-20 10:00")
    assert deadline(case, "hearing_held").status == DeadlineStatus.MET
    refusal = refusal_of(case, actor, "decide", "2025-03-24 10:00", decision)
    assert (refusal.code, refusal.basis) == (
        "legal_review_after_hearing",
        "《中华人民共和国行政处罚法》第五十八条第一款第（二）项",
    )

    record(case, actor, "legal_review", "2025-03-21 10:00", {"opinion": "同意"})
    record(case, actor, "decide", "2025-03-24 10:00", decision)
    assert deadline(case, "handling").status == DeadlineStatus.MET


def test_a_hearing_six_working_days_after_its_notice_is_refused(tree):
    case, actor = open_case(tree["s1"], "zhian-general")
    record(
        case,
        actor,
        "notify",
        "2025-03-07 10:00",
        {"proposed": "罚款三千元", "hearing_offered": True},
    )
    record(case, actor, "hearing_request", "2025-03-10 10:00")
    record(case, actor, "hearing_notice", "2025-03-11 10:00")
    refusal = refusal_of(case, actor, "hearing", "2025-03-19 10:00")
    assert refusal.code == "hearing_notice_seven_workdays_before"
    assert refusal.basis.startswith("《中华人民共和国行政处罚法》第六十四条第（二）项")
    assert refusal.unverified is True


# 调解 ----------------------------------------------------------------------------------------


def test_a_performed_mediation_agreement_meets_the_handling_period_and_closes(tree):
    case, actor = open_case(tree["s1"], "zhian-general")
    record(case, actor, "mediate", "2025-03-05 10:00")
    record(case, actor, "mediation_agreed", "2025-03-06 10:00")
    record(case, actor, "close", "2025-03-07 10:00")
    case.refresh_from_db()
    assert (case.status, case.decided_at) == (CaseStatus.CLOSED, at("2025-03-06 10:00"))
    assert deadline(case, "handling").status == DeadlineStatus.MET


def test_a_failed_mediation_restarts_the_handling_period(tree):
    case, actor = open_case(tree["s1"], "zhian-general")
    assert deadline(case, "handling").due_at == at("2025-04-03 00:00")
    record(case, actor, "mediate", "2025-03-05 10:00")
    record(case, actor, "mediation_failed", "2025-03-10 10:00")
    handling = deadline(case, "handling")
    assert handling.due_at == at("2025-04-10 00:00")  # last day 2025-04-09
    assert "《公安机关办理行政案件程序规定》第一百八十五条第二款" in handling.basis


# 行政拘留 --------------------------------------------------------------------------------------


def decided_detention(unit, days: int = 5):
    case, actor = open_case(unit, "zhian-general")
    record(case, actor, "notify", "2025-03-05 10:00", {"proposed": f"行政拘留{days}日"})
    record(case, actor, "legal_review", "2025-03-05 15:00", {"opinion": "同意"})
    record(
        case, actor, "decide", "2025-03-06 10:00", {"outcome": "penalty", "detention_days": days}
    )
    return case, actor


def test_a_detention_without_legal_review_is_refused_under_the_unverified_local_rule(tree):
    case, actor = open_case(tree["s1"], "zhian-general")
    record(case, actor, "notify", "2025-03-05 10:00", {"proposed": "行政拘留五日"})
    refusal = refusal_of(
        case, actor, "decide", "2025-03-06 10:00", {"outcome": "penalty", "detention_days": 5}
    )
    assert (refusal.code, refusal.basis) == (
        "legal_review_for_detention",
        "《公安机关办理行政案件程序规定》第一百七十条",
    )
    assert refusal.unverified is True


def test_an_executed_detention_is_closed_only_after_the_family_is_notified(tree):
    case, actor = decided_detention(tree["s1"])
    record(case, actor, "serve", "2025-03-06 10:10")
    record(case, actor, "detention_executed", "2025-03-06 12:00")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.EXECUTED

    refusal = refusal_of(case, actor, "close", "2025-03-11 12:00")
    assert (refusal.code, refusal.basis) == (
        "family_notified_of_detention",
        "《中华人民共和国治安管理处罚法》第九十七条第一款；《公安机关办理行政案件程序规定》第一百七十六条",
    )
    record(case, actor, "family_notified", "2025-03-06 12:30")
    record(case, actor, "close", "2025-03-11 12:00")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_not_executing_a_detention_needs_a_statutory_reason(tree):
    case, actor = decided_detention(tree["s1"])
    refusal = refusal_of(
        case, actor, "detention_not_executed", "2025-03-06 12:00", {"reason": "工作忙"}
    )
    assert (refusal.code, refusal.field) == ("non_execution_reason_listed", "data.reason")
    assert refusal.basis == (
        "《中华人民共和国治安管理处罚法》第二十一条；《公安机关办理行政案件程序规定》第一百六十四条"
    )
    record(case, actor, "detention_not_executed", "2025-03-06 12:00", {"reason": "age_70_plus"})
    assert Case.objects.get(pk=case.pk).status == CaseStatus.EXECUTED


def test_a_fine_cannot_be_sent_to_the_detention_centre(tree):
    case, actor = open_case(tree["s1"], "zhian-general")
    record(case, actor, "notify", "2025-03-05 10:00", {"proposed": "罚款二百元"})
    record(case, actor, "decide", "2025-03-06 10:00", {"outcome": "penalty", "fine": 200})
    refusal = refusal_of(case, actor, "detention_executed", "2025-03-06 12:00")
    assert refusal.code == "detention_execution_needs_detention_decision"


def test_a_suspension_request_is_decided_within_24_hours(tree):
    case, actor = decided_detention(tree["s1"])
    record(case, actor, "suspension_request", "2025-03-06 15:00")
    assert deadline(case, "suspension_decision").due_at == at("2025-03-07 15:00")
    record(case, actor, "suspension_decision", "2025-03-07 14:00", {"granted": True})
    assert deadline(case, "suspension_decision").status == DeadlineStatus.MET


# 移送与其他行政案件 --------------------------------------------------------------------------------


def test_a_report_outside_the_units_jurisdiction_must_be_transferred_within_24_hours(tree):
    case, actor = open_case(
        tree["s1"], "zhian-general", first="report", data={"outside_jurisdiction": True}
    )
    assert deadline(case, "transfer").due_at == at("2025-03-04 10:00")
    record(case, actor, "transfer", "2025-03-03 15:00", {"to_unit": "解放路派出所"})
    assert deadline(case, "transfer").status == DeadlineStatus.MET


def test_a_report_inside_the_jurisdiction_starts_no_transfer_deadline(tree):
    case, _ = open_case(tree["s1"], "zhian-general", first="report")
    assert not Deadline.objects.filter(case=case, code="transfer").exists()


def test_another_administrative_case_has_90_days_marked_unverified(tree):
    case, _actor = open_case(tree["s1"], "admin-general")
    handling = deadline(case, "handling")
    assert handling.due_at == at("2025-06-04 00:00")  # day 90 is 06-01, 端午 to 06-02
    assert handling.unverified is True
    assert handling.basis.startswith("《中华人民共和国行政处罚法》第六十条")


def test_an_exit_entry_fine_needs_the_hearing_notice_from_6000_yuan(tree):
    case, actor = open_case(tree["s1"], "admin-general")
    record(case, actor, "notify", "2025-03-10 10:00", {"proposed": "罚款六千元"})
    fine = {"outcome": "penalty", "exit_entry": True}
    refusal = refusal_of(case, actor, "decide", "2025-03-17 10:00", {**fine, "fine": 6000})
    assert refusal.code == "hearing_offered_for_large_fine_exit_entry"
    assert refusal.basis.endswith("《公安机关办理行政案件程序规定》第一百二十三条第二款")
    record(case, actor, "decide", "2025-03-17 10:00", {**fine, "fine": 5999})
    assert deadline(case, "service").due_at == at("2025-03-27 00:00")  # 7 working days

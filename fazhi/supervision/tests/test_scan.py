import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fazhi.audit.models import AuditEntry
from fazhi.core import warnings
from fazhi.org.models import Officer, OfficerStatus
from fazhi.supervision import scan
from fazhi.supervision.models import CaseWarning, CloseReason, WarningEvent, WarningState
from fazhi.supervision.tests.factories import (
    at,
    bulk_overdue_cases,
    open_public_order_case,
    open_rules,
    record,
)

pytestmark = pytest.mark.django_db


def test_an_overdue_handling_period_opens_an_alarm_sent_to_the_district_at_once(tree):
    case, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")

    result = scan.run(at("2025-04-03 09:00"))

    warning = CaseWarning.objects.get(case=case)
    assert (warning.rule, warning.level, warning.state) == ("BANAN_OVER", "alarm", "open")
    assert (warning.deadline_code, warning.escalated_level) == ("handling", "district")
    assert warning.basis.startswith("《中华人民共和国治安管理处罚法》第九十九条第一款")
    assert (result.opened, result.closed, result.escalated) == (1, 0, 1)
    assert list(warning.events.values_list("kind", "escalated_level")) == [
        ("opened", "unit"),
        ("escalated", "district"),
    ]


def test_the_alarm_goes_up_to_the_city_centre_after_24_hours(tree):
    case, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    scan.run(at("2025-04-03 09:00"))

    scan.run(at("2025-04-04 08:59"))
    assert CaseWarning.objects.get(case=case).escalated_level == "district"
    result = scan.run(at("2025-04-04 09:00"))

    warning = CaseWarning.objects.get(case=case)
    assert (warning.escalated_level, warning.escalated_at) == ("city", at("2025-04-04 09:00"))
    assert result.escalated == 1


def test_a_rescan_never_duplicates_a_warning_and_writes_nothing(tree):
    open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    scan.run(at("2025-04-03 09:00"))
    tokens = list(CaseWarning.objects.values_list("run_token", flat=True))
    counts = (CaseWarning.objects.count(), WarningEvent.objects.count(), AuditEntry.objects.count())

    result = scan.run(at("2025-04-03 09:00"))

    assert (result.opened, result.closed, result.escalated) == (0, 0, 0)
    assert list(CaseWarning.objects.values_list("run_token", flat=True)) == tokens
    assert (
        CaseWarning.objects.count(),
        WarningEvent.objects.count(),
        AuditEntry.objects.count(),
    ) == counts


def test_the_warning_closes_by_itself_when_the_decision_is_recorded(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    scan.run(at("2025-04-03 09:00"))

    record(case, actor, "notify", "2025-04-03 10:00", proposed="罚款二百元")
    record(case, actor, "decide", "2025-04-03 11:00", outcome="penalty", fine=200)

    warning = CaseWarning.objects.get(case=case, rule="BANAN_OVER")
    assert (warning.state, warning.closed_at) == ("closed", at("2025-04-03 11:00"))
    assert warning.closed_reason == CloseReason.DEADLINE_MET_LATE
    assert warning.events.last().kind == "closed"
    assert warning.events.last().reason == CloseReason.DEADLINE_MET_LATE


def test_the_reminder_closes_by_itself_when_the_deadline_is_extended(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    scan.run(at("2025-03-30 09:00"))
    assert open_rules(case) == {"BANAN_DUE"}

    record(case, actor, "extend", "2025-03-31 10:00", approver="市公安局", deadline="handling")

    warning = CaseWarning.objects.get(case=case, rule="BANAN_DUE")
    assert (warning.state, warning.closed_reason) == ("closed", CloseReason.DEADLINE_EXTENDED)


def test_a_reminder_turns_into_an_alarm_when_the_deadline_passes(tree):
    case, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    scan.run(at("2025-04-02 23:00"))

    scan.run(at("2025-04-03 00:00"))

    reminder = CaseWarning.objects.get(case=case, rule="BANAN_DUE")
    assert reminder.closed_reason == CloseReason.DEADLINE_PASSED
    assert open_rules(case) == {"BANAN_OVER"}


def test_a_warning_reopens_as_a_new_row_when_the_condition_holds_again(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    scan.run(at("2025-03-30 09:00"))
    record(case, actor, "extend", "2025-03-31 10:00", approver="市公安局", deadline="handling")

    scan.run(at("2025-05-03 09:00"))  # five days before the extended period ends (05-06)

    rows = list(
        CaseWarning.objects.filter(case=case, rule="BANAN_DUE")
        .order_by("pk")
        .values_list("state", "closed_reason")
    )
    assert rows == [("closed", CloseReason.DEADLINE_EXTENDED), ("open", "")]


def test_each_summons_has_its_own_warning(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    first = record(case, actor, "summon", "2025-03-03 10:30", now="2025-03-03 17:00")
    second = record(case, actor, "summon", "2025-03-03 11:00", now="2025-03-03 17:00")

    scan.run(at("2025-03-03 17:00"))

    keys = CaseWarning.objects.filter(case=case, rule="CHUANHUAN_DUE").values_list(
        "subject_key", flat=True
    )
    assert sorted(keys) == sorted([str(first.pk), str(second.pk)])


def test_recording_an_event_scans_only_that_case(tree):
    touched, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    other, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00", actor=actor)

    record(touched, actor, "question", "2025-04-03 09:00")

    assert open_rules(touched) == {"BANAN_OVER"}
    assert open_rules(other) == set()
    assert scan.run(at("2025-04-03 09:00")).opened == 1  # the full scan catches the other


def test_a_handler_whose_qualification_lapses_raises_an_alarm_until_renewed(tree):
    case, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    officer = case.handlers.order_by("pk").last()
    Officer.objects.filter(pk=officer.pk).update(qualification_expires_on=dt.date(2025, 3, 4))

    scan.run(at("2025-03-05 09:00"))
    warning = CaseWarning.objects.get(case=case, rule="ZIGE_INVALID")
    assert warning.subject_key == str(officer.pk)

    Officer.objects.filter(pk=officer.pk).update(qualification_expires_on=dt.date(2029, 1, 1))
    scan.run(at("2025-03-05 10:00"))
    warning.refresh_from_db()
    assert (warning.state, warning.closed_reason) == ("closed", CloseReason.HANDLER_QUALIFIED)


def test_an_officer_off_duty_counts_as_unqualified(tree):
    case, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    Officer.objects.filter(pk=case.handlers.first().pk).update(status=OfficerStatus.SUSPENDED)

    scan.run(at("2025-03-03 11:00"))

    assert open_rules(case) == {"ZIGE_INVALID"}


def test_warnings_of_a_rule_no_longer_in_force_are_closed(tree):
    case, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    old = CaseWarning.objects.create(
        case=case,
        rule="OLD_RULE",
        name="旧规则",
        level="hint",
        basis="x",
        opened_at=at("2025-03-03 11:00"),
    )

    scan.run(at("2025-03-04 09:00"))

    old.refresh_from_db()
    assert (old.state, old.closed_reason) == ("closed", CloseReason.RULE_RETIRED)


def test_closing_the_case_closes_its_warnings(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    record(case, actor, "notify", "2025-03-04 10:00", proposed="罚款二百元")
    record(case, actor, "decide", "2025-03-05 10:00", outcome="penalty", fine=200)
    scan.run(at("2025-03-10 09:00"))
    assert open_rules(case) == {"SONGDA_LATE"}

    record(case, actor, "close", "2025-03-10 10:00")

    assert CaseWarning.objects.get(case=case).closed_reason == CloseReason.CASE_CLOSED


# --- Set-based: the number of queries does not grow with the number of cases -----------------


def _count_full_scan(when: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        scan.run(at(when))
    return len(queries)


def test_a_full_scan_runs_the_same_number_of_queries_for_10_and_200_cases(
    tree, django_assert_max_num_queries
):
    bulk_overdue_cases(tree["s1"], 10)
    with django_assert_max_num_queries(300) as small:
        scan.run(at("2025-04-03 09:00"))
    assert CaseWarning.objects.filter(state=WarningState.OPEN).count() == 10
    CaseWarning.objects.all().update(state="closed", closed_at=at("2025-04-03 09:00"))

    bulk_overdue_cases(tree["s2"], 190)
    with django_assert_max_num_queries(len(small.captured_queries)):
        scan.run(at("2025-04-03 09:00"))

    assert CaseWarning.objects.filter(state=WarningState.OPEN).count() == 200


def test_a_second_full_scan_over_200_cases_runs_a_fixed_number_of_queries(tree):
    bulk_overdue_cases(tree["s1"], 200)
    scan.run(at("2025-04-03 09:00"))

    unchanged = _count_full_scan("2025-04-03 09:00")

    rules = len(scan.rules_in_force(at("2025-04-03 09:00")))
    # Per rule: a savepoint pair, the INSERT, the close UPDATE, at most two escalations.
    assert unchanged <= rules * 6 + 4


# --- Crash safety ------------------------------------------------------------------------------


def test_a_scan_killed_mid_way_leaves_each_rule_applied_or_not_and_the_next_repairs(
    tree, monkeypatch
):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    record(case, actor, "summon", "2025-03-03 10:30")
    from fazhi.cases.models import Case

    Case.objects.filter(pk=case.pk).update(outside_centre=True)
    real = warnings.apply_rule

    def killed_after_writing(src, rule, at_, ids, **kwargs):
        counts = real(src, rule, at_, ids, **kwargs)
        if rule.code == "CHUANHUAN_OVER":
            raise RuntimeError("worker killed")
        return counts

    monkeypatch.setattr(warnings, "apply_rule", killed_after_writing)
    with pytest.raises(RuntimeError):
        warnings.sweep(at("2025-04-03 09:00"))

    assert open_rules(case) == {"YINGJIN_WEIJIN"}  # case.yaml ran and committed; the rest not
    assert not WarningEvent.objects.filter(warning__rule="CHUANHUAN_OVER").exists()

    monkeypatch.setattr(warnings, "apply_rule", real)
    result = scan.run(at("2025-04-03 09:00"))

    assert open_rules(case) == {"YINGJIN_WEIJIN", "CHUANHUAN_OVER", "BANAN_OVER"}
    assert result.opened == 2


def test_a_decision_outside_the_benchmark_range_raises_a_warning(tree):
    from fazhi.discretion.models import DecisionReview

    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    record(case, actor, "notify", "2025-03-04 10:00", proposed="罚款五十元")
    decide = record(case, actor, "decide", "2025-03-05 10:00", outcome="penalty", fine=50)
    review = DecisionReview.objects.create(
        case=case,
        event=decide,
        unit=case.unit,
        offence_code="beat",
        act_on=dt.date(2025, 3, 3),
        decided_on=dt.date(2025, 3, 5),
        version_applied="test",
        recommended_outcome="penalty",
        decided_outcome="penalty",
        within_range=False,
        deviation_reason="当事人系初犯",
        created_at=at("2025-03-05 10:00"),
        created_by=actor,
    )

    scan.run(at("2025-03-05 11:00"))
    assert "CAILIANG_OUT" in open_rules(case)

    DecisionReview.objects.filter(pk=review.pk).update(is_current=False)
    scan.run(at("2025-03-05 12:00"))
    warning = CaseWarning.objects.get(case=case, rule="CAILIANG_OUT")
    assert (warning.state, warning.closed_reason) == ("closed", CloseReason.NO_LONGER_APPLIES)

import datetime as dt

import pytest

from fazhi.audit.models import AuditEntry
from fazhi.cases import procedure
from fazhi.cases.derive import EventRefused
from fazhi.cases.models import Case, CaseStatus, Deadline, ProceduralEvent
from fazhi.cases.procedure import CaseRefused, NewCase, NewEvent
from fazhi.cases.tests.factories import at, clerk_for, open_public_order_case, person
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.errors import FrozenRecord, PermissionDeniedError
from fazhi.org.tests.factories import OfficerFactory, make_citizen_id

pytestmark = pytest.mark.django_db


def test_a_case_is_numbered_per_unit_and_year(tree):
    first, actor = open_public_order_case(tree["s1"])
    second, _ = open_public_order_case(tree["s1"], actor=actor)
    assert (first.number, second.number) == ("500103-01-2025-00001", "500103-01-2025-00002")
    assert first.status == CaseStatus.ACCEPTED


def test_accepting_starts_the_30_day_handling_period(tree):
    case, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    deadline = Deadline.objects.get(case=case, code="handling")
    assert deadline.due_at == at("2025-04-03 00:00")  # last day 2025-04-02
    assert "《中华人民共和国治安管理处罚法》第九十九条第一款" in deadline.basis
    assert deadline.unverified is False


def test_a_case_accepted_in_2026_carries_the_unverified_mark(tree):
    case, _ = open_public_order_case(tree["s1"], accepted="2026-03-02 10:00")
    assert Deadline.objects.get(case=case, code="handling").unverified is True


def test_one_officer_is_not_enough(tree):
    officer = OfficerFactory(unit=tree["s1"])
    new = NewCase(
        unit=tree["s1"],
        item=EnforcementItemFactory(),
        procedure="zhian-general",
        title="t",
        source="call",
        act_at=at("2025-03-03 08:00"),
        act_place="p",
        handlers=(officer,),
    )
    with pytest.raises(CaseRefused) as excinfo:
        procedure.open_case(
            new,
            NewEvent("accept", at("2025-03-03 10:00")),
            actor=clerk_for(tree["s1"]),
            at=at("2025-03-03 11:00"),
        )
    assert excinfo.value.code == "too_few_handlers"
    assert excinfo.value.basis == "《中华人民共和国行政处罚法》第四十二条"
    assert Case.objects.count() == 0


def test_an_expired_qualification_refuses_the_handler(tree):
    handlers = (OfficerFactory(unit=tree["s1"]), OfficerFactory(unit=tree["s1"], expired=True))
    new = NewCase(
        unit=tree["s1"],
        item=EnforcementItemFactory(),
        procedure="zhian-general",
        title="t",
        source="call",
        act_at=at("2025-03-03 08:00"),
        act_place="p",
        handlers=handlers,
    )
    with pytest.raises(CaseRefused) as excinfo:
        procedure.open_case(
            new,
            NewEvent("accept", at("2025-03-03 10:00")),
            actor=clerk_for(tree["s1"]),
            at=at("2025-03-03 11:00"),
        )
    assert excinfo.value.code == "handler_not_qualified"


def test_a_party_with_a_bad_id_number_is_refused_and_nothing_is_written(tree):
    with pytest.raises(CaseRefused) as excinfo:
        open_public_order_case(tree["s1"], parties=[person("110101199003070012")])
    assert excinfo.value.field == "parties.id_number"
    assert (Case.objects.count(), AuditEntry.objects.filter(action="case.open").count()) == (0, 0)


def test_a_minor_is_flagged_from_the_birth_date_at_the_act(tree):
    minor = make_citizen_id(7, dt.date(2008, 6, 1))
    case, _ = open_public_order_case(
        tree["s1"], accepted="2025-03-03 10:00", parties=[person(minor)]
    )
    assert case.parties.get().is_minor_at_act is True


def test_decision_without_notice_is_refused_with_its_basis(tree):
    case, actor = open_public_order_case(tree["s1"])
    with pytest.raises(EventRefused) as excinfo:
        procedure.record_event(
            case,
            NewEvent("decide", at("2025-03-10 10:00"), data={"outcome": "penalty", "fine": 200}),
            actor=actor,
            at=at("2025-03-10 11:00"),
        )
    assert excinfo.value.code == "notice_before_decision"
    assert "第四十四条" in excinfo.value.basis
    assert ProceduralEvent.objects.filter(case=case, kind="decide").count() == 0


def test_an_event_in_the_future_is_refused(tree):
    case, actor = open_public_order_case(tree["s1"])
    with pytest.raises(EventRefused) as excinfo:
        procedure.record_event(
            case,
            NewEvent("question", at("2025-03-05 10:00")),
            actor=actor,
            at=at("2025-03-04 10:00"),
        )
    assert excinfo.value.code == "in_future"


def test_an_event_dated_before_the_event_it_follows_is_refused(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    with pytest.raises(EventRefused) as excinfo:
        procedure.record_event(
            case,
            NewEvent("question", at("2025-03-02 10:00")),
            actor=actor,
            at=at("2025-03-04 10:00"),
        )
    assert excinfo.value.code == "before_predecessor"


def test_notice_then_decision_meets_the_handling_period(tree):
    case, actor = open_public_order_case(tree["s1"])
    now = at("2025-03-20 12:00")
    procedure.record_event(
        case,
        NewEvent("notify", at("2025-03-10 10:00"), data={"proposed": "罚款200元"}),
        actor=actor,
        at=now,
    )
    procedure.record_event(
        case,
        NewEvent("decide", at("2025-03-11 10:00"), data={"outcome": "penalty", "fine": 200}),
        actor=actor,
        at=now,
    )
    case.refresh_from_db()
    handling = Deadline.objects.get(case=case, code="handling")
    assert (case.status, handling.status, handling.met_at) == (
        "decided",
        "met",
        at("2025-03-11 10:00"),
    )
    assert Deadline.objects.get(case=case, code="service").due_at == at("2025-03-14 00:00")


def test_an_approved_extension_moves_the_deadline_and_cites_the_approval(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    procedure.record_event(
        case,
        NewEvent(
            "extend",
            at("2025-03-28 10:00"),
            data={"approver": "示例市公安局", "deadline": "handling"},
        ),
        actor=actor,
        at=at("2025-03-28 11:00"),
    )
    handling = Deadline.objects.get(case=case, code="handling")
    # 30 + 30 days from 2025-03-03 = 2025-05-02, inside 劳动节 (05-01…05) → last day 2025-05-06.
    assert handling.due_at == at("2025-05-07 00:00")
    assert handling.extended is True
    assert "经示例市公安局批准延长" in handling.explanation


def test_appraisal_time_is_not_counted(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    procedure.record_event(
        case,
        NewEvent("appraisal", at("2025-03-05 10:00"), ended_at=at("2025-03-15 10:00")),
        actor=actor,
        at=at("2025-03-16 10:00"),
    )
    handling = Deadline.objects.get(case=case, code="handling")
    assert handling.paused_days == 10
    # 30 + 10 days from 2025-03-03 = 2025-04-12, a Saturday → last day Monday 2025-04-14.
    assert handling.due_at == at("2025-04-15 00:00")
    assert "不计入" in handling.explanation


def test_an_open_appraisal_stops_the_clock(tree):
    case, actor = open_public_order_case(tree["s1"])
    procedure.record_event(
        case, NewEvent("appraisal", at("2025-03-05 10:00")), actor=actor, at=at("2025-03-06 10:00")
    )
    assert Deadline.objects.get(case=case, code="handling").status == "stopped"


def test_events_are_append_only(tree):
    case, _ = open_public_order_case(tree["s1"])
    event = case.events.get()
    event.data = {"x": 1}
    with pytest.raises(FrozenRecord):
        event.save()
    with pytest.raises(FrozenRecord):
        event.delete()


def test_a_correction_replaces_the_event_it_names(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    original = case.events.get(kind="accept")
    procedure.record_event(
        case,
        NewEvent(
            "accept",
            at("2025-03-01 10:00"),
            corrects=original,
            correction_reason="受案时间登记错误",
        ),
        actor=actor,
        at=at("2025-03-04 10:00"),
    )
    handling = Deadline.objects.get(case=case, code="handling")
    assert handling.due_at == at("2025-04-01 00:00")
    assert case.events.count() == 2


def test_a_user_outside_the_scope_cannot_record(tree):
    case, _ = open_public_order_case(tree["s1"])
    stranger = clerk_for(tree["s2"])
    with pytest.raises(PermissionDeniedError):
        procedure.record_event(
            case,
            NewEvent("question", at("2025-03-04 10:00")),
            actor=stranger,
            at=at("2025-03-04 11:00"),
        )


def test_questioning_over_8_hours_needs_the_recorded_complex_condition(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    procedure.record_event(
        case,
        NewEvent("summon", at("2025-03-03 11:00"), ended_at=at("2025-03-03 21:00")),
        actor=actor,
        at=at("2025-03-04 10:00"),
    )
    deadline = Deadline.objects.get(case=case, code="questioning")
    assert (deadline.due_at, deadline.status) == (at("2025-03-03 19:00"), "missed")
    complex_case, actor = open_public_order_case(
        tree["s1"], accepted="2025-03-03 10:00", actor=actor
    )
    procedure.record_event(
        complex_case,
        NewEvent(
            "summon",
            at("2025-03-03 11:00"),
            ended_at=at("2025-03-03 21:00"),
            data={"complex_detention_possible": True},
        ),
        actor=actor,
        at=at("2025-03-04 10:00"),
    )
    deadline = Deadline.objects.get(case=complex_case, code="questioning")
    assert (deadline.due_at, deadline.status) == (at("2025-03-04 11:00"), "met")

"""DUBAN_OVERDUE (rules/warnings/orders.yaml): an order unanswered past its reply deadline raises
its own warning on the case it is about; the warning escalates, closes by itself once the order is
answered, and is never duplicated by a rescan.
"""

import pytest
import time_machine
from django.db import IntegrityError, transaction

from fazhi.audit.models import AuditEntry
from fazhi.core.roles import Role
from fazhi.supervision import orders, scan
from fazhi.supervision.models import (
    CaseWarning,
    CloseReason,
    OrderLevel,
    WarningEvent,
    WarningState,
)
from fazhi.supervision.tests.factories import at, open_public_order_case, record

pytestmark = pytest.mark.django_db

RULE = "DUBAN_OVERDUE"


@pytest.fixture
def people(tree, make_user):
    return {
        "city": make_user(Role.SUPERVISOR, tree["city"]),
        "d1": make_user(Role.SUPERVISOR, tree["d1"]),
        "d2": make_user(Role.SUPERVISOR, tree["d2"]),
        "s1": make_user(Role.OFFICER, tree["s1"]),
        "s2": make_user(Role.OFFICER, tree["s2"]),
    }


@pytest.fixture
def case(tree):
    case, _ = open_public_order_case(tree["s1"], accepted="2025-04-01 08:00")
    return case


def _issue(tree, case, actor, *, due="2025-04-08 17:00", warnings=()):
    return orders.issue_order(
        tree["s1"] if case is not None else warnings[0].case.unit,
        case=case,
        warnings=warnings,
        problem="办案期限已超期",
        demand="立即依法作出处理决定",
        reply_due_at=at(due),
        actor=actor,
        at=at("2025-04-01 09:00"),
    )


def _answer(order, actor, when):
    return orders.answer_order(
        order, rectification="已作出处罚决定", evidence="决定书一份", actor=actor, at=at(when)
    )


def _order_warnings(**filters):
    return CaseWarning.objects.filter(rule=RULE, **filters)


def test_no_warning_before_the_reply_deadline_has_passed(tree, people, case):
    _issue(tree, case, people["d1"])

    scan.run(at("2025-04-08 16:59"))

    assert not _order_warnings().exists()


def test_an_order_unanswered_past_its_deadline_opens_one_red_warning_on_its_case(
    tree, people, case
):
    order = _issue(tree, case, people["d1"])

    result = scan.run(at("2025-04-08 17:01"))

    warning = _order_warnings().get()
    assert (warning.case, warning.state, warning.level) == (case, WarningState.OPEN, "alarm")
    assert (warning.deadline_code, warning.subject_key) == ("", str(order.pk))
    assert warning.basis.startswith("《中华人民共和国行政处罚法》第七十五条第一款")
    assert result.by_rule[RULE][0] == 1


def test_the_warning_goes_to_the_district_at_once_and_to_the_city_after_three_days(
    tree, people, case
):
    _issue(tree, case, people["d1"])

    scan.run(at("2025-04-08 17:01"))
    assert _order_warnings().get().escalated_level == "district"
    scan.run(at("2025-04-11 17:00"))
    assert _order_warnings().get().escalated_level == "district"
    scan.run(at("2025-04-11 17:01"))

    warning = _order_warnings().get()
    assert warning.escalated_level == "city"
    assert list(warning.events.values_list("kind", "escalated_level")) == [
        ("opened", "unit"),
        ("escalated", "district"),
        ("escalated", "city"),
    ]


def test_a_rescan_never_duplicates_the_warning(tree, people, case):
    _issue(tree, case, people["d1"])
    scan.run(at("2025-04-08 17:01"))

    again = scan.run(at("2025-04-08 18:00"))

    assert again.by_rule.get(RULE) is None
    assert _order_warnings().count() == 1
    assert WarningEvent.objects.filter(warning__rule=RULE).count() == 2  # opened, escalated
    warning = _order_warnings().get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseWarning.objects.create(
            case=case,
            rule=RULE,
            name=warning.name,
            level=warning.level,
            basis=warning.basis,
            subject_key=warning.subject_key,
            opened_at=at("2025-04-08 18:00"),
        )


def test_answering_the_order_closes_its_warning_at_once_without_a_full_scan(tree, people, case):
    order = _issue(tree, case, people["d1"])
    scan.run(at("2025-04-08 17:01"))

    _answer(order, people["s1"], "2025-04-09 10:00")

    warning = _order_warnings().get()
    assert (warning.state, warning.closed_at, warning.closed_reason) == (
        WarningState.CLOSED,
        at("2025-04-09 10:00"),
        CloseReason.ORDER_ANSWERED,
    )
    assert warning.events.last().kind == "closed"
    assert warning.events.last().reason == CloseReason.ORDER_ANSWERED


def test_an_answer_sent_back_after_the_deadline_without_a_new_one_reopens_a_new_warning(
    tree, people, case
):
    order = _issue(tree, case, people["d1"])
    scan.run(at("2025-04-08 17:01"))
    order = _answer(order, people["s1"], "2025-04-09 10:00")

    orders.return_order(order, reason="佐证材料不全", actor=people["d1"], at=at("2025-04-09 11:00"))

    assert list(_order_warnings().order_by("id").values_list("state", "opened_at")) == [
        (WarningState.CLOSED, at("2025-04-08 17:01")),
        (WarningState.OPEN, at("2025-04-09 11:00")),
    ]


def test_an_answer_sent_back_with_a_new_deadline_warns_only_once_that_passes(tree, people, case):
    order = _issue(tree, case, people["d1"])
    order = _answer(order, people["s1"], "2025-04-07 10:00")
    orders.return_order(
        order,
        reason="佐证材料不全",
        reply_due_at=at("2025-04-15 17:00"),
        actor=people["d1"],
        at=at("2025-04-07 11:00"),
    )

    scan.run(at("2025-04-15 16:00"))
    assert not _order_warnings().exists()
    scan.run(at("2025-04-15 17:01"))
    assert _order_warnings(state=WarningState.OPEN).count() == 1


def test_an_order_about_a_closed_case_still_warns(tree, people):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    record(case, actor, "notify", "2025-03-04 10:00", proposed="罚款二百元")
    record(case, actor, "decide", "2025-03-05 10:00", outcome="penalty", fine=200)
    record(case, actor, "close", "2025-03-06 10:00")
    _issue(tree, case, people["d1"])

    scan.run(at("2025-04-09 09:00"))

    assert _order_warnings(state=WarningState.OPEN).get().case == case


def test_an_order_about_warnings_of_two_cases_warns_on_each_and_closes_both(tree, people):
    one, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    two, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    scan.run(at("2025-04-03 09:00"))
    red = list(CaseWarning.objects.filter(rule="BANAN_OVER", case__in=[one, two]))
    assert len(red) == 2
    order = orders.issue_order(
        tree["s1"],
        warnings=red,
        problem="办案期限已超期",
        demand="限期整改",
        reply_due_at=at("2025-04-08 17:00"),
        actor=people["d1"],
        at=at("2025-04-03 10:00"),
    )

    scan.run(at("2025-04-09 09:00"))
    assert set(_order_warnings(state=WarningState.OPEN).values_list("case", "subject_key")) == {
        (one.pk, str(order.pk)),
        (two.pk, str(order.pk)),
    }
    _answer(order, people["s1"], "2025-04-09 10:00")

    assert not _order_warnings(state=WarningState.OPEN).exists()
    assert _order_warnings(state=WarningState.CLOSED).count() == 2


def test_an_order_with_a_case_and_warnings_warns_once_on_its_case(tree, people, case):
    other, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    scan.run(at("2025-04-03 09:00"))
    red = list(CaseWarning.objects.filter(rule="BANAN_OVER", case=other))
    order = orders.issue_order(
        tree["s1"],
        case=case,
        warnings=red,
        problem="p",
        demand="d",
        reply_due_at=at("2025-04-08 17:00"),
        actor=people["d1"],
        at=at("2025-04-03 10:00"),
    )

    scan.run(at("2025-04-09 09:00"))

    assert list(_order_warnings().values_list("case", "subject_key")) == [(case.pk, str(order.pk))]


def test_two_overdue_orders_on_one_case_raise_two_warnings(tree, people, case):
    first = _issue(tree, case, people["d1"])
    second = _issue(tree, case, people["city"])

    scan.run(at("2025-04-09 09:00"))
    _answer(first, people["s1"], "2025-04-09 10:00")

    assert set(_order_warnings().values_list("subject_key", "state")) == {
        (str(first.pk), WarningState.CLOSED),
        (str(second.pk), WarningState.OPEN),
    }


def test_recording_an_event_on_the_case_leaves_the_order_warning_open(tree, people, case):
    _issue(tree, case, people["d1"])
    scan.run(at("2025-04-09 09:00"))
    actor = case.created_by

    record(case, actor, "notify", "2025-04-09 10:00", proposed="罚款二百元")

    assert _order_warnings(state=WarningState.OPEN).count() == 1


def test_the_incremental_scan_considers_the_rule_only_for_cases_with_an_order_awaiting_reply(
    tree, people, case
):
    other, _ = open_public_order_case(tree["s1"], accepted="2025-04-01 08:00")
    order = _issue(tree, case, people["d1"])
    rules = [r for r in scan.rules_in_force(at("2025-04-09 09:00")) if r.code == RULE]

    assert [r.code for r in scan.relevant_rules(rules, [case.pk], with_open=False)] == [RULE]
    assert scan.relevant_rules(rules, [other.pk], with_open=False) == []
    _answer(order, people["s1"], "2025-04-02 10:00")
    assert scan.relevant_rules(rules, [case.pk], with_open=False) == []


def test_the_periodic_task_opens_the_warning_and_escalates_the_order_in_one_run(tree, people, case):
    from fazhi.core import tasks

    order = _issue(tree, case, people["d1"])
    with time_machine.travel(at("2025-04-09 09:00"), tick=False):
        result = tasks.periodic_sweep.call_local()

    order.refresh_from_db()
    assert (result["orders_escalated"], order.level) == (1, OrderLevel.CITY)
    assert _order_warnings(state=WarningState.OPEN).count() == 1
    assert AuditEntry.objects.filter(action="supervision.scan", object_id=RULE).count() == 1


@pytest.mark.parametrize(("viewer", "sees"), [("s1", 1), ("d1", 1), ("city", 1), ("s2", 0)])
def test_the_warning_shows_in_the_queues_above_the_case_only(tree, people, case, viewer, sees):
    _issue(tree, case, people["d1"])
    scan.run(at("2025-04-09 09:00"))

    assert CaseWarning.objects.visible_to(people[viewer]).filter(rule=RULE).count() == sees


def test_the_queue_shows_an_order_warnings_reply_deadline_and_links_the_order(
    tree, people, case, client
):
    from fazhi.supervision import warnings

    order = _issue(tree, case, people["d1"])
    other_case, _ = open_public_order_case(tree["s1"], accepted="2025-04-01 08:00")
    scan.run(at("2025-04-09 09:00"))

    found = warnings.find_warnings(people["city"], warnings.WarningFilter(rule=RULE)).get()
    assert (found.due_at, found.order_number) == (at("2025-04-08 17:00"), order.number)
    deadline_warning = (
        warnings.find_warnings(people["city"], warnings.WarningFilter())
        .exclude(rule=RULE)
        .filter(case=other_case)
        .first()
    )
    assert deadline_warning is None or deadline_warning.order_number == ""
    client.force_login(people["city"])
    page = client.get(f"/supervision/warnings/?rule={RULE}").content.decode()
    assert f'href="/supervision/orders/{order.number}/"' in page

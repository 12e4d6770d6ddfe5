"""The supervision demo: deterministic, loaded once, through the real operations, legal histories."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from fazhi.audit.models import AuditEntry
from fazhi.cases.demo import demo_instant, load_cases
from fazhi.core import demo
from fazhi.core.clock import SHANGHAI
from fazhi.core.roles import Capability
from fazhi.org.models import User
from fazhi.supervision import dashboard, orders, review
from fazhi.supervision.dashboard import PeriodKind
from fazhi.supervision.demo import (
    CaseFacts,
    grade_floors,
    load_supervision,
    office,
    plan_findings,
    plan_lifecycle,
    review_rounds,
)
from fazhi.supervision.models import (
    CaseReview,
    CaseWarning,
    OrderEvent,
    OrderLevel,
    OrderStatus,
    ReviewGrade,
    ReviewSample,
    SupervisionOrder,
)

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 11, 20)
NOW = demo_instant(ON)


@pytest.fixture(scope="module")
def demo_cases(django_db_setup, django_db_blocker):
    """The tiny demo tree with 400 demo cases and no supervision data, loaded once, rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo.load(dataclasses.replace(demo.TINY, applications=0), on=ON, laws=False, cases=False)
        load_cases(on=ON, count=400)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_cases):
    return load_supervision(on=ON)


def signature() -> tuple:
    """What the demo wrote, without database ids: orders with their steps, and the reviews."""
    orders = sorted(
        (
            o.number,
            o.case.number,
            o.target_unit.code,
            o.issued_by.username,
            o.status,
            o.level,
            tuple((e.kind, e.at, e.actor_label, e.text) for e in o.events.all()),
        )
        for o in SupervisionOrder.objects.select_related("case", "target_unit", "issued_by")
    )
    reviews = sorted(
        (r.case.number, r.reviewed_at, r.grade, r.score, r.reviewer.username)
        for r in CaseReview.objects.select_related("case", "reviewer")
    )
    return orders, reviews


def test_the_demo_writes_the_same_orders_and_grades_every_time(demo_cases):
    with transaction.atomic():
        first = load_supervision(on=ON)
        once = signature()
        transaction.set_rollback(True)
    assert SupervisionOrder.objects.count() == 0

    second = load_supervision(on=ON)

    assert signature() == once
    assert (second.orders, second.reviews, second.grades) == (
        first.orders,
        first.reviews,
        first.grades,
    )
    assert second.orders == len(once[0]) > 0


def test_a_second_run_writes_nothing(loaded):
    def counts():
        return [
            m.objects.count()
            for m in (SupervisionOrder, OrderEvent, ReviewSample, CaseReview, CaseWarning, User)
        ] + [AuditEntry.objects.count()]

    before = counts()

    again = load_supervision(on=ON)

    assert again.created == 0
    assert counts() == before


def test_the_demo_has_orders_in_every_state_and_reviews_in_every_grade(loaded):
    statuses = set(SupervisionOrder.objects.values_list("status", flat=True))
    assert {OrderStatus.VERIFIED, OrderStatus.OPEN} <= statuses
    assert loaded.statuses[OrderStatus.VERIFIED] > loaded.orders / 2  # most are closed
    assert SupervisionOrder.objects.overdue(NOW).exists()
    assert OrderEvent.objects.filter(kind="returned").exists()
    assert OrderEvent.objects.filter(kind="escalated").exists()
    assert set(CaseReview.objects.values_list("grade", flat=True)) == set(ReviewGrade.values)
    vetoed = CaseReview.objects.filter(findings__veto_failed=True)
    assert vetoed.exists()
    assert set(vetoed.values_list("grade", flat=True)) == {ReviewGrade.FAIL}


def test_orders_come_from_the_city_and_district_accounts_and_the_target_unit_answers(loaded):
    assert set(SupervisionOrder.objects.values_list("issued_by__username", flat=True)) == {
        "city",
        "district",
    }
    answers = OrderEvent.objects.filter(kind="answered").select_related(
        "actor__scope_unit", "order__target_unit"
    )
    assert answers.exists()
    for event in answers:
        assert event.order.target_unit.contains(event.actor.scope_unit)
        assert event.actor.has_capability(Capability.HANDLE_CASES)


def test_every_review_grade_follows_from_its_findings_by_the_checklist(loaded):
    checklist = review.checklist("zhian-case-file")
    for r in CaseReview.objects.prefetch_related("findings"):
        findings = list(r.findings.all())
        outcome = review.score_grade(
            checklist,
            {f.item: f.deducted for f in findings if f.deducted},
            {f.item for f in findings if f.veto_failed},
        )
        assert (outcome.score, outcome.grade) == (r.score, r.grade)


# Which step may follow which; the state after it (the order's status).
NEXT = {
    "start": {"issued": "open"},
    "open": {"escalated": "open", "answered": "answered"},
    "returned": {"escalated": "returned", "answered": "answered"},
    "answered": {"returned": "returned", "verified": "verified"},
    "verified": {},
}


def test_every_order_history_is_a_legal_sequence(loaded):
    made = SupervisionOrder.objects.prefetch_related("events")
    assert made.count() == loaded.orders
    for order in made:
        state, last, due, level, escalated_for = "start", None, None, None, set()
        for event in order.events.all():
            assert event.kind in NEXT[state], (order.number, state, event.kind)
            assert last is None or event.at > last, order.number
            if event.kind == "issued":
                level = event.level
            if event.kind == "escalated":
                assert event.at > due, order.number
                assert due not in escalated_for, order.number
                assert event.level == orders.NEXT_LEVEL[OrderLevel(level)], order.number
                level = event.level
                escalated_for.add(due)
            due = event.reply_due_at or due
            state, last = NEXT[state][event.kind], event.at
        assert state == order.status, order.number
        assert last < NOW
        assert (order.reply_due_at, order.level) == (due, level)


def test_the_dashboard_of_the_demo_shows_a_reply_time_and_an_improving_excellent_rate(loaded):
    city = User.objects.get(username="city")

    month = dashboard.build(city, city.scope_unit, PeriodKind.MONTH, ON, at=NOW)
    year = dashboard.build(city, city.scope_unit, PeriodKind.QUARTER, ON, at=NOW)

    assert month.reply.orders > 0
    assert dt.timedelta(hours=2) < month.reply.average < dt.timedelta(days=10)
    assert month.rate.value is not None
    assert month.overdue_orders > 0
    rates = [p.value.value for p in year.trend if p.value.value is not None]
    assert len(rates) == 4  # the quarters of 2026: the checklist is in force from 2026-01-01
    assert all(Decimal(50) <= r <= Decimal(100) for r in rates)
    assert rates[0] < rates[-1]


# --- the pure parts ---------------------------------------------------------------------------


def test_office_moves_an_instant_into_office_hours():
    def local(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)

    assert office(local("2026-05-06 22:17")) == local("2026-05-07 09:17")
    assert office(local("2026-05-06 06:05")) == local("2026-05-06 09:05")
    assert office(local("2026-05-06 14:40")) == local("2026-05-06 14:40")


def test_reviews_are_drawn_quarterly_from_the_day_the_checklist_is_in_force():
    rounds = review_rounds(NOW, dt.date(2026, 1, 1))

    assert [(r.period.start, r.drawn_at.date()) for r in rounds] == [
        (dt.date(2025, 10, 1), dt.date(2026, 1, 4)),
        (dt.date(2026, 1, 1), dt.date(2026, 4, 4)),
        (dt.date(2026, 4, 1), dt.date(2026, 7, 4)),
        (dt.date(2026, 7, 1), dt.date(2026, 10, 4)),
    ]
    assert rounds[-1].until < NOW


def test_grade_bands_are_read_from_the_checklist():
    assert grade_floors(review.checklist("zhian-case-file")) == {
        "excellent": (0, 10),
        "good": (11, 20),
        "pass": (21, 40),
        "fail": (41, 60),
    }


@given(
    seed=st.integers(0, 10**6),
    grade=st.sampled_from(ReviewGrade.values),
    facts=st.builds(CaseFacts, st.booleans(), st.booleans(), st.booleans()),
    veto=st.booleans(),
)
def test_planned_findings_earn_the_planned_grade(seed, grade, facts, veto):
    checklist = review.checklist("zhian-case-file")
    veto = veto and grade == ReviewGrade.FAIL

    findings = plan_findings(random.Random(seed), checklist, grade, facts, veto=veto)  # noqa: S311

    outcome = review.score_grade(
        checklist,
        {f.item: f.deducted for f in findings if f.deducted},
        {f.item for f in findings if f.veto_failed},
    )
    assert outcome.grade == grade
    assert facts.has_seizure or "C11" not in {f.item for f in findings}


@given(
    seed=st.integers(0, 10**6),
    minutes=st.integers(0, 323 * 24 * 60),
)
def test_a_planned_order_life_is_ordered_and_ends_before_now(seed, minutes):
    issued_at = office(dt.datetime(2026, 1, 1, tzinfo=SHANGHAI) + dt.timedelta(minutes=minutes))
    if issued_at >= NOW:
        return

    steps = plan_lifecycle(random.Random(seed), issued_at, NOW, "已整改")  # noqa: S311

    assert steps[0].kind == "issue"
    assert steps[0].reply_due_at > issued_at
    times = [s.at for s in steps]
    assert times == sorted(times)
    assert len(set(times)) == len(times)
    assert times[-1] < NOW
    assert all(s.reply_due_at > s.at for s in steps if s.kind in ("issue", "return"))

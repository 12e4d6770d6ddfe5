import datetime as dt
import random

import pytest
from django.db import transaction

from fazhi.audit.models import AuditEntry
from fazhi.cases import deadlines
from fazhi.cases.demo import demo_instant, load_cases, plan_timeline
from fazhi.cases.derive import Ev, derive_status
from fazhi.cases.models import (
    Case,
    CaseStatus,
    Deadline,
    DeadlineStatus,
    Party,
    PartyKind,
    ProceduralEvent,
)
from fazhi.cases.procedure import pack_of
from fazhi.catalog.eligibility import can_enforce
from fazhi.core import demo
from fazhi.core.clock import SHANGHAI
from fazhi.core.identity import validate_citizen_id, validate_uscc
from fazhi.discretion.audit import run_audit
from fazhi.discretion.models import DecisionReview
from fazhi.discretion.preview import offences_by_item
from fazhi.discretion.review import review_decision

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 16)


@pytest.fixture(scope="module")
def demo_cases(django_db_setup, django_db_blocker):
    """The tiny demo tree with 400 demo cases, loaded once for the module and rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo.load(demo.TINY, on=ON, laws=False, cases=False)
        yield load_cases(on=ON, count=400)
        transaction.set_rollback(True)


def test_the_demo_has_cases_in_every_state(demo_cases):
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {
        CaseStatus.ACCEPTED,
        CaseStatus.INVESTIGATING,
        CaseStatus.NOTIFIED,
        CaseStatus.DECIDED,
        CaseStatus.EXECUTED,
        CaseStatus.CLOSED,
    } <= statuses
    assert demo_cases.states["mediated"] > 0
    assert ProceduralEvent.objects.filter(kind="mediation_agreed").exists()
    assert Case.objects.count() == demo_cases.created == 400


def test_each_demo_case_has_two_qualified_handlers_on_its_first_day(demo_cases):
    for case in Case.objects.prefetch_related("handlers__unit").select_related("item"):
        day = case.created_at.astimezone(SHANGHAI).date()
        handlers = list(case.handlers.all())
        assert len({h.pk for h in handlers}) == 2
        assert all(h.unit_id == case.unit_id for h in handlers)
        assert all(can_enforce(h, case.item, day).ok for h in handlers), case.number


def test_items_that_must_be_handled_in_a_centre_are_only_in_centres(demo_cases):
    centre_cases = Case.objects.filter(item__must_use_centre=True).select_related("unit")
    assert centre_cases.exists()
    assert all(case.unit.is_case_centre for case in centre_cases)
    assert not Case.objects.filter(outside_centre=True).exists()


def test_demo_parties_have_valid_numbers_and_some_are_minors_or_organisations(demo_cases):
    parties = list(Party.objects.select_related("case"))
    for party in parties:
        if party.kind == PartyKind.ORGANISATION:
            assert validate_uscc(party.id_number).number == party.id_number
        else:
            parsed = validate_citizen_id(party.id_number)
            assert parsed.birth_date == party.birth_date
            act_day = party.case.act_at.astimezone(SHANGHAI).date()
            assert party.is_minor_at_act is (parsed.age_on(act_day) < 18)
    assert any(p.is_minor_at_act for p in parties)
    assert any(p.kind == PartyKind.ORGANISATION for p in parties)


def test_demo_deadlines_are_overdue_due_soon_met_missed_and_stopped(demo_cases):
    now = demo_instant(ON)
    running = Deadline.objects.running()
    assert running.filter(due_at__lte=now).exists()  # running but past due
    assert running.filter(due_at__gt=now, due_at__lte=now + dt.timedelta(days=3)).exists()
    statuses = set(Deadline.objects.values_list("status", flat=True))
    assert statuses == {
        DeadlineStatus.OPEN,
        DeadlineStatus.MET,
        DeadlineStatus.MISSED,
        DeadlineStatus.STOPPED,
    }
    assert not ProceduralEvent.objects.filter(occurred_at__gt=now).exists()


def test_recomputing_demo_cases_through_the_write_path_changes_nothing(demo_cases):
    for case in Case.objects.order_by("pk")[::7]:
        events = [Ev.of(row) for row in case.events.all()]
        pack = pack_of(case)
        assert deadlines.refresh(case, pack, events, at=demo_instant(ON)) == (0, 0, 0)
        assert derive_status(pack, events, CaseStatus.REPORTED) == case.status
        first = {}
        for event in events:
            first.setdefault(event.kind, event.occurred_at)
        assert case.accepted_at == first["accept"]
        assert case.closed_at == first.get("close")


def test_a_second_demo_run_adds_no_cases_and_the_load_is_audited_once(demo_cases):
    again = load_cases(on=ON, count=400)
    assert again.created == 0
    assert Case.objects.count() == 400
    entry = AuditEntry.objects.get(action="case.demo_load")
    assert entry.actor_label == "system:demo"
    assert entry.changes["cases"] == 400
    assert entry.changes["events"] == ProceduralEvent.objects.count()


def test_case_numbers_and_titles_name_the_unit_year_and_act(demo_cases):
    case = Case.objects.select_related("unit", "item").order_by("pk").first()
    assert case.number == f"{case.unit.code}-{case.year}-{case.sequence:05d}"
    assert case.title.endswith("案")
    assert case.item.name.removeprefix("对").split("的")[0][:4] in case.title


def test_the_plan_is_deterministic_for_a_seed():
    now = demo_instant(ON)
    rng_a, rng_b = random.Random(7), random.Random(7)  # noqa: S311 - a seeded plan
    first = [plan_timeline(rng_a, now) for _ in range(20)]
    second = [plan_timeline(rng_b, now) for _ in range(20)]
    assert first == second
    assert all(e.occurred_at <= now for t in first for e in t.events)


def test_most_demo_cases_of_benchmark_items_name_their_offence(demo_cases):
    by_item = offences_by_item()
    eligible = [c for c in Case.objects.select_related("item") if c.item.code in by_item]
    named = [c for c in eligible if c.offence_code]
    assert len(named) >= 0.6 * len(eligible) > 0
    assert all(c.offence_code == by_item[c.item.code] for c in named)
    assert not Case.objects.exclude(item__code__in=by_item).exclude(offence_code="").exists()


def test_every_decided_demo_case_with_an_offence_has_its_review(demo_cases):
    decisions = ProceduralEvent.objects.filter(kind="decide").exclude(case__offence_code="")
    reviews = DecisionReview.objects.all()
    assert sorted(reviews.values_list("event_id", flat=True)) == sorted(
        decisions.values_list("pk", flat=True)
    )
    assert demo_cases.reviews == reviews.count() > 0
    outside = reviews.filter(within_range=False)
    assert 0 < outside.count() < reviews.count() / 4
    assert not outside.filter(deviation_reason="").exists()
    assert all(
        e.data["deviation_reason"] == r.deviation_reason
        for r in outside.select_related("event")
        for e in [r.event]
    )


def test_a_demo_review_is_what_review_decision_writes(demo_cases):
    inside = list(DecisionReview.objects.filter(within_range=True).order_by("pk")[:4])
    outside = list(DecisionReview.objects.filter(within_range=False).order_by("pk")[:2])
    compared = [f.attname for f in DecisionReview._meta.concrete_fields]
    compared = [name for name in compared if name not in ("id", "created_at")]
    for demo_row in inside + outside:
        with transaction.atomic():
            expected = {name: getattr(demo_row, name) for name in compared}
            demo_row.delete()
            event = ProceduralEvent.objects.select_related("case", "recorded_by").get(
                pk=demo_row.event_id
            )
            written = review_decision(event.case, event, actor=event.recorded_by)
            assert {name: getattr(written, name) for name in compared} == expected
            transaction.set_rollback(True)


def test_the_demo_audit_shows_spread_and_decisions_outside_the_range(demo_cases):
    report = run_audit(DecisionReview.objects.all())
    assert report.total == DecisionReview.objects.count()
    assert report.outside == DecisionReview.objects.filter(within_range=False).count()
    assert len({row.unit_id for row in report.rows}) > 1
    assert any(s.fined > 1 for row in report.rows for s in row.spreads)

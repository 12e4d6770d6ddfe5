"""The incremental scan skips rules that cannot hold for a case: it must never skip one that does."""

import datetime as dt

import pytest
from django.db import transaction

from fazhi.cases.demo import demo_instant, load_cases
from fazhi.cases.models import Case, CaseStatus, Deadline
from fazhi.core import demo
from fazhi.supervision import scan
from fazhi.supervision.models import CaseWarning, WarningState

ON = dt.date(2026, 3, 16)


@pytest.fixture(scope="module")
def scanned(django_db_setup, django_db_blocker):
    """300 demo cases with a full scan at the demo instant, loaded once and rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo.load(demo.TINY, on=ON, laws=False, cases=False)
        load_cases(on=ON, count=300)
        at = demo_instant(ON)
        scan.run(at)
        yield at
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_rule_that_holds_for_a_case_is_relevant_to_it(scanned):
    """The full scan opened a warning wherever a rule holds: no such rule may be skipped."""
    rules = scan.rules_in_force(scanned)
    open_by_case: dict[int, set[str]] = {}
    for case_id, rule in CaseWarning.objects.filter(state=WarningState.OPEN).values_list(
        "case_id", "rule"
    ):
        open_by_case.setdefault(case_id, set()).add(rule)
    assert open_by_case, "the demo should raise warnings"
    for case_id, codes in open_by_case.items():
        relevant = {rule.code for rule in scan.relevant_rules(rules, [case_id], with_open=False)}
        assert codes <= relevant


@pytest.mark.django_db
def test_a_rule_is_skipped_only_when_it_cannot_hold(scanned):
    """Rescanning each case incrementally changes nothing after the full scan."""
    for case_id in Case.objects.values_list("pk", flat=True)[:150]:
        result = scan.run(scanned, case_ids=[case_id])
        assert (result.opened, result.closed) == (0, 0), case_id


@pytest.mark.django_db
def test_a_closed_case_without_open_warnings_needs_no_rule_but_the_order_rule(scanned):
    rules = scan.rules_in_force(scanned)
    closed = list(
        Case.objects.filter(status=CaseStatus.CLOSED)
        .exclude(warnings__state=WarningState.OPEN)
        .values_list("pk", flat=True)[:30]
    )
    assert closed, "the demo should have closed cases"
    for case_id in closed:
        relevant = scan.relevant_rules(rules, [case_id])
        assert {rule.condition.type for rule in relevant} <= {"order_unanswered"}, case_id


@pytest.mark.django_db
def test_a_deadline_rule_is_relevant_only_while_one_of_its_deadlines_is_open(scanned):
    rules = [r for r in scan.rules_in_force(scanned) if r.condition.type == "deadline_overdue"]
    running = Case.objects.exclude(status=CaseStatus.CLOSED).values_list("pk", "procedure")[:60]
    for case_id, procedure in running:
        open_codes = set(
            Deadline.objects.filter(case_id=case_id, status="open").values_list("code", flat=True)
        )
        expected = {
            rule.code
            for rule in rules
            if open_codes & set(rule.condition.deadlines)
            and (not rule.procedures or procedure in rule.procedures)
        }
        relevant = scan.relevant_rules(rules, [case_id], with_open=False)
        assert {rule.code for rule in relevant} == expected, case_id


@pytest.mark.django_db
@pytest.mark.parametrize("believed", [0, 2])
def test_a_full_scan_on_postgresql_first_analyses_tables_the_planner_believes_empty(
    scanned, believed
):
    """Analysed while empty (or with two rows, by an earlier rolled-back transaction: ANALYZE's
    count outlives it), then filled in one transaction: the planner would expect a row or two
    and nest the event rules' NOT EXISTS into sequential scans (minutes instead of seconds)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = %s WHERE relname = 'cases_proceduralevent'",
            [believed],
        )
        scan.run(scanned)
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'cases_proceduralevent'")
        assert cursor.fetchone()[0] > 1000

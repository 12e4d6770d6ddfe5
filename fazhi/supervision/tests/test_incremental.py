"""The incremental scan skips rules that cannot hold for a case: it must never skip one that does."""

import datetime as dt

import pytest
from django.db import transaction

from fazhi.cases.demo import demo_instant, load_cases
from fazhi.cases.models import Case
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

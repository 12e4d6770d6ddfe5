import json
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fazhi.core.roles import Role
from fazhi.discretion.audit import run_audit, within_columns
from fazhi.discretion.engine import InvalidFacts, decide
from fazhi.discretion.review import within_range
from fazhi.discretion.tests.test_batch import LIB, a_case, run
from fazhi.discretion.tests.test_review import MINOR_INJURY, beating_case, decide_case

REASON = {"deviation_reason": "经集体讨论"}


@pytest.fixture
def decided(tree):
    """Three 情节较轻 beatings at s1 fined 300, 400 and 800 (outside), one at s2 fined 500."""
    for fine in (300, 400, 800):
        case, actor = beating_case(tree["s1"])
        decide_case(
            case, actor, {"outcome": "penalty", "fine": fine, "facts": MINOR_INJURY, **REASON}
        )
    case, actor = beating_case(tree["s2"])
    decide_case(case, actor, {"outcome": "penalty", "fine": 500, "facts": MINOR_INJURY})
    return tree


@pytest.mark.django_db
def test_the_audit_counts_decisions_outside_the_range_per_unit_and_offence(decided):
    report = run_audit(library=LIB)

    rows = {row.unit_id: row for row in report.rows}
    s1 = rows[decided["s1"].pk]
    assert (s1.offence_code, s1.count, s1.outside) == ("za.beat", 3, 1)
    assert (rows[decided["s2"].pk].count, rows[decided["s2"].pk].outside) == (1, 0)
    assert (report.total, report.outside) == (4, 1)


@pytest.mark.django_db
def test_the_audit_shows_the_spread_of_fines_for_like_facts(decided):
    report = run_audit(library=LIB)

    s1 = next(row for row in report.rows if row.unit_id == decided["s1"].pk)
    [spread] = s1.spreads
    assert (spread.tier, spread.fined, spread.min, spread.median, spread.max) == (
        "情节较轻",
        3,
        300.0,
        400.0,
        800.0,
    )
    assert spread.stddev == pytest.approx(np.std([300, 400, 800]))


@pytest.mark.django_db
def test_the_audit_names_the_cases_behind_a_number(decided):
    report = run_audit(library=LIB)

    outside = report.review_ids(unit=decided["s1"].pk, offence="za.beat", outside=True)

    from fazhi.discretion.models import DecisionReview

    assert [DecisionReview.objects.get(pk=i).decided_fine for i in outside] == [Decimal(800)]


@pytest.mark.django_db
def test_the_audit_command_prints_json(decided):
    out = StringIO()

    call_command("discretion", "audit", "--json", stdout=out)

    body = json.loads(out.getvalue())
    assert (body["decided"], body["outside_range"]) == (4, 1)


@pytest.mark.django_db
def test_the_audit_page_is_scoped_to_the_users_units(decided, client, make_user):
    client.force_login(make_user(Role.SUPERVISOR, decided["d2"]))

    page = client.get("/discretion/audit/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "乙区一派出所" in text
    assert "甲区一派出所" not in text


@pytest.mark.django_db
def test_the_audit_page_links_to_the_cases_outside_the_range(decided, client, make_user):
    client.force_login(make_user(Role.LEGAL_OFFICER, decided["city"]))
    unit = decided["s1"].pk

    page = client.get(f"/discretion/audit/cases/?unit={unit}&offence=za.beat&outside=1")

    assert page.status_code == 200
    assert page.content.decode().count("经集体讨论") == 1


@pytest.mark.django_db
def test_an_officer_without_supervision_or_review_may_not_see_the_audit(decided, client, make_user):
    client.force_login(make_user(Role.OFFICER, decided["city"]))

    assert client.get("/discretion/audit/").status_code == 403


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            a_case(),
            st.sampled_from(["penalty", "penalty", "no_penalty"]),
            st.booleans(),
            st.sampled_from([0, 0, 50, 100, 200, 300, 499, 500, 501, 1000, 2000]),
            st.sampled_from([0, 0, 1, 3, 5, 6, 10, 15, 20]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_the_column_range_check_agrees_with_the_single_case_check(drawn):
    cases = [c for c, *_ in drawn]
    result = run(cases)
    inside = within_columns(
        result,
        np.array([d[1] == "penalty" for d in drawn]),
        np.array([d[2] for d in drawn]),
        np.array([float(d[3]) for d in drawn]),
        np.array([float(d[4]) for d in drawn]),
    )

    for index, (case, outcome, warning, fine, days) in enumerate(drawn):
        try:
            decision = decide(
                case["offence"], case["facts"], case["act"], case["decided"], library=LIB
            )
        except InvalidFacts:
            assert not inside[index]
            continue
        decided_ = {"outcome": outcome, "warning": warning, "fine": fine, "detention_days": days}
        assert bool(inside[index]) == within_range(decision, decided_), (case, decided_)

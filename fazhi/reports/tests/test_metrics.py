from decimal import Decimal

import pytest
from django.urls import reverse

from fazhi.cases.tests.factories import at
from fazhi.core import metrics
from fazhi.core.errors import FazhiError
from fazhi.core.metrics import MetricValue, Period
from fazhi.core.roles import Role
from fazhi.supervision import review
from fazhi.supervision.models import CaseReview
from fazhi.supervision.review import Finding
from fazhi.supervision.tests.test_review import CHECKLIST_FILE, closed_cases

pytestmark = pytest.mark.django_db

JAN = Period(at("2026-01-01 00:00").date(), at("2026-01-31 00:00").date())

# Findings that give each grade under the shipped checklist.
GRADE_FINDINGS = {
    "excellent": [],
    "good": [Finding("C03", Decimal(8)), Finding("C04", Decimal(4))],  # 88
    "pass": [Finding("C03", Decimal(8)), Finding("C04", Decimal(8)), Finding("C05", Decimal(8))],
    "fail": [Finding("V05", veto_failed=True)],
}


@pytest.fixture
def reviewed(make_user, tree):
    """甲区: 3 优秀 + 2 良好 + 4 合格 + 1 不合格 in January; noise outside the unit and period."""
    city = make_user(Role.SUPERVISOR, tree["city"])
    checklist = review.load_checklist(CHECKLIST_FILE)
    grades = ["excellent"] * 3 + ["good"] * 2 + ["pass"] * 4 + ["fail"]
    cases = closed_cases(tree["s1"], ["2025-12-20"] * len(grades))
    counted = [
        review.score_case(
            case, checklist, GRADE_FINDINGS[grade], actor=city, at=at(f"2026-01-{i + 10} 09:00")
        )
        for i, (case, grade) in enumerate(zip(cases, grades, strict=True))
    ]
    [late] = closed_cases(tree["s1"], ["2025-12-20"], prefix="L")
    review.score_case(late, checklist, [], actor=city, at=at("2026-02-01 00:00"))
    [other] = closed_cases(tree["s2"], ["2025-12-20"], prefix="O")
    review.score_case(
        other, checklist, GRADE_FINDINGS["fail"], actor=city, at=at("2026-01-10 09:00")
    )
    return counted


def test_the_excellent_rate_counts_excellent_and_good_over_reviewed(tree, reviewed):
    value = metrics.get("case_quality_excellent_rate")(JAN, tree["d1"])
    assert (value.value, value.numerator, value.denominator) == (Decimal("50.0"), 5, 10)
    assert set(value.records) == set(reviewed)


def test_the_pass_rate_counts_all_but_the_unqualified_over_reviewed(tree, reviewed):
    value = metrics.get("case_quality_pass_rate")(JAN, tree["d1"])
    assert (value.value, value.numerator, value.denominator) == (Decimal("90.0"), 9, 10)


def test_the_city_counts_every_district_of_its_subtree(tree, reviewed):
    value = metrics.get("case_quality_excellent_rate")(JAN, tree["city"])
    assert (value.numerator, value.denominator) == (5, 11)
    assert value.value == Decimal("45.5")


def test_a_period_without_reviews_has_no_rate_rather_than_zero(tree, reviewed):
    march = Period(at("2026-03-01 00:00").date(), at("2026-03-31 00:00").date())
    value = metrics.get("case_quality_excellent_rate")(march, tree["d1"])
    assert (value.value, value.denominator, list(value.records)) == (None, 0, [])


def test_the_formula_is_written_on_the_metric():
    metric = metrics.get("case_quality_excellent_rate")
    assert str(metric.formula) == "案件质量优良率 = (优秀 + 良好) / reviewed × 100%"
    assert str(metric.name) == "案件质量优良率"
    assert metric.unit == "%"


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(FazhiError, match="早于起始日") as exc:
        Period(at("2026-02-01 00:00").date(), at("2026-01-01 00:00").date())
    assert exc.value.field == "to"


def test_a_metric_code_cannot_be_registered_twice():
    @metrics.metric("test_metric_once", name="x", formula="x", unit="件")
    def once(period, scope) -> MetricValue:
        return MetricValue(None, 0, 0, CaseReview.objects.none())

    with pytest.raises(ValueError, match="registered twice"):

        @metrics.metric("test_metric_once", name="x", formula="x", unit="件")
        def again(period, scope) -> MetricValue:
            return once(period, scope)

    metrics._REGISTRY.pop("test_metric_once")


def test_percent_rounds_half_up_to_one_decimal():
    assert metrics.percent(1, 8) == Decimal("12.5")
    assert metrics.percent(2, 3) == Decimal("66.7")
    assert metrics.percent(0, 0) is None


def test_the_metric_page_shows_value_formula_and_the_reviews_behind_it(
    client, make_user, tree, reviewed
):
    client.force_login(make_user(Role.SUPERVISOR, tree["d1"]))
    url = reverse("reports:metric", args=["case_quality_excellent_rate"])
    page = client.get(url, {"from": "2026-01-01", "to": "2026-01-31", "unit": tree["d1"].code})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="metric-value">50.0%<' in html
    assert "案件质量优良率 = (优秀 + 良好) / reviewed × 100%" in html
    assert {r.pk for r in page.context["page"]} == {r.pk for r in reviewed}
    assert html.count('data-testid="review-row"') == 10


def test_a_unit_outside_the_users_scope_answers_404(client, make_user, tree, reviewed):
    client.force_login(make_user(Role.SUPERVISOR, tree["d2"]))
    url = reverse("reports:metric", args=["case_quality_excellent_rate"])
    assert client.get(url, {"unit": tree["d1"].code}).status_code == 404


def test_an_unknown_metric_answers_404(client, make_user, tree):
    client.force_login(make_user(Role.SUPERVISOR, tree["d1"]))
    assert client.get(reverse("reports:metric", args=["no_such_metric"])).status_code == 404


def test_the_metric_list_names_both_review_metrics(client, make_user, tree):
    client.force_login(make_user(Role.SUPERVISOR, tree["d1"]))
    html = client.get(reverse("reports:metrics")).content.decode()
    assert "案件质量优良率" in html
    assert "案件质量合格率" in html

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from fazhi.audit.models import AuditEntry
from fazhi.cases.models import Case
from fazhi.cases.tests.factories import at, clerk_for
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.errors import FazhiError, PermissionDeniedError
from fazhi.core.roles import Role
from fazhi.core.rulepacks import RulePackError
from fazhi.supervision import review
from fazhi.supervision.models import CaseReview, ReviewFinding, ReviewGrade
from fazhi.supervision.review import Finding

CHECKLIST_FILE = Path(settings.RULES_DIR) / "review" / "zhian-case-file.yaml"
NOW = at("2026-01-15 10:00")
_SEQUENCE = itertools.count(50000)


@pytest.fixture
def checklist():
    return review.load_checklist(CHECKLIST_FILE)


def closed_cases(unit, closed_on: list[str], *, prefix: str = "C") -> list[Case]:
    """Create closed cases of UNIT directly (no events), closed at noon on each date given."""
    item = EnforcementItemFactory(levels=["district", "station"])
    user = clerk_for(unit)
    return Case.objects.bulk_create(
        Case(
            number=f"{unit.code}-{prefix}{i:04d}",
            unit=unit,
            year=2025,
            sequence=next(_SEQUENCE),
            procedure="zhian-general",
            item=item,
            title="殴打他人",
            source="call",
            act_at=at("2025-03-01 08:00"),
            act_place="解放路",
            status="closed",
            accepted_at=at("2025-03-01 10:00"),
            closed_at=at(f"{day} 12:00"),
            created_by=user,
        )
        for i, day in enumerate(closed_on)
    )


# --- the checklist file -------------------------------------------------------------------


def test_the_shipped_checklist_examples_all_pass():
    results = review.run_review_examples(CHECKLIST_FILE)
    assert len(results) == 6
    assert [r.detail for r in results if not r.passed] == []


def test_the_shipped_checklist_has_80_content_and_20_form_points(checklist):
    assert sum(i.points for i in checklist.section("content")) == 80
    assert sum(i.points for i in checklist.section("form")) == 20
    assert [i.code for i in checklist.section("veto")] == [f"V0{n}" for n in range(1, 10)]
    assert all(item.basis for item in checklist.items)


def test_the_grade_thresholds_are_marked_unverified(checklist):
    assert checklist.unverified is True
    assert [(str(t.grade), t.min_score, t.unverified) for t in checklist.grades] == [
        ("excellent", 90, True),
        ("good", 80, True),
        ("pass", 60, True),
        ("fail", 0, True),
    ]


def test_a_checklist_whose_points_do_not_add_up_to_100_names_the_file(tmp_path):
    data = yaml.safe_load(CHECKLIST_FILE.read_text(encoding="utf-8"))
    data["items"][-1]["points"] = 5
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulePackError, match=r"broken.yaml.*add up to 101, not 100"):
        review.load_checklist(broken)


def test_a_failing_example_is_reported_not_passed(tmp_path):
    data = yaml.safe_load(CHECKLIST_FILE.read_text(encoding="utf-8"))
    data["examples"] = [{"name": "错", "given": {}, "expect": {"score": 99, "grade": "good"}}]
    path = tmp_path / "wrong.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    [result] = review.run_review_examples(path)
    assert result.passed is False
    assert "got {'score': Decimal('100'), 'grade': 'excellent'}" in result.detail


# --- scoring ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deductions", "score", "grade"),
    [
        ({}, 100, ReviewGrade.EXCELLENT),
        ({"C01": "6", "C02": "4"}, 90, ReviewGrade.EXCELLENT),
        ({"C01": "6", "C02": "4.5"}, Decimal("89.5"), ReviewGrade.GOOD),
        ({"C03": "8", "C04": "8", "C05": "4"}, 80, ReviewGrade.GOOD),
        ({"C03": "8", "C04": "8", "C05": "4.5"}, Decimal("79.5"), ReviewGrade.PASS),
        ({"C03": "8", "C04": "8", "C05": "8", "C06": "8", "C07": "8"}, 60, ReviewGrade.PASS),
        ({"C03": "8", "C04": "8", "C05": "8", "C06": "8", "C07": "8", "F01": "1"}, 59, "fail"),
    ],
)
def test_the_grade_follows_from_the_score_and_the_file_thresholds(
    checklist, deductions, score, grade
):
    outcome = review.score_grade(checklist, {k: Decimal(v) for k, v in deductions.items()}, set())
    assert (outcome.score, outcome.grade) == (Decimal(score), grade)


def test_a_veto_failure_makes_a_perfect_file_unqualified_with_score_zero(checklist):
    outcome = review.score_grade(checklist, {}, {"V05"})
    assert (outcome.score, outcome.grade, outcome.veto_failed) == (0, ReviewGrade.FAIL, ("V05",))


def test_a_deduction_above_the_item_points_is_refused_naming_the_item(checklist):
    with pytest.raises(FazhiError, match="C01 扣分 7 不在 0 至该项分值 6 之间") as exc:
        review.score_grade(checklist, {"C01": Decimal(7)}, set())
    assert exc.value.field == "C01"


def test_deducting_points_from_a_veto_item_is_refused(checklist):
    with pytest.raises(FazhiError, match="V01 是否决项"):
        review.score_grade(checklist, {"V01": Decimal(1)}, set())


@given(st.data())
def test_the_score_is_100_minus_the_deductions_and_never_below_zero(data):
    checklist = review.load_checklist(CHECKLIST_FILE)
    point_items = [i for i in checklist.items if not i.is_veto]
    deductions = {
        item.code: Decimal(data.draw(st.integers(0, int(item.points)), label=item.code))
        for item in point_items
    }
    outcome = review.score_grade(checklist, deductions, set())
    assert outcome.score == 100 - sum(deductions.values())
    assert outcome.score >= 0
    floor = next(t.min_score for t in checklist.grades if t.grade == outcome.grade)
    assert outcome.score >= floor


# --- sampling -----------------------------------------------------------------------------


@pytest.fixture
def supervisor(make_user, tree):
    return make_user(Role.SUPERVISOR, tree["d1"])


@pytest.fixture
def population(tree):
    """12 cases of 甲区 closed in January 2025, plus cases the sample must never draw."""
    inside = closed_cases(tree["s1"], [f"2025-01-{d:02d}" for d in range(1, 13)])
    late = closed_cases(tree["s1"], ["2025-02-01"], prefix="L")
    other = closed_cases(tree["s2"], ["2025-01-05"], prefix="O")
    Case.objects.filter(pk=inside[0].pk).update(status="decided")  # not closed
    return {"inside": inside, "late": late, "other": other}


def test_the_same_inputs_draw_the_same_cases(supervisor, tree, population):
    draw = {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 1, 31), "size": 4, "seed": 20250131}
    one = review.draw_sample(tree["d1"], **draw, actor=supervisor, at=NOW)
    two = review.draw_sample(tree["d1"], **draw, actor=supervisor, at=NOW)
    first = set(one.cases.values_list("pk", flat=True))
    assert len(first) == 4
    assert first == set(two.cases.values_list("pk", flat=True))


def test_the_sample_draws_only_closed_cases_of_the_subtree_closed_in_the_period(
    supervisor, tree, population
):
    sample = review.draw_sample(
        tree["d1"], dt.date(2025, 1, 1), dt.date(2025, 1, 31), 100, 7, actor=supervisor, at=NOW
    )
    assert set(sample.cases.values_list("number", flat=True)) == {
        case.number for case in population["inside"][1:]
    }


def test_drawing_a_sample_is_audited_with_its_seed_and_cases(supervisor, tree, population):
    sample = review.draw_sample(
        tree["d1"], dt.date(2025, 1, 1), dt.date(2025, 1, 31), 2, 42, actor=supervisor, at=NOW
    )
    entry = AuditEntry.objects.get(action="supervision.review_sample.draw")
    assert entry.changes["seed"] == 42
    assert entry.changes["candidates"] == 11
    assert sorted(entry.changes["cases"]) == sorted(sample.cases.values_list("pk", flat=True))


def test_a_unit_outside_the_reviewers_scope_cannot_be_sampled(supervisor, tree, population):
    with pytest.raises(PermissionDeniedError):
        review.draw_sample(
            tree["d2"], dt.date(2025, 1, 1), dt.date(2025, 1, 31), 2, 1, actor=supervisor, at=NOW
        )


def test_an_officer_cannot_draw_a_sample(make_user, tree, population):
    officer = make_user(Role.OFFICER, tree["s1"])
    with pytest.raises(PermissionDeniedError):
        review.draw_sample(
            tree["s1"], dt.date(2025, 1, 1), dt.date(2025, 1, 31), 2, 1, actor=officer, at=NOW
        )


# --- storing a review ---------------------------------------------------------------------


def test_scoring_a_case_stores_the_grade_the_findings_and_an_audit_entry(
    supervisor, tree, population, checklist
):
    case = population["inside"][3]
    done = review.score_case(
        case,
        checklist,
        [Finding("C03", Decimal(8), note="第2页未签名"), Finding("F05", Decimal(4))],
        actor=supervisor,
        at=NOW,
    )
    assert (done.score, done.grade, done.checklist, done.checklist_version) == (
        Decimal(88),
        ReviewGrade.GOOD,
        "zhian-case-file",
        1,
    )
    assert list(ReviewFinding.objects.filter(review=done).values_list("item", "deducted")) == [
        ("C03", Decimal(8)),
        ("F05", Decimal(4)),
    ]
    entry = AuditEntry.objects.get(action="supervision.case_review.score")
    assert entry.changes["grade"] == "good"


def test_a_legal_officer_may_review_too(make_user, tree, population, checklist):
    legal = make_user(Role.LEGAL_OFFICER, tree["d1"])
    done = review.score_case(
        population["inside"][3], checklist, [Finding("V09", veto_failed=True)], actor=legal, at=NOW
    )
    assert (done.score, done.grade) == (0, ReviewGrade.FAIL)


def test_a_case_outside_the_scope_cannot_be_reviewed(supervisor, population, checklist):
    with pytest.raises(PermissionDeniedError):
        review.score_case(population["other"][0], checklist, [], actor=supervisor, at=NOW)
    assert CaseReview.objects.count() == 0


# --- pages --------------------------------------------------------------------------------


def test_the_review_form_shows_every_item_with_points_and_basis(client, supervisor, population):
    client.force_login(supervisor)
    case = population["inside"][2]
    page = client.get(reverse("supervision:review_new") + f"?case={case.number}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "《公安机关办理行政案件程序规定》第五十二条" in html
    assert 'name="deduct_C01"' in html
    assert 'max="6"' in html
    assert 'name="veto_V03"' in html


def test_posting_the_review_form_stores_the_review_and_shows_its_grade(
    client, supervisor, population
):
    client.force_login(supervisor)
    case = population["inside"][2]
    response = client.post(
        reverse("supervision:review_new"),
        {"case": case.number, "deduct_C01": "6", "deduct_C02": "6", "note_C02": "缺离开时间"},
    )
    done = CaseReview.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:review", args=[done.pk])
    page = client.get(response["Location"])
    assert page.context["review"].get_grade_display() == "良好"
    assert "缺离开时间" in page.content.decode()


def test_a_deduction_too_large_is_shown_on_the_form_and_nothing_is_stored(
    client, supervisor, population
):
    client.force_login(supervisor)
    case = population["inside"][2]
    page = client.post(reverse("supervision:review_new"), {"case": case.number, "deduct_C01": "9"})
    assert page.status_code == 400
    assert "C01 扣分 9 不在 0 至该项分值 6 之间" in page.content.decode()
    assert CaseReview.objects.count() == 0


def test_a_sample_drawn_on_its_page_lists_its_cases_with_review_links(
    client, supervisor, tree, population
):
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:review_sample_new"),
        {
            "unit": tree["d1"].code,
            "period_start": "2025-01-01",
            "period_end": "2025-01-31",
            "size": "3",
            "seed": "9",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    rows = page.context["rows"]
    assert len(rows) == 3
    case = rows[0][0]
    assert f"?case={case.number}&amp;sample=" in page.content.decode()


def test_an_officer_cannot_open_the_review_pages(client, make_user, tree):
    client.force_login(make_user(Role.OFFICER, tree["s1"]))
    assert client.get(reverse("supervision:reviews")).status_code == 403


def test_the_review_list_shows_only_reviews_of_the_scope(
    client, make_user, tree, population, checklist
):
    city = make_user(Role.SUPERVISOR, tree["city"])
    review.score_case(population["inside"][1], checklist, [], actor=city, at=NOW)
    review.score_case(population["other"][0], checklist, [], actor=city, at=NOW)
    client.force_login(make_user(Role.SUPERVISOR, tree["d2"]))
    page = client.get(reverse("supervision:reviews"))
    assert [r.case.number for r in page.context["page"]] == [population["other"][0].number]
    assert reverse("supervision:reviews") in [url for _l, url, _c in page.context["nav_items"]]


def test_a_closed_case_page_links_a_reviewer_to_the_review_form(client, supervisor, population):
    case = population["inside"][2]
    client.force_login(supervisor)
    html = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert f'href="{reverse("supervision:review_new")}?case={case.number}"' in html


def test_a_case_page_offers_no_review_link_to_an_officer(client, make_user, tree, population):
    case = population["inside"][2]
    client.force_login(make_user(Role.OFFICER, tree["s1"]))
    page = client.get(reverse("cases:detail", args=[case.number]))
    assert page.status_code == 200
    assert 'data-testid="review-case"' not in page.content.decode()

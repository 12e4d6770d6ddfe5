"""The qualification exam in a real browser: a candidate takes a timed exam, reloads midway
(answers and remaining time kept), submits, is marked, and becomes eligible."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fazhi.catalog.eligibility import can_enforce
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.clock import local_day
from fazhi.core.roles import Role
from fazhi.org.models import QualificationLevel
from fazhi.org.tests.factories import UserFactory, build_small_tree
from fazhi.training import exams
from fazhi.training.models import Candidate, PaperQuestion, QuestionKind
from fazhi.training.tests.conftest import make_candidate_officer
from fazhi.training.tests.factories import QuestionFactory
from tests.browser.conftest import CHROMIUM
from tests.browser.test_flows import PASSWORD, csp_errors, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture
def exam(transactional_db):
    tree = build_small_tree()
    manager = UserFactory(username="peixun", role=Role.LEGAL_OFFICER, scope_unit=tree["city"])
    officer = make_candidate_officer(tree["s1"], name="赵警官")
    UserFactory(username="zhao", role=Role.OFFICER, scope_unit=tree["s1"], officer=officer)
    QuestionFactory.create_batch(4)
    QuestionFactory.create_batch(2, multiple=True)
    QuestionFactory.create_batch(1, case=True)
    now = timezone.now()
    sitting = exams.create_sitting(
        code="ZG-LIVE",
        title="中级执法资格考试（在线）",
        level=QualificationLevel.INTERMEDIATE,
        organiser=tree["city"],
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=2),
        duration_minutes=60,
        blueprint=[
            {"subject": "law", "kind": "single", "count": 3},
            {"subject": "law", "kind": "multiple", "count": 2},
            {"subject": "law", "kind": "case", "count": 1},
        ],
        actor=manager,
        paper_seed=7,
    )
    exams.draw_paper(sitting, actor=manager)
    exams.register(sitting, [officer], actor=manager, at=now - dt.timedelta(minutes=10))
    return {"sitting": sitting, "officer": officer, "manager": manager}


def _answer(tab, q: PaperQuestion) -> None:
    for index in q.answer:
        tab.locator(f"#q{q.pk}o{index}").check()
    expect(tab.locator(f"#saved-{q.pk}")).to_contain_text("已保存")


def _remaining(tab) -> int:
    return int(tab.get_by_test_id("exam-timer").get_attribute("data-remaining"))


def test_a_candidate_takes_a_timed_exam_reloads_submits_and_becomes_eligible(
    page, live_server, exam, console_errors
):
    sitting, officer = exam["sitting"], exam["officer"]
    paper = list(PaperQuestion.objects.filter(sitting=sitting).order_by("position"))
    objective = [q for q in paper if q.kind != QuestionKind.CASE]
    case = next(q for q in paper if q.kind == QuestionKind.CASE)

    page.goto("/training/")
    log_in(page, "zhao", PASSWORD)
    expect(page.get_by_test_id("my-sittings")).to_contain_text("中级执法资格考试（在线）")
    page.get_by_test_id("open-exam").click()
    page.get_by_test_id("start-exam").click()
    expect(page.get_by_test_id("question")).to_have_count(len(paper))
    expect(page.get_by_test_id("exam-timer")).to_contain_text(re.compile(r"(59|60):\d\d"))
    first_remaining = _remaining(page)

    for q in objective[:2]:  # half way …
        _answer(page, q)
    page.reload()  # … the page is reloaded: the same attempt, its answers and its clock
    expect(page.get_by_test_id("question")).to_have_count(len(paper))
    for q in objective[:2]:
        for index in q.answer:
            expect(page.locator(f"#q{q.pk}o{index}")).to_be_checked()
    assert _remaining(page) <= first_remaining
    assert _remaining(page) > first_remaining - 120
    candidate = Candidate.objects.get(sitting=sitting)
    assert candidate.deadline_at - candidate.started_at == dt.timedelta(minutes=60)

    for q in objective[2:]:
        _answer(page, q)
    page.locator(f"#saved-{case.pk}").locator("..").locator("textarea").fill(
        "办案民警应具备行政执法资格，且不得少于两人；本案仅一人执法，程序违法。"
    )
    page.locator(f"#saved-{case.pk}").locator("..").locator("textarea").blur()
    expect(page.locator(f"#saved-{case.pk}")).to_contain_text("已保存")
    page.get_by_test_id("submit-exam").click()
    expect(page.get_by_test_id("exam-done")).to_contain_text("成绩待公布")

    # The marker scores the case answer; results are published after the window closes.
    candidate.refresh_from_db()
    assert candidate.objective_score == sum(q.points for q in objective)
    exams.mark_case(candidate, case, Decimal(16), actor=exam["manager"])
    published_at = sitting.closes_at + dt.timedelta(minutes=1)
    exams.publish(sitting, actor=exam["manager"], at=published_at)
    page.reload()
    expect(page.get_by_test_id("exam-passed")).to_be_visible()

    # On the day after publication the officer's record holds 中级 and can_enforce agrees.
    next_day = local_day(published_at) + dt.timedelta(days=1)
    item = EnforcementItemFactory(required_qualification=QualificationLevel.INTERMEDIATE)
    officer.refresh_from_db()
    assert not can_enforce(officer, item, local_day(published_at))
    exams.apply_due_grants(published_at + dt.timedelta(days=1))
    officer.refresh_from_db()
    assert officer.qualification_level == QualificationLevel.INTERMEDIATE
    assert officer.qualification_granted_on == next_day
    assert can_enforce(officer, item, next_day)
    page.goto("/training/")
    expect(page.get_by_test_id("my-qualification")).to_contain_text("中级")
    assert csp_errors(console_errors) == []

import datetime as dt
import random
from decimal import Decimal

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fazhi.audit.models import AuditEntry
from fazhi.catalog.eligibility import can_enforce
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.errors import FrozenRecord, PermissionDeniedError
from fazhi.org.models import QualificationLevel
from fazhi.training import exams
from fazhi.training.models import (
    Answer,
    Candidate,
    CandidateStatus,
    PaperQuestion,
    QualificationGrant,
    Question,
    QuestionKind,
)
from fazhi.training.tests.conftest import make_candidate_officer
from fazhi.training.tests.factories import BLUEPRINT, QuestionFactory, local


def _take(world, picks=None, at=None):
    """Start and answer every objective question right (or as PICKS says) and submit."""
    at = at or local("2026-09-10", 9, 5)
    candidate = Candidate.objects.get(sitting=world.sitting, officer=world.officer)
    candidate = exams.start(candidate, actor=world.user, at=at)
    for q in PaperQuestion.objects.filter(sitting=world.sitting).order_by("position"):
        if q.kind == QuestionKind.CASE:
            continue
        choice = (picks or {}).get(q.position, q.answer)
        exams.give_answer(
            candidate, q, choice=choice, actor=world.user, at=at + dt.timedelta(minutes=1)
        )
    return exams.submit(candidate, actor=world.user, at=at + dt.timedelta(minutes=30))


# --- the paper ------------------------------------------------------------------------------------


def test_the_same_bank_and_seed_draw_the_same_paper(world):
    bank = list(Question.objects.filter(level=QualificationLevel.INTERMEDIATE))
    rows = exams.parse_blueprint(BLUEPRINT)
    first = [q.code for q in exams.draw(bank, rows, 20260910)]
    again = [q.code for q in exams.draw(list(reversed(bank)), rows, 20260910)]
    stored = list(
        PaperQuestion.objects.filter(sitting=world.sitting)
        .order_by("position")
        .values_list("question__code", flat=True)
    )
    assert first == again == stored
    assert len(stored) == 8
    assert [q.kind for q in exams.draw(bank, rows, 1)].count("single") == 4


def test_a_blueprint_the_bank_cannot_fill_is_refused_naming_the_row(world):
    bank = list(Question.objects.filter(level=QualificationLevel.INTERMEDIATE))
    rows = exams.parse_blueprint([{"subject": "law", "kind": "case", "count": 3}])
    with pytest.raises(exams.ExamError, match="只有 1 题，组卷方案需要 3 题"):
        exams.draw(bank, rows, 1)


def test_a_drawn_paper_is_a_copy_the_bank_cannot_change(world):
    paper = PaperQuestion.objects.filter(sitting=world.sitting).first()
    Question.objects.filter(pk=paper.question_id).update(answer=[3], stem="改过的题干")
    paper.refresh_from_db()
    assert paper.stem != "改过的题干"
    with pytest.raises(exams.ExamError, match="不能重新抽取"):
        exams.draw_paper(world.sitting, actor=world.manager)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**48))
def test_each_candidate_sees_a_shuffle_of_the_whole_paper_reproducible_from_the_seed(world, seed):
    paper = list(PaperQuestion.objects.filter(sitting=world.sitting))
    candidate = Candidate(seed=seed)
    shown = exams.candidate_paper(candidate, paper)
    assert sorted(s.question.pk for s in shown) == sorted(q.pk for q in paper)
    for s in shown:
        assert sorted(s.option_order) == list(range(len(s.question.options)))
    again = exams.candidate_paper(candidate, list(reversed(paper)))
    assert [(s.question.pk, s.option_order) for s in again] == [
        (s.question.pk, s.option_order) for s in shown
    ]


def test_the_candidate_seed_is_recorded_at_registration(world):
    candidate = Candidate.objects.get(sitting=world.sitting, officer=world.officer)
    assert candidate.seed == exams.candidate_seed(world.sitting, world.officer)
    assert candidate.eligibility["held_level"] == QualificationLevel.BASIC


# --- registration ---------------------------------------------------------------------------------


def test_registration_refuses_the_ineligible_with_every_reason(world):
    junior = make_candidate_officer(world.units["s1"], joined=dt.date(2025, 1, 1))
    out = exams.register(
        world.sitting, [junior, world.officer], actor=world.manager, at=local("2026-09-02")
    )
    assert [r.code for r in out.refused[junior.pk]] == ["service_years"]
    assert out.already == [world.officer.pk]
    assert not Candidate.objects.filter(officer=junior).exists()


def test_registration_closes_when_the_exam_opens(world):
    other = make_candidate_officer(world.units["s1"])
    with pytest.raises(exams.ExamError, match="不能再报名"):
        exams.register(world.sitting, [other], actor=world.manager, at=local("2026-09-10", 9))


# --- the attempt ----------------------------------------------------------------------------------


def test_one_attempt_per_candidate_per_sitting(world):
    candidate = _take(world)
    with pytest.raises(exams.ExamError, match="只能作答一次"):
        exams.start(candidate, actor=world.user, at=local("2026-09-10", 10))


def test_a_reload_keeps_the_attempt_and_its_server_deadline(world):
    candidate = Candidate.objects.get(sitting=world.sitting)
    first = exams.start(candidate, actor=world.user, at=local("2026-09-10", 9, 5))
    again = exams.start(candidate, actor=world.user, at=local("2026-09-10", 9, 40))
    assert again.deadline_at == first.deadline_at == local("2026-09-10", 10, 5)
    assert again.remaining_seconds(local("2026-09-10", 9, 40)) == 25 * 60


def test_the_deadline_never_passes_the_window_end(world):
    candidate = Candidate.objects.get(sitting=world.sitting)
    started = exams.start(candidate, actor=world.user, at=local("2026-09-10", 11, 30))
    assert started.deadline_at == local("2026-09-10", 12)


def test_the_exam_cannot_start_outside_its_window(world):
    candidate = Candidate.objects.get(sitting=world.sitting)
    with pytest.raises(exams.ExamError, match="不在考试时间内"):
        exams.start(candidate, actor=world.user, at=local("2026-09-10", 8, 59))


def test_only_the_candidate_may_answer(world):
    candidate = Candidate.objects.get(sitting=world.sitting)
    with pytest.raises(PermissionDeniedError):
        exams.start(candidate, actor=world.manager, at=local("2026-09-10", 9, 5))


def test_answers_are_append_only_and_the_last_before_the_deadline_counts(world):
    candidate = exams.start(
        Candidate.objects.get(sitting=world.sitting), actor=world.user, at=local("2026-09-10", 9)
    )
    q = PaperQuestion.objects.filter(sitting=world.sitting, kind="single").first()
    wrong = [(q.answer[0] + 1) % 4]
    first = exams.give_answer(
        candidate, q, choice=wrong, actor=world.user, at=local("2026-09-10", 9, 1)
    )
    exams.give_answer(candidate, q, choice=q.answer, actor=world.user, at=local("2026-09-10", 9, 2))
    first.choice = q.answer
    with pytest.raises(FrozenRecord):
        first.save()
    with pytest.raises(exams.ExamError, match="不能再作答"):
        exams.give_answer(
            candidate, q, choice=wrong, actor=world.user, at=local("2026-09-10", 10, 0)
        )
    assert Answer.objects.filter(candidate=candidate).count() == 2
    assert exams.result_of(candidate).objective == q.points
    assert AuditEntry.objects.filter(action="training.exam.answer").count() == 2


def test_a_single_choice_takes_one_option(world):
    candidate = exams.start(
        Candidate.objects.get(sitting=world.sitting), actor=world.user, at=local("2026-09-10", 9)
    )
    q = PaperQuestion.objects.filter(sitting=world.sitting, kind="single").first()
    with pytest.raises(exams.ExamError, match="只能选择一项"):
        exams.give_answer(
            candidate, q, choice=[0, 1], actor=world.user, at=local("2026-09-10", 9, 1)
        )
    with pytest.raises(exams.ExamError, match="选项无效"):
        exams.give_answer(candidate, q, choice=[7], actor=world.user, at=local("2026-09-10", 9, 1))


# --- marking --------------------------------------------------------------------------------------


def test_objective_questions_are_marked_on_submission(world):
    candidate = _take(world)
    assert candidate.status == CandidateStatus.MARKED
    assert candidate.score == candidate.full_marks == 2 * 8
    assert candidate.passed is True


def test_a_multiple_choice_scores_only_when_exactly_right(world):
    multiple = PaperQuestion.objects.filter(sitting=world.sitting, kind="multiple").first()
    candidate = _take(world, picks={multiple.position: [multiple.answer[0]]})
    assert candidate.score == 14


paper_st = st.lists(
    st.tuples(
        st.sampled_from(["single", "multiple", "true_false"]),
        st.lists(st.integers(0, 3), min_size=1, max_size=3, unique=True),
        st.integers(1, 5),
    ),
    min_size=1,
    max_size=12,
)


@given(
    paper=paper_st,
    answers=st.lists(
        st.tuples(
            st.integers(0, 11),
            st.lists(st.integers(0, 3), max_size=3, unique=True),
            st.integers(0, 120),
        ),
        max_size=40,
    ),
    seed=st.integers(0, 1000),
)
def test_marking_is_reproducible_from_the_stored_answers_in_any_order(paper, answers, seed):
    rows = [(i, kind, right, pts) for i, (kind, right, pts) in enumerate(paper)]
    start = local("2026-09-10", 9)
    deadline = start + dt.timedelta(minutes=60)
    stored = [
        (n, qid % len(rows), choice, "", start + dt.timedelta(minutes=m))
        for n, (qid, choice, m) in enumerate(answers)
    ]
    shuffled = list(stored)
    random.Random(seed).shuffle(shuffled)  # noqa: S311
    first = exams.score(rows, exams.final_answers(stored, deadline), {})
    again = exams.score(rows, exams.final_answers(shuffled, deadline), {})
    assert first == again
    assert 0 <= first.objective <= first.full == sum(r[3] for r in rows)
    counted = exams.final_answers(stored, deadline)
    expected = sum(
        pts
        for qid, kind, right, pts in rows
        if qid in counted and sorted(counted[qid][0]) == sorted(right)
    )
    assert first.objective == expected


def test_the_stored_results_equal_a_recomputation_from_the_answers(world):
    _take(world, picks={1: [0], 2: [3]})
    stored = Candidate.objects.get(sitting=world.sitting)
    exams.mark_sitting(world.sitting, at=local("2026-09-10", 13))
    again = Candidate.objects.get(sitting=world.sitting)
    assert (stored.score, stored.passed) == (again.score, again.passed)
    assert exams.result_of(again).total == again.score


def test_a_case_answer_waits_for_the_marker_and_is_capped_by_its_points(tree):
    from fazhi.core.roles import Role
    from fazhi.org.tests.factories import UserFactory
    from fazhi.training.tests.conftest import World

    manager = UserFactory(username="m2", role=Role.LEGAL_OFFICER, scope_unit=tree["city"])
    officer = make_candidate_officer(tree["s1"])
    user = UserFactory(username="c2", role=Role.OFFICER, scope_unit=tree["s1"], officer=officer)
    QuestionFactory.create_batch(2, case=True)
    sitting = exams.create_sitting(
        code="CASE-1",
        title="案例",
        level=2,
        organiser=tree["city"],
        opens_at=local("2026-09-10", 9),
        closes_at=local("2026-09-10", 12),
        duration_minutes=60,
        blueprint=[{"subject": "law", "kind": "case", "count": 1}],
        actor=manager,
        paper_seed=1,
    )
    exams.draw_paper(sitting, actor=manager)
    exams.register(sitting, [officer], actor=manager, at=local("2026-09-01"))
    world = World(tree, manager, officer, user, sitting)
    candidate = exams.start(
        Candidate.objects.get(sitting=sitting), actor=user, at=local("2026-09-10", 9)
    )
    q = PaperQuestion.objects.get(sitting=sitting)
    exams.give_answer(
        candidate,
        q,
        text="应由两名具有执法资格的民警实施。",
        actor=user,
        at=local("2026-09-10", 9, 10),
    )
    candidate = exams.submit(candidate, actor=user, at=local("2026-09-10", 9, 20))
    assert candidate.status == CandidateStatus.SUBMITTED
    assert candidate.score is None
    with pytest.raises(exams.ExamError, match="0 至 20"):
        exams.mark_case(candidate, q, Decimal(21), actor=world.manager, at=local("2026-09-10", 13))
    with pytest.raises(exams.ExamError, match="案例分析题未评分"):
        exams.publish(sitting, actor=manager, at=local("2026-09-10", 13))
    exams.mark_case(candidate, q, Decimal(10), actor=manager, at=local("2026-09-10", 13))
    candidate = exams.mark_case(
        candidate, q, Decimal(15), actor=manager, at=local("2026-09-10", 14), note="复核"
    )
    assert (candidate.score, candidate.passed) == (Decimal(15), True)  # 75% ≥ 70%


# --- publication and the qualification ------------------------------------------------------------


def test_passing_the_intermediate_exam_makes_the_officer_eligible_the_day_after_publication(world):
    item = EnforcementItemFactory(required_qualification=QualificationLevel.INTERMEDIATE)
    basic = EnforcementItemFactory(required_qualification=QualificationLevel.BASIC)
    _take(world)
    with time_machine.travel(local("2026-09-15", 10), tick=False):
        grants = exams.publish(world.sitting, actor=world.manager)
        assert exams.apply_due_grants() == 0  # granted from tomorrow
        world.officer.refresh_from_db()
        assert not can_enforce(world.officer, item, dt.date(2026, 9, 15))
        assert can_enforce(world.officer, basic, dt.date(2026, 9, 15))  # the old level holds today
    assert [(g.granted_on, g.expires_on) for g in grants] == [
        (dt.date(2026, 9, 16), dt.date(2029, 9, 15))
    ]
    with time_machine.travel(local("2026-09-16", 0, 5), tick=False):
        from fazhi.core import warnings

        warnings.sweep(local("2026-09-16", 0, 5))  # the periodic sweep applies the grant
    world.officer.refresh_from_db()
    assert world.officer.qualification_level == QualificationLevel.INTERMEDIATE
    assert (world.officer.qualification_granted_on, world.officer.qualification_expires_on) == (
        dt.date(2026, 9, 16),
        dt.date(2029, 9, 15),
    )
    assert can_enforce(world.officer, item, dt.date(2026, 9, 16))
    update = AuditEntry.objects.get(action="officer.update", object_id=str(world.officer.pk))
    assert update.actor == world.manager
    assert update.changes["qualification_level"] == [1, 2]
    assert QualificationGrant.objects.get().applied_at is not None


def test_failing_keeps_only_the_old_level_with_its_own_expiry(world):
    wrong = {
        q.position: [(q.answer[0] + 1) % len(q.options)]
        for q in PaperQuestion.objects.filter(sitting=world.sitting)
    }
    candidate = _take(world, picks=wrong)
    assert candidate.passed is False
    with time_machine.travel(local("2026-09-15", 10), tick=False):
        assert exams.publish(world.sitting, actor=world.manager) == []
        exams.apply_due_grants(local("2026-09-20"))
    world.officer.refresh_from_db()
    candidate.refresh_from_db()
    assert world.officer.qualification_level == QualificationLevel.BASIC
    assert world.officer.qualification_expires_on == dt.date(2027, 12, 31)
    assert candidate.outcome["result"] == "not_granted"
    assert candidate.outcome["previous"]["expires_on"] == "2027-12-31"


def test_an_absent_candidate_is_published_as_not_passed(world):
    with time_machine.travel(local("2026-09-15", 10), tick=False):
        exams.publish(world.sitting, actor=world.manager)
    candidate = Candidate.objects.get(sitting=world.sitting)
    assert (candidate.status, candidate.passed) == (CandidateStatus.MARKED, False)


def test_results_cannot_be_published_before_the_window_ends(world):
    with pytest.raises(exams.ExamError, match="考试截止后"):
        exams.publish(world.sitting, actor=world.manager, at=local("2026-09-10", 11))


def test_the_set_wise_marking_agrees_with_the_recomputation_for_every_candidate(world):
    candidate = exams.start(
        Candidate.objects.get(sitting=world.sitting), actor=world.user, at=local("2026-09-10", 9)
    )
    paper = list(PaperQuestion.objects.filter(sitting=world.sitting).order_by("position"))
    right, changed, late = paper[0], paper[1], paper[2]
    at = local("2026-09-10", 9, 1)
    exams.give_answer(candidate, right, choice=right.answer, actor=world.user, at=at)
    exams.give_answer(candidate, changed, choice=changed.answer, actor=world.user, at=at)
    wrong = [(changed.answer[0] + 1) % len(changed.options)]
    exams.give_answer(candidate, changed, choice=wrong, actor=world.user, at=at)  # same instant
    # A row stamped after the deadline (never accepted by give_answer) must not count either way.
    Answer.objects.create(
        candidate=candidate, question=late, choice=late.answer, at=local("2026-09-10", 10, 30)
    )
    exams.submit(candidate, actor=world.user, at=local("2026-09-10", 9, 30))
    exams.mark_sitting(world.sitting, at=local("2026-09-10", 13))
    stored = Candidate.objects.get(pk=candidate.pk)
    assert stored.objective_score == exams.result_of(stored).objective == right.points


def test_the_training_department_may_change_only_the_qualification_fields(world):
    from fazhi.org.officers import update_officer

    with pytest.raises(PermissionDeniedError):
        update_officer(world.officer, {"name": "改名"}, actor=world.manager)
    with pytest.raises(PermissionDeniedError):
        update_officer(world.officer, {"qualification_level": 3}, actor=world.user)
    update_officer(world.officer, {"qualification_level": 2}, actor=world.manager)
    world.officer.refresh_from_db()
    assert world.officer.qualification_level == 2

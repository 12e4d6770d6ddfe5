"""The training endpoints under /api/v1/training/: courses, plans with their coverage, exam
sittings and their results, the candidate's own attempt, and the training warnings.

Scoped like the pages: a sitting, plan or candidate outside the caller's scope answers 404. The
candidate endpoints (``/me/…``) serve only the caller's own attempts, and the paper only while
the attempt runs; refusals (out of the window, a second attempt, a late answer) answer 422 with
``{code, detail, field}`` (mapped once, in fazhi/api.py).
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from fazhi.core.api_errors import ErrorOut
from fazhi.core.errors import PermissionDeniedError
from fazhi.core.roles import Capability
from fazhi.org.models import User
from fazhi.training import alerts, courses, exams
from fazhi.training.models import Candidate, Course, PaperQuestion, TrainingPlan

router = Router(tags=["training"])


def _user(request: HttpRequest, *capabilities: Capability) -> User:
    user = request.user
    if not isinstance(user, User) or not any(user.has_capability(c) for c in capabilities):
        raise PermissionDeniedError(_("您的角色无权进行此操作。"))
    return user


class CourseOut(Schema):
    code: str
    title: str
    subject: str
    subject_label: str
    hours: Decimal
    citations: list[str]


@router.get("/courses", response=list[CourseOut])
def list_courses(request: HttpRequest) -> list[dict[str, Any]]:
    _user(request, Capability.MANAGE_TRAINING, Capability.SUPERVISE)
    return [
        {
            "code": c.code,
            "title": c.title,
            "subject": c.subject,
            "subject_label": c.get_subject_display(),
            "hours": c.hours,
            "citations": c.citations,
        }
        for c in Course.objects.order_by("code")
    ]


class PlanOut(Schema):
    id: int
    year: int
    title: str
    unit_code: str
    courses: int
    required: int
    completed: int
    rate: Decimal | None


@router.get("/plans", response=list[PlanOut])
def list_plans(request: HttpRequest) -> list[dict[str, Any]]:
    """Each plan of the caller's scope with its coverage today (officer-course pairs)."""
    user = _user(request, Capability.MANAGE_TRAINING, Capability.SUPERVISE)
    today = timezone.localdate()
    rows = []
    for plan in TrainingPlan.objects.visible_to(user).select_related("unit"):
        cells = courses.coverage(plan, [plan.unit], today)
        required = sum(c.required for c in cells.values())
        completed = sum(c.completed for c in cells.values())
        rows.append(
            {
                "id": plan.pk,
                "year": plan.year,
                "title": plan.title,
                "unit_code": plan.unit.code,
                "courses": plan.items.count(),
                "required": required,
                "completed": completed,
                "rate": courses.CoverageCell(required, completed).rate,
            }
        )
    return rows


class SittingOut(Schema):
    code: str
    title: str
    level: int
    level_label: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    duration_minutes: int
    pass_mark: Decimal
    rules_version: str
    status: str
    published_at: dt.datetime | None


def _sitting_row(s: Any) -> dict[str, Any]:
    return {
        "code": s.code,
        "title": s.title,
        "level": s.level,
        "level_label": s.get_level_display(),
        "opens_at": s.opens_at,
        "closes_at": s.closes_at,
        "duration_minutes": s.duration_minutes,
        "pass_mark": s.pass_mark,
        "rules_version": s.rules_version,
        "status": s.status,
        "published_at": s.published_at,
    }


@router.get("/sittings", response=list[SittingOut])
def list_sittings(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request, Capability.MANAGE_TRAINING)
    return [_sitting_row(s) for s in exams.visible_sittings(user).order_by("-opens_at")]


class CandidateOut(Schema):
    police_number: str
    officer_name: str
    unit_code: str
    status: str
    objective_score: Decimal | None
    case_score: Decimal | None
    score: Decimal | None
    full_marks: int
    passed: bool | None
    outcome: dict[str, Any]


class SittingDetailOut(SittingOut):
    candidates: list[CandidateOut]


def _candidate_row(c: Candidate) -> dict[str, Any]:
    return {
        "police_number": c.officer.police_number,
        "officer_name": c.officer.name,
        "unit_code": c.unit.code,
        "status": c.status,
        "objective_score": c.objective_score,
        "case_score": c.case_score,
        "score": c.score,
        "full_marks": c.full_marks,
        "passed": c.passed,
        "outcome": c.outcome,
    }


@router.get("/sittings/{code}", response=SittingDetailOut)
def get_sitting(request: HttpRequest, code: str) -> dict[str, Any]:
    user = _user(request, Capability.MANAGE_TRAINING)
    sitting = get_object_or_404(exams.visible_sittings(user), code=code)
    candidates = (
        Candidate.objects.visible_to(user)
        .filter(sitting=sitting)
        .select_related("officer", "unit")
        .order_by("officer__police_number")
    )
    return {**_sitting_row(sitting), "candidates": [_candidate_row(c) for c in candidates]}


@router.post("/sittings/{code}/publish", response={200: SittingDetailOut, 422: ErrorOut})
def publish_sitting(request: HttpRequest, code: str) -> dict[str, Any]:
    """Publish the results: passers are granted the level from the day after (422 if a case
    answer awaits its mark, or the window has not ended)."""
    user = _user(request, Capability.MANAGE_TRAINING)
    sitting = get_object_or_404(exams.visible_sittings(user), code=code)
    exams.publish(sitting, actor=user)
    return get_sitting(request, code)


# --- the candidate's own attempt ---------------------------------------------------------------


class MyCandidacyOut(Schema):
    id: int
    sitting: SittingOut
    status: str
    deadline_at: dt.datetime | None
    remaining_seconds: int
    score: Decimal | None = None
    passed: bool | None = None


def _mine(request: HttpRequest, candidate_id: int) -> tuple[User, Candidate]:
    user = _user(request, Capability.TAKE_EXAMS)
    if user.officer_id is None:
        raise Http404
    candidate = get_object_or_404(
        Candidate.objects.select_related("sitting"), pk=candidate_id, officer_id=user.officer_id
    )
    return user, candidate


def _my_row(c: Candidate, now: dt.datetime) -> dict[str, Any]:
    published = c.sitting.status == "published"
    return {
        "id": c.pk,
        "sitting": _sitting_row(c.sitting),
        "status": c.status,
        "deadline_at": c.deadline_at,
        "remaining_seconds": c.remaining_seconds(now) if c.can_answer(now) else 0,
        "score": c.score if published else None,
        "passed": c.passed if published else None,
    }


@router.get("/me/exams", response=list[MyCandidacyOut])
def my_exams(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request, Capability.TAKE_EXAMS)
    if user.officer is None:
        return []
    now = timezone.now()
    return [_my_row(c, now) for c in exams.mine(user.officer)]


class ShownQuestionOut(Schema):
    number: int
    question_id: int
    kind: str
    stem: str
    points: int
    options: list[tuple[int, str]]  # (option index to answer with, text), in the order shown


@router.post("/me/exams/{candidate_id}/start", response={200: MyCandidacyOut, 422: ErrorOut})
def start_exam(request: HttpRequest, candidate_id: int) -> dict[str, Any]:
    user, candidate = _mine(request, candidate_id)
    candidate = exams.start(candidate, actor=user)
    return _my_row(candidate, timezone.now())


@router.get("/me/exams/{candidate_id}/paper", response={200: list[ShownQuestionOut], 422: ErrorOut})
def my_paper(request: HttpRequest, candidate_id: int) -> list[dict[str, Any]]:
    """The paper in the caller's own order, only while the attempt runs."""
    candidate = _mine(request, candidate_id)[1]
    if not candidate.can_answer(timezone.now()):
        raise exams.ExamError(_("试卷只在作答期间可见。"), field="status")
    shown = exams.candidate_paper(
        candidate, list(PaperQuestion.objects.filter(sitting=candidate.sitting))
    )
    return [
        {
            "number": s.number,
            "question_id": s.question.pk,
            "kind": s.question.kind,
            "stem": s.question.stem,
            "points": s.question.points,
            "options": [(i, s.question.options[i]) for i in s.option_order],
        }
        for s in shown
    ]


class AnswerIn(Schema):
    question_id: int
    choice: list[int] = Field(default_factory=list)
    text: str = ""


class AnswerOut(Schema):
    question_id: int
    choice: list[int]
    at: dt.datetime


@router.post("/me/exams/{candidate_id}/answers", response={201: AnswerOut, 422: ErrorOut})
def answer(
    request: HttpRequest, candidate_id: int, payload: AnswerIn
) -> tuple[int, dict[str, Any]]:
    user, candidate = _mine(request, candidate_id)
    question = get_object_or_404(PaperQuestion, pk=payload.question_id, sitting=candidate.sitting)
    row = exams.give_answer(
        candidate, question, choice=payload.choice, text=payload.text, actor=user
    )
    return 201, {"question_id": question.pk, "choice": row.choice, "at": row.at}


@router.post("/me/exams/{candidate_id}/submit", response={200: MyCandidacyOut, 422: ErrorOut})
def submit_exam(request: HttpRequest, candidate_id: int) -> dict[str, Any]:
    user, candidate = _mine(request, candidate_id)
    candidate = exams.submit(candidate, actor=user)
    return _my_row(candidate, timezone.now())


class TrainingWarningOut(Schema):
    rule: str
    name: str
    level: str
    basis: str
    police_number: str
    officer_name: str
    unit_code: str
    expires_on: dt.date | None
    opened_at: dt.datetime


@router.get("/warnings", response=list[TrainingWarningOut])
def list_warnings(request: HttpRequest) -> list[dict[str, Any]]:
    """Open qualification and plan warnings of the caller's scope."""
    user = _user(
        request, Capability.MANAGE_TRAINING, Capability.SUPERVISE, Capability.VIEW_SCOPED_DATA
    )
    return [
        {
            "rule": w.rule,
            "name": w.name,
            "level": w.level,
            "basis": w.basis,
            "police_number": w.officer.police_number,
            "officer_name": w.officer.name,
            "unit_code": w.officer.unit.code,
            "expires_on": w.officer.qualification_expires_on,
            "opened_at": w.opened_at,
        }
        for w in alerts.visible_warnings(user)[:500]
    ]

"""The candidate's pages (我的培训与考试, the exam) and the training department's sitting pages.

Thin: each view reads the request, calls one function of ``exams`` and renders. The exam page is
the candidate's alone and shows the paper only while the attempt runs (the server's deadline);
each answer is posted by htmx as it is given and stored at once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhi.core.access import requires
from fazhi.core.clock import SHANGHAI, local_day
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Capability
from fazhi.org.models import Officer, QualificationLevel, Unit
from fazhi.org.officers import qualification_state
from fazhi.training import alerts, exams
from fazhi.training.models import (
    Answer,
    Candidate,
    CandidateStatus,
    CaseMark,
    Enrolment,
    PaperQuestion,
    QuestionKind,
    Sitting,
    Subject,
)


def _officer(request: HttpRequest) -> Officer:
    officer: Officer | None = getattr(request.user, "officer", None)
    if officer is None:
        raise Http404(_("您的账号没有对应的民警。"))
    return officer


@requires(Capability.TAKE_EXAMS)
def mine(request: HttpRequest) -> HttpResponse:
    officer = _officer(request)
    today = timezone.localdate()
    context = {
        "officer": officer,
        "state": qualification_state(officer, today),
        "candidacies": exams.mine(officer),
        "warnings": alerts.officer_warnings(officer),
        "enrolments": Enrolment.objects.filter(officer=officer)
        .select_related("session", "session__course")
        .order_by("-session__starts_on"),
        "now": timezone.now(),
    }
    return render(request, "training/mine.html", context)


def _own_candidate(request: HttpRequest, candidate_id: int) -> Candidate:
    officer = _officer(request)
    candidate: Candidate = get_object_or_404(
        Candidate.objects.select_related("sitting", "officer"), pk=candidate_id, officer=officer
    )
    return candidate


def _answers(candidate: Candidate) -> dict[int, Answer]:
    last: dict[int, Answer] = {}
    for answer in Answer.objects.filter(candidate=candidate).order_by("at", "id"):
        last[answer.question_id] = answer
    return last


@requires(Capability.TAKE_EXAMS)
def exam(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = _own_candidate(request, candidate_id)
    now = timezone.now()
    if candidate.status == CandidateStatus.STARTED and not candidate.can_answer(now):
        exams.close_overdue(candidate.sitting, now)
        candidate.refresh_from_db()
    context: dict[str, Any] = {
        "candidate": candidate,
        "sitting": candidate.sitting,
        "now": now,
        "open": candidate.sitting.is_open(now),
    }
    if candidate.can_answer(now):  # the paper: only while the attempt runs
        shown = exams.candidate_paper(
            candidate, list(PaperQuestion.objects.filter(sitting=candidate.sitting))
        )
        given = _answers(candidate)
        context["questions"] = [
            {
                "number": s.number,
                "q": s.question,
                "options": [
                    (i, s.question.options[i], chr(65 + n)) for n, i in enumerate(s.option_order)
                ],
                "chosen": set(given[s.question.pk].choice) if s.question.pk in given else set(),
                "text": given[s.question.pk].text if s.question.pk in given else "",
                "multiple": s.question.kind == QuestionKind.MULTIPLE,
                "case": s.question.kind == QuestionKind.CASE,
            }
            for s in shown
        ]
        context["remaining"] = candidate.remaining_seconds(now)
        context["answered"] = len(given)
    return render(request, "training/exam.html", context)


@requires(Capability.TAKE_EXAMS)
@require_POST
def exam_start(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = _own_candidate(request, candidate_id)
    try:
        exams.start(candidate, actor=request.user)
    except FazhiError as error:
        messages.error(request, str(error))
    return redirect("training:exam", candidate_id=candidate.pk)


@requires(Capability.TAKE_EXAMS)
@require_POST
def exam_answer(request: HttpRequest, candidate_id: int, question_id: int) -> HttpResponse:
    candidate = _own_candidate(request, candidate_id)
    question = get_object_or_404(PaperQuestion, pk=question_id, sitting=candidate.sitting)
    try:
        row = exams.give_answer(
            candidate,
            question,
            choice=[int(c) if c.isdigit() else -1 for c in request.POST.getlist("choice")],
            text=request.POST.get("text", ""),
            actor=request.user,
        )
    except FazhiError as error:
        return render(
            request, "training/_saved.html", {"error": str(error), "question": question}, status=422
        )
    return render(request, "training/_saved.html", {"answer": row, "question": question})


@requires(Capability.TAKE_EXAMS)
@require_POST
def exam_submit(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = _own_candidate(request, candidate_id)
    try:
        exams.submit(candidate, actor=request.user)
    except FazhiError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已交卷。"))
    return redirect("training:exam", candidate_id=candidate.pk)


# --- the training department: sittings ----------------------------------------------------------


@requires(Capability.MANAGE_TRAINING)
def sittings(request: HttpRequest) -> HttpResponse:
    rows = (
        exams.visible_sittings(request.user)
        .annotate(
            n_candidates=Count("candidates", distinct=True),
            n_passed=Count("candidates", filter=Q(candidates__passed=True), distinct=True),
        )
        .order_by("-opens_at")
    )
    return render(
        request,
        "training/sittings.html",
        {
            "sittings": rows,
            "levels": QualificationLevel.choices,
            "subjects": Subject.choices,
            "kinds": QuestionKind.choices,
            "now": timezone.now(),
        },
    )


def _local_input(value: str, field: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FazhiError(
            _("%(field)s 的值 %(value)s 不是有效的日期时间。") % {"field": field, "value": value},
            field=field,
        ) from None
    return parsed.replace(tzinfo=SHANGHAI) if parsed.tzinfo is None else parsed


@requires(Capability.MANAGE_TRAINING)
@require_POST
def sitting_create(request: HttpRequest) -> HttpResponse:
    post = request.POST
    blueprint = []
    for subject, _label in Subject.choices:
        for kind, _kind_label in QuestionKind.choices:
            raw = post.get(f"count_{subject}_{kind}", "").strip()
            if raw and raw != "0":
                blueprint.append(
                    {"subject": subject, "kind": kind, "count": int(raw) if raw.isdigit() else -1}
                )
    try:
        sitting = exams.create_sitting(
            code=post.get("code", "").strip(),
            title=post.get("title", "").strip(),
            level=int(post.get("level", "0") or 0),
            organiser=_scope_unit(request),
            opens_at=_local_input(post.get("opens_at", ""), _("开考时间")),
            closes_at=_local_input(post.get("closes_at", ""), _("截止时间")),
            duration_minutes=int(post.get("duration_minutes", "0") or 0),
            blueprint=blueprint,
            actor=request.user,
        )
    except (FazhiError, ValueError, LookupError) as error:
        messages.error(request, str(error))
        return redirect("training:sittings")
    messages.success(request, _("已创建考试场次。"))
    return redirect("training:sitting", code=sitting.code)


def _scope_unit(request: HttpRequest) -> Unit:
    unit: Unit | None = getattr(request.user, "scope_unit", None)
    if unit is None:
        raise FazhiError(_("您的账号没有数据范围，不能组织考试。"), field="organiser")
    return unit


def _sitting(request: HttpRequest, code: str) -> Sitting:
    sitting: Sitting = get_object_or_404(exams.visible_sittings(request.user), code=code)
    return sitting


@requires(Capability.MANAGE_TRAINING)
def sitting_detail(request: HttpRequest, code: str) -> HttpResponse:
    sitting = _sitting(request, code)
    candidates = (
        Candidate.objects.visible_to(request.user)
        .filter(sitting=sitting)
        .select_related("officer", "unit")
        .order_by("unit__path", "officer__police_number")
    )
    paper = PaperQuestion.objects.filter(sitting=sitting).order_by("position")
    cases = [q for q in paper if q.kind == QuestionKind.CASE]
    context = {
        "sitting": sitting,
        "candidates": candidates,
        "paper": paper,
        "cases": cases,
        "units": Unit.objects.visible_to(request.user).order_by("path"),
        "now": timezone.now(),
        "refusals": request.session.pop("training_refusals", None),
        "blueprint": [
            (Subject(row["subject"]).label, QuestionKind(row["kind"]).label, row["count"])
            for row in sitting.blueprint
        ],
    }
    return render(request, "training/sitting.html", context)


@requires(Capability.MANAGE_TRAINING)
@require_POST
def sitting_draw(request: HttpRequest, code: str) -> HttpResponse:
    sitting = _sitting(request, code)
    try:
        exams.draw_paper(sitting, actor=request.user)
    except FazhiError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已按组卷方案抽取试卷。"))
    return redirect("training:sitting", code=code)


@requires(Capability.MANAGE_TRAINING)
@require_POST
def sitting_register(request: HttpRequest, code: str) -> HttpResponse:
    sitting = _sitting(request, code)
    unit: Unit = get_object_or_404(
        Unit.objects.visible_to(request.user), code=request.POST.get("unit")
    )
    officers = Officer.objects.visible_to(request.user).filter(
        unit__path__startswith=unit.path, status="on_duty"
    )
    try:
        out = exams.register(sitting, list(officers), actor=request.user)
    except FazhiError as error:
        messages.error(request, str(error))
        return redirect("training:sitting", code=code)
    messages.success(
        request,
        _("已报名 %(n)s 人；%(m)s 人不符合报考条件；%(k)s 人此前已报名。")
        % {"n": len(out.registered), "m": len(out.refused), "k": len(out.already)},
    )
    names = {o.pk: str(o) for o in officers}
    request.session["training_refusals"] = [
        {"officer": names.get(pk, str(pk)), "reasons": [r.message for r in refusals]}
        for pk, refusals in out.refused.items()
    ]
    return redirect("training:sitting", code=code)


@requires(Capability.MANAGE_TRAINING)
def sitting_marking(request: HttpRequest, code: str, candidate_id: int) -> HttpResponse:
    sitting = _sitting(request, code)
    candidate = get_object_or_404(
        Candidate.objects.visible_to(request.user).select_related("officer"),
        pk=candidate_id,
        sitting=sitting,
    )
    given = _answers(candidate)
    marks: dict[int, CaseMark] = {}
    for mark in CaseMark.objects.filter(candidate=candidate).order_by("at", "id"):
        marks[mark.question_id] = mark
    if request.method == "POST":
        question = get_object_or_404(
            PaperQuestion, pk=request.POST.get("question"), sitting=sitting
        )
        try:
            points = Decimal(request.POST.get("points", ""))
        except InvalidOperation:
            messages.error(request, _("得分应为数字。"))
        else:
            try:
                exams.mark_case(
                    candidate,
                    question,
                    points,
                    actor=request.user,
                    note=request.POST.get("note", ""),
                )
            except FazhiError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("已评分。"))
        return redirect("training:marking", code=code, candidate_id=candidate.pk)
    cases = [
        {"q": q, "answer": given.get(q.pk), "mark": marks.get(q.pk)}
        for q in PaperQuestion.objects.filter(sitting=sitting, kind=QuestionKind.CASE)
    ]
    return render(
        request,
        "training/marking.html",
        {"sitting": sitting, "candidate": candidate, "cases": cases},
    )


@requires(Capability.MANAGE_TRAINING)
@require_POST
def sitting_publish(request: HttpRequest, code: str) -> HttpResponse:
    sitting = _sitting(request, code)
    try:
        grants = exams.publish(sitting, actor=request.user)
    except FazhiError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("成绩已公布：%(n)s 人合格，自 %(day)s 起取得执法资格。")
            % {
                "n": len(grants),
                "day": (local_day(timezone.now()) + dt.timedelta(days=1)).isoformat(),
            },
        )
    return redirect("training:sitting", code=code)

"""The question bank: browse by level, subject and type, mark a question for review when a
provision it tests changes, and import questions from XLSX with a per-row report."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhi.core import auditing as audit
from fazhi.core.access import requires
from fazhi.core.importing import ImportFileError, import_file
from fazhi.core.roles import Capability
from fazhi.org.models import QualificationLevel
from fazhi.training.imports import QuestionImporter
from fazhi.training.models import Question, QuestionKind, Subject

MAX_UPLOAD = 5 * 1024 * 1024


@requires(Capability.MANAGE_TRAINING)
def bank(request: HttpRequest) -> HttpResponse:
    questions = Question.objects.all()
    chosen = {
        "level": request.GET.get("level", ""),
        "subject": request.GET.get("subject", ""),
        "kind": request.GET.get("kind", ""),
        "review": request.GET.get("review", ""),
    }
    if chosen["level"].isdigit():
        questions = questions.filter(level=int(chosen["level"]))
    if chosen["subject"] in Subject.values:
        questions = questions.filter(subject=chosen["subject"])
    if chosen["kind"] in QuestionKind.values:
        questions = questions.filter(kind=chosen["kind"])
    if chosen["review"] == "1":
        questions = questions.filter(needs_review=True)
    report = request.session.pop("training_import_report", None)
    context = {
        "page": Paginator(questions.order_by("code"), 50).get_page(request.GET.get("page")),
        "chosen": chosen,
        "levels": QualificationLevel.choices,
        "subjects": Subject.choices,
        "kinds": QuestionKind.choices,
        "report": report,
        "columns": QuestionImporter.columns,
    }
    return render(request, "training/bank.html", context)


@requires(Capability.MANAGE_TRAINING)
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question, pk=pk)
    options = [(chr(65 + i), text, i in question.answer) for i, text in enumerate(question.options)]
    return render(request, "training/question.html", {"q": question, "options": options})


@requires(Capability.MANAGE_TRAINING)
@require_POST
def question_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the question for review (kept out of new papers) or clear the mark."""
    with transaction.atomic():
        question = get_object_or_404(Question.objects.select_for_update(), pk=pk)
        flag = request.POST.get("needs_review") == "1"
        if question.needs_review != flag:
            audit.record(
                request.user,
                "training.question.review",
                question,
                changes={"needs_review": [question.needs_review, flag]},
            )
            question.needs_review = flag
            question.save(update_fields=["needs_review", "updated_at"])
    messages.success(request, _("已标记待复核。") if flag else _("已复核完成，可重新组卷。"))
    return redirect("training:question", pk=pk)


@requires(Capability.MANAGE_TRAINING)
@require_POST
def bank_import(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    suffix = Path(upload.name or "").suffix.lower() if upload else ""
    if upload is None or suffix not in (".xlsx", ".csv") or (upload.size or 0) > MAX_UPLOAD:
        messages.error(request, _("请选择不超过 5 MB 的 XLSX 或 CSV 文件。"))
        return redirect("training:bank")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"bank{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            report = import_file(QuestionImporter(request.user), path)
        except ImportFileError as error:
            messages.error(request, str(error))
            return redirect("training:bank")
    request.session["training_import_report"] = report.as_dict()
    return redirect("training:bank")

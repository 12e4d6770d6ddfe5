"""案卷评查 pages: the review list, the review form from the checklist, samples.

Thin: the form posts deductions and veto boxes to fazhi.supervision.review.score_case; a sample
is drawn by draw_sample (random) or draw_kinds (every case of the listed kinds). Only holders of SUPERVISE or REVIEW_CASES open these pages; cases,
reviews and samples outside the user's scope answer 404.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.cases.models import Case
from fazhi.core import bounds
from fazhi.core.errors import FazhiError
from fazhi.org.models import Unit
from fazhi.supervision import review
from fazhi.supervision.models import CaseReview, ReviewSample, SampleMode

PAGE_SIZE = 50
DEFAULT_CHECKLIST = "zhian-case-file"


View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def reviewer_only(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not review.may_review(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return cast(View, wrapper)  # same signature as VIEW


@reviewer_only
def review_list(request: HttpRequest) -> HttpResponse:
    qs = CaseReview.objects.visible_to(request.user).select_related(
        "case", "case__unit", "reviewer"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(bounds.page_number(request.GET.get("page")))
    samples = ReviewSample.objects.visible_to(request.user).select_related("unit")[:20]
    return render(request, "supervision/review_list.html", {"page": page, "samples": samples})


def _findings_of(
    post: QueryDict, checklist: review.Checklist
) -> tuple[list[review.Finding], dict[str, str]]:
    findings: list[review.Finding] = []
    errors: dict[str, str] = {}
    for item in checklist.items:
        note = post.get(f"note_{item.code}", "").strip()
        if item.is_veto:
            failed = post.get(f"veto_{item.code}") == "1"
            if failed or note:
                findings.append(review.Finding(item.code, Decimal(0), failed, note))
            continue
        raw = post.get(f"deduct_{item.code}", "").strip() or "0"
        try:
            points = Decimal(raw)
        except InvalidOperation:
            errors[item.code] = _("扣分“%(v)s”不是数字。") % {"v": raw}
            continue
        if points or note:
            findings.append(review.Finding(item.code, points, False, note))
    return findings, errors


@reviewer_only
def review_new(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("case") or request.POST.get("case", "")
    case = get_object_or_404(Case.objects.visible_to(request.user), number=number)
    try:
        checklist = review.checklist(request.GET.get("checklist") or DEFAULT_CHECKLIST)
    except FazhiError as exc:  # an unknown checklist in the address: a 400 naming it
        raise bounds.BadParameter(str(exc), field="checklist") from None
    sample = None
    sample_id = bounds.optional_identifier(
        request.GET.get("sample") or request.POST.get("sample"), field="sample"
    )
    if sample_id:
        sample = get_object_or_404(ReviewSample.objects.visible_to(request.user), pk=sample_id)
    errors: dict[str, str] = {}
    error = None
    if request.method == "POST":
        findings, errors = _findings_of(request.POST, checklist)
        if not errors:
            try:
                done = review.score_case(
                    case, checklist, findings, actor=request.user, at=timezone.now(), sample=sample
                )
            except FazhiError as exc:
                error = str(exc)
                if exc.field:
                    errors[exc.field] = str(exc)
            else:
                return redirect("supervision:review", pk=done.pk)
    context = {
        "case": case,
        "checklist": checklist,
        "sections": [
            (_("否决项"), checklist.section("veto")),
            (_("实体与程序"), checklist.section("content")),
            (_("卷宗形式"), checklist.section("form")),
        ],
        "sample": sample,
        "errors": errors,
        "error": error,
        "posted": request.POST,
    }
    return render(
        request, "supervision/review_form.html", context, status=400 if error or errors else 200
    )


@reviewer_only
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    done = get_object_or_404(
        CaseReview.objects.visible_to(request.user).select_related("case", "reviewer"), pk=pk
    )
    try:
        checklist = review.checklist(done.checklist, version=done.checklist_version)
    except FazhiError:
        checklist = None
    rows = []
    for finding in done.findings.all():
        item = None
        if checklist is not None:
            try:
                item = checklist.item(finding.item)
            except FazhiError:
                item = None
        rows.append((finding, item))
    return render(request, "supervision/review_detail.html", {"review": done, "rows": rows})


def _date(text: str, name: str) -> dt.date:
    """Return the day of the form's field NAME; a bad or absurd day names the field."""
    return bounds.day(text, field=name)


def _kind_codes(post: QueryDict) -> list[str]:
    """The kinds ticked on the form, and ``item:<code>`` for each item code typed in."""
    items = [c for c in re.split(r"[\s,，、;；]+", post.get("items", "")) if c]
    return [*post.getlist("kinds"), *(f"{review.ITEM_PREFIX}{code}" for code in items)]


def _draw(request: HttpRequest, unit: Unit, mode: str) -> ReviewSample:
    start = _date(request.POST.get("period_start", ""), "period_start")
    end = _date(request.POST.get("period_end", ""), "period_end")
    if mode == SampleMode.KINDS:
        codes = _kind_codes(request.POST)
        return review.draw_kinds(unit, start, end, codes, actor=request.user, at=timezone.now())
    seed_text = request.POST.get("seed", "").strip()
    seed = (
        bounds.integer(seed_text, field="seed", maximum=MAX_SEED)
        if seed_text
        else secrets.randbelow(10**9)
    )
    size = bounds.integer(request.POST.get("size"), field="size", minimum=1, maximum=MAX_SAMPLE)
    return review.draw_sample(unit, start, end, size, seed, actor=request.user, at=timezone.now())


MAX_SAMPLE = 10_000  # cases in one sample: a year of a district's cases, far beyond a review
MAX_SEED = 2**32 - 1


@reviewer_only
def sample_new(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.visible_to(request.user)
    error = None
    mode = request.POST.get("mode") or SampleMode.RANDOM
    if request.method == "POST":
        unit = units.filter(code=request.POST.get("unit")).first()
        try:
            if mode not in SampleMode.values:
                raise FazhiError(_("评查方式“%(v)s”无效。") % {"v": mode}, field="mode")
            if unit is None:
                raise FazhiError(_("请选择数据范围内的单位。"), field="unit")
            sample = _draw(request, unit, mode)
        except FazhiError as exc:  # BadParameter too: the form shows it, naming the field
            error = str(exc)
        else:
            return redirect("supervision:review_sample", pk=sample.pk)
    context = {
        "units": units,
        "error": error,
        "mode": mode,
        "posted": request.POST if request.method == "POST" else {},
        "posted_kinds": request.POST.getlist("kinds"),
        "kind_choices": review.kind_choices(),
    }
    return render(
        request, "supervision/review_sample_new.html", context, status=400 if error else 200
    )


@reviewer_only
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sample = get_object_or_404(
        ReviewSample.objects.visible_to(request.user).select_related("unit", "created_by"), pk=pk
    )
    cases = Case.objects.visible_to(request.user).filter(pk__in=sample.cases.values("pk"))
    reviewed = {
        r.case_id: r for r in CaseReview.objects.filter(sample=sample).order_by("reviewed_at")
    }
    rows = [(case, reviewed.get(case.pk)) for case in cases.select_related("unit").order_by("id")]
    context = {"sample": sample, "rows": rows, "kind_labels": review.kind_labels(sample)}
    return render(request, "supervision/review_sample.html", context)

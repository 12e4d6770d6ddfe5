"""The training department's pages: courses and their sessions, yearly plans with their
coverage per unit and course, and the qualification and plan warnings of the user's scope."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core.access import View
from fazhi.core.errors import FazhiError
from fazhi.core.metrics import percent
from fazhi.core.roles import Capability
from fazhi.org.models import Officer, OfficerStatus, Unit
from fazhi.training import alerts, courses
from fazhi.training.models import (
    Course,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    Subject,
    TrainingPlan,
)

VIEWERS = (Capability.MANAGE_TRAINING, Capability.SUPERVISE)


def _any(*capabilities: Capability) -> Callable[[View], View]:
    """Let the view run for a logged-in user holding any one of CAPABILITIES."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(request.user.has_capability(c) for c in capabilities):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]  # same signature as VIEW

    return decorator


def _can_manage(request: HttpRequest) -> bool:
    return bool(
        getattr(request.user, "has_capability", lambda c: False)(Capability.MANAGE_TRAINING)
    )


def _citations(text: str) -> list[str]:
    return [c.strip() for c in re.split(r"[；;\n]", text) if c.strip()]


@_any(*VIEWERS)
def courses_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _can_manage(request):
        post = request.POST
        try:
            hours = Decimal(post.get("hours", ""))
        except InvalidOperation:
            messages.error(request, _("学时应为数字。"))
            return redirect("training:courses")
        if post.get("subject") not in Subject.values or not post.get("code", "").strip():
            messages.error(request, _("请填写课程编号并选择类别。"))
            return redirect("training:courses")
        try:
            course = courses.save_course(
                {
                    "code": post["code"].strip()[:40],
                    "title": post.get("title", "").strip()[:200],
                    "subject": post["subject"],
                    "hours": hours,
                    "description": post.get("description", "").strip(),
                    "citations": _citations(post.get("citations", "")),
                },
                actor=request.user,
            )
        except (FazhiError, ValidationError) as error:
            messages.error(request, str(error))
            return redirect("training:courses")
        messages.success(request, _("已保存课程。"))
        return redirect("training:course", code=course.code)
    rows = Course.objects.annotate(
        n_sessions=Count("sessions", distinct=True),
        n_completed=Count(
            "sessions__enrolments",
            filter=Q(sessions__enrolments__status=EnrolmentStatus.COMPLETED),
        ),
    ).order_by("code")
    return render(
        request,
        "training/courses.html",
        {"courses": rows, "can_manage": _can_manage(request), "subjects": Subject.choices},
    )


@_any(*VIEWERS)
def course_detail(request: HttpRequest, code: str) -> HttpResponse:
    course = get_object_or_404(Course, code=code)
    can_manage = bool(
        getattr(request.user, "has_capability", lambda c: False)(Capability.MANAGE_TRAINING)
    )
    if request.method == "POST" and can_manage:
        action = request.POST.get("action")
        try:
            if action == "enrol":
                session = get_object_or_404(
                    CourseSession, pk=request.POST.get("session"), course=course
                )
                unit: Unit = get_object_or_404(
                    Unit.objects.visible_to(request.user), code=request.POST.get("unit")
                )
                officers = Officer.objects.visible_to(request.user).filter(
                    unit__path__startswith=unit.path, status=OfficerStatus.ON_DUTY
                )
                out = courses.enrol(session, list(officers), actor=request.user)
                messages.success(
                    request,
                    _("已报名 %(n)s 人；%(k)s 人此前已报名；%(f)s 人因名额已满未报名。")
                    % {"n": len(out.enrolled), "k": out.already, "f": out.full},
                )
            elif action == "session":
                post = request.POST
                starts = dt.date.fromisoformat(post.get("starts_on", ""))
                ends = dt.date.fromisoformat(post.get("ends_on", "") or post.get("starts_on", ""))
                courses.add_session(
                    course,
                    actor=request.user,
                    starts_on=starts,
                    ends_on=ends,
                    place=post.get("place", "").strip()[:200],
                    online=post.get("online") == "1",
                    trainer=post.get("trainer", "").strip()[:100],
                    capacity=int(post.get("capacity", "0") or 0),
                    organiser=_scope(request),
                )
                messages.success(request, _("已新增班次。"))
            elif action == "material":
                upload = request.FILES.get("file")
                if upload is None or (upload.size or 0) > 20 * 1024 * 1024:
                    raise FazhiError(_("请选择不超过 20 MB 的文件。"), field="file")
                courses.add_material(
                    course,
                    request.POST.get("title", "").strip()[:200] or (upload.name or ""),
                    upload,
                    actor=request.user,
                )
                messages.success(request, _("已上传课程资料。"))
            elif action in ("attended", "absent"):
                enrolment = get_object_or_404(
                    Enrolment.objects.visible_to(request.user),
                    pk=request.POST.get("enrolment"),
                    session__course=course,
                )
                courses.record_attendance(enrolment, action == "attended", actor=request.user)
        except FazhiError as error:
            messages.error(request, str(error))
        except ValueError:
            messages.error(request, _("日期应为 YYYY-MM-DD，名额应为正整数。"))
        return redirect("training:course", code=code)
    sessions = (
        CourseSession.objects.filter(course=course)
        .annotate(n=Count("enrolments"))
        .order_by("-starts_on")
    )
    enrolments = (
        Enrolment.objects.visible_to(request.user)
        .filter(session__course=course)
        .select_related("officer", "officer__unit", "session")
        .order_by("-session__starts_on", "officer__police_number")
    )
    context = {
        "course": course,
        "sessions": sessions,
        "page": Paginator(enrolments, 50).get_page(request.GET.get("page")),
        "materials": course.materials.all(),
        "units": Unit.objects.visible_to(request.user).order_by("path"),
        "can_manage": can_manage,
        "today": timezone.localdate(),
    }
    return render(request, "training/course.html", context)


def _scope(request: HttpRequest) -> Unit:
    unit: Unit | None = getattr(request.user, "scope_unit", None)
    if unit is None:
        raise FazhiError(_("您的账号没有数据范围。"), field="unit")
    return unit


@_any(*VIEWERS)
def plans(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.method == "POST" and _can_manage(request):
        post = request.POST
        try:
            year = int(post.get("year", "0"))
            unit: Unit = get_object_or_404(
                Unit.objects.visible_to(request.user), code=post.get("unit")
            )
            items = [
                (course, dt.date.fromisoformat(post[f"due_{course.code}"]))
                for course in Course.objects.order_by("code")
                if post.get(f"due_{course.code}")
            ]
            if not items:
                raise FazhiError(_("请至少为一门课程填写完成期限。"), field="due_on")
            plan = courses.save_plan(
                year,
                unit,
                items,
                title=post.get("title", "").strip()[:200] or f"{year} {unit.name}",
                actor=request.user,
            )
        except FazhiError as error:
            messages.error(request, str(error))
        except ValueError:
            messages.error(request, _("年度应为四位数字，完成期限应为 YYYY-MM-DD。"))
        else:
            messages.success(request, _("已保存培训计划。"))
            return redirect("training:plan", plan_id=plan.pk)
        return redirect("training:plans")
    rows = []
    for plan in TrainingPlan.objects.visible_to(request.user).select_related("unit"):
        cells = courses.coverage(plan, [plan.unit], today)
        required = sum(c.required for c in cells.values())
        completed = sum(c.completed for c in cells.values())
        rows.append((plan, plan.items.count(), required, completed, percent(completed, required)))
    return render(
        request,
        "training/plans.html",
        {
            "rows": rows,
            "today": today,
            "can_manage": _can_manage(request),
            "units": Unit.objects.visible_to(request.user).order_by("path"),
            "courses": Course.objects.order_by("code"),
        },
    )


@_any(*VIEWERS)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(TrainingPlan.objects.visible_to(request.user), pk=plan_id)
    today = timezone.localdate()
    children = Unit.objects.filter(path__startswith=plan.unit.path, depth=plan.unit.depth + 1)
    units = [plan.unit, *children.order_by("path")]
    units = [u for u in units if Unit.objects.visible_to(request.user).filter(pk=u.pk).exists()]
    cells = courses.coverage(plan, units, today)
    items = list(plan.items.select_related("course"))
    table = [(item, [cells.get((u.pk, item.course_id)) for u in units]) for item in items]
    hours = (
        Enrolment.objects.visible_to(request.user)
        .filter(status=EnrolmentStatus.COMPLETED, completed_on__year=plan.year)
        .aggregate(total=Sum("hours_credited"))["total"]
    )
    return render(
        request,
        "training/plan.html",
        {"plan": plan, "units": units, "table": table, "today": today, "hours": hours or 0},
    )


@_any(*VIEWERS)
def warning_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(alerts.visible_warnings(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "training/warnings.html", {"page": page})

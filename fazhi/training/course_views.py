"""The training department's pages: courses and their sessions, yearly plans with their
coverage per unit and course, and the qualification and plan warnings of the user's scope."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
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


@_any(*VIEWERS)
def courses_list(request: HttpRequest) -> HttpResponse:
    rows = Course.objects.annotate(
        n_sessions=Count("sessions", distinct=True),
        n_completed=Count(
            "sessions__enrolments",
            filter=Q(sessions__enrolments__status=EnrolmentStatus.COMPLETED),
        ),
    ).order_by("code")
    return render(request, "training/courses.html", {"courses": rows})


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
            elif action in ("attended", "absent"):
                enrolment = get_object_or_404(
                    Enrolment.objects.visible_to(request.user),
                    pk=request.POST.get("enrolment"),
                    session__course=course,
                )
                courses.record_attendance(enrolment, action == "attended", actor=request.user)
        except FazhiError as error:
            messages.error(request, str(error))
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


@_any(*VIEWERS)
def plans(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = []
    for plan in TrainingPlan.objects.visible_to(request.user).select_related("unit"):
        cells = courses.coverage(plan, [plan.unit], today)
        required = sum(c.required for c in cells.values())
        completed = sum(c.completed for c in cells.values())
        rows.append((plan, plan.items.count(), required, completed, percent(completed, required)))
    return render(request, "training/plans.html", {"rows": rows, "today": today})


@_any(*VIEWERS)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(TrainingPlan.objects.visible_to(request.user), pk=plan_id)
    today = timezone.localdate()
    units = [plan.unit, *plan.unit.get_children().order_by("path")]
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

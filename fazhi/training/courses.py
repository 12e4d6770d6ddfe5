"""Courses and rotation training: sessions, enrolment by unit, attendance and completion with
hours credited, yearly plans and their coverage per unit and course."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core import auditing as audit
from fazhi.core.access import require_capability
from fazhi.core.errors import FazhiError, PermissionDeniedError
from fazhi.core.metrics import percent
from fazhi.core.roles import Capability
from fazhi.org.models import Officer, OfficerStatus, Unit
from fazhi.training.exams import check_citations
from fazhi.training.models import (
    Course,
    CourseMaterial,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    PlanItem,
    TrainingPlan,
)


class TrainingError(FazhiError):
    code = "training"


@transaction.atomic
def save_course(values: dict[str, Any], *, actor: Any) -> Course:
    """Create or update the course of VALUES["code"]; its provisions are checked against the law."""
    require_capability(actor, Capability.MANAGE_TRAINING)
    values = dict(values)
    if not str(values.get("title", "")).strip():
        raise TrainingError(_("请填写课程名称。"), field="title")
    if not Decimal(0) < Decimal(values.get("hours", 0)) <= 1000:
        raise TrainingError(_("学时应大于 0 且不超过 1000。"), field="hours")
    values["citations"] = check_citations(values.get("citations", []), timezone.localdate())
    course, created = Course.objects.update_or_create(code=values.pop("code"), defaults=values)
    audit.record(
        actor, "training.course.create" if created else "training.course.update", course, changes={}
    )
    return course


@transaction.atomic
def add_material(course: Course, title: str, upload: Any, *, actor: Any) -> CourseMaterial:
    require_capability(actor, Capability.MANAGE_TRAINING)
    material = CourseMaterial(course=course, title=title, uploaded_at=timezone.now())
    material.file.save(upload.name or "material", upload, save=False)
    material.save()
    audit.record(actor, "training.material.add", material, changes={"course": course.code})
    return material


@transaction.atomic
def add_session(course: Course, *, actor: Any, **fields: Any) -> CourseSession:
    require_capability(actor, Capability.MANAGE_TRAINING)
    if fields["ends_on"] < fields["starts_on"]:
        raise TrainingError(_("结束日期不能早于开始日期。"), field="ends_on")
    if fields["capacity"] < 1:
        raise TrainingError(_("名额应为正整数。"), field="capacity")
    session = CourseSession.objects.create(course=course, **fields)
    audit.record(actor, "training.session.create", session, changes={"course": course.code})
    return session


@dataclass
class EnrolResult:
    enrolled: list[Enrolment]
    already: int
    full: int  # officers left out because the session was full


@transaction.atomic
def enrol(
    session: CourseSession,
    officers: Iterable[Officer],
    *,
    actor: Any,
    at: dt.datetime | None = None,
) -> EnrolResult:
    """Enrol OFFICERS (of the actor's scope) in SESSION up to its capacity."""
    require_capability(actor, Capability.MANAGE_TRAINING)
    at = at or timezone.now()
    session = CourseSession.objects.select_for_update().get(pk=session.pk)
    visible = set(Officer.objects.visible_to(actor).values_list("pk", flat=True))
    taken = session.enrolments.count()
    out = EnrolResult([], 0, 0)
    for officer in officers:
        if officer.pk not in visible:
            raise PermissionDeniedError(
                _("%(officer)s 不在您的数据范围内。") % {"officer": officer}
            )
        if Enrolment.objects.filter(session=session, officer=officer).exists():
            out.already += 1
            continue
        if taken >= session.capacity:
            out.full += 1
            continue
        out.enrolled.append(
            Enrolment.objects.create(
                session=session, officer=officer, enrolled_by=actor, enrolled_at=at
            )
        )
        taken += 1
    if out.enrolled:
        audit.record(
            actor,
            "training.enrol",
            session,
            changes={"officers": [e.officer.police_number for e in out.enrolled]},
        )
    return out


@transaction.atomic
def record_attendance(enrolment: Enrolment, attended: bool, *, actor: Any) -> Enrolment:
    """Record whether the officer attended: attending completes the course and credits its
    hours on the session's last day; absence credits none."""
    require_capability(actor, Capability.MANAGE_TRAINING)
    enrolment = (
        Enrolment.objects.select_for_update().select_related("session__course").get(pk=enrolment.pk)
    )
    before = enrolment.status
    if attended:
        enrolment.status = EnrolmentStatus.COMPLETED
        enrolment.completed_on = enrolment.session.ends_on
        enrolment.hours_credited = enrolment.session.course.hours
    else:
        enrolment.status = EnrolmentStatus.ABSENT
        enrolment.completed_on = None
        enrolment.hours_credited = Decimal(0)
    enrolment.save(update_fields=["status", "completed_on", "hours_credited"])
    audit.record(
        actor,
        "training.attendance",
        enrolment,
        changes={"status": [before, enrolment.status], "hours": str(enrolment.hours_credited)},
    )
    return enrolment


@transaction.atomic
def save_plan(
    year: int,
    unit: Unit,
    items: Sequence[tuple[Course, dt.date]],
    *,
    title: str,
    actor: Any,
) -> TrainingPlan:
    """Create or replace the courses of UNIT's plan for YEAR (each with its completion day)."""
    require_capability(actor, Capability.MANAGE_TRAINING)
    if not 2000 <= year <= 2100:
        raise TrainingError(_("年度 %(year)s 无效。") % {"year": year}, field="year")
    for course, due_on in items:
        if due_on.year != year:
            raise TrainingError(
                _("课程 %(course)s 的完成期限 %(day)s 不在 %(year)s 年度内。")
                % {"course": course.code, "day": due_on.isoformat(), "year": year},
                field="due_on",
            )
    plan, _created = TrainingPlan.objects.update_or_create(
        year=year, unit=unit, defaults={"title": title, "starts_on": dt.date(year, 1, 1)}
    )
    wanted = {course.pk: due_on for course, due_on in items}
    PlanItem.objects.filter(plan=plan).exclude(course_id__in=wanted).delete()
    for course_id, due_on in wanted.items():
        PlanItem.objects.update_or_create(
            plan=plan, course_id=course_id, defaults={"due_on": due_on}
        )
    audit.record(actor, "training.plan.save", plan, changes={"courses": len(wanted), "year": year})
    return plan


@dataclass(frozen=True)
class CoverageCell:
    required: int
    completed: int

    @property
    def rate(self) -> Decimal | None:
        return percent(self.completed, self.required)


def coverage(
    plan: TrainingPlan, units: Sequence[Unit], on: dt.date
) -> dict[tuple[int, int], CoverageCell]:
    """{(unit id, course id): required/completed} for PLAN's courses among the on-duty officers
    of each of UNITS' subtrees (within the plan's unit), completed by ON since the plan began."""
    items = list(plan.items.values_list("course_id", flat=True))
    officers = list(
        Officer.objects.filter(
            unit__path__startswith=plan.unit.path, status=OfficerStatus.ON_DUTY
        ).values_list("pk", "unit__path")
    )
    done = set(
        Enrolment.objects.filter(
            officer__unit__path__startswith=plan.unit.path,
            status=EnrolmentStatus.COMPLETED,
            completed_on__gte=plan.starts_on,
            completed_on__lte=on,
            session__course_id__in=items,
        ).values_list("officer_id", "session__course_id")
    )
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for unit in units:
        members = [pk for pk, path in officers if path.startswith(unit.path)]
        for course_id in items:
            cell = cells[(unit.pk, course_id)]
            cell[0] = len(members)
            cell[1] = sum((pk, course_id) in done for pk in members)
    return {key: CoverageCell(*value) for key, value in cells.items()}

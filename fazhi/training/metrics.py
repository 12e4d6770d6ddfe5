"""The training metrics: 培训计划完成率, 执法资格考试合格率, 执法资格即将到期人数.

For a period (whole days, Shanghai time) and a scope unit (its subtree):

- ``training_coverage_rate`` — the (officer, course) pairs the training plans of the period's
  years require of the on-duty officers of the scope (a plan binds its unit's subtree), and how
  many of them were completed (a completed enrolment in the course, from the plan's first day to
  the period's end). Records: the completed enrolments that count.
- ``exam_pass_rate`` — the candidates of the sittings whose results were published in the period,
  registered by a unit of the scope; passed / all (an absent candidate counts as not passed).
- ``qualifications_expiring`` — the on-duty officers of the scope whose qualification is in
  force on the as-of day (the period's end, or today if earlier) and expires within 90 days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import cast

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.core.metrics import MetricKind, MetricValue, Period, metric, percent
from fazhi.org.models import Officer, OfficerStatus, Unit
from fazhi.training.models import (
    Candidate,
    Enrolment,
    EnrolmentStatus,
    PlanItem,
    SittingStatus,
)

EXPIRING_DAYS = 90


def _as_of(period: Period) -> dt.date:
    return min(period.end, timezone.localdate())


def plan_pairs(
    period: Period, scope: Unit
) -> tuple[set[tuple[int, int]], set[tuple[int, int]], list[int]]:
    """(required pairs, completed pairs, ids of the enrolments that complete them)."""
    years = range(period.start.year, period.end.year + 1)
    items = list(
        PlanItem.objects.filter(plan__year__in=list(years)).values_list(
            "plan__unit__path", "plan__starts_on", "course_id"
        )
    )
    if not items:
        return set(), set(), []
    officers = list(
        Officer.objects.filter(
            unit__path__startswith=scope.path, status=OfficerStatus.ON_DUTY
        ).values_list("pk", "unit__path")
    )
    required: dict[tuple[int, int], dt.date] = {}
    for officer_id, path in officers:
        for plan_path, starts_on, course_id in items:
            if path.startswith(plan_path):
                key = (officer_id, course_id)
                required[key] = min(starts_on, required.get(key, starts_on))
    done: dict[tuple[int, int], list[tuple[dt.date, int]]] = defaultdict(list)
    for pk, officer_id, course_id, day in Enrolment.objects.filter(
        officer__unit__path__startswith=scope.path,
        status=EnrolmentStatus.COMPLETED,
        completed_on__lte=period.end,
    ).values_list("pk", "officer_id", "session__course_id", "completed_on"):
        done[(officer_id, course_id)].append((day, pk))
    completed, ids = set(), []
    for key, since in required.items():
        counted = [pk for day, pk in done.get(key, []) if day >= since]
        if counted:
            completed.add(key)
            ids.append(min(counted))
    return set(required), completed, ids


@metric(
    "training_coverage_rate",
    name=cast(str, _("培训计划完成率")),
    formula=cast(str, _("培训计划完成率 = 已完成的计划课程人次 / 年度计划应训人次 × 100%")),
    unit="%",
)
def coverage_rate(period: Period, scope: Unit) -> MetricValue:
    required, completed, ids = plan_pairs(period, scope)
    records = (
        Enrolment.objects.filter(pk__in=ids)
        .select_related("officer", "officer__unit", "session", "session__course")
        .order_by("officer__police_number", "session__course__code")
    )
    return MetricValue(
        percent(len(completed), len(required)), len(completed), len(required), records
    )


def candidates_in(period: Period, scope: Unit) -> Q:
    return Q(
        unit__path__startswith=scope.path,
        sitting__status=SittingStatus.PUBLISHED,
        sitting__published_at__gte=period.low,
        sitting__published_at__lt=period.high,
    )


@metric(
    "exam_pass_rate",
    name=cast(str, _("执法资格考试合格率")),
    formula=cast(str, _("执法资格考试合格率 = 合格考生数 / 成绩已公布场次的报名考生数 × 100%")),
    unit="%",
)
def pass_rate(period: Period, scope: Unit) -> MetricValue:
    candidates = (
        Candidate.objects.filter(candidates_in(period, scope))
        .select_related("officer", "unit", "sitting")
        .order_by("sitting__published_at", "officer__police_number")
    )
    d = candidates.count()
    n = candidates.filter(passed=True).count()
    return MetricValue(percent(n, d), n, d, candidates)


@metric(
    "qualifications_expiring",
    name=cast(str, _("执法资格90日内到期人数")),
    formula=cast(
        str, _("执法资格90日内到期人数 = 截至统计日资格有效、且在其后90日内到期的在岗民警数")
    ),
    unit=cast(str, _("人")),
    kind=MetricKind.COUNT,
)
def expiring(period: Period, scope: Unit) -> MetricValue:
    on = _as_of(period)
    in_scope = Officer.objects.filter(
        unit__path__startswith=scope.path, status=OfficerStatus.ON_DUTY
    )
    officers = (
        in_scope.qualification_valid_on(on)
        .qualification_expiring(on, EXPIRING_DAYS)
        .select_related("unit")
        .order_by("qualification_expires_on", "police_number")
    )
    n = officers.count()
    return MetricValue(Decimal(n), n, in_scope.qualification_valid_on(on).count(), officers)

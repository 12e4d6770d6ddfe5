"""The staff queue of applications (办件队列): scoped, filtered, counted per status, due date first.

The web queue, ``GET /api/v1/services/applications`` and the window clerk's home page read the
same filter, so a count on the home page is exactly the number of rows its link shows.

A running application (已受理 or 已准予; or submitted, for a limit counted from receipt) is *overdue* from the instant it is late (``due_at``, STYLE
§7: late when ``at >= due_at``): an hour limit due at 10:00 is overdue at 10:00, a day limit from the
end of its last day (``due_on``). It is *due soon* while not yet late and its due instant falls before
the end of the Nth natural day from today (N = 0: today). A stopped clock (待补正) is neither: the
promised time limit does not run while the applicant supplements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from fazhi.core.clock import SHANGHAI
from fazhi.services.models import (
    ENDED_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Step,
)

PAGE_SIZE = 50
DUE_SOON_DAYS = 3
RUNNING_STATUSES = (ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED)
# The clock may run in these: accepted or approved, and — for a limit counted from receipt, whose
# due instant is set at the submission — not yet accepted (``due_at`` is null otherwise).
CLOCK_STATUSES = (ApplicationStatus.SUBMITTED, *RUNNING_STATUSES)


@dataclass(frozen=True)
class QueueFilter:
    """What the queue and the API may filter by (all optional; dates are local, inclusive)."""

    status: str = ""
    item_code: str = ""
    category: str = ""
    channel: str = ""
    overdue: bool = False
    due_within_days: int | None = None
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    receipt: str = ""
    supplemented: bool = False  # the 补正 materials came back and the window has not acted since


def _local_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, SHANGHAI)


def today_of(at: dt.datetime) -> dt.date:
    return at.astimezone(SHANGHAI).date()


def soon_until(now: dt.datetime, days: int) -> dt.datetime:
    """The end of the DAYSth natural day after NOW's day (0: the end of today): due before it is
    due soon."""
    return _local_start(today_of(now) + dt.timedelta(days=days + 1))


def overdue_condition(now: dt.datetime) -> Q:
    """Running and late at NOW: its due instant has come (``due_at <= now``)."""
    return Q(status__in=CLOCK_STATUSES, due_at__lte=now)


def due_soon_condition(now: dt.datetime, days: int) -> Q:
    """Running, not late at NOW, and due before the end of the DAYSth natural day from today."""
    return Q(status__in=CLOCK_STATUSES, due_at__gt=now, due_at__lte=soon_until(now, days))


def is_overdue(application: Application, now: dt.datetime) -> bool:
    """overdue_condition for one application in memory (the API's row, the queue's colour)."""
    return bool(
        application.status in CLOCK_STATUSES
        and application.due_at is not None
        and application.due_at <= now
    )


def supplemented_condition() -> Q:
    """补正已返回: the application's latest step (a visit aside) is the materials' return (补正材料),
    so it is back with the window, which has not accepted or decided it since."""
    latest = (
        ApplicationEvent.objects.filter(application=OuterRef("pk"))
        .exclude(step=Step.VISIT)
        .order_by("-at", "-pk")
        .values("step")[:1]
    )
    returned = Application.objects.alias(latest_step=Subquery(latest)).filter(
        latest_step=Step.SUPPLEMENT
    )
    return Q(pk__in=returned.values("pk")) & ~Q(status__in=ENDED_STATUSES)


def _conditions(filters: QueueFilter, now: dt.datetime, *, with_status: bool = True) -> Q:
    condition = Q()
    if with_status and filters.status:
        condition &= Q(status=filters.status)
    if filters.item_code:
        condition &= Q(item__code=filters.item_code)
    if filters.category:
        condition &= Q(item__category=filters.category)
    if filters.channel:
        condition &= Q(channel=filters.channel)
    if filters.overdue:
        condition &= overdue_condition(now)
    if filters.due_within_days is not None:
        condition &= due_soon_condition(now, filters.due_within_days)
    if filters.submitted_from:
        condition &= Q(submitted_at__gte=_local_start(filters.submitted_from))
    if filters.submitted_to:
        condition &= Q(submitted_at__lt=_local_start(filters.submitted_to + dt.timedelta(days=1)))
    term = filters.receipt.strip().upper()
    if term:
        condition &= Q(receipt__contains=term)
    if filters.supplemented:
        condition &= supplemented_condition()
    return condition


def find_applications(
    user: Any, filters: QueueFilter, *, at: dt.datetime | None = None
) -> QuerySet[Application]:
    """Return the applications USER may see that match FILTERS: the work first.

    Open applications come first, nearest due instant first, then those without one (not accepted
    yet), newest first; ended applications (办结, 不予受理, 不予许可, 撤回) follow, newest first.
    """
    now = at or timezone.now()
    ended = Case(When(status__in=ENDED_STATUSES, then=Value(1)), default=Value(0))
    open_due = Case(When(status__in=ENDED_STATUSES, then=Value(None)), default=F("due_at"))
    found: QuerySet[Application] = (
        Application.objects.visible_to(user)
        .filter(_conditions(filters, now))
        .select_related("item", "unit")
        .annotate(ended=ended, open_due=open_due)
        .order_by("ended", F("open_due").asc(nulls_last=True), "-submitted_at", "-pk")
    )
    return found


def status_counts(
    user: Any, filters: QueueFilter, *, at: dt.datetime | None = None
) -> dict[str, int]:
    """Return {status: count} of the matching applications, every other filter but status applied.

    Each status appears, with 0 when none match, so each count can link to its filtered queue.
    """
    rows = (
        Application.objects.visible_to(user)
        .filter(_conditions(filters, at or timezone.now(), with_status=False))
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys(ApplicationStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


@dataclass(frozen=True)
class WindowDay:
    """The window's figures of one day: submitted today, due soon, overdue (home page)."""

    today: dt.date
    submitted_today: int
    due_soon: int
    overdue: int
    due_today: int = 0  # not late yet, due before the end of today
    supplemented: int = 0  # 补正 materials returned, awaiting the window


def window_day(user: Any, *, at: dt.datetime | None = None) -> WindowDay:
    """Return the counts of the window clerk's home page, each a filter of the queue."""
    now = at or timezone.now()
    today = today_of(now)
    scoped = Application.objects.visible_to(user)
    counts = scoped.aggregate(
        submitted_today=Count(
            "id",
            filter=Q(
                submitted_at__gte=_local_start(today),
                submitted_at__lt=_local_start(today + dt.timedelta(days=1)),
            ),
        ),
        due_soon=Count("id", filter=due_soon_condition(now, DUE_SOON_DAYS)),
        overdue=Count("id", filter=overdue_condition(now)),
    )
    due_today = scoped.filter(due_soon_condition(now, 0)).count()
    supplemented = scoped.filter(supplemented_condition()).count()
    return WindowDay(
        today,
        counts["submitted_today"],
        counts["due_soon"],
        counts["overdue"],
        due_today,
        supplemented,
    )

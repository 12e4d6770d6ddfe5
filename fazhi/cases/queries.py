"""Find cases and deadlines for the list page, the API and supervision: scoped, filtered, paged.

The case list is sorted by each case's nearest running deadline, cases without one last (newest
first). Sorting a million cases by a per-case minimum would read every case, so a page is built
in two steps that each walk an index and stop after one page:

1. running cases: the open deadlines in ``due_at`` order (the partial index ``deadline_open_due``),
   keeping only each case's earliest one (``NOT EXISTS`` an earlier open deadline of the same
   case, read through the deadline's ``case_id`` index);
2. the other cases, newest first (the primary key), once the running ones are used up.

The page's cases are then read in one query with their unit and item joined and their next
deadline annotated by a Subquery. A page costs at most five queries, whatever its size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from fazhi.cases.models import Case, Deadline, DeadlineStatus
from fazhi.org.models import Unit

PAGE_SIZE = 50
COUNT_CAP = 1000  # counting past this would read the whole scope; the page says "1000+"


@dataclass(frozen=True)
class CaseFilter:
    """What the case list and ``GET /api/v1/cases`` may filter by (all optional)."""

    unit_code: str = ""  # the unit and its subtree, within the user's scope
    status: str = ""
    item_code: str = ""
    procedure: str = ""
    due_within_days: int | None = None  # a running deadline is due before now + this many days
    overdue: bool = False  # a running deadline is due now or earlier (half-open: at >= due_at)
    search: str = ""  # case number or title contains

    @property
    def needs_running_deadline(self) -> bool:
        return self.due_within_days is not None or self.overdue


@dataclass
class CasePage:
    """One page of cases; each case carries ``next_due_at`` and ``next_deadline_name``."""

    cases: list[Case]
    number: int
    page_size: int
    has_next: bool
    count: int  # exact when ``count_is_exact``, else at least COUNT_CAP
    count_is_exact: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def _case_conditions(user, filters: CaseFilter) -> Q | None:
    """Return the filter on cases, or None when nothing can match.

    Reads the filter unit (one query) when the filter names one; a unit outside USER's scope
    matches nothing, exactly like a unit that does not exist.
    """
    condition = Q()
    if filters.unit_code:
        path = (
            Unit.objects.visible_to(user)
            .filter(code=filters.unit_code)
            .values_list("path", flat=True)
            .first()
        )
        if path is None:
            return None
        condition &= Q(unit__path__startswith=path)
    if filters.status:
        condition &= Q(status=filters.status)
    if filters.item_code:
        condition &= Q(item__code=filters.item_code)
    if filters.procedure:
        condition &= Q(procedure=filters.procedure)
    term = filters.search.strip()
    if term:
        condition &= Q(number__icontains=term) | Q(title__icontains=term)
    return condition


def _deadline_window(filters: CaseFilter, at: dt.datetime) -> Q:
    window = Q()
    if filters.due_within_days is not None:
        window &= Q(due_at__lt=at + dt.timedelta(days=filters.due_within_days))
    if filters.overdue:
        window &= Q(due_at__lte=at)
    return window


def running_heads(user, condition: Q, window: Q | None = None) -> QuerySet[Deadline]:
    """Return each visible case's earliest open deadline, in ``due_at`` order."""
    earlier = Deadline.objects.filter(
        case_id=OuterRef("case_id"), status=DeadlineStatus.OPEN
    ).filter(Q(due_at__lt=OuterRef("due_at")) | Q(due_at=OuterRef("due_at"), pk__lt=OuterRef("pk")))
    return (
        Deadline.objects.visible_to(user)
        .running()
        .filter(window or Q())
        .filter(_prefixed(condition))
        .filter(~Exists(earlier))
        .order_by("due_at", "pk")
    )


def _prefixed(condition: Q) -> Q:
    """Return CONDITION (written on Case) as a condition on Deadline, through ``case__``."""
    out = Q()
    out.connector = condition.connector
    out.negated = condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            out.children.append(_prefixed(child))
        else:
            lookup, value = child
            out.children.append((f"case__{lookup}", value))
    return out


def _without_running(user, condition: Q) -> QuerySet[Case]:
    running = Deadline.objects.filter(case_id=OuterRef("pk"), status=DeadlineStatus.OPEN)
    return Case.objects.visible_to(user).filter(condition).filter(~Exists(running)).order_by("-pk")


def with_next_deadline(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate each case with its nearest running deadline (``next_due_at``, ``next_deadline_name``)."""
    nearest = Deadline.objects.filter(case_id=OuterRef("pk"), status=DeadlineStatus.OPEN).order_by(
        "due_at", "pk"
    )
    return cases.select_related("unit", "item").annotate(
        next_due_at=Subquery(nearest.values("due_at")[:1]),
        next_deadline_name=Subquery(nearest.values("name")[:1]),
    )


def find_cases(
    user, filters: CaseFilter, *, at: dt.datetime, page: int = 1, page_size: int = PAGE_SIZE
) -> CasePage:
    """Return page PAGE of the cases USER may see that match FILTERS, nearest deadline first."""
    page = max(page, 1)
    condition = _case_conditions(user, filters)
    if condition is None:
        return CasePage([], page, page_size, has_next=False, count=0)
    offset = (page - 1) * page_size
    wanted = page_size + 1  # one more than the page tells whether a next page exists
    heads = running_heads(user, condition, _deadline_window(filters, at))
    ids = list(heads.values_list("case_id", flat=True)[offset : offset + wanted])
    if len(ids) < wanted and not filters.needs_running_deadline:
        # The running cases end on or before this page: continue with the others.
        skip = 0 if ids or offset == 0 else offset - heads.count()
        rest = _without_running(user, condition).values_list("pk", flat=True)
        ids += list(rest[skip : skip + wanted - len(ids)])
    has_next = len(ids) > page_size
    ids = ids[:page_size]
    rank = {pk: i for i, pk in enumerate(ids)}
    cases = sorted(with_next_deadline(Case.objects.filter(pk__in=ids)), key=lambda c: rank[c.pk])
    count, exact = _count(user, condition, filters, at, offset, len(ids), has_next)
    return CasePage(cases, page, page_size, has_next, count, exact)


def _count(
    user, condition: Q, filters: CaseFilter, at: dt.datetime, offset: int, shown: int, more: bool
) -> tuple[int, bool]:
    """Return (count, exact): the matching cases, counted up to COUNT_CAP."""
    if not more:
        return offset + shown, True  # the last page knows the total without counting
    if filters.needs_running_deadline:
        matching = running_heads(user, condition, _deadline_window(filters, at))
    else:
        matching = Case.objects.visible_to(user).filter(condition)
    count = matching.order_by().values("pk")[: COUNT_CAP + 1].count()  # no sort to count
    return min(count, COUNT_CAP), count <= COUNT_CAP


@dataclass(frozen=True)
class DeadlineFilter:
    """What ``GET /api/v1/deadlines`` (supervision) filters by."""

    due_within_hours: int | None = None
    overdue: bool = False


def find_deadlines(user, filters: DeadlineFilter, *, at: dt.datetime) -> QuerySet[Deadline]:
    """Return the running deadlines USER may see, soonest first, with their case and unit."""
    deadlines = Deadline.objects.visible_to(user).running()
    if filters.due_within_hours is not None:
        deadlines = deadlines.filter(due_at__lt=at + dt.timedelta(hours=filters.due_within_hours))
    if filters.overdue:
        deadlines = deadlines.filter(due_at__lte=at)
    return deadlines.select_related("case__unit").order_by("due_at", "pk")

"""Find cases and deadlines for the list page, the API and supervision: scoped, filtered, paged.

The case list is sorted by each case's nearest running deadline, cases without one last (newest
first). Each case carries that deadline (``Case.next_due_at`` and ``next_deadline_name``, kept by
fazhi.cases.deadlines whenever it writes deadlines), so a page is one query that walks the partial
index ``case_running_next_due`` (next_due_at, id, unit_id) in order, checks the scope on the index
entry, reads only the page's rows, and stops after one page. When the running cases run out, a
second query continues with the other cases, newest first (the primary key).

The list does not count: counting a district's cases reads all of them, and that cost grows with
the data while a page's does not. A page says whether another follows (``has_next``); the total is
known, and given, on the last page only.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.db import connections, models
from django.db.models import Exists, OuterRef, Q, QuerySet

from fazhi.cases.models import (
    Case,
    CaseDocument,
    CaseHandler,
    CaseStatus,
    Deadline,
    ProceduralEvent,
)
from fazhi.cases.packs import registry
from fazhi.core.clock import SHANGHAI
from fazhi.discretion.models import DecisionReview
from fazhi.org.models import Unit, scope_filter

PAGE_SIZE = 50

# What a row of the list shows (the web table and GET /api/v1/cases): nothing else is read.
LIST_FIELDS = (
    "number", "title", "unit__code", "unit__name", "item__code", "item__name", "procedure",
    "source", "status", "act_at", "act_place", "accepted_at", "decided_at", "closed_at",
    "outside_centre", "next_due_at", "next_deadline_name",
)  # fmt: skip
# The keys of the same fields as plain rows (``find_cases(as_rows=True)``), as the API names them.
ROW_KEYS = (
    "number", "title", "unit_code", "unit_name", "item_code", "item_name", "procedure", "source",
    "status", "act_at", "act_place", "accepted_at", "decided_at", "closed_at", "outside_centre",
    "next_due_at", "next_deadline",
)  # fmt: skip


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
    handler_id: int | None = None  # cases this officer handles (主办 or 协办): "my cases"
    due: str = ""  # a band of the nearest deadline: DUE_BANDS (the desk's to-do counts)
    awaiting: str = ""  # a desk queue: AWAITING (法制审核, 决定书, 偏离基准)

    @property
    def needs_running_deadline(self) -> bool:
        return self.due_within_days is not None or self.overdue or bool(self.due)


# The bands of the nearest running deadline on the desk, disjoint so that their counts add up:
# overdue (due now or earlier), today (later today), soon (after today, within SOON_DAYS days).
DUE_OVERDUE, DUE_TODAY, DUE_SOON = "overdue", "today", "soon"
DUE_BANDS = (DUE_OVERDUE, DUE_TODAY, DUE_SOON)
SOON_DAYS = 3
# The desk's queues of the legal officer and the clerk.
AWAITING_REVIEW, AWAITING_DOCUMENT, AWAITING_DEVIATION = "review", "document", "deviation"
AWAITING = (AWAITING_REVIEW, AWAITING_DOCUMENT, AWAITING_DEVIATION)


def _start_of_local_day(at: dt.datetime, days: int = 0) -> dt.datetime:
    day = at.astimezone(SHANGHAI).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time.min, SHANGHAI)


def due_condition(band: str, at: dt.datetime) -> Q:
    """Return the condition on ``next_due_at`` of one band (DUE_BANDS) at instant AT."""
    if band == DUE_OVERDUE:
        return Q(next_due_at__lte=at)
    if band == DUE_TODAY:
        return Q(next_due_at__gt=at, next_due_at__lt=_start_of_local_day(at, 1))
    if band == DUE_SOON:
        return Q(
            next_due_at__gte=_start_of_local_day(at, 1),
            next_due_at__lt=_start_of_local_day(at, 1 + SOON_DAYS),
        )
    return Q(pk__in=[])


def band_ends(at: dt.datetime) -> dict[str, dt.datetime]:
    """Return where the today and soon bands end (exclusive), for colouring a list like the counts."""
    return {
        "today_end": _start_of_local_day(at, 1),
        "soon_end": _start_of_local_day(at, 1 + SOON_DAYS),
    }


def _packs_with(event_code: str) -> list[str]:
    return sorted({p.id for p in registry().packs if any(e.code == event_code for e in p.events)})


def awaiting_condition(queue: str) -> Q:
    """Return the condition of one desk queue (AWAITING).

    - review (待法制审核): the parties have been told (告知, status 已告知), the pack has a 法制审核
      step and none is recorded — the decision waits for it (本地实践: the bureau reviews every
      general-procedure case before deciding).
    - document (决定待制作文书): a penalty decision is recorded and no 行政处罚决定书 was generated.
    - deviation (偏离基准待核): an open case whose decision lies outside the benchmark's range.
    """
    if queue == AWAITING_REVIEW:
        reviewed = ProceduralEvent.objects.filter(case=OuterRef("pk"), kind="legal_review")
        told = Q(status=CaseStatus.NOTIFIED, procedure__in=_packs_with("legal_review"))
        return told & ~Q(Exists(reviewed))
    if queue == AWAITING_DOCUMENT:
        penalty = ProceduralEvent.objects.filter(
            case=OuterRef("pk"), kind="decide", data__outcome="penalty"
        )
        made = CaseDocument.objects.filter(case=OuterRef("pk"), kind="decision")
        return Q(Exists(penalty)) & ~Q(Exists(made))
    if queue == AWAITING_DEVIATION:
        deviating = DecisionReview.objects.filter(
            case=OuterRef("pk"), is_current=True, within_range=False
        )
        return ~Q(status=CaseStatus.CLOSED) & Q(Exists(deviating))
    return Q(pk__in=[])


@dataclass
class CasePage:
    """One page of cases, each with ``next_due_at`` and ``next_deadline_name`` (or, asked for
    as rows, plain dicts keyed by ROW_KEYS)."""

    cases: list[Case] | list[dict[str, Any]]
    number: int
    page_size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first case in the whole list (0 when empty)."""
        return (self.number - 1) * self.page_size + 1 if self.cases else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.cases)

    @property
    def total(self) -> int | None:
        """The number of matching cases when this is the last page, else None (not counted).

        A page past the end is empty and knows nothing of the total either.
        """
        if self.has_next or (self.has_previous and not self.cases):
            return None
        return self.last_index


def _case_conditions(user: Any, filters: CaseFilter, at: dt.datetime) -> Q | None:
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
    if filters.due_within_days is not None:
        condition &= Q(next_due_at__lt=at + dt.timedelta(days=filters.due_within_days))
    if filters.overdue:
        condition &= Q(next_due_at__lte=at)
    term = filters.search.strip()
    if term:
        condition &= Q(number__icontains=term) | Q(title__icontains=term)
    if filters.handler_id is not None:
        handled = CaseHandler.objects.filter(officer_id=filters.handler_id).values("case_id")
        condition &= Q(pk__in=handled)
    if filters.due:
        condition &= due_condition(filters.due, at)
    if filters.awaiting:
        condition &= awaiting_condition(filters.awaiting)
    return condition


def count_cases(user: Any, filters: CaseFilter, *, at: dt.datetime) -> int:
    """Return how many cases USER may see match FILTERS: exactly the rows the list shows."""
    condition = _case_conditions(user, filters, at)
    if condition is None:
        return 0
    matching = Case.objects.visible_to(user).filter(condition)
    if filters.needs_running_deadline:
        matching = matching.filter(next_due_at__isnull=False)
    return matching.count()


# --- The API's hot path: the unfiltered first pages, compiled once ------------------------------
#
# ``GET /api/v1/cases`` without filters is what clients poll. Its query differs from request to
# request only in the scope's tree path, so the ORM compiles it once (per database) and the
# request binds the path and the page: no query building, no per-value converter calls. The SQL
# is the ORM's own for exactly the queryset find_cases builds (a test compares the rows).

_SENTINEL = "fazhi-scope-sentinel"


@functools.lru_cache(maxsize=8)
def _running_page_sql(alias: str) -> str | None:
    """The SQL of the running cases of one scope path, nearest deadline first (no LIMIT)."""
    query = (
        Case.objects.using(alias)
        .filter(Q(unit__path__startswith=_SENTINEL))
        .filter(next_due_at__isnull=False)
        .order_by("next_due_at", "pk")
        .values_list(*LIST_FIELDS)
        .query
    )
    sql, params = query.sql_with_params()
    return sql if list(params) == [_like_prefix(alias, _SENTINEL)] else None


def _like_prefix(alias: str, path: str) -> str:
    return f"{connections[alias].ops.prep_for_like_query(path)}%"


@functools.cache
def _row_converters() -> tuple[Callable[[Any], Any] | None, ...]:
    """For each LIST_FIELDS column: how a raw database value becomes the ORM's value."""
    converters: list[Callable[[Any], Any] | None] = []
    for name in LIST_FIELDS:
        model: Any = Case
        *path, last = name.split("__")
        for step in path:
            model = model._meta.get_field(step).related_model
        field = model._meta.get_field(last)
        if isinstance(field, models.DateTimeField):
            converters.append(_aware)
        elif isinstance(field, models.BooleanField):
            converters.append(lambda v: v if v is None else bool(v))
        else:
            converters.append(None)
    return tuple(converters)


def _aware(value: Any) -> dt.datetime | None:
    """A stored timestamp as an aware datetime (SQLite keeps UTC text; PostgreSQL is aware)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return cast(dt.datetime, value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC))


def _fast_running_rows(user: Any, offset: int, limit: int) -> list[tuple[Any, ...]] | None:
    """Rows of the running cases USER sees, or None when the fast path does not apply."""
    alias = Case.objects.db
    sql = _running_page_sql(alias)
    if sql is None or scope_filter(user, "unit") is None:
        return None
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(
            f"{sql} LIMIT {int(limit)} OFFSET {int(offset)}",
            [_like_prefix(alias, user.scope_unit.path)],
        )
        raw = cursor.fetchall()
    converters = _row_converters()
    return [
        tuple(value if convert is None else convert(value)
              for value, convert in zip(row, converters, strict=True))
        for row in raw
    ]  # fmt: skip


def find_cases(
    user: Any,
    filters: CaseFilter,
    *,
    at: dt.datetime,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    as_rows: bool = False,
) -> CasePage:
    """Return page PAGE of the cases USER may see that match FILTERS, nearest deadline first.

    One query when the page holds running cases only; two when it reaches the cases without a
    running deadline (three on a page past the last running case: it counts them to skip).
    AS_ROWS returns plain dicts instead of model instances (for the API: no objects to build).
    """
    page = max(page, 1)
    condition = _case_conditions(user, filters, at)
    if condition is None:
        return CasePage([], page, page_size, has_next=False)
    offset = (page - 1) * page_size
    wanted = page_size + 1  # one more than the page tells whether a next page exists
    fast = _fast_running_rows(user, offset, wanted) if as_rows and condition == Q() else None
    if fast is not None and len(fast) == wanted:  # a full page of running cases: done
        return CasePage(
            [dict(zip(ROW_KEYS, row, strict=True)) for row in fast[:page_size]],
            page,
            page_size,
            has_next=True,
        )
    matching: QuerySet[Any, Any] = Case.objects.visible_to(user).filter(condition)
    if as_rows:  # tuples: the cheapest the ORM reads
        matching = matching.values_list(*LIST_FIELDS)
    else:  # read only what a row of the list shows
        matching = matching.select_related("unit", "item").only(*LIST_FIELDS)
    running = matching.filter(next_due_at__isnull=False).order_by("next_due_at", "pk")
    cases: list[Any] = fast if fast is not None else list(running[offset : offset + wanted])
    if len(cases) < wanted and not filters.needs_running_deadline:
        # The running cases end on or before this page: continue with the others.
        skip = 0 if cases or offset == 0 else offset - running.count()
        rest = matching.filter(next_due_at__isnull=True).order_by("-pk")
        cases += list(rest[skip : skip + wanted - len(cases)])
    has_next = len(cases) > page_size
    cases = cases[:page_size]
    if as_rows:
        cases = [dict(zip(ROW_KEYS, row, strict=True)) for row in cases]
    return CasePage(cases, page, page_size, has_next=has_next)


@dataclass(frozen=True)
class DeadlineFilter:
    """What ``GET /api/v1/deadlines`` (supervision) filters by."""

    due_within_hours: int | None = None
    overdue: bool = False


def find_deadlines(user: Any, filters: DeadlineFilter, *, at: dt.datetime) -> QuerySet[Deadline]:
    """Return the running deadlines USER may see, soonest first, with their case and unit."""
    deadlines = Deadline.objects.visible_to(user).running()
    if filters.due_within_hours is not None:
        deadlines = deadlines.filter(due_at__lt=at + dt.timedelta(hours=filters.due_within_hours))
    if filters.overdue:
        deadlines = deadlines.filter(due_at__lte=at)
    return deadlines.select_related("case__unit").order_by("due_at", "pk")

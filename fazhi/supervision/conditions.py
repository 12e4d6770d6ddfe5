"""What each condition TYPE of a warning rule means: one set-based query (the case source's SQL).

``pairs`` returns a queryset of the (case, deadline code, subject key) triples for which a rule's
condition holds at an instant — aliased ``w_subject``, ``w_code``, ``w_key`` so that the scan can
wrap it in INSERT … SELECT and UPDATE … NOT EXISTS. ``close_reason`` is the SQL expression that
says, for a warning whose triple left the set, why. There is no second reading in memory: the rule
files' examples are written as rows of an in-memory database and run through these very queries
(fazhi.supervision.examples).

Every condition looks at cases that are not closed (结案): a closed case's warnings close — except
``order_unanswered``: an order about a closed case (e.g. after a 评查) still owes its reply.
"""

from __future__ import annotations

# S608: the statements below interpolate only table and column names (from Django's model
# metadata, quoted) and SQL compiled by the ORM; every value is a bound parameter.
# ruff: noqa: S608
import datetime as dt
from typing import Any

from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce

from fazhi.cases.models import Case, CaseHandler, CaseStatus, Deadline, ProceduralEvent
from fazhi.cases.packs import Test
from fazhi.core.clock import SHANGHAI
from fazhi.org.models import OfficerStatus
from fazhi.supervision.models import CloseReason, OrderStatus, SupervisionOrder
from fazhi.supervision.rules import (
    DeadlineDueWithin,
    DeadlineMissed,
    DeadlineOverdue,
    DecisionOutsideRange,
    EventMissingAfter,
    HandlerUnqualified,
    OrderUnanswered,
    OutsideCentre,
    WarningRule,
)

SQL_OPS = {"eq": "", "gt": "__gt", "gte": "__gte", "lt": "__lt", "lte": "__lte", "in_": "__in"}


def decision_review_model() -> Any | None:
    """Return fazhi.discretion's DecisionReview if it is installed with ``within_range``."""
    try:
        from fazhi.discretion.models import DecisionReview
    except ImportError:
        return None
    names = {f.name for f in DecisionReview._meta.get_fields()}
    return DecisionReview if {"within_range", "is_current", "case"} <= names else None


def supported(rule: WarningRule) -> tuple[bool, str]:
    """Return whether this installation can evaluate RULE, and why not."""
    if isinstance(rule.condition, DecisionOutsideRange) and decision_review_model() is None:
        return False, "fazhi.discretion.models.DecisionReview (within_range) is not installed"
    return True, ""


def _aliased(qs: QuerySet[Any], case: str, code: Any, key: Any) -> QuerySet[Any]:
    aliased: QuerySet[Any] = (
        qs.order_by()
        .annotate(w_subject=F(case), w_code=code, w_key=key)
        .values("w_subject", "w_code", "w_key")
    )  # no DISTINCT: it would stop the planner from flattening the subquery into the UPDATE
    return aliased


def _cases(
    qs: QuerySet[Any], rule: WarningRule, case_ids: list[int] | None, prefix: str
) -> QuerySet[Any]:
    qs = qs.exclude(**{f"{prefix}status": CaseStatus.CLOSED})
    if rule.procedures:
        qs = qs.filter(**{f"{prefix}procedure__in": rule.procedures})
    if case_ids is not None:
        qs = qs.filter(**{"case_id__in" if prefix else "pk__in": case_ids})
    return qs


def _test_q(test: Test) -> Q:
    """Return the ORM condition of a test on a JSON value of the event (data.<name>)."""
    path = "data__" + "__".join(test.field.removeprefix("data.").split("."))
    for name, suffix in SQL_OPS.items():
        value = getattr(test, name)
        if value is not None:
            return Q(**{f"{path}{suffix}": list(value) if name == "in_" else value})
    raise ValueError(f"test on {test.field} uses a comparison the scan cannot run in SQL")


def _order_pairs(rule: WarningRule, at: dt.datetime, case_ids: list[int] | None) -> QuerySet[Any]:
    """(case, "", order id) of each order awaiting its reply past its deadline.

    The case is the order's case, or — for an order about a set of warnings and no one case —
    each case of its warnings. DISTINCT: an order with a case and several warnings joins once
    per warning; the orders table is small, so the planner loses nothing that matters here.
    """
    qs = (
        SupervisionOrder.objects.overdue(at)
        .order_by()
        .annotate(w_subject=Coalesce("case", "warnings__case"))
        .filter(w_subject__isnull=False)
    )
    if rule.procedures:
        of_procedure = Case.objects.filter(pk=OuterRef("w_subject"), procedure__in=rule.procedures)
        qs = qs.filter(Exists(of_procedure))
    if case_ids is not None:
        qs = qs.filter(w_subject__in=case_ids)
    triples: QuerySet[Any] = (
        qs.annotate(
            w_code=Value("", output_field=CharField()),
            w_key=Cast("pk", CharField(max_length=40)),
        )
        .values("w_subject", "w_code", "w_key")
        .distinct()
    )
    return triples


def orders_awaiting_reply(case_ids: list[int], using: str = "default") -> bool:
    """Return whether an order about one of CASE_IDS still awaits its reply (overdue or not).

    One read over the orders awaiting a reply (few at any time; indexed by status).
    """
    about = Q(case_id__in=case_ids) | Q(case__isnull=True, warnings__case_id__in=case_ids)
    return SupervisionOrder.objects.using(using).awaiting_reply().filter(about).exists()


def pairs(rule: WarningRule, at: dt.datetime, case_ids: list[int] | None = None) -> QuerySet[Any]:
    """Return the (w_subject, w_code, w_key) triples for which RULE holds at AT."""
    cond = rule.condition
    blank = Value("", output_field=CharField())
    if isinstance(cond, OrderUnanswered):
        return _order_pairs(rule, at, case_ids)
    if isinstance(cond, DeadlineDueWithin | DeadlineOverdue | DeadlineMissed):
        qs = _cases(Deadline.objects.filter(code__in=cond.deadlines), rule, case_ids, "case__")
        if isinstance(cond, DeadlineDueWithin):
            qs = qs.filter(status="open", due_at__gt=at, due_at__lte=at + cond.within.delta)
        elif isinstance(cond, DeadlineOverdue):
            qs = qs.filter(status="open", due_at__lte=at)
        else:
            qs = qs.filter(status="missed")
        return _aliased(qs, "case_id", F("code"), F("key"))
    if isinstance(cond, EventMissingAfter):
        uncorrected = ~Exists(ProceduralEvent.objects.filter(corrects=OuterRef("pk")))
        follow = ProceduralEvent.objects.filter(
            case_id=OuterRef("case_id"),
            kind__in=cond.missing_any,
            occurred_at__gte=OuterRef("occurred_at"),
        ).filter(~Exists(ProceduralEvent.objects.filter(corrects=OuterRef("pk"))))
        start = ProceduralEvent.objects.filter(
            case_id=OuterRef("pk"), kind=cond.event, occurred_at__lte=at - cond.after.delta
        ).filter(uncorrected, ~Exists(follow))
        for test in cond.where:
            start = start.filter(_test_q(test))
        qs = _cases(Case.objects.filter(Exists(start)), rule, case_ids, "")
        return _aliased(qs, "pk", blank, blank)
    if isinstance(cond, HandlerUnqualified):
        today = at.astimezone(SHANGHAI).date()
        bad = (
            Q(officer__qualification_level__isnull=True)
            | Q(officer__qualification_granted_on__gt=today)
            | Q(officer__qualification_expires_on__lt=today)
            | ~Q(officer__status=OfficerStatus.ON_DUTY)
        )
        qs = _cases(
            CaseHandler.objects.filter(bad, case__decided_at__isnull=True), rule, case_ids, "case__"
        )
        return _aliased(qs, "case_id", blank, Cast("officer_id", CharField(max_length=40)))
    if isinstance(cond, OutsideCentre):
        qs = _cases(Case.objects.filter(outside_centre=True), rule, case_ids, "")
        return _aliased(qs, "pk", blank, blank)
    if isinstance(cond, DecisionOutsideRange):
        model = decision_review_model()
        if model is None:
            raise LookupError(supported(rule)[1])
        qs = model.objects.filter(is_current=True, within_range=False)
        return _aliased(_cases(qs, rule, case_ids, "case__"), "case_id", blank, blank)
    raise TypeError(f"unknown condition type {cond!r}")


def close_reason(
    rule: WarningRule, table: str, at: dt.datetime, ops: BaseDatabaseOperations
) -> tuple[str, list[Any]]:
    """Return the SQL expression (and its params) of why a warning of RULE in TABLE closes."""
    closed = CaseStatus.CLOSED
    if isinstance(rule.condition, OrderUnanswered):
        # subject_key holds the order's id (see _order_pairs); a returned order was answered.
        sql = (
            "COALESCE((SELECT CASE WHEN o.status IN (%s, %s, %s) THEN %s ELSE %s END"
            f" FROM {ops.quote_name(SupervisionOrder._meta.db_table)} o"
            f" WHERE o.id = CAST({table}.subject_key AS BIGINT)), %s)"
        )
        params: list[Any] = [
            OrderStatus.ANSWERED,
            OrderStatus.RETURNED,
            OrderStatus.VERIFIED,
            CloseReason.ORDER_ANSWERED,
            CloseReason.NO_LONGER_APPLIES,
            CloseReason.NO_LONGER_APPLIES,
        ]
        return sql, params
    if isinstance(rule.condition, DeadlineDueWithin | DeadlineOverdue | DeadlineMissed):
        sql = (
            "COALESCE((SELECT CASE"
            " WHEN c.status = %s THEN %s WHEN d.status = 'met' THEN %s"
            " WHEN d.status = 'missed' THEN %s WHEN d.status = 'stopped' THEN %s"
            " WHEN d.extended = %s THEN %s WHEN d.due_at <= %s THEN %s ELSE %s END"
            f" FROM {Deadline._meta.db_table} d INNER JOIN {Case._meta.db_table} c"
            " ON c.id = d.case_id"
            f" WHERE d.case_id = {table}.case_id AND d.code = {table}.deadline_code"
            f" AND d.{ops.quote_name('key')} = {table}.subject_key), %s)"
        )
        params = [
            closed,
            CloseReason.CASE_CLOSED,
            CloseReason.DEADLINE_MET,
            CloseReason.DEADLINE_MET_LATE,
            CloseReason.DEADLINE_STOPPED,
            True,
            CloseReason.DEADLINE_EXTENDED,
            ops.adapt_datetimefield_value(at),
            CloseReason.DEADLINE_PASSED,
            CloseReason.DEADLINE_REDATED,
            CloseReason.DEADLINE_GONE,
        ]
        return sql, params
    otherwise = {
        EventMissingAfter: CloseReason.EVENT_RECORDED,
        HandlerUnqualified: CloseReason.HANDLER_QUALIFIED,
    }.get(type(rule.condition), CloseReason.NO_LONGER_APPLIES)
    sql = (
        f"COALESCE((SELECT CASE WHEN c.status = %s THEN %s ELSE %s END"
        f" FROM {Case._meta.db_table} c WHERE c.id = {table}.case_id), %s)"
    )
    return sql, [closed, CloseReason.CASE_CLOSED, otherwise, CloseReason.NO_LONGER_APPLIES]

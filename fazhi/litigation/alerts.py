"""Reconsideration and litigation warnings (复议诉讼预警): the matter source of the one warning
engine (fazhi.core.warnings, ADR 0014), rules in rules/litigation/*.yaml.

Each condition type is one SQL query over all matters: a deadline due soon or overdue (read from
the stored MatterDeadline rows), a hearing close with nobody named to appear, a lost matter
without its 整改 order. The rule files' examples write their matter (its deadlines counted by the
production code) into the examples' in-memory database and run the same writer.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from fazhi.core import warnings
from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.rulepacks import ExampleResult, expect_of, line_of, read_yaml
from fazhi.core.warnings import CloseReason, WarningState
from fazhi.litigation.deadlines import Dates, compute
from fazhi.litigation.models import (
    LOSSES,
    DeadlineStatus,
    Hearing,
    HearingStatus,
    Matter,
    MatterDeadline,
    MatterWarning,
    MatterWarningEvent,
)
from fazhi.litigation.packs import (
    DueWithin,
    HearingUnplanned,
    LitigationPack,
    LossWithoutOrder,
    Overdue,
    WarningRule,
    in_force,
    load_pack,
)

ACTOR = "system:litigation-scan"
_calendar: ContextVar[WorkCalendar | None] = ContextVar("litigation_calendar", default=None)


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)


def rules_in_force(at: dt.datetime) -> list[WarningRule]:
    day = at.astimezone(SHANGHAI).date()
    return [rule for pack in in_force(day) for rule in pack.rules]


def matching(rule: WarningRule, at: dt.datetime, using: str = "default") -> QuerySet[Any]:
    """The (matter, deadline code, key) triples for which RULE holds at AT, as one queryset."""
    cal = _calendar.get() or default_calendar()
    today = at.astimezone(SHANGHAI).date()
    c = rule.condition
    blank = Value("", output_field=CharField())
    if isinstance(c, DueWithin | Overdue):
        rows = MatterDeadline.objects.using(using).filter(
            code=c.deadline, status=DeadlineStatus.OPEN, matter__outcome=""
        )
        if isinstance(c, DueWithin):
            horizon = today if c.workdays == 0 else cal.add_working_days(today, c.workdays)
            rows = rows.filter(due_at__gt=at, due_at__lte=_end_of(horizon))
        else:
            rows = rows.filter(due_at__lte=at)
        out: QuerySet[Any] = rows.annotate(w_subject=F("matter_id"), w_code=F("code"), w_key=blank)
        return out
    if isinstance(c, HearingUnplanned):
        hearings: QuerySet[Any] = (
            Hearing.objects.using(using)
            .filter(
                status=HearingStatus.PLANNED,
                appearance="",
                scheduled_at__gte=at,
                scheduled_at__lt=_end_of(today + dt.timedelta(days=c.days)),
                matter__kind__in=rule.kinds,
                matter__outcome="",
            )
            .annotate(
                w_subject=F("matter_id"),
                w_code=Value("HEARING", output_field=CharField()),
                w_key=Cast("pk", CharField()),
            )
        )
        return hearings
    if not isinstance(c, LossWithoutOrder):
        raise TypeError(f"unknown condition {c!r}")
    lost: QuerySet[Any] = (
        Matter.objects.using(using)
        .filter(
            outcome__in=sorted(LOSSES),
            outcome_on__lte=today - dt.timedelta(days=c.days),
            correction_order__isnull=True,
            case__isnull=False,
            kind__in=rule.kinds,
        )
        .annotate(w_subject=F("pk"), w_code=blank, w_key=blank)
    )
    return lost


def condition_sql(
    rule: WarningRule, at: dt.datetime, ids: list[int] | None, using: str
) -> tuple[str, list[Any]]:
    qs = matching(rule, at, using)
    if ids is not None:
        qs = qs.filter(w_subject__in=ids)
    return warnings.compiled(qs.order_by().values("w_subject", "w_code", "w_key"), using)


def close_reason(rule: WarningRule, table: str, at: dt.datetime, ops: Any) -> tuple[str, list[Any]]:
    """Why a warning closes: the deadline met, the matter closed, or 情形已不存在."""
    q = ops.quote_name
    deadlines = q(MatterDeadline._meta.db_table)
    matters = q(Matter._meta.db_table)
    # S608: only table and column names (quoted, from the models) are interpolated.
    sql = (
        f"CASE WHEN EXISTS (SELECT 1 FROM {deadlines} d"  # noqa: S608
        f" WHERE d.{q('matter_id')} = {table}.{q('matter_id')}"
        f" AND d.{q('code')} = {table}.{q('deadline_code')} AND d.{q('status')} = %s) THEN %s"
        f" WHEN EXISTS (SELECT 1 FROM {matters} m WHERE m.{q('id')} = {table}.{q('matter_id')}"
        f" AND m.{q('outcome')} <> '' AND {table}.{q('deadline_code')} <> '') THEN %s"
        " ELSE %s END"
    )
    return sql, [
        DeadlineStatus.MET,
        CloseReason.DEADLINE_MET,
        CloseReason.CASE_CLOSED,
        CloseReason.NO_LONGER_APPLIES,
    ]


SOURCE = warnings.Source(
    name="litigation",
    warning=MatterWarning,
    history=MatterWarningEvent,
    subject="matter",
    rules=rules_in_force,
    condition=condition_sql,
    close_reason=close_reason,
    actor=ACTOR,
    audit_action="litigation.scan",
    audit_target="litigation.rule",
)


def refresh(matter_ids: list[int], at: dt.datetime) -> warnings.SourceResult:
    """Bring the warnings of a few matters in line inside the caller's transaction."""
    return warnings.refresh(SOURCE, matter_ids, at=at)


def run(at: dt.datetime | None = None) -> warnings.SourceResult:
    return warnings.run_source(SOURCE, at or timezone.now())


def visible_warnings(user: Any) -> QuerySet[MatterWarning]:
    return (
        MatterWarning.objects.filter(
            state=WarningState.OPEN, matter__in=Matter.objects.visible_to(user)
        )
        .select_related("matter", "matter__unit")
        .order_by("-level", "opened_at")
    )


# --- the rule files' examples ------------------------------------------------------------------


def _day(value: Any) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value))


def example_dates(given: dict[str, Any]) -> Dates:
    received = _day(given["received"])
    if received is None:
        raise TypeError("received needs a day")
    return Dates(
        kind=str(given["kind"]),
        received_on=received,
        accepted_on=_day(given.get("accepted")),
        simplified=bool(given.get("simplified", False)),
        extended=bool(given.get("extended", False)),
        served_on=_day(given.get("served")),
        ruling_form=str(given.get("ruling_form", "")),
        replied_on=_day(given.get("replied")),
        outcome=str(given.get("outcome", "")),
        outcome_on=_day(given.get("outcome_on")),
    )


def run_example(
    pack: LitigationPack, given: dict[str, Any], cal: WorkCalendar
) -> tuple[dict[str, str], set[str]]:
    """The last days of the periods counted for GIVEN, and the rules whose warning opens at
    noon of ``given.today`` — its rows written to the in-memory database, the writer's SQL run."""
    dates = example_dates(given)
    today = _day(given["today"])
    if today is None:
        raise TypeError("today needs a day")
    noon = dt.datetime.combine(today, dt.time(12), tzinfo=SHANGHAI)
    computed = compute(dates, pack, cal)
    token = _calendar.set(cal)
    try:
        with warnings.example_database() as using:
            matter = warnings.row(
                Matter,
                using,
                kind=dates.kind,
                received_on=dates.received_on,
                replied_on=dates.replied_on,
                outcome=dates.outcome,
                outcome_on=dates.outcome_on,
                case_id=1,
                correction_order_id=None,
                created_at=noon,
            )
            for c in computed:
                warnings.row(
                    MatterDeadline,
                    using,
                    matter_id=matter.pk,
                    code=c.code,
                    name=c.name,
                    start_on=c.start_on,
                    due_at=c.due_at,
                    status=c.status,
                    met_on=c.met_on,
                    computed_at=noon,
                )
            hearing = _day(given.get("hearing"))
            if hearing is not None:
                planned = str(given.get("planned", ""))
                named: dict[str, Any] = {}
                if planned == "head":
                    named = {"head_id": 1}
                elif planned == "entrusted":
                    named = {"entrusted_id": 1, "absence_reason": "example"}
                warnings.row(
                    Hearing,
                    using,
                    matter_id=matter.pk,
                    scheduled_at=dt.datetime.combine(hearing, dt.time(9), tzinfo=SHANGHAI),
                    status=HearingStatus.PLANNED,
                    appearance=planned,
                    recorded_at=noon,
                    **named,
                )
            warnings.run_source(SOURCE, noon, rules=pack.rules, using=using)
            opened = set(
                MatterWarning.objects.using(using)
                .filter(matter_id=matter.pk, state=WarningState.OPEN)
                .values_list("rule", flat=True)
            )
    finally:
        _calendar.reset(token)
    return {c.code: c.last_day.isoformat() for c in computed}, opened


def run_examples(path: Path) -> list[ExampleResult]:
    pack = load_pack(path)
    cal = WorkCalendar.load(path.parent.parent)
    known = {rule.code for rule in pack.rules}
    results = []
    for index, raw in enumerate(read_yaml(path).get("examples") or []):
        name, given, expect = expect_of(path, raw, index)
        try:
            due, opened = run_example(pack, given, cal)
        except (KeyError, ValueError, TypeError) as error:
            results.append(ExampleResult(path.name, name, False, f"given: {error}"))
            continue
        problems = []
        if "due" in expect:
            wanted_due = {k: str(v) for k, v in (expect["due"] or {}).items()}
            if not wanted_due:
                if due:
                    problems.append(f"due: expected no periods, got {due}")
            else:
                for code, day in wanted_due.items():
                    if due.get(code) != day:
                        problems.append(f"due {code}: expected {day}, got {due.get(code)}")
        if "open" in expect:
            wanted = set(expect.get("open") or [])
            if wanted - known:
                problems.append(f"open names rules not in this file: {sorted(wanted - known)}")
            if opened != wanted:
                problems.append(f"open: expected {sorted(wanted)}, got {sorted(opened)}")
        if "due" not in expect and "open" not in expect:
            problems.append("expect names neither due nor open")
        detail = f"line {line_of(raw, [])}: {'; '.join(problems)}" if problems else ""
        results.append(ExampleResult(path.name, name, not problems, detail))
    return results

"""Service-deadline warnings (办件时限预警): rules/services/*.yaml, run set-based over applications.

The same semantics as the case warnings of fazhi.supervision (issue 4): a rule has a code, a level
(提示/预警/告警 → yellow/orange/red), a condition, the provision it protects and an escalation ladder
(the handling unit at once → the district after X → the city after Y). A warning opens when its
condition holds, closes by itself when it no longer holds (the application was accepted, completed,
its 补正 arrived …), is never duplicated (a partial unique index on the open warning of an application
and rule), and keeps its history (ServiceWarningEvent: opened, escalated, closed).

Each condition TYPE is defined twice: as one SQL query over all applications (``matching``) and in
memory for one application (``holds``), which the rule file's examples use; a test replays every
example through the database and checks both agree. Counting follows the platform's working-day
calendar: a deadline "due within 1 working day" is due today or on the next working day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from pydantic import Field, model_validator

from fazhi.audit import log as audit
from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.rulepacks import (
    Basis,
    ExampleResult,
    PackHeader,
    Strict,
    expect_of,
    line_of,
    load_file,
    read_yaml,
)
from fazhi.core.rulepacks import registry as pack_registry
from fazhi.services.models import (
    Application,
    ApplicationEvent,
    ServiceWarning,
    ServiceWarningEvent,
    Step,
)
from fazhi.services.models import (
    ApplicationStatus as S,
)
from fazhi.supervision.models import Escalated, WarningEventKind, WarningState
from fazhi.supervision.rules import Escalation, WarningLevel

ACTOR = "system:service-scan"
RUNNING = (S.ACCEPTED, S.APPROVED)  # the clock runs (not stopped by 补正, not ended)


class DueWithin(Strict):
    """The clock runs and the application is due within WORKDAYS working days (not yet past)."""

    type: Literal["due_within"]
    workdays: int = Field(ge=0, le=30)


class Overdue(Strict):
    """The clock runs and the last day of the time limit has passed."""

    type: Literal["overdue"]


class NotAccepted(Strict):
    """Submitted, and neither accepted, refused nor told to 补正 within WORKDAYS working days."""

    type: Literal["not_accepted_within"]
    workdays: int = Field(ge=1, le=30)


class SupplementWaiting(Strict):
    """Told to 补正 more than DAYS calendar days ago, and nothing has arrived."""

    type: Literal["supplement_waiting"]
    days: int = Field(ge=1, le=365)


Condition = Annotated[
    DueWithin | Overdue | NotAccepted | SupplementWaiting, Field(discriminator="type")
]


class ServiceRule(Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")
    name: str
    level: WarningLevel
    condition: Condition
    basis: Basis  # citations resolved on load (rules/README.md)
    unverified: bool = False
    escalation: Escalation = Escalation()


class ServicePack(PackHeader):
    """A services warning file: the header (rules/README.md) and its rules."""

    rules: tuple[ServiceRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_unique(self) -> ServicePack:
        codes = [rule.code for rule in self.rules]
        twice = sorted({code for code in codes if codes.count(code) > 1})
        if twice:
            raise ValueError(f"rule code {', '.join(twice)} appears twice")
        return self


def load_pack(path: Path) -> ServicePack:
    """Return the validated rules of PATH, or raise RulePackError naming file, line and rule."""
    return load_file(path, ServicePack, what="a services warning file")[0]


def packs() -> tuple[ServicePack, ...]:
    """Every services file of settings.RULES_DIR, reloaded when a file changes (ADR 0013)."""
    return pack_registry.packs("services")


def rules() -> tuple[ServiceRule, ...]:
    """The rules of every services file in force today (effective_from ≤ today ≤ effective_to)."""
    day = timezone.localdate()
    return tuple(rule for pack in pack_registry.in_force("services", day) for rule in pack.rules)


# --- the conditions, in memory ----------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What a condition looks at, for one application (the examples' ``given``)."""

    status: str
    submitted: dt.date
    due_on: dt.date | None = None
    asked: dt.date | None = None  # the last 补正 request


def last_submit_day_late(today: dt.date, workdays: int, cal: WorkCalendar) -> dt.date:
    """The latest submission day whose WORKDAYS working days (the day itself not counted) have all
    passed before TODAY: the period ends with its last day, so it is late from the day after."""
    day, counted = today, 0
    while counted < workdays:
        day -= dt.timedelta(days=1)
        counted += cal.is_workday(day)
    return day - dt.timedelta(days=1)


def due_horizon(today: dt.date, workdays: int, cal: WorkCalendar) -> dt.date:
    """The last day counted as "due within WORKDAYS working days" from TODAY (0: today only)."""
    return today if workdays == 0 else cal.add_working_days(today, workdays)


def holds(rule: ServiceRule, app: Snapshot, today: dt.date, cal: WorkCalendar) -> bool:
    c = rule.condition
    if isinstance(c, DueWithin):
        return (
            app.status in RUNNING
            and app.due_on is not None
            and today <= app.due_on <= due_horizon(today, c.workdays, cal)
        )
    if isinstance(c, Overdue):
        return app.status in RUNNING and app.due_on is not None and app.due_on < today
    if isinstance(c, NotAccepted):
        return app.status == S.SUBMITTED and app.submitted <= last_submit_day_late(
            today, c.workdays, cal
        )
    if not isinstance(c, SupplementWaiting):
        raise TypeError(f"unknown condition {c!r}")
    return (
        app.status == S.SUPPLEMENT
        and app.asked is not None
        and app.asked <= today - dt.timedelta(days=c.days)
    )


# --- the conditions, as one query -------------------------------------------------------------


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)


def matching(rule: ServiceRule, at: dt.datetime, cal: WorkCalendar | None = None) -> QuerySet:
    """The applications for which RULE holds at AT, as one queryset."""
    cal = cal or default_calendar()
    today = at.astimezone(SHANGHAI).date()
    c = rule.condition
    apps = Application.objects.all()
    if isinstance(c, DueWithin):
        return apps.filter(
            status__in=RUNNING, due_on__gte=today, due_on__lte=due_horizon(today, c.workdays, cal)
        )
    if isinstance(c, Overdue):
        return apps.filter(status__in=RUNNING, due_on__lt=today)
    if isinstance(c, NotAccepted):
        return apps.filter(
            status=S.SUBMITTED,
            submitted_at__lt=_end_of(last_submit_day_late(today, c.workdays, cal)),
        )
    if not isinstance(c, SupplementWaiting):
        raise TypeError(f"unknown condition {c!r}")
    later = ApplicationEvent.objects.filter(
        application=OuterRef("pk"),
        step=Step.ASK_SUPPLEMENT,
        at__gte=_end_of(today - dt.timedelta(days=c.days)),
    )
    asked = ApplicationEvent.objects.filter(application=OuterRef("pk"), step=Step.ASK_SUPPLEMENT)
    return apps.filter(Exists(asked), ~Exists(later), status=S.SUPPLEMENT)


# --- the scan ---------------------------------------------------------------------------------


@dataclass
class ScanResult:
    opened: int = 0
    closed: int = 0
    escalated: int = 0
    by_rule: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def run(at: dt.datetime | None = None, *, application_ids: list[int] | None = None) -> ScanResult:
    """Bring the service warnings in line with the rules at AT (all applications, or some)."""
    at = at or timezone.now()
    result = ScanResult()
    cal = default_calendar()
    for rule in rules():
        with transaction.atomic():
            counts = _apply(rule, at, cal, application_ids)
            if any(counts) and application_ids is None:
                audit.record(
                    ACTOR,
                    "services.scan",
                    ("services.rule", rule.code, rule.name),
                    changes={"at": at, "opened": counts[0], "closed": counts[1],
                             "escalated": counts[2]},
                )  # fmt: skip
        if any(counts):
            result.by_rule[rule.code] = counts
            result.opened += counts[0]
            result.closed += counts[1]
            result.escalated += counts[2]
    return result


def _history(ids: list[int], kind: str, at: dt.datetime, note: str = "") -> None:
    ServiceWarningEvent.objects.bulk_create(
        ServiceWarningEvent(warning_id=pk, kind=kind, at=at, note=note) for pk in ids
    )


def _apply(
    rule: ServiceRule, at: dt.datetime, cal: WorkCalendar, ids: list[int] | None
) -> tuple[int, int, int]:
    holding = matching(rule, at, cal)
    current = ServiceWarning.objects.filter(rule=rule.code, state=WarningState.OPEN)
    if ids is not None:
        holding = holding.filter(pk__in=ids)
        current = current.filter(application_id__in=ids)
    # 1. Open where the condition holds and no open warning exists (one INSERT of new rows).
    new = list(
        holding.exclude(Exists(current.filter(application_id=OuterRef("pk")))).values_list(
            "pk", flat=True
        )
    )
    created = ServiceWarning.objects.bulk_create(
        [
            ServiceWarning(application_id=pk, rule=rule.code, name=rule.name, level=rule.level,
                           basis=rule.basis, state=WarningState.OPEN, opened_at=at,
                           escalated_level=Escalated.UNIT)
            for pk in new
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    opened_ids = list(
        ServiceWarning.objects.filter(
            rule=rule.code, state=WarningState.OPEN, application_id__in=new, opened_at=at
        ).values_list("pk", flat=True)
    ) if created else []  # fmt: skip
    _history(opened_ids, WarningEventKind.OPENED, at)
    # 2. Close the open warnings whose application left the set.
    leaving = current.exclude(Exists(holding.filter(pk=OuterRef("application_id"))))
    closing = list(leaving.values_list("pk", flat=True))
    if closing:
        ServiceWarning.objects.filter(pk__in=closing).update(
            state=WarningState.CLOSED, closed_at=at
        )
        _history(closing, WarningEventKind.CLOSED, at, note="条件不再成立")
    # 3. Escalate by age.
    escalated = 0
    steps = [
        (rule.escalation.district_after, Escalated.DISTRICT, [Escalated.UNIT]),
        (rule.escalation.city_after, Escalated.CITY, [Escalated.UNIT, Escalated.DISTRICT]),
    ]
    for after, level, below in steps:
        if after is None:
            continue
        due = current.filter(escalated_level__in=below, opened_at__lte=at - after.delta)
        moving = list(due.values_list("pk", flat=True))
        if moving:
            ServiceWarning.objects.filter(pk__in=moving).update(
                escalated_level=level, escalated_at=at
            )
            _history(moving, WarningEventKind.ESCALATED, at, note=level)
            escalated += len(moving)
    return len(opened_ids), len(closing), escalated


def visible_warnings(user: Any) -> QuerySet:
    """The open service warnings of the user's scope, loudest and oldest first."""
    return (
        ServiceWarning.objects.filter(
            state=WarningState.OPEN,
            application__in=Application.objects.visible_to(user),
        )
        .select_related("application", "application__unit", "application__item")
        .order_by("-level", "opened_at")
    )


# --- the rule file's examples -----------------------------------------------------------------


def _day(value: Any) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value))


def snapshot_of(given: dict[str, Any]) -> tuple[Snapshot, dt.date]:
    return (
        Snapshot(
            status=given.get("status", S.SUBMITTED),
            submitted=_day(given["submitted"]),
            due_on=_day(given.get("due_on")),
            asked=_day(given.get("asked")),
        ),
        _day(given["today"]),
    )


def run_examples(path: Path) -> list[ExampleResult]:
    pack = load_pack(path)
    cal = WorkCalendar.load(path.parent.parent)
    known = {rule.code for rule in pack.rules}
    results = []
    for index, raw in enumerate(read_yaml(path).get("examples") or []):
        name, given, expect = expect_of(path, raw, index)
        try:
            app, today = snapshot_of(given)
        except (KeyError, ValueError) as error:
            results.append(ExampleResult(path.name, name, False, f"given: {error}"))
            continue
        problems = []
        wanted = set(expect.get("open") or [])
        if wanted - known:
            problems.append(f"open names rules not in this file: {sorted(wanted - known)}")
        got = {rule.code for rule in pack.rules if holds(rule, app, today, cal)}
        if got != wanted:
            problems.append(f"open: expected {sorted(wanted)}, got {sorted(got)}")
        detail = f"line {line_of(raw, [])}: {'; '.join(problems)}" if problems else ""
        results.append(ExampleResult(path.name, name, not problems, detail))
    return results

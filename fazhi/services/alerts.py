"""Service-deadline warnings (办件时限预警): rules/services/*.yaml — the application source of the one
warning engine (fazhi.core.warnings, ADR 0014).

The same engine and lifecycle as the case warnings: a rule has a code, a level (提示/预警/告警 →
yellow/orange/red), a condition, the provision it protects and an escalation ladder (the handling
unit at once → the district after X → the city after Y). A warning opens when its condition
holds, closes by itself when it no longer holds (the application was accepted, completed, its
补正 arrived …), is never duplicated (a partial unique index on the open warning of an
application and rule), and keeps its history (ServiceWarningEvent: opened, escalated, closed).

Each condition TYPE is defined once, as one SQL query over all applications (``matching``); the
rule file's examples are written as rows of an in-memory database and run through the same
writer (``run_examples``). Counting follows the platform's working-day calendar: a deadline "due
within 1 working day" is due today or on the next working day.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.utils import timezone
from pydantic import Field, model_validator

from fazhi.core import warnings
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
from fazhi.core.warnings import Escalation, WarningLevel, WarningState
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
    return tuple(rule for pack in packs() for rule in pack.rules)


# --- the conditions, as one query -------------------------------------------------------------


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


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)


def matching(
    rule: ServiceRule, at: dt.datetime, cal: WorkCalendar | None = None
) -> QuerySet[Application]:
    """The applications for which RULE holds at AT, as one queryset."""
    cal = cal or default_calendar()
    today = at.astimezone(SHANGHAI).date()
    c = rule.condition
    apps = Application.objects.all()
    if isinstance(c, DueWithin):  # not yet late (an hour limit may be late within its day)
        return apps.filter(
            Q(due_at__isnull=True) | Q(due_at__gt=at),
            status__in=RUNNING,
            due_on__gte=today,
            due_on__lte=due_horizon(today, c.workdays, cal),
        )
    if isinstance(c, Overdue):  # late from the instant it is due (hour limits: that hour)
        late = Q(due_at__lte=at) | Q(due_at__isnull=True, due_on__lt=today)
        return apps.filter(late, status__in=RUNNING)
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


# --- the source ------------------------------------------------------------------------------


def rules_in_force(at: dt.datetime) -> list[ServiceRule]:
    """The rules of every services file in force on AT's day (Shanghai)."""
    day = at.astimezone(SHANGHAI).date()
    return [rule for pack in pack_registry.in_force("services", day) for rule in pack.rules]


# The calendar the conditions count working days with (None: the platform's); the rule files'
# examples set the one of their rules folder.
_calendar: ContextVar[WorkCalendar | None] = ContextVar("services_alerts_calendar", default=None)


def condition_sql(
    rule: ServiceRule, at: dt.datetime, ids: list[int] | None, using: str
) -> tuple[str, list[Any]]:
    """ONE SELECT of (w_subject, w_code, w_key) for the applications RULE holds for at AT."""
    qs = matching(rule, at, _calendar.get())
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    blank = Value("", output_field=CharField())
    qs = qs.order_by().annotate(w_subject=F("pk"), w_code=blank, w_key=blank)
    return warnings.compiled(qs.values("w_subject", "w_code", "w_key"), using)


SOURCE = warnings.Source(
    name="application",
    warning=ServiceWarning,
    history=ServiceWarningEvent,
    subject="application",
    rules=rules_in_force,
    condition=condition_sql,
    actor=ACTOR,
    audit_action="services.scan",
    audit_target="services.rule",
)
# Registered when the app's ready() imports this module (for its rule files' examples), as
# fazhi.services.metrics registers the metrics.
warnings.register(SOURCE)
ScanResult = warnings.SourceResult


def run(
    at: dt.datetime | None = None, *, application_ids: list[int] | None = None
) -> warnings.SourceResult:
    """Bring the service warnings in line with the rules at AT (all applications, or some).

    The periodic run is ``fazhi.core.warnings.sweep``; this runs the application source alone.
    """
    at = at or timezone.now()
    if application_ids is None:
        return warnings.run_source(SOURCE, at)
    return warnings.refresh(SOURCE, application_ids, at=at)


def visible_warnings(user: Any) -> QuerySet[ServiceWarning]:
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


def _given_day(value: Any, key: str) -> dt.date:
    """A day the example must give; without it the example fails (a TypeError, as before)."""
    day = _day(value)
    if day is None:
        raise TypeError(f"{key} needs a day")
    return day


def _write_example(given: dict[str, Any], using: str) -> Application:
    """The example's application (and its 补正 request) as rows of the examples' database."""
    submitted, due_on, asked = (
        _given_day(given["submitted"], "submitted"),
        _day(given.get("due_on")),
        _day(given.get("asked")),
    )
    app = cast(  # row() returns a row of the model it was given
        Application,
        warnings.row(
            Application,
            using,
            status=given.get("status", S.SUBMITTED),
            submitted_at=dt.datetime.combine(submitted, dt.time(9), tzinfo=SHANGHAI),
            due_on=due_on,
            due_at=_end_of(due_on) if due_on else None,
        ),
    )
    if asked is not None:
        warnings.row(
            ApplicationEvent,
            using,
            application_id=app.pk,
            step=Step.ASK_SUPPLEMENT,
            at=dt.datetime.combine(asked, dt.time(10), tzinfo=SHANGHAI),
        )
    return app


def open_rules(pack: ServicePack, given: dict[str, Any], cal: WorkCalendar) -> set[str]:
    """The codes of PACK's rules whose warning the engine opens for the example GIVEN, at noon
    of ``given.today``: its rows written to the in-memory database, the writer's real SQL run."""
    noon = dt.datetime.combine(_given_day(given["today"], "today"), dt.time(12), tzinfo=SHANGHAI)
    token = _calendar.set(cal)
    try:
        with warnings.example_database() as using:
            app = _write_example(given, using)
            warnings.run_source(SOURCE, noon, rules=pack.rules, using=using)
            return set(
                ServiceWarning.objects.using(using)
                .filter(application_id=app.pk, state=WarningState.OPEN)
                .values_list("rule", flat=True)
            )
    finally:
        _calendar.reset(token)


def run_examples(path: Path) -> list[ExampleResult]:
    """Run the file's examples through the production path (rows, the scan's SQL, the writer)."""
    pack = load_pack(path)
    cal = WorkCalendar.load(path.parent.parent)
    known = {rule.code for rule in pack.rules}
    results = []
    for index, raw in enumerate(read_yaml(path).get("examples") or []):
        name, given, expect = expect_of(path, raw, index)
        try:
            got = open_rules(pack, given, cal)
        except (KeyError, ValueError, TypeError) as error:
            results.append(ExampleResult(path.name, name, False, f"given: {error}"))
            continue
        problems = []
        wanted = set(expect.get("open") or [])
        if wanted - known:
            problems.append(f"open names rules not in this file: {sorted(wanted - known)}")
        if got != wanted:
            problems.append(f"open: expected {sorted(wanted)}, got {sorted(got)}")
        detail = f"line {line_of(raw, [])}: {'; '.join(problems)}" if problems else ""
        results.append(ExampleResult(path.name, name, not problems, detail))
    return results

"""Petition deadline warnings (信访期限预警): the petition source of the one warning engine
(fazhi.core.warnings, ADR 0014), rules in rules/petitions/deadlines.yaml.

A rule watches the stored deadlines (fazhi.petitions.models.Deadline) named in its condition:
``due_within`` (open, not yet late, last day within N working days) or ``overdue`` (open and
its instant passed). The warning's ``deadline_code`` is the deadline's code, so a petition has
at most one open warning per rule and deadline; it closes by itself when the deadline is met,
extended past the horizon or stops applying.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db.models import CharField, F, QuerySet, Value
from django.utils import timezone

from fazhi.core import warnings
from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.warnings import WarningState
from fazhi.petitions.models import (
    Deadline,
    DeadlineStatus,
    Petition,
    PetitionWarning,
    PetitionWarningEvent,
)

if TYPE_CHECKING:
    from fazhi.petitions.packs import PetitionPack, WarningRule

ACTOR = "system:petition-scan"

_calendar: ContextVar[WorkCalendar | None] = ContextVar("petitions_alerts_calendar", default=None)


def matching(
    rule: WarningRule, at: dt.datetime, cal: WorkCalendar | None = None
) -> QuerySet[Deadline]:
    """The open deadlines for which RULE holds at AT, as one queryset."""
    from fazhi.petitions.packs import DueWithin

    cal = cal or default_calendar()
    today = at.astimezone(SHANGHAI).date()
    c = rule.condition
    rows = Deadline.objects.filter(status=DeadlineStatus.OPEN, code__in=list(c.deadlines))
    if isinstance(c, DueWithin):
        horizon = today if c.workdays == 0 else cal.add_working_days(today, c.workdays)
        return rows.filter(due_at__gt=at, due_on__gte=today, due_on__lte=horizon)
    return rows.filter(due_at__lte=at)


def rules_in_force(at: dt.datetime) -> list[Any]:
    from fazhi.petitions.packs import warning_rules

    return warning_rules(at.astimezone(SHANGHAI).date())


def condition_sql(
    rule: WarningRule, at: dt.datetime, ids: list[int] | None, using: str
) -> tuple[str, list[Any]]:
    """ONE SELECT of (w_subject, w_code, w_key): the petition, the deadline code, ''."""
    qs = matching(rule, at, _calendar.get())
    if ids is not None:
        qs = qs.filter(petition_id__in=ids)
    blank = Value("", output_field=CharField())
    qs = qs.order_by().annotate(w_subject=F("petition_id"), w_code=F("code"), w_key=blank)
    return warnings.compiled(qs.values("w_subject", "w_code", "w_key"), using)


SOURCE = warnings.Source(
    name="petition",
    warning=PetitionWarning,
    history=PetitionWarningEvent,
    subject="petition",
    rules=rules_in_force,
    condition=condition_sql,
    actor=ACTOR,
    audit_action="petitions.scan",
    audit_target="petitions.rule",
)


def refresh(petition_ids: list[int], at: dt.datetime | None = None) -> warnings.SourceResult:
    """Bring the warnings of PETITION_IDS in line now (inside the caller's transaction)."""
    return warnings.refresh(SOURCE, petition_ids, at=at or timezone.now())


def visible_warnings(user: Any) -> QuerySet[PetitionWarning]:
    return (
        PetitionWarning.objects.filter(
            state=WarningState.OPEN, petition__in=Petition.objects.visible_to(user)
        )
        .select_related("petition", "petition__unit")
        .order_by("-level", "opened_at")
    )


# --- the examples -------------------------------------------------------------------------------


def open_rules(pack: PetitionPack, given: dict[str, Any], cal: WorkCalendar) -> set[str]:
    """The codes of PACK's warning rules open at noon of ``given.today`` for the example's
    petition: its deadlines derived and written as rows, the engine's SQL run over them."""
    from fazhi.petitions.packs import derive, example_events

    today = dt.date.fromisoformat(str(given["today"]))
    noon = dt.datetime.combine(today, dt.time(12), tzinfo=SHANGHAI)
    channel = str(given.get("channel") or "visit")
    token = _calendar.set(cal)
    try:
        with warnings.example_database() as using:
            petition = warnings.row(Petition, using, channel=channel, status="received")
            for c in derive(
                pack.deadlines,
                channel,
                example_events(given),
                extension_days=int(given.get("extended") or 0),
                cal=cal,
            ):
                warnings.row(
                    Deadline,
                    using,
                    petition_id=petition.pk,
                    code=c.code,
                    name=c.name,
                    start_on=c.start_on,
                    due_on=c.due_on,
                    due_at=c.due_at,
                    status=c.status,
                    met_on=c.met_on,
                    basis=c.basis,
                    facts=c.facts,
                )
            warnings.run_source(SOURCE, noon, rules=pack.warnings, using=using)
            return set(
                PetitionWarning.objects.using(using)
                .filter(petition_id=petition.pk, state=WarningState.OPEN)
                .values_list("rule", flat=True)
            )
    finally:
        _calendar.reset(token)

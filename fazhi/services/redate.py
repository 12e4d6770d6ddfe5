"""Re-date the running 警快办 applications after a calendar change (a year's holiday notice).

Registered with ``fazhi.core.calendar.on_calendar_change`` in ``ServicesConfig.ready``. An
application's clock runs from its acceptance (or its receipt, ``clock_from: received``, already
before acceptance), or from the arrival of the last 补正 with the units left (fazhi/services/applications.py: ``clock_start``, ``due_after``); that start and amount are counted again on the new
calendar, and each application whose last day moves is saved and audited. A stopped clock (补正
pending) has no last day to move: it is counted when the materials arrive.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.core import progress
from fazhi.core.calendar import Moved, Redating, WorkCalendar
from fazhi.core.clock import start_of_day
from fazhi.services.applications import clock_start, counts_from_receipt, due_after, statutory_due
from fazhi.services.models import Application, ApplicationEvent, Step
from fazhi.services.queue import CLOCK_STATUSES


def _running() -> QuerySet[Application]:
    """Running clocks: accepted or approved, or submitted with a limit counted from receipt."""
    return Application.objects.filter(status__in=CLOCK_STATUSES, due_at__isnull=False)


def redate_applications(
    *, actor: Any, at: dt.datetime, calendar: WorkCalendar, dry_run: bool
) -> Redating:
    """Count every running application's promised limit again on CALENDAR; save what moved."""
    result = Redating(_("警快办办件"))
    applications = list(_running().select_related("item").order_by("pk"))
    resumed: dict[int, ApplicationEvent] = {}
    for supplement in ApplicationEvent.objects.filter(
        application__in=[a.pk for a in applications], step=Step.SUPPLEMENT
    ).order_by("at", "id"):
        if supplement.data.get("days_left") is not None:
            resumed[supplement.application_id] = supplement
    progress.count(_("核对办件期限"), len(applications))  # fazhi calendar refresh / import
    for application in applications:
        progress.advance()
        result.checked += 1
        event = resumed.get(application.pk)
        if event is not None:
            start, amount = event.at, int(event.data["days_left"])
        elif counts_from_receipt(application):
            start, amount = application.submitted_at, application.item.promised_days
        elif application.accepted_at is not None:
            start = clock_start(application, application.accepted_at)
            amount = application.item.promised_days
        else:
            continue
        due = due_after(start, amount, application.item.promised_unit, calendar)
        item = application.item
        if event is not None and statutory_due(application) is not None and item.statutory_days:
            # A resumed limit counted from receipt never ends after the statutory limit.
            legal = due_after(
                application.submitted_at, item.statutory_days, item.statutory_unit, calendar
            )
            due = legal if legal.at < due.at else due
        if (due.on, due.at) == (application.due_on, application.due_at):
            continue
        result.moves.append(
            Moved(
                "application",
                application.receipt,
                application.item.name,
                application.due_on,
                due.on,
                reverse("services:application", args=[application.receipt]),
            )
        )
        result.changed += 1
        if dry_run:
            continue
        with transaction.atomic():
            changes = {
                "due_on": [application.due_on, due.on],
                "due_at": [application.due_at, due.at],
            }
            application.due_on, application.due_at = due.on, due.at
            application.save(update_fields=["due_on", "due_at"])
            audit.record(actor, "services.application.redate", application, changes=changes)
    return result


def pending_applications(day: dt.date) -> int:
    """Running applications whose promised limit ends on DAY or later."""
    return _running().filter(due_at__gt=start_of_day(day)).count()

"""对筛选结果批量督办 as a long action (fazhi.core.jobs): the queue's filter and the form's demand
are the job's parameters; the worker issues one order per case and counts them as it goes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from fazhi.core import jobs
from fazhi.core.models import Job
from fazhi.supervision import orders, warnings

KIND = "supervision.bulk_orders"


def params(f: warnings.WarningFilter, *, demand: str, reply_due_at: dt.datetime) -> dict[str, Any]:
    """The job's JSON parameters: the filter as the queue showed it, the demand, the deadline."""
    fields = dataclasses.asdict(f)
    fields["since"] = f.since.isoformat() if f.since else None
    return {"filter": fields, "demand": demand, "reply_due_at": reply_due_at.isoformat()}


def run(job: Job) -> jobs.Done:
    """Issue the orders as the job's owner (whose scope and capability are checked again now)."""
    p = job.params
    fields = dict(p["filter"])
    fields["since"] = dt.date.fromisoformat(fields["since"]) if fields.get("since") else None
    f = warnings.WarningFilter(**fields)
    found = warnings.find_warnings(job.owner, f).filter(state="open")
    issued = orders.issue_orders_from_warnings(
        found,
        demand=p["demand"],
        reply_due_at=dt.datetime.fromisoformat(p["reply_due_at"]),
        actor=job.owner,
        at=timezone.now(),
    )
    return jobs.Done(
        gettext_noop("已批量下发督办单 %(n)d 份。"),
        {"n": len(issued)},
        reverse("supervision:orders"),
    )


def register() -> None:
    jobs.register(jobs.Kind(KIND, _("批量督办"), run))

"""Explain an application's promised time limit (承诺办结时限): where it stands and why.

The limit runs in working days from acceptance, the day of acceptance not counted, skipping
statutory holidays and counting make-up working days (行政许可法 第四十二条、第八十二条); a request
for more materials (补正) after acceptance stops it and the materials' arrival resumes it with the
days left (fazhi/services/applications.py keeps ``due_on``, ``days_used`` and ``clock_stopped_at``).
This module only reads them and the steps; it writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.clock import local_day
from fazhi.core.periods import PeriodUnit, add_period
from fazhi.services.applications import BASIS_TIME_LIMIT, working_days_between
from fazhi.services.models import Application, ApplicationStatus, Step
from fazhi.services.queue import RUNNING_STATUSES


class ClockState:
    NOT_STARTED = "not_started"  # not accepted (yet): the limit has not begun
    RUNNING = "running"
    STOPPED = "stopped"  # 补正 after acceptance
    ENDED = "ended"


@dataclass(frozen=True)
class Clock:
    state: str
    promised_days: int
    due_on: dt.date | None
    used_days: int | None  # working days used so far (None: not started)
    left_days: int | None  # working days left (0 on the last day and after)
    overdue_days: int  # working days past the last day (running only)
    basis: str = BASIS_TIME_LIMIT
    lines: list[str] = field(default_factory=list)  # the explanation, step by step

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days > 0


def _period_text(start: dt.date, days: int, cal: WorkCalendar) -> str:
    if days < 1:
        return _("承诺时限为 0 个工作日（当场办结），期满日为 %(day)s。") % {
            "day": start.isoformat()
        }
    period = add_period(start, days, PeriodUnit.WORKDAYS, calendar=cal)
    # add_period cites the counting rule of 行政处罚法; a permit's limit is 行政许可法's.
    return dataclasses.replace(period, basis=BASIS_TIME_LIMIT).explain()


def clock_of(
    application: Application, *, at: dt.datetime | None = None, calendar: WorkCalendar | None = None
) -> Clock:
    """Return where APPLICATION's promised time limit stands at AT, with its explanation."""
    cal = calendar or default_calendar()
    today = local_day(at or timezone.now())
    promised = application.item.promised_days
    lines: list[str] = []
    for event in application.events.filter(
        step__in=(Step.ACCEPT, Step.ASK_SUPPLEMENT, Step.SUPPLEMENT)
    ).order_by("at", "pk"):
        day = local_day(event.at)
        if event.step == Step.ACCEPT:
            lines.append(
                _("%(day)s 受理，承诺 %(days)d 个工作日办结：")
                % {"day": day.isoformat(), "days": promised}
                + _period_text(day, promised, cal)
            )
        elif event.step == Step.ASK_SUPPLEMENT and "days_used" in event.data:
            lines.append(
                _("%(day)s 一次性告知补正，计时中止；此前已用 %(used)d 个工作日。")
                % {"day": day.isoformat(), "used": event.data["days_used"]}
            )
        elif event.step == Step.SUPPLEMENT and "days_left" in event.data:
            left = event.data["days_left"]
            lines.append(
                _("%(day)s 补正材料到达，恢复计时，剩余 %(left)d 个工作日：")
                % {"day": day.isoformat(), "left": left}
                + _period_text(day, left, cal)
            )
    status = application.status
    if application.accepted_at is None:
        if status in (ApplicationStatus.SUBMITTED, ApplicationStatus.SUPPLEMENT):
            lines.append(_("尚未受理：承诺时限自受理之日起计算。"))
        return Clock(ClockState.NOT_STARTED, promised, None, None, None, 0, lines=lines)
    if status == ApplicationStatus.SUPPLEMENT and application.clock_stopped_at is not None:
        used = application.days_used
        return Clock(
            ClockState.STOPPED,
            promised,
            application.due_on,
            used,
            max(promised - used, 0),
            0,
            lines=lines,
        )
    due_on = application.due_on
    if status in RUNNING_STATUSES and due_on is not None:
        left = working_days_between(today, due_on, cal) if today < due_on else 0
        overdue = working_days_between(due_on, today, cal) if today > due_on else 0
        if overdue:
            lines.append(
                _("已超过期满日 %(day)s %(n)d 个工作日。")
                % {"day": due_on.isoformat(), "n": overdue}
            )
        return Clock(
            ClockState.RUNNING,
            promised,
            due_on,
            max(promised - left, 0),
            left,
            overdue,
            lines=lines,
        )
    ended_at = application.completed_at or application.decided_at
    if ended_at is not None and due_on is not None:
        ended_on = local_day(ended_at)
        if ended_on <= due_on:
            lines.append(
                _("%(end)s 办理终结，在期满日 %(due)s 之内。")
                % {"end": ended_on.isoformat(), "due": due_on.isoformat()}
            )
        else:
            lines.append(
                _("%(end)s 办理终结，超过期满日 %(due)s。")
                % {"end": ended_on.isoformat(), "due": due_on.isoformat()}
            )
    return Clock(ClockState.ENDED, promised, due_on, None, None, 0, lines=lines)

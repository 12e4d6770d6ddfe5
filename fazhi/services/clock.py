"""Explain an application's promised time limit (承诺办结时限): where it stands and why.

The limit runs from acceptance in the item's unit (applications.due_after, on add_period): working
days, the day of acceptance not counted, skipping statutory holidays and counting make-up working days
(行政许可法 第四十二条、第八十二条); calendar days (日), a last day on a rest day rolling to the next
working day; hours from the exact instant. A request for more materials (补正) after acceptance stops
it and the materials' arrival resumes it with the units left (fazhi/services/applications.py keeps
``due_on``, ``due_at``, ``days_used`` and ``clock_stopped_at``). This module only reads them and the
steps; it writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.clock import SHANGHAI, local_day
from fazhi.core.periods import PeriodUnit
from fazhi.services.applications import (
    BASIS_TIME_LIMIT,
    RECEIPT_PROVISIONS,
    clock_start,
    counts_from_receipt,
    due_after,
    provisional_years,
    receipt_basis,
    units_between,
    working_days_between,
)
from fazhi.services.models import (
    Application,
    ApplicationStatus,
    ClockFrom,
    LimitUnit,
    Step,
    limit_text,
)
from fazhi.services.queue import CLOCK_STATUSES


class ClockState:
    NOT_STARTED = "not_started"  # not accepted (yet): the limit has not begun
    RUNNING = "running"
    STOPPED = "stopped"  # 补正 after acceptance (or before it, for a limit counted from receipt)
    ENDED = "ended"


@dataclass(frozen=True)
class Clock:
    state: str
    promised_days: int  # the amount of the promised limit, in ``unit``
    due_on: dt.date | None
    used_days: int | None  # units used so far (None: not started)
    left_days: int | None  # units left (0 on the last day and after)
    overdue_days: int  # units past the limit (running only)
    basis: str = BASIS_TIME_LIMIT
    lines: list[str] = field(default_factory=list)  # the explanation, step by step
    unit: str = LimitUnit.WORKDAYS
    due_at: dt.datetime | None = None  # late from this instant on
    missing_years: tuple[int, ...] = ()  # years without a holiday notice the limit counts through

    @property
    def is_provisional(self) -> bool:
        """The last day is provisional: a year it counts through has no notice (调休 unknown)."""
        return bool(self.missing_years)

    @property
    def provisional_text(self) -> str:
        return provisional_text(self.missing_years)

    @property
    def unit_label(self) -> str:
        """个工作日, 日 or 小时."""
        return str(LimitUnit(self.unit).label)

    @property
    def promised_text(self) -> str:
        return limit_text(self.promised_days, self.unit)

    @property
    def used_text(self) -> str:
        return limit_text(self.used_days, self.unit)

    @property
    def left_text(self) -> str:
        return limit_text(self.left_days, self.unit)

    @property
    def due_text(self) -> str:
        """The last day; the exact minute for an hour limit."""
        if self.unit == LimitUnit.HOURS and self.due_at is not None:
            return f"{self.due_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
        return self.due_on.isoformat() if self.due_on else ""

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days > 0


def _period_text(start: dt.datetime, amount: int, unit: str, cal: WorkCalendar) -> str:
    if amount < 1:
        due = due_after(start, 0, unit, cal)
        if unit == LimitUnit.HOURS:
            return _("剩余 0 小时，期限于 %(at)s 届满。") % {
                "at": f"{due.at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
            }
        return _("承诺时限为 0 个工作日（当场办结），期满日为 %(day)s。") % {
            "day": due.on.isoformat()
        }
    period = due_after(start, amount, unit, cal).period
    if period is None:  # amount >= 1 always has a period
        return ""
    if PeriodUnit(unit) is PeriodUnit.WORKDAYS:
        # add_period cites the counting rule of 行政处罚法; a permit's limit is 行政许可法's.
        period = dataclasses.replace(period, basis=BASIS_TIME_LIMIT)
    return period.explain()


def clock_of(
    application: Application, *, at: dt.datetime | None = None, calendar: WorkCalendar | None = None
) -> Clock:
    """Return where APPLICATION's promised time limit stands at AT, with its explanation."""
    cal = calendar or default_calendar()
    now = at or timezone.now()
    item = application.item
    promised, unit = item.promised_days, item.promised_unit
    lines: list[str] = []
    from_receipt = counts_from_receipt(application)
    started_at_receipt = False
    for event in application.events.filter(
        step__in=(Step.SUBMIT, Step.ACCEPT, Step.ASK_SUPPLEMENT, Step.SUPPLEMENT)
    ).order_by("at", "pk"):
        day = local_day(event.at)
        if event.step == Step.SUBMIT:
            if from_receipt and "due_at" in event.data:
                started_at_receipt = True
                lines.append(
                    _receipt_text(application, event.at)
                    + _period_text(event.at, promised, unit, cal)
                )
        elif event.step == Step.ACCEPT and started_at_receipt:
            lines.append(
                _("%(day)s 受理；时限自收到申请之时起算，受理不改变期满时间。")
                % {"day": day.isoformat()}
            )
        elif event.step == Step.ACCEPT:
            start = clock_start(application, event.at)
            if start != event.at:
                text = _("%(day)s 受理；承诺 %(limit)s办结，自收到申请之时（%(start)s）起算：") % {
                    "day": day.isoformat(),
                    "limit": limit_text(promised, unit),
                    "start": f"{start.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
                }
            else:
                text = _("%(day)s 受理，承诺 %(limit)s办结：") % {
                    "day": day.isoformat(),
                    "limit": limit_text(promised, unit),
                }
            lines.append(text + _period_text(start, promised, unit, cal))
        elif event.step == Step.ASK_SUPPLEMENT and "days_used" in event.data:
            if event.data.get("was") == ApplicationStatus.SUBMITTED:
                text = _(
                    "%(day)s 受理前一次性告知补正，承诺时限计时中止；自收到申请起已用 %(used)s。"
                )
            else:
                text = _("%(day)s 一次性告知补正，计时中止；此前已用 %(used)s。")
            lines.append(
                text % {"day": day.isoformat(), "used": limit_text(event.data["days_used"], unit)}
            )
        elif event.step == Step.SUPPLEMENT and "days_left" in event.data:
            left = event.data["days_left"]
            lines.append(
                _("%(day)s 补正材料到达，恢复计时，剩余 %(left)s：")
                % {"day": day.isoformat(), "left": limit_text(left, unit)}
                + _period_text(event.at, left, unit, cal)
            )
            if event.data.get("statutory_cap"):
                lines.append(_statutory_cap_text(application, event.data))
    status = application.status
    due_at = application.due_at
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
            unit=unit,
            due_at=due_at,
        )
    due_on = application.due_on
    if status in CLOCK_STATUSES and due_on is not None and due_at is not None:
        left, overdue = _left_and_overdue(application, now, unit, cal)
        if overdue:
            lines.append(
                _("已超过期满日 %(day)s %(n)s。")
                % {"day": _due_text(application), "n": limit_text(overdue, unit)}
            )
        return Clock(
            ClockState.RUNNING,
            promised,
            due_on,
            max(promised - left, 0),
            left,
            overdue,
            lines=lines,
            unit=unit,
            due_at=due_at,
            missing_years=provisional_years(application, cal),
        )
    if application.accepted_at is None:
        if status in (ApplicationStatus.SUBMITTED, ApplicationStatus.SUPPLEMENT):
            if item.clock_from == ClockFrom.RECEIVED:
                lines.append(_("尚未受理：承诺时限自收到申请之时起计算，受理时确定期满时间。"))
            else:
                lines.append(_("尚未受理：承诺时限自受理之日起计算。"))
        return Clock(
            ClockState.NOT_STARTED,
            promised,
            None,
            None,
            None,
            0,
            lines=lines,
            unit=unit,
            due_at=due_at,
        )
    ended_at = application.completed_at or application.decided_at
    if ended_at is not None and due_on is not None:
        ended_on = local_day(ended_at)
        late = (
            ended_at >= application.due_at if application.due_at is not None else ended_on > due_on
        )
        due_text = _due_text(application)
        if not late:
            lines.append(
                _("%(end)s 办理终结，在期满日 %(due)s 之内。")
                % {"end": ended_on.isoformat(), "due": due_text}
            )
        else:
            lines.append(
                _("%(end)s 办理终结，超过期满日 %(due)s。")
                % {"end": ended_on.isoformat(), "due": due_text}
            )
    return Clock(
        ClockState.ENDED, promised, due_on, None, None, 0, lines=lines, unit=unit, due_at=due_at
    )


def provisional_text(years: tuple[int, ...]) -> str:
    """Why a last day is provisional (shown next to "暂定" to staff and to the applicant)."""
    if not years:
        return ""
    return _(
        "%(years)s 年的节假日安排尚未载入：期满日已计入该年的法定节假日，调休安排未知，"
        "为暂定；载入该年的放假通知后将重新计算。"
    ) % {"years": "、".join(str(year) for year in years)}


def _receipt_text(application: Application, received: dt.datetime) -> str:
    """The first line of a limit counted from receipt: when, how long, and the provision."""
    item = application.item
    values = {
        "day": local_day(received).isoformat(),
        "limit": limit_text(item.promised_days, item.promised_unit),
        "start": f"{received.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
    }
    basis = receipt_basis(item)
    if basis:
        return _(
            "%(day)s 收到申请；承诺 %(limit)s办结，自收到申请之时（%(start)s）起算"
            "（%(basis)s：“%(words)s”）："
        ) % {**values, "basis": basis, "words": RECEIPT_PROVISIONS[basis]}
    return _("%(day)s 收到申请；承诺 %(limit)s办结，自收到申请之时（%(start)s）起算：") % values


def _statutory_cap_text(application: Application, data: dict[str, Any]) -> str:
    """Why a resumed limit counted from receipt ends where the statutory limit ends."""
    item = application.item
    due = data["due_on"]
    if item.statutory_unit == LimitUnit.HOURS:
        due = f"{dt.datetime.fromisoformat(data['due_at']).astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
    return _(
        "法定时限 %(limit)s 自收到申请之时起计算（%(basis)s），条文未规定补正期间中止计算；"
        "承诺时限不得晚于法定时限，期满日为法定时限的期满日 %(due)s。"
    ) % {
        "limit": limit_text(item.statutory_days, item.statutory_unit),
        "basis": receipt_basis(item) or item.basis_text,
        "due": due,
    }


def _due_text(application: Application) -> str:
    """The last day, or the exact minute for an hour limit."""
    if application.item.promised_unit == LimitUnit.HOURS and application.due_at is not None:
        return f"{application.due_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
    return application.due_on.isoformat() if application.due_on else ""


def _left_and_overdue(
    application: Application, now: dt.datetime, unit: str, cal: WorkCalendar
) -> tuple[int, int]:
    """Units left before the limit and units past it, at NOW (a running application)."""
    due_on = application.due_on or local_day(now)
    if unit == LimitUnit.HOURS and application.due_at is not None:
        due_at = application.due_at
        if now < due_at:
            return units_between(now, due_at, unit), 0
        return 0, units_between(due_at, now, unit) if now > due_at else 0
    today = local_day(now)
    if unit == LimitUnit.DAYS:
        return max((due_on - today).days, 0), max((today - due_on).days, 0)
    left = working_days_between(today, due_on, cal) if today < due_on else 0
    overdue = working_days_between(due_on, today, cal) if today > due_on else 0
    return left, overdue

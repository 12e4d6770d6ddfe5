"""The legal officer's home panel (复议诉讼): replies and defences due, hearings to staff."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from fazhi.core.calendar import default_calendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.home import Card, Panel, link, register
from fazhi.core.roles import Capability as C

if TYPE_CHECKING:
    from fazhi.org.models import User

DUE_SOON_WORKDAYS = 3  # as the list's "三个工作日内到期"
HEARING_DAYS = 7


@register(16, "litigation")
def litigation_panel(user: User, at: dt.datetime) -> Panel | None:
    if not user.has_capability(C.HANDLE_LITIGATION):
        return None
    from fazhi.litigation.models import LOSSES, Hearing, HearingStatus, Matter

    mine = Matter.objects.visible_to(user).filter(outcome="")
    today = at.astimezone(SHANGHAI).date()
    horizon = default_calendar().add_working_days(today, DUE_SOON_WORKDAYS)
    end = dt.datetime.combine(horizon + dt.timedelta(days=1), dt.time(), SHANGHAI)
    soon = mine.filter(next_due_at__gt=at, next_due_at__lte=end).count()
    overdue = mine.filter(next_due_at__lte=at).count()
    unstaffed = Hearing.objects.filter(
        matter__in=mine,
        status=HearingStatus.PLANNED,
        appearance="",
        scheduled_at__gte=at,
        scheduled_at__lt=at + dt.timedelta(days=HEARING_DAYS),
    ).count()
    lost = (
        Matter.objects.visible_to(user)
        .filter(outcome__in=sorted(LOSSES), correction_order__isnull=True, case__isnull=False)
        .count()
    )
    return Panel(
        "litigation",
        _("复议诉讼"),
        "bank",
        cards=[
            Card(
                "litigation_due_soon",
                _("答复/答辩即将到期"),
                soon,
                link("litigation:list", due="soon"),
                "orange" if soon else "",
                _("三个工作日内届满"),
            ),
            Card(
                "litigation_overdue",
                _("答复/答辩已逾期"),
                overdue,
                link("litigation:list", due="overdue"),
                "red" if overdue else "",
                _("逾期视为没有证据、依据"),
            ),
            Card(
                "litigation_hearings",
                _("开庭未安排出庭"),
                unstaffed,
                link("litigation:list"),
                "orange" if unstaffed else "",
                _("七日内开庭，未安排负责人或受委托人员"),
            ),
            Card(
                "litigation_lost",
                _("败诉待整改督办"),
                lost,
                link("litigation:list", state="lost"),
                "yellow" if lost else "",
            ),
        ],
        is_work=True,
    )

"""The window's home panel (警快办), registered with ``fazhi.core.home``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from fazhi.core.home import Card, Panel, link, register
from fazhi.core.roles import Capability as C

if TYPE_CHECKING:
    from fazhi.org.models import User


@register(60, "services")
def services_panel(user: User, at: dt.datetime) -> Panel | None:
    return _services_panel(user, at) if user.has_capability(C.HANDLE_SERVICES) else None


def _services_panel(user: User, at: dt.datetime) -> Panel:
    """The window's day (警快办): today's applications, due soon, overdue — each a queue filter."""
    from fazhi.services.queue import DUE_SOON_DAYS, window_day

    day = window_day(user, at=at)
    today = day.today.isoformat()
    return Panel(
        "services",
        _("警快办"),
        "window-desk",
        cards=[
            Card(
                "services_today",
                _("今日申请"),
                day.submitted_today,
                link("services:queue", date_from=today, date_to=today),
            ),
            Card(
                "services_due_soon",
                _("即将到期"),
                day.due_soon,
                link("services:queue", due_within_days=DUE_SOON_DAYS),
                "yellow" if day.due_soon else "",
                _("%(days)d 天内到期") % {"days": DUE_SOON_DAYS},
            ),
            Card(
                "services_overdue",
                _("已超期"),
                day.overdue,
                link("services:queue", overdue="on"),
                "red" if day.overdue else "",
            ),
        ],
    )


@register(15, "window_work")
def window_work_panel(user: User, at: dt.datetime) -> Panel | None:
    return _window_work_panel(user, at) if user.has_capability(C.HANDLE_SERVICES) else None


def _window_work_panel(user: User, at: dt.datetime) -> Panel:
    """The window's to-do (待办): what falls due today, overdue, and 补正 materials returned."""
    from fazhi.services.queue import window_day

    day = window_day(user, at=at)
    return Panel(
        "window_work",
        _("窗口待办"),
        "inbox",
        cards=[
            Card(
                "services_due_today",
                _("今日到期"),
                day.due_today,
                link("services:queue", due_within_days=0),
                "orange" if day.due_today else "",
                _("今日内届满、尚未超期"),
            ),
            Card(
                "services_overdue_work",
                _("已超期"),
                day.overdue,
                link("services:queue", overdue="on"),
                "red" if day.overdue else "",
            ),
            Card(
                "services_supplemented",
                _("补正已返回"),
                day.supplemented,
                link("services:queue", supplemented="on"),
                "yellow" if day.supplemented else "",
                _("申请人已补正，待窗口处理"),
            ),
        ],
        is_work=True,
    )

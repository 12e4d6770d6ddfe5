"""The supervision panels of the home page, registered with ``fazhi.core.home``: the work (the
officer's 督办 and warnings; the supervisor's orders to verify, new red warnings at their level,
overdue orders) and the statistics of the scope (执法监督)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from fazhi.core.home import Card, Panel, link, register
from fazhi.core.roles import Capability as C
from fazhi.core.roles import Role

if TYPE_CHECKING:
    from fazhi.org.models import User


@register(20, "supervision")
def supervision_panel(user: User, at: dt.datetime) -> Panel | None:
    return _supervision_panel(user, at) if user.has_capability(C.VIEW_SCOPED_DATA) else None


def _supervision_panel(user: User, at: dt.datetime) -> Panel:
    """Open warnings of the scope by level, and orders past their reply deadline (督办)."""
    from fazhi.supervision import warnings
    from fazhi.supervision.models import SupervisionOrder, WarningState
    from fazhi.supervision.rules import WarningLevel

    counts = warnings.counts_by_level(
        warnings.find_warnings(user, warnings.WarningFilter(state=WarningState.OPEN))
    )
    colours = {
        WarningLevel.HINT: "yellow",
        WarningLevel.WARNING: "orange",
        WarningLevel.ALARM: "red",
    }
    cards = [
        Card(
            f"warnings_{level.value}",
            level.label,
            counts[level],
            link("supervision:warnings", level=level.value, state=WarningState.OPEN),
            colours[level] if counts[level] else "",
        )
        for level in WarningLevel
    ]
    overdue = SupervisionOrder.objects.visible_to(user).overdue(at).count()
    cards.append(
        Card(
            "orders_overdue",
            _("逾期未答复督办单"),
            overdue,
            link("supervision:orders", overdue=1),
            "red" if overdue else "",
        )
    )
    return Panel("supervision", _("执法监督"), "shield-exclamation", cards=cards)


@register(13, "my_supervision")
def my_supervision_panel(user: User, at: dt.datetime) -> Panel | None:
    """The officer's 督办 orders awaiting the unit's reply, and the warnings on their cases."""
    from fazhi.supervision import warnings
    from fazhi.supervision.models import SupervisionOrder, WarningState
    from fazhi.supervision.order_views import AWAITING

    officer, scope = user.officer, user.scope_unit
    if user.role != Role.OFFICER or officer is None or scope is None:
        return None
    awaiting = (
        SupervisionOrder.objects.visible_to(user)
        .awaiting_reply()
        .filter(target_unit__path__startswith=scope.path)
        .count()
    )
    mine = warnings.find_warnings(
        user, warnings.WarningFilter(state=WarningState.OPEN, handler_id=officer.pk)
    ).count()
    return Panel(
        "my_supervision",
        _("督办与预警"),
        "bell",
        cards=[
            Card(
                "orders_awaiting_reply",
                _("待本单位答复的督办单"),
                awaiting,
                link("supervision:orders", status=AWAITING, unit=scope.code),
                "orange" if awaiting else "",
            ),
            Card(
                "warnings_on_my_cases",
                _("我办理案件的预警"),
                mine,
                link("supervision:warnings", state=WarningState.OPEN, mine=1),
                "orange" if mine else "",
            ),
        ],
        is_work=True,
    )


@register(14, "supervision_work")
def supervision_work_panel(user: User, at: dt.datetime) -> Panel | None:
    """The supervisor's work: answers to verify, new red warnings at their level, overdue orders."""
    if not user.has_capability(C.SUPERVISE) or user.scope_unit is None:
        return None
    from fazhi.core.clock import local_day
    from fazhi.supervision import warnings
    from fazhi.supervision.models import OrderStatus, SupervisionOrder, WarningState
    from fazhi.supervision.orders import level_of
    from fazhi.supervision.rules import WarningLevel

    scope = user.scope_unit
    orders = SupervisionOrder.objects.visible_to(user)
    to_verify = orders.filter(
        status=OrderStatus.ANSWERED, issuing_unit__path__startswith=scope.path
    ).count()
    level = level_of(scope)
    since = local_day(at) - dt.timedelta(days=1)
    red = warnings.find_warnings(
        user,
        warnings.WarningFilter(
            level=WarningLevel.ALARM,
            state=WarningState.OPEN,
            escalated=level.value,
            since=since,
        ),
    ).count()
    overdue = orders.overdue(at).count()
    return Panel(
        "supervision_work",
        _("督办工作"),
        "clipboard2-pulse",
        cards=[
            Card(
                "orders_to_verify",
                _("待核验的答复"),
                to_verify,
                link("supervision:orders", status=OrderStatus.ANSWERED, issued=1),
                "orange" if to_verify else "",
                _("本级及下级发出的督办单"),
            ),
            Card(
                "red_warnings_new",
                _("新推送至本级的告警"),
                red,
                link(
                    "supervision:warnings",
                    level=WarningLevel.ALARM,
                    state=WarningState.OPEN,
                    escalated=level.value,
                    since=since.isoformat(),
                ),
                "red" if red else "",
                _("%(day)s 以来新增或升级") % {"day": since.isoformat()},
            ),
            Card(
                "orders_overdue_work",
                _("逾期未答复督办单"),
                overdue,
                link("supervision:orders", overdue=1),
                "red" if overdue else "",
            ),
        ],
        is_work=True,
    )

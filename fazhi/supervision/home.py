"""The supervision panel of the home page (执法监督), registered with ``fazhi.core.home``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from fazhi.core.home import Card, Panel, link, register
from fazhi.core.roles import Capability as C

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

"""The petitions home panel (信访事项), registered with ``fazhi.core.home``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from fazhi.core.clock import SHANGHAI
from fazhi.core.home import Card, Panel, link, register
from fazhi.core.roles import Capability as C

if TYPE_CHECKING:
    from fazhi.org.models import User

DUE_SOON_DAYS = 7


@register(65, "petitions")
def petitions_panel(user: User, at: dt.datetime) -> Panel | None:
    """Open petitions, those due within a week, the overdue ones and open mediations."""
    if not user.has_capability(C.HANDLE_PETITIONS):
        return None
    from fazhi.petitions.models import (
        DeadlineStatus,
        Mediation,
        MediationStatus,
        Petition,
    )

    today = at.astimezone(SHANGHAI).date()
    rows = Petition.objects.visible_to(user)
    running = rows.filter(deadlines__status=DeadlineStatus.OPEN)
    due = (
        running.filter(
            deadlines__due_on__gte=today,
            deadlines__due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
        )
        .distinct()
        .count()
    )
    overdue = running.filter(deadlines__due_on__lt=today).distinct().count()
    mediations = (
        Mediation.objects.visible_to(user)
        .filter(status__in=[MediationStatus.OPEN, MediationStatus.AGREED])
        .count()
    )
    return Panel(
        "petitions",
        _("信访与调解"),
        "chat-square-text",
        cards=[
            Card(
                "petitions_open", _("办理中的信访事项"), rows.open().count(), link("petitions:list")
            ),
            Card(
                "petitions_due",
                _("即将到期"),
                due,
                link("petitions:list", state="due"),
                "yellow" if due else "",
                _("%(days)d 天内到期") % {"days": DUE_SOON_DAYS},
            ),
            Card(
                "petitions_overdue",
                _("已超期"),
                overdue,
                link("petitions:list", state="overdue"),
                "red" if overdue else "",
            ),
            Card("mediations_open", _("调解中或待履行"), mediations, link("petitions:mediations")),
        ],
    )

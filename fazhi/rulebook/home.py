"""The rulebook's home panel (规范性文件与立法), registered with ``fazhi.core.home``: what the legal
department has to do — documents awaiting their legality review, documents warned about (filing,
validity, clean-up), citations to review after a change of law — each linked to its list."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from fazhi.core.home import Card, Panel, link, register
from fazhi.core.roles import Capability as C

if TYPE_CHECKING:
    from fazhi.org.models import User


@register(67, "rulebook")
def rulebook_panel(user: User, at: dt.datetime) -> Panel | None:
    return _panel(user, at) if user.has_capability(C.MANAGE_RULEBOOK) else None


def _panel(user: User, at: dt.datetime) -> Panel:
    from fazhi.rulebook.models import (
        DocumentWarning,
        ImpactTask,
        NormativeDocument,
        TaskStatus,
    )

    docs = NormativeDocument.objects.visible_to(user)
    drafting = docs.filter(published_on__isnull=True).count()
    warned = (
        DocumentWarning.objects.filter(state="open", document__in=docs)
        .values("document")
        .distinct()
        .count()
    )
    tasks = ImpactTask.objects.filter(status=TaskStatus.OPEN, still_cites=True).count()
    return Panel(
        "rulebook",
        _("规范性文件与立法"),
        "journal-text",
        cards=[
            Card(
                "rulebook_drafting",
                _("制定中的文件"),
                drafting,
                link("rulebook:documents", state="draft"),
            ),
            Card(
                "rulebook_warned",
                _("有预警的文件"),
                warned,
                link("rulebook:documents"),
                "orange" if warned else "",
                _("备案、有效期、清理"),
            ),
            Card(
                "rulebook_citations",
                _("待复核的法条引用"),
                tasks,
                link("rulebook:impact"),
                "yellow" if tasks else "",
                _("法律修改后"),
            ),
        ],
    )

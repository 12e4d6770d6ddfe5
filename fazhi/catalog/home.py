"""The catalogue panel of the home page (执法事项与清单), registered with ``fazhi.core.home``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from fazhi.core.home import Card, Panel, link, register
from fazhi.core.roles import Capability as C

if TYPE_CHECKING:
    from fazhi.org.models import User


@register(40, "catalogue")
def catalogue_panel(user: User, at: dt.datetime) -> Panel | None:
    """Business roles see it; so do those who edit or publish the lists (without case data)."""
    if not (
        user.has_capability(C.VIEW_SCOPED_DATA)
        or user.has_capability(C.EDIT_CATALOGUE)
        or user.has_capability(C.PUBLISH_LIST)
    ):
        return None
    return _catalogue_panel(user)


def _catalogue_panel(user: User) -> Panel:
    from fazhi.catalog.models import EditionStatus, EnforcementItem, ListEdition

    editions = ListEdition.objects.aggregate(
        published=Count("id", filter=Q(status=EditionStatus.PUBLISHED)),
        drafts=Count("id", filter=Q(status=EditionStatus.DRAFT)),
    )
    cards = [
        Card(
            "items", _("执法事项"), EnforcementItem.objects.active().count(), link("catalog:items")
        ),
        Card(
            "published_editions",
            _("现行清单"),
            editions["published"],
            link("catalog:editions", status=EditionStatus.PUBLISHED),
        ),
    ]
    if user.has_capability(C.EDIT_CATALOGUE) or user.has_capability(C.PUBLISH_LIST):
        cards.append(
            Card(
                "draft_editions",
                _("待发布草稿"),
                editions["drafts"],
                link("catalog:editions", status=EditionStatus.DRAFT),
                "yellow" if editions["drafts"] and user.has_capability(C.PUBLISH_LIST) else "",
            )
        )
    return Panel("catalogue", _("执法事项与清单"), "journal-text", cards=cards)

"""Template context: the navigation a user's role allows."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from fazhi.org.roles import Capability as C


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: C | None  # None: any logged-in user

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAV = (
    NavItem(_("工作台"), "core:home", None),
    NavItem(_("组织机构"), "org:tree", C.VIEW_SCOPED_DATA),
    NavItem(_("执法人员"), "org:officers", C.VIEW_SCOPED_DATA),
    NavItem(_("法律法规"), "law:laws", None),
    NavItem(_("执法事项"), "catalog:items", None),
    NavItem(_("清单版本"), "catalog:editions", None),
    NavItem(_("审计日志"), "audit:log", C.READ_AUDIT_LOG),
)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for item in NAV:
        if item.capability is not None and not user.has_capability(item.capability):
            continue
        try:
            items.append((item.label, item.url))
        except NoReverseMatch:  # a page an app does not offer (yet) stays out of the menu
            continue
    return {"nav_items": items}

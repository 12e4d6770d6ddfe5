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
    capability: C | tuple[C, ...] | None  # None: any logged-in user; a tuple: any one of them

    def allowed(self, user) -> bool:
        if self.capability is None:
            return True
        wanted = self.capability if isinstance(self.capability, tuple) else (self.capability,)
        return any(user.has_capability(cap) for cap in wanted)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAV = (
    NavItem(_("工作台"), "core:home", None),
    NavItem(_("组织机构"), "org:tree", C.VIEW_SCOPED_DATA),
    NavItem(_("执法人员"), "org:officers", C.VIEW_SCOPED_DATA),
    NavItem(_("法律法规"), "law:laws", None),
    NavItem(_("行政案件"), "cases:list", C.VIEW_SCOPED_DATA),
    NavItem(_("警快办"), "services:queue", (C.HANDLE_SERVICES, C.VIEW_SCOPED_DATA)),
    NavItem(_("办件预警"), "services:warnings", (C.HANDLE_SERVICES, C.VIEW_SCOPED_DATA)),
    NavItem(_("警快办指标"), "reports:services", C.VIEW_SCOPED_DATA),
    NavItem(_("服务事项目录"), "service_catalogue:editions", (C.EDIT_CATALOGUE, C.PUBLISH_LIST)),
    NavItem(_("监督看板"), "supervision:dashboard", C.VIEW_SCOPED_DATA),
    NavItem(_("预警"), "supervision:warnings", C.VIEW_SCOPED_DATA),
    NavItem(_("督办"), "supervision:orders", C.VIEW_SCOPED_DATA),
    NavItem(_("评查"), "supervision:reviews", C.SUPERVISE),
    NavItem(_("裁量审查"), "discretion:audit", (C.SUPERVISE, C.REVIEW_CASES)),
    NavItem(_("执法事项"), "catalog:items", None),
    NavItem(_("清单版本"), "catalog:editions", None),
    NavItem(_("审计日志"), "audit:log", C.READ_AUDIT_LOG),
    NavItem(_("账号管理"), "org:accounts", C.MANAGE_ACCOUNTS),
    NavItem(_("角色与数据范围"), "org:account_roles", C.ASSIGN_ROLES),
)


def is_current(url: str, path: str) -> bool:
    """Return whether the menu entry URL is the section PATH lies in (home only matches itself)."""
    return path == url if url == "/" else path.startswith(url)


def navigation(request) -> dict:
    """Return ``nav_items``: (label, url, is_current) for each page the user's role may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for item in NAV:
        if not item.allowed(user):
            continue
        try:
            url = item.url
        except NoReverseMatch:  # a page an app does not offer (yet) stays out of the menu
            continue
        items.append((item.label, url, is_current(url, request.path)))
    # Two entries can share a prefix (/org/ and /org/officers/): only the longest is current.
    current = max((url for _label, url, active in items if active), key=len, default=None)
    return {"nav_items": [(label, url, url == current) for label, url, _active in items]}

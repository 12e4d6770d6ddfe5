"""Template context: the navigation a user's role allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from fazhi.core.roles import Capability as C

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MenuEntry = tuple[str, str, bool]  # label, URL, is the current section


@dataclass(frozen=True)
class NavItem:
    label: StrOrPromise
    url_name: str
    capability: C | tuple[C, ...] | None  # None: any logged-in user; a tuple: any one of them
    group: StrOrPromise = ""  # the drop-down menu it sits in ("" = top level)

    def allowed(self, user: Any) -> bool:
        if self.capability is None:
            return True
        wanted = self.capability if isinstance(self.capability, tuple) else (self.capability,)
        return any(user.has_capability(cap) for cap in wanted)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


SUPERVISION = _("执法监督")
SERVICES = _("警快办")
LEGAL = _("法制")
TRAINING = _("教育训练")
REFERENCE = _("基础数据")
SYSTEM = _("系统管理")

NAV = (
    NavItem(_("工作台"), "core:home", None),
    NavItem(_("行政案件"), "cases:list", C.VIEW_SCOPED_DATA),
    NavItem(_("监督看板"), "supervision:dashboard", C.VIEW_SCOPED_DATA, SUPERVISION),
    NavItem(_("预警"), "supervision:warnings", C.VIEW_SCOPED_DATA, SUPERVISION),
    NavItem(_("督办"), "supervision:orders", C.VIEW_SCOPED_DATA, SUPERVISION),
    NavItem(_("评查"), "supervision:reviews", C.SUPERVISE, SUPERVISION),
    NavItem(_("裁量审查"), "discretion:audit", (C.SUPERVISE, C.REVIEW_CASES), SUPERVISION),
    NavItem(_("办件"), "services:queue", (C.HANDLE_SERVICES, C.VIEW_SCOPED_DATA), SERVICES),
    NavItem(_("办件预警"), "services:warnings", (C.HANDLE_SERVICES, C.VIEW_SCOPED_DATA), SERVICES),
    NavItem(_("警快办指标"), "reports:services", C.VIEW_SCOPED_DATA, SERVICES),
    NavItem(
        _("服务事项目录"),
        "service_catalogue:editions",
        (C.EDIT_CATALOGUE, C.PUBLISH_LIST),
        SERVICES,
    ),
    NavItem(_("复议诉讼"), "litigation:list", (C.HANDLE_LITIGATION, C.SUPERVISE), LEGAL),
    NavItem(_("信访"), "petitions:list", (C.HANDLE_PETITIONS, C.SUPERVISE), LEGAL),
    NavItem(_("矛盾纠纷调解"), "petitions:mediations", (C.HANDLE_PETITIONS, C.SUPERVISE), LEGAL),
    NavItem(_("规范性文件"), "rulebook:documents", (C.MANAGE_RULEBOOK, C.SUPERVISE), LEGAL),
    NavItem(_("立法储备"), "rulebook:projects", (C.MANAGE_RULEBOOK, C.SUPERVISE), LEGAL),
    NavItem(_("重大行政决策"), "rulebook:decisions", (C.MANAGE_RULEBOOK, C.SUPERVISE), LEGAL),
    NavItem(_("法律修改影响"), "rulebook:impact", (C.MANAGE_RULEBOOK, C.SUPERVISE), LEGAL),
    NavItem(_("我的培训与考试"), "training:mine", C.TAKE_EXAMS, TRAINING),
    NavItem(_("培训课程"), "training:courses", (C.MANAGE_TRAINING, C.SUPERVISE), TRAINING),
    NavItem(_("培训计划"), "training:plans", (C.MANAGE_TRAINING, C.SUPERVISE), TRAINING),
    NavItem(_("执法资格考试"), "training:sittings", C.MANAGE_TRAINING, TRAINING),
    NavItem(_("组织机构"), "org:tree", C.VIEW_SCOPED_DATA, REFERENCE),
    NavItem(_("执法人员"), "org:officers", C.VIEW_SCOPED_DATA, REFERENCE),
    NavItem(_("执法事项"), "catalog:items", None, REFERENCE),
    NavItem(_("清单版本"), "catalog:editions", None, REFERENCE),
    NavItem(_("法律法规"), "law:laws", None, REFERENCE),
    NavItem(_("审计日志"), "audit:log", C.READ_AUDIT_LOG, SYSTEM),
    NavItem(_("工作日历"), "core:calendar", C.IMPORT_REFERENCE_DATA, SYSTEM),
    NavItem(_("账号管理"), "org:accounts", C.MANAGE_ACCOUNTS, SYSTEM),
    NavItem(_("系统状态"), "status", C.MANAGE_ACCOUNTS, SYSTEM),  # the 系统管理员 only
    NavItem(_("角色与数据范围"), "org:account_roles", C.ASSIGN_ROLES, SYSTEM),
)


def is_current(url: str, path: str) -> bool:
    """Return whether the menu entry URL is the section PATH lies in (home only matches itself)."""
    return path == url if url == "/" else path.startswith(url)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Return the pages the user's role may open.

    ``nav_items``: (label, url, is_current) for each, in menu order; ``nav_menu``: the same
    grouped for the navbar — ``(label, url, is_current, children)`` where CHILDREN is a list of
    (label, url, is_current) for a drop-down (a group with one page is shown as a plain link).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu": []}
    entries = []
    for item in NAV:
        if not item.allowed(user):
            continue
        try:
            url = item.url
        except NoReverseMatch:  # a page an app does not offer (yet) stays out of the menu
            continue
        entries.append((item, url, is_current(url, request.path)))
    # Two entries can share a prefix (/org/ and /org/officers/): only the longest is current.
    current = max((url for _item, url, active in entries if active), key=len, default=None)
    items = [(str(item.label), url, url == current) for item, url, _active in entries]
    menu: list[tuple[StrOrPromise, str, bool, list[MenuEntry]]] = []
    groups: dict[StrOrPromise, list[MenuEntry]] = {}
    for (item, _url, _active), (label, url, active) in zip(entries, items, strict=True):
        if not item.group:
            menu.append((label, url, active, []))
            continue
        if item.group not in groups:
            groups[item.group] = []
            menu.append((item.group, "", False, groups[item.group]))
        groups[item.group].append((label, url, active))
    menu = [
        (kids[0][0], kids[0][1], kids[0][2], []) if len(kids) == 1 else
        (label, url, any(k[2] for k in kids), kids) if kids else (label, url, active, kids)
        for label, url, active, kids in menu
    ]  # fmt: skip
    return {"nav_items": items, "nav_menu": menu}

"""What each role sees first on its home page: the state of its scope and its own tasks.

Every figure is a count of rows the user may see (``visible_to(user)``) and, where a list of
those rows exists, links to it with the same filter, so the number can be checked one by one
(DESIGN principle 4). The three administrators (三员分立) see only their own tasks: accounts for
the system administrator, locked accounts for the security administrator, the audit log and its
chain for the audit administrator — none of them sees business data here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.org.models import OfficerStatus
from fazhi.org.officers import (
    DEFAULT_EXPIRING_DAYS,
    OfficerFilter,
    QualificationState,
    find_officers,
    qualification_state,
)
from fazhi.org.roles import Capability as C


@dataclass(frozen=True)
class Card:
    """One figure on the home page: a label, a value, and the list behind it."""

    key: str  # stable, for tests and the page's data-testid
    label: str
    value: int | str
    url: str | None = None
    level: str = ""  # "", "ok", "yellow", "orange", "red": the warning colours of fazhi.css
    hint: str = ""


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    icon: str  # a Bootstrap Icons name
    cards: list[Card] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)  # a short table under the cards
    is_strip: bool = False  # one compact line (the user's own facts), not a row of cards

    @property
    def is_wide(self) -> bool:
        """Return whether the panel needs the page's full width (more than three cards)."""
        return self.is_strip or len(self.cards) > 3


def link(url_name: str, **filters: object) -> str | None:
    """Return the URL of a list page with FILTERS as its query string, or None if no such page."""
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return None
    query = {key: value for key, value in filters.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def qualification_counts(user, today: dt.date) -> dict[str, int]:
    """Return how many officers USER may see are in each qualification state on TODAY.

    The counts come from the officers list's own filter (``find_officers``), so each figure
    is exactly the number of rows its link shows. ``suspended`` (停止执法) is the officer's
    status and overlaps the qualification states, which follow the dates alone.
    """
    counts = {
        str(state): find_officers(user, OfficerFilter(qualification_state=state), on=today).count()
        for state in QualificationState
    }
    counts["suspended"] = find_officers(
        user, OfficerFilter(status=OfficerStatus.SUSPENDED), on=today
    ).count()
    return counts


def _scope_panel(user) -> Panel:
    from fazhi.org.models import Officer, Unit

    return Panel(
        "scope",
        _("我的范围"),
        "diagram-3",
        cards=[
            Card(
                "units",
                _("单位"),
                Unit.objects.visible_to(user).count(),
                link("org:tree"),
            ),
            Card(
                "officers",
                _("执法人员"),
                Officer.objects.visible_to(user).count(),
                link("org:officers"),
            ),
        ],
    )


# Qualification state → the warning colour of its card when the count is not zero.
STATE_LEVELS = {
    QualificationState.VALID: "ok",
    QualificationState.EXPIRING: "yellow",
    QualificationState.EXPIRED: "red",
    QualificationState.NONE: "orange",
}


def _qualification_panel(user, today: dt.date) -> Panel:
    counts = qualification_counts(user, today)
    cards = [
        Card(
            str(state),
            state.label,
            counts[state],
            link("org:officers", qualification_state=state),
            STATE_LEVELS[state] if counts[state] else "",
            _("%(days)d 天内到期") % {"days": DEFAULT_EXPIRING_DAYS}
            if state == QualificationState.EXPIRING
            else "",
        )
        for state in QualificationState
    ]
    cards.append(
        Card(
            "suspended",
            OfficerStatus.SUSPENDED.label,
            counts["suspended"],
            link("org:officers", status=OfficerStatus.SUSPENDED),
            "red" if counts["suspended"] else "",
        )
    )
    return Panel("qualification", _("执法资格"), "patch-check", cards=cards)


def _own_qualification_panel(user, today: dt.date) -> Panel | None:
    officer = user.officer
    if officer is None:
        return None
    if officer.status == OfficerStatus.SUSPENDED:
        own = Card("my_qualification", _("资格状态"), OfficerStatus.SUSPENDED.label, None, "red")
    else:
        state = qualification_state(officer, today)
        own = Card("my_qualification", _("资格状态"), state.label, None, STATE_LEVELS[state])
    expires_on = officer.qualification_expires_on
    rows = [
        (str(_("警号")), officer.police_number),
        (str(_("单位")), str(officer.unit)),
        (str(_("执法资格等级")), officer.get_qualification_level_display() or "—"),
        (str(_("资格有效期至")), expires_on.isoformat() if expires_on else "—"),
    ]
    return Panel("me", _("我的执法资格"), "person-badge", cards=[own], rows=rows, is_strip=True)


def _catalogue_panel(user) -> Panel:
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


def _accounts_panel(user) -> Panel:
    from fazhi.org.models import User

    counts = User.objects.aggregate(
        total=Count("id"),
        inactive=Count("id", filter=Q(is_active=False)),
        unscoped=Count("id", filter=Q(is_active=True, scope_unit__isnull=True)),
    )
    return Panel(
        "accounts",
        _("账号管理"),
        "people",
        cards=[
            Card("accounts", _("账号总数"), counts["total"], link("org:accounts")),
            Card(
                "inactive_accounts",
                _("已停用账号"),
                counts["inactive"],
                link("org:accounts"),
            ),
            Card(
                "unscoped_accounts",
                _("未设数据范围的账号"),
                counts["unscoped"],
                None,
                "",
                _("业务角色需设数据范围，否则看不到任何数据。"),
            ),
        ],
    )


def locked_usernames(at: dt.datetime) -> list[str]:
    """Return the usernames django-axes refuses at AT (failures reached the limit, still cooling)."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gt=at - cool_off)
    return sorted(set(attempts.exclude(username=None).values_list("username", flat=True)))


def _security_panel(user, at: dt.datetime) -> Panel:
    from axes.models import AccessAttempt

    locked = locked_usernames(at)
    failing = (
        AccessAttempt.objects.filter(attempt_time__gte=_start_of_day(at))
        .exclude(username__in=locked)
        .exclude(username=None)
        .values("username")
        .distinct()
        .count()
    )
    return Panel(
        "security",
        _("登录安全"),
        "shield-lock",
        cards=[
            Card(
                "locked_accounts",
                _("已锁定账号"),
                len(locked),
                link("org:account_roles"),
                "red" if locked else "ok",
                _("连续 %(limit)d 次登录失败即锁定") % {"limit": settings.AXES_FAILURE_LIMIT},
            ),
            Card(
                "failing_accounts",
                _("今日登录失败（未锁定）"),
                failing,
                link("org:account_roles"),
                "yellow" if failing else "",
            ),
        ],
        rows=[(str(_("已锁定")), username) for username in locked],
    )


def _audit_panel(at: dt.datetime) -> Panel:
    from fazhi.audit import log as audit
    from fazhi.audit.models import AuditEntry

    since = _start_of_day(at)
    today = AuditEntry.objects.filter(at__gte=since).aggregate(
        entries=Count("id"),
        failed_logins=Count("id", filter=Q(action="auth.login_failed")),
        lockouts=Count("id", filter=Q(action="auth.locked_out")),
    )
    # verify() walks the whole chain: fine at today's volume; a scheduled check replaces it later.
    chain = audit.verify()
    if chain.ok:
        chain_card = Card(
            "chain",
            _("审计链"),
            _("完整"),
            None,
            "ok",
            _("已校验 %(count)d 条") % {"count": chain.checked},
        )
    else:
        chain_card = Card(
            "chain",
            _("审计链"),
            _("已损坏"),
            link("audit:log"),
            "red",
            _("第 %(id)d 条起不一致") % {"id": chain.first_broken_id},
        )
    day = since.date().isoformat()
    return Panel(
        "audit",
        _("审计"),
        "journal-check",
        cards=[
            Card(
                "audit_today",
                _("今日审计记录"),
                today["entries"],
                link("audit:log", date_from=day, date_to=day),
            ),
            Card(
                "failed_logins_today",
                _("今日登录失败"),
                today["failed_logins"],
                link("audit:log", action="auth.login_failed", date_from=day, date_to=day),
                "yellow" if today["failed_logins"] else "",
            ),
            Card(
                "lockouts_today",
                _("今日账号锁定"),
                today["lockouts"],
                link("audit:log", action="auth.locked_out", date_from=day, date_to=day),
                "red" if today["lockouts"] else "",
            ),
            chain_card,
        ],
    )


def _services_panel(user, at: dt.datetime) -> Panel:
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


def _supervision_panel(user, at: dt.datetime) -> Panel:
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
            f"warnings_{level}",
            label,
            counts[level],
            link("supervision:warnings", level=level, state=WarningState.OPEN),
            colours[level] if counts[level] else "",
        )
        for level, label in WarningLevel.choices
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


def _start_of_day(at: dt.datetime) -> dt.datetime:
    """Return the start of AT's day in the display time zone (Asia/Shanghai), as an instant."""
    local = timezone.localtime(at)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def panels_for(user, at: dt.datetime) -> list[Panel]:
    """Return the panels USER's role shows on the home page at instant AT."""
    today = timezone.localdate(at)
    panels: list[Panel] = []
    if user.has_capability(C.VIEW_SCOPED_DATA):
        own = _own_qualification_panel(user, today)
        if own is not None:
            panels.append(own)
        panels.append(_supervision_panel(user, at))
        panels.append(_scope_panel(user))
        panels.append(_catalogue_panel(user))
        panels.append(_qualification_panel(user, today))
    elif user.has_capability(C.EDIT_CATALOGUE) or user.has_capability(C.PUBLISH_LIST):
        panels.append(_catalogue_panel(user))
    if user.has_capability(C.HANDLE_SERVICES):
        panels.append(_services_panel(user, at))
    if user.has_capability(C.MANAGE_ACCOUNTS):
        panels.append(_accounts_panel(user))
    if user.has_capability(C.UNLOCK_ACCOUNTS):
        panels.append(_security_panel(user, at))
    if user.has_capability(C.READ_AUDIT_LOG):
        panels.append(_audit_panel(at))
    return panels


def for_user(user, at: dt.datetime | None = None) -> dict:
    """Return the template context of USER's home page."""
    at = at or timezone.now()
    return {
        "role_label": user.get_role_display(),
        "today": timezone.localdate(at),
        "panels": panels_for(user, at),
    }

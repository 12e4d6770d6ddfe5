"""The org app's home-page panels: the user's own qualification, the scope, qualifications,
accounts (系统管理员) and locked accounts (安全管理员). Registered with ``fazhi.core.home``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.core.clock import local_day, start_of_day
from fazhi.core.home import Card, Panel, link, register
from fazhi.core.roles import Capability as C
from fazhi.org.models import OfficerStatus
from fazhi.org.officers import (
    DEFAULT_EXPIRING_DAYS,
    OfficerFilter,
    QualificationState,
    find_officers,
    qualification_state,
)

if TYPE_CHECKING:
    from fazhi.org.models import User


def qualification_counts(user: User, today: dt.date) -> dict[str, int]:
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


def _scope_panel(user: User) -> Panel:
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


def _qualification_panel(user: User, today: dt.date) -> Panel:
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


def _own_qualification_panel(user: User, today: dt.date) -> Panel | None:
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


def _accounts_panel(user: User) -> Panel:
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


def _security_panel(user: User, at: dt.datetime) -> Panel:
    from axes.models import AccessAttempt

    locked = locked_usernames(at)
    failing = (
        AccessAttempt.objects.filter(attempt_time__gte=start_of_day(local_day(at)))
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


@register(10, "me")
def own_qualification_panel(user: User, at: dt.datetime) -> Panel | None:
    if not user.has_capability(C.VIEW_SCOPED_DATA):
        return None
    return _own_qualification_panel(user, timezone.localdate(at))


@register(30, "scope")
def scope_panel(user: User, at: dt.datetime) -> Panel | None:
    return _scope_panel(user) if user.has_capability(C.VIEW_SCOPED_DATA) else None


@register(50, "qualification")
def qualification_panel(user: User, at: dt.datetime) -> Panel | None:
    if not user.has_capability(C.VIEW_SCOPED_DATA):
        return None
    return _qualification_panel(user, timezone.localdate(at))


@register(70, "accounts")
def accounts_panel(user: User, at: dt.datetime) -> Panel | None:
    return _accounts_panel(user) if user.has_capability(C.MANAGE_ACCOUNTS) else None


@register(80, "security")
def security_panel(user: User, at: dt.datetime) -> Panel | None:
    return _security_panel(user, at) if user.has_capability(C.UNLOCK_ACCOUNTS) else None

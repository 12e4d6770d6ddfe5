"""The audit administrator's home panel: today's entries and the chain's state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from fazhi.core.clock import local_day, start_of_day
from fazhi.core.home import Card, Panel, link, register
from fazhi.core.roles import Capability as C


@register(90, "audit")
def audit_panel(user: Any, at: dt.datetime) -> Panel | None:
    return _audit_panel(at) if user.has_capability(C.READ_AUDIT_LOG) else None


def _audit_panel(at: dt.datetime) -> Panel:
    from fazhi.audit import log as audit
    from fazhi.audit.models import AuditEntry

    since = start_of_day(local_day(at))
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

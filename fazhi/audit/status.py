"""The audit chain in ``fazhi status``: when it was last verified, and how old its anchor is.

``verify_and_record()`` walks the chain (``fazhi.audit.log.verify``) and keeps the result in the
``audit_verify`` heartbeat; ``fazhi audit verify`` and the worker's daily task call it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.audit import log
from fazhi.audit.models import AuditAnchor, AuditEntry
from fazhi.core.models import beat, last
from fazhi.core.status import AUDIT_VERIFY_WARN, FAIL, OK, WARN, Check, age_text


def verify_and_record() -> log.VerifyResult:
    started = timezone.now()
    result = log.verify()
    beat(
        "audit_verify",
        started_at=started,
        ok=result.ok,
        checked=result.checked,
        first_broken_id=result.first_broken_id,
        reason=result.reason,
    )
    return result


def _chain_start(now: dt.datetime) -> tuple[AuditAnchor | None, dt.datetime | None]:
    """The newest prune anchor, and when the kept chain starts: the anchor's prune, or (never
    pruned) the first entry."""
    anchor = AuditAnchor.objects.order_by("-last_pruned_id").first()
    if anchor is not None:
        return anchor, anchor.created_at
    first = AuditEntry.objects.order_by("id").values_list("at", flat=True).first()
    return None, first


def _stale_anchor(anchor: AuditAnchor | None, since: dt.datetime | None, now: dt.datetime) -> str:
    """Why the chain's start is older than FAZHI_AUDIT_ANCHOR_WARN_DAYS ('' when it is not)."""
    limit = settings.FAZHI_AUDIT_ANCHOR_WARN_DAYS
    if not limit or since is None or (now - since).days <= limit:
        return ""
    days = (now - since).days
    if anchor is not None:
        return _("审计日志已 %(days)s 天未清理（提醒阈值 %(limit)s 天）") % {
            "days": days,
            "limit": limit,
        }
    return _("审计日志自 %(date)s 起从未清理，已 %(days)s 天（提醒阈值 %(limit)s 天）") % {
        "date": timezone.localdate(since).isoformat(),
        "days": days,
        "limit": limit,
    }


def check_audit(now: dt.datetime) -> Check:
    anchor, since = _chain_start(now)
    stale = _stale_anchor(anchor, since, now)
    data: dict[str, object] = {
        "anchor_at": anchor.created_at.isoformat() if anchor else None,
        "anchor_age_days": (now - anchor.created_at).days if anchor else None,
        "chain_starts_at": since.isoformat() if since else None,
        "anchor_warn_days": settings.FAZHI_AUDIT_ANCHOR_WARN_DAYS,
    }
    row = last("audit_verify")
    if row is None:
        data["last_verified"] = None
        return Check("audit", WARN, _("审计链从未校验，请运行 fazhi audit verify"), data)
    age = now - row.finished_at
    data.update(
        last_verified=row.finished_at.isoformat(),
        verified_ok=row.ok,
        checked=row.detail.get("checked"),
        first_broken_id=row.detail.get("first_broken_id"),
    )
    if not row.ok:
        return Check(
            "audit",
            FAIL,
            _("审计链校验未通过：第 %(id)s 条记录起断开")
            % {"id": row.detail.get("first_broken_id")},
            data,
        )
    anchor_text = (
        _("锚点建立于 %(age)s") % {"age": age_text(now - anchor.created_at)}
        if anchor
        else _("尚无锚点（未清理过）")
    )
    text = _("审计链最近校验通过：%(age)s；%(anchor)s") % {
        "age": age_text(age),
        "anchor": anchor_text,
    }
    if age > AUDIT_VERIFY_WARN:
        return Check("audit", WARN, text, data)
    if stale:
        return Check("audit", WARN, f"{text}；{stale}", data)
    return Check("audit", OK, text, data)

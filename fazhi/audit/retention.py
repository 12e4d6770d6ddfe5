"""Prune audit entries older than the retention period, keeping the chain verifiable.

《中华人民共和国网络安全法》第二十一条第（三）项: network logs are kept for no less than six
months. ``settings.FAZHI_AUDIT_RETENTION_DAYS`` (at least 183) is that period; nothing younger is
ever removed. Pruning removes a prefix of the chain and leaves an ``AuditAnchor`` holding the hash
of the last removed entry, vouched for by an ``audit.prune`` entry in the chain itself, so that
``fazhi.audit.log.verify()`` still passes (docs/decisions/0007-audit-prune-anchor.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.audit.models import AuditAnchor, AuditEntry, AuditHead
from fazhi.core.access import require_capability
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Capability

# The provision as text: the audit log sits below the law app (ADR 0017), which resolves citations.
RETENTION_BASIS = "《中华人民共和国网络安全法》第二十一条第（三）项"


class RetentionViolation(FazhiError):
    """A prune would remove entries younger than the retention period."""

    code = "audit_retention"


@dataclass(frozen=True)
class PruneResult:
    before: dt.date
    pruned: int
    anchor: AuditAnchor | None  # None on a dry run or when nothing was old enough


def earliest_allowed_cutoff(today: dt.date) -> dt.date:
    """Return the latest ``before`` date a prune may use on TODAY (entries older than it go)."""
    return today - dt.timedelta(days=settings.FAZHI_AUDIT_RETENTION_DAYS)


def check_cutoff(before: dt.date, today: dt.date) -> None:
    """Raise RetentionViolation unless every entry before BEFORE is past the retention period."""
    latest = earliest_allowed_cutoff(today)
    if before > latest:
        raise RetentionViolation(
            _(
                "before %(before)s 太近：审计记录至少保留 %(days)d 天，"
                "最晚只能清理 %(latest)s 之前的记录。"
            )
            % {
                "before": before.isoformat(),
                "days": settings.FAZHI_AUDIT_RETENTION_DAYS,
                "latest": latest.isoformat(),
            },
            field="before",
            basis=RETENTION_BASIS,
        )


def _cutoff_instant(before: dt.date) -> dt.datetime:
    return dt.datetime.combine(before, dt.time.min, SHANGHAI).astimezone(dt.UTC)


def prunable(before: dt.date) -> AuditEntry | None:
    """Return the last entry of the oldest run of entries dated before BEFORE (Shanghai time).

    Only a prefix of the chain can go: everything up to the entry just before the first one
    dated on or after BEFORE.
    """
    first_kept = AuditEntry.objects.filter(at__gte=_cutoff_instant(before)).order_by("id").first()
    older = AuditEntry.objects.order_by("-id")
    if first_kept is not None:
        older = older.filter(id__lt=first_kept.id)
    return older.first()


@transaction.atomic
def prune(before: dt.date, *, actor: Any, dry_run: bool = False) -> PruneResult:
    """Remove the audit entries dated before BEFORE and anchor the chain at the last one removed.

    Only the audit administrator prunes the audit log (三员分立); BEFORE must be at least
    FAZHI_AUDIT_RETENTION_DAYS in the past.
    """
    require_capability(actor, Capability.READ_AUDIT_LOG)
    now = timezone.now()
    check_cutoff(before, now.astimezone(SHANGHAI).date())
    # Lock the head first: no entry is appended while the prefix is cut.
    AuditHead.objects.select_for_update().filter(id=1).first()
    last = prunable(before)
    if last is None:
        return PruneResult(before, 0, None)
    count = AuditEntry.objects.filter(id__lte=last.id).count()
    if dry_run:
        return PruneResult(before, count, None)
    previous = AuditAnchor.objects.order_by("-last_pruned_id").first()
    anchor = AuditAnchor(
        created_at=now,
        actor=actor,
        pruned_before=before,
        last_pruned_id=last.id,
        last_pruned_hash=last.entry_hash,
        pruned_count=count,
        pruned_total=count + (previous.pruned_total if previous else 0),
    )
    anchor.save()
    # QuerySet.delete() bypasses AuditEntry.delete(), which refuses single deletions: this
    # is the one place allowed to remove entries, and only a prefix older than the period.
    AuditEntry.objects.filter(id__lte=last.id).delete()
    audit.record(
        actor,
        "audit.prune",
        anchor,
        changes={
            "before": before.isoformat(),
            "pruned_count": count,
            "last_pruned_id": last.id,
            "last_pruned_hash": last.entry_hash,
        },
        at=now,
    )
    return PruneResult(before, count, anchor)

"""Write and verify the hash-chained audit log.

``record()`` is called by every domain operation inside its own transaction, so the audit
entry and the change it describes commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from fazhi.audit.models import AuditAnchor, AuditEntry, AuditHead
from fazhi.core.auditing import canonical as _canonical
from fazhi.core.auditing import diff_fields as diff_fields  # the one diff, re-exported

GENESIS_HASH = "0" * 64


def compute_hash(entry: AuditEntry) -> str:
    """Return the SHA-256 of the entry's content chained to the previous entry's hash."""
    body = {
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": _canonical(entry.changes),
        "ip_address": entry.ip_address,
        "prev_hash": entry.prev_hash,
    }
    payload = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _object_identity(obj: Any) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    if isinstance(obj, tuple):  # ("type", "id", "repr") for things that are not models
        object_type, object_id, object_repr = obj
        return str(object_type), str(object_id), str(object_repr)[:200]
    meta = obj._meta
    return meta.label_lower, str(obj.pk), str(obj)[:200]


def actor_label_of(actor: Any) -> str:
    if actor is None:
        raise ValueError("an audited act needs a real person or an explicit system label")
    if isinstance(actor, str):
        if not actor.startswith(("system:", "citizen:")):
            raise ValueError(
                "a non-staff actor is written as 'system:<task>' or 'citizen:<id>' (警快办)"
            )
        return actor
    return str(actor.get_username())


@transaction.atomic
def record(
    actor: Any,
    action: str,
    obj: Any = None,
    *,
    changes: dict[str, Any] | None = None,
    ip_address: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry: who (a user, or "system:<task>"), what action, on which object.

    ``changes`` holds ``{"field": [before, after]}`` for updates, or any JSON-able detail.
    """
    head, _created = AuditHead.objects.select_for_update().get_or_create(
        id=1, defaults={"last_hash": GENESIS_HASH}
    )
    object_type, object_id, object_repr = _object_identity(obj)
    entry = AuditEntry(
        at=at or timezone.now(),
        actor=None if isinstance(actor, str) else actor,
        actor_label=actor_label_of(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=_canonical(changes or {}),
        ip_address=ip_address,
        prev_hash=head.last_hash,
    )
    entry.entry_hash = compute_hash(entry)
    entry.save()
    AuditHead.objects.filter(id=1).update(last_hash=entry.entry_hash, count=head.count + 1)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    first_broken_id: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify(batch_size: int = 5000) -> VerifyResult:
    """Walk the whole chain in order and return the first entry that does not fit.

    After a legitimate prune (fazhi.audit.retention) the walk starts at the newest anchor: the
    first kept entry must chain to the anchor's hash, and the chain must contain the
    ``audit.prune`` entry that vouches for that anchor.
    """
    anchor = AuditAnchor.objects.order_by("-last_pruned_id").first()
    prev_hash = anchor.last_pruned_hash if anchor else GENESIS_HASH
    last_id = anchor.last_pruned_id if anchor else 0
    pruned = anchor.pruned_total if anchor else 0
    vouched = anchor is None
    checked = 0
    if anchor is not None:
        stale = AuditEntry.objects.filter(id__lte=last_id).order_by("id").first()
        if stale is not None:
            return VerifyResult(0, stale.id, "entry lies before the prune anchor")
    while True:
        batch = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for entry in batch:
            if entry.prev_hash != prev_hash:
                return VerifyResult(
                    checked, entry.id, "prev_hash does not match the previous entry"
                )
            if compute_hash(entry) != entry.entry_hash:
                return VerifyResult(checked, entry.id, "content does not match its hash")
            if not vouched and anchor is not None and entry.action == "audit.prune":
                vouched = entry.changes.get("last_pruned_hash") == anchor.last_pruned_hash and (
                    entry.changes.get("last_pruned_id") == anchor.last_pruned_id
                )
            prev_hash = entry.entry_hash
            checked += 1
            last_id = entry.id
    if not vouched and anchor is not None:  # vouched is False only under an anchor
        return VerifyResult(
            checked, anchor.last_pruned_id + 1, "prune anchor is not vouched for by the chain"
        )
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != prev_hash or head.count != checked + pruned):
        return VerifyResult(
            checked,
            last_id + 1 if checked else 1,
            "entries after the last one were removed (chain head does not match)",
        )
    return VerifyResult(checked, None, "ok")

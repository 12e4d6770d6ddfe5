"""Editions of the published 警快办 catalogue: draft beside the live edition, publish, compare.

As with the lists of the enforcement catalogue (fazhi/catalog/editions.py, DESIGN principle 8): a draft
starts as a copy of the published edition, is synced from the live service items, and publishing
freezes it (each entry's ``snapshot`` is the 办事指南 as published: materials, modes, limits, fees,
basis) and supersedes the previous edition. One edition is published at a time (a database
constraint). Every write checks the actor's capability (EDIT_CATALOGUE to draft, PUBLISH_LIST to
publish), refuses a frozen edition and records an audit entry in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.catalog.editions import (
    DraftExists,
    EditionDiff,
    EmptyEdition,
    EntryChange,
    FieldChange,
    SyncResult,
    compare,
    lock_draft,
    require_entries,
)
from fazhi.core.access import require_capability
from fazhi.core.roles import Capability
from fazhi.law.citations import render_citation
from fazhi.services.models import EditionEntry, EditionStatus, ServiceEdition, ServiceItem

__all__ = ["DraftExists", "EditionDiff", "EmptyEdition", "EntryChange", "FieldChange", "SyncResult"]

# The snapshot's keys, in the order a diff lists them.
SNAPSHOT_FIELDS = (
    "name",
    "category",
    "department",
    "basis_text",
    "basis",
    "levels",
    "fee",
    "statutory_days",
    "statutory_unit",
    "promised_days",
    "promised_unit",
    "limit_unverified",
    "clock_from",
    "modes",
    "on_the_spot",
    "is_online",
    "needs_roster",
    "materials",
    "guide",
)


def snapshot(item: ServiceItem) -> dict[str, Any]:
    """Return the guide of ITEM as it would be published (JSON-able, in the source language)."""
    with translation.override(settings.LANGUAGE_CODE):
        basis = [
            render_citation(p)
            for p in item.basis.select_related("version__law").order_by(
                "version__law__title", "article", "paragraph", "item"
            )
        ]
    return {
        "name": item.name,
        "category": item.category,
        "department": item.department,
        "basis_text": item.basis_text,
        "basis": basis,
        "levels": list(item.levels),
        "fee": item.fee,
        "statutory_days": item.statutory_days,
        "statutory_unit": item.statutory_unit,
        "promised_days": item.promised_days,
        "promised_unit": item.promised_unit,
        "limit_unverified": item.limit_unverified,
        "clock_from": item.clock_from,
        "modes": list(item.modes),
        "on_the_spot": item.on_the_spot,
        "is_online": item.is_online,
        "needs_roster": item.needs_roster,
        "materials": [
            {
                "name": m.name,
                "original": m.original,
                "fetched": m.fetched,
                "required": m.required,
                "note": m.note,
            }
            for m in item.materials.order_by("order")
        ],
        "guide": item.guide,
    }


def current_edition() -> ServiceEdition | None:
    """Return the published edition, or None if none was ever published."""
    return ServiceEdition.objects.filter(status=EditionStatus.PUBLISHED).first()


def open_draft() -> ServiceEdition | None:
    return ServiceEdition.objects.filter(status=EditionStatus.DRAFT).first()


def default_title(number: int) -> str:
    """The stored title, always in the source language (a public record)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("警快办服务事项目录（第%(number)s版）") % {"number": number}


@transaction.atomic
def start_draft(*, actor: Any, title: str = "", note: str = "") -> ServiceEdition:
    """Create the next draft as a copy of the published edition; one draft at a time.

    ``actor`` must hold ``Capability.EDIT_CATALOGUE``. The ``fazhi demo`` command calls this.
    """
    require_capability(actor, Capability.EDIT_CATALOGUE)
    existing = open_draft()
    if existing is not None:
        raise DraftExists(
            _("服务事项目录已有草稿（第%(number)s版），请继续编辑或发布该草稿。")
            % {"number": existing.number},
            field="edition",
        )
    base = current_edition()
    number = (ServiceEdition.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            draft = ServiceEdition.objects.create(
                number=number, title=title or default_title(number), note=note
            )
    except IntegrityError as exc:  # another draft was numbered at the same moment
        raise DraftExists(
            _("服务事项目录已有草稿，请继续编辑或发布该草稿。"), field="edition"
        ) from exc
    copied = 0
    if base is not None:
        entries = [
            EditionEntry(
                edition=draft,
                item_id=e.item_id,
                code=e.code,
                name=e.name,
                category=e.category,
                snapshot=e.snapshot,
            )
            for e in base.entries.all()
        ]
        EditionEntry.objects.bulk_create(entries, batch_size=500)
        copied = len(entries)
    audit.record(
        actor,
        "services.edition.start_draft",
        draft,
        changes={"number": number, "based_on": base.pk if base else None, "copied": copied},
    )
    return draft


@transaction.atomic
def sync_draft(draft: ServiceEdition, *, actor: Any) -> SyncResult:
    """Make DRAFT match the active service items: add, drop and refresh entries (keyed by code).

    One audit entry lists every added and removed code and every changed field.
    """
    require_capability(actor, Capability.EDIT_CATALOGUE)
    draft = lock_draft(draft)
    items = {
        i.code: i
        for i in ServiceItem.objects.filter(is_active=True).prefetch_related("materials", "basis")
    }
    entries = {e.code: e for e in draft.entries.all()}
    added = sorted(set(items) - set(entries))
    removed = sorted(set(entries) - set(items))
    changed: dict[str, dict[str, list[Any]]] = {}
    to_update = []
    for code in sorted(set(items) & set(entries)):
        entry, new = entries[code], snapshot(items[code])
        diff = audit.diff_fields(entry.snapshot, new)
        if diff or entry.item_id != items[code].pk:
            entry.snapshot, entry.item = new, items[code]
            entry.name, entry.category = new["name"], new["category"]
            to_update.append(entry)
            if diff:
                changed[code] = diff
    draft.entries.filter(code__in=removed).delete()
    EditionEntry.objects.bulk_update(
        to_update, ["snapshot", "item", "name", "category"], batch_size=500
    )
    EditionEntry.objects.bulk_create(
        [
            EditionEntry(
                edition=draft,
                item=items[code],
                code=code,
                name=items[code].name,
                category=items[code].category,
                snapshot=snapshot(items[code]),
            )
            for code in added
        ],
        batch_size=500,
    )
    result = SyncResult(added=added, removed=removed, updated=sorted(changed))
    if added or removed or changed:
        audit.record(
            actor,
            "services.edition.sync",
            draft,
            changes={"added": added, "removed": removed, "changed": changed},
        )
    return result


@transaction.atomic
def publish(draft: ServiceEdition, *, actor: Any) -> ServiceEdition:
    """Freeze DRAFT as the published edition; the previous one becomes superseded.

    ``actor`` must hold ``Capability.PUBLISH_LIST``. An empty draft is refused.
    """
    require_capability(actor, Capability.PUBLISH_LIST)
    draft = lock_draft(draft)
    require_entries(draft)
    previous = (
        ServiceEdition.objects.select_for_update().filter(status=EditionStatus.PUBLISHED).first()
    )
    now = timezone.now()
    if previous is not None:
        previous.status = EditionStatus.SUPERSEDED
        previous.save(update_fields=["status"])
        audit.record(
            actor,
            "services.edition.supersede",
            previous,
            changes={
                "status": [EditionStatus.PUBLISHED.value, EditionStatus.SUPERSEDED.value],
                "superseded_by": draft.pk,
            },
        )
    draft.status = EditionStatus.PUBLISHED
    draft.published_at = now
    draft.published_by = actor
    draft.save(update_fields=["status", "published_at", "published_by"])
    audit.record(
        actor,
        "services.edition.publish",
        draft,
        changes={
            "status": [EditionStatus.DRAFT.value, EditionStatus.PUBLISHED.value],
            "published_at": [None, now],
            "entries": draft.entries.count(),
        },
    )
    return draft


def diff(a: ServiceEdition, b: ServiceEdition) -> EditionDiff:
    """Compare edition A (earlier) with B (later), entry by entry, on the snapshot's fields."""
    return compare(a, b, SNAPSHOT_FIELDS, lambda entry, name: entry.snapshot.get(name))


def publish_if_changed(*, editor: Any, publisher: Any) -> ServiceEdition | None:
    """Draft, sync and publish a new edition unless the published one already matches the items.

    Returns the new edition, or None when nothing changed (the draft is rolled back) or when a
    draft someone opened is pending (left as it is). The ``fazhi demo`` command calls this.
    """
    if open_draft() is not None:
        return None
    with transaction.atomic():
        live = current_edition()
        draft = start_draft(actor=editor)
        result = sync_draft(draft, actor=editor)
        if live is not None and not (result.added or result.removed or result.updated):
            transaction.set_rollback(True)
            return None
        return publish(draft, actor=publisher)

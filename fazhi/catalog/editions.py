"""Edit, publish and compare editions of the 权责清单 and the 许可事项清单 (DESIGN principle 8).

A list is edited as a *draft* beside the live (published) edition. A new draft starts as a copy
of the live edition; publishing freezes the draft for good and ends the previous edition the day
before the new one takes effect. Any two editions can be compared entry by entry (keyed by code).

Every write here checks the actor's capability (EDIT_CATALOGUE to edit a draft, PUBLISH_LIST to
publish), refuses to touch a frozen edition, and records an audit entry with before/after in the
same transaction. Views, the API and the ``fazhi demo`` command all call these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.catalog.models import (
    EditionStatus,
    EnforcementItem,
    EnforcementItemQuerySet,
    ExerciseLevel,
    ItemKind,
    ListEdition,
    ListEntry,
    ListKind,
)
from fazhi.core.access import require_capability
from fazhi.core.errors import FazhiError, FrozenRecord
from fazhi.core.roles import Capability

# The entry fields copied from the catalogue item (``responsibility`` is the list's own text).
ITEM_FIELDS = (
    "name",
    "kind",
    "basis_text",
    "levels",
    "delegable_to_township",
    "must_use_centre",
)
EDITABLE_FIELDS = ListEntry.COMPARED_FIELDS
_LEVEL_ORDER = {value: index for index, value in enumerate(ExerciseLevel.values)}


class DraftExists(FazhiError):
    code = "draft_exists"


class EmptyEdition(FazhiError):
    code = "empty_edition"


class InvalidEntry(FazhiError):
    """An entry edit that fails validation; ``errors`` maps each field to its messages."""

    code = "invalid_entry"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        field, messages = next(iter(errors.items()))
        super().__init__(f"{field}: {messages[0]}", field=field)
        self.errors = errors


@dataclass(frozen=True)
class SyncResult:
    """What ``sync_draft_from_catalogue`` did, as sorted lists of entry codes."""

    added: list[str]
    removed: list[str]
    updated: list[str]

    def counts(self) -> dict[str, int]:
        """How many entries were added, removed and updated (a message's parameters)."""
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "updated": len(self.updated),
        }


class Entry(Protocol):
    """An entry of an edition, unique by code in it: a ``ListEntry`` or a 警快办 ``EditionEntry``."""

    code: str
    name: str


class Edition(Protocol):
    """An edition with a status and ``entries`` (a related manager of Entry): a ``ListEdition``
    or a 警快办 ``ServiceEdition``. The drafting guards and the diff below serve both."""

    pk: Any
    status: str  # an EditionStatus value; both apps' "draft" is the only editable one
    entries: Any


EditionT = TypeVar("EditionT", bound=Edition)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class EntryChange:
    code: str
    name: str  # the name in the later edition
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class EditionDiff:
    """Entries of B that are not in A (added), of A not in B (removed), and changed fields."""

    a: Edition
    b: Edition
    added: tuple[Entry, ...]
    removed: tuple[Entry, ...]
    changed: tuple[EntryChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_dict(self, values: Callable[[Any], dict[str, Any]] | None = None) -> dict[str, Any]:
        """Return the diff as JSON-able data (used by the API).

        VALUES gives an added or removed entry as a dict (default: ``entry_values``, a list entry).
        """
        values_of: Callable[[Any], dict[str, Any]] = values or entry_values
        return {
            "a": self.a.pk,
            "b": self.b.pk,
            "added": [values_of(entry) for entry in self.added],
            "removed": [values_of(entry) for entry in self.removed],
            "changed": [
                {
                    "code": change.code,
                    "name": change.name,
                    "fields": [
                        {"field": f.field, "before": f.before, "after": f.after}
                        for f in change.fields
                    ],
                }
                for change in self.changed
            ],
        }


def entry_values(entry: ListEntry) -> dict[str, Any]:
    """Return the code and compared fields of ENTRY as a plain dict."""
    return {"code": entry.code, **{field: getattr(entry, field) for field in EDITABLE_FIELDS}}


def normalise_levels(levels: list[str]) -> list[str]:
    """Return LEVELS without duplicates, in the order city → district → station → township.

    >>> normalise_levels(["station", "city", "station"])
    ['city', 'station']
    """
    return sorted(set(levels), key=lambda level: _LEVEL_ORDER.get(level, len(_LEVEL_ORDER)))


@lru_cache(maxsize=1)
def _default_responsibilities() -> dict[str, str]:
    path = Path(__file__).resolve().parent / "data" / "responsibilities.yaml"
    loaded: dict[str, str] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def default_responsibility(kind: str) -> str:
    """Return the drafting convention's 责任事项 for a new entry of KIND (edited per entry)."""
    return _default_responsibilities().get(kind, "")


def _snapshot(item: EnforcementItem) -> dict[str, Any]:
    values = {field: getattr(item, field) for field in ITEM_FIELDS}
    values["levels"] = normalise_levels(list(item.levels or []))
    return values


def lock_draft(edition: EditionT) -> EditionT:
    """Return EDITION re-read under a row lock; raise FrozenRecord unless it is still a draft."""
    locked: EditionT = type(edition).objects.select_for_update().get(pk=edition.pk)  # type: ignore[attr-defined]
    if locked.status != EditionStatus.DRAFT:
        raise FrozenRecord(
            _("%(edition)s 已发布，不能修改；请新建草稿版本。") % {"edition": locked},
            field="edition",
        )
    return locked


def require_entries(draft: Edition) -> None:
    """Raise EmptyEdition if DRAFT has no entry: an empty edition is never published."""
    if not draft.entries.exists():
        raise EmptyEdition(
            _("%(edition)s 没有任何事项，不能发布。") % {"edition": draft}, field="entries"
        )


def current_edition(list_kind: str) -> ListEdition | None:
    """Return the published (live) edition of LIST_KIND, or None if none was ever published."""
    return ListEdition.objects.filter(list_kind=list_kind, status=EditionStatus.PUBLISHED).first()


@transaction.atomic
def default_title(list_kind: str, number: int) -> str:
    """Return the stored title of an edition: always in the source language (a public record)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(list)s（第%(number)s版）") % {
            "list": ListKind(list_kind).label,
            "number": number,
        }


def start_draft(list_kind: str, *, actor: Any, title: str = "", note: str = "") -> ListEdition:
    """Create the next draft edition of LIST_KIND as a copy of the live edition.

    The draft copies every entry of the current published edition (or starts empty if none was
    published yet) and is numbered one above the highest edition of that list. A list has at
    most one draft: a second one raises ``DraftExists``.

    ``actor`` is the ``User`` doing it and must hold ``Capability.EDIT_CATALOGUE``.
    Stable signature: the ``fazhi demo`` command calls it.
    """
    require_capability(actor, Capability.EDIT_CATALOGUE)
    if list_kind not in ListKind.values:
        raise FazhiError(
            _("清单类型“%(value)s”无效，应为：%(choices)s。")
            % {"value": list_kind, "choices": "、".join(ListKind.values)},
            field="list_kind",
        )
    existing = ListEdition.objects.filter(list_kind=list_kind, status=EditionStatus.DRAFT).first()
    if existing is not None:
        raise DraftExists(
            _("%(list)s已有草稿（第%(number)s版），请继续编辑或发布该草稿。")
            % {"list": ListKind(list_kind).label, "number": existing.number},
            field="list_kind",
        )
    base = current_edition(list_kind)
    number = (
        ListEdition.objects.filter(list_kind=list_kind).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    try:
        with transaction.atomic():
            draft = ListEdition.objects.create(
                list_kind=list_kind,
                number=number,
                title=title or default_title(list_kind, number),
                based_on=base,
                note=note,
            )
    except IntegrityError as exc:  # another draft was started at the same moment
        raise DraftExists(
            _("%(list)s已有草稿，请继续编辑或发布该草稿。") % {"list": ListKind(list_kind).label},
            field="list_kind",
        ) from exc
    copied = 0
    if base is not None:
        entries = [
            ListEntry(
                edition=draft,
                item_id=entry.item_id,
                code=entry.code,
                **{field: getattr(entry, field) for field in EDITABLE_FIELDS},
            )
            for entry in base.entries.all()
        ]
        ListEntry.objects.bulk_create(entries)
        copied = len(entries)
    audit.record(
        actor,
        "catalog.edition.start_draft",
        draft,
        changes={
            "list_kind": list_kind,
            "number": number,
            "based_on": base.pk if base else None,
            "entries_copied": copied,
        },
    )
    return draft


@transaction.atomic
def add_entry_from_item(draft: ListEdition, item: EnforcementItem, *, actor: Any) -> ListEntry:
    """Add ITEM to DRAFT as a new entry, a snapshot of the item's current fields."""
    require_capability(actor, Capability.EDIT_CATALOGUE)
    draft = lock_draft(draft)
    if draft.entries.filter(code=item.code).exists():
        raise FazhiError(
            _("事项编码 %(code)s 已在本版清单中。") % {"code": item.code}, field="code"
        )
    entry = ListEntry.objects.create(
        edition=draft,
        item=item,
        code=item.code,
        responsibility=default_responsibility(item.kind),
        **_snapshot(item),
    )
    audit.record(
        actor,
        "catalog.entry.add",
        entry,
        changes=audit.diff_fields({}, {"code": entry.code, **entry_values(entry)}),
    )
    return entry


def _validate(entry: ListEntry, fields: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for field in fields:
        if field not in EDITABLE_FIELDS:
            errors[field] = [
                _("字段“%(field)s”不能修改，可修改的字段为：%(choices)s。")
                % {"field": field, "choices": "、".join(EDITABLE_FIELDS)}
            ]
    levels = fields.get("levels")
    if levels is not None:
        if not isinstance(levels, list | tuple):
            errors["levels"] = [_("行使层级应为列表，收到的是“%(value)s”。") % {"value": levels}]
        else:
            for level in levels:
                if level not in ExerciseLevel.values:
                    errors["levels"] = [
                        _("行使层级“%(value)s”无效，应为：%(choices)s。")
                        % {"value": level, "choices": "、".join(ExerciseLevel.values)}
                    ]
    for field in ("delegable_to_township", "must_use_centre"):
        if field in fields and not isinstance(fields[field], bool):
            errors[field] = [_("“%(value)s”不是是/否值。") % {"value": fields[field]}]
    if errors:
        raise InvalidEntry(errors)
    try:
        entry.full_clean(exclude=["edition", "item", "levels"], validate_unique=False)
    except ValidationError as exc:
        raise InvalidEntry({k: [str(m) for m in v] for k, v in exc.message_dict.items()}) from exc


@transaction.atomic
def update_entry(entry: ListEntry, fields: dict[str, Any], *, actor: Any) -> ListEntry:
    """Change FIELDS (a subset of ``ListEntry.COMPARED_FIELDS``) of an entry of a draft.

    Raises ``InvalidEntry`` naming each bad field, ``FrozenRecord`` if the edition is published.
    An edit that changes nothing writes nothing.
    """
    require_capability(actor, Capability.EDIT_CATALOGUE)
    lock_draft(entry.edition)
    entry = ListEntry.objects.get(pk=entry.pk)
    before = entry_values(entry)
    fields = dict(fields)
    if isinstance(fields.get("levels"), list | tuple):
        fields["levels"] = normalise_levels(list(fields["levels"]))
    for field, value in fields.items():
        if field in EDITABLE_FIELDS:
            setattr(entry, field, value)
    _validate(entry, fields)
    changes = audit.diff_fields(before, entry_values(entry))
    if not changes:
        return entry
    entry.save(update_fields=list(changes))
    audit.record(actor, "catalog.entry.update", entry, changes=changes)
    return entry


@transaction.atomic
def remove_entry(entry: ListEntry, *, actor: Any) -> None:
    """Remove ENTRY from its draft edition."""
    require_capability(actor, Capability.EDIT_CATALOGUE)
    lock_draft(entry.edition)
    before = entry_values(entry)
    audit.record(
        actor,
        "catalog.entry.remove",
        entry,
        changes={**audit.diff_fields(before, {}), "edition": entry.edition_id},
    )
    entry.delete()


def catalogue_for(list_kind: str) -> EnforcementItemQuerySet:
    """Return the catalogue items that belong on LIST_KIND.

    The permit list holds the active items of kind 行政许可; the power-and-responsibility list
    holds every active item.
    """
    items = EnforcementItem.objects.active()
    if list_kind == ListKind.PERMIT:
        items = items.filter(kind=ItemKind.PERMIT)
    return items


@transaction.atomic
def sync_draft_from_catalogue(draft: ListEdition, *, actor: Any) -> SyncResult:
    """Make DRAFT match the catalogue: add missing items, drop absent ones, refresh the rest.

    Entries are matched by code. Item fields are copied into the entries; each entry's
    ``responsibility`` (责任事项, written for the list) is kept. One audit entry lists every
    added, removed and changed entry with its before/after values.

    ``actor`` must hold ``Capability.EDIT_CATALOGUE``. Stable signature: ``fazhi demo`` calls it.
    """
    require_capability(actor, Capability.EDIT_CATALOGUE)
    draft = lock_draft(draft)
    items = {item.code: item for item in catalogue_for(draft.list_kind)}
    entries = {entry.code: entry for entry in draft.entries.all()}

    removed = sorted(set(entries) - set(items))
    added = sorted(set(items) - set(entries))
    changed: dict[str, dict[str, list[Any]]] = {}
    to_update = []
    for code in sorted(set(items) & set(entries)):
        entry, snapshot = entries[code], _snapshot(items[code])
        before = {field: getattr(entry, field) for field in ITEM_FIELDS}
        diff = audit.diff_fields(before, snapshot)
        if diff or entry.item_id != items[code].pk:
            for field, value in snapshot.items():
                setattr(entry, field, value)
            entry.item = items[code]
            to_update.append(entry)
            if diff:
                changed[code] = diff

    draft.entries.filter(code__in=removed).delete()
    ListEntry.objects.bulk_update(to_update, [*ITEM_FIELDS, "item"], batch_size=500)
    ListEntry.objects.bulk_create(
        [
            ListEntry(
                edition=draft,
                item=items[code],
                code=code,
                responsibility=default_responsibility(items[code].kind),
                **_snapshot(items[code]),
            )
            for code in added
        ],
        batch_size=500,
    )
    result = SyncResult(added=added, removed=removed, updated=sorted(changed))
    if added or removed or changed:
        audit.record(
            actor,
            "catalog.edition.sync",
            draft,
            changes={
                "added": added,
                "removed": {code: entry_values(entries[code]) for code in removed},
                "changed": changed,
            },
        )
    return result


@transaction.atomic
def publish(draft: ListEdition, *, actor: Any, effective_from: dt.date) -> ListEdition:
    """Freeze DRAFT as the live edition from EFFECTIVE_FROM and end the previous one.

    The previous published edition becomes superseded with ``effective_to`` the day before
    EFFECTIVE_FROM, so the two editions never overlap. An empty draft is refused, as is a date
    on or before the previous edition's own ``effective_from``. After this nothing in the
    edition can change (``FrozenRecord``).

    ``actor`` must hold ``Capability.PUBLISH_LIST``. Stable signature: ``fazhi demo`` calls it.
    """
    require_capability(actor, Capability.PUBLISH_LIST)
    draft = lock_draft(draft)
    require_entries(draft)
    previous = (
        ListEdition.objects.select_for_update()
        .filter(list_kind=draft.list_kind, status=EditionStatus.PUBLISHED)
        .first()
    )
    previous_from = previous.effective_from if previous is not None else None
    if previous is not None and previous_from is not None and effective_from <= previous_from:
        raise FazhiError(
            _("生效日期 %(date)s 不晚于现行版本（第%(number)s版）的生效日期 %(previous)s。")
            % {
                "date": effective_from.isoformat(),
                "number": previous.number,
                "previous": previous_from.isoformat(),
            },
            field="effective_from",
        )
    now = timezone.now()
    if previous is not None:
        ended_on = effective_from - dt.timedelta(days=1)
        previous.status = EditionStatus.SUPERSEDED
        previous.effective_to = ended_on
        previous.save(update_fields=["status", "effective_to"])
        audit.record(
            actor,
            "catalog.edition.supersede",
            previous,
            changes={
                "status": [EditionStatus.PUBLISHED.value, EditionStatus.SUPERSEDED.value],
                "effective_to": [None, ended_on],
                "superseded_by": draft.pk,
            },
        )
    draft.status = EditionStatus.PUBLISHED
    draft.effective_from = effective_from
    draft.published_at = now
    draft.published_by = actor
    draft.save(update_fields=["status", "effective_from", "published_at", "published_by"])
    audit.record(
        actor,
        "catalog.edition.publish",
        draft,
        changes={
            "status": [EditionStatus.DRAFT.value, EditionStatus.PUBLISHED.value],
            "effective_from": [None, effective_from],
            "published_at": [None, now],
            "entries": draft.entries.count(),
        },
    )
    return draft


def compare(
    a: Edition, b: Edition, fields: Sequence[str], value: Callable[[Any, str], Any]
) -> EditionDiff:
    """Compare edition A (earlier) with B (later), entry by entry, keyed by code.

    ``added`` are B's entries whose code is not in A, ``removed`` A's entries whose code is not
    in B (both in code order); ``changed`` lists, for each code in both, the FIELDS whose
    ``value(entry, field)`` differs, in the order of FIELDS, with A's and B's values.
    """
    old = {entry.code: entry for entry in a.entries.order_by("code")}
    new = {entry.code: entry for entry in b.entries.order_by("code")}
    changed = []
    for code in sorted(set(old) & set(new)):
        before, after = old[code], new[code]
        changes = tuple(
            FieldChange(field, value(before, field), value(after, field))
            for field in fields
            if value(before, field) != value(after, field)
        )
        if changes:
            changed.append(EntryChange(code=code, name=after.name, fields=changes))
    return EditionDiff(
        a=a,
        b=b,
        added=tuple(new[code] for code in sorted(set(new) - set(old))),
        removed=tuple(old[code] for code in sorted(set(old) - set(new))),
        changed=tuple(changed),
    )


def diff(a: ListEdition, b: ListEdition) -> EditionDiff:
    """Compare list edition A (earlier) with B (later) on ``ListEntry.COMPARED_FIELDS``."""
    return compare(a, b, ListEntry.COMPARED_FIELDS, getattr)

"""What the audit administrator sees of an entry: who did what, never the case content.

三员分立 (docs/decisions/0006, 0024): the 审计管理员 audits the acts — who, when, from which
address, which action, on which record — but holds no business-data capability, so the log page
must not become a way round the scoping. An entry about an administrative record (an account, a
unit, an officer record, the law texts, the published lists, the audit log itself) is shown
whole. An entry about business records (cases, parties, events, 警快办 applications, reviews,
petitions …) shows its reference (type and number, and the case/matter/receipt number the entry
names) and the names of the fields it touched, but every value that is not a reference is
replaced by "（已隐去）": party names, case titles, outcomes, fines, event data. Whoever may read
the case opens it by its number in the case pages, where scoping applies.

Everywhere, an ID number or a mobile number inside a value is masked as on every other page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from fazhi.audit.models import AuditEntry
from fazhi.core.identity import mask_id

# Object types whose entries the audit administrator reads whole: administration, not cases.
ADMINISTRATIVE = ("org.user", "org.unit", "org.officer", "audit.", "law.", "catalog.", "core.")
# Keys whose values are references or the shape of the act, never content (any object type).
REFERENCE_KEYS = frozenset(
    {
        "case",  # the case number
        "matter",
        "receipt",
        "number",
        "field",  # which field was revealed or changed (its name, not its value)
        "unit",
        "item",
        "procedure",
        "procedure_version",
        "handlers",  # police numbers
        "kind",
        "occurred_at",
        "corrects",
        "count",
        "counts",
        "filters",
        "page",
        "username",
    }
)
MASKED = _("（已隐去）")

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number inside TEXT."""
    text = ID_NUMBER.sub(lambda m: mask_id(m.group(0)), text)
    return MOBILE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-4:], text)


def mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    return value


def is_administrative(entry: AuditEntry) -> bool:
    return entry.object_type.startswith(ADMINISTRATIVE) or (
        not entry.object_type and entry.action.startswith(("auth.", "account.", "audit."))
    )


Row = tuple[str, object, object] | tuple[str, object]


@dataclass(frozen=True)
class ShownEntry:
    """An entry as the audit page shows it."""

    object_label: str  # the record's description, or "" when it is case content
    object_id: str
    changes: list[Row]
    masked: bool  # some content was withheld


def shown(entry: AuditEntry) -> ShownEntry:
    """Return ENTRY as the audit administrator may see it."""
    whole = is_administrative(entry)
    masked = False

    def show(key: str, value: Any) -> Any:
        nonlocal masked
        if whole or key in REFERENCE_KEYS or value in (None, "", [], {}):
            return mask_value(value)
        masked = True
        return MASKED

    rows: list[Row] = []
    for key, value in (entry.changes or {}).items():
        if isinstance(value, list) and len(value) == 2 and key not in REFERENCE_KEYS:
            rows.append((key, show(key, value[0]), show(key, value[1])))
        else:
            rows.append((key, show(key, value)))
    label = mask_text(entry.object_repr) if whole else ""
    if not whole and entry.object_repr:
        masked = True
    return ShownEntry(label, mask_text(entry.object_id), rows, masked)

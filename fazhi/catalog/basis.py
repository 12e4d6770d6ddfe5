"""Link each enforcement item's written legal basis (``basis_text``) to the provisions it cites.

Citations are resolved in the version of each law in force on the given day. Where that version
is unverified and lacks the provision — 治安管理处罚法: the 2025 revision is in force but its
official text is not at hand (legal brief §2.2) — the citation is linked to the latest verified
version instead and reported, so the item page can say that it cites a superseded text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from fazhi.audit import log as audit
from fazhi.catalog.models import EnforcementItem
from fazhi.law.citations import (
    CitationSyntaxError,
    ProvisionNotFound,
    find_law,
    parse_citation,
    resolve_citation,
)
from fazhi.law.models import Provision

_SEPARATORS = re.compile(r"[；;\n]+")


@dataclass
class LinkReport:
    linked: int = 0  # citations resolved to a provision
    changed_items: int = 0
    unresolved: list[tuple[str, str, str]] = field(default_factory=list)  # (code, citation, why)
    superseded: list[tuple[str, str, str]] = field(default_factory=list)  # (code, citation, label)


def split_basis(text: str) -> list[str]:
    """Return the citations of a basis text, one per ``；``-separated part."""
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


def _resolve(text: str, on: dt.date) -> tuple[Provision, bool]:
    """Return the provision TEXT cites on ON and whether it was taken from an older verified text."""
    citation = parse_citation(text)
    try:
        return resolve_citation(citation, on=on), False
    except ProvisionNotFound:
        law = find_law(citation.law)
        in_force = law.version_on(on)
        if in_force is None or in_force.is_verified:
            raise
        verified = (
            law.versions.filter(is_verified=True, effective_from__lte=on)
            .order_by("-effective_from")
            .first()
        )
        if verified is None:
            raise
        older = type(citation)(
            law=citation.law,
            article=citation.article,
            paragraph=citation.paragraph,
            item=citation.item,
            version=verified.label,
        )
        return resolve_citation(older, on=on), True


@transaction.atomic
def link_basis(items: models.QuerySet[EnforcementItem], *, on: dt.date, actor: Any) -> LinkReport:
    """Set each item's ``basis`` provisions from its ``basis_text``; audit what changed."""
    report = LinkReport()
    changes: dict[str, list[list[int]]] = {}
    for item in items.prefetch_related("basis"):
        provisions: list[Provision] = []
        for text in split_basis(item.basis_text):
            try:
                provision, from_older = _resolve(text, on)
            except (CitationSyntaxError, ProvisionNotFound) as exc:
                report.unresolved.append((item.code, text, str(exc)))
                continue
            provisions.append(provision)
            report.linked += 1
            if from_older:
                report.superseded.append((item.code, text, provision.version.label))
        before = sorted(p.pk for p in item.basis.all())
        after = sorted({p.pk for p in provisions})
        if before != after:
            item.basis.set(after)
            report.changed_items += 1
            changes[item.code] = [before, after]
    if changes:
        audit.record(
            actor,
            "catalog.items.link_basis",
            ("catalog.enforcementitem", "*", f"{len(changes)} items"),
            changes={"provisions": changes, "on": on.isoformat()},
        )
    return report


def items_citing_superseded_text(on: dt.date) -> models.QuerySet[EnforcementItem]:
    """Return the items whose linked provisions belong to a version no longer in force on ON."""
    return EnforcementItem.objects.filter(basis__version__effective_to__lt=on).distinct()

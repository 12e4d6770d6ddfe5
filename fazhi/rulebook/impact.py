"""What a change of law touches: every citer of a changed or removed provision, old and new text
side by side, and what cannot be resolved while the new text is not verified.

The citers come from the one registry ``fazhi.core.citations`` (rule packs of every kind, the
catalogue, list editions, 警快办 items, normative documents, exam questions …). The two versions'
provisions are read from the law tables ``fazhi load_laws`` fills, in two queries; each citation
is then classified by its number in both versions:

- **changed** — the provision exists in both and its text differs;
- **removed** — it exists in the old version and not in the new one, whose text is verified;
- **unresolved** — the new version is known only from a summary (``is_verified=False``) that does
  not hold the provision: whether it was kept, renumbered or dropped cannot be known until the
  official text is loaded (the 2025 治安管理处罚法);
- unchanged provisions and citations of other versions are counted, not listed.

Where the new version is a summary, a "changed" provision is marked unverified too: the summary's
number may not be the old number's successor (the 2025 revision renumbered the law).

``open_tasks`` turns the report into one review task per owner (``ImpactTask``); the warning
source (``alerts``) raises a warning on each open task whose owner still cites the provision, so
nothing keeps citing a dead provision unnoticed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core import auditing, citations
from fazhi.core.errors import FazhiError
from fazhi.law.citations import (
    Citation,
    CitationSyntaxError,
    find_law,
    format_citation,
    parse_citation,
)
from fazhi.law.models import Law, LawVersion, Provision
from fazhi.rulebook.models import ImpactTask, LawChange, TaskStatus

CHANGED, REMOVED, UNRESOLVED = "changed", "removed", "unresolved"
STATUS_LABELS = {
    CHANGED: "条文已修改",
    REMOVED: "条文已删除",
    UNRESOLVED: "新文本未核实，无法确定",
}
_SPACE = re.compile(r"\s+")
_HINT = re.compile(r"^(《[^《》]+》)[（(]([^（）()]+)[）)]")
Key = tuple[int, int, int]


def status_label(status: str) -> str:
    """The reader's words for a classification (changed, removed, unresolved)."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


class ImpactError(FazhiError):
    code = "impact"


@dataclass(frozen=True)
class Side:
    citation: str  # in legal form, the old (or new) version's numbering
    text: str
    verified: bool


@dataclass
class Touched:
    """One cited provision the change touches, and every citer of it."""

    key: Key
    status: str
    old: Side
    new: Side | None
    citers: list[citations.Cited] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return _(STATUS_LABELS[self.status])

    def as_dict(self) -> dict[str, Any]:
        return {
            "provision": self.old.citation,
            "status": self.status,
            "old_text": self.old.text,
            "new_citation": self.new.citation if self.new else None,
            "new_text": self.new.text if self.new else None,
            "new_verified": self.new.verified if self.new else None,
            "citers": [
                {
                    "kind": c.kind,
                    "owner": c.owner_id,
                    "label": c.owner_label,
                    "unit": c.unit,
                    "citation": c.citation,
                    "where": c.where,
                }
                for c in self.citers
            ],
        }


@dataclass
class Report:
    law: Law
    old: LawVersion
    new: LawVersion
    touched: list[Touched]
    citations_read: int  # every citation of every provider
    of_law: int  # those that cite this law
    unchanged: int  # citations of a provision that did not change
    other_version: int  # citations that name another version explicitly
    ended_before: int  # citers whose own validity ends before the new version
    not_in_old: list[citations.Cited]  # citations of a number the old version does not have

    @property
    def owners(self) -> dict[str, list[tuple[Touched, citations.Cited]]]:
        found: dict[str, list[tuple[Touched, citations.Cited]]] = defaultdict(list)
        for touched in self.touched:
            for citer in touched.citers:
                found[citer.owner_key].append((touched, citer))
        return dict(found)

    def of(self, status: str) -> list[Touched]:
        return [t for t in self.touched if t.status == status]

    def as_dict(self) -> dict[str, Any]:
        return {
            "law": self.law.title,
            "from": self.old.label,
            "to": self.new.label,
            "to_verified": self.new.is_verified,
            "citations_read": self.citations_read,
            "citations_of_law": self.of_law,
            "unchanged": self.unchanged,
            "other_version": self.other_version,
            "ended_before_new_version": self.ended_before,
            "counts": {s: len(self.of(s)) for s in (CHANGED, REMOVED, UNRESOLVED)},
            "owners": len(self.owners),
            "touched": [t.as_dict() for t in self.touched],
            "not_in_old_version": [
                {"citation": c.citation, "label": c.owner_label, "where": c.where}
                for c in self.not_in_old
            ],
        }


def _version(law: Law, label: str) -> LawVersion:
    version = law.versions.filter(label=label).first()
    if version is None:  # a unique prefix will do: 2012 for 2012-10-26
        found = list(law.versions.filter(label__startswith=label.strip())[:2])
        version = found[0] if len(found) == 1 and label.strip() else None
    if version is None:
        labels = "、".join(law.versions.values_list("label", flat=True)) or "—"
        raise ImpactError(
            _("《%(law)s》没有版本“%(label)s”（已载入：%(labels)s）。")
            % {"law": law.title, "label": label, "labels": labels},
            field="version",
        )
    return version


def versions(law_name: str, old: str, new: str) -> tuple[Law, LawVersion, LawVersion]:
    """Return the law and its two versions named OLD and NEW, or raise naming what is missing."""
    law = find_law(law_name)
    first, second = _version(law, old), _version(law, new)
    if first.pk == second.pk:
        raise ImpactError(_("原版本与新版本相同。"), field="to")
    return law, first, second


def _names(law: Law) -> frozenset[str]:
    return frozenset({law.title, law.short_title, law.code})


def _rows(version: LawVersion) -> dict[Key, tuple[str, int]]:
    return {
        (a, p, i): (text, paragraphs)
        for a, p, i, text, paragraphs in Provision.objects.filter(version=version).values_list(
            "article", "paragraph", "item", "text", "article_paragraphs"
        )
    }


def _key(rows: dict[Key, tuple[str, int]], article: int, paragraph: int, item: int) -> Key:
    """The row a citation names: an item cited without its paragraph is the paragraph's that
    has it (if exactly one does)."""
    if item and not paragraph:
        holders = [k for k in rows if k[0] == article and k[2] == item]
        if len(holders) == 1:
            return holders[0]
    return (article, paragraph, item)


def _same(a: str, b: str) -> bool:
    return re.sub(r"\s+", "", a) == re.sub(r"\s+", "", b)


def _cite(law: Law, rows: dict[Key, tuple[str, int]], key: Key) -> str:
    article, paragraph, item = key
    paragraphs = rows.get((article, 0, 0), ("", 1))[1]
    return format_citation(law.title, article, paragraph if paragraphs > 1 else 0, item)


def report(
    law: Law,
    old: LawVersion,
    new: LawVersion,
    cited: Iterable[citations.Cited] | None = None,
) -> Report:
    """Return what changing LAW from OLD to NEW touches among CITED (default: every citer)."""
    names = _names(law)
    rows_old, rows_new = _rows(old), _rows(new)
    by_key: dict[Key, Touched] = {}
    read = of_law = unchanged = other = ended = 0
    not_in_old: list[citations.Cited] = []
    parsed_cache: dict[str, Citation] = {}
    title_forms = {f"《{n}》" for n in names} | {f"《中华人民共和国{law.short_title}》"}
    for item in cited if cited is not None else citations.cited(names):
        read += 1
        text = item.citation
        if _SPACE.search(text):
            text = _SPACE.sub("", text)
        hint = ""
        if match := _HINT.match(text):
            hint = match.group(2)
            text = match.group(1) + text[match.end() :]
        if not any(text.startswith(form) for form in title_forms):
            continue
        parsed = parsed_cache.get(text)
        if parsed is None:
            try:
                parsed = parsed_cache[text] = parse_citation(text)
            except CitationSyntaxError:
                continue
        of_law += 1
        if hint and not (old.label.startswith(hint) or old.label[:4] == hint[:4]):
            other += 1  # pinned to another version (the new one, or an earlier one)
            continue
        if item.owner_to is not None and new.effective_from > item.owner_to:
            ended += 1  # the citer ends before the new version applies: nothing to review
            continue
        key = _key(rows_old, parsed.article, parsed.paragraph, parsed.item)
        if key not in rows_old:
            not_in_old.append(item)
            continue
        touched = by_key.get(key)
        if touched is None:
            new_key = _key(rows_new, *key) if key not in rows_new else key
            old_side = Side(_cite(law, rows_old, key), rows_old[key][0], old.is_verified)
            if new_key in rows_new:
                new_text = rows_new[new_key][0]
                if _same(rows_old[key][0], new_text):
                    unchanged += 1
                    by_key[key] = Touched(key, "", old_side, None)
                    continue
                new_side = Side(_cite(law, rows_new, new_key), new_text, new.is_verified)
                touched = Touched(key, CHANGED, old_side, new_side)
            else:
                touched = Touched(key, REMOVED if new.is_verified else UNRESOLVED, old_side, None)
            by_key[key] = touched
        elif not touched.status:
            unchanged += 1
            continue
        touched.citers.append(item)
    listed = sorted((t for t in by_key.values() if t.status), key=lambda t: t.key)
    return Report(law, old, new, listed, read, of_law, unchanged, other, ended, not_in_old)


def report_for(law_name: str, old: str, new: str) -> Report:
    law, first, second = versions(law_name, old, new)
    return report(law, first, second)


@dataclass(frozen=True)
class Opened:
    change: LawChange
    opened: int
    kept: int
    settled: int  # tasks whose owner no longer cites a touched provision


@transaction.atomic
def open_tasks(rep: Report, *, actor: Any = None, at: dt.datetime | None = None) -> Opened:
    """Record the change and one review task per owner that cites a touched provision.

    Idempotent: a task already open is refreshed (its citations), a task whose owner no longer
    cites any touched provision is marked ``still_cites=False`` (its warning closes on the next
    sweep). Audited once.
    """
    at = at or timezone.now()
    change, _created = LawChange.objects.get_or_create(
        from_version=rep.old,
        to_version=rep.new,
        defaults={
            "law": rep.law,
            "recorded_at": at,
            "recorded_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    change.summary = {
        "changed": len(rep.of(CHANGED)),
        "removed": len(rep.of(REMOVED)),
        "unresolved": len(rep.of(UNRESOLVED)),
        "owners": len(rep.owners),
        "citations": rep.of_law,
    }
    change.save(update_fields=["summary"])
    existing = {(t.owner_kind, t.owner_id): t for t in ImpactTask.objects.filter(change=change)}
    opened = kept = 0
    seen: set[tuple[str, str]] = set()
    for _key, items in rep.owners.items():
        first = items[0][1]
        ident = (first.kind, first.owner_id)
        seen.add(ident)
        cited = [
            {
                "citation": citer.citation,
                "provision": touched.old.citation,
                "status": touched.status,
                "where": citer.where,
            }
            for touched, citer in items
        ]
        task = existing.get(ident)
        if task is None:
            ImpactTask.objects.create(
                change=change,
                owner_kind=first.kind,
                owner_id=first.owner_id[:200],
                owner_label=first.owner_label[:300],
                unit=first.unit[:200],
                url=first.url[:300],
                citations=cited,
                opened_at=at,
            )
            opened += 1
        else:
            if task.citations != cited or not task.still_cites:
                task.citations, task.still_cites = cited, True
                task.save(update_fields=["citations", "still_cites"])
            kept += 1
    settled = (
        ImpactTask.objects.filter(change=change, still_cites=True)
        .exclude(pk__in=[existing[i].pk for i in existing if i in seen])
        .exclude(opened_at=at)
        .update(still_cites=False)
    )
    auditing.record(
        actor or "system:rulebook-impact",
        "rulebook.impact.tasks",
        change,
        changes={"opened": opened, "kept": kept, "settled": settled, **change.summary},
    )
    return Opened(change, opened, kept, settled)


@transaction.atomic
def close_task(task: ImpactTask, note: str, *, actor: Any, at: dt.datetime | None = None) -> None:
    """Mark TASK reviewed with the reviewer's NOTE (what was done: amended, confirmed …)."""
    if not note.strip():
        raise ImpactError(_("请写明复核结论（已修改引用、确认无需修改等）。"), field="note")
    if task.status == TaskStatus.DONE:
        raise ImpactError(_("该任务已复核。"), field="status")
    task.status, task.note, task.done_by = TaskStatus.DONE, note.strip(), actor
    task.done_at = at or timezone.now()
    task.save(update_fields=["status", "note", "done_by", "done_at"])
    auditing.record(actor, "rulebook.impact.review", task, changes={"note": task.note})


def refresh_changes(at: dt.datetime) -> int:
    """Re-run the report of every recorded change (a sweep step): tasks whose owner stopped
    citing a touched provision settle, new citers get tasks. Return the tasks changed."""
    changed = 0
    for change in LawChange.objects.select_related("law", "from_version", "to_version"):
        result = open_tasks(report(change.law, change.from_version, change.to_version), at=at)
        changed += result.opened + result.settled
    return changed


def citation_of(provision: Provision) -> str:
    """The citation of a loaded provision with its version named (for DB citers)."""
    version = provision.version
    paragraph = provision.paragraph if provision.article_paragraphs > 1 else 0
    title = version.law.title
    text = format_citation(title, provision.article, paragraph, provision.item)
    return f"《{title}》（{version.label}）" + text[len(title) + 2 :]

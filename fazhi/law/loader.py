"""Load the laws the product ships (fazhi/law/data/laws.yaml) into Law, LawVersion, Provision.

Idempotent: rows are matched on their natural keys (law code; version label; article,
paragraph, item), created when missing, updated when the data differs, left alone otherwise.
Every change is written to the audit log by ``system:load_laws`` in the same transaction.
A provision that the data no longer contains is reported as stale, never deleted: catalogue
items may cite it (on_delete=PROTECT).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

import yaml
from django.db import transaction

from fazhi.audit import log as audit
from fazhi.law.citations import format_citation
from fazhi.law.models import Law, LawKind, LawVersion, Provision
from fazhi.law.statutes import ParsedProvision, StatuteFormatError, read_statute

DATA_DIR = Path(__file__).resolve().parent / "data"
MANIFEST = DATA_DIR / "laws.yaml"
ACTOR = "system:load_laws"
CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
LAW_FIELDS = ("title", "short_title", "kind", "issuer")
VERSION_FIELDS = (
    "adopted_on",
    "effective_from",
    "effective_to",
    "is_verified",
    "source",
    "effective_from_source",
    "note",
)
PROVISION_FIELDS = ("chapter", "section", "text", "is_verified", "article_paragraphs")


class ManifestError(ValueError):
    """The law manifest or a file it names is wrong; the message names file, law and field."""


@dataclass(frozen=True)
class VersionSpec:
    label: str
    adopted_on: dt.date
    effective_from: dt.date
    effective_to: dt.date | None
    is_verified: bool
    source: str
    effective_from_source: str
    note: str

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in VERSION_FIELDS}


@dataclass(frozen=True)
class LawSpec:
    code: str
    title: str
    short_title: str
    kind: str
    issuer: str
    versions: tuple[VersionSpec, ...]

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in LAW_FIELDS}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"created={self.created} updated={self.updated} unchanged={self.unchanged}"


@dataclass
class LoadReport:
    laws: Counts = field(default_factory=Counts)
    versions: Counts = field(default_factory=Counts)
    provisions: Counts = field(default_factory=Counts)
    stale: list[str] = field(default_factory=list)  # provisions in the database, not in the data

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in (self.laws, self.versions, self.provisions))


@overload
def _date(value: Any, where: str, name: str, *, optional: Literal[False] = False) -> dt.date: ...
@overload
def _date(value: Any, where: str, name: str, *, optional: Literal[True]) -> dt.date | None: ...
def _date(value: Any, where: str, name: str, *, optional: bool = False) -> dt.date | None:
    if value is None and optional:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ManifestError(f"{where}: {name} {value!r} is not a date (YYYY-MM-DD)") from None


def tidy(text: str) -> str:
    """Join the lines of a YAML block: Chinese runs on without a space, English gets one."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    out = ""
    for line in lines:
        if out and out[-1].isascii() and line[0].isascii():
            out += " "
        out += line
    return out


def _text(entry: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = entry.get(key)
    if value is None or str(value).strip() == "":
        if required:
            raise ManifestError(f"{where}: {key} is missing")
        return ""
    return tidy(value)


def read_manifest(path: Path = MANIFEST) -> list[LawSpec]:
    """Return the laws that the manifest at PATH describes, checked field by field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("laws"), list):
        raise ManifestError(f"{path.name}: expected a top-level 'laws:' list")
    specs: list[LawSpec] = []
    codes: set[str] = set()
    for index, entry in enumerate(data["laws"], start=1):
        where = f"{path.name}: law #{index}"
        code = str(entry.get("code", ""))
        if not CODE_RE.match(code):
            raise ManifestError(f"{where}: code {code!r} is not a lower-case ASCII slug")
        if code in codes:
            raise ManifestError(f"{where}: code {code!r} appears twice")
        codes.add(code)
        where = f"{path.name}: law {code}"
        kind = str(entry.get("kind", ""))
        if kind not in LawKind.values:
            raise ManifestError(f"{where}: kind {kind!r} is not one of {', '.join(LawKind.values)}")
        versions = tuple(_read_version(v, f"{where} version", path) for v in entry["versions"])
        _check_versions(versions, where)
        specs.append(
            LawSpec(
                code=code,
                title=_text(entry, "title", where),
                short_title=_text(entry, "short_title", where),
                kind=kind,
                issuer=_text(entry, "issuer", where, required=False),
                versions=versions,
            )
        )
    return specs


def _read_version(entry: dict[str, Any], where: str, manifest: Path) -> VersionSpec:
    label = str(entry.get("label", "")).strip()
    if not label:
        raise ManifestError(f"{where}: label is missing")
    where = f"{where} {label}"
    source = _text(entry, "source", where)
    if not (manifest.parent / source).is_file():
        raise ManifestError(f"{where}: source {source!r} does not exist next to {manifest.name}")
    is_verified = entry.get("is_verified")
    if not isinstance(is_verified, bool):
        raise ManifestError(f"{where}: is_verified {is_verified!r} must be true or false")
    spec = VersionSpec(
        label=label,
        adopted_on=_date(entry.get("adopted_on"), where, "adopted_on"),
        effective_from=_date(entry.get("effective_from"), where, "effective_from"),
        effective_to=_date(entry.get("effective_to"), where, "effective_to", optional=True),
        is_verified=is_verified,
        source=source,
        effective_from_source=_text(entry, "effective_from_source", where, required=False),
        note=_text(entry, "note", where, required=False),
    )
    if spec.effective_to is not None and spec.effective_to < spec.effective_from:
        raise ManifestError(
            f"{where}: effective_to {spec.effective_to} is before effective_from "
            f"{spec.effective_from}"
        )
    return spec


def _check_versions(versions: tuple[VersionSpec, ...], where: str) -> None:
    if not versions:
        raise ManifestError(f"{where}: no versions")
    labels = [v.label for v in versions]
    if len(set(labels)) != len(labels):
        raise ManifestError(f"{where}: version labels repeat: {labels}")
    ordered = sorted(versions, key=lambda v: v.effective_from)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            raise ManifestError(
                f"{where}: version {earlier.label} (effective_to {earlier.effective_to}) "
                f"overlaps version {later.label} (effective_from {later.effective_from})"
            )


def provisions_of(
    law: LawSpec, version: VersionSpec, data_dir: Path = DATA_DIR
) -> list[ParsedProvision]:
    """Return the provision rows of VERSION, from its statute text or its summary file."""
    path = data_dir / version.source
    where = f"law {law.code} version {version.label}"
    if path.suffix == ".md":
        try:
            statute = read_statute(path)
        except StatuteFormatError as exc:
            raise ManifestError(f"{where}: {exc}") from exc
        if statute.title != law.title:
            raise ManifestError(
                f"{where}: title {law.title!r} differs from the heading {statute.title!r} "
                f"of {path.name}"
            )
        rows = list(statute.provisions())
        if not version.is_verified:
            rows = [replace(row, is_verified=False) for row in rows]
        return rows
    return _summary_rows(path, where)


def _summary_rows(path: Path, where: str) -> list[ParsedProvision]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = []
    for index, entry in enumerate(data.get("provisions", []), start=1):
        spot = f"{where}: {path.name} provision #{index}"
        article = entry.get("article")
        if not isinstance(article, int) or article < 1:
            raise ManifestError(f"{spot}: article {article!r} must be a positive integer")
        if entry.get("is_verified") is not False:
            raise ManifestError(f"{spot}: a summary is never verified; set is_verified: false")
        text = tidy(entry.get("text", ""))
        if "未核实" not in text:
            raise ManifestError(f"{spot}: the text must say 未核实 (unverified)")
        rows.append(
            ParsedProvision(
                article=article,
                paragraph=int(entry.get("paragraph", 0)),
                item=int(entry.get("item", 0)),
                chapter=str(entry.get("chapter", "")),
                section=str(entry.get("section", "")),
                text=text,
                article_paragraphs=int(entry.get("article_paragraphs", 1)),
                is_verified=False,
            )
        )
    return rows


@transaction.atomic
def load_laws(
    manifest: Path = MANIFEST, *, dry_run: bool = False, actor: Any = ACTOR
) -> LoadReport:
    """Create or update every law, version and provision of MANIFEST; return the counts.

    With DRY_RUN the same work is done and counted, then rolled back.
    """
    specs = read_manifest(manifest)
    report = LoadReport()
    for spec in specs:
        law = _upsert(Law, {"code": spec.code}, spec.fields(), report.laws, actor, "law.law")
        for version_spec in spec.versions:
            rows = provisions_of(spec, version_spec, manifest.parent)
            version = _upsert(
                LawVersion,
                {"law": law, "label": version_spec.label},
                version_spec.fields(),
                report.versions,
                actor,
                "law.version",
            )
            _sync_provisions(version, rows, report, actor)
    if dry_run:
        transaction.set_rollback(True)
    return report


_Upserted = TypeVar("_Upserted", Law, LawVersion)


def _upsert(
    model: type[_Upserted],
    keys: dict[str, Any],
    values: dict[str, Any],
    counts: Counts,
    actor: Any,
    action: str,
) -> _Upserted:
    obj = model.objects.filter(**keys).first()
    if obj is None:
        obj = model.objects.create(**keys, **values)
        counts.created += 1
        audit.record(actor, f"{action}.create", obj, changes=values)
        return obj
    before = {name: getattr(obj, name) for name in values}
    changes = audit.diff_fields(before, values)
    if not changes:
        counts.unchanged += 1
        return obj
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save(update_fields=list(values))
    counts.updated += 1
    audit.record(actor, f"{action}.update", obj, changes=changes)
    return obj


def _sync_provisions(
    version: LawVersion, rows: list[ParsedProvision], report: LoadReport, actor: Any
) -> None:
    existing = {(p.article, p.paragraph, p.item): p for p in version.provisions.all()}
    to_create: list[Provision] = []
    to_update: list[Provision] = []
    updated: dict[str, dict[str, list[Any]]] = {}
    for row in rows:
        key = (row.article, row.paragraph, row.item)
        values = {name: getattr(row, name) for name in PROVISION_FIELDS}
        current = existing.pop(key, None)
        if current is None:
            to_create.append(
                Provision(
                    version=version,
                    article=row.article,
                    paragraph=row.paragraph,
                    item=row.item,
                    **values,
                )
            )
            continue
        changes = audit.diff_fields({n: getattr(current, n) for n in PROVISION_FIELDS}, values)
        if not changes:
            report.provisions.unchanged += 1
            continue
        for name, value in values.items():
            setattr(current, name, value)
        to_update.append(current)
        updated[format_citation(version.law.short_title, *key)] = changes
    Provision.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Provision.objects.bulk_update(to_update, PROVISION_FIELDS, batch_size=500)
    report.provisions.created += len(to_create)
    report.provisions.updated += len(to_update)
    report.stale += [
        f"{version}: {format_citation(version.law.short_title, *key)}" for key in sorted(existing)
    ]
    if to_create or to_update:
        audit.record(
            actor,
            "law.provisions.load",
            version,
            changes={"created": len(to_create), "updated": updated},
        )


DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


@transaction.atomic
def load_statute_file(
    path: Path,
    *,
    label: str | None = None,
    manifest: Path = MANIFEST,
    dry_run: bool = False,
    actor: Any = ACTOR,
) -> tuple[LoadReport, str, str]:
    """Load one official statute text (PATH) as the text of a version in MANIFEST; verified.

    The law is the one whose title is the file's ``#`` heading; the version is LABEL, or the
    date in the file name (``治安管理处罚法(2025-06-27).md``). Its provisions are replaced by the
    text's (a summary's rows are overwritten, rows the text lacks are reported stale) and the
    version is marked verified — the step that lets a legal officer check the rules that cite
    it (``fazhi discretion confirm``). Returns (counts, law code, version label).
    """
    try:
        statute = read_statute(path)
    except StatuteFormatError as exc:
        raise ManifestError(str(exc)) from exc
    except OSError as exc:
        raise ManifestError(f"{path}: cannot be read ({exc.strerror})") from exc
    specs = read_manifest(manifest)
    law = next((spec for spec in specs if spec.title == statute.title), None)
    if law is None:
        raise ManifestError(
            f"{path.name}: no law titled {statute.title!r} in {manifest.name}; add it there first"
        )
    if label is None:
        found = DATE_IN_NAME.search(path.name)
        if found is None:
            raise ManifestError(
                f"{path.name}: name the version with --label (one of "
                f"{', '.join(v.label for v in law.versions)})"
            )
        label = found.group(1)
    version_spec = next((v for v in law.versions if v.label == label), None)
    if version_spec is None:
        raise ManifestError(
            f"{path.name}: law {law.code} has no version {label!r} in {manifest.name} (versions: "
            f"{', '.join(v.label for v in law.versions)})"
        )
    report = LoadReport()
    row = _upsert(Law, {"code": law.code}, law.fields(), report.laws, actor, "law.law")
    fields = {**version_spec.fields(), "is_verified": True, "source": path.name}
    version = _upsert(
        LawVersion, {"law": row, "label": label}, fields, report.versions, actor, "law.version"
    )
    _sync_provisions(version, list(statute.provisions()), report, actor)
    if dry_run:
        transaction.set_rollback(True)
    return report, law.code, label

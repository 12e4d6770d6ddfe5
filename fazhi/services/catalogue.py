"""Load the 警快办 service catalogue (items, their materials and forms, and the 一件事 bundles) from YAML.

``load_catalogue`` reads ``data/items.yaml`` and ``data/bundles.yaml`` (README.md there says what each
field means), validates every item and bundle, and writes the valid ones in one transaction. It is
idempotent: a second run with the same files writes nothing and records no audit entry. Every rejected
entry is reported with its position in the file, the field and the reason in Chinese and English, as
``fazhi import`` reports rejected rows (DESIGN principle 6). Each item's written basis is then linked to
the provisions it cites, in the version in force on the day of the load, as the enforcement catalogue
does (fazhi/catalog/basis.py); a citation of a law the platform does not hold stays text only.

Time limits carry their unit ("15 个工作日", "15 日", "24 小时"); a promise that, started at the same
instant as the statutory limit on any day of the coming year, would end after it is refused
(``LimitCheck``; data/README.md, "Time limits").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.audit import log as audit
from fazhi.catalog.basis import _resolve, split_basis
from fazhi.catalog.models import ExerciseLevel
from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import FazhiError
from fazhi.core.importing import ImportReport, Outcome, Rejection, RowError
from fazhi.law.citations import CitationSyntaxError, ProvisionNotFound, find_law, parse_citation
from fazhi.law.models import Provision
from fazhi.services import formspec
from fazhi.services.applications import due_after
from fazhi.services.models import (
    Bundle,
    BundleItem,
    ClockFrom,
    HandlingMode,
    LimitUnit,
    Material,
    ServiceCategory,
    ServiceItem,
    limit_text,
)

DATA = Path(__file__).resolve().parent / "data"
ITEMS_FILE = DATA / "items.yaml"
BUNDLES_FILE = DATA / "bundles.yaml"
POLICE = "公安局"  # the department of the bureau's own items (ServiceItem.department's default)

CODE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
ITEM_KEYS = frozenset(
    {
        "code",
        "name",
        "category",
        "department",
        "basis",
        "levels",
        "fee",
        "statutory",
        "promised",
        "limit_unverified",
        "clock_from",
        "modes",
        "on_the_spot",
        "is_online",
        "needs_roster",
        "materials",
        "form",
        "guide",
    }
)
OLD_LIMIT_KEYS = frozenset({"statutory_days", "promised_days"})  # before limits had a unit
MATERIAL_KEYS = frozenset({"name", "original", "fetched", "required", "note"})
BUNDLE_KEYS = frozenset({"code", "name", "description", "items"})
ONLINE_MODES = frozenset({HandlingMode.ONLINE, HandlingMode.ONLINE_WINDOW})
ITEM_FIELDS = (
    "name",
    "category",
    "department",
    "basis_text",
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
    "form",
    "guide",
    "is_active",
)
MAX_DAYS = 365
MAX_HOURS = 24 * 30
ON_THE_SPOT = "即办"  # promised: 0 working days, completed on the day
LIMIT = re.compile(r"^(\d+)\s*(个工作日|日|小时)$")
LIMIT_UNITS = {"个工作日": LimitUnit.WORKDAYS, "日": LimitUnit.DAYS, "小时": LimitUnit.HOURS}
COMPARE_DAYS = 366  # a promise is compared with the law for every start day of a year from the load


class CatalogueFileError(FazhiError):
    """A catalogue file cannot be used at all: missing, not YAML, or not the expected shape."""

    code = "catalogue_file"


@dataclass
class CatalogueReport:
    """What one load did: per kind, accepted/unchanged/rejected; then the basis links."""

    items: ImportReport = field(default_factory=ImportReport)
    bundles: ImportReport = field(default_factory=ImportReport)
    basis_changed: int = 0  # items whose linked provisions changed
    linked: int = 0  # citations resolved to a provision
    text_only: int = 0  # citations of a law not cited to an article (kept as text)
    unresolved: list[tuple[str, str, str]] = field(default_factory=list)  # (code, citation, why)
    superseded: list[tuple[str, str, str]] = field(default_factory=list)  # (code, citation, label)

    @property
    def changed(self) -> bool:
        return bool(self.items.accepted or self.bundles.accepted or self.basis_changed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items.as_dict(),
            "bundles": self.bundles.as_dict(),
            "basis_changed": self.basis_changed,
            "linked": self.linked,
            "text_only": self.text_only,
            "unresolved": [list(row) for row in self.unresolved],
            "superseded": [list(row) for row in self.superseded],
        }


# --- reading -----------------------------------------------------------------------------------


def read_yaml(path: str | Path, key: str) -> dict[str, Any]:
    """Return the mapping in PATH; raise CatalogueFileError unless it holds a list under KEY."""
    path = Path(path)
    if not path.is_file():
        raise CatalogueFileError(_("文件 %(path)s 不存在。") % {"path": path})
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueFileError(
            _("文件 %(path)s 不是有效的 YAML：%(error)s") % {"path": path.name, "error": exc}
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise CatalogueFileError(
            _("文件 %(path)s 应包含列表“%(key)s”。") % {"path": path.name, "key": key}
        )
    return data


# --- validating one entry ----------------------------------------------------------------------


def _text(raw: Mapping[str, Any], name: str, max_length: int, *, required: bool = True) -> str:
    value = raw.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RowError(name, _("“%(value)s”应为文字。"), value=value)
    value = value.strip()
    if required and not value:
        raise RowError(name, _("不能为空。"))
    if len(value) > max_length:
        raise RowError(
            name, _("长度为%(length)d，超过%(max)d个字符。"), length=len(value), max=max_length
        )
    return value


def _bool(raw: Mapping[str, Any], name: str, default: bool) -> bool:
    value = raw.get(name, default)
    if not isinstance(value, bool):
        raise RowError(name, _("“%(value)s”应为 true 或 false。"), value=value)
    return value


def _limit(raw: Mapping[str, Any], name: str, *, required: bool) -> tuple[int | None, str]:
    """Return (amount, unit) of a time limit written "15 个工作日", "15 日" or "24 小时"."""
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise RowError(name, _("不能为空。"))
        return None, LimitUnit.WORKDAYS
    if name == "promised" and value == ON_THE_SPOT:
        return 0, LimitUnit.WORKDAYS
    match = LIMIT.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise RowError(
            name,
            _("“%(value)s”应写明数量和单位，如“15 个工作日”“15 日”“24 小时”。"),
            value=value,
        )
    amount, unit = int(match[1]), LIMIT_UNITS[match[2]]
    most = MAX_HOURS if unit == LimitUnit.HOURS else MAX_DAYS
    least = 0 if name == "promised" else 1
    if not least <= amount <= most:
        raise RowError(
            name,
            _("“%(value)s”超出范围：应为 %(least)d 到 %(most)d。"),
            value=value,
            least=least,
            most=most,
        )
    return amount, unit


def _clock_from(raw: Mapping[str, Any]) -> str:
    """``accepted`` (the default: 自受理之日起) or ``received`` (自收到申请之时（日）起)."""
    value = raw.get("clock_from", ClockFrom.ACCEPTED)
    if value not in ClockFrom.values:
        raise RowError(
            "clock_from",
            _("“%(value)s”不是可用的值，可用：%(allowed)s。"),
            value=value,
            allowed="、".join(ClockFrom.values),
        )
    return str(value)


def _choices(raw: Mapping[str, Any], name: str, allowed: list[tuple[str, Any]]) -> list[str]:
    value = raw.get(name)
    if not isinstance(value, list) or not value:
        raise RowError(name, _("应为非空列表。"))
    words = {code: code for code, _label in allowed} | {str(label): code for code, label in allowed}
    out: list[str] = []
    for entry in value:
        code = words.get(entry) if isinstance(entry, str) else None
        if code is None:
            raise RowError(
                name,
                _("“%(value)s”不是可用的值，可用：%(allowed)s。"),
                value=entry,
                allowed="、".join(code for code, _label in allowed),
            )
        if code in out:
            raise RowError(name, _("“%(value)s”出现了两次。"), value=entry)
        out.append(code)
    return out


def _category(raw: Mapping[str, Any]) -> str:
    value = raw.get("category")
    words = {code: code for code in ServiceCategory.values}
    words |= {str(label): code for code, label in ServiceCategory.choices}
    if not isinstance(value, str) or value not in words:
        raise RowError(
            "category",
            _("“%(value)s”不是可用的值，可用：%(allowed)s。"),
            value=value,
            allowed="、".join(ServiceCategory.values),
        )
    return words[value]


def _refuse_unknown(raw: Mapping[str, Any], allowed: frozenset[str], field: str = "") -> None:
    """Raise RowError naming RAW's keys not in ALLOWED, on FIELD (default: the first such key)."""
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise RowError(field or unknown[0], _("未知字段：%(fields)s。"), fields="、".join(unknown))


def _materials(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    value = raw.get("materials", [])
    if not isinstance(value, list):
        raise RowError("materials", _("应为列表。"))
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    for number, entry in enumerate(value, start=1):
        where = f"materials[{number}]"
        if not isinstance(entry, dict):
            raise RowError(where, _("应为映射（name、original、fetched、required、note）。"))
        _refuse_unknown(entry, MATERIAL_KEYS, where)
        try:
            material: dict[str, Any] = {
                "order": number,
                "name": _text(entry, "name", 200),
                "original": _bool(entry, "original", False),
                "fetched": _bool(entry, "fetched", False),
                "required": _bool(entry, "required", True),
                "note": _text(entry, "note", 200, required=False),
            }
        except RowError as error:
            raise RowError(f"{where}.{error.field}", error.message, **error.params) from error
        if material["name"] in names:
            raise RowError(
                f"{where}.name", _("材料“%(value)s”出现了两次。"), value=material["name"]
            )
        names.add(material["name"])
        out.append(material)
    return out


def _form(raw: Mapping[str, Any], forms: Mapping[str, Any], code: str) -> list[dict[str, Any]]:
    value = raw.get("form", [])
    if isinstance(value, str):
        if value not in forms:
            raise RowError(
                "form",
                _("申请表“%(value)s”未在 forms 中定义，可用：%(allowed)s。"),
                value=value,
                allowed="、".join(sorted(forms)),
            )
        value = forms[value]
    try:
        return formspec.check_spec(value, where=code)
    except formspec.FormSpecError as error:
        raise RowError("form", _("申请表定义有误：%(error)s"), error=str(error)) from error


def parse_item(raw: Any, forms: Mapping[str, Any]) -> dict[str, Any]:
    """Return the model values of one item of items.yaml, or raise RowError naming the field."""
    if not isinstance(raw, dict):
        raise RowError("", _("每个事项应为映射。"))
    old_keys = sorted(OLD_LIMIT_KEYS & set(raw))
    if old_keys:
        raise RowError(
            old_keys[0],
            _(
                "%(key)s 已停用：时限写作 statutory / promised 并写明单位，"
                "如“15 个工作日”“15 日”“24 小时”。"
            ),
            key=old_keys[0],
        )
    _refuse_unknown(raw, ITEM_KEYS)
    code = _text(raw, "code", 40)
    if not CODE.match(code):
        raise RowError(
            "code", _("事项编码“%(value)s”应为大写字母、数字和连字符，如 JKB-HZ-001。"), value=code
        )
    values: dict[str, Any] = {
        "code": code,
        "name": _text(raw, "name", 200),
        "category": _category(raw),
        "department": _text(raw, "department", 100, required=False) or POLICE,
        "basis_text": _text(raw, "basis", 2000),
        "levels": _choices(raw, "levels", ExerciseLevel.choices),
        "fee": _text(raw, "fee", 200, required=False) or "不收费",
        "limit_unverified": _text(raw, "limit_unverified", 1000, required=False),
        "modes": _choices(raw, "modes", HandlingMode.choices),
        "on_the_spot": _bool(raw, "on_the_spot", False),
        "is_online": _bool(raw, "is_online", True),
        "needs_roster": _bool(raw, "needs_roster", False),
        "guide": _text(raw, "guide", 4000, required=False),
        "is_active": True,
    }
    values["statutory_days"], values["statutory_unit"] = _limit(raw, "statutory", required=False)
    values["promised_days"], values["promised_unit"] = _limit(raw, "promised", required=True)
    values["clock_from"] = _clock_from(raw)
    online_modes = ONLINE_MODES & set(values["modes"])
    if values["is_online"] and not online_modes:
        raise RowError("modes", _("网上可办的事项应支持“全程网办”或“网上申请、窗口领取”。"))
    if not values["is_online"] and online_modes:
        raise RowError(
            "is_online",
            _("办理方式含网上办理（%(modes)s），is_online 却为 false。"),
            modes="、".join(sorted(online_modes)),
        )
    values["materials"] = _materials(raw)
    values["form"] = _form(raw, forms, code)
    return values


@dataclass(frozen=True)
class LaterEnd:
    """A start at which the promised limit ends after the statutory one."""

    start: dt.datetime
    promised_at: dt.datetime
    statutory_at: dt.datetime


def promise_ends_later(
    promised: tuple[int, str],
    statutory: tuple[int, str],
    starts: list[dt.datetime],
    cal: WorkCalendar | None = None,
) -> LaterEnd | None:
    """Return the first of STARTS at which PROMISED ends after STATUTORY, or None.

    Both limits are counted from the same instant on the same working-day calendar
    (``applications.due_after``: add_period's rules) and compared by the instant each is missed.
    """
    cal = cal or default_calendar()
    for start in starts:
        promised_at = due_after(start, *promised, cal).at
        statutory_at = due_after(start, *statutory, cal).at
        if promised_at > statutory_at:
            return LaterEnd(start, promised_at, statutory_at)
    return None


def compare_starts(
    on: dt.date, days: int = COMPARE_DAYS, *, hours: bool = True
) -> list[dt.datetime]:
    """The instants a promise is compared from: the first second of each day from ON and, if HOURS
    (a limit in hours is involved), its last second too (an hour limit ends earliest from the start
    of a day, a day limit gains most from its end). Day limits do not depend on the hour."""
    out = []
    for n in range(days):
        day = dt.datetime.combine(on + dt.timedelta(days=n), dt.time.min, SHANGHAI)
        out += [day, day + dt.timedelta(days=1, seconds=-1)] if hours else [day]
    return out


class LimitCheck:
    """Refuse a promise longer than the statutory limit (memoised per pair of limits in a load)."""

    def __init__(self, on: dt.date, cal: WorkCalendar | None = None) -> None:
        self.starts = compare_starts(on)
        self.day_starts = compare_starts(on, hours=False)
        self.cal = cal or default_calendar()
        self.seen: dict[tuple[tuple[int, str], tuple[int, str]], LaterEnd | None] = {}

    def later(self, promised: tuple[int, str], statutory: tuple[int, str]) -> LaterEnd | None:
        key = (promised, statutory)
        if key not in self.seen:
            hours = LimitUnit.HOURS in (promised[1], statutory[1])
            starts = self.starts if hours else self.day_starts
            self.seen[key] = promise_ends_later(promised, statutory, starts, self.cal)
        return self.seen[key]

    def check(self, values: Mapping[str, Any], *, file: str, row: int) -> None:
        """Raise RowError on ``promised`` naming FILE, ROW and the item's code if it is too long."""
        if values["statutory_days"] is None:
            return
        promised = (values["promised_days"], values["promised_unit"])
        statutory = (values["statutory_days"], values["statutory_unit"])
        params = {
            "file": file,
            "row": row,
            "code": values["code"],
            "promised": limit_text(*promised),
            "statutory": limit_text(*statutory),
        }
        if promised[1] == statutory[1]:
            if promised[0] > statutory[0]:
                raise RowError(
                    "promised",
                    _(
                        "%(file)s 第%(row)d条 %(code)s：承诺时限 %(promised)s 超过法定时限 "
                        "%(statutory)s。"
                    ),
                    **params,
                )
            return
        later = self.later(promised, statutory)
        if later is not None:
            raise RowError(
                "promised",
                _(
                    "%(file)s 第%(row)d条 %(code)s：承诺时限 %(promised)s 长于法定时限 "
                    "%(statutory)s——同自 %(start)s 起算，承诺时限至 %(promised_at)s 届满，"
                    "法定时限至 %(statutory_at)s 届满（同一工作日历）。"
                ),
                start=f"{later.start.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
                promised_at=f"{later.promised_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
                statutory_at=f"{later.statutory_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
                **params,
            )


def parse_bundle(raw: Any, known_codes: set[str]) -> dict[str, Any]:
    """Return the values of one bundle of bundles.yaml, or raise RowError naming the field."""
    if not isinstance(raw, dict):
        raise RowError("", _("每个一件事应为映射。"))
    _refuse_unknown(raw, BUNDLE_KEYS)
    code = _text(raw, "code", 40)
    if not CODE.match(code):
        raise RowError(
            "code", _("一件事编码“%(value)s”应为大写字母、数字和连字符，如 YJS-001。"), value=code
        )
    items = raw.get("items")
    if not isinstance(items, list) or len(items) < 2:
        raise RowError("items", _("一件事应至少包含两个事项。"))
    for number, item_code in enumerate(items, start=1):
        if not isinstance(item_code, str) or item_code not in known_codes:
            raise RowError(f"items[{number}]", _("事项编码“%(value)s”不存在。"), value=item_code)
        if items.index(item_code) != number - 1:
            raise RowError(f"items[{number}]", _("事项“%(value)s”出现了两次。"), value=item_code)
    return {
        "code": code,
        "name": _text(raw, "name", 200),
        "description": _text(raw, "description", 2000, required=False),
        "items": list(items),
    }


# --- writing -----------------------------------------------------------------------------------


def _material_rows(item: ServiceItem) -> list[dict[str, Any]]:
    return [
        {
            "order": m.order,
            "name": m.name,
            "original": m.original,
            "fetched": m.fetched,
            "required": m.required,
            "note": m.note,
        }
        for m in item.materials.order_by("order")
    ]


def upsert_item(values: dict[str, Any], *, actor: Any) -> tuple[ServiceItem, Outcome]:
    """Create or update one item and its materials; audit what changed."""
    materials = values.pop("materials")
    code = values.pop("code")
    item = ServiceItem.objects.filter(code=code).first()
    if item is None:
        item = ServiceItem.objects.create(code=code, **values)
        Material.objects.bulk_create([Material(item=item, **m) for m in materials])
        audit.record(
            actor,
            "services.item.import.created",
            item,
            changes={**audit.diff_fields({}, values), "materials": [None, len(materials)]},
        )
        return item, Outcome.CREATED
    before = {name: getattr(item, name) for name in ITEM_FIELDS}
    changes = audit.diff_fields(before, values)
    old_materials = _material_rows(item)
    if old_materials != materials:
        changes["materials"] = [old_materials, materials]
        item.materials.all().delete()
        Material.objects.bulk_create([Material(item=item, **m) for m in materials])
    if not changes:
        return item, Outcome.UNCHANGED
    for name, value in values.items():
        setattr(item, name, value)
    item.save(update_fields=[name for name in ITEM_FIELDS if name in changes])
    audit.record(actor, "services.item.import.updated", item, changes=changes)
    return item, Outcome.UPDATED


def upsert_bundle(values: dict[str, Any], *, actor: Any) -> Outcome:
    """Create or update one bundle and its ordered items; audit what changed."""
    codes = values.pop("items")
    code = values.pop("code")
    bundle = Bundle.objects.filter(code=code).first()
    outcome = Outcome.UNCHANGED
    if bundle is None:
        bundle = Bundle.objects.create(code=code, **values)
        changes: dict[str, Any] = audit.diff_fields({}, {**values, "items": codes})
        outcome = Outcome.CREATED
        old_codes: list[str] = []
    else:
        before = {"name": bundle.name, "description": bundle.description}
        old_codes = list(bundle.entries.order_by("order").values_list("item__code", flat=True))
        changes = audit.diff_fields({**before, "items": old_codes}, {**values, "items": codes})
        if set(changes) & {"name", "description"}:
            bundle.name, bundle.description = values["name"], values["description"]
            bundle.save(update_fields=["name", "description"])
        if changes:
            outcome = Outcome.UPDATED
    if codes != old_codes:
        ids = dict(ServiceItem.objects.filter(code__in=codes).values_list("code", "pk"))
        bundle.entries.all().delete()
        BundleItem.objects.bulk_create(
            [
                BundleItem(bundle=bundle, item_id=ids[c], order=n)
                for n, c in enumerate(codes, start=1)
            ]
        )
    if outcome is not Outcome.UNCHANGED:
        audit.record(actor, f"services.bundle.import.{outcome.value}", bundle, changes=changes)
    return outcome


def _law_is_loaded(text: str) -> bool:
    try:
        find_law(parse_citation(text).law)
    except (CitationSyntaxError, ProvisionNotFound):
        return False
    return True


def link_items(codes: list[str], *, on: dt.date, actor: Any, report: CatalogueReport) -> None:
    """Link each item's ``basis`` to the provisions its ``basis_text`` cites (as of ON)."""
    changes: dict[str, list[list[int]]] = {}
    for item in ServiceItem.objects.filter(code__in=codes).prefetch_related("basis"):
        provisions: set[int] = set()
        for text in split_basis(item.basis_text):
            if "第" not in text or not _law_is_loaded(text):
                report.text_only += 1  # a law the platform does not hold: the text is the basis
                continue
            try:
                provision, from_older = _resolve(text, on)
            except (CitationSyntaxError, ProvisionNotFound) as exc:
                report.unresolved.append((item.code, text, str(exc)))
                continue
            provisions.add(provision.pk)
            report.linked += 1
            if from_older:
                report.superseded.append((item.code, text, provision.version.label))
        before = sorted(p.pk for p in item.basis.all())
        if before != sorted(provisions):
            item.basis.set(sorted(provisions))
            changes[item.code] = [before, sorted(provisions)]
    report.basis_changed = len(changes)
    if changes:
        audit.record(
            actor,
            "services.items.link_basis",
            ("services.serviceitem", "*", f"{len(changes)} items"),
            changes={"provisions": changes, "on": on.isoformat()},
        )


class _RollBack(Exception):
    pass


def _refuse_repeat(code: str, seen: dict[str, int]) -> None:
    """Raise RowError if CODE already stood in the file (SEEN maps a code to its row)."""
    if code in seen:
        raise RowError("code", _("%(value)s 与第%(row)d条重复。"), value=code, row=seen[code])


def _count(part: ImportReport, outcome: Outcome) -> None:
    if outcome is Outcome.UNCHANGED:
        part.unchanged += 1
    else:
        part.accepted += 1


def load_catalogue(
    actor: Any = "system:demo",
    *,
    items_path: str | Path = ITEMS_FILE,
    bundles_path: str | Path | None = BUNDLES_FILE,
    on: dt.date | None = None,
    dry_run: bool = False,
    strict: bool = False,
) -> CatalogueReport:
    """Load the items (and bundles) files; write the valid entries in one transaction.

    Nothing is written if DRY_RUN, nor if STRICT and any entry is rejected. An entry's "row" in
    the report is its 1-based position in the file's list. Items stored earlier but absent from the
    file are left as they are (a catalogue is retired through an edition, not by a load).
    """
    on = on or timezone.localdate()
    items_data = read_yaml(items_path, "items")
    forms = items_data.get("forms") or {}
    if not isinstance(forms, dict):
        raise CatalogueFileError(_("forms 应为以名称为键的映射。"))
    bundles_data = read_yaml(bundles_path, "bundles") if bundles_path else {"bundles": []}
    report = CatalogueReport()

    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    limits = LimitCheck(on)
    for number, raw in enumerate(items_data["items"], start=1):
        try:
            values = parse_item(raw, forms)
            limits.check(values, file=Path(items_path).name, row=number)
            _refuse_repeat(values["code"], seen)
        except RowError as error:
            report.items.rejected.append(Rejection.of(number, error))
            continue
        seen[values["code"]] = number
        parsed.append((number, values))

    try:
        with transaction.atomic():
            codes = []
            for _number, values in parsed:
                codes.append(values["code"])
                _item, outcome = upsert_item(dict(values), actor=actor)
                _count(report.items, outcome)
            known = set(codes) | set(
                ServiceItem.objects.exclude(
                    code__in=rejected_codes(items_data, report)
                ).values_list("code", flat=True)
            )
            bundle_codes: dict[str, int] = {}
            for number, raw in enumerate(bundles_data["bundles"], start=1):
                try:
                    values = parse_bundle(raw, known)
                    _refuse_repeat(values["code"], bundle_codes)
                    bundle_codes[values["code"]] = number
                    outcome = upsert_bundle(values, actor=actor)
                except RowError as error:
                    report.bundles.rejected.append(Rejection.of(number, error))
                    continue
                _count(report.bundles, outcome)
            link_items(codes, on=on, actor=actor, report=report)
            if dry_run or (strict and (report.items.rejected or report.bundles.rejected)):
                raise _RollBack
    except _RollBack:
        pass
    return report


def rejected_codes(items_data: Mapping[str, Any], report: CatalogueReport) -> set[str]:
    """The codes of the file's rejected items: a bundle must not lean on their stale stored rows."""
    rows = {r.row for r in report.items.rejected}
    return {
        raw["code"]
        for number, raw in enumerate(items_data["items"], start=1)
        if number in rows and isinstance(raw, dict) and isinstance(raw.get("code"), str)
    }


def cited_provisions(item: ServiceItem) -> list[Provision]:
    """The provisions an item's basis is linked to, in law and article order."""
    return list(
        item.basis.select_related("version__law").order_by(
            "version__law__short_title", "article", "paragraph", "item"
        )
    )


def load_demo(notes: list[str], *, actor: Any = "system:demo") -> tuple[int, int]:
    """Load the shipped catalogue and publish it as an edition; return (items changed, editions).

    Called by ``fazhi demo`` after the enforcement catalogue; idempotent like the rest of the demo.
    """
    from fazhi.org.models import User
    from fazhi.services import editions

    report = load_catalogue(actor)
    for kind, part in (("items", report.items), ("bundles", report.bundles)):
        for r in part.as_rejections():
            notes.append(f"services {kind}: row {r.row} {r.field}: {r.reason}")
    editor = User.objects.filter(username="legal").first()
    publisher = User.objects.filter(username="leader").first()
    if editor is None or publisher is None:
        notes.append("services: no legal/leader account; the catalogue edition was not published")
        return report.items.accepted, 0
    published = editions.publish_if_changed(editor=editor, publisher=publisher)
    return report.items.accepted, int(published is not None)

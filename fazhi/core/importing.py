"""Import reference data (units, officers, items) from CSV or XLSX, row by row, in one transaction.

The generic part lives here: reading a file, mapping English or Chinese headers to columns,
rejecting rows with a reason, and the write/dry-run/strict logic. Each entity module
(``fazhi.org.imports``, ``fazhi.catalog.imports``) only declares its columns, parses one row and
upserts it. DESIGN principle 6: imports are idempotent and report every rejected row.

A row number is 1-based over the data rows (the header is not counted), so row 1 is the second
line of the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from importlib import import_module
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils import translation
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _

from fazhi.core import auditing as audit
from fazhi.core import progress
from fazhi.core.errors import FazhiError
from fazhi.core.text import csv_writer, describe, find_forbidden, neutralise_row

SYSTEM_ACTOR = "system:import"

TRUE_WORDS = frozenset({"是", "true", "yes", "y", "1", "√"})
FALSE_WORDS = frozenset({"否", "false", "no", "n", "0", ""})
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ImportFileError(FazhiError):
    """The file cannot be imported at all: unreadable, or its headers are wrong."""

    code = "import_file"


class RowError(Exception):
    """One row is rejected: the FIELD (English column name) and a translatable message."""

    def __init__(self, field: str, message: Any, **params: Any) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message
        self.params = params

    def render(self) -> str:
        """Return the reason in the active language."""
        text = str(self.message)
        return text % self.params if self.params else text


@dataclass(frozen=True)
class Column:
    name: str  # the English header, also the key of the parsed row and the reported field
    header_zh: str
    required: bool = True


@dataclass(frozen=True)
class Rejection:
    row: int
    field: str
    reason: str
    reason_en: str

    @classmethod
    def of(cls, row: int, error: RowError) -> Rejection:
        with translation.override("zh-hans"):
            reason = error.render()
        with translation.override("en"):
            reason_en = error.render()
        return cls(row=row, field=error.field, reason=reason, reason_en=reason_en)


@dataclass
class ImportReport:
    accepted: int = 0  # rows that created or changed a record
    unchanged: int = 0  # rows identical to what is stored
    rejected: list[Rejection] = field(default_factory=list)

    def as_rejections(self) -> list[Rejection]:
        """Return the rejected rows in file order."""
        return sorted(self.rejected, key=lambda r: r.row)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "unchanged": self.unchanged,
            "rejected": [
                {"row": r.row, "field": r.field, "reason": r.reason, "reason_en": r.reason_en}
                for r in self.as_rejections()
            ],
        }


class Outcome(Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class SourceRow:
    number: int  # 1-based, header excluded
    values: dict[str, Any]  # raw text by column name, then the parsed values


class Importer:
    """What an entity module defines: its columns, how to parse one row, how to store it."""

    kind: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    # Fields whose value must not repeat within one file; the first is the row's key.
    unique_in_file: ClassVar[tuple[str, ...]]

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.rejected_keys: dict[str, int] = {}  # key -> row number, for rows rejected so far

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        """Return the row's values, or raise RowError. Only the columns present are in RAW."""
        raise NotImplementedError

    def order(self, rows: list[SourceRow]) -> tuple[list[SourceRow], list[tuple[int, RowError]]]:
        """Return the rows in the order to write them, and those rejected by their order."""
        return rows, []

    def upsert(self, values: dict[str, Any]) -> Outcome:
        """Create or update the record of one parsed row, audit it, and say what happened."""
        raise NotImplementedError

    def record_audit(
        self, outcome: Outcome, obj: models.Model, changes: dict[str, list[Any]]
    ) -> None:
        if outcome is not Outcome.UNCHANGED:
            action = f"{self.kind}.import.{outcome.value}"
            audit.record(self.actor, action, obj, changes=changes)


ImporterT = TypeVar("ImporterT", bound=type[Importer])

# What `fazhi import WHAT FILE` can import: each app registers its importers in its ``imports``
# module (ADR 0017), so core names none of them.
_importers: dict[str, type[Importer]] = {}


def register_importer(name: str) -> Callable[[ImporterT], ImporterT]:
    """Register the decorated Importer as what ``fazhi import NAME FILE`` uses."""

    def decorator(importer: ImporterT) -> ImporterT:
        _importers[name] = importer
        return importer

    return decorator


def importers() -> dict[str, type[Importer]]:
    """Return the registered importers by name, after importing every app's ``imports`` module."""
    for config in apps.get_app_configs():
        if config.name.startswith("fazhi.") and module_has_submodule(config.module, "imports"):
            import_module(f"{config.name}.imports")
    return dict(_importers)


# --- reading -----------------------------------------------------------------------------------


def read_table(path: str | Path) -> Table:
    """Return the header and the data rows of a CSV or XLSX file, every cell as stripped text."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("文件 %(path)s 不存在。") % {"path": path})
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        rows = _read_xlsx(path)
    elif suffix in {".csv", ".txt"}:
        rows = _read_csv(path)
    else:
        raise ImportFileError(
            _("不支持的文件类型 %(suffix)s：请使用 .csv 或 .xlsx。") % {"suffix": suffix}
        )
    if not rows or not any(rows[0]):
        raise ImportFileError(_("文件 %(path)s 没有表头行。") % {"path": path.name})
    headers = list(rows[0])
    while headers and not headers[-1]:
        headers.pop()
    return Table(headers=headers, rows=[list(row) for row in rows[1:]])


def _read_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 is the superset of GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly any byte sequence
        raise ImportFileError(_("无法识别文件编码：请保存为 UTF-8 或 GBK。"))
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]


def _read_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportFileError(
            _("无法读取 Excel 文件 %(path)s：%(error)s") % {"path": path.name, "error": exc}
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time.min else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def map_headers(headers: list[str], columns: Iterable[Column]) -> list[str]:
    """Return the column name of each header, or raise ImportFileError naming the bad header."""
    by_header: dict[str, Column] = {}
    for known_column in columns:
        by_header[known_column.name.lower()] = known_column
        by_header[known_column.header_zh] = known_column
    names: list[str] = []
    for position, header in enumerate(headers, start=1):
        text = header.strip().lstrip("\ufeff")
        column = by_header.get(text) or by_header.get(text.lower())
        if not text:
            raise ImportFileError(_("第%(position)d列没有表头。") % {"position": position})
        if column is None:
            known = "、".join(f"{c.header_zh}/{c.name}" for c in columns)
            raise ImportFileError(
                _("未知的列“%(header)s”（第%(position)d列）。可用的列：%(known)s。")
                % {"header": text, "position": position, "known": known}
            )
        if column.name in names:
            raise ImportFileError(
                _("列“%(header)s”出现了两次（第%(position)d列）。")
                % {"header": text, "position": position}
            )
        names.append(column.name)
    missing = [c for c in columns if c.required and c.name not in names]
    if missing:
        raise ImportFileError(
            _("缺少必需的列：%(columns)s。")
            % {"columns": "、".join(f"{c.header_zh}/{c.name}" for c in missing)}
        )
    return names


# --- running -----------------------------------------------------------------------------------


class _RollBack(Exception):
    pass


def import_table(
    importer: Importer, table: Table, *, dry_run: bool = False, strict: bool = False
) -> ImportReport:
    """Import the rows of TABLE; write the valid ones in one transaction (none if DRY_RUN,
    none if STRICT and any row is rejected) and report every rejected row."""
    names = map_headers(table.headers, importer.columns)
    report = ImportReport()
    key_field = importer.unique_in_file[0]

    def reject(row: SourceRow, error: RowError) -> None:
        report.rejected.append(Rejection.of(row.number, error))
        key = str(row.values.get(key_field) or "")
        if key:
            importer.rejected_keys.setdefault(key, row.number)

    parsed: list[SourceRow] = []
    seen: dict[str, dict[str, int]] = {name: {} for name in importer.unique_in_file}
    progress.count(str(_("检查行")), len(table.rows))
    for number, cells in enumerate(table.rows, start=1):
        progress.advance()
        if not any(cells):
            continue  # a blank line keeps its number but is not a row
        raw = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names)}
        row = SourceRow(number, raw)
        try:
            if any(cells[len(names) :]):
                raise RowError("", _("该行的单元格多于表头的列数。"))
            _check_clean(raw)
            _check_repeats(raw, importer.unique_in_file, seen, number)
            values = importer.parse(raw)
        except RowError as error:
            reject(row, error)
            continue
        parsed.append(SourceRow(number, values))

    ordered, misplaced = importer.order(parsed)
    for number, why in misplaced:
        reject(next(r for r in parsed if r.number == number), why)

    progress.count(str(_("导入行")), len(ordered))  # fazhi import, fazhi demo: rows written
    try:
        with transaction.atomic():
            for row in ordered:
                progress.advance()
                try:
                    with transaction.atomic():
                        outcome = importer.upsert(row.values)
                except RowError as error:
                    reject(row, error)
                    continue
                except IntegrityError as error:
                    reject(row, RowError("", _("与已存储的数据冲突：%(error)s"), error=error))
                    continue
                if outcome is Outcome.UNCHANGED:
                    report.unchanged += 1
                else:
                    report.accepted += 1
            if dry_run or (strict and report.rejected):
                raise _RollBack
    except _RollBack:
        pass
    return report


def _check_clean(raw: dict[str, str]) -> None:
    """Reject a cell holding NUL, another control character or a bidi override (ADR 0027)."""
    for name, value in raw.items():
        found = find_forbidden(value)
        if found is not None:
            raise RowError(
                name,
                _("含有不允许的不可见字符 %(char)s（第 %(position)s 个字符），请删除后重新导入。"),
                char=describe(found[1]),
                position=found[0] + 1,
            )


def _check_repeats(
    raw: dict[str, str], names: Iterable[str], seen: dict[str, dict[str, int]], number: int
) -> None:
    """Reject a value that an earlier row of the file already has (even a rejected row)."""
    for name in names:
        value = raw.get(name, "").upper()
        if not value:
            continue
        first = seen[name].setdefault(value, number)
        if first != number:
            raise RowError(name, _("%(value)s 与第%(row)d行重复。"), value=raw[name], row=first)


def import_file(
    importer: Importer, path: str | Path, *, dry_run: bool = False, strict: bool = False
) -> ImportReport:
    """Read PATH and import it (see import_table)."""
    return import_table(importer, read_table(path), dry_run=dry_run, strict=strict)


def write_template(columns: Iterable[Column], path: str | Path) -> None:
    """Write an empty CSV or XLSX file with the Chinese headers of COLUMNS."""
    path = Path(path)
    headers = [column.header_zh for column in columns]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(neutralise_row(headers))
        for cell in sheet[1]:
            sheet.column_dimensions[cell.column_letter].width = max(12, 3 * len(cell.value))
        workbook.save(path)
    elif path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            csv_writer(out).writerow(headers)
    else:
        raise ImportFileError(
            _("不支持的文件类型 %(suffix)s：请使用 .csv 或 .xlsx。") % {"suffix": path.suffix}
        )


# --- helpers for the entity modules ------------------------------------------------------------


def required_text(raw: dict[str, str], name: str, max_length: int) -> str:
    """Return the non-empty text of column NAME, at most MAX_LENGTH characters."""
    value = raw.get(name, "")
    if not value:
        raise RowError(name, _("不能为空。"))
    if len(value) > max_length:
        raise RowError(
            name, _("长度为%(length)d，超过%(max)d个字符。"), length=len(value), max=max_length
        )
    return value


def parse_choice(raw: dict[str, str], name: str, words: dict[str, Any]) -> Any:
    """Return the value that WORDS gives the cell (Chinese label or English code, any case)."""
    value = raw.get(name, "")
    found = words.get(value, words.get(value.lower()))
    if found is None:
        raise RowError(
            name,
            _("“%(value)s”不是可用的值，可用：%(allowed)s。"),
            value=value,
            allowed="、".join(words),
        )
    return found


def parse_bool(raw: dict[str, str], name: str) -> bool:
    value = raw.get(name, "").lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise RowError(name, _("“%(value)s”应为“是”或“否”。"), value=raw[name])


def parse_date(raw: dict[str, str], name: str) -> dt.date | None:
    """Return the date written YYYY-MM-DD, or None for an empty cell."""
    value = raw.get(name, "")
    if not value:
        return None
    try:
        if not ISO_DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RowError(
            name, _("“%(value)s”不是 YYYY-MM-DD 格式的有效日期。"), value=value
        ) from None


def apply_values(obj: models.Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set VALUES on OBJ and return {field: [before, after]} for the fields that changed."""
    before = {name: getattr(obj, name) for name in values}
    for name, value in values.items():
        setattr(obj, name, value)
    return audit.diff_fields(before, values)


def lazy_message(function: Callable[[], str]) -> Any:
    """Return a string that FUNCTION renders each time it is shown, in the active language.

    For messages built by other modules (e.g. fazhi.core.identity) that are formatted when
    raised: re-running the check under each language gives both the zh-hans and English reason.
    """
    from django.utils.functional import lazy

    return lazy(function, str)()

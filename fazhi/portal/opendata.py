"""Open data: the live edition of a list as CSV and JSON.

The files are a data format, not UI: their headers and labels are always in Chinese (the
source language), whatever the visitor's UI language, so that a file downloaded today reads
like one downloaded last year. The CSV starts with a UTF-8 BOM so that Excel opens it.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, cast

from django.utils import translation

from fazhi.catalog.models import ExerciseLevel, ItemKind, ListEdition, ListKind
from fazhi.core import text

CSV_HEADERS = (
    "清单",
    "版次",
    "生效日期",
    "事项编码",
    "事项名称",
    "事项类型",
    "实施依据",
    "行使层级",
    "可赋权乡镇（街道）",
    "应进必进",
    "责任事项",
)


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _effective_from(edition: ListEdition) -> dt.date:
    # Only a published edition is open data, and the edition_published_has_dates constraint
    # gives every published edition its start date.
    return cast(dt.date, edition.effective_from)


def edition_metadata(edition: ListEdition) -> dict[str, Any]:
    with translation.override("zh-hans"):
        return {
            "list_kind": edition.list_kind,
            "list_name": str(ListKind(edition.list_kind).label),
            "number": edition.number,
            "title": edition.title,
            "effective_from": _effective_from(edition).isoformat(),
            "published_at": edition.published_at.isoformat() if edition.published_at else None,
        }


def to_json(edition: ListEdition) -> dict[str, Any]:
    """Return the edition's metadata and entries as JSON-able data."""
    with translation.override("zh-hans"):
        kinds = {k: str(v) for k, v in ItemKind.choices}
        return {
            "edition": edition_metadata(edition),
            "entries": [
                {
                    "code": entry.code,
                    "name": entry.name,
                    "kind": entry.kind,
                    "kind_name": kinds.get(entry.kind, entry.kind),
                    "basis_text": entry.basis_text,
                    "levels": entry.levels,
                    "delegable_to_township": entry.delegable_to_township,
                    "must_use_centre": entry.must_use_centre,
                    "responsibility": entry.responsibility,
                }
                for entry in edition.entries.order_by("code")
            ],
        }


def to_csv(edition: ListEdition) -> str:
    """Return the edition as CSV text with Chinese headers, starting with a UTF-8 BOM."""
    with translation.override("zh-hans"):
        kinds = {k: str(v) for k, v in ItemKind.choices}
        levels = {k: str(v) for k, v in ExerciseLevel.choices}
        list_name = str(ListKind(edition.list_kind).label)
        out = io.StringIO()
        out.write("\ufeff")
        writer = text.csv_writer(out, lineterminator="\r\n")  # formulas neutralised
        writer.writerow(CSV_HEADERS)
        for entry in edition.entries.order_by("code"):
            writer.writerow(
                (
                    list_name,
                    edition.number,
                    _effective_from(edition).isoformat(),
                    entry.code,
                    entry.name,
                    kinds.get(entry.kind, entry.kind),
                    entry.basis_text,
                    "、".join(levels.get(level, level) for level in entry.levels),
                    _yes_no(entry.delegable_to_township),
                    _yes_no(entry.must_use_centre),
                    entry.responsibility,
                )
            )
        return out.getvalue()

"""Open data: the published edition of the 警快办 catalogue as CSV (UTF-8 BOM) and JSON.

As fazhi/portal/opendata.py does for the lists: the files are a data format, so their headers and
labels are always Chinese (the source language), whatever the visitor's UI language.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import translation

from fazhi.catalog.models import ExerciseLevel
from fazhi.core import text
from fazhi.services.models import (
    HandlingMode,
    LimitUnit,
    ServiceCategory,
    ServiceEdition,
    limit_text,
)

CSV_HEADERS = (
    "版次",
    "事项编码",
    "事项名称",
    "业务类别",
    "实施部门",
    "设定依据",
    "办理层级",
    "收费标准",
    "法定办结时限",
    "承诺办结时限",
    "办理方式",
    "全程网办",
    "可当场办结",
    "网上可办",
    "申请材料",
    "时限未核实的原因",
)


def _limit(snapshot: dict[str, Any], which: str) -> str:
    """ "15 个工作日", "15 日", "24 小时" ("" if none); a snapshot without a unit counts working days."""
    amount = snapshot.get(f"{which}_days")
    return limit_text(amount, snapshot.get(f"{which}_unit") or LimitUnit.WORKDAYS)


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _labels() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    return (
        {k: str(v) for k, v in ServiceCategory.choices},
        {k: str(v) for k, v in ExerciseLevel.choices},
        {k: str(v) for k, v in HandlingMode.choices},
    )


def _material_text(material: dict[str, Any]) -> str:
    marks = []
    if material.get("original"):
        marks.append("原件")
    if material.get("fetched"):
        marks.append("免提交")
    if not material.get("required", True):
        marks.append("非必需")
    name: str = material["name"]
    return name + (f"（{'、'.join(marks)}）" if marks else "")


def edition_metadata(edition: ServiceEdition) -> dict[str, Any]:
    return {
        "number": edition.number,
        "title": edition.title,
        "published_at": edition.published_at.isoformat() if edition.published_at else None,
    }


def to_json(edition: ServiceEdition) -> dict[str, Any]:
    """Return the edition's metadata and entries (each the frozen guide) as JSON-able data."""
    with translation.override("zh-hans"):
        categories, _levels, _modes = _labels()
        return {
            "edition": edition_metadata(edition),
            "entries": [
                {
                    "code": entry.code,
                    "category_name": categories.get(entry.category, entry.category),
                    "fully_online": HandlingMode.ONLINE in entry.snapshot.get("modes", []),
                    **entry.snapshot,
                }
                for entry in edition.entries.order_by("code")
            ],
        }


def to_csv(edition: ServiceEdition) -> str:
    """Return the edition as CSV text with Chinese headers, starting with a UTF-8 BOM."""
    with translation.override("zh-hans"):
        categories, levels, modes = _labels()
        out = io.StringIO()
        out.write("\ufeff")
        writer = text.csv_writer(out, lineterminator="\r\n")  # formulas neutralised
        writer.writerow(CSV_HEADERS)
        for entry in edition.entries.order_by("code"):
            s = entry.snapshot
            writer.writerow(
                (
                    edition.number,
                    entry.code,
                    s["name"],
                    categories.get(entry.category, entry.category),
                    s["department"],
                    s["basis_text"],
                    "、".join(levels.get(level, level) for level in s["levels"]),
                    s["fee"],
                    _limit(s, "statutory"),
                    _limit(s, "promised"),
                    "、".join(modes.get(mode, mode) for mode in s["modes"]),
                    _yes_no(HandlingMode.ONLINE in s["modes"]),
                    _yes_no(s["on_the_spot"]),
                    _yes_no(s["is_online"]),
                    "；".join(_material_text(m) for m in s["materials"]),
                    s.get("limit_unverified", ""),
                )
            )
        return out.getvalue()

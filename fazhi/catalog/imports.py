"""Import enforcement items (执法事项) from CSV/XLSX rows (columns: docs/import/README.md).

The file handling, the transaction and the report are in ``fazhi.core.importing``.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from fazhi.catalog.models import EnforcementItem, ExerciseLevel, ItemKind
from fazhi.core.importing import (
    Column,
    Importer,
    Outcome,
    RowError,
    apply_values,
    parse_bool,
    parse_choice,
    register_importer,
    required_text,
)
from fazhi.org.imports import QUALIFICATION_WORDS
from fazhi.org.models import QualificationLevel

KIND_WORDS: dict[str, str] = {
    "行政处罚": ItemKind.PENALTY,
    "行政强制": ItemKind.COERCION,
    "行政检查": ItemKind.INSPECTION,
    "行政许可": ItemKind.PERMIT,
    "行政确认": ItemKind.CONFIRMATION,
    "其他": ItemKind.OTHER,
    **{kind.value: kind for kind in ItemKind},
}

LEVEL_WORDS: dict[str, str] = {
    "市级": ExerciseLevel.CITY,
    "区县级": ExerciseLevel.DISTRICT,
    "派出所": ExerciseLevel.STATION,
    "乡镇（街道）": ExerciseLevel.TOWNSHIP,
    "乡镇(街道)": ExerciseLevel.TOWNSHIP,
    "乡镇/街道": ExerciseLevel.TOWNSHIP,
    "乡镇": ExerciseLevel.TOWNSHIP,
    "街道": ExerciseLevel.TOWNSHIP,
    **{level.value: level for level in ExerciseLevel},
}
LEVEL_ORDER = [level.value for level in ExerciseLevel]
LEVEL_SEPARATORS = re.compile(r"[;；、,，]")

# Column -> model field, for the optional columns (absent column: the stored value is kept).
OPTIONAL_FIELDS = {
    "levels": "levels",
    "delegable": "delegable_to_township",
    "must_use_centre": "must_use_centre",
    "required_qualification": "required_qualification",
}


@register_importer("items")
class ItemImporter(Importer):
    kind = "item"
    columns = (
        Column("code", "事项编码"),
        Column("name", "事项名称"),
        Column("kind", "事项类型"),
        Column("basis", "实施依据"),
        Column("levels", "行使层级", required=False),
        Column("delegable", "可赋权乡镇", required=False),
        Column("must_use_centre", "应进必进", required=False),
        Column("required_qualification", "所需执法资格", required=False),
    )
    unique_in_file = ("code",)

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "code": required_text(raw, "code", 40),
            "name": required_text(raw, "name", 200),
            "kind": parse_choice(raw, "kind", KIND_WORDS),
            "basis_text": required_text(raw, "basis", 4000),
        }
        if "levels" in raw:
            values["levels"] = _levels(raw)
        for name in ("delegable", "must_use_centre"):
            if name in raw:
                values[OPTIONAL_FIELDS[name]] = parse_bool(raw, name)
        if "required_qualification" in raw:
            values["required_qualification"] = (
                parse_choice(raw, "required_qualification", QUALIFICATION_WORDS)
                if raw["required_qualification"]
                else QualificationLevel.BASIC
            )
        return values

    def upsert(self, values: dict[str, Any]) -> Outcome:
        item = EnforcementItem.objects.filter(code=values["code"]).first()
        if item is None:
            item = EnforcementItem.objects.create(**values)
            self.record_audit(
                Outcome.CREATED, item, {key: [None, val] for key, val in values.items()}
            )
            return Outcome.CREATED
        changes = apply_values(item, values)
        if not changes:
            return Outcome.UNCHANGED
        item.save(update_fields=list(changes))
        self.record_audit(Outcome.UPDATED, item, changes)
        return Outcome.UPDATED


def _levels(raw: dict[str, str]) -> list[str]:
    """Return the levels of the cell in the order of ExerciseLevel, each once."""
    words = [word.strip() for word in LEVEL_SEPARATORS.split(raw["levels"]) if word.strip()]
    levels = set()
    for word in words:
        level = LEVEL_WORDS.get(word, LEVEL_WORDS.get(word.lower()))
        if level is None:
            raise RowError(
                "levels",
                _("“%(value)s”不是可用的行使层级，可用：%(allowed)s。"),
                value=word,
                allowed="、".join(LEVEL_WORDS),
            )
        levels.add(str(level))
    return [level for level in LEVEL_ORDER if level in levels]

"""Import units and officers from CSV/XLSX rows (columns: docs/import/README.md).

The file handling, the transaction and the report are in ``fazhi.core.importing``; here each
row is parsed and upserted. Units are written parents first; an existing unit whose parent
changed is moved with its subtree.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from treebeard.exceptions import InvalidMoveToDescendant

from fazhi.core.errors import InvalidIdentifier
from fazhi.core.identity import mask_id, validate_citizen_id
from fazhi.core.importing import (
    Column,
    Importer,
    Outcome,
    RowError,
    SourceRow,
    apply_values,
    lazy_message,
    parse_choice,
    parse_date,
    register_importer,
    required_text,
)
from fazhi.org.models import Officer, OfficerStatus, QualificationLevel, Unit, UnitKind

UNIT_KIND_WORDS: dict[str, str] = {
    "市局": UnitKind.CITY_BUREAU,
    "执法监督管理中心": UnitKind.SUPERVISION_CENTRE,
    "区县局": UnitKind.DISTRICT_BUREAU,
    "执法办案管理中心": UnitKind.CASE_CENTRE,
    "派出所": UnitKind.STATION,
    "基层案管室": UnitKind.CASE_ROOM,
    "其他警种": UnitKind.BRANCH,
    "乡镇/街道": UnitKind.TOWNSHIP,
    "乡镇": UnitKind.TOWNSHIP,
    "街道": UnitKind.TOWNSHIP,
    **{kind.value: kind for kind in UnitKind},
}

QUALIFICATION_WORDS: dict[str, int] = {
    "基本级": QualificationLevel.BASIC,
    "中级": QualificationLevel.INTERMEDIATE,
    "高级": QualificationLevel.ADVANCED,
    "basic": QualificationLevel.BASIC,
    "intermediate": QualificationLevel.INTERMEDIATE,
    "advanced": QualificationLevel.ADVANCED,
}

STATUS_WORDS: dict[str, str] = {
    "在岗": OfficerStatus.ON_DUTY,
    "离岗": OfficerStatus.OFF_DUTY,
    "停止执法": OfficerStatus.SUSPENDED,
    **{status.value: status for status in OfficerStatus},
}


@register_importer("units")
class UnitImporter(Importer):
    kind = "unit"
    columns = (
        Column("code", "单位代码"),
        Column("name", "单位名称"),
        Column("type", "单位类型"),
        Column("parent_code", "上级单位代码"),
    )
    unique_in_file = ("code",)

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        code = required_text(raw, "code", 32)
        values = {
            "code": code,
            "name": required_text(raw, "name", 100),
            "type": parse_choice(raw, "type", UNIT_KIND_WORDS),
            "parent_code": raw.get("parent_code", ""),
        }
        if values["parent_code"] == code:
            raise RowError("parent_code", _("单位不能以自己为上级单位。"))
        return values

    def order(self, rows: list[SourceRow]) -> tuple[list[SourceRow], list[tuple[int, RowError]]]:
        """Return parents before children (file order otherwise); reject rows in a cycle."""
        in_file = {row.values["code"]: row for row in rows}
        placed: set[str] = set()
        ordered: list[SourceRow] = []
        pending = list(rows)
        while pending:
            ready = [
                row
                for row in pending
                if row.values["parent_code"] not in in_file or row.values["parent_code"] in placed
            ]
            if not ready:
                break
            ordered.extend(ready)
            placed.update(row.values["code"] for row in ready)
            pending = [row for row in pending if row.values["code"] not in placed]
        rejected = []
        for row in pending:  # each is in a cycle or below one
            if _in_cycle(row.values["code"], in_file):
                error = RowError(
                    "parent_code",
                    _("上级单位关系构成循环：%(chain)s。"),
                    chain=" → ".join(_cycle_of(row.values["code"], in_file)),
                )
            else:
                parent = in_file[row.values["parent_code"]]
                error = _parent_rejected(parent.values["code"], parent.number)
            rejected.append((row.number, error))
        return ordered, rejected

    def upsert(self, values: dict[str, Any]) -> Outcome:
        parent = None
        if values["parent_code"]:
            parent = Unit.objects.filter(code=values["parent_code"]).first()
            if parent is None:
                rejected_at = self.rejected_keys.get(values["parent_code"])
                if rejected_at is not None:
                    raise _parent_rejected(values["parent_code"], rejected_at)
                raise RowError(
                    "parent_code", _("上级单位代码 %(code)s 不存在。"), code=values["parent_code"]
                )
        fields = {"name": values["name"], "kind": values["type"]}
        unit = Unit.objects.filter(code=values["code"]).first()
        if unit is None:
            data = {"code": values["code"], **fields}
            if parent is None:
                unit = Unit.objects.add_root(data)
            else:
                unit = Unit.objects.add_child(parent, data)
            changes = {key: [None, value] for key, value in data.items()}
            changes["parent_code"] = [None, values["parent_code"] or None]
            self.record_audit(Outcome.CREATED, unit, changes)
            return Outcome.CREATED

        changes = apply_values(unit, fields)
        if changes:
            unit.save(update_fields=list(changes))
        current_parent = Unit.objects.get_parent(unit, update=True)
        if (current_parent and current_parent.code) != (parent and parent.code):
            _move(unit, parent)
            changes["parent_code"] = [
                current_parent.code if current_parent else None,
                parent.code if parent else None,
            ]
        outcome = Outcome.UPDATED if changes else Outcome.UNCHANGED
        self.record_audit(outcome, Unit.objects.get(pk=unit.pk), changes)
        return outcome


def _move(unit: Unit, parent: Unit | None) -> None:
    unit = Unit.objects.get(pk=unit.pk)  # treebeard needs fresh paths
    try:
        if parent is None:
            Unit.objects.move(unit, Unit.objects.get_first_root_node(), "sorted-sibling")
        else:
            Unit.objects.move(unit, Unit.objects.get(pk=parent.pk), "sorted-child")
    except InvalidMoveToDescendant:
        raise RowError(
            "parent_code",
            _("不能把单位移到它自己的下级单位 %(code)s 之下。"),
            code=parent.code if parent else "",
        ) from None


def _parent_rejected(code: str, row: int) -> RowError:
    return RowError(
        "parent_code", _("上级单位 %(code)s（第%(row)d行）未能导入。"), code=code, row=row
    )


def _cycle_of(code: str, in_file: dict[str, SourceRow]) -> list[str]:
    chain = [code]
    current = in_file[code].values["parent_code"]
    while current != code:
        chain.append(current)
        current = in_file[current].values["parent_code"]
    return [*chain, code]


def _in_cycle(code: str, in_file: dict[str, SourceRow]) -> bool:
    current = in_file[code].values["parent_code"]
    for _step in range(len(in_file)):
        if current == code:
            return True
        if current not in in_file:
            return False
        current = in_file[current].values["parent_code"]
    return False


@register_importer("officers")
class OfficerImporter(Importer):
    kind = "officer"
    columns = (
        Column("police_number", "警号"),
        Column("name", "姓名"),
        Column("id_number", "身份证号"),
        Column("unit_code", "单位代码"),
        Column("qualification_level", "执法资格等级", required=False),
        Column("qualification_granted", "资格取得日期", required=False),
        Column("qualification_expires", "资格有效期至", required=False),
        Column("status", "状态", required=False),
    )
    unique_in_file = ("police_number", "id_number")
    qualification_columns = (
        "qualification_level",
        "qualification_granted",
        "qualification_expires",
    )

    def __init__(self, actor: Any) -> None:
        super().__init__(actor)
        self._units: dict[str, Unit | None] = {}

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "police_number": required_text(raw, "police_number", 16),
            "name": required_text(raw, "name", 50),
            "id_number": _citizen_id(raw.get("id_number", "")),
            "unit_code": required_text(raw, "unit_code", 32),
        }
        present = [name for name in self.qualification_columns if name in raw]
        if present and len(present) < 3:
            missing = next(name for name in self.qualification_columns if name not in raw)
            raise RowError(missing, _("资格等级、取得日期和有效期至三列须同时提供。"))
        if present:
            values.update(_qualification(raw))
        if "status" in raw:
            values["status"] = (
                parse_choice(raw, "status", STATUS_WORDS)
                if raw["status"]
                else OfficerStatus.ON_DUTY
            )
        return values

    def upsert(self, values: dict[str, Any]) -> Outcome:
        unit = self._unit(values["unit_code"])
        holder = (
            Officer.objects.filter(id_number=values["id_number"])
            .exclude(police_number=values["police_number"])
            .values_list("police_number", flat=True)
            .first()
        )
        if holder:
            raise RowError(
                "id_number", _("该身份证号已登记在警号 %(holder)s 名下。"), holder=holder
            )
        fields = {key: value for key, value in values.items() if key != "unit_code"}
        fields["unit"] = unit
        officer = Officer.objects.filter(police_number=values["police_number"]).first()
        if officer is None:
            officer = Officer.objects.create(**fields)
            self.record_audit(Outcome.CREATED, officer, _created_changes(officer, fields))
            return Outcome.CREATED
        old_unit_code = officer.unit.code
        changes = apply_values(officer, fields)
        if not changes:
            return Outcome.UNCHANGED
        officer.save(update_fields=list(changes))
        if "unit" in changes:
            changes["unit"] = [old_unit_code, unit.code]
        if "id_number" in changes:
            changes["id_number"] = [mask_id(changes["id_number"][0]), officer.masked_id_number]
        self.record_audit(Outcome.UPDATED, officer, changes)
        return Outcome.UPDATED

    def _unit(self, code: str) -> Unit:
        if code not in self._units:
            self._units[code] = Unit.objects.filter(code=code).first()
        unit = self._units[code]
        if unit is None:
            raise RowError("unit_code", _("单位代码 %(code)s 不存在。"), code=code)
        return unit


def _citizen_id(raw: str) -> str:
    try:
        return validate_citizen_id(raw).number
    except InvalidIdentifier:
        raise RowError("id_number", lazy_message(lambda: _identity_message(raw))) from None


def _identity_message(raw: str) -> str:
    try:
        validate_citizen_id(raw)
    except InvalidIdentifier as error:
        return str(error)
    return ""


def _qualification(raw: dict[str, str]) -> dict[str, Any]:
    granted = parse_date(raw, "qualification_granted")
    expires = parse_date(raw, "qualification_expires")
    if not raw["qualification_level"]:
        if granted or expires:
            raise RowError("qualification_level", _("填写了资格日期，但未填写执法资格等级。"))
        return {
            "qualification_level": None,
            "qualification_granted_on": None,
            "qualification_expires_on": None,
        }
    level = parse_choice(raw, "qualification_level", QUALIFICATION_WORDS)
    if granted is None:
        raise RowError("qualification_granted", _("有执法资格等级时，资格取得日期不能为空。"))
    if expires is None:
        raise RowError("qualification_expires", _("有执法资格等级时，资格有效期至不能为空。"))
    if expires < granted:
        raise RowError(
            "qualification_expires",
            _("资格有效期至 %(expires)s 早于资格取得日期 %(granted)s。"),
            expires=expires.isoformat(),
            granted=granted.isoformat(),
        )
    return {
        "qualification_level": level,
        "qualification_granted_on": granted,
        "qualification_expires_on": expires,
    }


def _created_changes(officer: Officer, fields: dict[str, Any]) -> dict[str, list[Any]]:
    """Return the audited fields of a new officer; the ID number is masked in the log."""
    changes = {key: [None, value] for key, value in fields.items() if key != "unit"}
    changes["unit"] = [None, officer.unit.code]
    changes["id_number"] = [None, officer.masked_id_number]
    return changes

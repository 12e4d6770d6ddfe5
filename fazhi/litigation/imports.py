"""Import the open matters of a previous system (``fazhi import litigation FILE``, CSV or XLSX):
one row per matter, every rejected row reported with its field and reason, idempotent by
登记编号 (a number already stored is left as it is). Each row is checked by the same function as
the registration form (``matters.check_new``); its periods are counted and its warnings opened.

Columns: 登记编号, 类别 (行政复议/行政诉讼一审/二审/再审), 被申请人/被告单位代码, 复议机关/法院, 案号,
收到副本日期, 受理/立案日期, 申请人/原告, 申请人类别 (自然人/单位), 证件类型 (居民身份证/护照/
其他证件/统一社会信用代码), 证件号码, 联系电话, 关联案件编号, 被复议/被诉行为, 答复/答辩日期.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.cases.models import Case, IdType, PartyKind
from fazhi.core.importing import (
    Column,
    Importer,
    Outcome,
    RowError,
    parse_choice,
    parse_date,
    register_importer,
    required_text,
)
from fazhi.litigation import alerts, deadlines, matters
from fazhi.litigation.models import Matter, MatterKind
from fazhi.org.models import Unit

KIND_WORDS = {
    **{str(label): value for value, label in MatterKind.choices},
    "复议": MatterKind.RECONSIDERATION,
    "一审": MatterKind.FIRST_INSTANCE,
    "二审": MatterKind.APPEAL,
    "再审": MatterKind.RETRIAL,
}
CLAIMANT_WORDS = {str(label): value for value, label in PartyKind.choices} | {
    "个人": PartyKind.PERSON
}
ID_WORDS = {str(label): value for value, label in IdType.choices} | {"身份证": IdType.CITIZEN_ID}


@register_importer("litigation")
class MatterImporter(Importer):
    kind = "litigation.matter"
    columns = (
        Column("number", "登记编号"),
        Column("kind", "类别"),
        Column("unit", "被申请人/被告单位代码"),
        Column("body", "复议机关/法院"),
        Column("docket_number", "案号", required=False),
        Column("received_on", "收到副本日期"),
        Column("accepted_on", "受理/立案日期", required=False),
        Column("claimant_name", "申请人/原告"),
        Column("claimant_kind", "申请人类别", required=False),
        Column("claimant_id_type", "证件类型"),
        Column("claimant_id_number", "证件号码"),
        Column("claimant_phone", "联系电话", required=False),
        Column("case", "关联案件编号", required=False),
        Column("act", "被复议/被诉行为", required=False),
        Column("replied_on", "答复/答辩日期", required=False),
    )
    unique_in_file = ("number",)

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        number = required_text(raw, "number", 40)
        unit = Unit.objects.filter(code=raw.get("unit", "")).first()
        if unit is None:
            raise RowError("unit", _("单位代码 %(code)s 不存在。"), code=raw.get("unit", ""))
        received = parse_date(raw, "received_on")
        if received is None:
            raise RowError("received_on", _("请填写收到副本日期。"))
        case = None
        if raw.get("case"):
            case = Case.objects.filter(number=raw["case"]).first()
            if case is None:
                raise RowError("case", _("案件 %(number)s 不存在。"), number=raw["case"])
        claimant_kind = (
            parse_choice(raw, "claimant_kind", CLAIMANT_WORDS)
            if raw.get("claimant_kind")
            else PartyKind.PERSON
        )
        new = matters.NewMatter(
            kind=parse_choice(raw, "kind", KIND_WORDS),
            body=required_text(raw, "body", 100),
            unit=unit,
            received_on=received,
            accepted_on=parse_date(raw, "accepted_on"),
            docket_number=raw.get("docket_number", "")[:60],
            claimant_kind=claimant_kind,
            claimant_name=required_text(raw, "claimant_name", 100),
            claimant_id_type=parse_choice(raw, "claimant_id_type", ID_WORDS),
            claimant_id_number=raw.get("claimant_id_number", ""),
            claimant_phone=raw.get("claimant_phone", "")[:20],
            case=case,
            act=raw.get("act", "")[:200],
        )
        try:
            fields = matters.check_new(new, timezone.now())
        except matters.MatterRefused as error:
            raise RowError(error.field or "", str(error)) from None
        replied = parse_date(raw, "replied_on")
        if replied is not None and not received <= replied <= timezone.localdate():
            raise RowError("replied_on", _("答复/答辩日期应在收到副本日期与今天之间。"))
        return {"number": number, "fields": fields, "replied_on": replied}

    def upsert(self, values: dict[str, Any]) -> Outcome:
        if Matter.objects.filter(number=values["number"]).exists():
            return Outcome.UNCHANGED
        now = timezone.now()
        replied = values["replied_on"]
        matter = Matter.objects.create(
            number=values["number"],
            created_at=now,
            created_by=None if isinstance(self.actor, str) else self.actor,
            replied_on=replied,
            evidence_submitted=replied is not None,
            **values["fields"],
        )
        deadlines.refresh(matter, now)
        alerts.refresh([matter.pk], now)
        self.record_audit(
            Outcome.CREATED,
            matter,
            {"number": [None, matter.number], "kind": [None, matter.kind]},
        )
        return Outcome.CREATED

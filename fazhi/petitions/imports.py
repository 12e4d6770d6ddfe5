"""Import the open petitions of a previous system (``fazhi import petitions FILE``, CSV or XLSX):
one row per petition, every rejected row reported with its field and reason, idempotent by
信访编号 (a number already stored is left as it is).

Columns: 信访编号, 承办单位代码, 信访渠道 (走访/来信/来电/网上/转送/交办), 收到日期, 转送交办机关,
转送交办日期 (both required for 转送/交办), 信访人, 身份证号 (checked), 联系电话, 信访事项, 诉求 (one or
more, separated by ；), 受理日期 (if the old system accepted it: the petition is accepted on that day,
its claims are kept as petitions, and its 60 days run from it), 延长天数 (0–30, approved before).

A row without 受理日期 arrives as 已登记，待甄别: its claims are routed by the clerk as usual.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import InvalidIdentifier
from fazhi.core.identity import validate_citizen_id
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
from fazhi.org.models import Unit
from fazhi.petitions import alerts, deadlines
from fazhi.petitions.models import FORWARDED_CHANNELS, Channel, Claim, Petition, Status, Track
from fazhi.petitions.petitions import PHONE, previous_petition

CHANNEL_WORDS = {
    **{str(label): value for value, label in Channel.choices},
    "走访": Channel.VISIT,
    "来访": Channel.VISIT,
    "来信": Channel.LETTER,
    "来电": Channel.PHONE,
    "网上": Channel.ONLINE,
    "网上信访": Channel.ONLINE,
    "转送": Channel.TRANSFERRED,
    "交办": Channel.ASSIGNED,
}
IMPORTED_REASON = "原系统已受理为信访事项（导入）"
IMPORTED_BASIS = "《信访工作条例》第三十一条第（六）项"


@register_importer("petitions")
class PetitionImporter(Importer):
    kind = "petition"
    columns = (
        Column("number", "信访编号"),
        Column("unit", "承办单位代码"),
        Column("channel", "信访渠道"),
        Column("received_on", "收到日期"),
        Column("sender", "转送交办机关", required=False),
        Column("sent_on", "转送交办日期", required=False),
        Column("petitioner_name", "信访人"),
        Column("petitioner_id_number", "身份证号", required=False),
        Column("petitioner_phone", "联系电话", required=False),
        Column("matter", "信访事项"),
        Column("claims", "诉求"),
        Column("accepted_on", "受理日期", required=False),
        Column("extension_days", "延长天数", required=False),
    )
    unique_in_file = ("number",)

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        today = timezone.now().astimezone(SHANGHAI).date()
        values: dict[str, Any] = {
            "number": required_text(raw, "number", 32),
            "channel": parse_choice(raw, "channel", CHANNEL_WORDS),
            "petitioner_name": required_text(raw, "petitioner_name", 50),
            "matter": required_text(raw, "matter", 4000),
        }
        unit = Unit.objects.filter(code=raw.get("unit", "")).first()
        if unit is None:
            raise RowError("unit", _("承办单位代码 %(code)s 不存在。"), code=raw.get("unit", ""))
        values["unit"] = unit
        received = parse_date(raw, "received_on")
        if received is None:
            raise RowError("received_on", _("请填写收到日期。"))
        if received > today:
            raise RowError(
                "received_on", _("收到日期 %(day)s 晚于今天。"), day=received.isoformat()
            )
        values["received_on"] = received
        id_number = raw.get("petitioner_id_number", "").upper()
        if id_number:
            try:
                validate_citizen_id(id_number)
            except InvalidIdentifier as error:
                raise RowError("petitioner_id_number", str(error)) from None
        values["petitioner_id_number"] = id_number
        phone = raw.get("petitioner_phone", "")
        if phone and not PHONE.match(phone):
            raise RowError("petitioner_phone", _("联系电话应为11位手机号或带区号的固定电话。"))
        values["petitioner_phone"] = phone
        sender, sent_on = raw.get("sender", ""), parse_date(raw, "sent_on")
        if values["channel"] in FORWARDED_CHANNELS and (not sender or sent_on is None):
            raise RowError(
                "sender",
                _("转送、交办的事项须填写转送交办机关和日期（《信访工作条例》第二十三条第三款）。"),
            )
        if sent_on is not None and sent_on > received:
            raise RowError("sent_on", _("转送、交办日期晚于收到日期。"))
        values["sender"], values["sent_on"] = sender[:100], sent_on
        claims = [
            text.strip()
            for text in raw.get("claims", "").replace(";", "；").split("；")
            if text.strip()
        ]
        if not claims:
            raise RowError("claims", _("至少填写一项诉求。"))
        values["claims"] = claims
        accepted = parse_date(raw, "accepted_on")
        if accepted is not None and not received <= accepted <= today:
            raise RowError("accepted_on", _("受理日期应在收到日期与今天之间。"))
        values["accepted_on"] = accepted
        text = raw.get("extension_days", "") or "0"
        if not text.isdigit() or not 0 <= int(text) <= 30:
            raise RowError(
                "extension_days", _("延长天数应为0至30的整数（《信访工作条例》第三十四条）。")
            )
        if int(text) and accepted is None:
            raise RowError("extension_days", _("未受理的事项不能延长办理期限。"))
        values["extension_days"] = int(text)
        return values

    def upsert(self, values: dict[str, Any]) -> Outcome:
        if Petition.objects.filter(number=values["number"]).exists():
            return Outcome.UNCHANGED
        now = timezone.now()
        accepted: dt.date | None = values["accepted_on"]
        petition = Petition.objects.create(
            number=values["number"],
            unit=values["unit"],
            channel=values["channel"],
            received_at=now,
            received_on=values["received_on"],
            sender=values["sender"],
            sent_on=values["sent_on"],
            petitioner_name=values["petitioner_name"],
            petitioner_id_number=values["petitioner_id_number"],
            petitioner_phone=values["petitioner_phone"],
            matter=values["matter"],
            status=Status.ACCEPTED if accepted else Status.RECEIVED,
            accepted_on=accepted,
            notice_sent_on=accepted,
            extension_days=values["extension_days"],
            repeat_of=previous_petition(
                values["petitioner_id_number"], values["petitioner_name"], values["petitioner_phone"],
                values["received_on"],
            ),
        )  # fmt: skip
        for text in values["claims"]:
            Claim.objects.create(
                petition=petition,
                text=text,
                **(
                    {"route": "petition", "route_name": "作为信访事项办理", "track": Track.PETITION,
                     "is_petition": True, "reason": IMPORTED_REASON, "basis": IMPORTED_BASIS,
                     "classified_on": accepted, "pack_version": "import"}
                    if accepted else {}
                ),
            )  # fmt: skip
        deadlines.refresh(petition)
        alerts.refresh([petition.pk], now)
        self.record_audit(
            Outcome.CREATED,
            petition,
            {"number": [None, petition.number], "status": [None, petition.status]},
        )
        return Outcome.CREATED

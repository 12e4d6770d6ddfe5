"""Generate a case's legal documents (文书) as DOCX, number them, store them, audit them.

Four kinds, each filled from the case and one procedural event (its effective version, after
corrections):

=============  ===========  ==========  =========  =====================================
``kind``       文书          event       文号代字    filled from
=============  ===========  ==========  =========  =====================================
acceptance     受案登记表    accept      受案        the case, its parties and its 受案
summons        传唤证        summon      传          the 传唤 (《治安管理处罚法》第八十二条)
notice         告知笔录      notify      告知        the 告知 (《行政处罚法》第四十四条)
decision       行政处罚决定书 decide      行罚决      the 决定 (《治安管理处罚法》第九十六条)
=============  ===========  ==========  =========  =====================================

Document numbers (文号). Each document gets ``{机关简称}公（{代字}）字〔{年}〕第{序号}号``,
e.g. ``甲区一公（行罚决）字〔2026〕第00012号``:

- 机关简称 is the name of the case's unit without its closing 公安局/公安分局/分局/派出所/
  执法办案管理中心 (org.Unit has no abbreviation field); if another unit would get the same
  abbreviation, the full name is used instead, so numbers of two units never collide;
- 代字 is the kind's code from the table above;
- 年 is the Shanghai-time year of generation;
- 序号 is five digits, counted per unit, kind and year from 1, without gaps (documents are
  never deleted). It is taken under a row lock on the unit (the lock ``open_case`` takes to
  number cases), so two documents generated at the same time never get the same number.

A decision carries the party's full identity number (《治安管理处罚法》第九十六条第一款第
（一）项), so generating it is an audited act and the file is served only within scope
(fazhi.cases.document_views); the other documents show the masked number.

Texts written into the documents are Chinese whatever the interface language: they are
official records, so they do not go through gettext; messages to the user do.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docxtpl import DocxTemplate

from fazhi.audit import log as audit
from fazhi.cases.derive import Ev, effective
from fazhi.cases.models import (
    Case,
    CaseDocument,
    CaseHandler,
    HandlerRole,
    IdType,
    Party,
    PartyKind,
    PartyRole,
    ProceduralEvent,
)
from fazhi.cases.procedure import pack_of
from fazhi.core.age import age_on
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import FazhiError, InvalidIdentifier, PermissionDeniedError
from fazhi.core.identity import mask_id, validate_citizen_id
from fazhi.core.roles import Capability
from fazhi.law.numerals import chinese_numeral
from fazhi.org.models import Unit

TEMPLATE_DIR = Path(__file__).resolve().parent / "docx_templates"
BLANK = "__________"
BLANK_TIME = "____年__月__日__时__分"
UNIT_SUFFIXES = ("执法办案管理中心", "公安分局", "公安局", "分局", "派出所")
# Shown on every document of a case judged under a pack revision whose text is unverified
# (the 2025 治安管理处罚法, in force 2026-01-01, renumbered the articles).
UNVERIFIED_NOTE = (
    "注：2025年修订的《中华人民共和国治安管理处罚法》自2026年1月1日起施行；本文书所引该法"
    "条文序号依2012年修正文本，未核实，请以官方文本为准。"
)


class DocumentRefused(FazhiError):
    code = "document_refused"


@dataclass(frozen=True)
class DocumentKind:
    kind: str  # CaseDocument.kind and the URL segment
    name: Any  # 文书名称 (lazy)
    code: str  # 文号代字
    event: str  # the procedure pack event the document is made from
    event_name: Any  # the event's name, for messages (lazy)


KINDS: dict[str, DocumentKind] = {
    spec.kind: spec
    for spec in (
        DocumentKind(
            "acceptance", gettext_lazy("受案登记表"), "受案", "accept", gettext_lazy("受案")
        ),
        DocumentKind("summons", gettext_lazy("传唤证"), "传", "summon", gettext_lazy("传唤")),
        DocumentKind("notice", gettext_lazy("告知笔录"), "告知", "notify", gettext_lazy("告知")),
        DocumentKind(
            "decision", gettext_lazy("行政处罚决定书"), "行罚决", "decide", gettext_lazy("决定")
        ),
    )
}

NUMBER_PATTERN = re.compile(r"〔(?P<year>\d{4})〕第(?P<sequence>\d+)号$")


# --- Formatting ------------------------------------------------------------------------------


def chinese_date(instant: dt.datetime | dt.date | None) -> str:
    """Return the Shanghai-time date as forms print it.

    >>> chinese_date(dt.date(2026, 3, 2))
    '2026年3月2日'
    """
    if instant is None:
        return "____年__月__日"
    if isinstance(instant, dt.datetime):
        instant = instant.astimezone(SHANGHAI).date()
    return f"{instant.year}年{instant.month}月{instant.day}日"


def chinese_datetime(instant: dt.datetime | None) -> str:
    """Return the Shanghai-time instant as forms print it, to the minute.

    >>> chinese_datetime(dt.datetime(2026, 3, 2, 1, 5, tzinfo=dt.UTC))
    '2026年3月2日9时05分'
    """
    if instant is None:
        return BLANK_TIME
    local = instant.astimezone(SHANGHAI)
    return f"{chinese_date(local.date())}{local.hour}时{local.minute:02d}分"


def yuan(amount: Any) -> str:
    """Return an amount of money in yuan without trailing zeros.

    >>> yuan("500.00"), yuan(1500), yuan("20.5")
    ('500', '1500', '20.5')
    """
    value = Decimal(str(amount)).normalize()
    return f"{value:f}"


def unit_short_name(unit: Unit) -> str:
    """Return the unit's name for document numbers (see the module docstring)."""

    def strip(name: str) -> str:
        for suffix in UNIT_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)]
        return name

    short = strip(unit.name)
    others = Unit.objects.exclude(pk=unit.pk).values_list("name", flat=True)
    if any(strip(name) == short or name == short for name in others):
        return unit.name
    return short


def document_number(short_name: str, code: str, year: int, sequence: int) -> str:
    """Return the document number (文号).

    >>> document_number("甲区一", "行罚决", 2026, 12)
    '甲区一公（行罚决）字〔2026〕第00012号'
    """
    return f"{short_name}公（{code}）字〔{year}〕第{sequence:05d}号"


# --- Reading the case ----------------------------------------------------------------------


def _event_for(case: Case, spec: DocumentKind, event: ProceduralEvent | None) -> ProceduralEvent:
    rows: list[ProceduralEvent] = list(case.events.all())
    current_ids = {ev.id for ev in effective([Ev.of(row) for row in rows])}
    if event is not None:
        if event.case_id != case.pk or event.kind != spec.event:
            raise DocumentRefused(
                _("%(document)s须依据本案的“%(event)s”环节生成，所选环节不是。")
                % {"document": spec.name, "event": spec.event_name},
                field="event",
                code="wrong_event",
            )
        if event.pk not in current_ids:
            raise DocumentRefused(
                _("所选“%(event)s”环节已被更正，请依据更正后的环节生成%(document)s。")
                % {"document": spec.name, "event": spec.event_name},
                field="event",
                code="corrected_event",
            )
        return event
    candidates = [row for row in rows if row.kind == spec.event and row.pk in current_ids]
    if not candidates:
        raise DocumentRefused(
            _("案件 %(number)s 尚未登记“%(event)s”环节，不能生成%(document)s。")
            % {"number": case.number, "event": spec.event_name, "document": spec.name},
            field="kind",
            code="missing_event",
        )
    return max(candidates, key=lambda row: (row.occurred_at, row.pk))


def _lead_handler(case: Case) -> str:
    link = (
        CaseHandler.objects.filter(case=case, role=HandlerRole.LEAD)
        .select_related("officer")
        .first()
    )
    return link.officer.name if link else BLANK


def _handlers(case: Case) -> str:
    links = CaseHandler.objects.filter(case=case).select_related("officer").order_by("-role", "pk")
    # "lead" sorts after "assist"; descending puts the lead handler first.
    return "、".join(link.officer.name for link in links) or BLANK


def _party_named(case: Case, name: str | None, spec: DocumentKind) -> Party:
    """Return the party the document is addressed to: the one named, or the only suspect."""
    parties: list[Party] = list(case.parties.all())
    if name:
        for party in parties:
            if party.name == name:
                return party
        raise DocumentRefused(
            _("“%(name)s”不是案件 %(number)s 的当事人，不能生成%(document)s。")
            % {"name": name, "number": case.number, "document": spec.name},
            field="event.data.person",
            code="unknown_party",
        )
    suspects = [party for party in parties if party.role == PartyRole.SUSPECT]
    if len(suspects) != 1:
        raise DocumentRefused(
            _(
                "案件 %(number)s 有 %(count)d 名违法嫌疑人，请在“%(event)s”环节中写明当事人"
                "（person），再生成%(document)s。"
            )
            % {
                "number": case.number,
                "count": len(suspects),
                "event": spec.event_name,
                "document": spec.name,
            },
            field="event.data.person",
            code="party_not_named",
        )
    return suspects[0]


def _sex_and_age(party: Party, on: dt.date) -> tuple[str, str]:
    if party.id_type != IdType.CITIZEN_ID:
        age = _age(party.birth_date, on) if party.birth_date else BLANK
        return BLANK, age
    try:
        parsed = validate_citizen_id(party.id_number)
    except InvalidIdentifier:
        return BLANK, BLANK
    return ("男" if parsed.is_male else "女"), f"{parsed.age_on(on)}岁"


def _age(birth: dt.date, on: dt.date) -> str:
    return f"{age_on(birth, on)}岁"  # 周岁 (ADR 0015)


def _party_row(party: Party, on: dt.date, *, full_id: bool) -> dict[str, str]:
    sex, _age_text = _sex_and_age(party, on)
    return {
        "role": party.get_role_display(),
        "name": party.name,
        "sex": sex,
        "birth_date": chinese_date(party.birth_date) if party.birth_date else BLANK,
        "id_type": party.get_id_type_display(),
        "id_number": party.id_number if full_id else mask_id(party.id_number),
        "phone": party.phone or BLANK,
        "address": party.address or BLANK,
    }


def _text(data: dict[str, Any], key: str, default: str) -> str:
    value = data.get(key)
    return str(value).strip() if value not in (None, "") else default


def _positive(data: dict[str, Any], key: str) -> Decimal | None:
    try:
        value = Decimal(str(data.get(key) or 0))
    except InvalidOperation:
        return None
    return value if value > 0 else None


def penalty_text(data: dict[str, Any]) -> str:
    """Return the penalties of a 决定 event's data, in the order of 治安管理处罚法 第十条.

    >>> penalty_text({"fine": 500, "detention_days": 10})
    '罚款500元，行政拘留十日'
    >>> penalty_text({"warning": True})
    '警告'
    """
    parts = []
    if data.get("warning"):
        parts.append("警告")
    fine = _positive(data, "fine")
    if fine:
        parts.append(f"罚款{yuan(fine)}元")
    days = _positive(data, "detention_days")
    if days:
        parts.append(f"行政拘留{chinese_numeral(int(days))}日")
    if data.get("revoke_permit"):
        parts.append("吊销许可证")
    return "，".join(parts)


# --- Filling each kind -----------------------------------------------------------------------


def _acceptance(case: Case, event: ProceduralEvent, on: dt.date) -> dict[str, Any]:
    report = next(
        (
            row
            for row in case.events.filter(kind="report").order_by("occurred_at", "pk")
            if not row.corrections.exists()
        ),
        None,
    )
    lead = _lead_handler(case)
    return {
        "source": case.get_source_display(),
        # Without a separate 接报 event the case was accepted as it was received.
        "received_at": chinese_datetime((report or event).occurred_at),
        "receiving_officer": lead,
        "parties": [_party_row(p, on, full_id=False) for p in case.parties.order_by("pk")],
        "title": case.title,
        "act_at": chinese_datetime(case.act_at),
        "act_place": case.act_place,
        "summary": _text(event.data, "summary", case.summary or BLANK),
        # The first choice printed on the form, used when the 受案 records no other opinion.
        "opinion": _text(event.data, "opinion", "属本单位管辖的行政案件，建议及时调查处理"),
        "accepting_officer": lead,
        "accepted_on": chinese_date(event.occurred_at),
    }


def _summons(case: Case, event: ProceduralEvent, on: dt.date) -> dict[str, Any]:
    spec = KINDS["summons"]
    method = _text(event.data, "method", "")
    if "口头" in method:
        raise DocumentRefused(
            _("口头传唤不使用传唤证，应当在询问笔录中注明。"),
            field="event.data.method",
            code="oral_summons",
            basis="《中华人民共和国治安管理处罚法》第八十二条第一款",
        )
    person = _party_named(case, _text(event.data, "person", ""), spec)
    return {
        "person": person.name,
        "reason": _text(event.data, "reason", case.title),
        "place": _text(event.data, "place", case.unit.name),
        "summoned_at": chinese_datetime(event.occurred_at),
        "issued_on": chinese_date(event.occurred_at),
        "arrived_at": chinese_datetime(event.occurred_at),
        "left_at": chinese_datetime(event.ended_at),
    }


def _notice(case: Case, event: ProceduralEvent, on: dt.date) -> dict[str, Any]:
    spec = KINDS["notice"]
    party = _party_named(case, _text(event.data, "person", ""), spec)
    hearing = bool(event.data.get("hearing_offered"))
    return {
        "started_at": chinese_datetime(event.occurred_at),
        "ended_at": chinese_datetime(event.ended_at),
        "place": _text(event.data, "place", case.unit.name),
        "informers": _handlers(case),
        "party": _party_row(party, on, full_id=False),
        "title": case.title,
        "proposed": _text(event.data, "proposed", BLANK),
        "facts": _text(event.data, "facts", case.summary or BLANK),
        "basis": _text(event.data, "basis", case.item.basis_text or BLANK),
        "hearing_offered": hearing,
        "hearing_question": "是否要求听证？" if hearing else "",
        "response": _text(event.data, "response", BLANK),
    }


def _decision(case: Case, event: ProceduralEvent, on: dt.date) -> dict[str, Any]:
    spec = KINDS["decision"]
    data = event.data
    if data.get("outcome") == "no_penalty":
        raise DocumentRefused(
            _("决定不予处罚的案件不制作行政处罚决定书。"),
            field="event.data.outcome",
            code="no_penalty",
        )
    penalty = penalty_text(data)
    if not penalty:
        raise DocumentRefused(
            _(
                "“决定”环节没有处罚内容（警告、罚款、行政拘留或吊销许可证），不能生成行政处罚决定书。"
            ),
            field="event.data",
            code="no_penalty_content",
        )
    party = _party_named(case, _text(data, "person", ""), spec)
    decided_on = event.occurred_at.astimezone(SHANGHAI).date()
    if party.kind == PartyKind.ORGANISATION:
        party_line = (
            f"被处罚单位：{party.name}，统一社会信用代码：{party.id_number}，"
            f"住所：{party.address or BLANK}。"
        )
    else:
        sex, age = _sex_and_age(party, decided_on)
        party_line = (
            f"被处罚人：{party.name}，性别：{sex}，年龄：{age}，"
            f"{party.get_id_type_display()}号码：{party.id_number}，住址：{party.address or BLANK}。"
        )
    return {
        "party_line": party_line,
        "party_name": party.name,
        "facts": _text(data, "facts", case.summary or BLANK),
        "evidence": _text(data, "evidence", BLANK),
        "basis": _text(data, "basis", case.item.basis_text or BLANK),
        "penalty": penalty,
        "has_fine": _positive(data, "fine") is not None,
        "has_detention": _positive(data, "detention_days") is not None,
        "decided_on": chinese_date(event.occurred_at),
    }


FILLERS = {
    "acceptance": _acceptance,
    "summons": _summons,
    "notice": _notice,
    "decision": _decision,
}


def render(kind: str, context: dict[str, Any]) -> bytes:
    """Return the DOCX bytes of KIND's template filled with CONTEXT (values are escaped)."""
    template = DocxTemplate(TEMPLATE_DIR / f"{kind}.docx")
    template.render(context, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


# --- The operation --------------------------------------------------------------------------


def can_generate(user: Any) -> bool:
    return bool(
        user.has_capability(Capability.HANDLE_CASES) or user.has_capability(Capability.REVIEW_CASES)
    )


def _next_sequence(unit: Unit, kind: str, year: int) -> int:
    numbers = CaseDocument.objects.filter(
        case__unit=unit, kind=kind, number__contains=f"〔{year}〕"
    ).values_list("number", flat=True)
    sequences = [int(m["sequence"]) for n in numbers if (m := NUMBER_PATTERN.search(n))]
    return max(sequences, default=0) + 1


@transaction.atomic
def generate_document(
    case: Case,
    kind: str,
    *,
    actor: Any,
    at: dt.datetime,
    event: ProceduralEvent | None = None,
    ip_address: str | None = None,
) -> CaseDocument:
    """Fill KIND's template from CASE and its event, number and store it, and audit it.

    EVENT picks one event (e.g. one of several 传唤); without it the latest effective event
    of the kind the document needs is used. Raises DocumentRefused when that event is missing.
    """
    if actor is None or not actor.is_authenticated or not can_generate(actor):
        raise PermissionDeniedError(_("您的角色无权生成法律文书。"))
    spec = KINDS.get(kind)
    if spec is None:
        raise DocumentRefused(
            _("“%(kind)s”不是可生成的文书种类（可选：%(kinds)s）。")
            % {"kind": kind, "kinds": "、".join(KINDS)},
            field="kind",
            code="unknown_kind",
        )
    found = Case.objects.visible_to(actor).select_related("unit", "item").filter(pk=case.pk).first()
    if found is None:
        raise PermissionDeniedError(_("该案件不在您的数据范围内。"))
    case = found
    source = _event_for(case, spec, event)
    local_day = at.astimezone(SHANGHAI).date()
    context = FILLERS[kind](case, source, local_day)

    Unit.objects.select_for_update().filter(pk=case.unit_id).first()  # serialise numbering
    sequence = _next_sequence(case.unit, kind, local_day.year)
    number = document_number(unit_short_name(case.unit), spec.code, local_day.year, sequence)
    accepted_on = (case.accepted_at or case.created_at).astimezone(SHANGHAI).date()
    context |= {
        "unit_name": case.unit.name,
        "number": number,
        "case_number": case.number,
        "law_unverified": UNVERIFIED_NOTE if pack_of(case).unverified_on(accepted_on) else "",
    }
    document = CaseDocument(
        case=case, kind=kind, number=number, event=source, generated_at=at, generated_by=actor
    )
    document.file.save(
        f"{case.number}-{kind}-{local_day.year}-{sequence:05d}.docx",
        ContentFile(render(kind, context)),
        save=False,
    )
    try:
        document.save()
        audit.record(
            actor,
            "document.generate",
            document,
            changes={
                "case": case.number,
                "kind": kind,
                "number": number,
                "event": source.pk,
                "file": document.file.name,
            },
            ip_address=ip_address,
            at=at,
        )
    except BaseException:
        document.file.delete(save=False)  # the row is rolled back; do not keep its file
        raise
    return document


def record_download(document: CaseDocument, *, actor: Any, ip_address: str | None = None) -> None:
    """Audit that ACTOR downloaded DOCUMENT (a decision holds a full identity number)."""
    audit.record(
        actor,
        "document.download",
        document,
        changes={"case": document.case.number, "kind": document.kind, "number": document.number},
        ip_address=ip_address,
    )


# --- What the case page offers -----------------------------------------------------------------


@dataclass(frozen=True)
class DocumentOffer:
    """One kind of document as the case page offers it: the number it would get, or why not."""

    kind: str
    name: Any
    number: str  # the 文号 it would get if generated now ("" when it cannot be)
    reason: str = ""  # why it cannot be generated now (the same refusal generate_document raises)
    made: int = 0  # how many of this kind the case already has


def offers(case: Case, *, at: dt.datetime) -> list[DocumentOffer]:
    """Return each document kind for CASE, checked as ``generate_document`` would check it now.

    Nothing is written: the event it is made from and the template's values are read (the same
    fillers), so a missing event or a decision without a penalty is known before the click.
    """
    local_day = at.astimezone(SHANGHAI).date()
    short = unit_short_name(case.unit)
    made = dict(
        CaseDocument.objects.filter(case=case)
        .values_list("kind")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    found = []
    for kind, spec in KINDS.items():
        try:
            source = _event_for(case, spec, None)
            FILLERS[kind](case, source, local_day)
        except DocumentRefused as refusal:
            found.append(DocumentOffer(kind, spec.name, "", str(refusal), made.get(kind, 0)))
            continue
        sequence = _next_sequence(case.unit, kind, local_day.year)
        number = document_number(short, spec.code, local_day.year, sequence)
        found.append(DocumentOffer(kind, spec.name, number, "", made.get(kind, 0)))
    return found

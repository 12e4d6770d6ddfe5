"""Open cases and record their procedural steps (the only way either is written).

``open_case`` checks who handles the case (《行政处罚法》第四十二条: at least two officers, each
qualified for the item), where (应进必进), and the parties' identity numbers; ``record_event``
checks the step against the case's procedure pack, appends it, refreshes the deadlines and the
status, and audits — all in one transaction (STYLE §3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.cases import deadlines
from fazhi.cases.derive import Ev, check_new_event, derive_status
from fazhi.cases.models import (
    Case,
    CaseHandler,
    CaseStatus,
    HandlerRole,
    IdType,
    Party,
    PartyKind,
    ProceduralEvent,
    PropertyStatus,
    SeizedProperty,
)
from fazhi.cases.packs import Pack, registry
from fazhi.catalog.eligibility import can_enforce, item_allowed_at_unit
from fazhi.catalog.models import EnforcementItem
from fazhi.core import warnings as warning_engine
from fazhi.core.access import require_capability
from fazhi.core.age import age_on
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import InvalidIdentifier, LegalRuleViolation, PermissionDeniedError
from fazhi.core.identity import validate_citizen_id, validate_uscc
from fazhi.core.roles import Capability
from fazhi.discretion.review import review_decision
from fazhi.org.models import Officer, Unit

BASIS_TWO_OFFICERS = "《中华人民共和国行政处罚法》第四十二条"


class CaseRefused(LegalRuleViolation):
    code = "case_refused"


@dataclass(frozen=True)
class NewParty:
    kind: str
    role: str
    name: str
    id_type: str
    id_number: str
    nationality: str = "CHN"
    birth_date: dt.date | None = None
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class NewEvent:
    kind: str
    occurred_at: dt.datetime
    ended_at: dt.datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)
    corrects: ProceduralEvent | None = None
    correction_reason: str = ""


@dataclass(frozen=True)
class NewCase:
    unit: Unit
    item: EnforcementItem
    procedure: str
    title: str
    source: str
    act_at: dt.datetime
    act_place: str
    handlers: tuple[Officer, ...]  # the first is the lead handler (主办)
    legal_officer: Officer | None = None
    parties: tuple[NewParty, ...] = ()
    summary: str = ""
    offence_code: str = ""


def _local_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(SHANGHAI).date()


def pack_of(case: Case) -> Pack:
    """Return the procedure pack the case follows: the id and version stored when it was opened.

    A later version of the pack, in force from some later day, never changes it. (A case without
    a stored version — none after migration 0003 — falls back to the one in force on its 受案 day.)
    """
    if case.procedure_version:
        return stored_pack(case.procedure, case.procedure_version)
    day = _local_date(case.accepted_at or case.created_at)
    return registry().for_case(case.procedure, day)


def pack_version(pack: Pack) -> str:
    """Return the version a case stores of PACK: its header's ``version`` (else its start day)."""
    return str(getattr(pack, "version", "") or pack.effective_from.isoformat())


def stored_pack(pack_id: str, version: str) -> Pack:
    """Return the pack a case stored (id and version), whichever pack is in force today."""
    for pack in registry().packs:
        if pack.id == pack_id and version in (pack_version(pack), pack.effective_from.isoformat()):
            return pack
    raise KeyError(f"no procedure pack {pack_id!r} version {version!r}")


def case_number(unit: Unit, year: int, sequence: int) -> str:
    """Return the case number: unit code, year and a 5-digit sequence per unit and year.

    >>> from fazhi.org.models import Unit
    >>> case_number(Unit(code="500103-01"), 2026, 42)
    '500103-01-2026-00042'
    """
    return f"{unit.code}-{year}-{sequence:05d}"


def _check_handlers(new: NewCase, pack: Pack, on: dt.date) -> None:
    officers = list(new.handlers)
    if len({o.pk for o in officers}) != len(officers):
        raise CaseRefused(_("办案民警不能重复。"), field="handlers", code="duplicate_handler")
    minimum = pack.min_handlers
    if len(officers) < minimum:
        raise CaseRefused(
            _("执法人员不得少于两人（本程序至少 %(n)d 人）。") % {"n": minimum},
            field="handlers",
            code="too_few_handlers",
            basis=BASIS_TWO_OFFICERS,
        )
    for officer in officers:
        eligibility = can_enforce(officer, new.item, on)
        if not eligibility.ok:
            raise CaseRefused(
                _("%(officer)s 不能办理该事项：%(reasons)s")
                % {"officer": officer, "reasons": "；".join(str(r) for r in eligibility.reasons)},
                field="handlers",
                code="handler_not_qualified",
                basis=eligibility.basis,
            )


def _check_party(party: NewParty, act_day: dt.date) -> dict[str, Any]:
    """Return the party's stored fields, or raise naming the field that is wrong."""
    values: dict[str, Any] = {
        "kind": party.kind,
        "role": party.role,
        "name": party.name.strip(),
        "id_type": party.id_type,
        "id_number": party.id_number.strip().upper(),
        "nationality": party.nationality.upper(),
        "birth_date": party.birth_date,
        "phone": party.phone,
        "address": party.address,
    }
    if not values["name"]:
        raise CaseRefused(_("当事人姓名/名称不能为空。"), field="parties.name", code="party_name")
    try:
        if party.kind == PartyKind.ORGANISATION:
            if party.id_type != IdType.USCC:
                raise CaseRefused(_("单位当事人应登记统一社会信用代码。"), field="parties.id_type")
            values["id_number"] = validate_uscc(party.id_number).number
        elif party.id_type == IdType.CITIZEN_ID:
            parsed = validate_citizen_id(party.id_number)
            values["id_number"] = parsed.number
            values["birth_date"] = parsed.birth_date
        elif party.id_type in (IdType.PASSPORT, IdType.OTHER):
            if not values["id_number"] or values["birth_date"] is None:
                raise CaseRefused(
                    _("外国人或其他证件当事人须登记证件号码和出生日期。"),
                    field="parties.birth_date",
                )
        else:
            raise CaseRefused(_("证件类型无效。"), field="parties.id_type")
    except InvalidIdentifier as exc:
        raise CaseRefused(str(exc), field="parties.id_number", code=exc.code) from None
    birth = values["birth_date"]
    if birth is not None:
        values["is_minor_at_act"] = age_on(birth, act_day) < 18  # 周岁 (ADR 0015)
    return values


@transaction.atomic
def open_case(new: NewCase, first_event: NewEvent, *, actor: Any, at: dt.datetime) -> Case:
    """Register a case with its handlers, parties and first event (接报 or 受案)."""
    require_capability(actor, Capability.HANDLE_CASES)
    if not Unit.objects.visible_to(actor).filter(pk=new.unit.pk).exists():
        raise PermissionDeniedError(_("只能在本人数据范围内的单位登记案件。"))
    day = _local_date(first_event.occurred_at)
    try:
        pack = registry().for_case(new.procedure, day)
    except KeyError:
        raise CaseRefused(
            _("办案程序 %(procedure)s 在 %(day)s 没有施行中的规则。")
            % {"procedure": new.procedure, "day": day},
            field="procedure",
            code="unknown_procedure",
        ) from None
    if new.act_at > at:
        raise CaseRefused(_("违法行为时间晚于当前时间。"), field="act_at", code="in_future")
    _check_handlers(new, pack, day)
    placement = item_allowed_at_unit(new.item, new.unit)
    outside_centre = False
    if not placement.ok:
        if settings.FAZHI_CENTRE_POLICY == "refuse":
            raise CaseRefused(
                "；".join(str(r) for r in placement.reasons),
                field="unit",
                code="must_use_centre",
                basis=placement.basis,
            )
        outside_centre = True
    parties = [_check_party(p, _local_date(new.act_at)) for p in new.parties]

    Unit.objects.select_for_update().filter(pk=new.unit.pk).first()  # serialise numbering
    year = day.year
    sequence = (
        Case.objects.filter(unit=new.unit, year=year).aggregate(top=Max("sequence"))["top"] or 0
    ) + 1
    case = Case.objects.create(
        number=case_number(new.unit, year, sequence),
        unit=new.unit,
        year=year,
        sequence=sequence,
        procedure=new.procedure,
        procedure_version=pack_version(pack),
        item=new.item,
        offence_code=new.offence_code,
        title=new.title,
        source=new.source,
        act_at=new.act_at,
        act_place=new.act_place,
        summary=new.summary,
        legal_officer=new.legal_officer,
        outside_centre=outside_centre,
        created_by=actor,
    )
    CaseHandler.objects.bulk_create(
        CaseHandler(
            case=case, officer=officer, role=HandlerRole.LEAD if i == 0 else HandlerRole.ASSIST
        )
        for i, officer in enumerate(new.handlers)
    )
    Party.objects.bulk_create(Party(case=case, **values) for values in parties)
    audit.record(
        actor,
        "case.open",
        case,
        changes={
            "unit": new.unit.code,
            "item": new.item.code,
            "procedure": new.procedure,
            "procedure_version": pack_version(pack),
            "handlers": [o.police_number for o in new.handlers],
            "outside_centre": outside_centre,
        },
    )
    record_event(case, first_event, actor=actor, at=at)
    case.refresh_from_db()
    return case


@transaction.atomic
def record_event(case: Case, new: NewEvent, *, actor: Any, at: dt.datetime) -> ProceduralEvent:
    """Record one procedural step, refresh the case's deadlines and status, and audit it."""
    require_capability(actor, Capability.HANDLE_CASES)
    locked = Case.objects.visible_to(actor).select_for_update().filter(pk=case.pk).first()
    if locked is None:
        raise PermissionDeniedError(_("该案件不在您的数据范围内。"))
    case = locked
    if new.corrects is not None:
        if new.corrects.case_id != case.pk:
            raise CaseRefused(_("更正的环节不属于本案。"), field="corrects")
        if not new.correction_reason.strip():
            raise CaseRefused(
                _("更正须说明理由。"), field="correction_reason", code="correction_reason"
            )
        if new.corrects.kind != new.kind:
            raise CaseRefused(_("更正环节须与被更正环节为同一环节。"), field="kind")
    rows = list(case.events.all())
    events = [Ev.of(row) for row in rows]
    candidate = Ev(
        "new",
        new.kind,
        new.occurred_at,
        new.ended_at,
        dict(new.data),
        new.corrects.pk if new.corrects else None,
    )
    pack = pack_of(case)
    check_new_event(pack, events, candidate, now=at)
    row = ProceduralEvent.objects.create(
        case=case,
        kind=new.kind,
        occurred_at=new.occurred_at,
        ended_at=new.ended_at,
        data=dict(new.data),
        corrects=new.corrects,
        correction_reason=new.correction_reason,
        recorded_at=at,
        recorded_by=actor,
    )
    if row.kind == "decide" and case.offence_code:
        review_decision(case, row, actor=actor)  # the benchmark's recommendation (issue 5)
    _apply_property(case, row)
    events.append(Ev.of(row))
    _update_case(case, pack, events)
    deadlines.refresh(case, pack, events, at=at)
    warning_engine.refresh("case", [case.pk], at=at)  # this case's warnings, in this transaction
    audit.record(
        actor,
        "case.event",
        row,
        changes={
            "case": case.number,
            "kind": new.kind,
            "occurred_at": new.occurred_at,
            "data": new.data,
            "corrects": new.corrects.pk if new.corrects else None,
        },
    )
    return row


def _apply_property(case: Case, row: ProceduralEvent) -> None:
    """Keep 涉案财物 states in step with the events that seize, store and dispose of them."""
    if row.kind == "seize":
        SeizedProperty.objects.create(
            case=case,
            description=str(row.data.get("property", "")),
            quantity=str(row.data.get("quantity", "")),
            seized_by_event=row,
        )
        return
    new_status = {"property_stored": PropertyStatus.STORED}.get(row.kind)
    if row.kind == "property_disposed":
        new_status = {
            "returned": PropertyStatus.RETURNED,
            "返还": PropertyStatus.RETURNED,
            "confiscated": PropertyStatus.CONFISCATED,
            "没收": PropertyStatus.CONFISCATED,
            "destroyed": PropertyStatus.DESTROYED,
            "销毁": PropertyStatus.DESTROYED,
        }.get(str(row.data.get("disposition", "")))
    if new_status:
        properties = case.properties.all()
        if row.data.get("property_id"):
            properties = properties.filter(pk=row.data["property_id"])
        properties.update(status=new_status)


def _update_case(case: Case, pack: Pack, events: list[Ev]) -> None:
    status = derive_status(pack, events, CaseStatus.REPORTED)
    first_of: dict[str, dt.datetime] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        first_of.setdefault(event.kind, event.occurred_at)
    case.status = status
    case.accepted_at = first_of.get("accept")
    case.decided_at = first_of.get("decide") or first_of.get("mediation_agreed")
    case.closed_at = first_of.get("close")
    case.save(update_fields=["status", "accepted_at", "decided_at", "closed_at"])

"""Mediation of disputes (矛盾纠纷调解): 治安调解 of a 治安案件 and people's mediation at a station.

治安调解 (《中华人民共和国治安管理处罚法》（2012）第九条) belongs to a case: opening it records the
case's 调解 step, a performed agreement its 调解达成协议并履行 step, and a failure or a breach its
调解未达成协议或不履行 step — through the cases app's ``record_event``, so the case's deadlines
(the 办案期限 counted again from that day, 程序规定第一百八十三条) and warnings follow. A people's
mediation (人民调解, by a stationed people's mediator or lawyer) has no case; when it fails, the
referral (to the case procedure, or to a civil suit) is recorded on it, and no case is opened
automatically (the facts to open one are not in a mediation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.cases.models import Case
from fazhi.cases.procedure import NewEvent, record_event
from fazhi.core.access import require_capability
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import FazhiError, PermissionDeniedError
from fazhi.core.roles import Capability
from fazhi.org.models import Unit
from fazhi.petitions.models import (
    Mediation,
    MediationKind,
    MediationSession,
    MediationStatus,
    MediatorKind,
    Petition,
)

ART_9 = "《中华人民共和国治安管理处罚法》（2012）第九条"


class MediationRefused(FazhiError):
    code = "mediation_refused"


@dataclass(frozen=True)
class NewMediation:
    unit: Unit
    kind: str
    dispute: str
    parties: str
    mediator_name: str
    mediator_kind: str
    started_on: dt.date
    case: Case | None = None
    petition: Petition | None = None


def _today(at: dt.datetime) -> dt.date:
    return at.astimezone(SHANGHAI).date()


def _noon(day: dt.date, at: dt.datetime) -> dt.datetime:
    """The instant a case step of DAY is recorded at: noon of that day, never after AT."""
    return min(dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI), at)


def _locked(mediation: Mediation, actor: Any) -> Mediation:
    require_capability(actor, Capability.HANDLE_PETITIONS)
    row: Mediation | None = (
        Mediation.objects.visible_to(actor).select_for_update().filter(pk=mediation.pk).first()
    )
    if row is None:
        raise PermissionDeniedError(_("该调解不在您的数据范围内。"))
    return row


def _case_step(mediation: Mediation, kind: str, day: dt.date, actor: Any, at: dt.datetime) -> None:
    if mediation.case is None:
        return
    record_event(
        mediation.case, NewEvent(kind=kind, occurred_at=_noon(day, at)), actor=actor, at=at
    )


def _number(unit: Unit, year: int) -> str:
    # The unit's row lock (as open_case takes to number cases): two registrations at once
    # never read the same last number.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    prefix = f"TJ{year}{unit.code.replace('-', '')}"
    last = (
        Mediation.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{(int(last[len(prefix) :]) + 1 if last else 1):05d}"


@transaction.atomic
def open_mediation(new: NewMediation, *, actor: Any, at: dt.datetime) -> Mediation:
    """Start a mediation; 治安调解 needs its 治安案件 and records the case's 调解 step (第九条)."""
    require_capability(actor, Capability.HANDLE_PETITIONS)
    if not Unit.objects.visible_to(actor).filter(pk=new.unit.pk).exists():
        raise PermissionDeniedError(_("调解单位不在您的数据范围内。"))
    if new.kind not in MediationKind.values:
        raise MediationRefused(_("请选择调解类别。"), field="kind")
    if new.mediator_kind not in MediatorKind.values:
        raise MediationRefused(_("请选择调解员身份。"), field="mediator_kind")
    for name, value, message in (
        ("dispute", new.dispute, _("请填写纠纷情况。")),
        ("parties", new.parties, _("请填写双方当事人。")),
        ("mediator_name", new.mediator_name, _("请填写调解员。")),
    ):
        if not value.strip():
            raise MediationRefused(message, field=name)
    if new.started_on > _today(at):
        raise MediationRefused(_("开始日期晚于今天。"), field="started_on")
    if new.kind == MediationKind.PUBLIC_ORDER:
        if new.case is None:
            raise MediationRefused(
                _("治安调解须针对已受理的治安案件，请选择案件（%(basis)s）。") % {"basis": ART_9},
                field="case",
                basis=ART_9,
            )
        if new.mediator_kind != MediatorKind.OFFICER:
            raise MediationRefused(
                _("治安调解由公安机关主持，调解员应为民警；人民调解员、律师可参与人民调解。"),
                field="mediator_kind",
                basis=ART_9,
            )
    mediation = Mediation.objects.create(
        number=_number(new.unit, new.started_on.year),
        unit=new.unit,
        kind=new.kind,
        petition=new.petition,
        case=new.case,
        dispute=new.dispute.strip(),
        parties=new.parties.strip(),
        mediator_name=new.mediator_name.strip(),
        mediator_kind=new.mediator_kind,
        started_on=new.started_on,
        status=MediationStatus.OPEN,
    )
    _case_step(mediation, "mediate", new.started_on, actor, at)
    audit.record(
        actor,
        "mediation.open",
        mediation,
        changes={"kind": new.kind, "case": new.case.number if new.case else None},
    )
    return mediation


@transaction.atomic
def record_session(
    mediation: Mediation,
    *,
    held_on: dt.date,
    mediator_name: str,
    notes: str,
    actor: Any,
    at: dt.datetime,
) -> MediationSession:
    mediation = _locked(mediation, actor)
    if mediation.status != MediationStatus.OPEN:
        raise MediationRefused(_("调解已结束，不能再登记调解记录。"), field="notes")
    if not notes.strip():
        raise MediationRefused(_("请填写调解情况。"), field="notes")
    if held_on < mediation.started_on or held_on > _today(at):
        raise MediationRefused(_("调解日期应在开始日期与今天之间。"), field="held_on")
    row = MediationSession.objects.create(
        mediation=mediation,
        held_on=held_on,
        mediator_name=mediator_name.strip() or mediation.mediator_name,
        notes=notes.strip(),
        recorded_at=at,
        recorded_by=actor,
    )
    audit.record(actor, "mediation.session", mediation, changes={"held_on": held_on})
    return row


@transaction.atomic
def record_agreement(
    mediation: Mediation,
    *,
    agreement: str,
    agreed_on: dt.date,
    perform_by: dt.date | None,
    actor: Any,
    at: dt.datetime,
) -> Mediation:
    """The parties agreed (调解协议书); the agreement still has to be performed."""
    mediation = _locked(mediation, actor)
    if mediation.status != MediationStatus.OPEN:
        raise MediationRefused(_("只有调解中的纠纷可以登记调解协议。"), field="agreement")
    if not agreement.strip():
        raise MediationRefused(_("请填写调解协议内容。"), field="agreement")
    if agreed_on < mediation.started_on or agreed_on > _today(at):
        raise MediationRefused(_("协议日期应在开始日期与今天之间。"), field="agreed_on")
    if perform_by is not None and perform_by < agreed_on:
        raise MediationRefused(_("约定履行期限早于协议日期。"), field="perform_by")
    mediation.agreement, mediation.agreed_on, mediation.perform_by = (
        agreement.strip(),
        agreed_on,
        perform_by,
    )
    mediation.status = MediationStatus.AGREED
    mediation.save()
    audit.record(actor, "mediation.agree", mediation, changes={"agreed_on": agreed_on})
    return mediation


def _referral(mediation: Mediation) -> str:
    if mediation.kind == MediationKind.PUBLIC_ORDER and mediation.case is not None:
        return _(
            "调解未达成协议或者达成协议后不履行，案件 %(case)s 转入处罚程序依法处理，并告知当事人可以就民事争议依法向人民法院提起民事诉讼（%(basis)s）。"
        ) % {"case": mediation.case.number, "basis": ART_9}
    return _(
        "人民调解未能解决纠纷：告知当事人可以依法向人民法院提起民事诉讼；涉及违反治安管理的，转办案部门按行政案件程序受案处理（需另行登记案件）。"
    )


@transaction.atomic
def record_performance(
    mediation: Mediation,
    *,
    performed: bool,
    on: dt.date,
    note: str = "",
    actor: Any,
    at: dt.datetime,
) -> Mediation:
    """Record whether the agreement was performed: performed ends 治安调解 without a penalty; a
    breach sends the case to the penalty procedure (第九条)."""
    mediation = _locked(mediation, actor)
    if mediation.status != MediationStatus.AGREED:
        raise MediationRefused(_("只有已达成协议的调解可以登记履行情况。"), field="performed")
    assert mediation.agreed_on is not None  # noqa: S101 - AGREED has its day (constraint)
    if on < mediation.agreed_on or on > _today(at):
        raise MediationRefused(_("履行情况日期应在协议日期与今天之间。"), field="on")
    mediation.ended_on = on
    if performed:
        mediation.status = MediationStatus.PERFORMED
        _case_step(mediation, "mediation_agreed", on, actor, at)
    else:
        mediation.status = MediationStatus.BREACHED
        mediation.failure_reason = note.strip() or _("达成协议后不履行")
        mediation.referral = _referral(mediation)
        _case_step(mediation, "mediation_failed", on, actor, at)
    mediation.save()
    audit.record(
        actor, "mediation.performance", mediation, changes={"performed": performed, "on": on}
    )
    return mediation


@transaction.atomic
def record_failure(
    mediation: Mediation, *, reason: str, on: dt.date, actor: Any, at: dt.datetime
) -> Mediation:
    """The mediation failed: 治安调解's case goes on to a decision (第九条); a people's mediation
    records its referral."""
    mediation = _locked(mediation, actor)
    if mediation.status != MediationStatus.OPEN:
        raise MediationRefused(_("只有调解中的纠纷可以登记调解不成。"), field="reason")
    if not reason.strip():
        raise MediationRefused(_("请填写调解不成的原因。"), field="reason")
    if on < mediation.started_on or on > _today(at):
        raise MediationRefused(_("日期应在开始日期与今天之间。"), field="on")
    mediation.status = MediationStatus.FAILED
    mediation.failure_reason = reason.strip()
    mediation.ended_on = on
    mediation.referral = _referral(mediation)
    mediation.save()
    _case_step(mediation, "mediation_failed", on, actor, at)
    audit.record(actor, "mediation.fail", mediation, changes={"on": on, "reason": reason.strip()})
    return mediation

"""Register and follow a reconsideration or a lawsuit: every write is one domain function, one
transaction, one audit entry, and the matter's deadlines and warnings brought in line with it.

Who may write: a legal officer (Capability.HANDLE_LITIGATION) whose scope holds the responding
unit. Supervisors read (``Matter.objects.visible_to``), and issue the 整改 order of a lost matter
through the supervision order mechanism (fazhi.supervision.orders.issue_order).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.cases.models import Case, IdType, PartyKind, ProceduralEvent
from fazhi.core.access import require_capability
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import (
    FazhiError,
    InvalidIdentifier,
    LegalRuleViolation,
    PermissionDeniedError,
)
from fazhi.core.identity import validate_citizen_id, validate_uscc
from fazhi.core.roles import Capability
from fazhi.core.rulepacks import Citation
from fazhi.litigation import alerts, deadlines
from fazhi.litigation.models import (
    LAWSUITS,
    AgencyHead,
    Appearance,
    DocumentKind,
    Hearing,
    HearingStatus,
    Matter,
    MatterDocument,
    MatterKind,
    Outcome,
    RulingForm,
)
from fazhi.org.models import Officer, Unit
from fazhi.services import uploads


class MatterRefused(FazhiError):
    code = "litigation_refused"


BASIS_APPEARANCE = Citation("《中华人民共和国行政诉讼法》第三条第三款")
BASIS_HEARING_ATTENDANCE = Citation("《中华人民共和国行政复议法》第五十一条第三款")
DECIDE_EVENT = "decide"  # the procedure packs' event code of a penalty decision


# --- who may do what ----------------------------------------------------------------------------


def may_handle(user: Any) -> bool:
    return bool(
        user and user.is_authenticated and user.has_capability(Capability.HANDLE_LITIGATION)
    )


def _require_handler(actor: Any, unit: Unit) -> None:
    require_capability(actor, Capability.HANDLE_LITIGATION)
    if not Unit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise PermissionDeniedError(
            _("单位“%(unit)s”不在您的数据范围内。") % {"unit": unit}, field="unit"
        )


def _lock(matter: Matter) -> Matter:
    locked: Matter = Matter.objects.select_for_update().select_related("unit").get(pk=matter.pk)
    return locked


def _after_change(matter: Matter, at: dt.datetime) -> None:
    deadlines.refresh(matter, at)
    alerts.refresh([matter.pk], at)


def _today(at: dt.datetime) -> dt.date:
    return at.astimezone(SHANGHAI).date()


def _not_future(day: dt.date | None, at: dt.datetime, field: str, label: str) -> None:
    if day is not None and day > _today(at):
        raise MatterRefused(
            _("%(label)s %(day)s 晚于今天，不能登记未来的日期。") % {"label": label, "day": day},
            field=field,
        )


# --- registering a matter -----------------------------------------------------------------------


@dataclass(frozen=True)
class NewMatter:
    kind: str
    body: str
    unit: Unit
    received_on: dt.date
    claimant_kind: str
    claimant_name: str
    claimant_id_type: str
    claimant_id_number: str
    act: str = ""
    docket_number: str = ""
    agent: Officer | None = None
    claimant_phone: str = ""
    case: Case | None = None
    decision_event: ProceduralEvent | None = None
    act_document: str = ""
    claims: str = ""
    accepted_on: dt.date | None = None
    simplified: bool = False
    previous: Matter | None = None


def checked_claimant(kind: str, id_type: str, number: str) -> str:
    """Return the claimant's identity number, validated and normalised, or raise naming the field."""
    number = (number or "").strip().upper()
    try:
        if kind == PartyKind.ORGANISATION:
            if id_type != IdType.USCC:
                raise MatterRefused(
                    _("单位申请人/原告应登记统一社会信用代码。"), field="claimant_id_type"
                )
            return validate_uscc(number).number
        if kind != PartyKind.PERSON:
            raise MatterRefused(_("申请人/原告类别无效。"), field="claimant_kind")
        if id_type == IdType.CITIZEN_ID:
            return validate_citizen_id(number).number
        if id_type in (IdType.PASSPORT, IdType.OTHER):
            if not number:
                raise MatterRefused(_("请填写证件号码。"), field="claimant_id_number")
            return number
        raise MatterRefused(
            _("自然人的证件类型应为身份证、护照或其他证件。"), field="claimant_id_type"
        )
    except InvalidIdentifier as exc:
        raise MatterRefused(str(exc), field="claimant_id_number", code=exc.code) from None


def _next_number(unit: Unit, kind: str, on: dt.date) -> str:
    prefix = f"{unit.code}-{'FY' if kind == MatterKind.RECONSIDERATION else 'SS'}-{on.year}-"
    taken = Matter.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{taken + 1:04d}"


def check_new(new: NewMatter, at: dt.datetime) -> dict[str, Any]:
    """Validate NEW without writing; return the model fields (the form's inline check uses it)."""
    if new.kind not in MatterKind.values:
        raise MatterRefused(_("请选择案件类别。"), field="kind")
    body = new.body.strip()
    if not body:
        raise MatterRefused(_("请填写复议机关或人民法院。"), field="body")
    name = new.claimant_name.strip()
    if not name:
        raise MatterRefused(_("请填写申请人/原告姓名或名称。"), field="claimant_name")
    number = checked_claimant(new.claimant_kind, new.claimant_id_type, new.claimant_id_number)
    _not_future(new.received_on, at, "received_on", _("收到副本日期"))
    _not_future(new.accepted_on, at, "accepted_on", _("受理/立案日期"))
    if new.accepted_on and new.accepted_on > new.received_on:
        raise MatterRefused(
            _(
                "受理/立案日期 %(accepted)s 晚于收到副本日期 %(received)s：副本在受理或立案后才发送。"
            )
            % {"accepted": new.accepted_on, "received": new.received_on},
            field="accepted_on",
        )
    if new.simplified and new.kind != MatterKind.RECONSIDERATION:
        raise MatterRefused(_("简易程序仅适用于行政复议。"), field="simplified")
    act = new.act.strip()
    if new.case is not None:
        if not new.unit.contains(new.case.unit):
            raise MatterRefused(
                _("案件 %(case)s 不属于被申请人/被告单位“%(unit)s”或其下级单位。")
                % {"case": new.case.number, "unit": new.unit},
                field="case",
            )
        if new.decision_event is not None and (
            new.decision_event.case_id != new.case.pk or new.decision_event.kind != DECIDE_EVENT
        ):
            raise MatterRefused(_("所选决定不是该案件的处罚决定。"), field="decision_event")
        act = act or new.case.title
    elif new.decision_event is not None:
        raise MatterRefused(_("登记被诉决定须先关联案件。"), field="case")
    if not act:
        raise MatterRefused(_("请关联案件，或填写被复议/被诉的行政行为。"), field="act")
    if (
        new.agent is not None
        and not new.unit.contains(new.agent.unit)
        and not new.agent.unit.contains(new.unit)
    ):
        raise MatterRefused(
            _("承办人 %(agent)s 不属于“%(unit)s”或其上级单位。")
            % {"agent": new.agent, "unit": new.unit},
            field="agent",
        )
    if new.previous is not None:
        if (
            new.kind not in (MatterKind.APPEAL, MatterKind.RETRIAL)
            or new.previous.kind not in LAWSUITS
        ):
            raise MatterRefused(_("只有二审、再审案件可以关联前审诉讼案件。"), field="previous")
        if new.previous.outcome == "":
            raise MatterRefused(_("前审案件尚未审结。"), field="previous")
    decision = new.decision_event
    if decision is None and new.case is not None:
        decision = (
            new.case.events.filter(kind=DECIDE_EVENT, corrections__isnull=True)
            .order_by("-occurred_at")
            .first()
        )
    return {
        "kind": new.kind,
        "body": body,
        "docket_number": new.docket_number.strip(),
        "unit": new.unit,
        "agent": new.agent,
        "previous": new.previous,
        "claimant_kind": new.claimant_kind,
        "claimant_name": name,
        "claimant_id_type": new.claimant_id_type,
        "claimant_id_number": number,
        "claimant_phone": new.claimant_phone.strip(),
        "case": new.case,
        "decision_event": decision,
        "act": act[:200],
        "act_document": new.act_document.strip(),
        "claims": new.claims.strip(),
        "received_on": new.received_on,
        "accepted_on": new.accepted_on,
        "simplified": new.simplified,
    }


@transaction.atomic
def register_matter(new: NewMatter, *, actor: Any, at: dt.datetime) -> Matter:
    """Register a matter in which NEW.unit answers; count its periods and open its warnings."""
    _require_handler(actor, new.unit)
    fields = check_new(new, at)
    Unit.objects.select_for_update().filter(pk=new.unit.pk).first()  # serialise numbering
    matter = Matter.objects.create(
        number=_next_number(new.unit, new.kind, new.received_on),
        created_at=at,
        created_by=actor,
        **fields,
    )
    audit.record(
        actor,
        "litigation.matter.register",
        matter,
        changes={
            "number": matter.number,
            "kind": matter.kind,
            "unit": new.unit.code,
            "case": new.case.number if new.case else None,
            "received_on": matter.received_on,
        },
        at=at,
    )
    _after_change(matter, at)
    return matter


# --- the reply / defence ------------------------------------------------------------------------


@transaction.atomic
def record_reply(
    matter: Matter,
    *,
    replied_on: dt.date,
    evidence_submitted: bool,
    actor: Any,
    at: dt.datetime,
) -> Matter:
    """Record the day the written reply (答复书) or defence (答辩状) was submitted with evidence."""
    _require_handler(actor, matter.unit)
    matter = _lock(matter)
    if matter.outcome:
        raise MatterRefused(_("案件已审结，不能再登记答复/答辩。"), field="replied_on")
    _not_future(replied_on, at, "replied_on", _("提交日期"))
    if replied_on < matter.received_on:
        raise MatterRefused(
            _("提交日期 %(day)s 早于收到副本日期 %(received)s。")
            % {"day": replied_on, "received": matter.received_on},
            field="replied_on",
        )
    if not evidence_submitted:
        basis = (
            Citation("《中华人民共和国行政诉讼法》第六十七条第一款")
            if matter.is_lawsuit
            else Citation("《中华人民共和国行政复议法》第四十八条")
        )
        raise LegalRuleViolation(
            _("答复/答辩应同时提交作出行政行为的证据、依据和其他有关材料；请确认已一并提交。"),
            field="evidence_submitted",
            basis=basis,
        )
    before = matter.replied_on
    matter.replied_on = replied_on
    matter.evidence_submitted = True
    matter.save(update_fields=["replied_on", "evidence_submitted"])
    audit.record(
        actor,
        "litigation.matter.reply",
        matter,
        changes={"replied_on": [before, replied_on]},
        at=at,
    )
    _after_change(matter, at)
    return matter


# --- documents ----------------------------------------------------------------------------------


@transaction.atomic
def add_document(
    matter: Matter, kind: str, file: UploadedFile[bytes], *, actor: Any, at: dt.datetime
) -> MatterDocument:
    """Store a checked file (PDF, OFD, JPEG, PNG) of MATTER in the private root; audit it."""
    _require_handler(actor, matter.unit)
    if kind not in DocumentKind.values:
        raise MatterRefused(_("请选择材料类别。"), field="kind")
    checked = uploads.check(file)
    doc = MatterDocument(
        matter=matter,
        kind=kind,
        token=uploads.new_token(),
        original_name=checked.original_name,
        content_type=checked.file_type.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=at,
        uploaded_by=actor,
    )
    checked.file.seek(0)
    doc.file.save(doc.token, checked.file, save=False)
    try:
        with transaction.atomic():
            doc.save()
            audit.record(
                actor,
                "litigation.document.add",
                matter,
                changes={"kind": kind, "token": doc.token, "sha256": checked.sha256},
                at=at,
            )
    except Exception:
        doc.file.storage.delete(doc.file.name or doc.token)
        raise
    return doc


# --- hearings and who appears -------------------------------------------------------------------


def heads_for(matter: Matter, day: dt.date) -> list[AgencyHead]:
    """The heads of the responding unit serving on DAY, 正职 first (those who may appear)."""
    return list(
        AgencyHead.objects.serving_on(day)
        .filter(unit=matter.unit)
        .select_related("officer")
        .order_by("post", "officer__name")
    )


@transaction.atomic
def plan_hearing(
    matter: Matter, *, scheduled_at: dt.datetime, place: str, actor: Any, at: dt.datetime
) -> Hearing:
    """Record a hearing the court (or the reconsideration body) has scheduled."""
    _require_handler(actor, matter.unit)
    matter = _lock(matter)
    if matter.outcome:
        raise MatterRefused(_("案件已审结，不能再登记开庭。"), field="scheduled_at")
    place = place.strip()
    if not place:
        raise MatterRefused(_("请填写法庭或地点。"), field="place")
    hearing = Hearing.objects.create(
        matter=matter, scheduled_at=scheduled_at, place=place, recorded_at=at
    )
    audit.record(
        actor,
        "litigation.hearing.plan",
        hearing,
        changes={"matter": matter.number, "scheduled_at": scheduled_at, "place": place},
        at=at,
    )
    alerts.refresh([matter.pk], at)
    return hearing


@dataclass(frozen=True)
class AppearanceIn:
    appearance: str
    head: AgencyHead | None = None
    entrusted: Officer | None = None
    absence_reason: str = ""
    held: bool = False
    note: str = ""


def check_appearance(hearing: Hearing, given: AppearanceIn, at: dt.datetime) -> dict[str, Any]:
    """Validate who appears (or appeared) at HEARING; return the fields to write."""
    basis = BASIS_APPEARANCE if hearing.matter.is_lawsuit else BASIS_HEARING_ATTENDANCE
    day = hearing.scheduled_at.astimezone(SHANGHAI).date()
    if given.appearance not in Appearance.values:
        raise MatterRefused(_("请选择出庭情况。"), field="appearance")
    if given.held and hearing.scheduled_at > at:
        raise MatterRefused(
            _("开庭时间 %(at)s 尚未到，不能登记为已开庭。")
            % {"at": f"{hearing.scheduled_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"},
            field="held",
        )
    if given.appearance == Appearance.NONE and not given.held:
        raise MatterRefused(
            _("开庭前应安排负责人或受委托工作人员出庭。"), field="appearance", basis=basis
        )
    head, entrusted, reason = None, None, ""
    if given.appearance == Appearance.HEAD:
        head = given.head
        if head is None:
            raise MatterRefused(_("请选择出庭的负责人。"), field="head", basis=basis)
        if head.unit_id != hearing.matter.unit_id or not head.serves_on(day):
            raise MatterRefused(
                _("%(head)s 在 %(day)s 不是“%(unit)s”的负责人。")
                % {"head": head, "day": day, "unit": hearing.matter.unit},
                field="head",
                basis=basis,
            )
    elif given.appearance == Appearance.ENTRUSTED:
        entrusted = given.entrusted
        reason = given.absence_reason.strip()
        if entrusted is None:
            raise MatterRefused(_("请选择受委托出庭的工作人员。"), field="entrusted", basis=basis)
        if not hearing.matter.unit.contains(entrusted.unit) and not entrusted.unit.contains(
            hearing.matter.unit
        ):
            raise MatterRefused(
                _("受委托人员应为被诉行政机关相应的工作人员：%(officer)s 不属于“%(unit)s”。")
                % {"officer": entrusted, "unit": hearing.matter.unit},
                field="entrusted",
                basis=basis,
            )
        if not reason:
            raise MatterRefused(
                _("负责人不能出庭的，应写明理由。"), field="absence_reason", basis=basis
            )
    return {
        "appearance": given.appearance,
        "head": head,
        "entrusted": entrusted,
        "absence_reason": reason,
        "status": HearingStatus.HELD if given.held else HearingStatus.PLANNED,
        "note": given.note.strip()[:300],
    }


@transaction.atomic
def set_appearance(
    hearing: Hearing, given: AppearanceIn, *, actor: Any, at: dt.datetime
) -> Hearing:
    """Plan, or confirm after the hearing, who appears for the bureau (行政诉讼法 第三条第三款)."""
    _require_handler(actor, hearing.matter.unit)
    hearing = Hearing.objects.select_for_update().select_related("matter__unit").get(pk=hearing.pk)
    if hearing.status == HearingStatus.CANCELLED:
        raise MatterRefused(_("该次开庭已取消。"), field="appearance")
    fields = check_appearance(hearing, given, at)
    before = {"appearance": hearing.appearance, "status": hearing.status}
    for name, value in fields.items():
        setattr(hearing, name, value)
    hearing.save()
    audit.record(
        actor,
        "litigation.hearing.appearance",
        hearing,
        changes={
            "appearance": [before["appearance"], hearing.appearance],
            "status": [before["status"], hearing.status],
            "head": hearing.head.officer.police_number if hearing.head else None,
            "entrusted": hearing.entrusted.police_number if hearing.entrusted else None,
        },
        at=at,
    )
    alerts.refresh([hearing.matter_id], at)
    return hearing


@transaction.atomic
def attach_hearing_record(
    hearing: Hearing, file: UploadedFile[bytes], *, actor: Any, at: dt.datetime
) -> Hearing:
    """Attach the court's record (庭审笔录) of a held hearing: the evidence of who appeared."""
    if hearing.status != HearingStatus.HELD:
        raise MatterRefused(_("只有已开庭的才能上传庭审笔录。"), field="file")
    doc = add_document(hearing.matter, DocumentKind.HEARING_RECORD, file, actor=actor, at=at)
    hearing.record_document = doc
    hearing.save(update_fields=["record_document"])
    return hearing


@transaction.atomic
def cancel_hearing(hearing: Hearing, *, reason: str, actor: Any, at: dt.datetime) -> Hearing:
    _require_handler(actor, hearing.matter.unit)
    if hearing.status != HearingStatus.PLANNED:
        raise MatterRefused(_("只有待开庭的可以取消。"), field="status")
    hearing.status = HearingStatus.CANCELLED
    hearing.note = reason.strip()[:300]
    hearing.save(update_fields=["status", "note"])
    audit.record(
        actor, "litigation.hearing.cancel", hearing, changes={"reason": hearing.note}, at=at
    )
    alerts.refresh([hearing.matter_id], at)
    return hearing


# --- the outcome and the correction loop ----------------------------------------------------------


@dataclass(frozen=True)
class OutcomeIn:
    outcome: str
    outcome_on: dt.date
    ruling_form: str = ""
    served_on: dt.date | None = None
    note: str = ""


def check_outcome(matter: Matter, given: OutcomeIn, at: dt.datetime) -> None:
    if given.outcome not in Outcome.values:
        raise MatterRefused(_("请选择审结结果。"), field="outcome")
    if given.ruling_form and given.ruling_form not in RulingForm.values:
        raise MatterRefused(_("文书形式无效。"), field="ruling_form")
    if matter.kind == MatterKind.FIRST_INSTANCE and given.served_on and not given.ruling_form:
        raise MatterRefused(
            _("一审文书送达后须注明是判决还是裁定：上诉期分别为十五日和十日。"),
            field="ruling_form",
            basis=Citation("《中华人民共和国行政诉讼法》第八十五条"),
        )
    _not_future(given.outcome_on, at, "outcome_on", _("决定/裁判日期"))
    _not_future(given.served_on, at, "served_on", _("送达日期"))
    if given.outcome_on < matter.received_on:
        raise MatterRefused(
            _("决定/裁判日期 %(day)s 早于收到副本日期 %(received)s。")
            % {"day": given.outcome_on, "received": matter.received_on},
            field="outcome_on",
        )
    if given.served_on and given.served_on < given.outcome_on:
        raise MatterRefused(_("送达日期早于决定/裁判日期。"), field="served_on")


@transaction.atomic
def record_outcome(matter: Matter, given: OutcomeIn, *, actor: Any, at: dt.datetime) -> Matter:
    """Record how the matter ended. A loss (撤销、确认违法 …) of a matter with its case puts the
    case forward for case-quality review at once; the supervision centre then issues its 整改
    order (``issue_correction``) — a warning reminds it until it does."""
    _require_handler(actor, matter.unit)
    matter = _lock(matter)
    if matter.outcome:
        raise MatterRefused(
            _("案件已登记审结结果“%(outcome)s”。") % {"outcome": matter.get_outcome_display()},
            field="outcome",
        )
    check_outcome(matter, given, at)
    matter.outcome = given.outcome
    matter.outcome_on = given.outcome_on
    matter.ruling_form = given.ruling_form
    matter.served_on = given.served_on
    matter.outcome_note = given.note.strip()
    if matter.is_loss and matter.case_id is not None:
        matter.review_flagged_at = at
    matter.save()
    audit.record(
        actor,
        "litigation.matter.outcome",
        matter,
        changes={
            "outcome": given.outcome,
            "outcome_on": given.outcome_on,
            "ruling_form": given.ruling_form,
            "served_on": given.served_on,
            "review_flagged": matter.review_flagged_at is not None,
        },
        at=at,
    )
    _after_change(matter, at)
    if matter.previous_id is not None:
        previous = Matter.objects.get(pk=matter.previous_id)
        deadlines.refresh(previous, at)
    return matter


@transaction.atomic
def record_service(matter: Matter, *, served_on: dt.date, actor: Any, at: dt.datetime) -> Matter:
    """Record the day the decision or judgment was served (starts the appeal window)."""
    _require_handler(actor, matter.unit)
    matter = _lock(matter)
    if not matter.outcome:
        raise MatterRefused(_("请先登记审结结果。"), field="served_on")
    check_outcome(
        matter,
        OutcomeIn(matter.outcome, matter.outcome_on or served_on, matter.ruling_form, served_on),
        at,
    )
    before = matter.served_on
    matter.served_on = served_on
    matter.save(update_fields=["served_on"])
    audit.record(
        actor, "litigation.matter.served", matter, changes={"served_on": [before, served_on]}, at=at
    )
    _after_change(matter, at)
    return matter


def correction_text(matter: Matter) -> tuple[str, str]:
    """The problem and the demand a 整改 order about MATTER states (editable by the issuer)."""
    body = matter.body
    problem = _("%(body)s 在 %(kind)s（%(docket)s）中对“%(act)s”作出%(outcome)s的%(form)s。") % {
        "body": body,
        "kind": matter.get_kind_display(),
        "docket": matter.docket_number or matter.number,
        "act": matter.act,
        "outcome": matter.get_outcome_display(),
        "form": matter.get_ruling_form_display() or _("决定"),
    }
    demand = _(
        "对照复议决定/裁判文书查找执法问题，依法纠正或重新作出行政行为，"
        "并将整改情况和佐证材料报送督办单位。"
    )
    return problem, demand


@transaction.atomic
def issue_correction(
    matter: Matter,
    *,
    problem: str,
    demand: str,
    reply_due_at: dt.datetime,
    actor: Any,
    at: dt.datetime,
) -> Matter:
    """Issue the 整改 order of a lost matter to its case's unit through the supervision order
    mechanism (the issuer needs Capability.SUPERVISE, checked there) and link it to the matter."""
    from fazhi.supervision import orders

    matter = _lock(matter)
    if not matter.is_loss:
        raise MatterRefused(_("只有败诉或被纠错的案件需要整改督办。"), field="outcome")
    if matter.case is None:
        raise MatterRefused(
            _("该案件的被诉行为未关联平台案件，督办单须针对一个案件：请先关联案件。"), field="case"
        )
    if matter.correction_order_id is not None:
        raise MatterRefused(_("该案件已下达整改督办单。"), field="correction_order")
    order = orders.issue_order(
        matter.case.unit,
        case=matter.case,
        problem=problem,
        demand=demand,
        reply_due_at=reply_due_at,
        actor=actor,
        at=at,
    )
    matter.correction_order = order
    matter.save(update_fields=["correction_order"])
    audit.record(
        actor,
        "litigation.matter.correction",
        matter,
        changes={"order": order.number, "case": matter.case.number},
        at=at,
    )
    alerts.refresh([matter.pk], at)
    return matter


# --- the applicant's identity number ------------------------------------------------------------


@transaction.atomic
def reveal_claimant_id(matter: Matter, *, actor: Any, ip_address: str | None = None) -> str:
    """Return the claimant's full identity number and record that ACTOR saw it (``pii.reveal``)."""
    require_capability(actor, Capability.REVEAL_ID_NUMBER)
    if not Matter.objects.visible_to(actor).filter(pk=matter.pk).exists():
        raise PermissionDeniedError(_("该案件不在您的数据范围内。"))
    audit.record(
        actor,
        "pii.reveal",
        matter,
        changes={"field": "claimant_id_number", "matter": matter.number},
        ip_address=ip_address,
    )
    return matter.claimant_id_number


# --- the roll of heads --------------------------------------------------------------------------


@transaction.atomic
def add_head(
    unit: Unit,
    officer: Officer,
    *,
    post: str,
    title: str,
    since: dt.date,
    actor: Any,
    at: dt.datetime,
) -> AgencyHead:
    """Add a leader to UNIT's roll of heads (正职/副职) who may appear in court."""
    _require_handler(actor, unit)
    if officer.unit_id != unit.pk and not unit.contains(officer.unit):
        raise MatterRefused(
            _("%(officer)s 不属于“%(unit)s”。") % {"officer": officer, "unit": unit},
            field="officer",
        )
    head, created = AgencyHead.objects.get_or_create(
        unit=unit, officer=officer, since=since, defaults={"post": post, "title": title.strip()}
    )
    if created:
        audit.record(
            actor,
            "litigation.head.add",
            head,
            changes={"unit": unit.code, "officer": officer.police_number, "post": post},
            at=at,
        )
    return head

"""Petition operations (信访事项): receive, classify each claim (诉访分离), tell the petitioner in
writing, object to a transfer, extend, reply, review and re-review.

Every operation is one transaction: it checks what the law requires (each refusal carries its
provision), writes, refreshes the petition's deadlines and warnings and records one audit entry.
Views, the API, the importer, the demo and the tests all call these functions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.core.access import require_capability
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import (
    FazhiError,
    InvalidIdentifier,
    LegalRuleViolation,
    PermissionDeniedError,
)
from fazhi.core.identity import validate_citizen_id
from fazhi.core.roles import Capability
from fazhi.org.models import Unit
from fazhi.petitions import alerts, deadlines
from fazhi.petitions.models import (
    FORWARDED_CHANNELS,
    Attachment,
    Channel,
    Claim,
    DeadlineStatus,
    Extension,
    Notice,
    NoticeKind,
    Outcome,
    Petition,
    Review,
    ReviewKind,
    Status,
)
from fazhi.petitions.packs import route

PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
ART_23_2 = "《信访工作条例》第二十三条第二款"
ART_23_3 = "《信访工作条例》第二十三条第三款"
ART_31 = "《信访工作条例》第三十一条"
ART_34 = "《信访工作条例》第三十四条"
ART_35 = "《信访工作条例》第三十五条"
ART_36 = "《信访工作条例》第三十六条第一款"


class PetitionRefused(FazhiError):
    code = "petition_refused"


@dataclass(frozen=True)
class NewPetition:
    unit: Unit
    channel: str
    received_on: dt.date
    petitioner_name: str
    matter: str
    claims: tuple[str, ...]
    petitioner_id_number: str = ""
    petitioner_phone: str = ""
    petitioner_address: str = ""
    petitioner_count: int = 1
    sender: str = ""
    sent_on: dt.date | None = None
    sender_reference: str = ""
    units_concerned: tuple[Unit, ...] = ()
    citizen_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _today(at: dt.datetime) -> dt.date:
    return at.astimezone(SHANGHAI).date()


def _locked(petition: Petition, actor: Any) -> Petition:
    require_capability(actor, Capability.HANDLE_PETITIONS)
    row: Petition | None = (
        Petition.objects.visible_to(actor).select_for_update().filter(pk=petition.pk).first()
    )
    if row is None:
        raise PermissionDeniedError(_("该信访事项不在您的数据范围内。"))
    return row


def _after(petition: Petition, at: dt.datetime) -> None:
    deadlines.refresh(petition)
    alerts.refresh([petition.pk], at)


def check_new(new: NewPetition, today: dt.date) -> dict[str, str]:
    """Return {field: message} for every input of NEW that cannot be accepted (empty: fine)."""
    errors: dict[str, str] = {}
    if new.channel not in Channel.values:
        errors["channel"] = _("请选择信访渠道。")
    if not new.petitioner_name.strip():
        errors["petitioner_name"] = _("请填写信访人姓名。")
    if not new.matter.strip():
        errors["matter"] = _("请简要填写信访事项。")
    if not [c for c in new.claims if c.strip()]:
        errors["claims"] = _("至少填写一项诉求。")
    if new.received_on > today:
        errors["received_on"] = _("收到日期 %(day)s 晚于今天。") % {"day": new.received_on}
    if new.petitioner_id_number:
        try:
            validate_citizen_id(new.petitioner_id_number)
        except InvalidIdentifier as error:
            errors["petitioner_id_number"] = str(error)
    if new.petitioner_phone and not PHONE.match(new.petitioner_phone.strip()):
        errors["petitioner_phone"] = _("联系电话应为11位手机号或带区号的固定电话。")
    if not 1 <= new.petitioner_count <= 10000:
        errors["petitioner_count"] = _("信访人数应在1至10000之间。")
    if new.channel in FORWARDED_CHANNELS:
        if not new.sender.strip():
            errors["sender"] = _("转送、交办的事项须填写转送、交办机关（%(basis)s）。") % {
                "basis": ART_23_3
            }
        if new.sent_on is None:
            errors["sent_on"] = _("请填写转送、交办日期。")
        elif new.sent_on > new.received_on:
            errors["sent_on"] = _("转送、交办日期 %(sent)s 晚于收到日期 %(received)s。") % {
                "sent": new.sent_on,
                "received": new.received_on,
            }
    return errors


def _number(unit: Unit, year: int) -> str:
    # The unit's row lock (as open_case takes to number cases): two registrations at once
    # never read the same last number.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    prefix = f"XF{year}{unit.code.replace('-', '')}"
    last = (
        Petition.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:05d}"


def previous_petition(id_number: str, name: str, phone: str, before: dt.date) -> Petition | None:
    """The petitioner's latest earlier petition (same ID number, or same name and phone)."""
    rows = Petition.objects.filter(received_on__lte=before)
    if id_number:
        rows = rows.filter(petitioner_id_number=id_number.upper())
    elif name and phone:
        rows = rows.filter(petitioner_name=name, petitioner_phone=phone)
    else:
        return None
    return rows.order_by("-received_on", "-id").first()


@transaction.atomic
def receive(new: NewPetition, *, actor: Any, at: dt.datetime) -> Petition:
    """Register a petition (登记) at its unit with its claims; start its deadlines (第二十三条)."""
    require_capability(actor, Capability.HANDLE_PETITIONS)
    if not Unit.objects.visible_to(actor).filter(pk=new.unit.pk).exists():
        raise PermissionDeniedError(_("承办单位不在您的数据范围内。"))
    errors = check_new(new, _today(at))
    if errors:
        name, message = next(iter(errors.items()))
        raise PetitionRefused(message, field=name)
    id_number = new.petitioner_id_number.strip().upper()
    phone = new.petitioner_phone.strip()
    earlier = previous_petition(id_number, new.petitioner_name.strip(), phone, new.received_on)
    petition = Petition.objects.create(
        number=_number(new.unit, new.received_on.year),
        unit=new.unit,
        channel=new.channel,
        received_at=at,
        received_on=new.received_on,
        sender=new.sender.strip(),
        sent_on=new.sent_on,
        sender_reference=new.sender_reference.strip(),
        citizen_id=new.citizen_id,
        petitioner_name=new.petitioner_name.strip(),
        petitioner_id_number=id_number,
        petitioner_phone=phone,
        petitioner_address=new.petitioner_address.strip(),
        petitioner_count=new.petitioner_count,
        matter=new.matter.strip(),
        status=Status.RECEIVED,
        repeat_of=earlier,
        created_by=actor if not isinstance(actor, str) else None,
    )
    if new.units_concerned:
        petition.units_concerned.set(new.units_concerned)
    for text in new.claims:
        if text.strip():
            Claim.objects.create(petition=petition, text=text.strip())
    _after(petition, at)
    audit.record(
        actor,
        "petition.receive",
        petition,
        changes={
            "number": petition.number,
            "channel": petition.channel,
            "received_on": petition.received_on,
            "claims": len(new.claims),
            "repeat_of": earlier.number if earlier else None,
        },
    )
    return petition


@transaction.atomic
def classify(
    claim: Claim, answers: dict[str, Any], *, actor: Any, at: dt.datetime, case: Any = None
) -> Claim:
    """Route CLAIM by the 诉访分离 pack from the clerk's ANSWERS (第三十一条); store the route, the
    reason, the provision, the windows and the notice sentence with the pack's version."""
    petition = _locked(claim.petition, actor)
    if petition.status != Status.RECEIVED:
        raise PetitionRefused(
            _("信访事项已书面告知，诉求的甄别结果不能再改变。"), field="answers", basis=ART_31
        )
    today = _today(at)
    try:
        routing = route(answers, today)
    except ValueError as error:
        raise PetitionRefused(
            _("甄别问答有误：%(error)s") % {"error": error}, field="answers"
        ) from None
    r = routing.route
    before = claim.route
    claim.answers = {
        k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in answers.items()
    }
    claim.case = case
    claim.route = r.code
    claim.route_name = r.name
    claim.track = r.track
    claim.is_petition = r.handled_as_petition
    claim.reason = r.reason
    claim.basis = str(r.basis)
    claim.tell = r.tell
    claim.windows = routing.window_facts
    claim.unverified = r.unverified_reason if r.unverified else ""
    claim.pack_version = routing.pack_version
    claim.classified_on = today
    claim.save()
    audit.record(
        actor,
        "petition.classify",
        claim,
        changes={"petition": petition.number, "route": [before, r.code], "basis": str(r.basis)},
    )
    return claim


def notice_text(petition: Petition) -> tuple[str, str]:
    """Return (kind, body) of the written notice the petitioner gets for the classified claims.

    An official record: written in Chinese whatever the clerk's interface language.
    """
    with translation.override("zh-hans"):
        return _notice_text(petition)


def _notice_text(petition: Petition) -> tuple[str, str]:
    claims = list(petition.claims.all())
    routed = [c for c in claims if not c.is_petition]
    lines = [_("%(name)s：") % {"name": petition.petitioner_name}]
    lines.append(
        _("本机关于 %(day)s 收到您反映的信访事项（编号 %(number)s），现将办理途径告知如下：")
        % {"day": petition.received_on, "number": petition.number}
    )
    for index, claim in enumerate(claims, 1):
        lines.append(
            _("%(index)d. 诉求“%(text)s”：%(tell)s（依据：%(basis)s）")
            % {"index": index, "text": claim.text, "tell": claim.tell, "basis": claim.basis}
        )
    kind = NoticeKind.ROUTING if routed else NoticeKind.ACCEPTANCE
    return kind, "\n".join(lines)


def can_send_notice(petition: Petition) -> tuple[bool, str]:
    if petition.status != Status.RECEIVED:
        return False, _("已书面告知。")
    if petition.claims.filter(route="").exists():
        return False, _("尚有诉求未甄别：先回答每项诉求的甄别问题。")
    return True, ""


@transaction.atomic
def send_notice(
    petition: Petition, *, sent_on: dt.date, method: str, actor: Any, at: dt.datetime
) -> Notice:
    """Record the written notice (告知书) of 第二十三条: claims routed to a statutory channel are
    told where to go (第三十一条); if any claim stays a petition, the petition is accepted on the
    notice day and its 60 days start (第三十四条); otherwise it ends as routed."""
    petition = _locked(petition, actor)
    ok, why = can_send_notice(petition)
    if not ok:
        raise PetitionRefused(why, field="claims")
    if sent_on < petition.received_on or sent_on > _today(at):
        raise PetitionRefused(
            _("告知日期应在收到日期 %(received)s 与今天之间。")
            % {"received": petition.received_on},
            field="sent_on",
        )
    if not method.strip():
        raise PetitionRefused(_("请填写送达方式。"), field="method")
    kind, body = notice_text(petition)
    notice = Notice.objects.create(
        petition=petition,
        kind=kind,
        sent_on=sent_on,
        method=method.strip(),
        body=body,
        recorded_at=at,
        recorded_by=actor,
    )
    petition.notice_sent_on = sent_on
    if petition.claims.filter(is_petition=True).exists():
        petition.status = Status.ACCEPTED
        petition.accepted_on = sent_on
    else:
        petition.status = Status.ROUTED
        petition.closed_on = sent_on
    petition.save()
    _after(petition, at)
    audit.record(
        actor,
        "petition.notice",
        petition,
        changes={"kind": kind, "sent_on": sent_on, "status": petition.status},
    )
    return notice


@transaction.atomic
def object_to_transfer(
    petition: Petition, *, reason: str, on: dt.date, actor: Any, at: dt.datetime
) -> Petition:
    """Object to a transferred or assigned petition outside the unit's remit, within 5 working
    days of receipt (第二十三条第三款); the petition goes back to its sender."""
    petition = _locked(petition, actor)
    if not petition.is_forwarded:
        raise PetitionRefused(
            _("只有转送、交办的事项可以提出异议。"), field="reason", basis=ART_23_3
        )
    if petition.status != Status.RECEIVED:
        raise PetitionRefused(_("已受理或已告知的事项不能再提出异议。"), field="reason")
    if not reason.strip():
        raise PetitionRefused(
            _("提出异议须详细说明理由（%(basis)s）。") % {"basis": ART_23_3}, field="reason"
        )
    limit = petition.deadlines.filter(code="objection").first()
    if limit is not None and on > limit.due_on:
        raise LegalRuleViolation(
            _("异议应自收到之日起5个工作日内提出，期限已于 %(day)s 届满。") % {"day": limit.due_on},
            field="on",
            basis=ART_23_3,
        )
    petition.objected_on = on
    petition.objection_reason = reason.strip()
    petition.status = Status.RETURNED
    petition.closed_on = on
    petition.save()
    _after(petition, at)
    audit.record(actor, "petition.object", petition, changes={"on": on, "reason": reason.strip()})
    return petition


def _extension_text(number: str, reason: str, days: int) -> str:
    with translation.override("zh-hans"):  # an official record, in Chinese
        return _(
            "您的信访事项（编号 %(number)s）因%(reason)s，经本机关负责人批准，办理期限延长 %(days)d 日。"
        ) % {"number": number, "reason": reason, "days": days}


def extension_left(petition: Petition) -> int:
    return max(0, 30 - petition.extension_days)


@transaction.atomic
def extend(
    petition: Petition,
    *,
    days: int,
    reason: str,
    approved_by: str,
    approved_on: dt.date,
    actor: Any,
    at: dt.datetime,
) -> Extension:
    """Extend the handling period with the head's approval, by at most 30 days in all, and tell
    the petitioner why (第三十四条)."""
    petition = _locked(petition, actor)
    if petition.status != Status.ACCEPTED:
        raise PetitionRefused(_("只有办理中的信访事项可以延期。"), field="days", basis=ART_34)
    if not 1 <= days <= extension_left(petition):
        raise LegalRuleViolation(
            _("延长期限累计不得超过30日，本事项还可延长 %(left)d 日。")
            % {"left": extension_left(petition)},
            field="days",
            basis=ART_34,
        )
    if not reason.strip():
        raise PetitionRefused(
            _("请填写延期理由，延期理由须告知信访人。"), field="reason", basis=ART_34
        )
    if not approved_by.strip():
        raise PetitionRefused(
            _("延期须经本机关负责人批准，请填写批准人。"), field="approved_by", basis=ART_34
        )
    handling = petition.deadlines.filter(code="handling").first()
    if handling is not None and approved_on > handling.due_on:
        raise LegalRuleViolation(
            _("办理期限已于 %(day)s 届满，届满后不能再批准延期。") % {"day": handling.due_on},
            field="approved_on",
            basis=ART_34,
        )
    if approved_on < (petition.accepted_on or petition.received_on) or approved_on > _today(at):
        raise PetitionRefused(_("批准日期应在受理日期与今天之间。"), field="approved_on")
    row = Extension.objects.create(
        petition=petition,
        days=days,
        reason=reason.strip(),
        approved_by=approved_by.strip(),
        approved_on=approved_on,
        recorded_at=at,
        recorded_by=actor,
    )
    petition.extension_days += days
    petition.save(update_fields=["extension_days"])
    Notice.objects.create(
        petition=petition,
        kind=NoticeKind.EXTENSION,
        sent_on=approved_on,
        method="书面",
        body=_extension_text(petition.number, reason.strip(), days),
        recorded_at=at,
        recorded_by=actor,
    )
    _after(petition, at)
    audit.record(
        actor,
        "petition.extend",
        petition,
        changes={"days": days, "approved_by": approved_by.strip(), "approved_on": approved_on},
    )
    return row


@transaction.atomic
def reply(
    petition: Petition,
    *,
    outcome: str,
    text: str,
    replied_on: dt.date,
    actor: Any,
    at: dt.datetime,
) -> Petition:
    """Issue the 信访处理意见书 (第三十一条第（六）项、第三十二条): support, explain or not support."""
    petition = _locked(petition, actor)
    if petition.status != Status.ACCEPTED:
        raise PetitionRefused(_("只有已受理、办理中的信访事项可以答复。"), field="outcome")
    if outcome not in Outcome.values:
        raise PetitionRefused(_("请选择处理意见。"), field="outcome")
    if len(text.strip()) < 10:
        raise PetitionRefused(
            _("信访处理意见书应载明诉求、事实和理由、处理意见及其依据（至少10个字）。"),
            field="text",
            basis="《信访工作条例》第三十二条第一款",
        )
    if (petition.accepted_on and replied_on < petition.accepted_on) or replied_on > _today(at):
        raise PetitionRefused(_("答复日期应在受理日期与今天之间。"), field="replied_on")
    petition.outcome = outcome
    petition.reply = text.strip()
    petition.replied_on = replied_on
    petition.status = Status.REPLIED
    petition.save()
    _after(petition, at)
    audit.record(
        actor, "petition.reply", petition, changes={"outcome": outcome, "replied_on": replied_on}
    )
    return petition


@transaction.atomic
def request_review(
    petition: Petition, *, kind: str, requested_on: dt.date, actor: Any, at: dt.datetime
) -> Review:
    """Record a request for 复查 (第三十五条) or 复核 (第三十六条), made within 30 days of the written
    answer, to the unit above the one that answered; its 30 days start."""
    petition = _locked(petition, actor)
    if kind == ReviewKind.REVIEW:
        if petition.status != Status.REPLIED or petition.reviews.filter(kind=kind).exists():
            raise PetitionRefused(
                _("只有已出具处理意见、尚未复查的事项可以请求复查。"), field="kind", basis=ART_35
            )
        answered_on, basis, unit = (
            petition.replied_on,
            ART_35,
            Unit.objects.get_parent(petition.unit),
        )
    elif kind == ReviewKind.RE_REVIEW:
        first = petition.reviews.filter(kind=ReviewKind.REVIEW, answered_on__isnull=False).first()
        if first is None or petition.reviews.filter(kind=kind).exists():
            raise PetitionRefused(
                _("只有复查意见已答复、尚未复核的事项可以请求复核。"), field="kind", basis=ART_36
            )
        answered_on, basis, unit = first.answered_on, ART_36, Unit.objects.get_parent(first.unit)
    else:
        raise PetitionRefused(_("请选择复查或复核。"), field="kind")
    if unit is None:
        raise PetitionRefused(
            _("答复单位没有上一级单位，无法请求复查（复核）。"), field="kind", basis=basis
        )
    assert answered_on is not None  # noqa: S101 - a reply or a review answer has its day
    if requested_on < answered_on or requested_on > _today(at):
        raise PetitionRefused(_("请求日期应在答复日期与今天之间。"), field="requested_on")
    if requested_on > answered_on + dt.timedelta(days=30):
        raise LegalRuleViolation(
            _("请求应自收到书面答复之日起30日内提出（答复日期 %(day)s）。") % {"day": answered_on},
            field="requested_on",
            basis=basis,
        )
    review = Review.objects.create(
        petition=petition, kind=kind, unit=unit, requested_on=requested_on
    )
    petition.status = Status.REVIEW if kind == ReviewKind.REVIEW else Status.RE_REVIEW
    petition.save(update_fields=["status"])
    _after(petition, at)
    audit.record(
        actor, "petition.review_request", petition, changes={"kind": kind, "on": requested_on}
    )
    return review


@transaction.atomic
def answer_review(
    review: Review, *, outcome: str, opinion: str, answered_on: dt.date, actor: Any, at: dt.datetime
) -> Review:
    """Record the 复查 or 复核 opinion; after a 复核 the same claim is not accepted again
    (第三十六条第三款), so the petition closes."""
    petition = _locked(review.petition, actor)
    if not Unit.objects.visible_to(actor).filter(pk=review.unit_id).exists():
        raise PermissionDeniedError(_("复查（复核）由上一级机关办理，不在您的数据范围内。"))
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.answered_on is not None:
        raise PetitionRefused(_("该请求已答复。"), field="outcome")
    if outcome not in Outcome.values:
        raise PetitionRefused(_("请选择处理意见。"), field="outcome")
    if not opinion.strip():
        raise PetitionRefused(_("请填写复查（复核）意见。"), field="opinion")
    if answered_on < review.requested_on or answered_on > _today(at):
        raise PetitionRefused(_("答复日期应在收到请求日期与今天之间。"), field="answered_on")
    review.outcome, review.opinion, review.answered_on = outcome, opinion.strip(), answered_on
    review.save()
    if review.kind == ReviewKind.RE_REVIEW:
        petition.status, petition.closed_on = Status.CLOSED, answered_on
    else:
        petition.status = Status.REPLIED
    petition.save()
    _after(petition, at)
    audit.record(
        actor, "petition.review_answer", petition, changes={"kind": review.kind, "outcome": outcome}
    )
    return review


def open_deadlines(petition: Petition) -> list[Any]:
    return list(petition.deadlines.filter(status=DeadlineStatus.OPEN).order_by("due_on"))


@transaction.atomic
def reveal_id_number(petition: Petition, *, actor: Any, ip_address: str | None = None) -> str:
    """Return the petitioner's full ID number and record that ACTOR saw it (``pii.reveal``)."""
    require_capability(actor, Capability.REVEAL_ID_NUMBER)
    if not Petition.objects.visible_to(actor).filter(pk=petition.pk).exists():
        raise PermissionDeniedError(_("该信访事项不在您的数据范围内。"))
    audit.record(
        actor,
        "pii.reveal",
        petition,
        changes={"field": "petitioner_id_number", "number": petition.number},
        ip_address=ip_address,
    )
    return petition.petitioner_id_number


@transaction.atomic
def submit_online(new: NewPetition, *, citizen: Any, at: dt.datetime) -> Petition:
    """Register a petition a citizen submits on 警快办 (网上信访): the citizen's account, no staff
    actor; the same checks, deadlines and warnings as at the window (第二十三条第二款)."""
    if new.channel != Channel.ONLINE:
        raise PetitionRefused(_("网上提交的信访渠道为网上信访。"), field="channel")
    if not Unit.objects.filter(pk=new.unit.pk, is_active=True).exists():
        raise PetitionRefused(_("请选择受理单位。"), field="unit")
    errors = check_new(new, _today(at))
    if errors:
        name, message = next(iter(errors.items()))
        raise PetitionRefused(message, field=name)
    id_number = new.petitioner_id_number.strip().upper()
    phone = new.petitioner_phone.strip()
    earlier = previous_petition(id_number, new.petitioner_name.strip(), phone, new.received_on)
    petition = Petition.objects.create(
        number=_number(new.unit, new.received_on.year),
        unit=new.unit,
        channel=Channel.ONLINE,
        received_at=at,
        received_on=new.received_on,
        citizen=citizen,
        petitioner_name=new.petitioner_name.strip(),
        petitioner_id_number=id_number,
        petitioner_phone=phone,
        petitioner_address=new.petitioner_address.strip(),
        matter=new.matter.strip(),
        status=Status.RECEIVED,
        repeat_of=earlier,
    )
    for text in new.claims:
        if text.strip():
            Claim.objects.create(petition=petition, text=text.strip())
    _after(petition, at)
    audit.record(
        f"citizen:{citizen.pk}",
        "petition.submit_online",
        petition,
        changes={"number": petition.number, "unit": new.unit.code},
    )
    return petition


ATTACHMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".ofd")
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


@transaction.atomic
def attach(petition: Petition, upload: Any, *, actor: Any, at: dt.datetime) -> Attachment:
    """Keep a file the petitioner gave (信访材料) with the petition, in the private storage."""
    petition = _locked(petition, actor)
    name = str(getattr(upload, "name", "") or "")
    if not name.lower().endswith(ATTACHMENT_TYPES):
        raise PetitionRefused(
            _("附件格式应为 %(types)s。") % {"types": "、".join(ATTACHMENT_TYPES)}, field="file"
        )
    if not 0 < int(getattr(upload, "size", 0) or 0) <= ATTACHMENT_MAX_BYTES:
        raise PetitionRefused(_("附件不能为空，且不超过10MB。"), field="file")
    row = Attachment(petition=petition, name=name[-120:], uploaded_at=at)
    row.file.save(name[-80:], upload, save=False)
    row.save()
    audit.record(actor, "petition.attach", petition, changes={"name": row.name})
    return row

"""Supervision orders (督办): issue, answer, send back, verify, escalate; and the 督办通知书.

The loop: a supervisor (Capability.SUPERVISE) issues an order to a unit inside their scope; a
user of that unit's scope who handles cases answers it with the rectification and its evidence;
the issuing level verifies the answer or sends it back (the unit answers again). Only
verification closes an order. An order still awaiting its reply after ``reply_due_at`` is
overdue; the periodic scan escalates it one level (unit → district → city), once per reply
deadline. Every step is one transaction, one append-only OrderEvent and one audit entry.

An overdue order also raises its own warning (rules of type ``order_unanswered``, e.g.
DUBAN_OVERDUE in rules/warnings/orders.yaml), opened by the periodic full scan. Answering or
sending back an order re-runs those rules for its cases inside the same transaction, so the
warning closes (or, for an answer sent back past its deadline, reopens) at once.

The level of an order is the level of the issuing unit: the city bureau issues city orders,
a district bureau district orders, any unit below a unit order (``Unit.level``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.cases.models import Case
from fazhi.core import progress
from fazhi.core.access import require_capability
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import FazhiError, PermissionDeniedError
from fazhi.core.roles import Capability
from fazhi.org.models import Unit
from fazhi.supervision import scan
from fazhi.supervision.models import (
    AWAITING_REPLY,
    CaseWarning,
    OrderEvent,
    OrderEventKind,
    OrderLevel,
    OrderStatus,
    SupervisionOrder,
)

SYSTEM_ACTOR = "system:order-escalation"
NEXT_LEVEL = {OrderLevel.UNIT: OrderLevel.DISTRICT, OrderLevel.DISTRICT: OrderLevel.CITY}


class OrderStateError(FazhiError):
    code = "order_state"


def level_of(unit: Unit) -> OrderLevel:
    """Return the order level of an issuing UNIT: city bureau, district bureau, or unit."""
    return {1: OrderLevel.CITY, 2: OrderLevel.DISTRICT}.get(unit.level, OrderLevel.UNIT)


def _event(
    order: SupervisionOrder, kind: str, actor: Any, at: dt.datetime, **fields: Any
) -> OrderEvent:
    label = actor if isinstance(actor, str) else actor.get_username()
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        at=at,
        actor=None if isinstance(actor, str) else actor,
        actor_label=label,
        **fields,
    )


def _required(value: str, field: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise FazhiError(_("%(label)s不能为空。") % {"label": label}, field=field)
    return text


def _check_deadline(reply_due_at: dt.datetime, at: dt.datetime) -> None:
    if reply_due_at <= at:
        raise FazhiError(
            _("答复期限 %(due)s 必须晚于当前时间 %(at)s。")
            % {"due": reply_due_at.astimezone(SHANGHAI), "at": at.astimezone(SHANGHAI)},
            field="reply_due_at",
        )


def _issuer_unit(actor: Any) -> Unit:
    require_capability(actor, Capability.SUPERVISE)
    unit: Unit | None = actor.scope_unit
    if unit is None:
        raise PermissionDeniedError(_("您的账号没有数据范围，不能督办。"))
    return unit


def _next_number(issuing: Unit, at: dt.datetime) -> str:
    """Return the next number of ISSUING's orders of the year; the caller holds the unit lock."""
    year = at.astimezone(SHANGHAI).year
    prefix = f"{issuing.code}-DB-{year}-"
    taken = SupervisionOrder.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{taken + 1:05d}"


def case_ids_of(order: SupervisionOrder) -> list[int]:
    """Return the cases ORDER is about: its case, or else the cases of its warnings."""
    if order.case_id is not None:
        return [order.case_id]
    return sorted(set(order.warnings.values_list("case_id", flat=True)))


def refresh_warnings(order: SupervisionOrder, at: dt.datetime) -> None:
    """Bring the order warnings (``order_unanswered`` rules) of ORDER's cases in line at AT."""
    rules = [r for r in scan.rules_in_force(at) if r.condition.type == "order_unanswered"]
    if rules:
        scan.run(at, case_ids=case_ids_of(order), rules=rules)


def _lock(order: SupervisionOrder) -> SupervisionOrder:
    return (
        SupervisionOrder.objects.select_for_update()
        .select_related("issuing_unit", "target_unit")
        .get(pk=order.pk)
    )


@transaction.atomic
def issue_order(
    target_unit: Unit,
    *,
    case: Case | None = None,
    warnings: Iterable[CaseWarning] = (),
    problem: str,
    demand: str,
    reply_due_at: dt.datetime,
    actor: Any,
    at: dt.datetime,
) -> SupervisionOrder:
    """Issue one order to TARGET_UNIT about CASE and/or WARNINGS; return it (status open)."""
    issuing = _issuer_unit(actor)
    level = level_of(issuing)
    if not issuing.contains(target_unit):
        raise PermissionDeniedError(
            _("被督办单位“%(unit)s”不在您的数据范围（%(scope)s）内。")
            % {"unit": target_unit, "scope": issuing},
            field="target_unit",
        )
    if level != OrderLevel.UNIT and target_unit.pk == issuing.pk:
        raise FazhiError(
            _("%(level)s的被督办单位必须是“%(scope)s”的下级单位。")
            % {"level": level.label, "scope": issuing},
            field="target_unit",
        )
    warnings = list(warnings)
    if case is None and not warnings:
        raise FazhiError(_("督办单须针对一个案件或一组预警。"), field="case")
    for subject in [case, *(w.case for w in warnings)]:
        if subject is not None and not target_unit.contains(subject.unit):
            raise FazhiError(
                _("案件 %(case)s 不属于被督办单位“%(unit)s”。")
                % {"case": subject.number, "unit": target_unit},
                field="case",
            )
    problem = _required(problem, "problem", _("存在问题"))
    demand = _required(demand, "demand", _("督办要求"))
    _check_deadline(reply_due_at, at)
    Unit.objects.select_for_update().filter(pk=issuing.pk).first()  # serialise numbering
    order = SupervisionOrder.objects.create(
        number=_next_number(issuing, at),
        issuing_unit=issuing,
        issued_by=actor,
        target_unit=target_unit,
        case=case,
        problem=problem,
        demand=demand,
        reply_due_at=reply_due_at,
        level=level,
        created_at=at,
    )
    if warnings:
        order.warnings.set(warnings)
    _event(order, OrderEventKind.ISSUED, actor, at, reply_due_at=reply_due_at, level=level)
    audit.record(
        actor,
        "supervision.order.issue",
        order,
        changes={
            "number": order.number,
            "target_unit": target_unit.code,
            "case": case.number if case else None,
            "warnings": [w.pk for w in warnings],
            "reply_due_at": reply_due_at,
        },
        at=at,
    )
    return order


@transaction.atomic
def answer_order(
    order: SupervisionOrder, *, rectification: str, evidence: str, actor: Any, at: dt.datetime
) -> SupervisionOrder:
    """Record the target unit's reply: what it rectified and the evidence (status answered).

    The reply comes from the target unit itself: a user who handles cases and whose scope unit
    is the target unit or one of its units (not a higher level that merely sees it).
    """
    require_capability(actor, Capability.HANDLE_CASES)
    order = _lock(order)
    scope = actor.scope_unit
    if scope is None or not order.target_unit.contains(scope):
        raise PermissionDeniedError(
            _("督办单 %(number)s 应由被督办单位“%(unit)s”答复，您不属于该单位。")
            % {"number": order.number, "unit": order.target_unit}
        )
    if order.status not in AWAITING_REPLY:
        raise OrderStateError(
            _("督办单 %(number)s 当前状态为“%(status)s”，不能答复。")
            % {"number": order.number, "status": order.get_status_display()}
        )
    rectification = _required(rectification, "rectification", _("整改情况"))
    evidence = _required(evidence, "evidence", _("佐证材料"))
    order.status = OrderStatus.ANSWERED
    order.answered_at = at
    order.save(update_fields=["status", "answered_at"])
    _event(order, OrderEventKind.ANSWERED, actor, at, text=rectification, evidence=evidence)
    audit.record(actor, "supervision.order.answer", order, changes={"number": order.number}, at=at)
    refresh_warnings(order, at)
    return order


def _require_issuer_level(order: SupervisionOrder, actor: Any) -> None:
    require_capability(actor, Capability.SUPERVISE)
    scope = actor.scope_unit
    if scope is None or not scope.contains(order.issuing_unit):
        raise PermissionDeniedError(
            _("督办单 %(number)s 由“%(unit)s”下发，只有该级或上级督办部门可以核验或退回。")
            % {"number": order.number, "unit": order.issuing_unit}
        )


def _require_answered(order: SupervisionOrder, what: str) -> None:
    if order.status != OrderStatus.ANSWERED:
        raise OrderStateError(
            _("督办单 %(number)s 当前状态为“%(status)s”，不能%(what)s。")
            % {"number": order.number, "status": order.get_status_display(), "what": what}
        )


@transaction.atomic
def return_order(
    order: SupervisionOrder,
    *,
    reason: str,
    actor: Any,
    at: dt.datetime,
    reply_due_at: dt.datetime | None = None,
) -> SupervisionOrder:
    """Send the answer back: the unit must answer again (by REPLY_DUE_AT when given)."""
    order = _lock(order)
    _require_issuer_level(order, actor)
    _require_answered(order, _("退回"))
    reason = _required(reason, "reason", _("退回理由"))
    if reply_due_at is not None:
        _check_deadline(reply_due_at, at)
        order.reply_due_at = reply_due_at
    order.status = OrderStatus.RETURNED
    order.save(update_fields=["status", "reply_due_at"])
    _event(order, OrderEventKind.RETURNED, actor, at, text=reason, reply_due_at=reply_due_at)
    audit.record(
        actor,
        "supervision.order.return",
        order,
        changes={"number": order.number, "reason": reason, "reply_due_at": reply_due_at},
        at=at,
    )
    refresh_warnings(order, at)
    return order


@transaction.atomic
def verify_order(order: SupervisionOrder, *, actor: Any, at: dt.datetime) -> SupervisionOrder:
    """Accept the answer: the order is closed (status verified)."""
    order = _lock(order)
    _require_issuer_level(order, actor)
    _require_answered(order, _("核验"))
    order.status = OrderStatus.VERIFIED
    order.verified_at = at
    order.save(update_fields=["status", "verified_at"])
    _event(order, OrderEventKind.VERIFIED, actor, at)
    audit.record(actor, "supervision.order.verify", order, changes={"number": order.number}, at=at)
    return order


def issue_orders_from_warnings(
    warnings_qs: QuerySet[CaseWarning],
    *,
    demand: str,
    reply_due_at: dt.datetime,
    actor: Any,
    at: dt.datetime,
) -> list[SupervisionOrder]:
    """Issue one order per case of the open WARNINGS_QS the actor may see.

    Each case's order in its own transaction, counted as progress (fazhi.core.progress: the
    bulk action runs as a job whose page shows done-of-total, fazhi.core.jobs). Warnings already
    under an order awaiting its reply or verification are skipped, so running the same bulk
    action twice issues nothing new, and a run stopped half-way is completed by running it again.
    """
    _issuer_unit(actor)
    rows = (
        warnings_qs.filter(pk__in=CaseWarning.objects.visible_to(actor).open().values("pk"))
        .exclude(orders__status__in=[*AWAITING_REPLY, OrderStatus.ANSWERED])
        .select_related("case", "case__unit")
        .order_by("case__number", "id")
    )
    by_case: dict[int, list[CaseWarning]] = defaultdict(list)
    for w in rows:
        by_case[w.case_id].append(w)
    progress.count(_("下发督办单"), len(by_case))
    issued = []
    for ws in by_case.values():
        issued.append(
            issue_order(  # its own transaction
                ws[0].case.unit,
                case=ws[0].case,
                warnings=ws,
                problem="；".join(f"{w.name}（{w.basis}）" for w in ws),
                demand=demand,
                reply_due_at=reply_due_at,
                actor=actor,
                at=at,
            )
        )
        progress.advance()
    return issued


@transaction.atomic
def escalate_unanswered(at: dt.datetime) -> int:
    """Escalate, one level, each order still awaiting its reply past its deadline; return how many.

    An order escalates once per reply deadline (a new deadline set when it is sent back starts
    the clock again); a city order has no level above and stays overdue.
    """
    due = (
        SupervisionOrder.objects.select_for_update()
        .overdue(at)
        .exclude(level=OrderLevel.CITY)
        .order_by("id")
    )
    count = 0
    for order in due:
        if order.escalated_at is not None and order.escalated_at >= order.reply_due_at:
            continue
        before = order.level
        order.level = NEXT_LEVEL[OrderLevel(order.level)]
        order.escalated_at = at
        order.save(update_fields=["level", "escalated_at"])
        _event(order, OrderEventKind.ESCALATED, SYSTEM_ACTOR, at, level=order.level)
        audit.record(
            SYSTEM_ACTOR,
            "supervision.order.escalate",
            order,
            changes={"level": [before, order.level]},
            at=at,
        )
        count += 1
    return count


# --- 督办通知书 -----------------------------------------------------------------------------------


def _date(value: dt.datetime) -> str:
    local = value.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日"


def notice_fields(order: SupervisionOrder) -> list[tuple[str, str]]:
    """Return the (label, text) lines of the 督办通知书; official text, not translated."""
    local_due = order.reply_due_at.astimezone(SHANGHAI)
    case = order.case
    return [
        ("编号", order.number),
        ("被督办单位", order.target_unit.name),
        ("案件", f"{case.number} {case.title}" if case else "（见所附预警）"),
        ("存在问题", order.problem),
        ("督办要求", order.demand),
        ("答复期限", f"{_date(order.reply_due_at)}{local_due:%H时%M分}前"),
        ("督办单位", order.issuing_unit.name),
        ("督办日期", _date(order.created_at)),
    ]


def notice_docx(order: SupervisionOrder) -> bytes:
    """Return the 督办通知书 of ORDER as a DOCX file."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("督办通知书")
    run.bold = True
    run.font.size = Pt(22)
    fields = dict(notice_fields(order))
    doc.add_paragraph(fields["编号"]).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph(f"{fields['被督办单位']}：")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, text in notice_fields(order)[2:6]:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = text
    doc.add_paragraph("请按上述要求整改，并在答复期限前书面答复整改情况及佐证材料。")
    for text in (fields["督办单位"], fields["督办日期"]):
        doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

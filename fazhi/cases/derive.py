"""Pure derivations from a case's events under its procedure pack: what may be recorded next,
which deadlines run, and the case status. No database access: the same code serves
``record_event``, the rule-file examples and the batch refresh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fazhi.cases.packs import DeadlineSpec, Pack, Requirement
from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.errors import LegalRuleViolation
from fazhi.core.periods import PeriodUnit, add_period


@dataclass(frozen=True)
class Ev:
    """An event as the derivations see it (a ProceduralEvent row, or an example's event)."""

    id: Any
    kind: str
    occurred_at: dt.datetime
    ended_at: dt.datetime | None = None
    data: dict = field(default_factory=dict)
    corrects: Any = None

    @classmethod
    def of(cls, row) -> Ev:
        return cls(row.pk, row.kind, row.occurred_at, row.ended_at, row.data or {}, row.corrects_id)


def effective(events: list[Ev]) -> list[Ev]:
    """Return the events in force: a corrected event is replaced by its correction."""
    corrected = {event.corrects for event in events if event.corrects is not None}
    return sorted(
        (event for event in events if event.id not in corrected),
        key=lambda e: (e.occurred_at, str(e.id)),
    )


class EventRefused(LegalRuleViolation):
    """A step the pack does not allow; ``unverified`` when the rule's text is unconfirmed."""

    code = "event_refused"
    unverified = False


def _matching(
    events: list[Ev],
    req: Requirement,
    before: dt.datetime,
    calendar: WorkCalendar | None = None,
) -> list[Ev]:
    found = [
        e
        for e in events
        if e.kind == req.event and e.occurred_at <= before and all(t.holds(e) for t in req.where)
    ]
    if req.at_least_before is not None:
        found = [e for e in found if _gap_ran_out(e.occurred_at, before, req, calendar)]
    return found


def _gap_ran_out(
    earlier: dt.datetime, later: dt.datetime, req: Requirement, calendar: WorkCalendar | None
) -> bool:
    """True when the period REQ.at_least_before counted from EARLIER has run out by LATER."""
    gap = req.at_least_before
    if gap is None:
        return True
    period = add_period(earlier, gap.amount, gap.unit, calendar=calendar or default_calendar())
    if gap.unit == PeriodUnit.HOURS:
        return period.due_at <= later
    return period.due_at <= _next_midnight(later)


def _next_midnight(instant: dt.datetime) -> dt.datetime:
    from fazhi.core.clock import SHANGHAI

    day = instant.astimezone(SHANGHAI).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time.min, SHANGHAI)


def check_new_event(
    pack: Pack,
    events: list[Ev],
    new: Ev,
    *,
    now: dt.datetime,
    calendar: WorkCalendar | None = None,
) -> None:
    """Raise EventRefused (with its rule code and provision) unless NEW may follow EVENTS.

    CALENDAR counts the gaps some preconditions ask for (听证通知 7 working days before 听证);
    the configured calendar by default.
    """

    def refuse(
        message: str, field: str, code: str, basis: str | None = None, unverified: bool = False
    ) -> EventRefused:
        refusal = EventRefused(message, field=field, code=code, basis=basis)
        refusal.unverified = unverified
        return refusal

    try:
        spec = pack.event(new.kind)
    except KeyError:
        raise refuse(
            _("“%(kind)s”不是%(pack)s中的办案环节。") % {"kind": new.kind, "pack": pack.name},
            "kind",
            "unknown_event",
        ) from None
    if new.occurred_at > now:
        raise refuse(
            _("%(event)s的时间 %(at)s 晚于当前时间，不能登记将来发生的环节。")
            % {"event": spec.name, "at": _local(new.occurred_at)},
            "occurred_at",
            "in_future",
        )
    if new.ended_at is not None and new.ended_at < new.occurred_at:
        raise refuse(_("结束时间早于开始时间。"), "ended_at", "ends_before_start")
    if new.ended_at is not None and new.ended_at > now:
        raise refuse(_("结束时间晚于当前时间。"), "ended_at", "in_future")
    current = effective([e for e in events if e.id != new.corrects])
    if not current and not spec.first:
        raise refuse(
            _("案件的第一个环节不能是%(event)s。") % {"event": spec.name}, "kind", "not_first"
        )
    if not spec.repeatable and any(e.kind == new.kind for e in current):
        raise refuse(
            _("%(event)s已经登记，不能重复登记；如需更正请登记更正。") % {"event": spec.name},
            "kind",
            "repeated",
        )
    if spec.after:
        earlier = [e for e in current if e.kind in spec.after]
        if not earlier:
            names = "、".join(pack.event(code).name for code in spec.after)
            raise refuse(
                _("%(event)s之前应先登记%(names)s。") % {"event": spec.name, "names": names},
                "kind",
                "missing_predecessor",
            )
        first = min(e.occurred_at for e in earlier)
        if new.occurred_at < first:
            raise refuse(
                _("%(event)s的时间 %(at)s 早于其前置环节的时间 %(before)s。")
                % {"event": spec.name, "at": _local(new.occurred_at), "before": _local(first)},
                "occurred_at",
                "before_predecessor",
            )
    for data_field in spec.fields:
        if data_field.required and new.data.get(data_field.name) in (None, ""):
            raise refuse(
                _("%(event)s须填写“%(field)s”。")
                % {"event": spec.name, "field": data_field.label or data_field.name},
                f"data.{data_field.name}",
                "missing_field",
            )
    for pre in spec.preconditions:
        if not all(test.holds(new) for test in pre.when):
            continue
        if pre.if_any and not any(
            _matching(current, req, new.occurred_at, calendar) for req in pre.if_any
        ):
            continue
        if not (pre.requires_any or pre.forbids_any):  # the value itself is not allowed
            raise refuse(_(pre.message), _field_of(pre), pre.code, pre.basis, pre.unverified)
        missing = pre.requires_any and not any(
            _matching(current, req, new.occurred_at, calendar) for req in pre.requires_any
        )
        forbidden = any(
            _matching(current, req, new.occurred_at, calendar) for req in pre.forbids_any
        )
        if missing or forbidden:
            raise refuse(_(pre.message), "kind", pre.code, pre.basis, pre.unverified)


def _field_of(pre) -> str:
    """Return the field a value refusal points at: the first data field its tests name."""
    return next((t.field for t in pre.when if t.field.startswith("data.")), "kind")


def _local(instant: dt.datetime) -> str:
    from fazhi.core.clock import SHANGHAI

    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def derive_status(pack: Pack, events: list[Ev], default: str) -> str:
    status = default
    for event in effective(events):
        spec = next((s for s in pack.events if s.code == event.kind), None)
        if spec is not None and spec.status:
            status = spec.status
    return status


@dataclass(frozen=True)
class ComputedDeadline:
    code: str
    name: str
    key: str
    start_at: dt.datetime
    due_at: dt.datetime
    status: str  # open | paused | met | missed | stopped (ended by an event, 转为一般程序)
    met_at: dt.datetime | None
    basis: str
    explanation: str
    is_provisional: bool
    is_liberty: bool
    paused_days: int
    extended: bool
    unverified: bool


def compute_deadlines(
    pack: Pack, events: list[Ev], calendar: WorkCalendar, *, unverified: bool = False
) -> list[ComputedDeadline]:
    """Return every deadline the pack derives from EVENTS (in force, corrections applied).

    UNVERIFIED marks every result (the law behind the pack changed; the new text is unconfirmed).
    """
    current = effective(events)
    out: list[ComputedDeadline] = []
    for spec in pack.deadlines:
        if spec.if_any and not any(
            e.kind == req.event and all(t.holds(e) for t in req.where)
            for req in spec.if_any
            for e in current
        ):
            continue
        starts = [
            e
            for e in current
            if e.kind == spec.start
            and all(t.holds(e) for t in spec.when)
            and (not spec.start_at_end or e.ended_at is not None)
        ]
        if not starts:
            continue
        for start in starts if spec.per_event else starts[:1]:
            out.append(
                _one(
                    pack,
                    spec,
                    start,
                    current,
                    calendar,
                    keyed=spec.per_event,
                    unverified=unverified,
                )
            )
    return out


def _one(
    pack: Pack,
    spec: DeadlineSpec,
    start: Ev,
    events: list[Ev],
    calendar: WorkCalendar,
    *,
    keyed: bool,
    unverified: bool,
) -> ComputedDeadline:
    notes: list[str] = []
    bases = [spec.basis]
    start_at = start.ended_at if spec.start_at_end and start.ended_at else start.occurred_at
    start_name = pack.event(spec.start).name
    for restart in (e for e in events if e.kind in spec.restarted_by and e.occurred_at >= start_at):
        start_at = restart.occurred_at
        start_name = pack.event(restart.kind).name
        notes.append(_("自 %(at)s 重新计算") % {"at": _local(start_at)})
    amount = spec.amount
    for variant in spec.variants:
        if all(test.holds(start) for test in variant.when):
            amount = variant.amount
            bases.append(variant.basis)
    extended = False
    for ext in spec.extensions:
        approvals = [
            e
            for e in events
            if e.kind == ext.event
            and e.occurred_at >= start_at
            and e.data.get("deadline", spec.code) == spec.code
        ][: ext.max_times]
        for approval in approvals:
            amount += ext.amount
            extended = True
            approver = approval.data.get("approver", "")
            notes.append(
                _("%(at)s 经%(approver)s批准延长 %(amount)s")
                % {
                    "at": _local(approval.occurred_at),
                    "approver": approver,
                    "amount": f"{ext.amount}{_unit_label(spec.unit)}",
                }
            )
            bases.append(ext.basis)
    paused_days = 0
    paused_open = False
    for pause in spec.pauses:
        for stop in (e for e in events if e.kind == pause.start and e.occurred_at >= start_at):
            resume = (
                stop.ended_at
                if pause.end == pause.start
                else next(
                    (
                        e.occurred_at
                        for e in events
                        if e.kind == pause.end and e.occurred_at >= stop.occurred_at
                    ),
                    None,
                )
            )
            if resume is None:
                paused_open = True
                notes.append(
                    _("%(at)s 起中止计算（%(basis)s）")
                    % {"at": _local(stop.occurred_at), "basis": pause.basis}
                )
                continue
            days = (_day(resume) - _day(stop.occurred_at)).days
            paused_days += days
            notes.append(
                _("%(start)s 至 %(end)s 不计入（%(days)d 日，%(basis)s）")
                % {
                    "start": _day(stop.occurred_at),
                    "end": _day(resume),
                    "days": days,
                    "basis": pause.basis,
                }
            )
            bases.append(pause.basis)
    total = amount + (paused_days if spec.unit != PeriodUnit.HOURS else 0)
    period = add_period(start_at, total, spec.unit, liberty=spec.liberty, calendar=calendar)
    met_at = None
    if spec.met_by_end:
        met_at = start.ended_at
    for event in events:
        if met_at is not None:
            break
        if event.kind in spec.met_by and event.occurred_at >= start_at:
            met_at = event.occurred_at
    ender = next((e for e in events if e.kind in spec.ended_by and e.occurred_at >= start_at), None)
    if met_at is not None and (ender is None or met_at <= ender.occurred_at):
        status = "met" if met_at < period.due_at else "missed"
    elif ender is not None:
        # No longer applies (快速办理 转为一般程序): "stopped", stored as such.
        status = "stopped"
        met_at = None
        notes.append(
            _("%(at)s 起不再适用（%(event)s）")
            % {"at": _local(ender.occurred_at), "event": pack.event(ender.kind).name}
        )
    else:
        status = "paused" if paused_open else "open"
    explanation = _("自%(start)s起算：") % {"start": start_name} + "；".join(
        [period.explain(), *notes]
    )
    return ComputedDeadline(
        code=spec.code,
        name=spec.name,
        key=str(start.id) if keyed else "",
        start_at=start_at,
        due_at=period.due_at,
        status=status,
        met_at=met_at,
        basis="；".join(dict.fromkeys(bases)),
        explanation=explanation,
        is_provisional=period.is_provisional,
        is_liberty=spec.liberty,
        paused_days=paused_days,
        extended=extended,
        unverified=spec.unverified or unverified,
    )


def _day(instant: dt.datetime) -> dt.date:
    from fazhi.core.clock import SHANGHAI

    return instant.astimezone(SHANGHAI).date()


def _unit_label(unit: str) -> str:
    return {"workdays": _("个工作日"), "days": _("日"), "hours": _("小时")}[unit]

"""Pure derivations from a case's events under its procedure pack: what may be recorded next,
which deadlines run, and the case status. No database access: the same code serves
``record_event``, the rule-file examples and the batch refresh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fazhi.cases.packs import DeadlineSpec, Pack, Precondition, Requirement
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
    data: dict[str, Any] = field(default_factory=dict)
    corrects: Any = None

    @classmethod
    def of(cls, row: Any) -> Ev:  # a ProceduralEvent
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
    if PeriodUnit(gap.unit) is PeriodUnit.HOURS:
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
            _("“%(kind)s”不是%(pack)s中的办案环节。") % {"kind": new.kind, "pack": _(pack.name)},
            "kind",
            "unknown_event",
        ) from None
    if new.occurred_at > now:
        raise refuse(
            _("%(event)s的时间 %(at)s 晚于当前时间，不能登记将来发生的环节。")
            % {"event": _(spec.name), "at": _local(new.occurred_at)},
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
            _("案件的第一个环节不能是%(event)s。") % {"event": _(spec.name)}, "kind", "not_first"
        )
    if not spec.repeatable and any(e.kind == new.kind for e in current):
        raise refuse(
            _("%(event)s已经登记，不能重复登记；如需更正请登记更正。") % {"event": _(spec.name)},
            "kind",
            "repeated",
        )
    if spec.after:
        earlier = [e for e in current if e.kind in spec.after]
        if not earlier:
            names = "、".join(_(pack.event(code).name) for code in spec.after)
            raise refuse(
                _("%(event)s之前应先登记%(names)s。") % {"event": _(spec.name), "names": names},
                "kind",
                "missing_predecessor",
            )
        first = min(e.occurred_at for e in earlier)
        if new.occurred_at < first:
            raise refuse(
                _("%(event)s的时间 %(at)s 早于其前置环节的时间 %(before)s。")
                % {"event": _(spec.name), "at": _local(new.occurred_at), "before": _local(first)},
                "occurred_at",
                "before_predecessor",
            )
    for data_field in spec.fields:
        if data_field.required and new.data.get(data_field.name) in (None, ""):
            raise refuse(
                _("%(event)s须填写“%(field)s”。")
                % {"event": _(spec.name), "field": _(data_field.label or data_field.name)},
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


def _field_of(pre: Precondition) -> str:
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
    facts: dict[str, Any]  # how it was counted, as data (fazhi.cases.explain renders it; ADR 0018)
    is_provisional: bool
    is_liberty: bool
    paused_days: int
    extended: bool
    unverified: bool

    @property
    def explanation(self) -> str:
        """The facts as one sentence in the active language."""
        from fazhi.cases.explain import render

        return render(self.facts)


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
    """Count one deadline. The facts say what was counted; they hold no text of any language.

    The original period (with any paused days) runs from the start event; each approved
    extension runs from the (rolled) last day of the period before it (程序规定第三十五条:
    the extension lengthens the period as it ended). ``earliest`` moves the last day to the
    first day the meeting event may lawfully happen, when that is later (听证通知 7 working days
    before 听证, which may not fit in 10 days).
    """
    bases = [spec.basis]
    start_at = start.ended_at if spec.start_at_end and start.ended_at else start.occurred_at
    facts: dict[str, Any] = {
        "v": FACTS_VERSION,
        "start": {"event": spec.start, "name": pack.event(spec.start).name, "at": _iso(start_at)},
        "restarts": [],
        "amount": spec.amount,
        "unit": spec.unit,
        "liberty": spec.liberty,
        "variant": None,
        "pauses": [],
        "extensions": [],
        "periods": [],
        "earliest": None,
        "stopped": None,
    }
    for restart in (e for e in events if e.kind in spec.restarted_by and e.occurred_at >= start_at):
        start_at = restart.occurred_at
        facts["restarts"].append(
            {"event": restart.kind, "name": pack.event(restart.kind).name, "at": _iso(start_at)}
        )
    amount = spec.amount
    for variant in spec.variants:
        if all(test.holds(start) for test in variant.when):
            amount = variant.amount
            bases.append(variant.basis)
            facts["variant"] = {"amount": variant.amount, "basis": variant.basis}
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
                facts["pauses"].append(
                    {
                        "start": _iso(stop.occurred_at),
                        "end": None,
                        "days": None,
                        "basis": pause.basis,
                    }
                )
                continue
            days = (_day(resume) - _day(stop.occurred_at)).days
            paused_days += days
            facts["pauses"].append(
                {
                    "start": _day(stop.occurred_at).isoformat(),
                    "end": _day(resume).isoformat(),
                    "days": days,
                    "basis": pause.basis,
                }
            )
            bases.append(pause.basis)
    total = amount + (paused_days if PeriodUnit(spec.unit) is not PeriodUnit.HOURS else 0)
    period = add_period(start_at, total, spec.unit, liberty=spec.liberty, calendar=calendar)
    periods = [period]
    approvals = sorted(
        (
            (approval, ext)
            for ext in spec.extensions
            for approval in [
                e
                for e in events
                if e.kind == ext.event
                and e.occurred_at >= start_at
                and e.data.get("deadline", spec.code) == spec.code
            ][: ext.max_times]
        ),
        key=lambda pair: pair[0].occurred_at,
    )
    for approval, ext in approvals:
        period = add_period(
            periods[-1].end, ext.amount, spec.unit, liberty=spec.liberty, calendar=calendar
        )
        periods.append(period)
        facts["extensions"].append(
            {
                "at": _iso(approval.occurred_at),
                "approver": str(approval.data.get("approver", "")),
                "amount": ext.amount,
                "basis": ext.basis,
            }
        )
        bases.append(ext.basis)
    facts["periods"] = [p.facts() for p in periods]
    due_at = period.due_at
    provisional = any(p.is_provisional for p in periods)
    missing = sorted({year for p in periods for year in p.missing_years})
    earliest_unverified = False
    if spec.earliest is not None:
        floor = add_period(start_at, spec.earliest.amount, spec.earliest.unit, calendar=calendar)
        applies = floor.due_at > due_at
        facts["earliest"] = {
            "amount": spec.earliest.amount,
            "unit": spec.earliest.unit,
            "event": spec.met_by[0] if spec.met_by else "",
            "name": pack.event(spec.met_by[0]).name if spec.met_by else "",
            "basis": spec.earliest.basis,
            "applies": applies,
            "period": floor.facts(),
        }
        if applies:
            due_at = floor.due_at
            provisional = provisional or floor.is_provisional
            missing = sorted({*missing, *floor.missing_years})
            bases.append(spec.earliest.basis)
            earliest_unverified = spec.earliest.unverified
    facts["provisional_years"] = missing
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
        status = "met" if met_at < due_at else "missed"
    elif ender is not None:
        # No longer applies (快速办理 转为一般程序): "stopped", stored as such.
        status = "stopped"
        met_at = None
        facts["stopped"] = {
            "event": ender.kind,
            "name": pack.event(ender.kind).name,
            "at": _iso(ender.occurred_at),
        }
    else:
        status = "paused" if paused_open else "open"
    basis = "；".join(dict.fromkeys(bases))
    facts["provisions"] = list(dict.fromkeys(part for b in bases for part in b.split("；")))
    return ComputedDeadline(
        code=spec.code,
        name=spec.name,
        key=str(start.id) if keyed else "",
        start_at=start_at,
        due_at=due_at,
        status=status,
        met_at=met_at,
        basis=basis,
        facts=facts,
        is_provisional=provisional,
        is_liberty=spec.liberty,
        paused_days=paused_days,
        extended=bool(facts["extensions"]),
        unverified=spec.unverified or unverified or earliest_unverified,
    )


FACTS_VERSION = 1


def _iso(instant: dt.datetime) -> str:
    from fazhi.core.clock import SHANGHAI

    return instant.astimezone(SHANGHAI).isoformat()


def _day(instant: dt.datetime) -> dt.date:
    from fazhi.core.clock import SHANGHAI

    return instant.astimezone(SHANGHAI).date()

"""Count a matter's periods from the litigation pack and store them as rows with their facts.

The pack in force on the day the copy was received decides (rules/litigation/). Each period is
counted by fazhi.core.periods on the working-day calendar: 行政复议法 第八十八条第二款 makes its
"三日、五日、七日、十日" working days, its other periods (60 days to decide) natural days counted as
the 民事诉讼法 counts them (第八十八条第一款); the 行政诉讼法 counts by the 民事诉讼法 too
(第一百零一条): the day of receipt is not counted and a last day on a rest day moves to the next
working day. The facts are stored, the sentence rendered when read (ADR 0018).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fazhi.core.calendar import Moved, Redating, WorkCalendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.periods import Period, PeriodUnit, add_period, describe_period
from fazhi.litigation.models import DeadlineStatus, Matter, MatterDeadline
from fazhi.litigation.packs import DeadlineRule, LitigationPack, in_force

FACTS_VERSION = 1


@dataclass(frozen=True)
class Dates:
    """What the periods of one matter are counted from (a matter, or an example's given)."""

    kind: str
    received_on: dt.date
    accepted_on: dt.date | None = None
    simplified: bool = False
    extended: bool = False
    served_on: dt.date | None = None
    ruling_form: str = ""
    replied_on: dt.date | None = None
    outcome: str = ""
    outcome_on: dt.date | None = None
    next_instance_on: dt.date | None = None

    @classmethod
    def of(cls, matter: Matter) -> Dates:
        following = matter.next_instances.order_by("received_on").first() if matter.pk else None
        return cls(
            kind=matter.kind,
            received_on=matter.received_on,
            accepted_on=matter.accepted_on,
            simplified=matter.simplified,
            extended=matter.decision_extended,
            served_on=matter.served_on,
            ruling_form=matter.ruling_form,
            replied_on=matter.replied_on,
            outcome=matter.outcome,
            outcome_on=matter.outcome_on,
            next_instance_on=following.received_on if following else None,
        )


@dataclass(frozen=True)
class Computed:
    code: str
    name: str
    ours: bool
    start_on: dt.date
    due_at: dt.datetime
    last_day: dt.date
    status: str
    met_on: dt.date | None
    basis: str
    consequence: str
    facts: dict[str, Any]
    is_provisional: bool


def applies(rule: DeadlineRule, dates: Dates) -> bool:
    if dates.kind not in rule.kinds:
        return False
    if rule.simplified is not None and rule.simplified != dates.simplified:
        return False
    return not rule.ruling_forms or dates.ruling_form in rule.ruling_forms


def _start(rule: DeadlineRule, dates: Dates) -> dt.date | None:
    return {
        "received": dates.received_on,
        "accepted": dates.accepted_on,
        "served": dates.served_on,
    }[rule.start]


def _met(rule: DeadlineRule, dates: Dates) -> dt.date | None:
    if rule.met_by == "reply":
        return dates.replied_on
    if rule.met_by == "outcome":
        return dates.outcome_on if dates.outcome else None
    return dates.next_instance_on


def _counted(period: Period, basis: str) -> dict[str, Any]:
    facts = period.facts()
    facts["basis"] = basis
    return facts


def compute(
    dates: Dates, pack: LitigationPack, calendar: WorkCalendar | None = None
) -> list[Computed]:
    """The periods of PACK that apply to DATES, counted on CALENDAR (the platform's if None)."""
    out = []
    for rule in pack.deadlines:
        if not applies(rule, dates):
            continue
        start = _start(rule, dates)
        if start is None:
            continue
        counting = pack.counting_basis(rule.unit)
        period = add_period(start, rule.amount, rule.unit, calendar=calendar)
        periods = [_counted(period, counting)]
        last = period
        extension = None
        if rule.extension is not None and dates.extended:
            # An extension runs from the last day of the period before it (ADR 0018).
            last_day = last.end if isinstance(last.end, dt.date) else last.end.date()
            last = add_period(
                last_day, rule.extension.amount, rule.extension.unit, calendar=calendar
            )
            periods.append(_counted(last, pack.counting_basis(rule.extension.unit)))
            extension = {
                "amount": rule.extension.amount,
                "unit": str(rule.extension.unit),
                "basis": str(rule.extension.basis),
            }
        met_on = _met(rule, dates)
        if met_on is not None:
            status = DeadlineStatus.MET
        elif dates.outcome and rule.met_by == "reply":
            status = DeadlineStatus.STOPPED  # closed (withdrawn, settled …) before any reply
        else:
            status = DeadlineStatus.OPEN
        end = last.end if isinstance(last.end, dt.date) else last.end.date()
        facts = {
            "v": FACTS_VERSION,
            "code": rule.code,
            "name": rule.name,
            "from": rule.start,
            "start": start.isoformat(),
            "periods": periods,
            "extension": extension,
            "basis": str(rule.basis),
            "consequence": rule.consequence,
            "ours": rule.ours,
            "met_on": met_on.isoformat() if met_on else None,
            "late": bool(met_on and met_on > end),
            "pack": {"id": pack.id, "version": pack.version},
        }
        out.append(
            Computed(
                code=rule.code,
                name=rule.name,
                ours=rule.ours,
                start_on=start,
                due_at=last.due_at,
                last_day=end,
                status=status,
                met_on=met_on,
                basis=str(rule.basis),
                consequence=rule.consequence,
                facts=facts,
                is_provisional=any(p.is_provisional for p in (period, last)),
            )
        )
    return out


def pack_for(dates: Dates) -> LitigationPack | None:
    """The pack in force on the day the copy was received that has periods for the kind."""
    for pack in in_force(dates.received_on):
        if any(dates.kind in rule.kinds for rule in pack.deadlines):
            return pack
    return None


def refresh(
    matter: Matter, at: dt.datetime, calendar: WorkCalendar | None = None
) -> list[MatterDeadline]:
    """Recount MATTER's periods and write what changed (in the caller's transaction)."""
    dates = Dates.of(matter)
    pack = pack_for(dates)
    computed = compute(dates, pack, calendar) if pack is not None else []
    existing = {d.code: d for d in matter.deadlines.all()}
    rows = []
    for c in computed:
        values = {
            "name": c.name,
            "is_ours": c.ours,
            "start_on": c.start_on,
            "due_at": c.due_at,
            "status": c.status,
            "met_on": c.met_on,
            "basis": c.basis,
            "consequence": c.consequence,
            "facts": c.facts,
            "is_provisional": c.is_provisional,
        }
        row = existing.pop(c.code, None)
        if row is None:
            row = MatterDeadline.objects.create(
                matter=matter, code=c.code, computed_at=at, **values
            )
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.computed_at = at
            row.save()
        rows.append(row)
    for gone in existing.values():
        gone.delete()
    running = [r for r in rows if r.is_ours and r.status == DeadlineStatus.OPEN]
    nearest = min(running, key=lambda r: r.due_at, default=None)
    next_due = nearest.due_at if nearest else None
    next_name = nearest.name if nearest else ""
    if (matter.next_due_at, matter.next_deadline_name) != (next_due, next_name):
        matter.next_due_at, matter.next_deadline_name = next_due, next_name
        matter.save(update_fields=["next_due_at", "next_deadline_name"])
    return rows


def explain(facts: dict[str, Any]) -> str:
    """Render a stored deadline's facts as sentences in the active language."""
    if not facts:
        return ""
    parts = [describe_period(facts["periods"][0])]
    if facts.get("extension") and len(facts["periods"]) > 1:
        parts.append(
            _("经批准延长 %(amount)d 日（%(basis)s）：")
            % {"amount": facts["extension"]["amount"], "basis": facts["extension"]["basis"]}
            + describe_period(facts["periods"][1])
        )
    parts.append(_("期限依据：%(basis)s") % {"basis": facts["basis"]})
    if facts.get("consequence"):
        parts.append(_("逾期后果：%(text)s") % {"text": _(facts["consequence"])})
    if facts.get("met_on"):
        if facts.get("late"):
            parts.append(_("已于 %(day)s 完成（已逾期）") % {"day": facts["met_on"]})
        else:
            parts.append(_("已于 %(day)s 完成") % {"day": facts["met_on"]})
    return "。".join(parts) + "。"


def unit_label(unit: PeriodUnit | str) -> str:
    return _("个工作日") if str(unit) == PeriodUnit.WORKDAYS else _("日")


def pending_from(day: dt.date) -> int:
    """Running periods whose last day is DAY or later (the calendar's banner)."""
    start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), SHANGHAI)
    return MatterDeadline.objects.filter(status=DeadlineStatus.OPEN, due_at__gte=start).count()


def redate_matters(
    *, actor: Any, at: dt.datetime, calendar: WorkCalendar, dry_run: bool
) -> Redating:
    """Recount the running periods of every open matter on CALENDAR (a new holiday notice);
    write and audit those that moved (``fazhi calendar refresh`` / ``import``)."""
    from django.db import transaction

    from fazhi.audit import log as audit
    from fazhi.litigation import alerts

    result = Redating(label=str(_("复议诉讼期限")))
    ids = (
        MatterDeadline.objects.filter(status=DeadlineStatus.OPEN)
        .values_list("matter_id", flat=True)
        .distinct()
    )
    for matter in Matter.objects.filter(pk__in=ids).order_by("pk"):
        result.checked += 1
        dates = Dates.of(matter)
        pack = pack_for(dates)
        if pack is None:
            continue
        new = {c.code: c for c in compute(dates, pack, calendar)}
        moved = [
            Moved("litigation", matter.number, row.code, row.due_at, new[row.code].due_at)
            for row in matter.deadlines.filter(status=DeadlineStatus.OPEN)
            if row.code in new and new[row.code].due_at != row.due_at
        ]
        if not moved:
            continue
        result.moves += moved
        result.changed += len(moved)
        if dry_run:
            continue
        with transaction.atomic():
            refresh(matter, at, calendar)
            audit.record(
                actor,
                "litigation.deadlines.redate",
                matter,
                changes={m.what: [m.before, m.after] for m in moved},
                at=at,
            )
            alerts.refresh([matter.pk], at)
    return result

"""Which steps a case may record now, the next due one first — asked of the pack before submit.

The step form offers the steps the procedure pack allows in the case's current state and shows
the others disabled with the pack's reason and provision, instead of refusing them after the
officer has filled the form in. The answer comes from the same check that guards the write
(``derive.check_new_event``), asked about a step at NOW with no values yet: the preconditions
that depend on what the officer will enter (a fine of 2,000 yuan or more, a detention) cannot be
known before the values are, and are left to the check on submit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fazhi.cases.derive import Ev, EventRefused, check_new_event
from fazhi.cases.packs import EventSpec, Pack

# The refusal of a second non-repeatable step: still offered, to record a correction (更正).
REPEATED = "repeated"


@dataclass(frozen=True)
class StepOption:
    """One step of the pack as the form offers it."""

    code: str
    name: str
    allowed: bool
    reason: str = ""  # why it cannot be recorded now (the pack's message)
    basis: str = ""  # the provision behind that reason
    correction_only: bool = False  # recorded already: only a correction (更正) may follow
    due_at: dt.datetime | None = None  # it meets a running deadline due then
    is_next: bool = False  # the step the nearest running deadline waits for


def _before_values(spec: EventSpec) -> EventSpec:
    """SPEC as it can be checked before the officer enters its values."""
    fields = tuple(f.model_copy(update={"required": False}) for f in spec.fields)
    preconditions = tuple(
        pre
        for pre in spec.preconditions
        if not any(test.field.startswith("data.") for test in pre.when)
    )
    return spec.model_copy(update={"fields": fields, "preconditions": preconditions})


def step_options(
    pack: Pack,
    events: list[Ev],
    running: Iterable[tuple[str, dt.datetime]],
    *,
    now: dt.datetime,
) -> list[StepOption]:
    """Return every step of PACK for a case with EVENTS, the next due first, then pack order.

    RUNNING lists the case's running deadlines as (deadline code, due instant). A step that
    meets the nearest of them is the next due step; the allowed steps follow in the pack's
    order, then those recorded already (correction only), then the refused ones.
    """
    relaxed = pack.model_copy(update={"events": tuple(_before_values(s) for s in pack.events)})
    meets: dict[str, dt.datetime] = {}
    for code, due_at in sorted(running, key=lambda pair: pair[1]):
        deadline = next((d for d in pack.deadlines if d.code == code), None)
        for event_code in deadline.met_by if deadline else ():
            meets.setdefault(event_code, due_at)
    options = []
    for spec in pack.events:
        candidate = Ev("new", spec.code, now)
        try:
            check_new_event(relaxed, events, candidate, now=now)
        except EventRefused as refusal:
            corrects = refusal.code == REPEATED
            options.append(
                StepOption(
                    spec.code,
                    _(spec.name),
                    allowed=corrects,
                    reason=str(refusal),
                    basis=str(refusal.basis or ""),
                    correction_only=corrects,
                )
            )
        else:
            options.append(StepOption(spec.code, _(spec.name), True, due_at=meets.get(spec.code)))
    due = [o for o in options if o.allowed and not o.correction_only and o.due_at is not None]
    if due:
        nearest = min(due, key=lambda o: o.due_at or now)
        options = [
            StepOption(**{**o.__dict__, "is_next": True}) if o is nearest else o for o in options
        ]

    def rank(option: StepOption) -> tuple[int, dt.datetime]:
        if option.is_next:
            return (0, now)
        if option.allowed and not option.correction_only:
            return (1, option.due_at or dt.datetime.max.replace(tzinfo=dt.UTC))
        return (2 if option.correction_only else 3, now)

    return sorted(options, key=rank)  # stable: pack order within a rank


def suggested(options: list[StepOption]) -> str:
    """Return the step the form opens with: the next due one, else the first allowed one."""
    for option in options:
        if option.allowed and not option.correction_only:
            return option.code
    return options[0].code if options else ""

"""Procedure packs (rules/procedure/*.yaml): the events of a case kind, their order, their
preconditions and the deadlines they start, each with its legal basis (DESIGN: law as data).

A pack is validated on load into frozen pydantic models; an error names the file, the line and
the rule. Packs are effective-dated: a case follows the pack in force on its 受案 day.
See rules/procedure/README.md for the format.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fazhi.core.rulepacks import RulePackError, line_of, read_yaml


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Test(Strict):
    """A condition on one value of an event: ``{field: data.fine, gte: 2000}``.

    ``field`` is ``occurred_at``, ``ended_at`` or ``data.<name>``; one comparison is given.
    """

    field: str
    eq: Any = None
    ne: Any = None
    gte: float | None = None
    gt: float | None = None
    lte: float | None = None
    lt: float | None = None
    present: bool | None = None

    @model_validator(mode="after")
    def _one_comparison(self) -> Test:
        given = [
            k
            for k in ("eq", "ne", "gte", "gt", "lte", "lt", "present")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                f"a test compares with exactly one of eq/ne/gte/gt/lte/lt/present, not {given}"
            )
        if not (self.field in {"occurred_at", "ended_at"} or self.field.startswith("data.")):
            raise ValueError(f"field {self.field!r} must be occurred_at, ended_at or data.<name>")
        return self

    def holds(self, event) -> bool:
        value = _value_of(event, self.field)
        if self.present is not None:
            return (value not in (None, "", [])) is self.present
        if self.eq is not None:
            return value == self.eq
        if self.ne is not None:
            return value != self.ne
        if value is None:
            return False
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        return (
            (self.gte is None or number >= self.gte)
            and (self.gt is None or number > self.gt)
            and (self.lte is None or number <= self.lte)
            and (self.lt is None or number < self.lt)
        )


def _value_of(event, field: str) -> Any:
    if field == "occurred_at":
        return event.occurred_at
    if field == "ended_at":
        return event.ended_at
    value: Any = event.data
    for part in field.removeprefix("data.").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class Requirement(Strict):
    """An earlier event this one needs; ``where`` narrows it to events whose tests all hold."""

    event: str
    where: tuple[Test, ...] = ()


class Precondition(Strict):
    """When ``when`` holds for the new event (or always), one of ``requires_any`` must exist."""

    code: str
    when: tuple[Test, ...] = ()
    if_any: tuple[Requirement, ...] = ()  # applies only when one of these events exists
    requires_any: tuple[Requirement, ...] = ()
    forbids_any: tuple[Requirement, ...] = ()
    message: str  # zh-hans; English lives in the translation catalogue under the same text
    basis: str
    unverified: bool = False


class DataField(Strict):
    name: str
    type: Literal["bool", "int", "decimal", "text", "date", "datetime"]
    required: bool = False
    label: str = ""


class EventSpec(Strict):
    code: str
    name: str
    status: str | None = None  # the case status once this event is recorded
    fields: tuple[DataField, ...] = ()
    has_end: bool = False  # the event has an end time (传唤, 鉴定)
    repeatable: bool = True
    first: bool = False  # may be the first event of a case
    preconditions: tuple[Precondition, ...] = ()
    # The events this one may follow (at least one of them must exist, and be earlier).
    after: tuple[str, ...] = ()


class Variant(Strict):
    """A different length when the tests hold on the starting event (8 h → 24 h)."""

    when: tuple[Test, ...]
    amount: int
    basis: str


class Extension(Strict):
    event: str  # the approval event
    amount: int
    max_times: int = 1
    basis: str


class Pause(Strict):
    start: str  # event that stops the clock
    end: str  # event that restarts it (its occurred_at), or the start event's own ended_at
    basis: str


class DeadlineSpec(Strict):
    code: str
    name: str
    start: str  # the event whose time starts the period
    start_at_end: bool = False  # the period starts when the start event ends (鉴定意见 received)
    per_event: bool = False  # one deadline for each start event (keyed by its id)
    amount: int = Field(gt=0)
    unit: Literal["workdays", "days", "hours"]
    liberty: bool = False  # restricts personal liberty: never extended by a holiday
    met_by: tuple[str, ...] = ()  # events that meet it
    met_by_end: bool = False  # met when the start event gets its end time
    when: tuple[Test, ...] = ()  # only when the start event passes these tests
    variants: tuple[Variant, ...] = ()
    extensions: tuple[Extension, ...] = ()
    pauses: tuple[Pause, ...] = ()
    restarted_by: tuple[str, ...] = ()  # events that restart the period from their time
    basis: str
    unverified: bool = False

    @model_validator(mode="after")
    def _met_somehow(self) -> DeadlineSpec:
        if not self.met_by and not self.met_by_end:
            raise ValueError(f"deadline {self.code} has neither met_by nor met_by_end")
        return self


class Revision(Strict):
    """From ``from_`` on, the law behind the pack changed; ``unverified`` marks every result."""

    from_: dt.date = Field(alias="from")
    unverified: bool = False
    note: str


class Pack(Strict):
    id: str
    name: str
    case_kinds: tuple[str, ...] = ()  # descriptive
    law: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    unverified: bool = False
    note: str = ""
    min_handlers: int = Field(default=2, ge=1)  # 行政处罚法第四十二条; 简易程序 may allow one
    revisions: tuple[Revision, ...] = ()
    events: tuple[EventSpec, ...]
    deadlines: tuple[DeadlineSpec, ...] = ()
    examples: tuple[Annotated[dict, Field()], ...] = ()

    @model_validator(mode="after")
    def _references_exist(self) -> Pack:
        codes = [event.code for event in self.events]
        duplicates = {code for code in codes if codes.count(code) > 1}
        if duplicates:
            raise ValueError(f"event codes appear twice: {sorted(duplicates)}")
        known = set(codes)

        def check(code: str, where: str) -> None:
            if code not in known:
                raise ValueError(f"{where} names unknown event {code!r}")

        for event in self.events:
            for code in event.after:
                check(code, f"event {event.code}: after")
            for pre in event.preconditions:
                for req in (*pre.if_any, *pre.requires_any, *pre.forbids_any):
                    check(req.event, f"event {event.code}: precondition {pre.code}")
        for spec in self.deadlines:
            check(spec.start, f"deadline {spec.code}: start")
            for code in (*spec.met_by, *spec.restarted_by):
                check(code, f"deadline {spec.code}")
            for ext in spec.extensions:
                check(ext.event, f"deadline {spec.code}: extension")
            for pause in spec.pauses:
                check(pause.start, f"deadline {spec.code}: pause")
                check(pause.end, f"deadline {spec.code}: pause")
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValueError(
                f"effective_to {self.effective_to} is before effective_from {self.effective_from}"
            )
        if not any(event.first for event in self.events):
            raise ValueError("no event is marked first: a case could never start")
        return self

    def event(self, code: str) -> EventSpec:
        for spec in self.events:
            if spec.code == code:
                return spec
        raise KeyError(code)

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def revision_on(self, day: dt.date) -> Revision | None:
        """Return the latest revision in force on DAY, if any."""
        applicable = [r for r in self.revisions if r.from_ <= day]
        return max(applicable, key=lambda r: r.from_) if applicable else None

    def unverified_on(self, day: dt.date) -> bool:
        revision = self.revision_on(day)
        return self.unverified or bool(revision and revision.unverified)


def load_pack(path: Path) -> Pack:
    """Return the validated pack of PATH, or raise RulePackError naming file, line and rule."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise RulePackError(path, "a procedure pack is a mapping with id, events, deadlines …")
    try:
        return Pack.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error["loc"]
        rule = _rule_name(data, loc)
        where = ".".join(str(part) for part in loc)
        raise RulePackError(
            path, f"{where}: {error['msg']}", line=line_of(data, loc), rule=rule
        ) from None


def _rule_name(data: Any, loc: tuple) -> str | None:
    """Return the code of the event/deadline the error is in, for the message."""
    if len(loc) >= 2 and loc[0] in {"events", "deadlines"} and isinstance(loc[1], int):
        try:
            return str(data[loc[0]][loc[1]].get("code"))
        except (IndexError, KeyError, AttributeError):
            return None
    return None


class PackRegistry:
    """Every procedure pack of a rules folder, by id and by date."""

    def __init__(self, packs: list[Pack]) -> None:
        self.packs = packs

    @classmethod
    def load(cls, rules_dir: Path | None = None) -> PackRegistry:
        folder = (rules_dir or settings.RULES_DIR) / "procedure"
        return cls([load_pack(path) for path in sorted(folder.glob("*.yaml"))])

    def ids(self) -> list[str]:
        return sorted({pack.id for pack in self.packs})

    def for_case(self, pack_id: str, accepted_on: dt.date) -> Pack:
        """Return pack PACK_ID in force on ACCEPTED_ON (the latest one starting before it)."""
        candidates = [p for p in self.packs if p.id == pack_id and p.in_force_on(accepted_on)]
        if not candidates:
            raise KeyError(f"no procedure pack {pack_id!r} in force on {accepted_on}")
        return max(candidates, key=lambda p: p.effective_from)


@lru_cache(maxsize=1)
def registry() -> PackRegistry:
    return PackRegistry.load()

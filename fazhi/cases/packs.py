"""Procedure packs (rules/procedure/*.yaml): the events of a case kind, their order, their
preconditions and the deadlines they start, each with its legal basis (DESIGN: law as data).

A pack is validated on load into frozen pydantic models; an error names the file, the line and
the rule. Packs are effective-dated: a case follows the pack in force on its 受案 day.
See rules/procedure/README.md for the format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import ConfigDict, Field, ValidationInfo, model_validator

from fazhi.core.rulepacks import Basis, PackHeader, RulePackError, Strict, line_of, load_file
from fazhi.core.rulepacks import registry as pack_registry


class Test(Strict):
    """A condition on one value of an event: ``{field: data.fine, gte: 2000}``.

    ``field`` is ``occurred_at``, ``ended_at`` or ``data.<name>``; one comparison is given.
    ``in``/``not_in`` compare with a list (``{field: data.offence_category, in: [赌博, 毒品]}``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    field: str
    eq: Any = None
    ne: Any = None
    gte: float | None = None
    gt: float | None = None
    lte: float | None = None
    lt: float | None = None
    present: bool | None = None
    in_: tuple[Any, ...] | None = Field(default=None, alias="in")
    not_in: tuple[Any, ...] | None = None

    @model_validator(mode="after")
    def _one_comparison(self) -> Test:
        given = [
            k.rstrip("_")
            for k in ("eq", "ne", "gte", "gt", "lte", "lt", "present", "in_", "not_in")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "a test compares with exactly one of eq/ne/gte/gt/lte/lt/present/in/not_in, "
                f"not {given}"
            )
        if not (self.field in {"occurred_at", "ended_at"} or self.field.startswith("data.")):
            raise ValueError(f"field {self.field!r} must be occurred_at, ended_at or data.<name>")
        return self

    def holds(self, event: Any) -> bool:
        value = _value_of(event, self.field)
        if self.present is not None:
            return (value not in (None, "", [])) is self.present
        if self.eq is not None:
            return bool(value == self.eq)
        if self.ne is not None:
            return bool(value != self.ne)
        if self.in_ is not None:
            return value in self.in_
        if self.not_in is not None:
            return value not in self.not_in
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


def _value_of(event: Any, field: str) -> Any:
    if field == "occurred_at":
        return event.occurred_at
    if field == "ended_at":
        return event.ended_at
    value: Any = event.data
    for part in field.removeprefix("data.").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class Gap(Strict):
    """A period that must lie between two events (听证通知 at least 7 working days before 听证)."""

    amount: int = Field(gt=0)
    unit: Literal["workdays", "days", "hours"]


class Requirement(Strict):
    """An earlier event this one needs; ``where`` narrows it to events whose tests all hold.

    ``at_least_before`` further asks that the period counted from that event has run out by the
    new event: its last day is no later than the new event's day (or, for hours, its instant is
    no later than the new event's).
    """

    event: str
    where: tuple[Test, ...] = ()
    at_least_before: Gap | None = None


class Precondition(Strict):
    """When ``when`` holds for the new event (or always), one of ``requires_any`` must exist.

    A precondition with neither ``requires_any`` nor ``forbids_any`` refuses the new event
    whenever ``when`` (and ``if_any``) hold: a value the law does not allow (当场罚款 over 200).
    """

    code: str
    when: tuple[Test, ...] = ()
    if_any: tuple[Requirement, ...] = ()  # applies only when one of these events exists
    requires_any: tuple[Requirement, ...] = ()
    forbids_any: tuple[Requirement, ...] = ()
    message: str  # zh-hans; English lives in the translation catalogue under the same text
    basis: Basis  # citations resolved on load (rules/README.md)
    unverified: bool = False

    @model_validator(mode="after")
    def _not_always_refusing(self) -> Precondition:
        if not (self.requires_any or self.forbids_any or self.when or self.if_any):
            raise ValueError(
                f"precondition {self.code} has no when, if_any, requires_any or forbids_any: "
                "it would refuse every event"
            )
        return self


class DataField(Strict):
    name: str
    type: Literal["bool", "int", "decimal", "text", "date", "datetime"]
    required: bool = False
    label: str = ""
    # The statutory maximum of an amount (行政拘留合并执行最长不超过二十日) and its provision;
    # without one an int or decimal is bounded by fazhi.core.bounds' sanity bounds (ADR 0027).
    max: int | None = None
    max_basis: Basis | None = None


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
    basis: Basis  # citations resolved on load (rules/README.md)


class Extension(Strict):
    event: str  # the approval event
    amount: int
    max_times: int = 1
    basis: Basis  # citations resolved on load (rules/README.md)


class Pause(Strict):
    start: str  # event that stops the clock
    end: str  # event that restarts it (its occurred_at), or the start event's own ended_at
    basis: Basis  # citations resolved on load (rules/README.md)


class Earliest(Strict):
    """The first day the meeting event may lawfully happen, counted from the deadline's start.

    听证 needs 7 working days' notice (行政处罚法第六十四条第（二）项、第八十五条), which may not fit in
    the 10 days of 程序规定第一百三十七条: when this period ends later than the deadline, the
    deadline ends on its last day instead and the explanation says so.
    """

    amount: int = Field(gt=0)
    unit: Literal["workdays", "days", "hours"]
    basis: Basis  # citations resolved on load (rules/README.md)
    unverified: bool = False


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
    if_any: tuple[Requirement, ...] = ()  # only when one of these events exists (决定 with a fine)
    ended_by: tuple[str, ...] = ()  # events after which it no longer runs (转为一般程序)
    variants: tuple[Variant, ...] = ()
    extensions: tuple[Extension, ...] = ()
    pauses: tuple[Pause, ...] = ()
    restarted_by: tuple[str, ...] = ()  # events that restart the period from their time
    earliest: Earliest | None = None  # the meeting event may not lawfully happen before this
    basis: Basis  # citations resolved on load (rules/README.md)
    unverified: bool = False

    @model_validator(mode="after")
    def _met_somehow(self) -> DeadlineSpec:
        if not self.met_by and not self.met_by_end:
            raise ValueError(f"deadline {self.code} has neither met_by nor met_by_end")
        if self.earliest is not None and not self.met_by:
            raise ValueError(f"deadline {self.code}: earliest needs a met_by event")
        return self


class Revision(Strict):
    """From ``from_`` on, the law behind the pack changed; ``unverified`` marks every result."""

    from_: dt.date = Field(alias="from")
    unverified: bool = False
    note: str


class Pack(PackHeader):
    """A procedure pack: the header (rules/README.md) and the events and deadlines of a kind."""

    case_kinds: tuple[str, ...] = ()  # descriptive
    law: str
    min_handlers: int = Field(default=2, ge=1)  # 行政处罚法第四十二条; 简易程序 may allow one
    revisions: tuple[Revision, ...] = ()
    events: tuple[EventSpec, ...]
    deadlines: tuple[DeadlineSpec, ...] = ()

    @property
    def name(self) -> str:  # the header's title, under the name forms and messages use
        return self.title

    @model_validator(mode="after")
    def _references_exist(self, info: ValidationInfo) -> Pack:
        if info.context and info.context.get("defer_references"):
            return self  # load_pack reports them with their line
        problems = self.reference_problems()
        if problems:
            loc, rule, message = problems[0]
            raise ValueError(f"{'.'.join(str(p) for p in loc)} [{rule}]: {message}")
        return self

    def reference_problems(self) -> list[tuple[tuple[Any, ...], str | None, str]]:
        """Return (location, rule, message) of every reference the schema alone cannot check.

        Event codes must be unique and every code named must exist; a test on ``data.<name>``
        must name a field the tested event declares; effective dates must be in order; an event
        status must be a case status; some event must be able to start a case.
        """
        from fazhi.cases.models import CaseStatus

        out: list[tuple[tuple[Any, ...], str | None, str]] = []
        specs: dict[str, EventSpec] = {}
        for index, event in enumerate(self.events):
            if event.code in specs:
                out.append((("events", index, "code"), event.code, "event code appears twice"))
            specs.setdefault(event.code, event)
        deadline_codes: set[str] = set()
        for index, spec in enumerate(self.deadlines):
            if spec.code in deadline_codes:
                out.append((("deadlines", index, "code"), spec.code, "deadline code appears twice"))
            deadline_codes.add(spec.code)

        def known(code: str, loc: tuple[Any, ...], rule: str, what: str) -> bool:
            if code not in specs:
                out.append((loc, rule, f"{what} names unknown event {code!r}"))
                return False
            return True

        def fields_exist(
            tests: Iterable[Test], event_code: str, loc: tuple[Any, ...], rule: str, what: str
        ) -> None:
            declared = {f.name for f in specs[event_code].fields}
            for test in tests:
                name = test.field.removeprefix("data.")
                if test.field.startswith("data.") and name.split(".")[0] not in declared:
                    out.append(
                        (
                            loc,
                            rule,
                            f"{what} tests data.{name}, but event {event_code} declares no "
                            f"field {name!r} (declared: {sorted(declared)})",
                        )
                    )

        def requirements(
            reqs: Iterable[Requirement], loc: tuple[Any, ...], rule: str, what: str
        ) -> None:
            for req in reqs:
                if known(req.event, loc, rule, what):
                    fields_exist(req.where, req.event, loc, rule, f"{what} ({req.event})")

        statuses = set(CaseStatus.values)
        for index, event in enumerate(self.events):
            loc = ("events", index)
            if event.status and event.status not in statuses:
                out.append(
                    (
                        (*loc, "status"),
                        event.code,
                        f"status {event.status!r} is not a case status {sorted(statuses)}",
                    )
                )
            for code in event.after:
                known(code, (*loc, "after"), event.code, f"event {event.code}: after")
            for p_index, pre in enumerate(event.preconditions):
                p_loc = (*loc, "preconditions", p_index)
                what = f"event {event.code}: precondition {pre.code}"
                fields_exist(pre.when, event.code, p_loc, pre.code, what)
                requirements(
                    (*pre.if_any, *pre.requires_any, *pre.forbids_any), p_loc, pre.code, what
                )
        for index, spec in enumerate(self.deadlines):
            loc = ("deadlines", index)
            what = f"deadline {spec.code}"
            if known(spec.start, (*loc, "start"), spec.code, f"{what}: start"):
                fields_exist(spec.when, spec.start, loc, spec.code, what)
                for variant in spec.variants:
                    fields_exist(variant.when, spec.start, loc, spec.code, f"{what}: variant")
            for code in (*spec.met_by, *spec.restarted_by, *spec.ended_by):
                known(code, loc, spec.code, what)
            requirements(spec.if_any, loc, spec.code, f"{what}: if_any")
            for ext in spec.extensions:
                known(ext.event, (*loc, "extensions"), spec.code, f"{what}: extension")
            for pause in spec.pauses:
                known(pause.start, (*loc, "pauses"), spec.code, f"{what}: pause")
                known(pause.end, (*loc, "pauses"), spec.code, f"{what}: pause")
        if not any(event.first for event in self.events):
            out.append((("events",), None, "no event is marked first: a case could never start"))
        return out

    def event(self, code: str) -> EventSpec:
        for spec in self.events:
            if spec.code == code:
                return spec
        raise KeyError(code)

    def revision_on(self, day: dt.date) -> Revision | None:
        """Return the latest revision in force on DAY, if any."""
        applicable = [r for r in self.revisions if r.from_ <= day]
        return max(applicable, key=lambda r: r.from_) if applicable else None

    def unverified_on(self, day: dt.date) -> bool:
        revision = self.revision_on(day)
        return self.unverified or bool(revision and revision.unverified)


def load_pack(path: Path) -> Pack:
    """Return the validated pack of PATH, or raise RulePackError naming file, line and rule."""
    pack, data = load_file(
        path,
        Pack,
        what="a procedure pack",
        rule_of=_rule_name,
        context={"defer_references": True},
    )
    problems = pack.reference_problems()
    if problems:
        loc, rule, message = problems[0]
        where = ".".join(str(part) for part in loc)
        raise RulePackError(
            path,
            f"{where}: {message}",
            line=line_of(data, loc),
            rule=rule or _rule_name(data, loc),
        )
    return pack


def _rule_name(data: Any, loc: tuple[Any, ...]) -> str | None:
    """Return the code of the precondition/event/deadline the error is in, for the message."""
    if len(loc) >= 2 and loc[0] in {"events", "deadlines"} and isinstance(loc[1], int):
        try:
            item = data[loc[0]][loc[1]]
            if len(loc) >= 4 and loc[2] == "preconditions" and isinstance(loc[3], int):
                return str(item["preconditions"][loc[3]].get("code"))
            return str(item.get("code"))
        except (IndexError, KeyError, AttributeError, TypeError):
            return None
    return None


class PackRegistry:
    """Every procedure pack of a rules folder, by id and by date."""

    def __init__(self, packs: list[Pack]) -> None:
        self.packs = packs

    @classmethod
    def from_paths(cls, paths: list[Path]) -> PackRegistry:
        return cls([load_pack(path) for path in paths])

    @classmethod
    def load(cls, rules_dir: Path | None = None) -> PackRegistry:
        """Every procedure pack of RULES_DIR/procedure (the rule-pack registry's cached copy)."""
        return cast(PackRegistry, pack_registry.folder("procedure", rules_dir))

    def ids(self) -> list[str]:
        return sorted({pack.id for pack in self.packs})

    def for_case(self, pack_id: str, accepted_on: dt.date) -> Pack:
        """Return pack PACK_ID in force on ACCEPTED_ON (the latest one starting before it)."""
        candidates = [p for p in self.packs if p.id == pack_id and p.in_force_on(accepted_on)]
        if not candidates:
            raise KeyError(f"no procedure pack {pack_id!r} in force on {accepted_on}")
        return max(candidates, key=lambda p: p.effective_from)


def registry() -> PackRegistry:
    """The procedure packs of settings.RULES_DIR, reloaded when a file changes (ADR 0013)."""
    return cast(PackRegistry, pack_registry.folder("procedure"))

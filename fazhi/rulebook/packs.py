"""The rulebook's rule packs (rules/rulebook/*.yaml): the steps of a procedure with their
preconditions, and the warnings on its subject — read by the one pack loader (ADR 0013).

A file's ``subject`` says what it governs: ``document`` (行政规范性文件), ``decision`` (重大行政决策)
or ``impact`` (review tasks after a change of law). A step may be recorded when each of its
``requires`` holds: the required step was recorded and, if ``outcomes`` are listed, its latest
record ended in one of them; ``once`` refuses a second record. Every requirement carries the
message and the basis a refusal shows; ``analogy: true`` says the provision is applied by
analogy (类推适用 — e.g. 重大行政决策程序暂行条例 第二十五条 to a normative document).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from fazhi.core.rulepacks import Basis, PackHeader, Strict, load_file
from fazhi.core.rulepacks import registry as pack_registry
from fazhi.core.warnings import Escalation, WarningLevel

CODE = r"^[a-z][a-z0-9_]{1,39}$"


class Outcome(Strict):
    code: str = Field(pattern=CODE)
    name: str


class FieldSpec(Strict):
    """A field the step's form asks for (stored in the step's data)."""

    name: str = Field(pattern=CODE)
    label: str
    type: Literal["text", "line", "date", "int"] = "line"
    required: bool = True


class Requirement(Strict):
    step: str = Field(pattern=CODE)
    outcomes: tuple[str, ...] = ()
    message: str
    basis: Basis
    analogy: bool = False
    unverified: bool = False


class StepSpec(Strict):
    code: str = Field(pattern=CODE)
    name: str
    outcomes: tuple[Outcome, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    requires: tuple[Requirement, ...] = ()
    once: bool = False
    basis: Basis | None = None
    analogy: bool = False
    unverified: bool = False


class ValidityEnding(Strict):
    """A document in force whose validity ends within MONTHS months (not yet ended)."""

    type: Literal["validity_ending"]
    months: int = Field(ge=1, le=24)


class FilingOverdue(Strict):
    """Published more than DAYS days ago and not yet filed (备案)."""

    type: Literal["filing_overdue"]
    days: int = Field(ge=1, le=365)


class CleanupDue(Strict):
    """In a clean-up campaign whose completion day has passed, without an outcome."""

    type: Literal["cleanup_due"]


class TaskOpen(Strict):
    """A review task whose owner still cites a touched provision, open more than DAYS days."""

    type: Literal["task_open"]
    days: int = Field(default=0, ge=0, le=365)


Condition = Annotated[
    ValidityEnding | FilingOverdue | CleanupDue | TaskOpen, Field(discriminator="type")
]


class WarningRule(Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")
    name: str
    level: WarningLevel
    condition: Condition
    basis: Basis
    unverified: bool = False
    escalation: Escalation = Escalation()


class RulebookPack(PackHeader):
    subject: Literal["document", "decision", "impact"]
    steps: tuple[StepSpec, ...] = ()
    warnings: tuple[WarningRule, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> RulebookPack:
        codes = [s.code for s in self.steps]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"step code {', '.join(twice)} appears twice")
        for step in self.steps:
            for req in step.requires:
                if req.step not in codes:
                    raise ValueError(f"step {step.code} requires unknown step {req.step}")
                known = {o.code for o in self.step(req.step).outcomes}
                unknown = set(req.outcomes) - known
                if unknown:
                    raise ValueError(
                        f"step {step.code} requires outcomes {sorted(unknown)} that step "
                        f"{req.step} does not have"
                    )
        return self

    def step(self, code: str) -> StepSpec:
        for step in self.steps:
            if step.code == code:
                return step
        raise KeyError(code)


def load_pack(path: Path) -> RulebookPack:
    pack: RulebookPack = load_file(path, RulebookPack, what="a rulebook pack")[0]
    return pack


def pack_for(subject: str, day: dt.date) -> RulebookPack:
    """The pack of SUBJECT in force on DAY (the latest edition if several are)."""
    found: list[RulebookPack] = [
        p for p in pack_registry.in_force("rulebook", day) if p.subject == subject and p.steps
    ]
    if not found:
        raise LookupError(f"no rulebook pack for {subject!r} is in force on {day}")
    return max(found, key=lambda p: p.effective_from)


def warning_rules(subject: str, day: dt.date) -> list[WarningRule]:
    packs: tuple[RulebookPack, ...] = pack_registry.in_force("rulebook", day)
    return [rule for p in packs if p.subject == subject for rule in p.warnings]


# --------------------------------------------------------------------------- preconditions


@dataclass(frozen=True)
class Done:
    step: str
    outcome: str = ""


@dataclass(frozen=True)
class Check:
    """Whether a step may be recorded now, and if not, why (message and basis)."""

    step: StepSpec
    allowed: bool
    message: str = ""
    basis: str = ""
    analogy: bool = False
    unverified: bool = False


def check(pack: RulebookPack, done: list[Done], code: str) -> Check:
    """Return whether step CODE may follow the steps DONE (in order), citing the first refusal."""
    step = pack.step(code)
    latest: dict[str, Done] = {}
    for record in done:
        latest[record.step] = record
    if step.once and code in latest:
        return Check(step, False, _("该环节已登记，不能重复登记。"), str(step.basis or ""))
    for req in step.requires:
        found = latest.get(req.step)
        if found is None or (req.outcomes and found.outcome not in req.outcomes):
            return Check(step, False, req.message, str(req.basis), req.analogy, req.unverified)
    return Check(step, True, basis=str(step.basis or ""), analogy=step.analogy)


def parse_done(values: list[Any]) -> list[Done]:
    """``[draft, legality_review:passed]`` as the examples write it."""
    found = []
    for value in values:
        step, _sep, outcome = str(value).partition(":")
        found.append(Done(step, outcome))
    return found


def example_refusal(pack: RulebookPack, given: dict[str, Any]) -> dict[str, Any]:
    result = check(pack, parse_done(list(given.get("done") or [])), str(given["try"]))
    got: dict[str, Any] = {"allowed": result.allowed}
    if not result.allowed:
        got["basis"] = result.basis
    return got

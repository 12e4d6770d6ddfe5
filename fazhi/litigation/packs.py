"""The litigation rule pack (rules/litigation/*.yaml): the periods of a reconsideration or a
lawsuit and the warnings on them, in the one pack format (rules/README.md, ADR 0013).

A **deadline** says which matters it applies to (``kinds``, and optionally the 简易程序 flag or
the form of the ruling), the day it counts from (``from``: the day the copy was received, the
day the body accepted the application, or the day the ruling was served), how much (an amount in
working days or days, counted by fazhi.core.periods on the working-day calendar), an optional
extension (used when the matter records one), what meets it, whose it is (``ours``: the bureau
must act; otherwise it is the body's period, shown for follow-up) and its provision.

A **rule** is a warning on a deadline (due within N working days, overdue), on a hearing with no
appearance planned, or on a lost matter whose correction order has not been issued.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from fazhi.core.periods import PeriodUnit
from fazhi.core.rulepacks import Basis, PackHeader, Strict, load_file
from fazhi.core.rulepacks import registry as pack_registry
from fazhi.core.warnings import Escalation, WarningLevel

KIND = "litigation"
Code = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")]


MatterKindCode = Literal["reconsideration", "first_instance", "appeal", "retrial"]


class Extension(Strict):
    amount: int = Field(ge=1, le=365)
    unit: PeriodUnit
    basis: Basis


class DeadlineRule(Strict):
    code: Code
    name: str = Field(min_length=1)
    kinds: tuple[MatterKindCode, ...] = Field(min_length=1)
    simplified: bool | None = None  # None: either procedure
    ruling_forms: tuple[Literal["judgment", "ruling", "decision", "mediation", "other"], ...] = ()
    start: Literal["received", "accepted", "served"] = Field(alias="from")
    amount: int = Field(ge=1, le=3650)
    unit: PeriodUnit
    extension: Extension | None = None
    met_by: Literal["reply", "outcome", "next_instance"]
    ours: bool = True
    basis: Basis
    consequence: str = ""
    unverified: bool = False

    model_config = Strict.model_config | {"populate_by_name": True}


class DueWithin(Strict):
    """The deadline runs and falls due within WORKDAYS working days (today included)."""

    type: Literal["due_within"]
    deadline: Code
    workdays: int = Field(ge=0, le=30)


class Overdue(Strict):
    """The deadline runs (not met) and its last day has passed."""

    type: Literal["overdue"]
    deadline: Code


class HearingUnplanned(Strict):
    """A hearing is planned within DAYS calendar days and nobody is named to appear."""

    type: Literal["hearing_unplanned"]
    days: int = Field(ge=1, le=60)


class LossWithoutOrder(Strict):
    """The act was corrected (败诉/被纠错) DAYS days ago or more and no 整改 order was issued."""

    type: Literal["loss_without_order"]
    days: int = Field(ge=0, le=365)


Condition = Annotated[
    DueWithin | Overdue | HearingUnplanned | LossWithoutOrder, Field(discriminator="type")
]


class WarningRule(Strict):
    code: Code
    name: str = Field(min_length=1)
    level: WarningLevel
    kinds: tuple[MatterKindCode, ...] = ()  # hearing and loss rules: the kinds of matter watched
    condition: Condition
    basis: Basis
    unverified: bool = False
    escalation: Escalation = Escalation()


class Counting(Strict):
    """How the law of the file counts its days: the provision for working days and for days."""

    workdays: Basis | None = None
    days: Basis


class LitigationPack(PackHeader):
    """A litigation file: the header, its deadlines and its warning rules."""

    counting: Counting
    deadlines: tuple[DeadlineRule, ...] = ()
    rules: tuple[WarningRule, ...] = ()

    def counting_basis(self, unit: PeriodUnit | str) -> str:
        if str(unit) == PeriodUnit.WORKDAYS:
            if self.counting.workdays is None:
                raise ValueError(f"{self.id}: a working-day period needs counting.workdays")
            return str(self.counting.workdays)
        return str(self.counting.days)

    @model_validator(mode="after")
    def _codes(self) -> LitigationPack:
        # A deadline code may appear once per variant (普通/简易程序, 判决/裁定): one matter
        # gets at most one period of a code.
        variants = [(d.code, d.simplified, d.ruling_forms) for d in self.deadlines]
        twice = sorted({v[0] for v in variants if variants.count(v) > 1})
        if twice:
            raise ValueError(f"deadline code {', '.join(twice)} appears twice for one variant")
        codes = [r.code for r in self.rules]
        twice = sorted({code for code in codes if codes.count(code) > 1})
        if twice:
            raise ValueError(f"rule code {', '.join(twice)} appears twice")
        for rule in self.rules:
            needs_kinds = isinstance(rule.condition, HearingUnplanned | LossWithoutOrder)
            if needs_kinds and not rule.kinds:
                raise ValueError(f"rule {rule.code} needs kinds: the kinds of matter it watches")
        known = {d.code for d in self.deadlines}
        for rule in self.rules:
            wanted = getattr(rule.condition, "deadline", None)
            if wanted is not None and wanted not in known:
                raise ValueError(f"rule {rule.code} watches deadline {wanted}, not in this file")
        return self


def load_pack(path: Path) -> LitigationPack:
    """Return the validated pack of PATH, or raise RulePackError naming file, line and rule."""
    return load_file(path, LitigationPack, what="a litigation file")[0]


def packs() -> tuple[LitigationPack, ...]:
    return pack_registry.packs(KIND)


def in_force(day: dt.date) -> tuple[LitigationPack, ...]:
    return pack_registry.in_force(KIND, day)


def count_rules(pack: LitigationPack) -> int:
    return len(pack.deadlines) + len(pack.rules)

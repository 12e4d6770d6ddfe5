"""Warning rules (预警规则, rules/warnings/*.yaml): what to watch, how loud, whom to tell, and why.

A rule names a condition of one of the TYPES below, which fazhi.supervision.conditions knows how
to run as one SQL query over all cases and, for the files' examples, in memory; the provision it
protects; its level (提示/预警/告警, shown yellow/orange/red); and when it escalates from the unit
to the district centre and to the city centre. Files are validated on load; an error names the
file, the line and the rule. Format: rules/warnings/README.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from fazhi.cases.packs import Test
from fazhi.core.rulepacks import Basis, PackHeader, RulePackError, Strict, load_file
from fazhi.core.rulepacks import registry as pack_registry
from fazhi.core.warnings import LEVEL_CSS, Duration, Escalation, WarningLevel

__all__ = ["LEVEL_CSS", "Duration", "Escalation", "WarningLevel"]  # also defined here before


class DeadlineDueWithin(Strict):
    """An open deadline of one of DEADLINES falls due within WITHIN from now (and has not yet)."""

    type: Literal["deadline_due_within"]
    deadlines: tuple[str, ...] = Field(min_length=1)
    within: Duration


class DeadlineOverdue(Strict):
    """An open deadline of one of DEADLINES has fallen due (now >= due_at) and is not met."""

    type: Literal["deadline_overdue"]
    deadlines: tuple[str, ...] = Field(min_length=1)


class DeadlineMissed(Strict):
    """A deadline of one of DEADLINES was met late (status missed)."""

    type: Literal["deadline_missed"]
    deadlines: tuple[str, ...] = Field(min_length=1)


class EventMissingAfter(Strict):
    """EVENT (passing WHERE) happened at least AFTER ago, and none of MISSING_ANY followed it."""

    type: Literal["event_missing_after"]
    event: str
    where: tuple[Test, ...] = ()
    missing_any: tuple[str, ...] = Field(min_length=1)
    after: Duration

    @model_validator(mode="after")
    def _where_runs_in_sql(self) -> EventMissingAfter:
        for test in self.where:
            if not test.field.startswith("data."):
                raise ValueError(f"where tests data.<name>, not {test.field}")
            if any(getattr(test, op) is not None for op in ("ne", "not_in", "present")):
                raise ValueError(
                    f"where on {test.field}: the scan runs eq, gt, gte, lt, lte and in only"
                )
        return self


class HandlerUnqualified(Strict):
    """A handler's qualification is not in force today, or the handler is not on duty."""

    type: Literal["handler_unqualified"]


class OutsideCentre(Strict):
    """The case of an 应进必进 item was accepted outside a case-handling centre."""

    type: Literal["outside_centre"]


class DecisionOutsideRange(Strict):
    """The current decision lies outside the discretion benchmark's range (fazhi.discretion)."""

    type: Literal["decision_outside_range"]


class OrderUnanswered(Strict):
    """A supervision order (督办单) about the case still awaits its reply after its reply deadline.

    An order about a set of warnings and no one case counts for each case of its warnings.
    """

    type: Literal["order_unanswered"]


Condition = Annotated[
    DeadlineDueWithin
    | DeadlineOverdue
    | DeadlineMissed
    | EventMissingAfter
    | HandlerUnqualified
    | OutsideCentre
    | DecisionOutsideRange
    | OrderUnanswered,
    Field(discriminator="type"),
]
DEADLINE_TYPES = ("deadline_due_within", "deadline_overdue", "deadline_missed")


class WarningRule(Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$", max_length=40)
    name: str = Field(max_length=100)
    level: WarningLevel
    condition: Condition
    procedures: tuple[str, ...] = ()  # only cases of these procedure packs (all when empty)
    basis: Basis = Field(max_length=300)  # citations resolved on load (rules/README.md)
    unverified: bool = False
    note: str = ""
    escalation: Escalation = Escalation()

    @property
    def css(self) -> str:
        return LEVEL_CSS[self.level]


class WarningPack(PackHeader):
    """A warning file: the header (rules/README.md) and its rules."""

    rules: tuple[WarningRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_unique(self) -> WarningPack:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.code in seen:
                raise ValueError(f"rule code {rule.code} appears twice")
            seen.add(rule.code)
        return self

    @property
    def name(self) -> str:  # the header's title, under the name the views used
        return self.title


def load_warning_pack(path: Path) -> WarningPack:
    """Return the validated warning rules of PATH, or raise RulePackError (file, line, rule)."""
    return load_file(path, WarningPack, what="a warning file")[0]


class RuleRegistry:
    """Every warning rule of a rules folder, by code."""

    def __init__(self, packs: list[WarningPack], paths: list[Path] | None = None) -> None:
        self.packs = packs
        self.rules: dict[str, WarningRule] = {}
        for index, pack in enumerate(packs):
            for rule in pack.rules:
                if rule.code in self.rules:
                    where = paths[index] if paths else Path(pack.id)
                    raise RulePackError(where, "rule code appears in two files", rule=rule.code)
                self.rules[rule.code] = rule

    @classmethod
    def from_paths(cls, paths: list[Path]) -> RuleRegistry:
        return cls([load_warning_pack(path) for path in paths], paths)

    @classmethod
    def load(cls, rules_dir: Path | None = None) -> RuleRegistry:
        """Every warning file of RULES_DIR/warnings (the rule-pack registry's cached copy)."""
        found: RuleRegistry = pack_registry.folder("warnings", rules_dir)
        return found

    def all(self) -> list[WarningRule]:
        return list(self.rules.values())

    def in_force(self, day: dt.date) -> list[WarningRule]:
        """The rules of the files in force on DAY (effective_from ≤ DAY ≤ effective_to)."""
        return [rule for pack in self.packs if pack.in_force_on(day) for rule in pack.rules]

    def get(self, code: str) -> WarningRule | None:
        return self.rules.get(code)


def registry() -> RuleRegistry:
    """The warning rules of settings.RULES_DIR, reloaded when a file changes (ADR 0013)."""
    found: RuleRegistry = pack_registry.folder("warnings")
    return found

"""Warning rules (预警规则, rules/warnings/*.yaml): what to watch, how loud, whom to tell, and why.

A rule names a condition of one of the TYPES below, which fazhi.supervision.conditions knows how
to run as one SQL query over all cases and, for the files' examples, in memory; the provision it
protects; its level (提示/预警/告警, shown yellow/orange/red); and when it escalates from the unit
to the district centre and to the city centre. Files are validated on load; an error names the
file, the line and the rule. Format: rules/warnings/README.md.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fazhi.cases.packs import Test
from fazhi.core.rulepacks import RulePackError, line_of, read_yaml
from fazhi.core.warnings import LEVEL_CSS, Duration, Escalation, WarningLevel

__all__ = ["LEVEL_CSS", "Duration", "Escalation", "WarningLevel"]  # also defined here before


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    basis: str = Field(max_length=300)
    unverified: bool = False
    note: str = ""
    escalation: Escalation = Escalation()

    @property
    def css(self) -> str:
        return LEVEL_CSS[self.level]


class WarningPack(Strict):
    id: str
    name: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    note: str = ""
    rules: tuple[WarningRule, ...] = Field(min_length=1)
    examples: tuple[dict, ...] = ()

    @model_validator(mode="after")
    def _codes_unique(self) -> WarningPack:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.code in seen:
                raise ValueError(f"rule code {rule.code} appears twice")
            seen.add(rule.code)
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"effective_to {self.effective_to} is before effective_from {self.effective_from}"
            )
        return self


def _rule_name(data: Any, loc: tuple) -> str | None:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        try:
            return str(data["rules"][loc[1]].get("code"))
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
    return None


def load_warning_pack(path: Path) -> WarningPack:
    """Return the validated warning rules of PATH, or raise RulePackError (file, line, rule)."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise RulePackError(path, "a warning file is a mapping with id, name, rules, examples")
    try:
        return WarningPack.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        where = ".".join(str(part) for part in loc)
        raise RulePackError(
            path, f"{where}: {error['msg']}", line=line_of(data, loc), rule=_rule_name(data, loc)
        ) from None


class RuleRegistry:
    """Every warning rule of a rules folder, by code."""

    def __init__(self, packs: list[WarningPack]) -> None:
        self.packs = packs
        self.rules: dict[str, WarningRule] = {}
        for pack in packs:
            for rule in pack.rules:
                if rule.code in self.rules:
                    raise RulePackError(pack.id, "rule code appears in two files", rule=rule.code)
                self.rules[rule.code] = rule

    @classmethod
    def load(cls, rules_dir: Path | None = None) -> RuleRegistry:
        folder = (rules_dir or settings.RULES_DIR) / "warnings"
        return cls([load_warning_pack(path) for path in sorted(folder.glob("*.yaml"))])

    def all(self) -> list[WarningRule]:
        return list(self.rules.values())

    def get(self, code: str) -> WarningRule | None:
        return self.rules.get(code)


@lru_cache(maxsize=1)
def registry() -> RuleRegistry:
    return RuleRegistry.load()

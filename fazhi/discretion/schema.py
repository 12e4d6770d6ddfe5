"""The shape of a discretion pack (rules/discretion/*.yaml), as pydantic models.

Every model is frozen and forbids unknown fields, so a misspelt key is an error naming the file,
the line and the rule (see ``fazhi.discretion.packs``), never a silently ignored line.
rules/discretion/README.md explains each field for the legal experts who write the packs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator

from fazhi.core.rulepacks import Citation, PackHeader, Strict

FactTypeName = Literal["bool", "int", "decimal", "date", "enum"]
PenaltyKind = Literal["warning", "fine", "detention", "confiscation", "licence_revocation"]
Mode = Literal["required", "optional", "alternative"]
Effect = Literal[
    "no_penalty",  # 不予处罚 (mandatory)
    "may_no_penalty",  # 可以不予处罚: the recommendation is no penalty, marked discretionary
    "reduce",  # 减轻处罚: the next lighter tier, or the offence's `reduced` penalties
    "lighter",  # 从轻处罚: the lower half of each range
    "heavier",  # 从重处罚: the upper half of each range
    "detention_not_executed",  # 不执行行政拘留 (治安法第二十一条)
    "drop_detention",  # detention cannot be imposed on this offender (e.g. an organisation)
    "refuse",  # the facts cannot be decided under this pack: an error naming `field`
    "note",  # recorded in the trace only
]
Citations = list[Citation]  # each resolved against the law data on load (rules/README.md)


class FactSpec(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FactTypeName
    label: str = ""
    choices: list[str] | None = None
    required: bool = False
    default: Any = None


class Times(Strict):
    """An amount proportional to a fact: ``{times: 10, of: illegal_gains}`` (违法所得十倍)."""

    times: Decimal = Field(gt=0)
    of: str


Bound = int | Times


class RangeSpec(Strict):
    min: Bound | None = None
    max: Bound | list[Bound] | None = None


class StatutorySpec(Strict):
    """The penalties the provision allows, as a whole: every tier must stay inside."""

    warning: bool = False
    fine: RangeSpec | None = None
    detention: RangeSpec | None = None
    confiscation: bool = False
    licence_revocation: bool = False


class PenaltySpec(Strict):
    kind: PenaltyKind
    min: Bound | None = None
    max: Bound | None = None
    of: str | None = None  # confiscation: the fact holding the amount confiscated
    mode: Mode = "required"
    when: Any = None


class RuleMarks(Strict):
    cite: Citations = Field(min_length=1)
    cite_note: str = ""
    unverified: bool = False
    benchmark: Literal["local"] | None = None
    note: str = ""

    @field_validator("cite", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class TierSpec(RuleMarks):
    name: str = Field(min_length=1)
    when: Any
    penalties: list[PenaltySpec] = Field(min_length=1)
    reduce_to: str | None = None  # 减轻 leads to this earlier tier, or 'reduced'


class ReducedSpec(RuleMarks):
    """What 减轻处罚 gives for a tier whose ranges have no minimum to go below."""

    penalties: list[PenaltySpec] = Field(min_length=1)


class RuleSpec(RuleMarks):
    """A general rule; in a pack, ``extends: ID`` adds to the general layer's rule ID instead.

    An extension takes the layer rule's place and id, adds its citations (the special law's
    provision, cited first) and may replace ``when`` and ``effect`` (a later law's exceptions).
    """

    id: str | None = Field(default=None, min_length=1, pattern=r"^[^\s#]+$")
    extends: str | None = Field(default=None, min_length=1, pattern=r"^[^\s#]+$")
    when: Any = None
    effect: Effect | None = None
    field: str | None = None  # for effect "refuse": the fact the error names
    message: str = ""


class ExtendedLimitation(Strict):
    years: int = Field(ge=1)
    when: Any


class LimitationSpec(RuleMarks):
    id: str = "limitation"
    months: int | None = Field(default=None, ge=1)
    years: int | None = Field(default=None, ge=1)
    extended: ExtendedLimitation | None = None


class OffenceSpec(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_.]*$")
    name: str = Field(min_length=1)
    items: list[str] = Field(default_factory=list)
    cite: Citations = Field(min_length=1)
    cite_note: str = ""
    unverified: bool = False
    note: str = ""
    statutory: StatutorySpec
    facts: list[FactSpec] = Field(default_factory=list)
    tiers: list[TierSpec] = Field(min_length=1)
    reduced: ReducedSpec | None = None
    rules: list[RuleSpec] = Field(default_factory=list)

    @field_validator("cite", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class PackSpec(PackHeader):
    """A pack: the header (rules/README.md; ``id`` names the series of versions 从旧兼从轻
    compares) and the benchmark of one law."""

    law: str = Field(min_length=1)
    benchmark: Literal["local"] | None = None
    facts: list[FactSpec] = Field(default_factory=list)
    limitation: LimitationSpec | None = None  # None: the general layer's (行政处罚法 第三十六条)
    general_rules: list[RuleSpec] = Field(default_factory=list)
    offences: list[OffenceSpec] = Field(min_length=1)


class GeneralLayerSpec(PackHeader):
    """rules/discretion/general/general.yaml: the rules every pack inherits (see README)."""

    facts: list[FactSpec] = Field(default_factory=list)
    limitation: LimitationSpec
    transition: RuleMarks  # 从旧兼从轻 (行政处罚法 第三十七条): the engine compares the versions
    general_rules: list[RuleSpec] = Field(min_length=1)
    benchmark: Literal["local"] | None = None


class ExampleGiven(Strict):
    offence: str
    act_date: dt.date
    decision_date: dt.date
    facts: dict[str, Any] = Field(default_factory=dict)


class ExampleExpect(Strict):
    outcome: Literal["no_penalty", "penalty"] | None = None
    tier: str | None = None
    penalties: list[str] | None = None
    version_applied: str | None = None
    unverified: bool | None = None
    discretionary: bool | None = None
    detention_executable: bool | None = None
    limitation_expired: bool | None = None
    rules_applied: list[str] | None = None  # ids of general rules that fired, in order
    lighter: Literal["act", "decision", "equal"] | None = None  # 从旧兼从轻 comparison
    error_field: str | None = None  # the example expects an error naming this fact

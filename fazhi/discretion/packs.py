"""Load, validate and precompile the discretion packs under ``rules/discretion/``.

``load_library(rules_dir)`` returns every pack of the folder as immutable, precompiled objects
(conditions are closures, bounds are small dataclasses), cached by the files' modification
times so the engine pays for parsing once. A pack that cannot be used raises ``RulePackError``
naming the file, the line and the rule: an unknown field, a missing citation, a citation that
does not parse, an enforcement item that is not in the catalogue, a fact a condition does not
know, tiers that overlap or leave a gap (proved by enumerating every combination of the
thresholds the tier conditions read), a range outside the provision's statutory range, a
``reduced`` range heavier than the lightest tier, or an example without ``expect``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fazhi.core.rulepacks import RulePackError, expect_of, line_of, load_file
from fazhi.core.rulepacks import registry as pack_registry
from fazhi.discretion.conditions import (
    Comparison,
    ConditionError,
    FactType,
    Predicate,
    compile_condition,
    representatives,
)
from fazhi.discretion.schema import (
    Bound,
    FactSpec,
    GeneralLayerSpec,
    LimitationSpec,
    OffenceSpec,
    PackSpec,
    PenaltySpec,
    RangeSpec,
    RuleMarks,
    RuleSpec,
)
from fazhi.law.citations import parse_citation

if TYPE_CHECKING:
    from fazhi.discretion.schema import Times

ITEMS_CSV = Path(__file__).resolve().parent.parent / "catalog" / "data" / "items.csv"
HARM_LEVELS = ("none", "minor", "ordinary", "serious")
UNITS = {"fine": "yuan", "confiscation": "yuan", "detention": "days"}
# How heavy a kind of penalty is, for kinds without a range (and to order kinds at all).
KIND_SEVERITY = {
    "warning": 1,
    "fine": 2,
    "confiscation": 3,
    "licence_revocation": 4,
    "detention": 5,
}
FLOORS = {"fine": 0, "confiscation": 0, "detention": 1}  # "五日以下拘留" starts at one day
REDUCED = -1  # Tier.reduce_to: the offence's `reduced` penalties

# The facts the general rules read have these names in every pack (issue 5).
COMMON_FACTS: tuple[FactSpec, ...] = (
    FactSpec(name="offender_birth_date", type="date", label="违法行为人出生日期（单位不填）"),
    FactSpec(name="first_violation", type="bool", default=False, label="初次违法"),
    FactSpec(name="harm", type="enum", choices=list(HARM_LEVELS), required=True, label="危害后果"),
    FactSpec(name="corrected_promptly", type="bool", default=False, label="及时改正"),
    FactSpec(name="voluntary_surrender", type="bool", default=False, label="主动投案、如实陈述"),
    FactSpec(name="coerced_or_induced", type="bool", default=False, label="受他人胁迫或者诱骗"),
    FactSpec(
        name="mental_illness_no_control",
        type="bool",
        default=False,
        label="精神病人在不能辨认或者不能控制自己行为时违法",
    ),
    FactSpec(name="organisation", type="bool", default=False, label="违法主体为单位"),
    FactSpec(name="discovered_on", type="date", label="公安机关发现违法行为的日期"),
)
# Facts the engine derives; conditions may read them, callers may not give them.
DERIVED_FACTS = {
    "age": FactType("age", "int"),  # 周岁 on the act date (ADR 0015); absent for organisations
    "tier_rank": FactType("tier_rank", "int"),  # 0 = the offence's lightest tier
    "act_date": FactType("act_date", "date"),
}


# --------------------------------------------------------------------------- compiled objects


@dataclass(frozen=True, slots=True)
class Amount:
    """A bound of a range: a constant, or a multiple of a fact (违法所得一倍以上十倍以下)."""

    const: int = 0
    times: Decimal | None = None
    of: str | None = None

    def value(self, facts: dict[str, Any], *, upper: bool) -> int:
        if self.of is None:
            return self.const
        raw = Decimal(facts.get(self.of) or 0) * (self.times or 0)
        rounding = ROUND_FLOOR if upper else ROUND_CEILING  # stay inside the range
        return int(raw.to_integral_value(rounding=rounding))

    def dominated_by(self, other: Amount) -> bool:
        """Return True if self <= other for every (non-negative) value of the facts."""
        if self.of is None:
            return (other.of is None and self.const <= other.const) or (
                other.of is not None and self.const <= 0
            )
        return other.of == self.of and (self.times or 0) <= (other.times or 0)

    def __str__(self) -> str:
        return str(self.const) if self.of is None else f"{self.times}×{self.of}"


@dataclass(frozen=True, slots=True)
class PenaltyRule:
    kind: str
    min: Amount
    max: Amount
    mode: str  # required | optional | alternative
    when: Predicate | None = None

    @property
    def unit(self) -> str | None:
        return UNITS.get(self.kind)


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule of a pack, as the trace and the unverified mark see it."""

    pack: str  # file stem
    id: str
    cite: tuple[str, ...]
    cite_note: str
    unverified: bool
    benchmark: str | None
    note: str
    digest: str  # of the rule's content: a confirmation holds for this content only
    inherited: tuple[str, ...] = ()  # the general layer's citations of an extended rule

    @property
    def key(self) -> str:
        return f"{self.pack}#{self.id}"

    @property
    def confirmation_key(self) -> str:
        return f"{self.key}@{self.digest}"

    @property
    def citation(self) -> str:
        """Return the citations, the pack's own first (with their note), then the inherited."""
        text = "；".join(self.cite)
        text = f"{text}（{self.cite_note}）" if self.cite_note else text
        return "；".join((text, *self.inherited)) if self.inherited else text


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    rank: int
    when: Predicate
    penalties: tuple[PenaltyRule, ...]
    rule: Rule
    reduce_to: int | None  # rank of the tier 减轻 leads to, REDUCED, or None: below the minimum


@dataclass(frozen=True, slots=True)
class GeneralRule:
    rule: Rule
    when: Predicate
    effect: str
    field: str | None
    message: str
    when_node: Any = None  # the condition as written (the batch compiles it for columns)


@dataclass(frozen=True, slots=True)
class Limitation:
    rule: Rule
    months: int
    extended_months: int | None
    extended_when: Predicate | None
    extended_node: Any = None  # the extension's condition as written (for the batch)


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    type: str
    choices: tuple[str, ...]
    required: bool
    default: Any
    label: str

    def as_dict(self) -> dict[str, Any]:
        default = self.default.isoformat() if isinstance(self.default, dt.date) else self.default
        return {
            "name": self.name,
            "type": self.type,
            "choices": list(self.choices) if self.type == "enum" else None,
            "required": self.required,
            "default": str(default) if isinstance(default, Decimal) else default,
            "label": self.label,
        }


@dataclass(frozen=True)
class Offence:
    code: str
    name: str
    items: tuple[str, ...]
    rule: Rule  # the provision and its statutory range
    statutory: dict[str, tuple[Amount, tuple[Amount, ...]] | None]  # kind -> (min, maxes)
    facts: dict[str, Fact]
    tiers: tuple[Tier, ...]
    reduced: tuple[PenaltyRule, ...]
    reduced_rule: Rule
    rules: tuple[GeneralRule, ...]
    pack: Pack = field(repr=False, compare=False)


@dataclass(frozen=True)
class Pack:
    name: str  # file stem, e.g. zaglcff-2012
    path: Path
    law: str
    series: str
    version: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None
    unverified: bool
    benchmark: str | None
    note: str
    limitation: Limitation
    general_rules: tuple[GeneralRule, ...]
    offences: dict[str, Offence]
    examples: tuple[Any, ...]
    raw: Any = field(repr=False, compare=False)
    transition: Rule | None = None  # 从旧兼从轻 (行政处罚法 第三十七条), from the general layer

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def rules(self) -> list[Rule]:
        """Return every rule of the pack (for confirmation and listing)."""
        found = [self.limitation.rule, *(g.rule for g in self.general_rules)]
        for offence in self.offences.values():
            found.append(offence.rule)
            found.extend(t.rule for t in offence.tiers)
            if offence.reduced:
                found.append(offence.reduced_rule)
            found.extend(g.rule for g in offence.rules)
        return found


@dataclass(frozen=True)
class Library:
    """Every pack of a folder; ``versions[code]`` lists the packs of an offence by date."""

    packs: tuple[Pack, ...]
    versions: dict[str, tuple[Pack, ...]]
    series: dict[str, tuple[Pack, ...]]

    def offence_codes(self) -> list[str]:
        return sorted(self.versions)

    def rule(self, pack: str, rule_id: str) -> Rule | None:
        for candidate in self.packs:
            if candidate.name == pack:
                return next((r for r in candidate.rules() if r.id == rule_id), None)
        return None


# --------------------------------------------------------------------------- loading


@lru_cache(maxsize=1)
def catalogue_item_codes() -> frozenset[str]:
    with ITEMS_CSV.open(encoding="utf-8") as handle:
        return frozenset(row["code"] for row in csv.DictReader(handle))


class _Loader:
    """Turn one validated PackSpec into compiled objects, raising errors that name the line."""

    def __init__(self, path: Path, raw: Any, spec: PackSpec) -> None:
        self.path = path
        self.raw = raw
        self.spec = spec
        self.name = path.stem

    def error(self, message: str, loc: tuple[Any, ...], rule: str | None = None) -> RulePackError:
        return RulePackError(self.path, message, line=line_of(self.raw, loc), rule=rule)

    def digest(self, loc: tuple[Any, ...]) -> str:
        node: Any = self.raw
        for key in loc:
            node = node[key]
        text = json.dumps(
            [self.spec.version, node], ensure_ascii=False, sort_keys=True, default=str
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def make_rule(
        self, rule_id: str, marks: Any, loc: tuple[Any, ...], *, unverified: bool
    ) -> Rule:
        return Rule(
            pack=self.name,
            id=rule_id,
            cite=tuple(marks.cite),
            cite_note=marks.cite_note,
            unverified=self.spec.unverified or unverified or marks.unverified,
            benchmark=getattr(marks, "benchmark", None) or self.spec.benchmark,
            note=marks.note,
            digest=self.digest(loc),
        )

    def facts(
        self, specs: list[FactSpec], loc: tuple[Any, ...], rule: str | None
    ) -> dict[str, Fact]:
        found: dict[str, Fact] = {}
        for index, spec in enumerate(specs):
            where = (*loc, index)
            if spec.type == "enum" and not spec.choices:
                raise self.error(f"enum fact '{spec.name}' needs choices", where, rule)
            if spec.type != "enum" and spec.choices:
                raise self.error(f"only enum facts have choices ('{spec.name}')", where, rule)
            default = spec.default
            if default is not None:
                if spec.required:
                    raise self.error(
                        f"fact '{spec.name}' is required and so cannot have a default", where, rule
                    )
                try:
                    default = coerce_fact(
                        Fact(spec.name, spec.type, tuple(spec.choices or ()), False, None, ""),
                        default,
                    )
                except ValueError as exc:
                    raise self.error(f"default of fact '{spec.name}': {exc}", where, rule) from None
            found[spec.name] = Fact(
                spec.name,
                spec.type,
                tuple(spec.choices or ()),
                spec.required,
                default,
                spec.label,
            )
        return found

    def condition(
        self,
        node: Any,
        facts: dict[str, Fact],
        loc: tuple[Any, ...],
        rule: str,
        leaves: list[Comparison] | None = None,
    ) -> Predicate:
        types = {name: FactType(name, f.type, f.choices) for name, f in facts.items()}
        types.update(DERIVED_FACTS)
        try:
            return compile_condition(node, types, leaves=leaves)
        except ConditionError as exc:
            raise self.error(str(exc), (*loc, *exc.loc), rule) from None

    def amount(
        self,
        bound: Bound | None,
        default: int,
        facts: dict[str, Fact],
        loc: tuple[Any, ...],
        rule: str,
    ) -> Amount:
        if bound is None:
            return Amount(default)
        if isinstance(bound, int):
            if bound < 0:
                raise self.error(f"an amount cannot be negative ({bound})", loc, rule)
            return Amount(bound)
        fact = facts.get(bound.of)
        if fact is None or fact.type not in ("int", "decimal"):
            raise self.error(f"'of: {bound.of}' must name a number fact of the offence", loc, rule)
        return Amount(0, bound.times, bound.of)

    def penalties(
        self, specs: list[PenaltySpec], facts: dict[str, Fact], loc: tuple[Any, ...], rule: str
    ) -> tuple[PenaltyRule, ...]:
        result = []
        for index, spec in enumerate(specs):
            where = (*loc, index)
            if spec.kind in ("warning", "licence_revocation"):
                if spec.min is not None or spec.max is not None or spec.of:
                    raise self.error(f"a {spec.kind} has no amount", where, rule)
                low = high = Amount(0)
            elif spec.kind == "confiscation":
                if not spec.of or spec.min is not None or spec.max is not None:
                    raise self.error(
                        "confiscation names the fact holding the amount: {kind: confiscation, of: FACT}",
                        where,
                        rule,
                    )
                low = high = self.amount(_times_one(spec.of), 0, facts, (*where, "of"), rule)
            else:
                if spec.of:
                    raise self.error(f"'of' belongs to confiscation, not {spec.kind}", where, rule)
                if spec.max is None:
                    raise self.error(f"a {spec.kind} needs a max", where, rule)
                low = self.amount(spec.min, FLOORS[spec.kind], facts, (*where, "min"), rule)
                high = self.amount(spec.max, 0, facts, (*where, "max"), rule)
                if low.of is None and high.of is None and low.const > high.const:
                    raise self.error(
                        f"{spec.kind} min {low.const} is above max {high.const}", where, rule
                    )
            when = self.condition(spec.when, facts, (*where, "when"), rule) if spec.when else None
            result.append(PenaltyRule(spec.kind, low, high, spec.mode, when))
        if sum(p.mode == "alternative" for p in result) == 1:
            raise self.error(
                "an 'alternative' penalty needs at least one other alternative", loc, rule
            )
        return tuple(result)

    def statutory(
        self, offence: OffenceSpec, facts: dict[str, Fact], loc: tuple[Any, ...]
    ) -> dict[str, Any]:
        spec = offence.statutory
        result: dict[str, Any] = {}
        for kind in ("warning", "confiscation", "licence_revocation"):
            result[kind] = (Amount(0), (Amount(0),)) if getattr(spec, kind) else None
        for kind in ("fine", "detention"):
            rng: RangeSpec | None = getattr(spec, kind)
            if rng is None:
                result[kind] = None
                continue
            where = (*loc, "statutory", kind)
            if rng.max is None:
                raise self.error(f"the statutory {kind} range needs a max", where, offence.code)
            low = self.amount(rng.min, FLOORS[kind], facts, (*where, "min"), offence.code)
            maxes = rng.max if isinstance(rng.max, list) else [rng.max]
            result[kind] = (
                low,
                tuple(
                    self.amount(m, 0, facts, (*where, "max", i), offence.code)
                    for i, m in enumerate(maxes)
                ),
            )
        return result

    def check_inside(
        self,
        offence: OffenceSpec,
        statutory: dict[str, Any],
        penalties: tuple[PenaltyRule, ...],
        loc: tuple[Any, ...],
        rule: str,
    ) -> None:
        for index, penalty in enumerate(penalties):
            allowed = statutory.get(penalty.kind)
            where = (*loc, index)
            if allowed is None:
                raise self.error(
                    f"{penalty.kind} is outside the statutory range of {offence.cite[0]}: "
                    f"the provision does not provide it",
                    where,
                    rule,
                )
            if penalty.kind not in ("fine", "detention"):
                continue
            low, maxes = allowed
            if not low.dominated_by(penalty.min):
                raise self.error(
                    f"{penalty.kind} min {penalty.min} is below the statutory minimum {low}",
                    where,
                    rule,
                )
            if not any(penalty.max.dominated_by(m) for m in maxes):
                raise self.error(
                    f"{penalty.kind} max {penalty.max} is above the statutory maximum "
                    f"{' / '.join(str(m) for m in maxes)}",
                    where,
                    rule,
                )

    def general_rules(
        self,
        specs: list[RuleSpec],
        facts: dict[str, Fact],
        loc: tuple[Any, ...],
        prefix: str,
        seen: set[str],
        *,
        skip: frozenset[int] = frozenset(),
    ) -> tuple[GeneralRule, ...]:
        found = []
        for index, spec in enumerate(specs):
            if index in skip:
                continue
            where = (*loc, index)
            if spec.extends is not None:
                raise self.error(
                    f"'extends: {spec.extends}' adds to a rule of the general layer "
                    "(rules/discretion/general/general.yaml); it belongs in a pack's general_rules",
                    where,
                    spec.extends,
                )
            if spec.id is None or spec.when is None or spec.effect is None:
                missing = next(k for k in ("id", "when", "effect") if getattr(spec, k) is None)
                raise self.error(f"'{missing}' is missing", where, spec.id)
            rule_id = f"{prefix}{spec.id}"
            if rule_id in seen:
                raise self.error(f"rule id '{rule_id}' is used twice", where, rule_id)
            seen.add(rule_id)
            found.append(self.general_rule(spec, facts, where, rule_id))
        return tuple(found)

    def general_rule(
        self, spec: RuleSpec, facts: dict[str, Fact], where: tuple[Any, ...], rule_id: str
    ) -> GeneralRule:
        if spec.effect == "refuse" and (not spec.field or not spec.message):
            raise self.error(
                "a 'refuse' rule names the 'field' and gives a 'message'", where, rule_id
            )
        return GeneralRule(
            self.make_rule(rule_id, spec, where, unverified=False),
            self.condition(spec.when, facts, (*where, "when"), rule_id),
            str(spec.effect),
            spec.field,
            spec.message,
            spec.when,
        )

    def inherited_rules(
        self, layer: GeneralLayer | None, facts: dict[str, Fact], seen: set[str]
    ) -> tuple[GeneralRule, ...]:
        """Return the general layer's rules (with this pack's extensions), then the pack's own.

        Refusals come first: a pack that cannot decide the facts says so before any rule
        decides them. The other rules keep their order: the layer's, then the pack's.
        """
        specs = self.spec.general_rules
        layer_specs = layer.spec.general_rules if layer is not None else []
        layer_ids = [spec.id for spec in layer_specs]
        extensions: dict[str, int] = {}
        for index, spec in enumerate(specs):
            where = ("general_rules", index)
            if spec.extends is None:
                if spec.id in layer_ids:
                    raise self.error(
                        f"rule id '{spec.id}' is a rule of the general layer "
                        f"(rules/discretion/general/general.yaml): add to it with "
                        f"'extends: {spec.id}'",
                        where,
                        spec.id,
                    )
                continue
            if spec.id is not None and spec.id != spec.extends:
                raise self.error(
                    f"an extension keeps the id of the rule it extends ('{spec.extends}')",
                    where,
                    spec.id,
                )
            if spec.extends not in layer_ids:
                raise self.error(
                    f"extends '{spec.extends}': the general layer has no such rule "
                    f"({', '.join(str(i) for i in layer_ids) or 'no layer'})",
                    (*where, "extends"),
                    spec.extends,
                )
            if spec.extends in extensions:
                raise self.error(f"rule '{spec.extends}' is extended twice", where, spec.extends)
            extensions[spec.extends] = index
        found: list[GeneralRule] = []
        if layer is not None:
            for index, base in enumerate(layer_specs):
                rule_id = str(base.id)
                seen.add(rule_id)
                if rule_id in extensions:
                    found.append(
                        self.extension(layer, base, index, specs[extensions[rule_id]], facts)
                    )
                else:
                    rule = layer.loader.general_rule(base, facts, ("general_rules", index), rule_id)
                    found.append(rule)
        own = self.general_rules(
            specs, facts, ("general_rules",), "", seen, skip=frozenset(extensions.values())
        )
        found.extend(own)
        return tuple(
            [g for g in found if g.effect == "refuse"] + [g for g in found if g.effect != "refuse"]
        )

    def extension(
        self,
        layer: GeneralLayer,
        base: RuleSpec,
        base_index: int,
        spec: RuleSpec,
        facts: dict[str, Fact],
    ) -> GeneralRule:
        """Return layer rule BASE as this pack's SPEC extends it (see RuleSpec)."""
        rule_id = str(base.id)
        index = self.spec.general_rules.index(spec)
        where = ("general_rules", index)
        base_where = ("general_rules", base_index)
        if spec.when is not None:
            when = self.condition(spec.when, facts, (*where, "when"), rule_id)
        else:
            when = layer.loader.condition(base.when, facts, (*base_where, "when"), rule_id)
        own = self.make_rule(rule_id, spec, where, unverified=False)
        inherited = layer.loader.make_rule(rule_id, base, base_where, unverified=False)
        effect = spec.effect or base.effect
        merged = RuleSpec.model_validate(
            {**base.model_dump(exclude_none=True), **spec.model_dump(exclude_none=True)}
        )
        if effect == "refuse" and (not merged.field or not merged.message):
            raise self.error(
                "a 'refuse' rule names the 'field' and gives a 'message'", where, rule_id
            )
        rule = Rule(
            pack=self.name,
            id=rule_id,
            cite=own.cite,
            cite_note=own.cite_note,
            unverified=own.unverified or inherited.unverified,
            benchmark=spec.benchmark or inherited.benchmark or self.spec.benchmark,
            note=spec.note or base.note,
            digest=hashlib.sha256(f"{own.digest}{inherited.digest}".encode()).hexdigest()[:16],
            inherited=inherited.cite,
        )
        return GeneralRule(
            rule,
            when,
            str(effect),
            merged.field,
            merged.message,
            spec.when if spec.when is not None else base.when,
        )

    def load(self) -> Pack:
        spec = self.spec
        layer = general_layer(self.path.parent)
        common = self.facts(list(COMMON_FACTS), (), None)
        layer_facts = layer.facts if layer is not None else {}
        pack_facts = self.facts(spec.facts, ("facts",), None)
        for index, name in enumerate(pack_facts):
            if name in common or name in DERIVED_FACTS or name in layer_facts:
                raise self.error(
                    f"fact '{name}' is a common, general-layer or derived fact already",
                    ("facts", index),
                )
        base_facts = {**common, **layer_facts, **pack_facts}
        if spec.limitation is not None:
            limitation = self.limitation(spec.limitation, base_facts)
        elif layer is not None:
            limitation = layer.loader.limitation(layer.spec.limitation, base_facts)
        else:
            raise self.error(
                "'limitation' is missing, and there is no general layer to inherit it from",
                (),
            )
        seen: set[str] = {limitation.rule.id}
        general = self.inherited_rules(layer, base_facts, seen)
        offences: dict[str, Offence] = {}
        pack = Pack(
            name=self.name,
            path=self.path,
            law=spec.law,
            series=spec.id,
            version=spec.version,
            title=spec.title,
            effective_from=spec.effective_from,
            effective_to=spec.effective_to,
            unverified=spec.unverified,
            benchmark=spec.benchmark,
            note=spec.note,
            limitation=limitation,
            general_rules=general,
            offences=offences,
            examples=tuple(spec.examples),
            raw=self.raw,
            transition=layer.transition if layer is not None else None,
        )
        for index, offence in enumerate(spec.offences):
            if offence.code in offences:
                raise self.error(
                    f"offence code '{offence.code}' is used twice",
                    ("offences", index),
                    offence.code,
                )
            offences[offence.code] = self.offence(
                offence, ("offences", index), base_facts, pack, seen
            )
        self.check_numbering(pack)
        self.check_examples()
        return pack

    def limitation(self, lim: LimitationSpec, facts: dict[str, Fact]) -> Limitation:
        if (lim.months is None) == (lim.years is None):
            raise self.error("the limitation gives either months or years", ("limitation",), lim.id)
        return Limitation(
            self.make_rule(lim.id, lim, ("limitation",), unverified=False),
            lim.months or (lim.years or 0) * 12,
            lim.extended.years * 12 if lim.extended else None,
            self.condition(lim.extended.when, facts, ("limitation", "extended", "when"), lim.id)
            if lim.extended
            else None,
            lim.extended.when if lim.extended else None,
        )

    def check_numbering(self, pack: Pack) -> None:
        """Refuse two numberings of the pack's law, or two rules under one of its provisions.

        A citation of the pack's own law uses the article numbers of one text: the one its
        ``cite_note`` names first ("2012年文本条号…", "2025年修订文本…"), else the pack's own
        version. Within one pack version every such citation uses the same text, so one number
        never names two provisions (e.g. 第十九条 for 2025's 正当防卫 and 2012's 减轻 grounds).
        """
        own = _law_key(pack.law)
        first: dict[str, tuple[str, str, tuple[Any, ...]]] = {}  # numbering -> (rule, cite, loc)
        by_article: dict[int, tuple[str, str, str, tuple[Any, ...]]] = {}
        default = self.spec.version[:4]
        for rule_id, marks, loc in self.cited():
            match = NUMBERING_RE.search(marks.cite_note or "")
            numbering = match.group(1) if match else default
            for text in marks.cite:
                cited = parse_citation(text)
                if _law_key(cited.law) != own:
                    continue
                seen = by_article.get(cited.article)
                if seen is not None and seen[0] != numbering:
                    raise self.error(
                        f"{text} is cited in the {numbering} text's numbering here and in the "
                        f"{seen[0]} text's numbering by '{seen[1]}' (line "
                        f"{line_of(self.raw, seen[3])}): one number would name two different "
                        f"provisions. Cite the {seen[0] if seen[0] != default else numbering} "
                        "provision the rule carries over and say in cite_note that the "
                        f"{default} number is unverified",
                        loc,
                        rule_id,
                    )
                by_article.setdefault(cited.article, (numbering, rule_id, text, loc))
                if first and numbering not in first:
                    other, (rule, _, where) = next(iter(first.items()))
                    raise self.error(
                        f"{text} uses the {numbering} text's numbering, '{rule}' (line "
                        f"{line_of(self.raw, where)}) the {other} text's: one pack version "
                        f"cites {pack.law} in one numbering",
                        loc,
                        rule_id,
                    )
                first.setdefault(numbering, (rule_id, text, loc))

    def cited(self) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
        """Yield (rule id, its marks, its loc) for every rule of the pack as written."""
        spec = self.spec
        if spec.limitation is not None:
            yield spec.limitation.id, spec.limitation, ("limitation",)
        for index, rule in enumerate(spec.general_rules):
            yield str(rule.id or rule.extends), rule, ("general_rules", index)
        for index, offence in enumerate(spec.offences):
            loc = ("offences", index)
            yield offence.code, offence, loc
            for rank, tier in enumerate(offence.tiers):
                yield f"{offence.code}/{tier.name}", tier, (*loc, "tiers", rank)
            if offence.reduced is not None:
                yield f"{offence.code}/减轻", offence.reduced, (*loc, "reduced")
            for number, rule in enumerate(offence.rules):
                yield f"{offence.code}/{rule.id}", rule, (*loc, "rules", number)

    def offence(
        self,
        spec: OffenceSpec,
        loc: tuple[Any, ...],
        base_facts: dict[str, Fact],
        pack: Pack,
        seen: set[str],
    ) -> Offence:
        code = spec.code
        own = self.facts(spec.facts, (*loc, "facts"), code)
        for name in own:
            if name in base_facts or name in DERIVED_FACTS:
                raise self.error(
                    f"fact '{name}' is already a pack, common or derived fact",
                    (*loc, "facts"),
                    code,
                )
        facts = {**base_facts, **own}
        known = catalogue_item_codes()
        for index, item in enumerate(spec.items):
            if item not in known:
                raise self.error(
                    f"enforcement item '{item}' is not in fazhi/catalog/data/items.csv",
                    (*loc, "items", index),
                    code,
                )
        offence_rule = self.make_rule(code, spec, loc, unverified=spec.unverified)
        statutory = self.statutory(spec, facts, loc)
        tiers = []
        names: set[str] = set()
        leaves: list[Comparison] = []
        for rank, tier in enumerate(spec.tiers):
            where = (*loc, "tiers", rank)
            rule_id = f"{code}/{tier.name}"
            if tier.name in names:
                raise self.error(f"tier '{tier.name}' appears twice", where, rule_id)
            names.add(tier.name)
            when = self.condition(tier.when, facts, (*where, "when"), rule_id, leaves)
            penalties = self.penalties(tier.penalties, facts, (*where, "penalties"), rule_id)
            self.check_inside(spec, statutory, penalties, (*where, "penalties"), rule_id)
            rule = self.make_rule(rule_id, tier, where, unverified=spec.unverified)
            reduce_to = None
            if tier.reduce_to == "reduced":
                reduce_to = REDUCED
            elif tier.reduce_to is not None:
                ranks = [t.name for t in spec.tiers[:rank]]
                if tier.reduce_to not in ranks:
                    raise self.error(
                        f"reduce_to '{tier.reduce_to}' must be 'reduced' or name a tier listed "
                        f"before '{tier.name}'",
                        (*where, "reduce_to"),
                        rule_id,
                    )
                reduce_to = ranks.index(tier.reduce_to)
            if spec.reduced is None and (
                reduce_to == REDUCED or (reduce_to is None and not has_minimum(penalties))
            ):
                raise self.error(
                    f"tier '{tier.name}' has no minimum to go below: 减轻 needs the offence's "
                    "'reduced' penalties (or a reduce_to)",
                    where,
                    rule_id,
                )
            tiers.append(Tier(tier.name, rank, when, penalties, rule, reduce_to))
        self.check_tiers(spec, facts, tiers, leaves, loc)
        self.check_order(spec, tiers, loc)
        reduced_id = f"{code}/减轻"
        reduced: tuple[PenaltyRule, ...] = ()
        if spec.reduced is not None:
            reduced = self.penalties(
                spec.reduced.penalties, facts, (*loc, "reduced", "penalties"), reduced_id
            )
            constant = [
                ceiling(t.penalties, {})
                for t in tiers
                if not any(b.of for p in t.penalties for b in (p.min, p.max))
            ]
            if constant and ceiling(reduced, {}) > min(constant):
                raise self.error(
                    "the reduced penalties are heavier than the lightest tier",
                    (*loc, "reduced"),
                    reduced_id,
                )
            for penalty in reduced:
                allowed = statutory.get(penalty.kind)
                if (
                    allowed is not None
                    and penalty.kind in ("fine", "detention")
                    and not any(penalty.max.dominated_by(m) for m in allowed[1])
                ):
                    raise self.error(
                        f"reduced {penalty.kind} max {penalty.max} is above the statutory maximum",
                        (*loc, "reduced"),
                        reduced_id,
                    )
        reduced_rule = (
            self.make_rule(reduced_id, spec.reduced, (*loc, "reduced"), unverified=spec.unverified)
            if spec.reduced is not None
            else offence_rule
        )
        return Offence(
            code=code,
            name=spec.name,
            items=tuple(spec.items),
            rule=offence_rule,
            statutory=statutory,
            facts=facts,
            tiers=tuple(tiers),
            reduced=reduced,
            reduced_rule=reduced_rule,
            rules=self.general_rules(spec.rules, facts, (*loc, "rules"), f"{code}/", seen),
            pack=pack,
        )

    def check_tiers(
        self,
        spec: OffenceSpec,
        facts: dict[str, Fact],
        tiers: list[Tier],
        leaves: list[Comparison],
        loc: tuple[Any, ...],
    ) -> None:
        """Prove that exactly one tier holds for every combination of the facts they read."""
        read = sorted({leaf.fact for leaf in leaves})
        axes = []
        for name in read:
            fact = facts.get(name) if name in facts else None
            if fact is None:
                raise self.error(
                    f"tier conditions cannot read the derived fact '{name}'",
                    (*loc, "tiers"),
                    spec.code,
                )
            if fact.type == "date":
                raise self.error(
                    f"tier conditions cannot read the date fact '{name}'",
                    (*loc, "tiers"),
                    spec.code,
                )
            if not fact.required and fact.default is None:
                raise self.error(
                    f"tier conditions read fact '{name}', which is neither required nor defaulted",
                    (*loc, "tiers"),
                    spec.code,
                )
            axes.append(representatives(FactType(name, fact.type, fact.choices), leaves))
        total = 1
        for axis in axes:
            total *= len(axis)
        if total > 100_000:
            raise self.error(
                f"the tier conditions combine too many thresholds to check ({total})",
                (*loc, "tiers"),
                spec.code,
            )
        for point in itertools.product(*axes):
            values = dict(zip(read, point, strict=True))
            holding = [tier for tier in tiers if tier.when(values)]
            shown = ", ".join(f"{k}={_show(v)}" for k, v in values.items()) or "always"
            if not holding:
                raise self.error(
                    f"the tiers leave a gap: no tier applies when {shown}",
                    (*loc, "tiers"),
                    spec.code,
                )
            if len(holding) > 1:
                raise self.error(
                    f"tiers '{holding[0].name}' and '{holding[1].name}' overlap when {shown}",
                    (*loc, "tiers", holding[1].rank),
                    f"{spec.code}/{holding[1].name}",
                )

    def check_order(self, spec: OffenceSpec, tiers: list[Tier], loc: tuple[Any, ...]) -> None:
        """Refuse a tier lighter than the tier 减轻 leads to (where all amounts are constants)."""
        for tier in tiers:
            if tier.reduce_to is None or tier.reduce_to == REDUCED:
                continue
            target = tiers[tier.reduce_to]
            amounts = [b for t in (tier, target) for p in t.penalties for b in (p.min, p.max)]
            if any(b.of for b in amounts):
                continue
            if ceiling(target.penalties, {}) > ceiling(tier.penalties, {}):
                raise self.error(
                    f"tier '{tier.name}' is lighter than '{target.name}', to which 减轻 leads: "
                    "list the tiers from the lightest to the heaviest",
                    (*loc, "tiers", tier.rank),
                    f"{spec.code}/{tier.name}",
                )

    def check_examples(self) -> None:
        for index, example in enumerate(self.spec.examples):
            expect_of(self.path, example, index)


# --------------------------------------------------------------------------- the general layer

GENERAL_LAYER = Path("general") / "general.yaml"


@dataclass(frozen=True)
class GeneralLayer:
    """rules/discretion/general/general.yaml: the rules of 行政处罚法 and 程序规定 every pack
    inherits (不予处罚, 从轻减轻, the limitation, 从旧兼从轻, 不送拘留所执行)."""

    path: Path
    spec: GeneralLayerSpec
    loader: _Loader = field(repr=False)
    facts: dict[str, Fact]
    transition: Rule
    rules: tuple[GeneralRule, ...]  # compiled against the common and layer facts (a check)


_LAYERS: dict[Path, tuple[int, GeneralLayer | None]] = {}


def general_layer(folder: Path) -> GeneralLayer | None:
    """Return the general layer of the packs in FOLDER (None if it has none), parsed once."""
    path = Path(folder) / GENERAL_LAYER
    stamp = path.stat().st_mtime_ns if path.exists() else -1
    cached = _LAYERS.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    layer = _load_general_layer(path) if stamp >= 0 else None
    _LAYERS[path] = (stamp, layer)
    return layer


def _load_general_layer(path: Path) -> GeneralLayer:
    spec, raw = load_file(path, GeneralLayerSpec, what="the general layer", rule_of=_rule_of)
    loader = _Loader(path, raw, spec)  # type: ignore[arg-type]  # the parts a pack shares
    common = loader.facts(list(COMMON_FACTS), (), None)
    facts = loader.facts(spec.facts, ("facts",), None)
    for index, name in enumerate(facts):
        if name in common or name in DERIVED_FACTS:
            raise loader.error(
                f"fact '{name}' is a common or derived fact already", ("facts", index)
            )
    base = {**common, **facts}
    seen: set[str] = {spec.limitation.id}
    loader.limitation(spec.limitation, base)
    rules = loader.general_rules(spec.general_rules, base, ("general_rules",), "", seen)
    transition = loader.make_rule("transition", spec.transition, ("transition",), unverified=False)
    return GeneralLayer(path, spec, loader, facts, transition, rules)


NUMBERING_RE = re.compile(r"(\d{4})年(?:修正|修订)?文本")


def _law_key(title: str) -> str:
    return title.removeprefix("中华人民共和国")


def _key_line(path: Path, key: str) -> int | None:
    """Return the line of a top-level KEY in PATH (scalars do not remember their line)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return None


def has_minimum(penalties: tuple[PenaltyRule, ...]) -> bool:
    """Return True if some fine or detention has a minimum above its floor (减轻 goes below)."""
    return any(
        p.kind in ("fine", "detention") and (p.min.of is not None or p.min.const > FLOORS[p.kind])
        for p in penalties
    )


def _times_one(fact: str) -> Times:
    from fazhi.discretion.schema import Times

    return Times(times=Decimal(1), of=fact)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def coerce_fact(fact: Fact, value: Any) -> Any:
    """Return VALUE as FACT's type; raise ValueError saying what was expected."""
    if fact.type == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError(f"expected true or false, got {value!r}")
    if fact.type == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"expected a whole number ≥ 0, got {value!r}")
        return value
    if fact.type == "decimal":
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError(f"expected an amount ≥ 0, got {value!r}")
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            raise ValueError(f"expected an amount ≥ 0, got {value!r}") from None
        if not number.is_finite() or number < 0:
            raise ValueError(f"expected an amount ≥ 0, got {value!r}")
        return number
    if fact.type == "date":
        if isinstance(value, dt.datetime):
            raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")
    if fact.type == "enum":
        if value in fact.choices:
            return value
        raise ValueError(f"expected one of {list(fact.choices)}, got {value!r}")
    raise ValueError(f"unknown fact type {fact.type}")  # pragma: no cover


def ceiling(penalties: tuple[PenaltyRule, ...], facts: dict[str, Any]) -> tuple[int, int, int]:
    """Return (detention max, fine max, heaviest other kind) of the penalties at their worst."""
    detention = fine = other = 0
    for penalty in penalties:
        if penalty.kind == "detention":
            detention = max(detention, penalty.max.value(facts, upper=True))
        elif penalty.kind == "fine":
            fine = max(fine, penalty.max.value(facts, upper=True))
        else:
            other = max(other, KIND_SEVERITY[penalty.kind])
    return detention, fine, other


def load_pack(path: Path) -> Pack:
    """Load and validate one pack file (without the checks that need the whole folder)."""
    spec, raw = load_file(path, PackSpec, what="a discretion pack", rule_of=_rule_of)
    return _Loader(path, raw, spec).load()


def _rule_of(raw: Any, loc: tuple[Any, ...]) -> str | None:
    """Name the rule at LOC as the trace does: the offence code (and its tier), a rule id."""
    if len(loc) >= 2 and loc[0] in ("offences", "general_rules"):
        try:
            entry = raw[loc[0]][loc[1]]
            rule = str(entry.get("code") or entry.get("id") or entry.get("extends") or "")
            if len(loc) >= 4 and loc[2] == "tiers":
                rule = f"{rule}/{entry['tiers'][loc[3]].get('name', loc[3])}"
            return rule or None
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
    if loc and loc[0] in ("limitation", "transition"):
        return str(loc[0])
    return None


def build_library(paths: list[Path]) -> Library:
    """Load PATHS and check what needs them all: one series per code, no overlapping versions."""
    packs = tuple(load_pack(path) for path in paths)
    series: dict[str, list[Pack]] = {}
    for pack in packs:
        series.setdefault(pack.series, []).append(pack)
    for members in series.values():
        members.sort(key=lambda p: p.effective_from)
        for earlier, later in itertools.pairwise(members):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise RulePackError(
                    later.path,
                    f"series '{later.series}': in force from {later.effective_from}, while "
                    f"{earlier.path.name} is still in force (effective_to "
                    f"{earlier.effective_to or 'open'})",
                    line=_key_line(later.path, "effective_from"),
                )
    versions: dict[str, list[Pack]] = {}
    owner: dict[str, str] = {}
    for pack in packs:
        for code in pack.offences:
            if owner.setdefault(code, pack.series) != pack.series:
                raise RulePackError(
                    pack.path,
                    f"offence code '{code}' belongs to series '{owner[code]}' already",
                    rule=code,
                )
            versions.setdefault(code, []).append(pack)
    return Library(
        packs=packs,
        versions={
            code: tuple(sorted(found, key=lambda p: p.effective_from))
            for code, found in versions.items()
        },
        series={name: tuple(members) for name, members in series.items()},
    )


def load_library(rules_dir: Path | None = None) -> Library:
    """Return every pack of RULES_DIR/discretion (the rule-pack registry's copy, ADR 0013).

    Reloaded when a file of the folder changes — general/general.yaml too: every pack inherits it.
    """
    library: Library = pack_registry.folder("discretion", rules_dir)
    return library


__all__ = [
    "COMMON_FACTS",
    "HARM_LEVELS",
    "Library",
    "Offence",
    "Pack",
    "Rule",
    "RuleMarks",
    "load_library",
    "load_pack",
]

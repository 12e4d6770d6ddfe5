"""The penalty discretion engine (裁量基准): facts in, a recommended penalty with its reasons out.

Public API (stable; the batch evaluator, the case integration and the web pages build on it)::

    from fazhi.discretion.engine import decide, offences, Decision

    decision = decide("za.beat", {"harm": "minor", "offender_birth_date": "1990-01-01"},
                      act_date=date(2025, 3, 1), decision_date=date(2025, 3, 20))
    decision.outcome        # "penalty" | "no_penalty"
    decision.penalties      # (Penalty(kind="detention", min=5, max=10, unit="days", mode=…), …)
    decision.to_dict()      # the JSON of `fazhi discretion decide --json`

``decide`` is pure: no database, no clock. It reads the packs through ``load_library`` (parsed
once, cached by file modification time) and takes the confirmed rules as an argument
(``confirmed``: the ``Rule.confirmation_key`` strings of fazhi.discretion.confirmations, loaded
once by the caller), so that a batch can decide millions of cases without a query each.

How one version of the law decides (every step goes into ``trace`` with its citation):

1. The facts are checked against the offence's declared facts: a missing required fact, an
   unknown fact or a value outside its domain raises ``InvalidFacts`` naming the fact.
   ``age`` (周岁 on the act date, from the day after the birthday: ADR 0015), ``act_date`` and ``tier_rank`` are derived.
2. Limitation (追究时效): if ``discovered_on`` is later than the act date plus the pack's period
   (治安法 第二十二条: 6 months; 行政处罚法 第三十六条: 2 years, 5 in the extended case), the
   outcome is ``no_penalty``. Without ``discovered_on`` the trace says it was not checked.
3. Exactly one tier's condition holds (the loader proves it); its ranges are the starting point.
4. The pack's general rules, then the offence's own rules, in file order: a ``no_penalty`` rule
   ends the evaluation; ``may_no_penalty`` (首违不罚) ends it with ``discretionary=True``, which
   means the law *permits* not penalising and the benchmark recommends it; ``reduce``,
   ``lighter``, ``heavier``, ``drop_detention`` and ``detention_not_executed`` set flags.
5. 减轻 (reduce, applied once however many grounds): the next lighter tier's ranges, or at the
   lightest tier the offence's ``reduced`` penalties (the pack cites the article and marks the
   choice ``benchmark: local``). 从轻 (lighter): the lower half of each range; 从重 (heavier): the
   upper half — the halves are the bureau's benchmark convention, not law. 从轻 and 从重 together
   cancel out (the whole range stays, and the trace says so).

从旧兼从轻 (行政处罚法 第三十七条): when the act date and the decision date fall under different
versions of the same series (e.g. 治安管理处罚法 2012 and 2025), both are evaluated on the same
facts and the lighter applies; on a tie the version of the act date applies. "Lighter" compares
``severity()``: no penalty < penalty; then the longest detention that may be imposed, then the
highest fine, then the heaviest other kind (warning < fine < confiscation < licence revocation),
then the shortest detention and the lowest fine that must be imposed. An act that the version in
force at the decision no longer punishes is not penalised; one that the act-date version did not
punish is not penalised either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext_lazy as _

from fazhi.core.age import age_on
from fazhi.core.errors import FazhiError
from fazhi.discretion.conditions import add_months
from fazhi.discretion.packs import (
    FLOORS,
    KIND_SEVERITY,
    UNITS,
    Fact,
    Library,
    Offence,
    Pack,
    PenaltyRule,
    Rule,
    coerce_fact,
    has_minimum,
    load_library,
)

UNVERIFIED_MESSAGE = "unverified: confirm against the official text"
ART_37 = "《中华人民共和国行政处罚法》第三十七条"  # when a folder has no general layer


def transition_basis(pack: Pack) -> str:
    """Return the citation of 从旧兼从轻 that PACK inherits from the general layer."""
    return pack.transition.citation if pack.transition is not None else ART_37


RANGED = ("fine", "detention", "confiscation")


class InvalidFacts(FazhiError, ValueError):
    """Facts that cannot be decided: ``field`` names the fact (or act_date, offence …)."""

    code = "invalid_facts"


class UnknownOffence(InvalidFacts):
    code = "unknown_offence"


@dataclass(frozen=True, slots=True)
class Penalty:
    """One recommended range. ``mode``: required, optional (可以并处) or alternative (或者)."""

    kind: str
    min: int | None
    max: int | None
    unit: str | None
    mode: str = "required"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "min": self.min,
            "max": self.max,
            "unit": self.unit,
            "mode": self.mode,
        }

    def __str__(self) -> str:
        text = self.kind if self.min is None else f"{self.kind} {self.min}-{self.max} {self.unit}"
        return text if self.mode == "required" else f"{text}, {self.mode}"


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One rule applied: which, under which provision, with what effect."""

    rule: str  # pack#rule-id
    citation: str
    effect: str
    detail: str = ""
    unverified: bool = False
    benchmark: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "citation": self.citation,
            "effect": self.effect,
            "detail": self.detail,
            "unverified": self.unverified,
            "benchmark": self.benchmark,
        }


@dataclass(frozen=True, slots=True)
class VersionResult:
    """The decision one version of the law gives (both are kept for 从旧兼从轻)."""

    pack: str
    version: str
    outcome: str
    tier: str | None
    penalties: tuple[Penalty, ...]
    trace: tuple[TraceStep, ...]
    rules: tuple[Rule, ...]
    rules_applied: tuple[str, ...]
    discretionary: bool = False
    detention_executable: bool | None = None
    limitation_expired: bool = False

    def severity(self) -> tuple[int, ...]:
        return severity(self.outcome, self.penalties)

    def summary(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "version": self.version,
            "outcome": self.outcome,
            "tier": self.tier,
            "penalties": [p.as_dict() for p in self.penalties],
            "severity": list(self.severity()),
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """从旧兼从轻: the act-date and decision-date versions side by side, and which is lighter."""

    act: VersionResult
    decision: VersionResult
    lighter: str  # "act" | "decision" | "equal"
    applied: str  # the version label applied
    basis: str = ART_37

    def as_dict(self) -> dict[str, Any]:
        return {
            "act_version": self.act.summary(),
            "decision_version": self.decision.summary(),
            "lighter": self.lighter,
            "applied": self.applied,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class Decision:
    """The engine's recommendation for one offence, one set of facts, one pair of dates."""

    offence: str
    offence_name: str
    law: str
    version_applied: str
    pack: str
    outcome: str  # "no_penalty" | "penalty"
    penalties: tuple[Penalty, ...]
    tier: str | None
    basis: tuple[str, ...]
    trace: tuple[TraceStep, ...]
    comparison: Comparison | None
    unverified_rules: tuple[str, ...]
    rules_applied: tuple[str, ...]
    discretionary: bool = False  # the law permits, but does not oblige, the outcome (首违不罚)
    detention_executable: bool | None = None  # False: 不执行行政拘留 (治安法第二十一条)
    limitation_expired: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def unverified(self) -> bool:
        return bool(self.unverified_rules)

    @property
    def unverified_message(self) -> str | None:
        return UNVERIFIED_MESSAGE if self.unverified_rules else None

    def severity(self) -> tuple[int, ...]:
        return severity(self.outcome, self.penalties)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (``fazhi discretion decide --json``; keys are stable)."""
        return {
            "offence": self.offence,
            "offence_name": self.offence_name,
            "law": self.law,
            "version_applied": self.version_applied,
            "pack": self.pack,
            "outcome": self.outcome,
            "penalties": [p.as_dict() for p in self.penalties],
            "tier": self.tier,
            "basis": list(self.basis),
            "trace": [step.as_dict() for step in self.trace],
            "comparison": self.comparison.as_dict() if self.comparison else None,
            "unverified": self.unverified,
            "unverified_message": self.unverified_message,
            "unverified_rules": list(self.unverified_rules),
            "rules_applied": list(self.rules_applied),
            "discretionary": self.discretionary,
            "detention_executable": self.detention_executable,
            "limitation_expired": self.limitation_expired,
        }


def severity(outcome: str, penalties: tuple[Penalty, ...]) -> tuple[int, ...]:
    """Return the key by which one recommendation is lighter than another (smaller = lighter).

    (penalised?, longest detention imposable, highest fine imposable, heaviest other kind,
    shortest detention that must be imposed, lowest fine that must be imposed).
    """
    if outcome == "no_penalty":
        return (0, 0, 0, 0, 0, 0)
    detention_max = fine_max = other = detention_min = fine_min = 0
    for p in penalties:
        if p.kind == "detention":
            detention_max = max(detention_max, p.max or 0)
            if p.mode == "required":
                detention_min = max(detention_min, p.min or 0)
        elif p.kind == "fine":
            fine_max = max(fine_max, p.max or 0)
            if p.mode == "required":
                fine_min = max(fine_min, p.min or 0)
        else:
            other = max(other, KIND_SEVERITY[p.kind])
    return (1, detention_max, fine_max, other, detention_min, fine_min)


# --------------------------------------------------------------------------- deciding


def decide(
    offence_code: str,
    facts: dict[str, Any],
    act_date: dt.date,
    decision_date: dt.date,
    *,
    confirmed: frozenset[str] | set[str] = frozenset(),
    library: Library | None = None,
) -> Decision:
    """Return the recommended decision for OFFENCE_CODE on FACTS (see the module docstring).

    ACT_DATE is the day the act was committed (for a continuing act, the day it ended: 治安法
    第二十二条第二款); DECISION_DATE the day of the decision. CONFIRMED holds the
    ``Rule.confirmation_key`` of the rules a legal officer confirmed; an unverified rule not in
    it makes the decision ``unverified``. Raises ``InvalidFacts`` (with ``field``) on bad input.
    """
    lib = library or load_library()
    packs = lib.versions.get(offence_code)
    if not packs:
        raise UnknownOffence(
            _("未知的违法行为代码“%(code)s”；可用 fazhi discretion offences 查看。")
            % {"code": offence_code},
            field="offence",
        )
    if decision_date < act_date:
        raise InvalidFacts(
            _("决定日期 %(decision)s 早于违法行为发生日期 %(act)s。")
            % {"decision": decision_date, "act": act_date},
            field="decision_date",
        )
    series = lib.series[packs[0].series]
    act_pack = _in_force(series, act_date)
    if act_pack is None:
        raise InvalidFacts(
            _("%(date)s 没有施行中的“%(series)s”裁量基准版本。")
            % {"date": act_date, "series": packs[0].series},
            field="act_date",
        )
    decision_pack = _in_force(series, decision_date)
    known: set[str] = set()  # a fact of any version is accepted; each version reads its own
    for pack in packs:
        known.update(pack.offences[offence_code].facts)
    unknown = sorted(set(facts) - known)
    if unknown:
        raise InvalidFacts(
            _("未知的事实“%(name)s”；%(code)s 的事实有：%(known)s。")
            % {"name": unknown[0], "code": offence_code, "known": ", ".join(sorted(known))},
            field=unknown[0],
        )
    if offence_code not in act_pack.offences:
        return _not_an_offence(offence_code, act_pack, act_pack, "act", confirmed)
    if decision_pack is None or decision_pack is act_pack:
        result = _evaluate(act_pack.offences[offence_code], facts, act_date)
        if decision_pack is None:
            note = TraceStep(
                "",
                transition_basis(act_pack),
                "compare",
                f"no version of series '{act_pack.series}' is in force on {decision_date}: "
                f"the act-date version {act_pack.version} applies",
            )
            result = replace(result, trace=(*result.trace, note))
        return _decision(act_pack.offences[offence_code], result, None, (result,), confirmed)
    if offence_code not in decision_pack.offences:
        return _not_an_offence(offence_code, act_pack, decision_pack, "decision", confirmed)
    old = _evaluate(act_pack.offences[offence_code], facts, act_date)
    new = _evaluate(decision_pack.offences[offence_code], facts, act_date)
    old_key, new_key = old.severity(), new.severity()
    lighter = "decision" if new_key < old_key else "act" if old_key < new_key else "equal"
    chosen = new if lighter == "decision" else old
    comparison = Comparison(old, new, lighter, chosen.version, transition_basis(decision_pack))
    offence = (decision_pack if chosen is new else act_pack).offences[offence_code]
    return _decision(offence, chosen, comparison, (old, new), confirmed)


def _in_force(series: tuple[Pack, ...], day: dt.date) -> Pack | None:
    for pack in series:
        if pack.in_force_on(day):
            return pack
    return None


def _step(rule: Rule, effect: str, detail: str = "") -> TraceStep:
    return TraceStep(rule.key, rule.citation, effect, detail, rule.unverified, rule.benchmark)


def _values(offence: Offence, facts: dict[str, Any], act_date: dt.date) -> dict[str, Any]:
    """Return the typed fact values of FACTS for OFFENCE, with defaults and derived facts."""
    values: dict[str, Any] = {}
    declared: dict[str, Fact] = offence.facts
    for name, fact in declared.items():
        if name in facts and facts[name] is not None:
            try:
                values[name] = coerce_fact(fact, facts[name])
            except ValueError as exc:
                raise InvalidFacts(
                    _("事实“%(name)s”的值无效：%(why)s") % {"name": name, "why": exc}, field=name
                ) from None
        elif fact.required:
            raise InvalidFacts(
                _("缺少必填事实“%(name)s”（%(label)s）。") % {"name": name, "label": fact.label},
                field=name,
            )
        elif fact.default is not None:
            values[name] = fact.default
    birth = values.get("offender_birth_date")
    if values.get("organisation"):
        if birth is not None:
            raise InvalidFacts(
                _("单位没有出生日期：请不要填写 offender_birth_date。"), field="offender_birth_date"
            )
    elif birth is None:
        raise InvalidFacts(
            _("违法行为人为自然人时必须填写出生日期 offender_birth_date（用于认定年龄）。"),
            field="offender_birth_date",
        )
    elif birth > act_date:
        raise InvalidFacts(_("出生日期晚于违法行为发生日期。"), field="offender_birth_date")
    else:
        values["age"] = age_on(birth, act_date)  # 周岁, from the day after the birthday
    discovered = values.get("discovered_on")
    if discovered is not None and discovered < act_date:
        raise InvalidFacts(_("发现日期早于违法行为发生日期。"), field="discovered_on")
    values["act_date"] = act_date
    return values


def _evaluate(offence: Offence, facts: dict[str, Any], act_date: dt.date) -> VersionResult:
    pack = offence.pack
    values = _values(offence, facts, act_date)
    trace = [_step(offence.rule, "offence", offence.name)]
    rules: list[Rule] = [offence.rule]
    fired: list[str] = []

    def no_penalty(
        effect: str, *, discretionary: bool = False, expired: bool = False
    ) -> VersionResult:
        return VersionResult(
            pack.name, pack.version, "no_penalty", tier_name, (), tuple(trace), tuple(rules),
            tuple(fired), discretionary, None, expired,
        )  # fmt: skip

    tier_name = None
    limitation = pack.limitation
    discovered = values.get("discovered_on")
    if discovered is None:
        trace.append(_step(limitation.rule, "not_checked", "discovered_on not given"))
    else:
        months = limitation.months
        if limitation.extended_when is not None and limitation.extended_when(values):
            months = limitation.extended_months or months
        ends = add_months(act_date, months)
        rules.append(limitation.rule)
        if discovered > ends:
            trace.append(
                _step(limitation.rule, "no_penalty", f"discovered {discovered} after {ends}")
            )
            return no_penalty("limitation", expired=True)
        trace.append(
            _step(limitation.rule, "within_limitation", f"discovered {discovered} by {ends}")
        )

    tier = next(t for t in offence.tiers if t.when(values))
    tier_name = tier.name
    values["tier_rank"] = tier.rank
    trace.append(_step(tier.rule, "tier", tier.name))
    rules.append(tier.rule)

    reduce = lighter = heavier = drop_detention = not_executed = False
    for general in (*pack.general_rules, *offence.rules):
        if not general.when(values):
            continue
        rule = general.rule
        rules.append(rule)
        fired.append(rule.id)
        effect = general.effect
        if effect == "refuse":
            raise InvalidFacts(general.message, field=general.field)
        trace.append(_step(rule, effect, rule.note))
        if effect == "no_penalty":
            return no_penalty(effect)
        if effect == "may_no_penalty":
            return no_penalty(effect, discretionary=True)
        if effect == "reduce":
            reduce = True
        elif effect == "lighter":
            lighter = True
        elif effect == "heavier":
            heavier = True
        elif effect == "drop_detention":
            drop_detention = True
        elif effect == "detention_not_executed":
            not_executed = True

    source: tuple[PenaltyRule, ...] = tier.penalties
    below_minimum = False
    if reduce:
        if tier.reduce_to is not None and tier.reduce_to >= 0:
            lower = offence.tiers[tier.reduce_to]
            source = lower.penalties
            trace.append(_step(lower.rule, "reduced_to", lower.name))
            rules.append(lower.rule)
        elif tier.reduce_to is None and has_minimum(tier.penalties):
            below_minimum = True
            trace.append(_step(tier.rule, "reduced_to", "below the minimum (在法定最低限以下)"))
        else:
            source = offence.reduced
            trace.append(_step(offence.reduced_rule, "reduced_to", "减轻"))
            rules.append(offence.reduced_rule)
    penalties = [_penalty(p, values) for p in source if p.when is None or p.when(values)]
    if below_minimum:
        penalties = [_below_minimum(p) for p in penalties]
    if drop_detention:
        penalties = [p for p in penalties if p.kind != "detention"]
    if sum(p.mode == "alternative" for p in penalties) == 1:
        penalties = [
            Penalty(p.kind, p.min, p.max, p.unit, "required") if p.mode == "alternative" else p
            for p in penalties
        ]
    if lighter and heavier:
        trace.append(TraceStep("", "", "offset", "从轻与从重情节并存，相互抵消，在全幅度内裁量"))
    elif lighter:
        penalties = [_half(p, lower=True) for p in penalties]
    elif heavier:
        penalties = [_half(p, lower=False) for p in penalties]
    has_detention = any(p.kind == "detention" for p in penalties)
    executable = (not not_executed) if has_detention else None
    return VersionResult(
        pack.name,
        pack.version,
        "penalty",
        tier.name,
        tuple(penalties),
        tuple(trace),
        tuple(rules),
        tuple(fired),
        False,
        executable,
        False,
    )


def _penalty(rule: PenaltyRule, values: dict[str, Any]) -> Penalty:
    if rule.kind not in RANGED:
        return Penalty(rule.kind, None, None, None, rule.mode)
    low = rule.min.value(values, upper=False)
    high = rule.max.value(values, upper=True)
    return Penalty(rule.kind, low, max(low, high), UNITS[rule.kind], rule.mode)


def _below_minimum(p: Penalty) -> Penalty:
    """Return P's range moved below its minimum (减轻): [floor, minimum − 1], if it has one."""
    if p.kind not in ("fine", "detention") or p.min is None or p.min <= FLOORS[p.kind]:
        return p
    return Penalty(p.kind, FLOORS[p.kind], p.min - 1, p.unit, p.mode)


def _half(p: Penalty, *, lower: bool) -> Penalty:
    """Return the lower (从轻) or upper (从重) half of P's range (the bureau's convention)."""
    if p.min is None or p.max is None or p.kind == "confiscation":
        return p
    half = (p.max - p.min) // 2
    if lower:
        return Penalty(p.kind, p.min, p.min + half, p.unit, p.mode)
    return Penalty(p.kind, p.max - half, p.max, p.unit, p.mode)


def _decision(
    offence: Offence,
    result: VersionResult,
    comparison: Comparison | None,
    evaluated: tuple[VersionResult, ...],
    confirmed: frozenset[str] | set[str],
) -> Decision:
    trace = list(result.trace)
    if comparison is not None:
        trace.append(
            TraceStep(
                "",
                comparison.basis,
                "compare",
                f"act-date version {comparison.act.version} {list(comparison.act.severity())} / "
                f"decision-date version {comparison.decision.version} "
                f"{list(comparison.decision.severity())}: lighter = {comparison.lighter}, "
                f"applied {comparison.applied}",
            )
        )
    basis: list[str] = []
    for rule in result.rules:
        if rule.citation not in basis:
            basis.append(rule.citation)
    if comparison is not None:
        basis.append(comparison.basis)
    unverified: list[str] = []
    for version in evaluated:
        for rule in version.rules:
            if (
                rule.unverified
                and rule.confirmation_key not in confirmed
                and rule.key not in unverified
            ):
                unverified.append(rule.key)
    pack = offence.pack
    return Decision(
        offence=offence.code,
        offence_name=offence.name,
        law=pack.law,
        version_applied=result.version,
        pack=pack.name,
        outcome=result.outcome,
        penalties=result.penalties,
        tier=result.tier,
        basis=tuple(basis),
        trace=tuple(trace),
        comparison=comparison,
        unverified_rules=tuple(unverified),
        rules_applied=result.rules_applied,
        discretionary=result.discretionary,
        detention_executable=result.detention_executable,
        limitation_expired=result.limitation_expired,
    )


def _not_an_offence(
    code: str, act_pack: Pack, version: Pack, which: str, confirmed: frozenset[str] | set[str]
) -> Decision:
    """Return no_penalty: the act is not punished by the version in force at WHICH date."""
    detail = f"{version.law} {version.version} does not punish {code}" + (
        " at the act date" if which == "act" else " at the decision date"
    )
    step = TraceStep("", transition_basis(version), "no_penalty", detail)
    name = next((p.offences[code].name for p in (act_pack, version) if code in p.offences), code)
    return Decision(
        offence=code,
        offence_name=name,
        law=version.law,
        version_applied=version.version,
        pack=version.name,
        outcome="no_penalty",
        penalties=(),
        tier=None,
        basis=(transition_basis(version),),
        trace=(step,),
        comparison=None,
        unverified_rules=(f"{version.name}#series",) if version.unverified else (),
        rules_applied=(),
    )


def offences(library: Library | None = None) -> list[dict[str, Any]]:
    """Return every offence code with its name, versions and facts (the newest version's)."""
    lib = library or load_library()
    listing = []
    for code in lib.offence_codes():
        packs = lib.versions[code]
        latest = packs[-1].offences[code]
        listing.append(
            {
                "code": code,
                "name": latest.name,
                "law": packs[-1].law,
                "items": list(latest.items),
                "versions": [
                    {
                        "version": p.version,
                        "pack": p.name,
                        "effective_from": p.effective_from.isoformat(),
                        "effective_to": p.effective_to.isoformat() if p.effective_to else None,
                        "unverified": p.unverified or p.offences[code].rule.unverified,
                    }
                    for p in packs
                ],
                "facts": [
                    fact.as_dict()
                    for name, fact in _facts_of_all_versions(packs, code).items()
                    if name not in ("act_date",)
                ],
            }
        )
    return listing


def _facts_of_all_versions(packs: tuple[Pack, ...], code: str) -> dict[str, Fact]:
    merged: dict[str, Fact] = {}
    for pack in reversed(packs):
        for name, fact in pack.offences[code].facts.items():
            merged.setdefault(name, fact)
    return merged

"""The qualification-exam rules (rules/training/*.yaml): who may sit which level, the pass mark,
how long a qualification granted by passing stays valid, and the training warnings' rules.

One pack kind (``training``) on the one loader (fazhi.core.rulepacks, ADR 0013). The numbers are
the bureau's practice, not law (rules/training/qualification.yaml says why each is unverified);
the code only applies them:

- ``eligibility(level_rule, facts, renewal_window_days)`` — every reason a candidate may not sit;
- ``validity(level_rule, published_on)`` — granted the day after publication, valid for
  ``validity_years`` years, until the day before the anniversary;
- ``passes(level_rule, score, full)`` — the pass mark is a percentage of the paper's full marks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from fazhi.core.rulepacks import (
    Basis,
    ExampleResult,
    PackHeader,
    Strict,
    expect_of,
    line_of,
    load_file,
    read_yaml,
)
from fazhi.core.rulepacks import registry as pack_registry
from fazhi.core.warnings import Escalation, WarningLevel

KIND = "training"


class LevelRule(Strict):
    """What one qualification level asks of a candidate and gives to one who passes."""

    level: int = Field(ge=1, le=3)
    name: str = Field(min_length=1)
    pass_mark: Decimal = Field(gt=0, le=100)  # % of the paper's full marks
    validity_years: int = Field(ge=1, le=10)
    service_years: int = Field(ge=0, le=40)  # years since joining the police (从警年限)
    lower_level: int | None = Field(default=None, ge=1, le=3)  # a lower level that must be held
    lower_held_years: int = Field(default=0, ge=0, le=20)  # … for at least this many years
    basis: Basis
    unverified: bool = False

    @model_validator(mode="after")
    def _lower_is_lower(self) -> LevelRule:
        if self.lower_level is not None and self.lower_level >= self.level:
            raise ValueError(f"lower_level {self.lower_level} is not below level {self.level}")
        return self


class ExpiringWithin(Strict):
    """The qualification is in force and expires within DAYS days (the officer pages' 即将到期)."""

    type: Literal["expiring_within"]
    days: int = Field(ge=1, le=366)


class Expired(Strict):
    """A level is recorded but its validity ended before today: the officer may not act."""

    type: Literal["expired"]


class BehindPlan(Strict):
    """A course of the officer's unit plan was due before today and is not completed."""

    type: Literal["behind_plan"]


Condition = Annotated[ExpiringWithin | Expired | BehindPlan, Field(discriminator="type")]


class WarningRule(Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")
    name: str
    level: WarningLevel
    condition: Condition
    basis: Basis
    unverified: bool = False
    escalation: Escalation = Escalation()


class TrainingPack(PackHeader):
    """A training rules file: the header, the levels, the renewal window and the warnings."""

    renewal_window_days: int = Field(default=180, ge=0, le=730)
    levels: tuple[LevelRule, ...] = Field(min_length=1)
    warnings: tuple[WarningRule, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> TrainingPack:
        levels = [rule.level for rule in self.levels]
        if len(set(levels)) != len(levels):
            raise ValueError("a level appears twice")
        codes = [rule.code for rule in self.warnings]
        if len(set(codes)) != len(codes):
            raise ValueError("a warning rule code appears twice")
        return self

    def level(self, level: int) -> LevelRule:
        for rule in self.levels:
            if rule.level == level:
                return rule
        raise LookupError(f"no rule for qualification level {level} in pack {self.id}")


def load_pack(path: Path) -> TrainingPack:
    """Return the validated pack of PATH, or raise RulePackError naming file, line and rule."""
    return load_file(path, TrainingPack, what="a training rules file")[0]


class NoRulesInForce(LookupError):
    pass


def pack_on(day: dt.date) -> TrainingPack:
    """The training rules in force on DAY (the latest edition if several)."""
    found = pack_registry.in_force(KIND, day)
    if not found:
        raise NoRulesInForce(_("%(day)s 没有施行中的执法资格考试规则。") % {"day": day})
    latest: TrainingPack = sorted(found, key=lambda p: p.effective_from)[-1]
    return latest


# --- eligibility ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateFacts:
    """What eligibility reads of an officer, on the exam's first day."""

    on: dt.date
    joined_on: dt.date | None = None  # 参加公安工作时间; None: not recorded
    held_level: int | None = None
    held_granted_on: dt.date | None = None
    held_expires_on: dt.date | None = None

    def holds_on(self, day: dt.date) -> bool:
        return (
            self.held_level is not None
            and self.held_granted_on is not None
            and self.held_expires_on is not None
            and self.held_granted_on <= day <= self.held_expires_on
        )


@dataclass(frozen=True)
class Refusal:
    code: str  # service_unknown, service_years, lower_level, lower_years, already_held
    message: str


def years_between(start: dt.date, end: dt.date) -> int:
    """Whole years from START to END (a birthday-style count)."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def add_years(day: dt.date, years: int) -> dt.date:
    """DAY moved by YEARS years; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def eligibility(rule: LevelRule, facts: CandidateFacts, renewal_window_days: int) -> list[Refusal]:
    """Return every reason the officer of FACTS may not sit RULE's level (empty: eligible)."""
    refusals: list[Refusal] = []
    names = {"level": rule.name}
    if rule.service_years:
        if facts.joined_on is None:
            refusals.append(
                Refusal("service_unknown", _("未登记参加公安工作时间，无法核对从警年限。"))
            )
        elif years_between(facts.joined_on, facts.on) < rule.service_years:
            refusals.append(
                Refusal(
                    "service_years",
                    _("报考%(level)s须从警满%(years)s年，现为%(have)s年。")
                    % {
                        **names,
                        "years": rule.service_years,
                        "have": years_between(facts.joined_on, facts.on),
                    },
                )
            )
    renewal = facts.held_level == rule.level and (
        not facts.holds_on(facts.on)
        or (
            facts.held_expires_on is not None
            and facts.held_expires_on < facts.on + dt.timedelta(days=renewal_window_days)
        )
    )
    held = facts.held_level
    if held is not None and held >= rule.level and facts.holds_on(facts.on) and not renewal:
        refusals.append(
            Refusal(
                "already_held",
                _("已持有有效的%(held)s执法资格，到期前%(days)s日内方可报考同级续期。")
                % {"held": _level_name(held), "days": renewal_window_days},
            )
        )
        return refusals
    if rule.lower_level is not None and not renewal:
        has_lower = held is not None and held >= rule.lower_level
        if not (has_lower and facts.holds_on(facts.on)):
            refusals.append(
                Refusal(
                    "lower_level",
                    _("报考%(level)s须持有有效的%(lower)s执法资格。")
                    % {**names, "lower": _level_name(rule.lower_level)},
                )
            )
        elif (
            facts.held_granted_on is not None
            and years_between(facts.held_granted_on, facts.on) < rule.lower_held_years
        ):
            refusals.append(
                Refusal(
                    "lower_years",
                    _("报考%(level)s须持有%(lower)s执法资格满%(years)s年。")
                    % {
                        **names,
                        "lower": _level_name(rule.lower_level),
                        "years": rule.lower_held_years,
                    },
                )
            )
    return refusals


def _level_name(level: int) -> str:
    from fazhi.org.models import QualificationLevel

    return str(QualificationLevel(level).label)


def validity(rule: LevelRule, published_on: dt.date) -> tuple[dt.date, dt.date]:
    """Return (granted_on, expires_on) of a qualification passed in results published on
    PUBLISHED_ON: in force from the next day, until the day before the VALIDITY_YEARS-th
    anniversary (both days included, as the officer record reads them)."""
    granted = published_on + dt.timedelta(days=1)
    return granted, add_years(granted, rule.validity_years) - dt.timedelta(days=1)


def passes(rule: LevelRule, score: Decimal, full: Decimal) -> bool:
    """Whether SCORE out of FULL reaches the pass mark (a % of full marks)."""
    return full > 0 and score * 100 >= rule.pass_mark * full


# --- the file's examples ----------------------------------------------------------------------


def _day(value: Any) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value))


def _run_one(pack: TrainingPack, given: dict[str, Any]) -> dict[str, Any]:
    check = given.get("check")
    if check == "eligibility":
        on = _day(given["day"])
        if on is None:
            raise ValueError("day needs a day")
        facts = CandidateFacts(
            on=on,
            joined_on=_day(given.get("joined_on")),
            held_level=given.get("held_level"),
            held_granted_on=_day(given.get("held_granted_on")),
            held_expires_on=_day(given.get("held_expires_on")),
        )
        refusals = eligibility(pack.level(int(given["level"])), facts, pack.renewal_window_days)
        return {"eligible": not refusals, "reasons": [r.code for r in refusals]}
    if check == "validity":
        published = _day(given["published_on"])
        if published is None:
            raise ValueError("published_on needs a day")
        granted, expires = validity(pack.level(int(given["level"])), published)
        return {"granted_on": granted, "expires_on": expires}
    if check == "pass":
        rule = pack.level(int(given["level"]))
        return {"passed": passes(rule, Decimal(str(given["score"])), Decimal(str(given["full"])))}
    if check == "warning":
        from fazhi.training.alerts import open_rules_for_example

        return {"open": sorted(open_rules_for_example(pack, given))}
    raise ValueError(f"check {check!r} is not one of eligibility, validity, pass, warning")


def run_examples(path: Path) -> list[ExampleResult]:
    """Run the file's examples through the same functions the exams and the warnings use."""
    pack = load_pack(path)
    results = []
    for index, raw in enumerate(read_yaml(path).get("examples") or []):
        name, given, expect = expect_of(path, raw, index)
        try:
            got = _run_one(pack, given)
        except (KeyError, ValueError, TypeError, LookupError) as error:
            results.append(ExampleResult(path.name, name, False, f"given: {error}"))
            continue
        problems = []
        for key, wanted in expect.items():
            have = got.get(key)
            if key in ("reasons", "open"):
                wanted = sorted(wanted or [])
            if have != wanted:
                problems.append(f"{key}: expected {wanted}, got {have}")
        detail = f"line {line_of(raw, [])}: {'; '.join(problems)}" if problems else ""
        results.append(ExampleResult(path.name, name, not problems, detail))
    return results


def count_rules(pack: TrainingPack) -> int:
    return len(pack.levels) + len(pack.warnings)

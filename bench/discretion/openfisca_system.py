"""The same rules in OpenFisca-core: 殴打他人 (za.beat) and 盗窃等 (za.property) under the 2012
text of 治安管理处罚法 (rules/discretion/zaglcff-2012.yaml), as a small tax-benefit system.

Hand-written from the pack (OpenFisca cannot read it): the limitation period, the two
offences' tiers, the general rules the population can trigger (不满十四周岁, 精神病人, 无主观
过错, 轻微不罚, 首违不罚, the 减轻 grounds of 第十九条 and 已满十四不满十八初次违法, 从轻 for
minors and blind or deaf-mute people, 从重 of 第二十条) and the ranges, with the same 减轻 /
从轻 / 从重 arithmetic. bench/discretion/run.py checks that it gives the same ranges as
fazhi.discretion.batch on the whole population before it times anything.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.periods import DateUnit
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

from fazhi.discretion.batch import add_months

Person = build_entity(key="person", plural="persons", label="违法行为人", is_person=True)
BOOL_INPUTS = (
    "is_beat",
    "has_discovered",
    "has_last_penalised",
    "first_violation",
    "corrected_promptly",
    "voluntary_surrender",
    "coerced_or_induced",
    "mental_illness_no_control",
    "no_fault_proven",
    "victim_forgave_after_remedy",
    "meritorious_service",
    "blind_or_deaf_mute",
    "instigated_others",
    "retaliation",
    "pregnant_or_nursing_infant",
    "in_group",
    "vulnerable_victim",
    "repeated_or_several_victims",
    "relief_goods",
)


def _variable(name: str, kind, formula=None) -> type[Variable]:
    attributes = {
        "value_type": kind,
        "entity": Person,
        "definition_period": DateUnit.YEAR,
        "label": name,
    }
    if formula is not None:
        attributes["formula"] = formula
    return type(name, (Variable,), attributes)


def _days(person, name, period):
    return person(name, period).astype("M8[D]").view(np.int64)


def age(person, period):
    birth = person("birth_date", period).astype("M8[D]")
    act = person("act_date", period).astype("M8[D]")
    years = act.astype("M8[Y]").view(np.int64) - birth.astype("M8[Y]").view(np.int64)

    def month_day(d):
        month = d.astype("M8[M]")
        return (month.view(np.int64) % 12) * 100 + (d - month.astype("M8[D]")).view(np.int64)

    # 周岁 from the day after the birthday (ADR 0015), as fazhi.core.age.age_on.
    return np.maximum(years - (month_day(act) <= month_day(birth)), 0)


def expired(person, period):  # 第二十二条: six months
    act = _days(person, "act_date", period)
    return person("has_discovered", period) & (
        _days(person, "discovered_on", period) > add_months(act, 6)
    )


def tier(person, period):
    beat = person("is_beat", period)
    injury = person("injury", period)
    aggravated = (
        person("in_group", period)
        | person("vulnerable_victim", period)
        | person("repeated_or_several_victims", period)
    )
    beat_tier = np.where(aggravated, 2, np.where(injury == 2, 1, 0))
    heavy = (person("amount", period) >= 500) | person("relief_goods", period)
    return np.where(beat, beat_tier, heavy.astype(np.int64))


def no_penalty(person, period):
    a = person("age", period)
    return (
        person("expired", period)
        | (a < 14)
        | person("mental_illness_no_control", period)
        | person("no_fault_proven", period)
        | ((person("harm", period) == 0) & person("corrected_promptly", period) & (person("tier", period) == 0))
        | person("may_no_penalty", period)
    )  # fmt: skip


def may_no_penalty(person, period):
    return (
        person("first_violation", period)
        & (person("harm", period) <= 1)
        & person("corrected_promptly", period)
        & (person("tier", period) == 0)
    )


def minor(person, period):
    a = person("age", period)
    return (a >= 14) & (a < 18)


def reduce(person, period):
    return (
        person("coerced_or_induced", period)
        | person("voluntary_surrender", period)
        | person("victim_forgave_after_remedy", period)
        | person("meritorious_service", period)
        | (person("minor", period) & person("first_violation", period))
    )


def lighter(person, period):
    return person("minor", period) | person("blind_or_deaf_mute", period)


def heavier(person, period):
    act = _days(person, "act_date", period)
    last = _days(person, "last_penalised_on", period)
    recent = person("has_last_penalised", period) & (last <= act) & (act <= add_months(last, 6))
    return (
        (person("harm", period) == 3)
        | person("instigated_others", period)
        | person("retaliation", period)
        | recent
    )


def _ranges(person, period):
    """Return (detention min, max, fine min, max) before 从轻/从重: the tier, or 减轻."""
    beat = person("is_beat", period)
    t = person("tier", period)
    r = person("reduce", period)
    # za.beat: 拘留1-5或罚款0-500 / 拘留5-10并罚200-500 / 拘留10-15并罚500-1000;
    # 减轻: the lightest tier has no minimum -> 警告或罚款0-200 (no detention); the others go
    # below their minimum.
    beat_det = np.select([t == 0, t == 1], [1, 5], 10), np.select([t == 0, t == 1], [5, 10], 15)
    beat_fine = (
        np.select([t == 0, t == 1], [0, 200], 500),
        np.select([t == 0, t == 1], [500, 500], 1000),
    )
    # za.property: 拘留5-10可并罚0-500 / 拘留10-15可并罚0-1000; 减轻 goes below the minimum.
    prop_det = np.where(t == 0, 5, 10), np.where(t == 0, 10, 15)
    prop_fine = np.zeros_like(t), np.where(t == 0, 500, 1000)
    det_lo = np.where(beat, beat_det[0], prop_det[0])
    det_hi = np.where(beat, beat_det[1], prop_det[1])
    fine_lo = np.where(beat, beat_fine[0], prop_fine[0])
    fine_hi = np.where(beat, beat_fine[1], prop_fine[1])
    has_det = ~(beat & r & (t == 0))
    below = r & ~(beat & (t == 0))
    det_moved = below & (det_lo > 1)
    det_hi = np.where(det_moved, det_lo - 1, det_hi)
    det_lo = np.where(det_moved, 1, det_lo)
    fine_moved = below & (fine_lo > 0)
    fine_hi = np.where(fine_moved, fine_lo - 1, fine_hi)
    fine_lo = np.where(fine_moved, 0, fine_lo)
    fine_hi = np.where(beat & r & (t == 0), 200, fine_hi)
    return det_lo, det_hi, fine_lo, fine_hi, has_det


def _half(low, high, person, period):
    light = person("lighter", period)
    heavy = person("heavier", period)
    half = (high - low) // 2
    lo = np.where(heavy & ~light, high - half, low)
    hi = np.where(light & ~heavy, low + half, high)
    return lo, hi


def detention_min(person, period):
    d_lo, d_hi, *_, has = _ranges(person, period)
    return np.where(person("penalised", period) & has, _half(d_lo, d_hi, person, period)[0], -1)


def detention_max(person, period):
    d_lo, d_hi, *_, has = _ranges(person, period)
    return np.where(person("penalised", period) & has, _half(d_lo, d_hi, person, period)[1], -1)


def fine_min(person, period):
    _, _, f_lo, f_hi, _ = _ranges(person, period)
    return np.where(person("penalised", period), _half(f_lo, f_hi, person, period)[0], -1)


def fine_max(person, period):
    _, _, f_lo, f_hi, _ = _ranges(person, period)
    return np.where(person("penalised", period), _half(f_lo, f_hi, person, period)[1], -1)


def penalised(person, period):
    return ~person("no_penalty", period)


class DiscretionSystem(TaxBenefitSystem):
    def __init__(self) -> None:
        super().__init__([Person])
        for name in BOOL_INPUTS:
            self.add_variable(_variable(name, bool))
        for name in ("act_date", "birth_date", "discovered_on", "last_penalised_on"):
            self.add_variable(_variable(name, dt.date))
        for name in ("harm", "injury"):
            self.add_variable(_variable(name, int))
        self.add_variable(_variable("amount", float))
        for name, kind, formula in (
            ("age", int, age),
            ("expired", bool, expired),
            ("tier", int, tier),
            ("may_no_penalty", bool, may_no_penalty),
            ("no_penalty", bool, no_penalty),
            ("minor", bool, minor),
            ("reduce", bool, reduce),
            ("lighter", bool, lighter),
            ("heavier", bool, heavier),
            ("penalised", bool, penalised),
            ("detention_min", int, detention_min),
            ("detention_max", int, detention_max),
            ("fine_min", int, fine_min),
            ("fine_max", int, fine_max),
        ):
            self.add_variable(_variable(name, kind, formula))

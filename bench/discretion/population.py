"""The benchmark population: N people who committed 殴打他人 (za.beat) or a property offence
(za.property) in 2025 and were decided in 2025 (one version of the law: zaglcff-2012). Enums and the offence code are Categorical columns
(integer codes), as OpenFisca reads them.

Deterministic (numpy's PCG64 with a fixed seed), held as columns in the encoding of
fazhi.discretion.batch. ``codes()`` gives the integer codes the OpenFisca system reads.
"""

from __future__ import annotations

import numpy as np

from fazhi.discretion.batch import Categorical

SEED = 5
HARM = ("none", "minor", "ordinary", "serious")
INJURY = ("none", "below_minor", "minor")
BOOLS = {  # fact: share of people for whom it is true
    "first_violation": 0.4,
    "corrected_promptly": 0.3,
    "voluntary_surrender": 0.08,
    "coerced_or_induced": 0.02,
    "mental_illness_no_control": 0.005,
    "no_fault_proven": 0.005,
    "victim_forgave_after_remedy": 0.1,
    "meritorious_service": 0.01,
    "blind_or_deaf_mute": 0.003,
    "instigated_others": 0.03,
    "retaliation": 0.01,
    "pregnant_or_nursing_infant": 0.01,
    "in_group": 0.1,
    "vulnerable_victim": 0.05,
    "repeated_or_several_victims": 0.05,
    "relief_goods": 0.02,
}
BEAT_ONLY = ("injury", "in_group", "vulnerable_victim", "repeated_or_several_victims")
PROPERTY_ONLY = ("amount", "relief_goods")


def generate(n: int) -> dict:
    """Return {"offence", "act_date", "decision_date", "facts": {name: column}} for N people."""
    rng = np.random.Generator(np.random.PCG64(SEED))
    beat = rng.random(n) < 0.5
    act = np.datetime64("2025-01-01") + rng.integers(0, 300, n).astype("m8[D]")
    decided = act + rng.integers(0, 60, n).astype("m8[D]")
    birth = act - rng.integers(12 * 366, 80 * 365, n).astype("m8[D]")
    facts: dict[str, np.ndarray] = {
        "offender_birth_date": birth,
        "harm": Categorical(rng.choice(4, n, p=[0.2, 0.5, 0.25, 0.05]), HARM),
        "injury": Categorical(np.where(beat, rng.integers(0, 3, n), -1), INJURY),
        "amount": np.where(beat, np.nan, np.round(rng.gamma(2.0, 300.0, n), 2)),
    }
    for name, share in BOOLS.items():
        value = (rng.random(n) < share).astype(np.int8)
        only = beat if name in BEAT_ONLY else ~beat if name in PROPERTY_ONLY else None
        facts[name] = value if only is None else np.where(only, value, -1).astype(np.int8)
    penalised_before = rng.random(n) < 0.15
    last = act - rng.integers(1, 700, n).astype("m8[D]")
    facts["last_penalised_on"] = np.where(penalised_before, last, np.datetime64("NaT"))
    discovered = act + rng.integers(0, 240, n).astype("m8[D]")
    facts["discovered_on"] = np.where(rng.random(n) < 0.9, discovered, np.datetime64("NaT"))
    offence = Categorical(np.where(beat, 0, 1), ("za.beat", "za.property"))
    return {"offence": offence, "act_date": act, "decision_date": decided, "facts": facts}


def codes(population: dict) -> dict[str, np.ndarray]:
    """Return the population as the OpenFisca system's inputs (enums as integer codes)."""
    facts = population["facts"]
    out = {
        "is_beat": population["offence"].codes == 0,
        "act_date": population["act_date"],
        "birth_date": facts["offender_birth_date"],
        "harm": facts["harm"].codes,
        "injury": facts["injury"].codes,
        "amount": np.nan_to_num(facts["amount"]),
        "has_discovered": ~np.isnat(facts["discovered_on"]),
        "discovered_on": np.where(np.isnat(facts["discovered_on"]),
                                  population["act_date"], facts["discovered_on"]),
        "has_last_penalised": ~np.isnat(facts["last_penalised_on"]),
        "last_penalised_on": np.where(np.isnat(facts["last_penalised_on"]),
                                      population["act_date"], facts["last_penalised_on"]),
    }  # fmt: skip
    for name in BOOLS:
        out[name] = facts[name] == 1
    return out

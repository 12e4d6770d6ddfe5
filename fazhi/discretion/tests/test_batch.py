import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fazhi.discretion.batch import (
    ERROR,
    NO_PENALTY,
    PENALTY,
    Categorical,
    add_months,
    decision_row,
    evaluate,
)
from fazhi.discretion.conditions import add_months as add_months_one
from fazhi.discretion.engine import InvalidFacts, decide
from fazhi.discretion.packs import load_library

LIB = load_library(settings.RULES_DIR)
CODES = LIB.offence_codes()
TYPES: dict[str, tuple[str, tuple[str, ...]]] = {}
for _code in CODES:
    for _pack in LIB.versions[_code]:
        for _name, _fact in _pack.offences[_code].facts.items():
            TYPES.setdefault(_name, (_fact.type, _fact.choices))
D = dt.date


def columns(cases: list[dict]) -> dict[str, np.ndarray]:
    """Return the facts of CASES as columns, "not given" where a case lacks a fact."""
    names = sorted({name for case in cases for name in case["facts"]})
    result = {}
    for name in names:
        kind, _ = TYPES[name]
        values = [case["facts"].get(name) for case in cases]
        if kind == "date":
            result[name] = np.array(
                [v if v is not None else "NaT" for v in values], dtype="datetime64[D]"
            )
        elif kind == "enum":
            result[name] = np.array(values, dtype=object)
        elif kind == "decimal":
            result[name] = np.array([np.nan if v is None else float(v) for v in values])
        else:
            result[name] = np.array([-1 if v is None else int(v) for v in values], dtype=np.int64)
    return result


def expected(case: dict) -> dict:
    try:
        return decision_row(
            decide(case["offence"], case["facts"], case["act"], case["decided"], library=LIB)
        )
    except InvalidFacts:
        return {"outcome": "error"}


def run(cases: list[dict]):
    return evaluate(
        np.array([c["offence"] for c in cases], dtype=object),
        columns(cases),
        np.array([c["act"] for c in cases], dtype="datetime64[D]"),
        np.array([c["decided"] for c in cases], dtype="datetime64[D]"),
        library=LIB,
    )


@st.composite
def a_case(draw) -> dict:
    code = draw(st.sampled_from(CODES))
    act = draw(st.dates(D(2024, 6, 1), D(2026, 12, 31)))
    decided = act + dt.timedelta(days=draw(st.integers(-3, 420)))
    names = sorted({n for p in LIB.versions[code] for n in p.offences[code].facts})
    facts: dict = {}
    organisation = draw(st.sampled_from([False] * 9 + [True]))
    if organisation:
        facts["organisation"] = True
    for name in names:
        kind, choices = TYPES[name]
        if name in ("organisation", "act_date"):
            continue
        if name == "offender_birth_date":
            if not organisation or draw(st.integers(0, 20)) == 0:
                facts[name] = draw(st.dates(D(1940, 1, 1), D(2016, 12, 31)))
            continue
        if draw(st.integers(0, 2)) == 0 and name != "harm":
            continue
        if kind == "bool":
            facts[name] = draw(st.booleans())
        elif kind == "int":
            facts[name] = draw(st.integers(0, 12))
        elif kind == "decimal":
            fen = draw(st.one_of(st.integers(0, 300_000), st.sampled_from([49_999, 50_000, 100])))
            facts[name] = str(Decimal(fen) / 100)
        elif kind == "enum":
            facts[name] = draw(st.sampled_from([*choices, *choices, "bogus"]))
        elif name == "discovered_on":
            facts[name] = act + dt.timedelta(days=draw(st.integers(-2, 2000)))
        else:
            facts[name] = act - dt.timedelta(days=draw(st.integers(-5, 800)))
    return {"offence": code, "facts": facts, "act": act, "decided": decided}


@hsettings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(a_case(), min_size=1, max_size=25))
def test_the_column_wise_evaluator_agrees_with_decide_case_by_case(cases):
    result = run(cases)

    for index, case in enumerate(cases):
        assert result.row(index, case["offence"], LIB) == expected(case), case


def test_every_example_of_every_pack_agrees_with_decide():
    cases = []
    for pack in LIB.packs:
        for example in pack.examples:
            given_ = example["given"]
            cases.append(
                {
                    "offence": given_["offence"],
                    "facts": dict(given_["facts"]),
                    "act": D.fromisoformat(str(given_["act_date"])),
                    "decided": D.fromisoformat(str(given_["decision_date"])),
                }
            )
    result = run(cases)

    mismatches = [
        c["offence"] for i, c in enumerate(cases) if result.row(i, c["offence"], LIB) != expected(c)
    ]
    assert len(cases) >= 200
    assert mismatches == []


def test_a_million_identical_cases_are_decided_without_a_loop_per_case():
    n = 1_000_000
    result = evaluate(
        "za.beat",
        {
            "harm": np.full(n, "minor", dtype=object),
            "injury": np.full(n, "minor", dtype=object),
            "offender_birth_date": np.full(n, np.datetime64("1990-05-01")),
        },
        np.datetime64("2025-03-01"),
        np.datetime64("2025-03-20"),
        library=LIB,
    )

    assert (result.outcome == PENALTY).all()
    assert (result.fine_min == 200).all()
    assert (result.fine_max == 500).all()
    assert (result.detention_max == 10).all()


def test_a_missing_required_fact_makes_only_that_case_an_error():
    result = evaluate(
        "za.property",
        {
            "harm": np.array(["minor", "minor"], dtype=object),
            "amount": np.array([300.0, np.nan]),
            "offender_birth_date": np.array(["1990-05-01", "1990-05-01"], dtype="M8[D]"),
        },
        np.datetime64("2025-03-01"),
        np.datetime64("2025-03-20"),
        library=LIB,
    )

    assert result.outcome.tolist() == [PENALTY, ERROR]


def test_first_violation_recommends_no_penalty_at_the_lightest_tier():
    result = evaluate(
        "za.beat",
        {
            "harm": np.array(["minor"], dtype=object),
            "injury": np.array(["below_minor"], dtype=object),
            "first_violation": np.array([True]),
            "corrected_promptly": np.array([True]),
            "offender_birth_date": np.array(["1990-05-01"], dtype="M8[D]"),
        },
        np.datetime64("2025-03-01"),
        np.datetime64("2025-03-20"),
        library=LIB,
    )

    assert result.outcome.tolist() == [NO_PENALTY]
    assert result.discretionary.tolist() == [True]


def test_an_unknown_fact_column_is_refused_naming_it():
    with pytest.raises(ValueError, match="unknown fact 'colour'"):
        evaluate("za.beat", {"colour": np.array([1])}, np.datetime64("2025-03-01"), "2025-03-02")


@given(st.dates(D(1990, 1, 1), D(2030, 12, 31)), st.integers(0, 72))
def test_column_add_months_is_the_engine_add_months(day, months):
    days = np.array([(day - D(1970, 1, 1)).days])

    moved = add_months(days, months)[0]

    assert D(1970, 1, 1) + dt.timedelta(days=int(moved)) == add_months_one(day, months)


def test_categorical_columns_give_the_same_result_as_strings():
    harm = np.array(["minor", "serious", "none"], dtype=object)
    injury = np.array(["minor", "below_minor", None], dtype=object)
    common = {"offender_birth_date": np.array(["1990-05-01"] * 3, dtype="M8[D]")}

    def decided(facts):
        return evaluate(
            "za.beat", {**common, **facts}, np.datetime64("2025-03-01"), "2025-03-20", library=LIB
        )

    strings = decided({"harm": harm, "injury": injury})
    codes = decided(
        {
            "harm": Categorical(np.array([1, 3, 0]), ("none", "minor", "ordinary", "serious")),
            "injury": Categorical(np.array([2, 1, -1]), ("none", "below_minor", "minor")),
        }
    )

    assert [strings.row(i, "za.beat", LIB) for i in range(3)] == [
        codes.row(i, "za.beat", LIB) for i in range(3)
    ]
    assert codes.outcome.tolist() == [PENALTY, PENALTY, ERROR]


# ------------------------------------------------- the batch is a twin of decide (ADR 0016)

THRESHOLDS = (14, 16, 18, 70)  # the ages the general layer and the packs read
SPANS = {  # act dates inside every pack's days, across 2026-01-01 (2012 → 2025 text)
    "zaglcff": (D(2025, 6, 1), D(2026, 6, 30)),
    "waterway": (D(2024, 1, 1), D(2025, 12, 31)),
    "fdxwlzpf": (D(2022, 12, 1), D(2026, 12, 31)),
}


def _birthday(birth_year_day: D, years: int) -> D:
    try:
        return birth_year_day.replace(year=birth_year_day.year - years)
    except ValueError:  # 29 February in a year without it
        return birth_year_day.replace(year=birth_year_day.year - years, day=28)


@st.composite
def a_case_at_an_age_threshold(draw) -> dict:
    """A case of any offence of any pack whose offender is a day around 14, 16, 18 or 70."""
    case = draw(a_case())
    code = case["offence"]
    first, last = SPANS[LIB.versions[code][0].series]
    act = draw(st.dates(first, last) | st.sampled_from([D(2025, 12, 31), D(2026, 1, 1)]))
    act = min(max(act, first), last)
    decided = act + dt.timedelta(days=draw(st.integers(0, 400)))
    shift = dt.timedelta(days=draw(st.integers(-1, 1)))
    birth = _birthday(act, draw(st.sampled_from(THRESHOLDS))) + shift
    if draw(st.integers(0, 9)) == 0:
        birth = draw(st.sampled_from([D(2008, 2, 29), D(2012, 2, 29), D(1956, 2, 29)]))
    facts = {k: v for k, v in case["facts"].items() if k != "organisation"}
    facts["offender_birth_date"] = birth
    for name in ("first_violation", "prior_exemption_or_conviction", "pregnant_or_nursing_infant"):
        facts[name] = draw(st.booleans())
    return {"offence": code, "facts": facts, "act": act, "decided": decided}


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(a_case_at_an_age_threshold(), min_size=1, max_size=25))
def test_the_batch_agrees_with_decide_at_the_age_thresholds_of_every_pack(cases):
    result = run(cases)

    for index, case in enumerate(cases):
        assert result.row(index, case["offence"], LIB) == expected(case), case


def test_the_threshold_cases_reach_every_pack_and_both_2012_and_2025_texts():
    packs = {pack.name for code in CODES for pack in LIB.versions[code]}
    applied: set[str] = set()
    for code in CODES:
        first, last = SPANS[LIB.versions[code][0].series]
        for act in (first, last):
            facts = {"harm": "minor", "offender_birth_date": _birthday(act, 16)}
            for name, fact in LIB.versions[code][-1].offences[code].facts.items():
                if fact.required and name not in facts:
                    facts[name] = fact.choices[0] if fact.type == "enum" else 0
            applied.add(decide(code, facts, act, act + dt.timedelta(days=5), library=LIB).pack)

    assert applied == packs

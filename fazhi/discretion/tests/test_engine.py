import datetime as dt

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fazhi.discretion.engine import InvalidFacts, UnknownOffence, decide, offences, severity
from fazhi.discretion.packs import FLOORS, load_library

D = dt.date
ADULT = {"offender_birth_date": "1990-05-01", "harm": "minor"}
LIB = load_library(settings.RULES_DIR)
MITIGATING = (
    "first_violation",
    "corrected_promptly",
    "voluntary_surrender",
    "coerced_or_induced",
    "victim_forgave_after_remedy",
    "meritorious_service",
    "remedied_harm",
    "confessed_unknown_acts",
    "blind_or_deaf_mute",
)


ACT, DECIDED = D(2025, 3, 1), D(2025, 3, 20)


def beat(facts=None, act=ACT, decided=DECIDED, **kwargs):
    return decide(
        "za.beat",
        {**ADULT, "injury": "minor", **(facts or {})},
        act,
        decided,
        library=LIB,
        **kwargs,
    )


def test_a_beating_with_minor_injury_gets_the_ordinary_range_of_article_43():
    decision = beat()
    assert (decision.outcome, decision.tier, decision.version_applied) == (
        "penalty",
        "一般",
        "2012-10-26",
    )
    assert [p.as_dict() for p in decision.penalties] == [
        {"kind": "detention", "min": 5, "max": 10, "unit": "days", "mode": "required"},
        {"kind": "fine", "min": 200, "max": 500, "unit": "yuan", "mode": "required"},
    ]
    assert decision.basis == (
        "《中华人民共和国治安管理处罚法》第四十三条",
        "《中华人民共和国治安管理处罚法》第四十三条第一款",
    )
    assert decision.unverified is False


def test_the_trace_lists_every_rule_applied_in_order_with_its_citation():
    decision = beat({"voluntary_surrender": True, "last_penalised_on": "2024-12-01"})
    assert [(s.effect, s.citation) for s in decision.trace] == [
        ("offence", "《中华人民共和国治安管理处罚法》第四十三条"),
        ("not_checked", "《中华人民共和国治安管理处罚法》第二十二条"),
        ("tier", "《中华人民共和国治安管理处罚法》第四十三条第一款"),
        ("reduce", "《中华人民共和国治安管理处罚法》第十九条第（四）项"),
        ("heavier", "《中华人民共和国治安管理处罚法》第二十条第（四）项"),
        ("reduced_to", "《中华人民共和国治安管理处罚法》第四十三条第一款"),
    ]
    assert [str(p) for p in decision.penalties] == ["detention 3-4 days", "fine 100-199 yuan"]


def test_first_violation_with_slight_harm_recommends_no_penalty_but_marks_it_discretionary():
    decision = beat({"injury": "below_minor", "first_violation": True, "corrected_promptly": True})
    assert (decision.outcome, decision.discretionary) == ("no_penalty", True)
    assert decision.rules_applied == ("first-violation",)
    assert decision.trace[-1].citation == "《中华人民共和国行政处罚法》第三十三条第一款"


def test_a_minor_violation_without_harm_promptly_corrected_must_not_be_penalised():
    decision = beat({"injury": "below_minor", "harm": "none", "corrected_promptly": True})
    assert (decision.outcome, decision.discretionary) == ("no_penalty", False)
    assert decision.rules_applied == ("minor-no-penalty",)


def test_age_is_counted_in_full_years_from_the_day_after_the_birthday():  # ADR 0015
    assert beat({"offender_birth_date": "2011-03-01"}).rules_applied == ("under-14",)
    assert "under-14" not in beat({"offender_birth_date": "2011-02-28"}).rules_applied


def test_detention_of_a_70_year_old_is_decided_but_not_executed():
    decision = beat({"offender_birth_date": "1950-01-01"})
    assert (decision.outcome, decision.detention_executable) == ("penalty", False)


def test_an_act_discovered_after_six_months_is_not_penalised():
    decision = beat({"discovered_on": "2025-09-02"})
    assert (decision.outcome, decision.limitation_expired) == ("no_penalty", True)
    assert beat({"discovered_on": "2025-09-01"}).outcome == "penalty"


def test_the_newer_version_applies_when_it_is_lighter_for_these_facts():
    decision = beat({"self_defence": "excessive"}, act=D(2025, 12, 20), decided=D(2026, 1, 10))
    assert decision.version_applied == "2025-06-27"
    assert decision.comparison.lighter == "decision"
    assert decision.comparison.act.penalties != decision.penalties
    assert decision.basis[-1] == "《中华人民共和国行政处罚法》第三十七条"
    assert decision.unverified is True
    assert decision.unverified_message == "unverified: confirm against the official text"


def test_the_act_date_version_applies_when_the_newer_one_is_heavier():
    decision = beat(
        {"last_penalised_on": "2025-04-10"}, act=D(2025, 12, 20), decided=D(2026, 1, 10)
    )
    assert (decision.version_applied, decision.comparison.lighter) == ("2012-10-26", "act")
    assert decision.comparison.decision.rules_applied == ("penalised-within-1-year",)


def test_a_confirmed_rule_is_no_longer_unverified():
    decision = beat(act=D(2026, 3, 1), decided=D(2026, 3, 2))
    assert decision.unverified_rules == ("zaglcff-2025#za.beat", "zaglcff-2025#za.beat/一般")
    pack = next(p for p in LIB.packs if p.name == "zaglcff-2025")
    keys = {r.confirmation_key for r in pack.rules() if r.id in ("za.beat", "za.beat/一般")}
    assert beat(act=D(2026, 3, 1), decided=D(2026, 3, 2), confirmed=keys).unverified is False


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"injury": "grave"}, "injury"),
        ({"colour": "red"}, "colour"),
        ({"harm": None}, "harm"),
        ({"offender_birth_date": None}, "offender_birth_date"),
        ({"first_violation": "yes"}, "first_violation"),
        ({"offender_birth_date": "1990-13-01"}, "offender_birth_date"),
        ({"discovered_on": "2025-01-01"}, "discovered_on"),
    ],
)
def test_bad_facts_raise_an_error_naming_the_fact(facts, field):
    with pytest.raises(InvalidFacts) as caught:
        beat(facts)
    assert caught.value.field == field


def test_an_unknown_offence_and_reversed_dates_are_errors_naming_the_field():
    with pytest.raises(UnknownOffence) as caught:
        decide("za.nothing", ADULT, D(2025, 1, 1), D(2025, 1, 2), library=LIB)
    assert caught.value.field == "offence"
    with pytest.raises(InvalidFacts) as caught:
        beat(act=D(2025, 3, 2), decided=D(2025, 3, 1))
    assert caught.value.field == "decision_date"


def test_offences_lists_codes_versions_and_typed_facts():
    listing = {o["code"]: o for o in offences(LIB)}
    beat_entry = listing["za.beat"]
    assert [v["version"] for v in beat_entry["versions"]] == ["2012-10-26", "2025-06-27"]
    facts = {f["name"]: f for f in beat_entry["facts"]}
    assert facts["harm"] == {
        "name": "harm",
        "type": "enum",
        "choices": ["none", "minor", "ordinary", "serious"],
        "required": True,
        "default": None,
        "label": "危害后果",
    }
    assert facts["first_violation"]["default"] is False
    assert len([c for c in listing if c.startswith("za.")]) >= 10


# ----------------------------------------------------------------------------- properties


@st.composite
def cases(draw):
    code = draw(st.sampled_from(LIB.offence_codes()))
    packs = LIB.versions[code]
    last = packs[-1].effective_to or D(2026, 6, 30)
    act = draw(st.dates(max(D(2024, 1, 1), packs[0].effective_from), min(D(2026, 6, 30), last)))
    decided = act + dt.timedelta(days=draw(st.integers(0, 200)))
    facts = {}
    for pack in packs:
        for name, fact in pack.offences[code].facts.items():
            if name in facts or name in ("organisation", "discovered_on"):
                continue
            if name == "offender_birth_date":
                age = draw(st.integers(10, 80))
                facts[name] = (act - dt.timedelta(days=int(age * 365.25) + 3)).isoformat()
            elif name == "last_penalised_on":
                if draw(st.booleans()):
                    facts[name] = (act - dt.timedelta(days=draw(st.integers(0, 500)))).isoformat()
            elif fact.type == "bool":  # mostly false, so that exemptions do not hide the rest
                facts[name] = draw(st.sampled_from((False, False, False, False, True)))
            elif fact.type == "int":
                facts[name] = draw(st.integers(0, 12))
            elif fact.type == "decimal":
                facts[name] = draw(st.integers(0, 120_000))
            elif fact.type == "enum":
                facts[name] = draw(st.sampled_from(fact.choices))
    return code, facts, act, decided


PROPERTY = hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _envelope(decision, facts):
    pack = next(p for p in LIB.packs if p.name == decision.pack)
    offence = pack.offences[decision.offence]
    values = {k: v for k, v in facts.items() if isinstance(v, int)}
    return offence.statutory, values


@PROPERTY
@given(cases())
def test_the_recommendation_stays_inside_the_statutory_range(case):
    code, facts, act, decided = case
    decision = decide(code, facts, act, decided, library=LIB)
    statutory, values = _envelope(decision, facts)
    reduced = any(step.effect == "reduced_to" for step in decision.trace)
    for p in decision.penalties:
        allowed = statutory.get(p.kind)
        if allowed is None:
            assert reduced, (p, decision.trace)
            assert p.kind == "warning"
            continue
        if p.kind in ("fine", "detention"):
            low, maxes = allowed
            assert p.min <= p.max
            assert p.min >= FLOORS[p.kind]
            assert p.max <= max(m.value(values, upper=True) for m in maxes)
            if not reduced:
                assert p.min >= low.value(values, upper=False)


@PROPERTY
@given(cases(), st.sampled_from(MITIGATING))
def test_a_mitigating_fact_never_makes_the_penalty_heavier(case, fact):
    code, facts, act, decided = case
    if fact not in facts or facts[fact]:
        return
    before = decide(code, facts, act, decided, library=LIB)
    after = decide(code, {**facts, fact: True}, act, decided, library=LIB)
    assert after.severity() <= before.severity(), (fact, before.penalties, after.penalties)


@PROPERTY
@given(cases())
def test_from_old_and_lighter_never_picks_the_heavier_version(case):
    code, facts, act, decided = case
    decision = decide(code, facts, act, decided, library=LIB)
    if decision.comparison is None:
        return
    old, new = decision.comparison.act.severity(), decision.comparison.decision.severity()
    assert decision.severity() == min(old, new)
    if old == new:
        assert decision.version_applied == decision.comparison.act.version


@PROPERTY
@given(cases())
def test_the_outcome_is_deterministic(case):
    code, facts, act, decided = case
    first = decide(code, facts, act, decided, library=LIB).to_dict()
    assert (
        decide(code, dict(reversed(list(facts.items()))), act, decided, library=LIB).to_dict()
        == first
    )


def test_severity_orders_no_penalty_below_any_penalty():
    assert severity("no_penalty", ()) < severity("penalty", ())

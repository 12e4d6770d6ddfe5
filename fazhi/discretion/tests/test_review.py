import datetime as dt

import pytest
from django.utils import translation

from fazhi.audit.models import AuditEntry
from fazhi.cases import procedure
from fazhi.cases.models import ProceduralEvent
from fazhi.cases.procedure import NewCase, NewEvent, NewParty
from fazhi.cases.tests.factories import at, clerk_for, person
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.discretion.models import DecisionReview
from fazhi.discretion.review import (
    BASIS_BENCHMARK,
    DecisionFactsInvalid,
    DecisionOutsideBenchmark,
)
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db
MINOR_INJURY = {
    "harm": "minor",
    "injury": "below_minor",
}  # za.beat 情节较轻: 拘留1-5日或罚款0-500元


def beating_case(unit, *, offence_code="za.beat", parties=None):
    """Open a 殴打他人 case (act 2025-03-03 08:00) and notify the suspect; return it."""
    actor = clerk_for(unit)
    new = NewCase(
        unit=unit,
        item=EnforcementItemFactory(levels=["district", "station"]),
        procedure="zhian-general",
        title="殴打他人",
        source="call",
        act_at=at("2025-03-03 08:00"),
        act_place="解放路12号",
        handlers=(OfficerFactory(unit=unit), OfficerFactory(unit=unit)),
        parties=parties if parties is not None else (person(),),  # born 1990-03-07
        offence_code=offence_code,
    )
    case = procedure.open_case(
        new, NewEvent("accept", at("2025-03-03 10:00")), actor=actor, at=at("2025-03-03 10:05")
    )
    procedure.record_event(
        case,
        NewEvent("notify", at("2025-03-10 10:00"), data={"proposed": "罚款"}),
        actor=actor,
        at=at("2025-03-10 10:05"),
    )
    return case, actor


def decide_case(case, actor, data, *, when="2025-03-11 10:00", corrects=None):
    return procedure.record_event(
        case,
        NewEvent(
            "decide",
            at(when),
            data=data,
            corrects=corrects,
            correction_reason="更正罚款数额" if corrects else "",
        ),
        actor=actor,
        at=at(when) + dt.timedelta(minutes=5),
    )


def test_a_decision_inside_the_range_is_recorded_with_the_recommendation(tree):
    case, actor = beating_case(tree["s1"])

    event = decide_case(case, actor, {"outcome": "penalty", "fine": 300, "facts": {**MINOR_INJURY}})

    review = DecisionReview.objects.get(event=event)
    assert (review.within_range, review.tier, review.version_applied) == (
        True,
        "情节较轻",
        "2012-10-26",
    )
    assert review.facts == {**MINOR_INJURY, "offender_birth_date": "1990-03-07"}
    assert review.recommendation["penalties"] == [
        {"kind": "detention", "min": 1, "max": 5, "unit": "days", "mode": "alternative"},
        {"kind": "fine", "min": 0, "max": 500, "unit": "yuan", "mode": "alternative"},
    ]
    assert (review.decided_fine, review.decided_detention_days) == (300, None)
    assert review.unit_id == tree["s1"].pk
    assert AuditEntry.objects.filter(action="discretion.review").count() == 1


def test_a_fine_above_the_range_without_a_reason_is_refused_with_article_34(tree):
    case, actor = beating_case(tree["s1"])

    with pytest.raises(DecisionOutsideBenchmark) as excinfo:
        decide_case(case, actor, {"outcome": "penalty", "fine": 800, "facts": MINOR_INJURY})
    with translation.override("en"), pytest.raises(DecisionOutsideBenchmark) as in_english:
        decide_case(case, actor, {"outcome": "penalty", "fine": 800, "facts": MINOR_INJURY})

    assert excinfo.value.basis == BASIS_BENCHMARK
    assert excinfo.value.field == "data.deviation_reason"
    assert "罚款0-500元（或）" in str(excinfo.value)
    assert "“偏离理由”" in str(excinfo.value)  # the field by its label, in the user's language
    assert "outside the benchmark" in str(in_english.value)
    assert "“Reason for deviation”" in str(in_english.value)
    assert ProceduralEvent.objects.filter(case=case, kind="decide").count() == 0
    assert DecisionReview.objects.count() == 0


def test_a_fine_outside_the_range_with_a_reason_is_accepted_and_flagged(tree):
    case, actor = beating_case(tree["s1"])

    event = decide_case(
        case,
        actor,
        {
            "outcome": "penalty",
            "fine": 800,
            "facts": MINOR_INJURY,
            "deviation_reason": "被侵害人系执勤保安，经集体讨论从重",
        },
    )

    review = DecisionReview.objects.get(event=event)
    assert review.within_range is False
    assert review.deviation_reason == "被侵害人系执勤保安，经集体讨论从重"


def test_no_penalty_where_a_penalty_is_recommended_is_outside_the_range(tree):
    case, actor = beating_case(tree["s1"])

    with pytest.raises(DecisionOutsideBenchmark):
        decide_case(case, actor, {"outcome": "no_penalty", "facts": MINOR_INJURY})


def test_no_penalty_for_a_first_minor_violation_corrected_promptly_is_inside(tree):
    case, actor = beating_case(tree["s1"])
    facts = {
        "harm": "minor",
        "injury": "below_minor",
        "first_violation": True,
        "corrected_promptly": True,
    }

    event = decide_case(case, actor, {"outcome": "no_penalty", "facts": facts})

    review = DecisionReview.objects.get(event=event)
    assert (review.recommended_outcome, review.within_range) == ("no_penalty", True)
    assert review.recommendation["discretionary"] is True


def test_an_organisation_suspect_is_evaluated_as_an_organisation(tree):
    company = NewParty(
        kind="organisation",
        role="suspect",
        name="某公司",
        id_type="uscc",
        id_number="91350100M000100Y43",
    )
    case, actor = beating_case(tree["s1"], parties=(company,))

    with pytest.raises(DecisionFactsInvalid) as excinfo:
        decide_case(case, actor, {"outcome": "penalty", "fine": 300, "facts": MINOR_INJURY})

    assert excinfo.value.field == "data.facts.organisation"  # 治安法第十八条: refuse


def test_missing_facts_are_refused_naming_the_fact(tree):
    case, actor = beating_case(tree["s1"])

    with pytest.raises(DecisionFactsInvalid) as excinfo:
        decide_case(case, actor, {"outcome": "penalty", "fine": 300, "facts": {"harm": "minor"}})

    assert excinfo.value.field == "data.facts.injury"


def test_a_case_without_an_offence_code_is_not_reviewed(tree):
    case, actor = beating_case(tree["s1"], offence_code="")

    decide_case(case, actor, {"outcome": "penalty", "fine": 1500})

    assert DecisionReview.objects.count() == 0


def test_a_corrected_decision_replaces_the_current_review(tree):
    case, actor = beating_case(tree["s1"])
    first = decide_case(case, actor, {"outcome": "penalty", "fine": 300, "facts": MINOR_INJURY})

    second = decide_case(
        case,
        actor,
        {"outcome": "penalty", "fine": 400, "facts": MINOR_INJURY},
        when="2025-03-12 10:00",
        corrects=first,
    )

    current = DecisionReview.objects.filter(case=case, is_current=True)
    assert [r.event_id for r in current] == [second.pk]
    assert DecisionReview.objects.get(event=first).is_current is False

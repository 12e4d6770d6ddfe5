"""The benchmark on the case pages: the offence when opening, the facts and the live range when
deciding, the refusal of an unexplained deviation, the recorded review."""

import pytest
import time_machine
from django.urls import reverse

from fazhi.cases import procedure
from fazhi.cases.models import Case, ProceduralEvent
from fazhi.cases.procedure import NewCase, NewEvent
from fazhi.cases.tests.factories import at, clerk_for, person
from fazhi.cases.tests.test_views import open_form_data
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.discretion.engine import decide
from fazhi.discretion.models import DecisionReview
from fazhi.discretion.review import BASIS_BENCHMARK
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

NOW = "2025-03-12 09:00+08:00"
MINOR = {"fact_harm": "minor", "fact_injury": "below_minor"}  # za.beat 情节较轻


@pytest.fixture
def beating(tree, client):
    """A 殴打他人 case (za.beat, act 2025-03-03) at s1, notified; its clerk logged in."""
    unit = tree["s1"]
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
        parties=(person(),),  # born 1990-03-07
        offence_code="za.beat",
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
    client.force_login(actor)
    return case


def decide_post(client, case, **fields):
    data = {"kind": "decide", "occurred_at": "2025-03-11T10:00", "data_outcome": "penalty"}
    return client.post(reverse("cases:record_event", args=[case.number]), data | fields)


@time_machine.travel(NOW, tick=False)
def test_the_open_case_form_lists_the_offences_and_stores_the_chosen_one(client, tree):
    client.force_login(clerk_for(tree["s1"]))
    handlers = [OfficerFactory(unit=tree["s1"]), OfficerFactory(unit=tree["s1"])]
    item = EnforcementItemFactory()

    page = client.get(reverse("cases:new")).content.decode()
    response = client.post(
        reverse("cases:new"), open_form_data(tree, item, handlers, offence="za.beat")
    )

    assert '<option value="za.beat">殴打他人，故意伤害他人身体</option>' in page  # by name
    assert response.status_code == 302
    assert Case.objects.get().offence_code == "za.beat"


@time_machine.travel(NOW, tick=False)
def test_an_unknown_offence_is_refused_by_the_open_case_form(client, tree):
    client.force_login(clerk_for(tree["s1"]))
    handlers = [OfficerFactory(unit=tree["s1"]), OfficerFactory(unit=tree["s1"])]
    data = open_form_data(tree, EnforcementItemFactory(), handlers, offence="za.no_such")

    response = client.post(reverse("cases:new"), data)

    assert list(response.context["form"].errors) == ["offence"]
    assert Case.objects.count() == 0


def test_the_decide_form_shows_the_offences_facts_as_typed_fields(client, beating):
    response = client.get(reverse("cases:event_form", args=[beating.number]), {"kind": "decide"})

    form = response.context["event_form"]
    fields = form.fields
    assert [c for c, _label in fields["fact_harm"].choices] == [
        "none",
        "minor",
        "ordinary",
        "serious",
    ]
    assert (fields["fact_harm"].required, fields["fact_injury"].required) == (True, True)
    assert fields["fact_first_violation"].widget.input_type == "checkbox"
    assert fields["fact_discovered_on"].widget.input_type == "date"
    assert fields["fact_self_defence"].required is False
    assert fields["deviation_reason"].required is False
    html = response.content.decode()
    assert 'data-testid="discretion-facts"' in html
    assert reverse("cases:recommendation", args=[beating.number]) in html


def test_a_case_without_an_offence_has_no_facts_in_its_decide_form(client, beating):
    Case.objects.filter(pk=beating.pk).update(offence_code="")

    response = client.get(reverse("cases:event_form", args=[beating.number]), {"kind": "decide"})

    assert response.context["event_form"].fact_fields() == []
    assert 'data-testid="discretion-facts"' not in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_recommendation_fragment_gives_the_engines_exact_range(client, beating):
    response = client.get(
        reverse("cases:recommendation", args=[beating.number]),
        {"occurred_at": "2025-03-11T10:00", **MINOR},
    )

    expected = decide(
        "za.beat",
        {"harm": "minor", "injury": "below_minor", "offender_birth_date": "1990-03-07"},
        at("2025-03-03 08:00").date(),
        at("2025-03-11 10:00").date(),
    )
    context = response.context
    assert context["range"] == "行政拘留1-5日（或）、罚款0-500元（或）"
    assert context["decision"].penalties == expected.penalties
    assert context["decision"].tier == "情节较轻"
    html = response.content.decode()
    assert all(cite in html for cite in expected.basis)
    assert ("未核实，请以官方文本为准" in html) is expected.unverified
    assert DecisionReview.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_the_recommendation_names_a_missing_fact(client, beating):
    response = client.get(
        reverse("cases:recommendation", args=[beating.number]), {"fact_harm": "minor"}
    )

    assert "伤情" in response.context["problem"]
    assert "decision" not in response.context


@time_machine.travel(NOW, tick=False)
def test_deciding_outside_the_range_without_a_reason_is_refused_and_nothing_written(
    client, beating
):
    response = decide_post(client, beating, data_fine="800", **MINOR)

    refusal = response.context["refusal"]
    assert (refusal.code, refusal.basis) == ("outside_benchmark", BASIS_BENCHMARK)
    html = response.content.decode()
    assert BASIS_BENCHMARK in html
    assert "罚款0-500元（或）" in html
    assert response.context["event_form"].errors["deviation_reason"]
    assert "须在“偏离理由”中书面说明理由" in refusal.message  # the field by its label
    assert "deviation_reason" not in refusal.message
    assert not ProceduralEvent.objects.filter(case=beating, kind="decide").exists()
    assert DecisionReview.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_deciding_outside_the_range_with_a_reason_is_recorded_and_shown(client, beating):
    response = decide_post(
        client, beating, data_fine="800", deviation_reason="经集体讨论从重", **MINOR
    )

    assert response.status_code == 302
    event = ProceduralEvent.objects.get(case=beating, kind="decide")
    assert event.data["facts"] == {"harm": "minor", "injury": "below_minor"}
    assert event.data["deviation_reason"] == "经集体讨论从重"
    review = DecisionReview.objects.get(event=event)
    assert (review.within_range, review.deviation_reason) == (False, "经集体讨论从重")
    page = client.get(reverse("cases:detail", args=[beating.number])).content.decode()
    assert f'data-review="{review.pk}" data-within="false"' in page
    assert "经集体讨论从重" in page
    assert "行政拘留1-5日（或）、罚款0-500元（或）" in page


@time_machine.travel(NOW, tick=False)
def test_deciding_inside_the_range_records_a_review_within_range(client, beating):
    response = decide_post(client, beating, data_fine="300", fact_first_violation="on", **MINOR)

    assert response.status_code == 302
    review = DecisionReview.objects.get(case=beating)
    assert review.within_range is True
    assert review.facts == {
        "harm": "minor",
        "injury": "below_minor",
        "first_violation": True,
        "offender_birth_date": "1990-03-07",
    }


@time_machine.travel(NOW, tick=False)
def test_the_api_records_a_decision_with_its_facts_and_refuses_an_unexplained_deviation(
    client, beating
):
    url = f"/api/v1/cases/{beating.number}/events"
    body = {
        "kind": "decide",
        "occurred_at": "2025-03-11T10:00",
        "data": {
            "outcome": "penalty",
            "fine": 800,
            "facts": {"harm": "minor", "injury": "below_minor"},
        },
    }
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["basis"] == BASIS_BENCHMARK
    assert not ProceduralEvent.objects.filter(case=beating, kind="decide").exists()

    body["data"]["deviation_reason"] = "经集体讨论从重"
    accepted = client.post(url, body, content_type="application/json")
    assert accepted.status_code == 201
    review = DecisionReview.objects.get(case=beating)
    assert (review.within_range, review.facts["harm"]) == (False, "minor")

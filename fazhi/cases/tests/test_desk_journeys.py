"""The officer's case at the desk (issue 12): what the forms offer before submit, and what the
case page says in words instead of codes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from fazhi.cases import next_steps, opening
from fazhi.cases.derive import Ev
from fazhi.cases.packs import registry
from fazhi.cases.procedure import NewEvent, record_event
from fazhi.cases.tests.factories import at, open_public_order_case, person
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.roles import Role
from fazhi.org.models import OfficerStatus
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

NOW = "2025-03-12 09:00+08:00"


def _options(events: list[Ev], running=(), now: str = "2025-03-12 09:00"):
    pack = registry().for_case("zhian-general", dt.date(2025, 3, 3))
    options = next_steps.step_options(pack, events, list(running), now=at(now))
    return {o.code: o for o in options}, options


def test_a_step_whose_predecessor_is_missing_is_offered_disabled_with_the_reason():
    accepted = Ev(1, "accept", at("2025-03-03 10:00"))
    by_code, _ordered = _options([accepted])
    statement = by_code["statement"]
    assert statement.allowed is False
    assert "告知" in statement.reason  # 陈述申辩 needs 告知 first
    assert by_code["notify"].allowed is True
    assert by_code["question"].allowed is True


def test_a_recorded_step_that_cannot_repeat_is_offered_for_a_correction_only():
    by_code, _ordered = _options([Ev(1, "accept", at("2025-03-03 10:00"))])
    assert (by_code["accept"].allowed, by_code["accept"].correction_only) == (True, True)


def test_a_hearing_too_soon_after_its_notice_is_disabled_with_its_provision():
    events = [
        Ev(1, "accept", at("2025-03-03 10:00")),
        Ev(2, "notify", at("2025-03-04 10:00"), data={"hearing_offered": True}),
        Ev(3, "hearing_request", at("2025-03-05 10:00")),
        Ev(4, "hearing_notice", at("2025-03-10 10:00")),
    ]
    by_code, _ordered = _options(events)
    hearing = by_code["hearing"]
    assert hearing.allowed is False
    assert "第六十四条" in hearing.basis


def test_the_step_meeting_the_nearest_deadline_comes_first():
    accepted = Ev(1, "accept", at("2025-03-03 10:00"))
    pack = registry().for_case("zhian-general", dt.date(2025, 3, 3))
    handling = next(d for d in pack.deadlines if d.code == "handling")
    _by_code, ordered = _options([accepted], running=[("handling", at("2025-04-02 10:00"))])
    assert ordered[0].is_next
    assert ordered[0].code in handling.met_by
    assert next_steps.suggested(ordered) == ordered[0].code
    refused = [o for o in ordered if not o.allowed]
    assert ordered[-len(refused) :] == refused  # the refused steps come last


@time_machine.travel(NOW, tick=False)
def test_the_case_page_offers_the_allowed_steps_and_explains_the_others(client, tree):
    case, clerk = open_public_order_case(tree["s1"], parties=[person()])
    client.force_login(clerk)
    html = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert 'data-testid="refused-steps"' in html
    assert '<option value="statement" disabled data-allowed="false">' in html
    assert '<li data-step="statement"><span class="fw-semibold">陈述申辩</span>：' in html


@time_machine.travel(NOW, tick=False)
def test_the_decision_is_chosen_by_its_label_and_shown_by_it(client, tree):
    case, clerk = open_public_order_case(tree["s1"], parties=[person()])
    record_event(
        case,
        NewEvent("notify", at("2025-03-10 10:00"), data={"proposed": "罚款200元"}),
        actor=clerk,
        at=at("2025-03-10 10:05"),
    )
    client.force_login(clerk)
    form = client.get(
        reverse("cases:event_form", args=[case.number]), {"kind": "decide"}
    ).content.decode()
    assert 'value="penalty"' in form
    assert "给予处罚" in form
    assert "不予处罚" in form
    assert "penalty/no_penalty" not in form  # the codes are not the label
    response = client.post(
        reverse("cases:record_event", args=[case.number]),
        {
            "kind": "decide",
            "occurred_at": "2025-03-11T10:00",
            "data_outcome": "penalty",
            "data_fine": "200",
        },
    )
    assert response.status_code == 302
    html = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "处理结果：</dt><dd" in html
    assert "给予处罚" in html
    assert ">penalty<" not in html
    event_ids = [str(e.pk) for e in case.events.all()]
    assert not any(f"#{pk} " in html or f"#{pk}<" in html for pk in event_ids)


@time_machine.travel(NOW, tick=False)
def test_opening_a_case_defaults_to_my_unit_me_and_now(client, tree, make_user):
    me = OfficerFactory(unit=tree["s1"], name="王警官")
    client.force_login(make_user(Role.OFFICER, tree["s1"], officer=me))
    form = client.get(reverse("cases:new")).context["form"]
    assert form["unit"].value() == tree["s1"].code
    assert form["handlers"].value() == [me.police_number]
    assert form["first_kind"].value() == "accept"
    assert form["act_at"].value().strftime("%Y-%m-%d %H:%M") == "2025-03-12 09:00"


@time_machine.travel(NOW, tick=False)
def test_a_centre_item_is_known_before_submit_with_the_centre_to_hand_it_to(
    client, tree, make_user
):
    me = OfficerFactory(unit=tree["s1"])
    OfficerFactory(unit=tree["s1"])
    item = EnforcementItemFactory(must_use_centre=True)
    client.force_login(make_user(Role.OFFICER, tree["s1"], officer=me))
    html = client.get(
        reverse("cases:open_check"),
        {"unit": tree["s1"].code, "item": item.code, "first_at": "2025-03-12T08:00"},
    ).content.decode()
    assert "须进执法办案管理中心办理" in html
    assert "甲区执法办案管理中心" in html  # the district's centre
    assert 'hx-swap-oob="true"' in html


@time_machine.travel(NOW, tick=False)
def test_an_officer_who_may_not_exercise_the_item_is_shown_disabled_with_why(
    client, tree, make_user
):
    me = OfficerFactory(unit=tree["s1"])
    OfficerFactory(unit=tree["s1"])
    away = OfficerFactory(unit=tree["s1"], name="停职民警", status=OfficerStatus.SUSPENDED)
    item = EnforcementItemFactory()
    client.force_login(make_user(Role.OFFICER, tree["s1"], officer=me))
    html = client.get(
        reverse("cases:open_check"),
        {"unit": tree["s1"].code, "item": item.code, "first_at": "2025-03-12T08:00"},
    ).content.decode()
    assert f'<option value="{away.police_number}" disabled>' in html
    assert "只有在岗民警才能执法" in html
    options = opening.handler_options(item, [away, me], dt.date(2025, 3, 12))
    assert [o.officer for o in options] == [me, away]  # the eligible first


@time_machine.travel(NOW, tick=False)
def test_the_case_page_offers_each_document_its_state_allows_with_its_number(client, tree):
    case, clerk = open_public_order_case(tree["s1"], parties=[person()])
    client.force_login(clerk)
    html = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert 'data-testid="generate-acceptance"' in html
    assert "甲区一公（受案）字〔2025〕第00001号" in html  # the number it will get
    assert 'data-testid="generate-decision"' not in html
    assert 'data-testid="cannot-decision"' in html
    assert "尚未登记“决定”环节" in html

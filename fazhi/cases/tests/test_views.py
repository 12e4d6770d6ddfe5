import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from fazhi.audit.models import AuditEntry
from fazhi.cases import procedure, queries
from fazhi.cases.models import Case, Deadline, DeadlineStatus, ProceduralEvent
from fazhi.cases.procedure import NewEvent
from fazhi.cases.tests.factories import at, clerk_for, open_public_order_case, person
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.roles import Role
from fazhi.org.tests.factories import OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = "2025-03-20 09:00+08:00"


@pytest.fixture
def cases(tree):
    """One case at each station and one at district 甲 itself, opened in March 2025."""
    with time_machine.travel(NOW, tick=False):
        s1, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
        s2, _ = open_public_order_case(tree["s2"], accepted="2025-03-05 10:00")
        d1, _ = open_public_order_case(tree["d1"], accepted="2025-03-04 10:00")
    return {"s1": s1, "s2": s2, "d1": d1}


def numbers_on(response) -> list[str]:
    return [case.number for case in response.context["page"].cases]


def login(client, role, unit):
    user = UserFactory(role=role, scope_unit=unit)
    client.force_login(user)
    return user


@time_machine.travel(NOW, tick=False)
def test_a_station_user_sees_only_their_stations_cases(client, tree, cases):
    login(client, Role.OFFICER, tree["s1"])

    response = client.get(reverse("cases:list"))

    assert numbers_on(response) == [cases["s1"].number]


@time_machine.travel(NOW, tick=False)
def test_a_district_user_sees_its_subtree_and_the_city_sees_all(client, tree, cases):
    login(client, Role.SUPERVISOR, tree["d1"])
    assert sorted(numbers_on(client.get(reverse("cases:list")))) == sorted(
        [cases["s1"].number, cases["d1"].number]
    )
    login(client, Role.LEADER, tree["city"])
    assert len(numbers_on(client.get(reverse("cases:list")))) == 3


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_administrators_see_no_case(client, tree, cases, role):
    user = login(client, role, tree["city"])

    assert client.get(reverse("cases:list")).status_code == 403
    assert client.get(reverse("cases:detail", args=[cases["s1"].number])).status_code == 403
    page = queries.find_cases(user, queries.CaseFilter(), at=at("2025-03-20 09:00"))
    assert page.cases == []


def test_a_case_of_another_station_is_404(client, tree, cases):
    login(client, Role.CLERK, tree["s1"])

    assert client.get(reverse("cases:detail", args=[cases["s2"].number])).status_code == 404
    assert client.get(reverse("cases:detail", args=[cases["s1"].number])).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_the_list_is_sorted_by_the_nearest_running_deadline(client, tree, cases):
    login(client, Role.LEADER, tree["city"])

    response = client.get(reverse("cases:list"))

    # 办案期限 30 days from 受案: 03-03 → 04-03, 03-04 → 04-04, 03-05 → 04-05 (00:00 next day)
    assert numbers_on(response) == [cases["s1"].number, cases["d1"].number, cases["s2"].number]
    assert response.context["page"].cases[0].next_due_at == at("2025-04-03 00:00")
    assert response.context["page"].cases[0].next_deadline_name == "办案期限"


def settle(case, actor, day: str) -> None:
    """Decide (no penalty) and serve the decision: no deadline of the case runs any more."""
    procedure.record_event(
        case,
        NewEvent("decide", at(f"{day} 12:00"), data={"outcome": "no_penalty"}),
        actor=actor,
        at=at("2025-03-10 09:00"),
    )
    procedure.record_event(
        case, NewEvent("serve", at(f"{day} 13:00")), actor=actor, at=at("2025-03-10 09:00")
    )


def test_cases_without_a_running_deadline_come_last_newest_first(tree):
    unit = tree["s1"]
    with time_machine.travel("2025-03-10 09:00+08:00", tick=False):
        running, actor = open_public_order_case(unit, accepted="2025-03-03 10:00")
        decided, _ = open_public_order_case(unit, accepted="2025-03-02 10:00", actor=actor)
        settle(decided, actor, "2025-03-04")
        later, _ = open_public_order_case(unit, accepted="2025-03-05 10:00", actor=actor)
        settle(later, actor, "2025-03-06")

    page = queries.find_cases(actor, queries.CaseFilter(), at=at("2025-03-10 09:00"))

    assert [c.number for c in page.cases] == [running.number, later.number, decided.number]
    assert page.cases[1].next_due_at is None


def test_pages_continue_from_running_cases_into_the_others(tree):
    unit = tree["s1"]
    with time_machine.travel("2025-03-10 09:00+08:00", tick=False):
        actor = clerk_for(unit)
        running = [
            open_public_order_case(unit, accepted=f"2025-03-0{d} 10:00", actor=actor)[0]
            for d in (1, 2, 3)
        ]
        others = []
        for d in (4, 5):
            case, _ = open_public_order_case(unit, accepted=f"2025-03-0{d} 10:00", actor=actor)
            settle(case, actor, f"2025-03-0{d}")
            others.append(case)

    def page(n):
        found = queries.find_cases(
            actor, queries.CaseFilter(), at=at("2025-03-10 09:00"), page=n, page_size=2
        )
        return [c.number for c in found.cases], found.has_next, found.total

    expected = [c.number for c in running] + [c.number for c in reversed(others)]
    assert page(1) == (expected[0:2], True, None)  # not counted: more follow
    assert page(2) == (expected[2:4], True, None)
    assert page(3) == (expected[4:5], False, 5)  # the last page knows the total
    assert page(4) == ([], False, None)  # past the end: nothing, and no total to tell


@time_machine.travel(NOW, tick=False)
def test_filters_select_exactly_the_matching_cases(client, tree, cases):
    login(client, Role.LEADER, tree["city"])
    url = reverse("cases:list")

    assert numbers_on(client.get(url, {"unit": "500103"})) == [
        cases["s1"].number,
        cases["d1"].number,
    ]
    assert numbers_on(client.get(url, {"unit": "500104-01"})) == [cases["s2"].number]
    assert numbers_on(client.get(url, {"item": cases["d1"].item.code})) == [cases["d1"].number]
    assert numbers_on(client.get(url, {"q": cases["s2"].number[-5:], "unit": "500104"})) == [
        cases["s2"].number
    ]
    assert numbers_on(client.get(url, {"status": "closed"})) == []
    assert len(numbers_on(client.get(url, {"status": "accepted"}))) == 3
    assert len(numbers_on(client.get(url, {"procedure": "zhian-general"}))) == 3


def test_due_within_and_overdue_filters_read_running_deadlines(client, tree, cases):
    login(client, Role.LEADER, tree["city"])
    url = reverse("cases:list")
    # At 2025-04-03 12:00 the s1 deadline (due 04-03 00:00) is overdue, d1 is due at 04-04 00:00,
    # s2 at 04-08 00:00 (its last day 04-04 is 清明节: the period ends on the next working day).
    with time_machine.travel("2025-04-03 12:00+08:00", tick=False):
        assert numbers_on(client.get(url, {"overdue": "on"})) == [cases["s1"].number]
        assert numbers_on(client.get(url, {"due_within_days": "1"})) == [
            cases["s1"].number,
            cases["d1"].number,
        ]
        assert numbers_on(client.get(url, {"due_within_days": "5"})) == [
            cases["s1"].number,
            cases["d1"].number,
            cases["s2"].number,
        ]


def test_a_unit_outside_the_scope_is_a_filter_error_not_a_leak(client, tree, cases):
    login(client, Role.OFFICER, tree["s1"])

    response = client.get(reverse("cases:list"), {"unit": "500104-01"})

    assert numbers_on(response) == []
    assert "unit" in response.context["form"].errors


@time_machine.travel(NOW, tick=False)
def test_the_list_page_makes_a_constant_number_of_queries(
    client, tree, cases, django_assert_max_num_queries
):
    login(client, Role.LEADER, tree["city"])
    for _ in range(5):
        open_public_order_case(tree["s2"], accepted="2025-03-10 10:00")
    # session, user, scope unit, units of the filter form, running heads, the other cases,
    # the page's cases (unit, item, next deadline joined or annotated), session save (3)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("cases:list"), HTTP_HX_REQUEST="true")
    assert len(numbers_on(response)) == 8
    # … + the filter unit, the capped count, the item options of the full page, and the calendar
    # banner's one COUNT per app with running deadlines (cases, 警快办, litigation); no other cases
    with django_assert_max_num_queries(13):
        response = client.get(
            reverse("cases:list"), {"unit": "500104", "due_within_days": "30", "page": "1"}
        )
    assert len(numbers_on(response)) == 6


# --- Detail -----------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_detail_shows_deadlines_with_basis_and_masked_parties(client, tree):
    case, actor = open_public_order_case(
        tree["s1"], accepted="2025-03-03 10:00", parties=[person("110101199003070011")]
    )
    client.force_login(actor)

    response = client.get(reverse("cases:detail", args=[case.number]))

    html = response.content.decode()
    assert "办案期限" in html
    assert "2025-04-03 00:00" in html
    assert "《中华人民共和国治安管理处罚法》第九十九条第一款" in html
    assert "剩余 13 天 15 小时" in html
    assert "1101**********0011" in html
    assert "110101199003070011" not in html
    assert "未核实，请以官方文本为准" not in html


@time_machine.travel("2026-03-20 09:00+08:00", tick=False)
def test_a_deadline_under_the_unverified_revision_carries_the_mark(client, tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2026-03-02 10:00")
    client.force_login(actor)

    response = client.get(reverse("cases:detail", args=[case.number]))

    assert 'data-testid="unverified">未核实，请以官方文本为准' in response.content.decode()


def test_revealing_a_party_id_is_audited(client, tree):
    case, actor = open_public_order_case(tree["s1"], parties=[person("110101199003070011")])
    client.force_login(actor)  # a clerk holds REVEAL_ID_NUMBER
    party = case.parties.get()

    response = client.post(
        reverse("cases:reveal_party_id", args=[case.number, party.pk]), HTTP_HX_REQUEST="true"
    )

    assert "110101199003070011" in response.content.decode()
    entry = AuditEntry.objects.filter(action="pii.reveal").get()
    assert (entry.actor, entry.object_id) == (actor, str(party.pk))


def test_revealing_without_the_capability_is_refused_and_not_logged(client, tree):
    case, _ = open_public_order_case(tree["s1"], parties=[person()])
    login(client, Role.LEADER, tree["city"])

    response = client.post(
        reverse("cases:reveal_party_id", args=[case.number, case.parties.get().pk])
    )

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="pii.reveal").exists()


def test_a_correction_is_shown_beside_the_event_with_its_reason(client, tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    notice = procedure.record_event(
        case,
        NewEvent("notify", at("2025-03-05 10:00"), data={"proposed": "罚款200元"}),
        actor=actor,
        at=at("2025-03-05 11:00"),
    )
    procedure.record_event(
        case,
        NewEvent(
            "notify",
            at("2025-03-05 09:30"),
            data={"proposed": "罚款200元"},
            corrects=notice,
            correction_reason="时间笔误",
        ),
        actor=actor,
        at=at("2025-03-05 12:00"),
    )
    client.force_login(actor)

    response = client.get(reverse("cases:detail", args=[case.number]))

    entries = response.context["timeline"]
    assert [(e.name, e.is_corrected, len(e.corrections)) for e in entries] == [
        ("受案", False, 0),
        ("告知", True, 1),
    ]
    assert "时间笔误" in response.content.decode()


# --- Forms ------------------------------------------------------------------------------------


@pytest.fixture
def clerk(tree, client):
    user = clerk_for(tree["s1"])
    client.force_login(user)
    return user


def open_form_data(tree, enforcement_item, handlers, **overrides):
    data = {
        "unit": tree["s1"].code,
        "item": enforcement_item.code,
        "procedure": "zhian-general",
        "title": "殴打他人",
        "source": "call",
        "act_at": "2025-03-03T08:00",
        "act_place": "解放路12号",
        "handlers": [o.police_number for o in handlers],
        "legal_officer": "",
        "first_kind": "accept",
        "first_at": "2025-03-03T10:00",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-kind": "person",
        "parties-0-role": "suspect",
        "parties-0-name": "张三",
        "parties-0-id_type": "citizen_id",
        "parties-0-id_number": "110101199003070011",
        "parties-0-nationality": "CHN",
        "parties-1-kind": "person",
        "parties-1-role": "suspect",
        "parties-1-id_type": "citizen_id",
        "parties-1-nationality": "CHN",
    }
    return data | overrides


@time_machine.travel(NOW, tick=False)
def test_opening_a_case_creates_it_with_its_event_and_deadlines(client, tree, clerk):
    item = EnforcementItemFactory()
    handlers = [OfficerFactory(unit=tree["s1"]), OfficerFactory(unit=tree["s1"])]

    response = client.post(reverse("cases:new"), open_form_data(tree, item, handlers))

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.number])
    assert [e.kind for e in case.events.all()] == ["accept"]
    assert case.accepted_at == at("2025-03-03 10:00")  # entered in Shanghai time
    assert [link.officer for link in case.handler_links.order_by("pk")] == handlers
    assert list(case.parties.values_list("name", flat=True)) == ["张三"]
    assert Deadline.objects.get(case=case, code="handling").due_at == at("2025-04-03 00:00")


@time_machine.travel(NOW, tick=False)
def test_an_invalid_form_shows_every_error_and_writes_nothing(client, tree, clerk):
    item = EnforcementItemFactory()
    handlers = [OfficerFactory(unit=tree["s1"])]
    data = open_form_data(
        tree,
        item,
        handlers,
        item="NO-SUCH",
        title="",
        act_at="2025-03-21T08:00",  # after "now"
        **{"parties-0-id_number": "110101199003070012"},  # wrong check digit
    )

    response = client.post(reverse("cases:new"), data, HTTP_HX_REQUEST="true")

    form, formset = response.context["form"], response.context["formset"]
    assert sorted(form.errors) == ["act_at", "handlers", "item", "title"]
    assert list(formset.errors[0]) == ["id_number"]
    assert "《中华人民共和国行政处罚法》第四十二条" in form.errors["handlers"][0]
    html = response.content.decode()
    assert html.count('class="invalid-feedback d-block"') == 5
    assert Case.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_a_case_without_parties_is_refused_by_the_formset(client, tree, clerk):
    item = EnforcementItemFactory()
    handlers = [OfficerFactory(unit=tree["s1"]), OfficerFactory(unit=tree["s1"])]
    data = open_form_data(tree, item, handlers, **{"parties-0-name": "", "parties-0-id_number": ""})

    response = client.post(reverse("cases:new"), data)

    assert response.context["formset"].non_form_errors() == ["至少登记一名当事人。"]
    assert Case.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_a_domain_refusal_is_shown_with_its_basis(client, tree, clerk):
    item = EnforcementItemFactory(centre_only=True)  # 应进必进, and s1 is not a case centre
    handlers = [OfficerFactory(unit=tree["s1"]), OfficerFactory(unit=tree["s1"])]

    response = client.post(reverse("cases:new"), open_form_data(tree, item, handlers))

    refusal = response.context["refusal"]
    assert refusal.code == "must_use_centre"
    assert refusal.basis != ""
    html = response.content.decode()
    assert 'data-testid="refusal"' in html
    assert refusal.basis in html
    assert Case.objects.count() == 0


def test_only_case_handlers_see_and_use_the_forms(client, tree, cases):
    login(client, Role.SUPERVISOR, tree["city"])
    number = cases["s1"].number

    detail = client.get(reverse("cases:detail", args=[number]))

    assert "event_form" not in detail.context
    assert 'data-testid="event-form"' not in detail.content.decode()
    assert client.get(reverse("cases:new")).status_code == 403
    response = client.post(reverse("cases:record_event", args=[number]), {"kind": "question"})
    assert response.status_code == 403


def test_recording_notice_then_decision_meets_the_handling_period(client, tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    client.force_login(actor)
    url = reverse("cases:record_event", args=[case.number])

    with time_machine.travel("2025-03-12 09:00+08:00", tick=False):
        notice = client.post(
            url,
            {"kind": "notify", "occurred_at": "2025-03-10T10:00", "data_proposed": "罚款200元"},
        )
        decision = client.post(
            url,
            {
                "kind": "decide",
                "occurred_at": "2025-03-11T10:00",
                "data_outcome": "penalty",
                "data_fine": "200",
            },
        )

    assert (notice.status_code, decision.status_code) == (302, 302)
    handling = Deadline.objects.get(case=case, code="handling")
    assert (handling.status, handling.met_at) == (DeadlineStatus.MET, at("2025-03-11 10:00"))
    data = case.events.get(kind="decide").data
    assert (data["outcome"], data["fine"], data["warning"]) == ("penalty", 200, False)


def test_a_decision_without_notice_is_refused_with_its_basis_and_nothing_written(client, tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    client.force_login(actor)

    with time_machine.travel("2025-03-12 09:00+08:00", tick=False):
        response = client.post(
            reverse("cases:record_event", args=[case.number]),
            {"kind": "decide", "occurred_at": "2025-03-11T10:00", "data_outcome": "penalty"},
            HTTP_HX_REQUEST="true",
        )

    html = response.content.decode()
    assert response.context["refusal"].code == "notice_before_decision"
    assert "《中华人民共和国行政处罚法》第四十四条" in html
    assert ProceduralEvent.objects.filter(case=case).count() == 1


def test_an_event_form_shows_all_field_errors_at_once(client, tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    client.force_login(actor)
    notice = procedure.record_event(
        case,
        NewEvent("notify", at("2025-03-05 10:00"), data={"proposed": "罚款200元"}),
        actor=actor,
        at=at("2025-03-05 11:00"),
    )

    with time_machine.travel("2025-03-12 09:00+08:00", tick=False):
        response = client.post(
            reverse("cases:record_event", args=[case.number]),
            {
                "kind": "notify",
                "occurred_at": "2025-03-13T10:00",  # tomorrow
                "data_proposed_fine": "abc",
                "corrects": str(notice.pk),
            },
            HTTP_HX_REQUEST="true",
        )

    form = response.context["event_form"]
    assert sorted(form.errors) == [
        "correction_reason",
        "data_proposed",
        "data_proposed_fine",
        "occurred_at",
    ]
    assert ProceduralEvent.objects.filter(case=case).count() == 2


def test_the_event_form_follows_the_chosen_step(client, tree):
    case, actor = open_public_order_case(tree["s1"])
    client.force_login(actor)

    response = client.get(reverse("cases:event_form", args=[case.number]), {"kind": "summon"})

    form = response.context["event_form"]
    assert [name for name in form.fields if name.startswith("data_")] == [
        "data_method",
        "data_complex_detention_possible",
        "data_person",
    ]
    assert "ended_at" in form.fields


def test_the_nav_shows_cases_to_business_roles_only(client, tree):
    login(client, Role.OFFICER, tree["s1"])
    assert "行政案件" in client.get("/").content.decode()
    login(client, Role.SYSTEM_ADMIN, None)
    assert "行政案件" not in client.get("/").content.decode()


def test_times_are_entered_and_shown_in_shanghai_time(client, tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    client.force_login(actor)

    html = client.get(reverse("cases:detail", args=[case.number])).content.decode()

    assert "2025-03-03 10:00" in html
    assert case.accepted_at == dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC)

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from fazhi.cases import procedure
from fazhi.cases.models import Case, DeadlineStatus, ProceduralEvent
from fazhi.cases.procedure import NewEvent
from fazhi.cases.tests.factories import at, clerk_for, open_public_order_case, person
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.roles import Role
from fazhi.org.tests.factories import OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
NOW = "2025-03-20 09:00+08:00"


@pytest.fixture
def cases(tree):
    with time_machine.travel(NOW, tick=False):
        s1, actor = open_public_order_case(
            tree["s1"], accepted="2025-03-03 10:00", parties=[person()]
        )
        s2, _ = open_public_order_case(tree["s2"], accepted="2025-03-05 10:00")
    return {"s1": s1, "s2": s2, "clerk": actor}


def as_user(client, role, unit):
    client.force_login(UserFactory(role=role, scope_unit=unit))
    return client


def numbers(response) -> list[str]:
    return [item["number"] for item in response.json()["items"]]


@time_machine.travel(NOW, tick=False)
def test_the_case_list_is_scoped(client, tree, cases):
    assert numbers(as_user(client, Role.OFFICER, tree["s1"]).get(f"{API}/cases")) == [
        cases["s1"].number
    ]
    assert numbers(as_user(client, Role.LEADER, tree["city"]).get(f"{API}/cases")) == [
        cases["s1"].number,
        cases["s2"].number,
    ]


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_administrators_get_no_case(client, tree, cases, role):
    as_user(client, role, tree["city"])
    assert client.get(f"{API}/cases").status_code == 403
    assert client.get(f"{API}/deadlines").status_code == 403


def test_a_case_outside_the_scope_is_404_everywhere(client, tree, cases):
    as_user(client, Role.CLERK, tree["s1"])
    number = cases["s2"].number
    for path in ("", "/events", "/deadlines"):
        assert client.get(f"{API}/cases/{number}{path}").status_code == 404
    response = client.post(
        f"{API}/cases/{number}/events",
        {"kind": "question", "occurred_at": "2025-03-06T10:00:00+08:00"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert ProceduralEvent.objects.filter(case=cases["s2"]).count() == 1


@time_machine.travel(NOW, tick=False)
def test_list_filters_and_page_body(client, tree, cases):
    as_user(client, Role.LEADER, tree["city"])

    response = client.get(f"{API}/cases", {"unit": "500104", "page_size": 10})

    body = response.json()
    assert numbers(response) == [cases["s2"].number]
    assert (body["page"], body["page_size"], body["has_next"], body["total"]) == (1, 10, False, 1)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert body["items"][0]["status_label"] == "已受案"
    assert body["items"][0]["next_deadline"] == "办案期限"
    assert body["items"][0]["next_due_at"] == "2025-04-07T16:00:00Z"  # 04-04 清明节: rolled on


@time_machine.travel(NOW, tick=False)
def test_the_list_api_reads_a_page_in_one_query_and_never_counts(
    client, tree, cases, django_assert_num_queries
):
    as_user(client, Role.LEADER, tree["city"])
    for _ in range(6):
        open_public_order_case(tree["s2"], accepted="2025-03-10 10:00")
    # session, user (with its scope unit), the page (unit, item and next deadline joined), and
    # the session's save (3 queries); no COUNT.
    with django_assert_num_queries(7) as captured:
        response = client.get(f"{API}/cases", {"page_size": 3})
    assert len(numbers(response)) == 3
    assert (response.json()["has_next"], response.json()["total"]) == (True, None)
    assert not any("COUNT(" in q["sql"] for q in captured.captured_queries)
    # … plus the filter unit; and the cases without a running deadline on the last page
    with django_assert_num_queries(9):
        response = client.get(f"{API}/cases", {"unit": "500104", "page_size": 10})
    assert (len(numbers(response)), response.json()["total"]) == (7, 7)


@time_machine.travel(NOW, tick=False)
def test_the_detail_masks_party_ids(client, tree, cases):
    as_user(client, Role.CLERK, tree["s1"])

    body = client.get(f"{API}/cases/{cases['s1'].number}").json()

    assert body["parties"][0]["id_number_masked"] == "1101**********0011"
    assert "110101199003070011" not in str(body)
    assert [h["role"] for h in body["handlers"]] == ["lead", "assist"]
    assert (body["procedure"], body["procedure_version"]) == ("zhian-general", "2021-07-15")


@time_machine.travel(NOW, tick=False)
def test_deadlines_carry_explanation_basis_and_marks(client, tree, cases):
    as_user(client, Role.CLERK, tree["s1"])

    body = client.get(f"{API}/cases/{cases['s1'].number}/deadlines").json()

    handling = next(d for d in body if d["code"] == "handling")
    assert handling["due_at"] == "2025-04-02T16:00:00Z"
    assert handling["status"] == "open"
    assert "《中华人民共和国治安管理处罚法》第九十九条第一款" in handling["basis"]
    assert handling["explanation"].startswith("自受案起算")
    assert (handling["provisional"], handling["unverified"]) == (False, False)


def open_payload(tree, item, handlers, **overrides):
    payload = {
        "unit": tree["s1"].code,
        "item": item.code,
        "procedure": "zhian-general",
        "title": "殴打他人",
        "source": "call",
        "act_at": "2025-03-03T08:00:00+08:00",
        "act_place": "解放路12号",
        "handlers": [o.police_number for o in handlers],
        "parties": [{"name": "张三", "id_number": "110101199003070011"}],
        "first_event": {"kind": "accept", "occurred_at": "2025-03-03T10:00:00+08:00"},
    }
    return payload | overrides


@time_machine.travel(NOW, tick=False)
def test_opening_a_case_answers_201_with_the_case(client, tree):
    client.force_login(clerk_for(tree["s1"]))
    handlers = [OfficerFactory(unit=tree["s1"]), OfficerFactory(unit=tree["s1"])]

    response = client.post(
        f"{API}/cases",
        open_payload(tree, EnforcementItemFactory(), handlers),
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["number"] == "500103-01-2025-00001"
    assert body["status"] == "accepted"
    assert body["next_due_at"] == "2025-04-02T16:00:00Z"
    assert [h["police_number"] for h in body["handlers"]] == [h.police_number for h in handlers]


@time_machine.travel(NOW, tick=False)
def test_a_refused_case_answers_422_with_its_basis(client, tree):
    client.force_login(clerk_for(tree["s1"]))
    handlers = [OfficerFactory(unit=tree["s1"]), OfficerFactory(unit=tree["s1"], expired=True)]

    response = client.post(
        f"{API}/cases",
        open_payload(tree, EnforcementItemFactory(), handlers),
        content_type="application/json",
    )

    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("handler_not_qualified", "handlers")
    assert body["basis"]
    assert Case.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_invalid_input_answers_422_with_every_field(client, tree):
    client.force_login(clerk_for(tree["s1"]))
    handlers = [OfficerFactory(unit=tree["s1"])]

    response = client.post(
        f"{API}/cases",
        open_payload(
            tree,
            EnforcementItemFactory(),
            handlers,
            unit="500104-01",  # another district's station
            parties=[{"name": "张三", "id_number": "110101199003070012"}],
        ),
        content_type="application/json",
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert sorted(body["errors"]) == ["handlers", "parties.0.id_number", "unit"]
    assert Case.objects.count() == 0


def test_recording_an_event_answers_201_and_moves_the_deadline(client, tree, cases):
    client.force_login(cases["clerk"])
    url = f"{API}/cases/{cases['s1'].number}/events"

    with time_machine.travel(NOW, tick=False):
        notice = client.post(
            url,
            {
                "kind": "notify",
                "occurred_at": "2025-03-10T10:00",  # no offset: Shanghai time
                "data": {"proposed": "罚款200元", "proposed_fine": 200},
            },
            content_type="application/json",
        )
        decision = client.post(
            url,
            {
                "kind": "decide",
                "occurred_at": "2025-03-11T10:00:00+08:00",
                "data": {"outcome": "penalty", "fine": 200},
            },
            content_type="application/json",
        )
        deadlines = client.get(f"{API}/cases/{cases['s1'].number}/deadlines").json()

    assert (notice.status_code, decision.status_code) == (201, 201)
    assert dt.datetime.fromisoformat(notice.json()["occurred_at"]) == at("2025-03-10 10:00")
    assert notice.json()["data"] == {
        "proposed": "罚款200元",
        "proposed_fine": 200,
        "hearing_offered": False,  # a yes/no field not given is "no"
    }
    handling = next(d for d in deadlines if d["code"] == "handling")
    assert (handling["status"], handling["met_at"]) == ("met", "2025-03-11T02:00:00Z")


def test_a_refused_event_answers_422_with_code_field_and_basis(client, tree, cases):
    client.force_login(cases["clerk"])

    with time_machine.travel(NOW, tick=False):
        response = client.post(
            f"{API}/cases/{cases['s1'].number}/events",
            {
                "kind": "decide",
                "occurred_at": "2025-03-11T10:00:00+08:00",
                "data": {"outcome": "penalty"},
            },
            content_type="application/json",
        )

    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("notice_before_decision", "kind")
    assert "《中华人民共和国行政处罚法》第四十四条" in body["basis"]
    assert ProceduralEvent.objects.filter(case=cases["s1"]).count() == 1


def test_an_unknown_data_field_is_422(client, tree, cases):
    client.force_login(cases["clerk"])

    with time_machine.travel(NOW, tick=False):
        response = client.post(
            f"{API}/cases/{cases['s1'].number}/events",
            {"kind": "question", "occurred_at": "2025-03-11T10:00:00+08:00", "data": {"x": 1}},
            content_type="application/json",
        )

    assert (response.status_code, response.json()["field"]) == (422, "data.x")


def test_a_supervisor_may_read_but_not_record(client, tree, cases):
    as_user(client, Role.SUPERVISOR, tree["city"])

    response = client.post(
        f"{API}/cases/{cases['s1'].number}/events",
        {"kind": "question", "occurred_at": "2025-03-11T10:00:00+08:00"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert client.get(f"{API}/cases/{cases['s1'].number}/events").status_code == 200


def test_events_list_in_time_order_with_corrections(client, tree, cases):
    case, actor = cases["s1"], cases["clerk"]
    first = procedure.record_event(
        case, NewEvent("question", at("2025-03-05 10:00")), actor=actor, at=at(NOW[:16])
    )
    procedure.record_event(
        case,
        NewEvent("question", at("2025-03-05 09:00"), corrects=first, correction_reason="笔误"),
        actor=actor,
        at=at(NOW[:16]),
    )
    client.force_login(actor)

    body = client.get(f"{API}/cases/{case.number}/events").json()

    assert [(e["kind"], e["corrects"], e["correction_reason"]) for e in body] == [
        ("accept", None, ""),
        ("question", first.pk, "笔误"),
        ("question", None, ""),
    ]


def test_supervision_reads_due_and_overdue_deadlines(client, tree, cases):
    as_user(client, Role.SUPERVISOR, tree["city"])

    with time_machine.travel("2025-04-03 12:00+08:00", tick=False):
        overdue = client.get(f"{API}/deadlines", {"overdue": "true"}).json()
        due = client.get(f"{API}/deadlines", {"due_within_hours": 120}).json()

    assert [(d["case"], d["code"]) for d in overdue["items"]] == [(cases["s1"].number, "handling")]
    assert [d["case"] for d in due["items"]] == [cases["s1"].number, cases["s2"].number]
    assert due["items"][1]["status"] == DeadlineStatus.OPEN


def test_the_openapi_schema_lists_the_case_endpoints(client, db):
    paths = client.get(f"{API}/openapi.json").json()["paths"]

    assert sorted(p for p in paths if "/cases" in p or "/deadlines" in p) == [
        "/api/v1/cases",
        "/api/v1/cases/{number}",
        "/api/v1/cases/{number}/deadlines",
        "/api/v1/cases/{number}/events",
        "/api/v1/deadlines",
    ]


def test_the_case_page_schema_has_no_count_and_a_total_that_may_be_null(client, db):
    schema = client.get(f"{API}/openapi.json").json()["components"]["schemas"]["CasePageOut"]

    assert sorted(schema["properties"]) == ["has_next", "items", "page", "page_size", "total"]
    assert schema["properties"]["total"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert "total" not in schema["required"]


@time_machine.travel(NOW, tick=False)
def test_deadline_facts_are_data_and_the_explanation_follows_the_language(client, tree, cases):
    as_user(client, Role.CLERK, tree["s1"])
    url = f"{API}/cases/{cases['s1'].number}/deadlines"

    chinese = next(d for d in client.get(url).json() if d["code"] == "handling")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = next(d for d in client.get(url).json() if d["code"] == "handling")

    assert chinese["facts"] == english["facts"]
    assert chinese["facts"]["start"]["event"] == "accept"
    assert chinese["facts"]["periods"][0]["end"] == "2025-04-02"
    assert english["explanation"].startswith("Counted from Acceptance")
    schema = client.get(f"{API}/openapi.json").json()["components"]["schemas"]
    assert "DeadlineFactsOut" in schema
    assert "periods" in schema["DeadlineFactsOut"]["properties"]

"""The petitions API: the same domain functions, refusals as 422 with the provision."""

import json

import pytest
import time_machine

from fazhi.petitions.tests.factories import clerk_for, receive

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@time_machine.travel("2026-03-10 10:00+08:00")
def test_a_petition_is_registered_routed_and_told_through_the_api(client, tree):
    client.force_login(clerk_for(tree["s1"]))
    created = _post(client, "/api/v1/petitions/", {
        "unit": tree["s1"].code, "channel": "phone", "received_on": "2026-03-09",
        "petitioner_name": "周六", "matter": "工资被拖欠", "claims": ["要求支付欠薪"],
    })  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["deadlines"][0]["due_on"] == "2026-03-24"
    assert "《信访工作条例》第二十三条第二款" in body["deadlines"][0]["explanation"]

    claim = body["claims"][0]["id"]
    routed = _post(
        client, f"/api/v1/petitions/claims/{claim}/route", {"answers": {"dispute": "labour"}}
    )
    assert routed.json()["route"] == "arbitration"
    assert routed.json()["basis"] == "《信访工作条例》第三十一条第（二）项"

    told = _post(
        client,
        f"/api/v1/petitions/{body['id']}/notice",
        {"sent_on": "2026-03-10", "method": "邮寄送达"},
    )
    assert told.json()["status"] == "routed"


@time_machine.travel("2026-03-10 10:00+08:00")
def test_a_refusal_answers_422_with_the_field(client, tree):
    petition, user = receive(tree["s1"], now="2026-03-10 09:00")
    client.force_login(user)
    response = _post(client, f"/api/v1/petitions/{petition.pk}/reply",
                     {"outcome": "supported", "text": "支持", "replied_on": "2026-03-10"})  # fmt: skip
    assert response.status_code == 422
    assert response.json()["code"] == "petition_refused"


@time_machine.travel("2026-05-10 10:00+08:00")
def test_the_preview_says_when_the_reconsideration_window_has_passed(client, tree):
    client.force_login(clerk_for(tree["s1"]))
    response = _post(client, "/api/v1/petitions/routing/preview",
                     {"answers": {"act": "decided", "known_on": "2026-03-02"}})  # fmt: skip
    body = response.json()
    assert body["route"] == "litigation"
    assert body["windows"]["reconsideration"]["state"] == "passed"
    assert body["windows"]["litigation"]["last_day"] == "2026-09-02"


def test_another_units_petition_is_not_found(client, tree):
    petition, _ = receive(tree["s1"])
    client.force_login(clerk_for(tree["s2"]))
    assert client.get(f"/api/v1/petitions/{petition.pk}").status_code == 404
    assert client.get("/api/v1/petitions/").json() == []

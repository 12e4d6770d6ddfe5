"""The staff API of 警快办: scoped lists and reads, idempotent window submission, handling steps."""

import pytest
import time_machine

from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory
from fazhi.org.tokens import issue_token
from fazhi.services import applications as ops
from fazhi.services.models import Application, Channel, Step
from fazhi.services.models import ApplicationStatus as S
from fazhi.services.tests.factories import (
    GOOD_FORM,
    applicant,
    at,
    id_number,
    service_item,
    window_clerk,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/services/applications"
NOW = "2026-03-10 10:00+08:00"


def walk_in(item, unit, clerk, when="2026-03-02 09:00"):
    return ops.submit(
        item,
        applicant=applicant(),
        unit=unit,
        channel=Channel.WINDOW,
        data=GOOD_FORM,
        by=clerk,
        at=at(when),
    )


def submit(client, body, key="key-1"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(URL, body, content_type="application/json", headers=headers)


def body(service, **overrides):
    return {
        "item": service.code,
        "applicant": {"name": "李四", "id_number": id_number(), "phone": "13912345678"},
        "data": GOOD_FORM,
        **overrides,
    }


@pytest.fixture
def clerk(client, tree):
    user = window_clerk(tree["s1"])
    client.force_login(user)
    return user


@time_machine.travel(NOW, tick=False)
def test_the_list_holds_the_scopes_applications_only_with_masked_applicants(client, tree, clerk):
    item = service_item()
    mine = walk_in(item, tree["s1"], clerk)
    walk_in(item, tree["s2"], window_clerk(tree["s2"]))

    response = client.get(URL)

    data = response.json()
    assert [row["receipt"] for row in data["items"]] == [mine.receipt]
    assert (data["total"], data["has_next"]) == (1, False)
    row = data["items"][0]
    assert row["applicant_id_masked"] == mine.masked_id_number
    assert row["applicant_phone_masked"] == "139****5678"
    assert mine.applicant_id_number not in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_list_filters_like_the_queue(client, tree, clerk):
    item = service_item()
    accepted = walk_in(item, tree["s1"], clerk, when="2026-02-24 09:00")
    ops.accept(accepted, clerk, at=at("2026-02-24 10:00"))  # due 03-03: overdue on 03-10
    walk_in(item, tree["s1"], clerk)

    overdue = client.get(URL, {"overdue": "true"}).json()["items"]

    assert [(r["receipt"], r["is_overdue"]) for r in overdue] == [(accepted.receipt, True)]


def test_an_application_outside_the_scope_is_404_everywhere(client, tree, clerk):
    other = walk_in(service_item(), tree["s2"], window_clerk(tree["s2"]))

    assert client.get(f"{URL}/{other.receipt}").status_code == 404
    assert client.get(f"{URL}/{other.receipt}/events").status_code == 404
    response = client.post(
        f"{URL}/{other.receipt}/steps", {"step": "accept"}, content_type="application/json"
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == S.SUBMITTED


def test_the_administrators_are_refused(client, tree):
    client.force_login(UserFactory(role=Role.AUDIT_ADMIN, scope_unit=None))

    assert client.get(URL).status_code == 403


def test_a_token_reads_the_list_as_its_user(client, tree):
    user = window_clerk(tree["s1"])
    mine = walk_in(service_item(), tree["s1"], user)
    token = issue_token(user, "test", actor=user)

    response = client.get(URL, headers={"Authorization": f"Bearer {token}"})

    assert [row["receipt"] for row in response.json()["items"]] == [mine.receipt]


def test_a_window_submission_is_created_once_per_idempotency_key(client, tree, clerk):
    item = service_item()

    first = submit(client, body(item), key="retry-me")
    again = submit(client, body(item), key="retry-me")
    other = submit(client, body(item), key="another")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert first.json()["receipt"] == again.json()["receipt"] != other.json()["receipt"]
    assert Application.objects.count() == 2
    created = Application.objects.get(receipt=first.json()["receipt"])
    assert (created.channel, created.unit, created.created_by) == (
        Channel.WINDOW, tree["s1"], clerk,
    )  # fmt: skip


def test_two_clerks_keys_never_collide(client, tree, clerk):
    item = service_item()
    submit(client, body(item), key="same")
    client.force_login(window_clerk(tree["s1"]))

    response = submit(client, body(item), key="same")

    assert response.status_code == 201
    assert Application.objects.count() == 2


def test_a_key_reused_for_another_item_is_a_conflict(client, tree, clerk):
    submit(client, body(service_item()), key="k")

    response = submit(client, body(service_item()), key="k")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"


def test_a_submission_without_an_idempotency_key_is_refused(client, tree, clerk):
    response = submit(client, body(service_item()), key=None)

    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert not Application.objects.exists()


def test_bad_input_answers_422_with_every_fields_error(client, tree, clerk):
    payload = body(
        service_item(),
        applicant={"name": "", "id_number": "110101199003070012", "phone": "123"},
        data={"reason": "投靠亲属", "move_date": "soon"},
    )

    response = submit(client, payload)

    assert response.status_code == 422
    assert sorted(response.json()["errors"]) == [
        "applicant.id_number", "applicant.name", "applicant.phone",
        "data.household", "data.move_date",
    ]  # fmt: skip
    assert not Application.objects.exists()


def test_an_unknown_item_and_a_unit_outside_the_scope_are_both_named(client, tree, clerk):
    response = submit(client, body(service_item(), item="NOPE", unit="500104-01"))

    assert response.status_code == 422
    assert sorted(response.json()["errors"]) == ["item", "unit"]


def test_a_walk_in_completed_on_the_spot_through_the_api(client, tree, clerk):
    item = service_item(on_the_spot=True, promised_days=0)

    response = submit(client, body(item, on_the_spot=True))

    data = response.json()
    assert response.status_code == 201
    assert (data["status"], data["on_the_spot"], data["fully_online"]) == ("completed", True, False)
    assert [e["step"] for e in data["events"]] == ["submit", "accept", "approve", "complete"]


def test_a_refused_on_the_spot_completion_keeps_nothing(client, tree, clerk):
    response = submit(client, body(service_item(on_the_spot=False), on_the_spot=True))

    assert response.status_code == 422
    assert response.json()["code"] == "application_state"
    assert not Application.objects.exists()


def test_the_steps_run_and_are_listed(client, tree, clerk):
    app = walk_in(service_item(), tree["s1"], clerk)

    def step(name, **extra):
        return client.post(
            f"{URL}/{app.receipt}/steps", {"step": name, **extra}, content_type="application/json"
        )

    assert step("accept").json()["clock"]["state"] == "running"
    stopped = step("ask_supplement", missing=["户口簿"]).json()
    assert (stopped["status"], stopped["clock"]["state"]) == ("supplement", "stopped")
    step("supplement")
    step("approve")
    done = step("complete").json()

    assert done["status"] == "completed"
    steps = client.get(f"{URL}/{app.receipt}/events").json()
    assert [e["step"] for e in steps] == [
        Step.SUBMIT, Step.ACCEPT, Step.ASK_SUPPLEMENT, Step.SUPPLEMENT, Step.APPROVE, Step.COMPLETE,
    ]  # fmt: skip
    assert steps[2]["data"]["missing"] == ["户口簿"]


def test_a_step_that_does_not_fit_the_state_answers_422(client, tree, clerk):
    app = walk_in(service_item(), tree["s1"], clerk)

    response = client.post(
        f"{URL}/{app.receipt}/steps", {"step": "complete"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "application_state"


def test_a_refusal_without_a_reason_answers_422_with_the_basis(client, tree, clerk):
    app = walk_in(service_item(), tree["s1"], clerk)

    response = client.post(
        f"{URL}/{app.receipt}/steps", {"step": "refuse"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert (response.json()["field"], response.json()["basis"]) == (
        "reason", ops.BASIS_ACCEPT,
    )  # fmt: skip


def test_an_unknown_step_answers_422(client, tree, clerk):
    app = walk_in(service_item(), tree["s1"], clerk)

    response = client.post(
        f"{URL}/{app.receipt}/steps", {"step": "teleport"}, content_type="application/json"
    )

    assert (response.status_code, response.json()["field"]) == (422, "step")

"""The API's contract (issue 11, ADR 0027): one error body, unique schema names, every status documented."""

from __future__ import annotations

import typing
from collections import defaultdict

import pytest
from django.test import Client
from pydantic import BaseModel

from fazhi.api import api
from fazhi.core.api_errors import ErrorOut, from_validation_errors
from fazhi.core.roles import Role
from fazhi.org.tokens import issue_token

ERROR_FIELDS = {"code", "detail", "field", "basis", "errors"}


def _models_in(annotation: typing.Any, found: set[type[BaseModel]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _models_in(field.annotation, found)
        return
    for argument in typing.get_args(annotation):
        _models_in(argument, found)


def _every_schema_class() -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    _models_in(model, found)
                for model in (operation.response_models or {}).values():
                    _models_in(model, found)
    return found


def test_no_two_schema_classes_share_a_name():
    by_name: dict[str, set[str]] = defaultdict(set)
    for model in _every_schema_class():
        if model.__module__.startswith("fazhi."):
            by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")

    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}

    assert shared == {}


def test_the_case_events_are_documented_with_the_case_event_schema():
    schema = api.get_openapi_schema()
    events = schema["paths"]["/api/v1/cases/{number}/events"]["get"]["responses"][200]
    event_out = schema["components"]["schemas"]["EventOut"]

    assert events["content"]["application/json"]["schema"]["items"]["$ref"].endswith("/EventOut")
    assert {"kind", "occurred_at", "recorded_by"} <= set(event_out["properties"])


def test_every_operation_documents_its_error_statuses_with_the_one_error_body():
    schema = api.get_openapi_schema()

    undocumented = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in (401, 403, 404):
                if status not in responses and str(status) not in responses:
                    undocumented.append(f"{method.upper()} {path} {status}")
            for status, response in responses.items():
                if int(status) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorOut", (path, status)

    assert undocumented == []
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == ERROR_FIELDS


def test_a_pydantic_error_becomes_the_error_body_naming_the_field():
    errors = [
        {"type": "less_than_equal", "loc": ("query", "page"), "msg": "…", "ctx": {"le": 100000}},
        {"type": "missing", "loc": ("body", "payload", "parties", 0, "name"), "msg": "…"},
    ]

    body = from_validation_errors(errors)

    assert body["code"] == "invalid"
    assert body["field"] == "page"
    assert body["errors"] == {"page": ["不能大于 100000。"], "parties.0.name": ["必须填写。"]}
    assert ErrorOut.model_validate(body)


@pytest.fixture
def token(make_user, tree):
    user = make_user(Role.SUPERVISOR, scope_unit=tree["city"])
    return issue_token(user, "test", actor="system:test")


def test_an_invalid_query_answers_422_with_the_error_body(token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.get("/api/v1/cases", {"page": "abc"})

    assert response.status_code == 422
    assert set(response.json()) == ERROR_FIELDS
    assert response.json()["field"] == "page"


def test_an_unknown_record_answers_404_with_the_error_body(token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.get("/api/v1/cases/no-such-case")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert set(response.json()) == ERROR_FIELDS


def test_no_token_answers_401_with_the_error_body(db):
    response = Client().get("/api/v1/cases")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert set(response.json()) == ERROR_FIELDS


def test_a_bidi_override_in_a_json_body_is_refused_naming_the_field(token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.post(
        "/api/v1/cases",
        {"title": "殴打他人\u202e", "parties": [{"name": "张\x00三"}]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "control_character"
    assert response.json()["field"] == "title"
    assert "U+202E" in response.json()["detail"]

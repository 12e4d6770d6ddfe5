"""Issue 11, "No 5xx, on any input": every value found to answer 500 now answers 4xx.

Each probe below answered 500 before fazhi.core.bounds parsed and bounded the value (ADR 0027);
each now answers 400 (a query parameter out of bounds, the field named) or 422 (an invalid body,
the field named), on the pages and the API alike, on the tiny demo data set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os

import pytest
import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from ninja.responses import NinjaJSONEncoder
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fazhi.api import api as fazhi_api
from fazhi.cases.models import Case
from fazhi.core import demo
from fazhi.core.clock import SHANGHAI
from fazhi.org.models import User
from fazhi.org.tokens import issue_token
from fazhi.supervision.models import ReviewSample
from fazhi.wsgi import application

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 11, 20)
HUGE = "9223372036854775807"
UNIT_25 = "1" * 25


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """The tiny demo (laws, tree, cases, orders, reviews, 100 applications), loaded once."""
    with (
        time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=SHANGHAI), tick=False),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        demo.load(dataclasses.replace(demo.TINY, applications=100), on=ON)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def as_user(site, db):
    def client(username: str) -> Client:
        browser = Client(raise_request_exception=False)
        browser.force_login(User.objects.get(username=username))
        return browser

    return client


@pytest.fixture
def api(site, db):
    def client(username: str) -> Client:
        token = issue_token(User.objects.get(username=username), "test", actor="system:test")
        return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")

    return client


def _status(client: Client, url: str, params: dict[str, str] | None = None) -> int:
    return client.get(url, params or {}).status_code


# --- Pages and page numbers -------------------------------------------------------------------

PAGED_PAGES = [
    ("city", "/cases/"),
    ("city", "/org/officers/"),
    ("city", "/catalog/items/"),
    ("city", "/supervision/warnings/"),
    ("city", "/supervision/orders/"),
    ("city", "/supervision/review/"),
    ("window", "/services/"),
    ("city", "/services/warnings/"),
    ("auditadmin", "/audit/"),
    ("sysadmin", "/org/accounts/"),
]


@pytest.mark.parametrize(("username", "url"), PAGED_PAGES)
@pytest.mark.parametrize("page", [HUGE, "1e25", "-1", "0", "abc"])
def test_a_page_number_out_of_bounds_is_a_400_naming_the_page(as_user, username, url, page):
    response = as_user(username).get(url, {"page": page})

    assert response.status_code == 400
    assert "page" in response.content.decode()


def test_the_400_page_has_the_site_navigation_and_says_why(as_user):
    body = as_user("city").get("/cases/", {"page": HUGE}).content.decode()

    assert 'data-testid="error-heading"' in body
    assert "400" in body
    assert "1 至 100000" in body
    assert "navbar" in body  # the site's menu, not Django's bare "Bad Request (400)"


def test_the_404_page_has_the_site_navigation(as_user):
    response = as_user("city").get("/cases/no-such-case/")

    assert response.status_code == 404
    assert "navbar" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases",
        "/api/v1/deadlines",
        "/api/v1/services/applications",
        "/api/v1/org/officers",
        "/api/v1/org/units",
    ],
)
@pytest.mark.parametrize("page", [HUGE, "1e25"])
def test_an_api_page_out_of_bounds_is_refused_with_the_error_body(api, url, page):
    response = api("city").get(url, {"page": page})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == "page"
    assert set(body) == {"code", "detail", "field", "basis", "errors"}


@pytest.mark.parametrize(
    "params", [{"offset": HUGE}, {"limit": HUGE}, {"offset": "1e25"}, {"limit": "-1"}]
)
def test_an_api_offset_or_limit_out_of_bounds_is_a_422(api, params):
    response = api("city").get("/api/v1/catalog/items", params)

    assert response.status_code == 422
    assert response.json()["field"] == next(iter(params))


# --- Dates ------------------------------------------------------------------------------------

DATED_PAGES = [
    ("auditadmin", "/audit/", "date_from"),
    ("auditadmin", "/audit/", "date_to"),
    ("window", "/services/", "date_from"),
    ("window", "/services/", "date_to"),
    ("city", "/reports/services/", "from"),
    ("city", "/reports/services/", "to"),
    ("city", "/reports/metrics/case_quality_excellent_rate/", "from"),
    ("city", "/reports/metrics/case_quality_excellent_rate/", "to"),
    ("city", "/supervision/", "on"),
    ("city", "/supervision/orders/", "answered_from"),
    ("city", "/supervision/orders/", "answered_to"),
]


@pytest.mark.parametrize(("username", "url", "field"), DATED_PAGES)
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_a_date_out_of_bounds_is_a_400_naming_the_field(as_user, username, url, field, value):
    other = {"answered_from": "answered_to", "answered_to": "answered_from"}.get(field)
    params = {field: value, **({other: "2026-01-01"} if other else {})}

    response = as_user(username).get(url, params)

    assert response.status_code == 400, (url, field, value)
    assert field in response.content.decode()


def test_a_supervision_dashboard_of_year_9999_is_a_400(as_user):
    assert _status(as_user("city"), "/supervision/", {"on": "9999-12-31"}) == 400
    assert _status(as_user("city"), "/supervision/", {"on": "2026-11-01"}) == 200


@pytest.mark.parametrize("on", ["0001-01-01", "9999-12-31"])
def test_a_citation_resolved_on_an_impossible_day_is_refused(api, on):
    response = api("city").get(
        "/api/v1/law/resolve", {"citation": "行政处罚法第三十三条", "on": on}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "on"


def test_a_citation_of_an_absurd_article_number_is_a_422_naming_the_citation(api):
    response = api("city").get(
        "/api/v1/law/resolve", {"citation": "治安管理处罚法第999999999999999999999条"}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "citation"


# --- Ids, samples, checklists, unit codes -----------------------------------------------------


def test_a_review_of_a_sample_id_that_is_not_a_number_is_a_400(as_user):
    case = Case.objects.first()

    response = as_user("city").get(
        "/supervision/review/new/", {"case": case.number, "sample": "abc"}
    )

    assert response.status_code == 400
    assert "sample" in response.content.decode()


def test_a_review_of_a_25_digit_sample_id_is_a_400(as_user):
    case = Case.objects.first()

    response = as_user("city").get(
        "/supervision/review/new/", {"case": case.number, "sample": UNIT_25}
    )

    assert response.status_code == 400


def test_a_review_with_an_unknown_checklist_is_a_400_naming_it(as_user):
    case = Case.objects.first()

    response = as_user("city").get(
        "/supervision/review/new/", {"case": case.number, "checklist": "nope"}
    )

    assert response.status_code == 400
    assert "checklist" in response.content.decode()


def test_a_document_for_an_event_that_is_not_a_number_is_a_400(as_user):
    case = Case.objects.visible_to(User.objects.get(username="officer")).first()

    response = as_user("officer").post(f"/cases/{case.number}/documents/summons/", {"event": "abc"})

    assert response.status_code in {400, 404}


@pytest.mark.parametrize("size", ["1e30", HUGE, "-5", "abc"])
def test_a_review_sample_of_an_absurd_size_is_refused_on_the_form(as_user, size):
    before = ReviewSample.objects.count()

    response = as_user("city").post(
        "/supervision/review/samples/new/",
        {
            "mode": "random",
            "unit": User.objects.get(username="city").scope_unit.code,
            "period_start": "2026-01-01",
            "period_end": "2026-10-31",
            "size": size,
        },
    )

    assert response.status_code == 400
    assert ReviewSample.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        "/cases/",
        "/org/officers/",
        "/reports/services/",
        "/supervision/orders/",
        "/discretion/audit/cases/",
    ],
)
def test_a_25_digit_unit_code_is_not_a_500(as_user, url):
    assert _status(as_user("city"), url, {"unit": UNIT_25}) in {200, 400, 404}


def test_a_case_list_filtered_by_an_absurd_number_of_days_is_not_a_500(as_user):
    assert _status(as_user("city"), "/cases/", {"due_within_days": HUGE}) in {200, 400}


# --- Event times and date facts through the API -------------------------------------------------


def _handled_case() -> Case:
    return Case.objects.visible_to(User.objects.get(username="officer")).order_by("pk").first()


@pytest.mark.parametrize("when", ["0001-01-01T10:00:00+08:00", "9999-12-31T10:00:00+08:00"])
def test_an_event_in_year_1_or_9999_is_a_422_naming_the_time(api, when):
    case = _handled_case()

    response = api("officer").post(
        f"/api/v1/cases/{case.number}/events",
        {"kind": "notify", "occurred_at": when, "data": {}},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["field"] == "occurred_at"


@pytest.mark.parametrize("fact", [12345, ["2025-01-01"], {"a": 1}])
def test_a_number_or_a_list_where_a_date_is_expected_is_a_422(api, fact):
    case = _handled_case()

    response = api("officer").post(
        f"/api/v1/cases/{case.number}/events",
        {
            "kind": "decide",
            "occurred_at": "2026-11-19T10:00:00+08:00",
            "data": {"served_on": fact, "facts": {"act_on": fact}},
        },
        content_type="application/json",
    )

    assert response.status_code == 422


# --- The fuzz run of the whole OpenAPI (schemathesis) -------------------------------------------
# A small budget in the suite; `make fuzz` runs the same test with FAZHI_FUZZ_EXAMPLES=200.
# Checks: no 5xx, every status documented, the documented content type, the response's schema.

FUZZ_EXAMPLES = int(os.environ.get("FAZHI_FUZZ_EXAMPLES", "6"))
FUZZ_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_keeps_the_connection():
    """Keep the test's connection open across WSGI calls, as Django's test client does.

    The WSGI handler closes the database connection when a request finishes, which would end
    the test's transaction (and the demo data) after the first call.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def officer_token(site, db) -> str:
    """A bearer token of the demo 执法民警: reads in scope and records events (writes)."""
    return issue_token(User.objects.get(username="officer"), "fuzz", actor="system:test")


# The schema as the API publishes it at /api/v1/openapi.json, called in process (WSGI). Loaded
# eagerly: schemathesis' lazy fixture loader does not run under pytest 9.
fuzzed = schemathesis.openapi.from_dict(
    json.loads(json.dumps(fazhi_api.get_openapi_schema(), cls=NinjaJSONEncoder))
)
fuzzed.app = application
fuzzed.location = "/api/v1/openapi.json"


@fuzzed.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FAZHI_FUZZ_RANDOM") != "1",
    suppress_health_check=list(HealthCheck),
)
def test_fuzz_the_api_finds_no_server_error_and_no_schema_violation(
    case, officer_token, wsgi_keeps_the_connection
):
    case.call_and_validate(headers={"Authorization": f"Bearer {officer_token}"}, checks=FUZZ_CHECKS)

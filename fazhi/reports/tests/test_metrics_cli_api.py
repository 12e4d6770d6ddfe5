"""`fazhi metrics list|show` and GET /api/v1/metrics/[{code}]: one JSON, every registered metric.

The per-metric tests are parametrised over the registry as it stands when the tests are
collected, so a metric an app registers later is covered without touching this file.
Hand-computed figures reuse the small data sets of the apps' own metric tests: the 评查 grades of
fazhi/reports/tests/test_metrics.py (甲区 5 优良 of 10, the city 5 of 11) and the October
applications of fazhi/services/tests/test_metrics.py (甲区 3 of 5 completed fully online, 21
working days over 5; 乙区 1 of 1).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from fazhi.core import metrics
from fazhi.core.clock import start_of_day
from fazhi.core.errors import FazhiError
from fazhi.core.metrics import EARLIEST_DAY, LATEST_DAY, MetricKind, parse_period
from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory
from fazhi.reports.management.commands.metrics import language_of_environment
from fazhi.reports.tests.test_metrics import reviewed  # noqa: F401 - fixture
from fazhi.services.tests.test_metrics import NOW, october  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

API = "/api/v1/metrics"
CODES = [m.code for m in metrics.all_metrics()]
KEYS = {
    "code",
    "name",
    "value",
    "numerator",
    "denominator",
    "formula",
    "unit",
    "kind",
    "app",
    "period",
    "scope",
    "records",
}
OCT = {"from": "2026-10-01", "to": "2026-10-31"}
JAN = {"from": "2026-01-01", "to": "2026-01-31"}


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `fazhi metrics ARGS` in-process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    env = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8", **(env or {})}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        call_command("metrics", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return status, out.getvalue(), err.getvalue()


def cli_json(*args: str) -> dict:
    status, out, err = cli(*args, "--json")
    assert status == 0, err
    return json.loads(out)


def period_args(period: dict[str, str]) -> list[str]:
    return ["--from", period["from"], "--to", period["to"]]


def api_as(client, role, unit):
    client.force_login(UserFactory(role=role, scope_unit=unit))
    return client


# --- every registered metric ---------------------------------------------------------------------


def test_the_registry_holds_the_review_and_the_services_metrics():
    assert {"case_quality_excellent_rate", "services_fully_online_rate"} <= set(CODES)
    assert len(CODES) >= 14


def test_the_list_names_code_name_formula_unit_and_app_of_every_metric():
    rows = json.loads(cli("list", "--json")[1])
    assert [row["code"] for row in rows] == CODES
    for row in rows:
        assert set(row) == {"code", "name", "formula", "unit", "kind", "app"}
        assert all(row[key] for key in ("name", "formula", "unit", "app")), row
    by_code = {row["code"]: row for row in rows}
    assert by_code["case_quality_pass_rate"]["app"] == "supervision"
    assert by_code["services_overdue_open"] == by_code["services_overdue_open"] | {
        "app": "services",
        "kind": "count",
        "unit": "件",
    }


def test_the_api_list_is_the_commands_list(client, tree):
    api_as(client, Role.OFFICER, tree["s1"])
    assert client.get(f"{API}/").json() == json.loads(cli("list", "--json")[1])


def test_the_human_list_is_a_table_with_a_row_per_metric():
    status, out, _ = cli("list")
    lines = out.splitlines()
    assert status == 0
    assert len(lines) == 1 + len(CODES)
    assert lines[0].split()[:2] == ["代码", "名称"]
    assert all(line.startswith(code) for line, code in zip(lines[1:], CODES, strict=True))


@pytest.mark.parametrize("code", CODES)
def test_every_metric_answers_the_command_and_the_api_alike(client, tree, code):
    """On no data: a rate or an average has no figure (null), a count is 0; same JSON twice."""
    with time_machine.travel(NOW, tick=False):
        shown = cli_json("show", code, *period_args(OCT))
        api_as(client, Role.LEADER, tree["city"])
        answered = client.get(f"{API}/{code}", OCT)
        page = client.get(answered.json()["records"])
    assert answered.status_code == 200
    assert answered.json() == shown
    assert set(shown) == KEYS
    metric = metrics.get(code)
    assert (shown["code"], shown["name"], shown["formula"]) == (
        code,
        str(metric.name),
        str(metric.formula),
    )
    assert shown["period"] == OCT
    assert shown["scope"] == {"code": tree["city"].code, "name": tree["city"].name}
    assert shown["denominator"] == 0
    if shown["kind"] == MetricKind.COUNT:
        assert shown["value"] == shown["numerator"] == 0
    else:
        assert shown["value"] is None
    assert shown["records"] == (
        reverse("reports:metric", args=[code]) + f"?unit={tree['city'].code}&from=2026-10-01"
        "&to=2026-10-31"
    )
    assert page.status_code == 200  # the drill-down page of every metric renders


@pytest.mark.parametrize("code", CODES)
def test_every_metric_refuses_a_unit_outside_the_scope(client, tree, code):
    api_as(client, Role.OFFICER, tree["s1"])
    answered = client.get(f"{API}/{code}", {**OCT, "unit": tree["s2"].code})
    assert answered.status_code == 404
    assert answered.json()["field"] == "unit"
    UserFactory(username="s1officer", role=Role.OFFICER, scope_unit=tree["s1"])
    status, out, err = cli("show", code, "--as", "s1officer", "--unit", tree["s2"].code)
    assert (status, out) == (2, "")
    assert err.strip() == f"没有单位 {tree['s2'].code}，或该单位不在您的范围内。"


# --- hand-computed figures -----------------------------------------------------------------------


def test_the_excellent_rate_of_a_district_and_of_the_city(client, tree, reviewed):  # noqa: F811
    shown = cli_json(
        "show", "case_quality_excellent_rate", *period_args(JAN), "--unit", tree["d1"].code
    )
    assert (shown["value"], shown["numerator"], shown["denominator"]) == (50.0, 5, 10)
    assert shown["scope"] == {"code": "500103", "name": "甲区分局"}
    city = cli_json("show", "case_quality_excellent_rate", *period_args(JAN))
    assert (city["value"], city["numerator"], city["denominator"]) == (45.5, 5, 11)
    api_as(client, Role.SUPERVISOR, tree["d1"])
    answered = client.get(f"{API}/case_quality_excellent_rate", JAN).json()
    assert answered == shown  # the supervisor's default unit is their scope unit


def test_the_pass_rate_in_a_month_without_reviews_has_no_figure(tree, reviewed):  # noqa: F811
    shown = cli_json("show", "case_quality_pass_rate", "--from", "2026-03-01", "--to", "2026-03-31")
    assert (shown["value"], shown["numerator"], shown["denominator"]) == (None, 0, 0)


def test_the_services_figures_of_october(client, tree, october):  # noqa: F811
    with time_machine.travel(NOW, tick=False):
        d1 = ["--unit", tree["d1"].code, *period_args(OCT)]
        rate = cli_json("show", "services_fully_online_rate", *d1)
        days = cli_json("show", "services_average_working_days", *d1)
        late = cli_json("show", "services_completed_late", *d1)
        city = cli_json("show", "services_fully_online_rate", *period_args(OCT))
    assert (rate["value"], rate["numerator"], rate["denominator"]) == (60.0, 3, 5)
    assert (days["value"], days["numerator"], days["denominator"]) == (4.2, 21, 5)
    assert (late["value"], late["numerator"], late["denominator"], late["kind"]) == (
        1,
        1,
        5,
        "count",
    )
    assert (city["value"], city["numerator"], city["denominator"]) == (66.7, 4, 6)


def test_a_user_sees_the_figure_of_their_own_subtree(client, tree, october):  # noqa: F811
    UserFactory(username="yi", role=Role.SUPERVISOR, scope_unit=tree["d2"])
    with time_machine.travel(NOW, tick=False):
        shown = cli_json("show", "services_fully_online_rate", *period_args(OCT), "--as", "yi")
        api_as(client, Role.OFFICER, tree["s2"])
        station = client.get(f"{API}/services_fully_online_rate", OCT).json()
    assert (shown["value"], shown["numerator"], shown["denominator"]) == (100.0, 1, 1)
    assert shown["scope"]["code"] == tree["d2"].code
    assert (station["value"], station["scope"]["code"]) == (100.0, tree["s2"].code)


def test_a_station_officer_asking_for_the_district_above_gets_404(client, tree, october):  # noqa: F811
    api_as(client, Role.OFFICER, tree["s1"])
    for unit in (tree["d1"], tree["city"], tree["s2"]):
        answered = client.get(f"{API}/services_fully_online_rate", {**OCT, "unit": unit.code})
        assert answered.status_code == 404, unit.code
    assert client.get(f"{API}/services_fully_online_rate", {"unit": "NOPE"}).status_code == 404


def test_the_human_show_is_a_small_table(tree, reviewed):  # noqa: F811
    status, out, _ = cli(
        "show", "case_quality_excellent_rate", *period_args(JAN), "--unit", tree["d1"].code
    )
    rows = dict(line.split(maxsplit=1) for line in out.splitlines())
    assert status == 0
    assert rows["数值"] == "50.0 %"
    assert (rows["分子"], rows["分母"]) == ("5", "10")
    assert rows["范围"] == "500103  甲区分局"
    assert rows["期间"] == "2026-01-01 — 2026-01-31"
    _, empty, _ = cli(
        "show", "case_quality_excellent_rate", "--from", "2026-03-01", "--to", "2026-03-31"
    )
    assert "—（分母为 0，无数值）" in empty


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (["--from", "2026-13-01"], "from", "from 的值 2026-13-01 不是 YYYY-MM-DD 格式的日期。"),
        (["--to", "31/01/2026"], "to", "to 的值 31/01/2026 不是 YYYY-MM-DD 格式的日期。"),
        (["--from", "20260101"], "from", "from 的值 20260101 不是 YYYY-MM-DD 格式的日期。"),
        (
            ["--from", "2026-02-01", "--to", "2026-01-31"],
            "to",
            "统计截止日 2026-01-31 早于起始日 2026-02-01。",
        ),
        (
            ["--from", "1949-09-30", "--to", "1950-01-01"],
            "from",
            "统计日期 1949-09-30 超出 1949-10-01 至 2100-12-31 的范围。",
        ),
        (
            ["--from", "2100-01-01", "--to", "2101-01-01"],
            "to",
            "统计日期 2101-01-01 超出 1949-10-01 至 2100-12-31 的范围。",
        ),
    ],
)
def test_bad_days_are_one_line_and_status_2_or_a_422_naming_the_field(
    client, tree, args, field, message
):
    status, out, err = cli("show", "case_quality_pass_rate", *args)
    assert (status, out, err) == (2, "", message + "\n")
    api_as(client, Role.LEADER, tree["city"])
    query = dict(
        zip(["from" if a == "--from" else "to" for a in args[::2]], args[1::2], strict=True)
    )
    answered = client.get(f"{API}/case_quality_pass_rate", query)
    assert answered.status_code == 422
    assert answered.json()["field"] == field
    assert answered.json()["detail"] == message


def test_an_unknown_code_user_or_unit_is_refused(client, tree):
    assert cli("show", "no_such_metric") == (2, "", "没有指标 no_such_metric。\n")
    assert cli("show", "case_quality_pass_rate", "--as", "ghost") == (
        2,
        "",
        "没有启用的用户 ghost。\n",
    )
    assert cli("show", "case_quality_pass_rate", "--unit", "NOPE")[0] == 2
    api_as(client, Role.LEADER, tree["city"])
    answered = client.get(f"{API}/no_such_metric")
    assert answered.status_code == 404
    assert answered.json() == {  # the API's one error body (ADR 0027)
        "code": "unknown_metric",
        "detail": "没有指标 no_such_metric。",
        "field": "code",
        "basis": None,
        "errors": None,
    }


def test_the_message_follows_the_locale(tree):
    assert cli("show", "no_such_metric", env={"LANG": "en_US.UTF-8"})[2] == (
        "There is no metric no_such_metric.\n"
    )
    status, _, err = cli(
        "show",
        "case_quality_pass_rate",
        *["--from", "2026-02-01", "--to", "2026-01-01"],
        env={"LC_ALL": "en_GB.UTF-8"},
    )
    assert (status, err) == (
        2,
        "The end date 2026-01-01 is earlier than the start date 2026-02-01.\n",
    )
    assert (
        cli("show", "no_such_metric", env={"LANG": "zh_CN.UTF-8"})[2]
        == "没有指标 no_such_metric。\n"
    )


def test_the_language_of_the_environment():
    assert language_of_environment({"LANG": "en_US.UTF-8"}) == "en"
    assert language_of_environment({"LANG": "zh_CN.UTF-8"}) == "zh-hans"
    assert language_of_environment({"LANGUAGE": "en", "LANG": "zh_CN.UTF-8"}) == "en"
    assert language_of_environment({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}) == "zh-hans"
    assert language_of_environment({"LC_ALL": "C", "LANG": "en_US.UTF-8"}) == "zh-hans"
    assert language_of_environment({}) == "zh-hans"


def test_a_role_without_scoped_data_gets_403(client, tree):
    api_as(client, Role.SYSTEM_ADMIN, tree["city"])
    assert client.get(f"{API}/").status_code == 403
    assert client.get(f"{API}/case_quality_pass_rate").status_code == 403
    client.logout()
    assert client.get(f"{API}/case_quality_pass_rate").status_code == 401


def test_the_real_command_prints_one_line_and_no_traceback(tmp_path):
    """Through the `fazhi` entry point, as an operator types it (no database needed to refuse)."""
    fazhi = Path(sys.executable).with_name("fazhi")
    env = {**os.environ, "LANG": "en_US.UTF-8", "LC_ALL": "", "LANGUAGE": ""}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    run = subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
        [str(fazhi), "metrics", "show", "no_such_metric", "--from", "2026-01-01"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert (run.returncode, run.stdout, run.stderr) == (
        2,
        "",
        "There is no metric no_such_metric.\n",
    )


# --- the OpenAPI schema --------------------------------------------------------------------------


def test_the_openapi_schema_documents_both_endpoints(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/metrics/", "/api/v1/metrics/{code}"} <= set(schema["paths"])
    show = schema["paths"]["/api/v1/metrics/{code}"]["get"]
    assert {p["name"] for p in show["parameters"]} >= {"code", "from", "to", "unit"}
    assert {"200", "404", "422"} <= set(show["responses"])
    components = schema["components"]["schemas"]
    for name in ("MetricInfoOut", "MetricFigureOut", "MetricPeriodOut", "MetricScopeOut"):
        assert name in components, name
    assert set(components["MetricPeriodOut"]["properties"]) == {"from", "to"}
    assert "records" in components["MetricFigureOut"]["properties"]


# --- the period --------------------------------------------------------------------------------------


def test_a_missing_period_runs_from_1_january_to_today():
    assert parse_period(None, None, today=dt.date(2026, 12, 7)) == metrics.Period(
        dt.date(2026, 1, 1), dt.date(2026, 12, 7)
    )
    assert parse_period(None, "2025-06-30", today=dt.date(2026, 12, 7)).start == dt.date(2025, 1, 1)


ONE_DAY = dt.timedelta(days=1)
days = st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2110, 12, 31))


@given(days, days)
def test_a_period_is_accepted_exactly_when_ordered_and_in_range(first, last):
    in_range = EARLIEST_DAY <= first <= LATEST_DAY and EARLIEST_DAY <= last <= LATEST_DAY
    if in_range and first <= last:
        period = parse_period(first.isoformat(), last.isoformat(), today=dt.date(2026, 1, 1))
        assert (period.low, period.high) == (start_of_day(first), start_of_day(last + ONE_DAY))
    else:
        with pytest.raises(FazhiError) as refused:
            parse_period(first.isoformat(), last.isoformat(), today=dt.date(2026, 1, 1))
        assert refused.value.field in {"from", "to"}


def test_a_user_whose_role_sees_no_scoped_data_gets_no_unit(tree):
    UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN, scope_unit=tree["city"])
    status, out, err = cli("show", "case_quality_pass_rate", "--as", "sysadmin")
    assert (status, out) == (2, "")
    assert err == "没有可以统计的单位：请用 unit 指定一个您范围内的单位。\n"

"""The 警快办 metrics on small hand-computed data (docs/metrics.md has the definitions).

October 2026, 甲区 (d1, station s1), unless said otherwise. Items: A online (fully-online capable,
5 days), B online but collect at a window (1 day, on the spot), C window only (on the spot, 0
days), D the roster item (fully online, 10 days), E inactive. Applications:

    a1 A online  09-29 09:00 → done 10-09 11:00, fully online   3 wd (09-30, 10-08, 10-09), 242 h
    a2 C window  10-12 09:00 → done 10-12 09:30 on the spot    0 wd, 0.5 h
    a3 A online  10-13 09:00 → done 10-26 10:00, due 10-20    9 wd, 313 h, late
    a4 B online  10-14 09:00 → visit, done 10-15 09:30         1 wd, 24.5 h
    a5 A online  10-20 09:00 → accepted, due 10-27: overdue on 10-31
    a6 A self-service 10-21 → refused
    a7 D online  10-05 10:00 → done 10-16 09:00, a group       8 wd, 263 h
    a8 A online at s2 (乙区) 10-14 09:00 → done 10-14 15:00    0 wd, 6 h
    a9 A window  10-30 09:00, not yet accepted

甲区: submitted 7 (online 4, window 2, self-service 1); completed 5 (a1 a2 a3 a4 a7): fully
online 3 → 60.0 %, on the spot 1 → 20.0 %, 21 wd → 4.2, 843 h → 168.6 h, late 1, groups 1.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from fazhi.core import metrics as registry
from fazhi.core.metrics import Period
from fazhi.core.roles import Role
from fazhi.services import applications as ops
from fazhi.services import metrics
from fazhi.services.models import Channel, GroupRoster, HandlingMode
from fazhi.services.tests.factories import (
    GOOD_FORM,
    applicant,
    at,
    citizen,
    service_item,
    window_clerk,
)

pytestmark = pytest.mark.django_db

OCTOBER = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
NOW = "2026-11-25 12:00+08:00"
ON, OW, W = HandlingMode.ONLINE, HandlingMode.ONLINE_WINDOW, HandlingMode.WINDOW


def _submit(item, unit, channel, when, clerk):
    return ops.submit(
        item,
        applicant=applicant(),
        unit=unit,
        channel=channel,
        data=GOOD_FORM,
        by=citizen() if channel == Channel.ONLINE else clerk,
        at=at(when),
    )


def _done(app, clerk, accepted, completed):
    ops.accept(app, clerk, at=at(accepted))
    ops.approve(app, clerk, at=at(completed))
    ops.complete(app, clerk, at=at(completed))
    return app


@pytest.fixture
def october(tree):
    with time_machine.travel(NOW, tick=False):
        yield _october(tree)


def _october(tree):
    s1, s2 = tree["s1"], tree["s2"]
    c1, c2 = window_clerk(s1), window_clerk(s2)
    a = service_item(name="A", modes=(ON, W), promised_days=5)
    b = service_item(name="B", modes=(OW, W), promised_days=1, on_the_spot=True)
    c = service_item(name="C", modes=(W,), promised_days=0, on_the_spot=True, is_online=False)
    d = service_item(name="D", modes=(ON,), promised_days=10, needs_roster=True)
    service_item(name="E", modes=(ON,), is_active=False, on_the_spot=True)
    apps = {}
    apps["a1"] = _done(
        _submit(a, s1, Channel.ONLINE, "2026-09-29 09:00", c1),
        c1,
        "2026-09-30 10:00",
        "2026-10-09 11:00",
    )
    apps["a2"] = ops.complete_on_the_spot(
        _submit(c, s1, Channel.WINDOW, "2026-10-12 09:00", c1), c1, at=at("2026-10-12 09:30")
    )
    apps["a3"] = _done(
        _submit(a, s1, Channel.ONLINE, "2026-10-13 09:00", c1),
        c1,
        "2026-10-13 10:00",
        "2026-10-26 10:00",
    )
    a4 = _submit(b, s1, Channel.ONLINE, "2026-10-14 09:00", c1)
    ops.accept(a4, c1, at=at("2026-10-14 10:00"))
    ops.record_visit(a4, c1, at=at("2026-10-15 09:00"))
    ops.approve(a4, c1, at=at("2026-10-15 09:30"))
    apps["a4"] = ops.complete(a4, c1, at=at("2026-10-15 09:30"))
    apps["a5"] = ops.accept(
        _submit(a, s1, Channel.ONLINE, "2026-10-20 09:00", c1), c1, at=at("2026-10-20 10:00")
    )
    apps["a6"] = ops.refuse(
        _submit(a, s1, Channel.SELF_SERVICE, "2026-10-21 09:00", c1),
        c1,
        reason="材料不属于本事项",
        at=at("2026-10-21 09:10"),
    )
    a7 = _submit(d, s1, Channel.ONLINE, "2026-10-05 10:00", c1)
    GroupRoster.objects.create(  # the roster's own checks are tested in test_roster
        application=a7,
        agency="示例国际旅行社",
        port="江北国际机场口岸",
        planned_entry=dt.date(2026, 11, 1),
        planned_exit=dt.date(2026, 11, 8),
    )
    apps["a7"] = _done(a7, c1, "2026-10-08 09:00", "2026-10-16 09:00")
    apps["a8"] = _done(
        _submit(a, s2, Channel.ONLINE, "2026-10-14 09:00", c2),
        c2,
        "2026-10-14 10:00",
        "2026-10-14 15:00",
    )
    apps["a9"] = _submit(a, s1, Channel.WINDOW, "2026-10-30 09:00", c1)
    return apps


def value(code, scope, period=OCTOBER):
    with time_machine.travel(NOW, tick=False):
        got = registry.get(code)(period, scope)
    return got.value, got.numerator, got.denominator


def records(code, scope, period=OCTOBER):
    with time_machine.travel(NOW, tick=False):
        return {app.receipt for app in registry.get(code)(period, scope).records}


def receipts(apps, *names):
    return {apps[name].receipt for name in names}


def test_the_item_side_full_online_rate_counts_fully_online_capable_items_over_online_items(
    tree, october
):
    # online: A, B, D (C is window only, E inactive); fully-online capable: A, D
    assert value("services_items_fully_online_rate", tree["d1"]) == (Decimal("66.7"), 2, 3)


def test_the_item_side_on_the_spot_rate_counts_on_the_spot_items_over_active_items(tree, october):
    assert value("services_items_on_the_spot_rate", tree["city"]) == (Decimal("50.0"), 2, 4)


def test_the_fully_online_rate_counts_completed_without_a_visit_over_completed(tree, october):
    assert value("services_fully_online_rate", tree["d1"]) == (Decimal("60.0"), 3, 5)
    assert records("services_fully_online_rate", tree["d1"]) == receipts(
        october, "a1", "a2", "a3", "a4", "a7"
    )


def test_the_on_the_spot_rate_counts_same_day_single_visit_completions_over_completed(
    tree, october
):
    assert value("services_on_the_spot_rate", tree["d1"]) == (Decimal("20.0"), 1, 5)


def test_the_average_handling_time_counts_working_days_after_the_submission_day(tree, october):
    assert value("services_average_working_days", tree["d1"]) == (Decimal("4.2"), 21, 5)


def test_the_average_handling_time_in_hours_runs_from_submission_to_completion(tree, october):
    assert value("services_average_hours", tree["d1"]) == (Decimal("168.6"), 843, 5)


def test_an_application_completed_after_its_due_day_counts_as_completed_late(tree, october):
    assert value("services_completed_late", tree["d1"]) == (Decimal(1), 1, 5)
    assert records("services_completed_late", tree["d1"]) == receipts(october, "a3")


def test_a_running_application_past_its_due_day_on_the_period_end_counts_as_overdue(tree, october):
    assert value("services_overdue_open", tree["d1"]) == (Decimal(1), 1, 1)
    assert records("services_overdue_open", tree["d1"]) == receipts(october, "a5")
    september = Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30))  # a5 was due 10-27
    assert value("services_overdue_open", tree["d1"], september) == (Decimal(0), 0, 0)


def test_applications_per_channel_count_the_submissions_of_the_period(tree, october):
    assert value("services_applications_online", tree["d1"]) == (Decimal(4), 4, 7)
    assert value("services_applications_window", tree["d1"]) == (Decimal(2), 2, 7)
    assert value("services_applications_self_service", tree["d1"]) == (Decimal(1), 1, 7)
    assert records("services_applications_window", tree["d1"]) == receipts(october, "a2", "a9")


def test_groups_served_counts_completed_roster_applications(tree, october):
    assert value("services_groups_served", tree["d1"]) == (Decimal(1), 1, 1)
    assert records("services_groups_served", tree["d1"]) == receipts(october, "a7")


def test_the_city_counts_every_district_of_its_subtree(tree, october):
    city = tree["city"]
    assert value("services_fully_online_rate", city) == (Decimal("66.7"), 4, 6)
    assert value("services_on_the_spot_rate", city) == (Decimal("16.7"), 1, 6)
    assert value("services_average_working_days", city) == (Decimal("3.5"), 21, 6)
    assert value("services_average_hours", city) == (Decimal("141.5"), 849, 6)
    assert value("services_applications_online", city) == (Decimal(5), 5, 8)
    assert value("services_fully_online_rate", tree["d2"]) == (Decimal("100.0"), 1, 1)


def test_a_period_without_completions_has_no_rate_rather_than_zero(tree, october):
    november = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    for code in (
        "services_fully_online_rate",
        "services_on_the_spot_rate",
        "services_average_working_days",
        "services_average_hours",
    ):
        assert value(code, tree["d1"], november) == (None, 0, 0), code
    assert value("services_applications_online", tree["d1"], november) == (Decimal(0), 0, 0)


def test_an_empty_catalogue_has_no_item_rate(db, tree):
    assert value("services_items_fully_online_rate", tree["city"]) == (None, 0, 0)
    assert value("services_items_on_the_spot_rate", tree["city"]) == (None, 0, 0)


def test_the_page_reads_every_figure_in_a_fixed_number_of_queries(
    tree, october, django_assert_max_num_queries
):
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(6):
        values = dict(metrics.all_values(OCTOBER, tree["city"]))
    assert set(values) == set(metrics.BUILDERS)
    assert values["services_fully_online_rate"].value == Decimal("66.7")


@pytest.fixture
def page(client, make_user, tree, october):
    def get(user, **query):
        client.force_login(user)
        with time_machine.travel(NOW, tick=False):
            return client.get(
                reverse("reports:services"), {"from": "2026-10-01", "to": "2026-10-31", **query}
            )

    return get


def test_the_services_page_lists_every_service_metric_with_a_link_to_its_records(
    tree, make_user, page
):
    response = page(make_user(Role.SUPERVISOR, tree["city"]))
    assert response.status_code == 200
    html = response.content.decode()
    for code in metrics.BUILDERS:
        assert reverse("reports:metric", args=[code]) in html, code
    assert 'data-testid="services_fully_online_rate">66.7%' in html


def test_the_services_page_of_a_unit_outside_the_scope_is_not_found(tree, make_user, page):
    response = page(make_user(Role.SUPERVISOR, tree["d2"]), unit=tree["d1"].code)
    assert response.status_code == 404


def test_the_drill_down_shows_only_records_inside_the_users_scope(client, tree, make_user, october):
    client.force_login(make_user(Role.SUPERVISOR, tree["d2"]))
    with time_machine.travel(NOW, tick=False):
        response = client.get(
            reverse("reports:metric", args=["services_fully_online_rate"]),
            {"from": "2026-10-01", "to": "2026-10-31"},
        )
    html = response.content.decode()
    assert october["a8"].receipt in html
    assert october["a1"].receipt not in html
    assert october["a8"].applicant_id_number not in html  # masked

"""An application is late from its exact due instant (``due_at``), not from the day after ``due_on``.

An hour item due at 10:00 is overdue at 10:00 on the queue, the home panel, the API and the metric;
a day item is unchanged (its ``due_at`` is the end of its last day). A limit counted from receipt
runs from the submission (its due instant is set then), and a 补正 before acceptance stops it.
A limit that runs into a year without the State Council's holiday notice is shown as provisional.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from fazhi.core import metrics as registry
from fazhi.core.metrics import Period
from fazhi.services import applications as ops
from fazhi.services import queue
from fazhi.services.models import Channel, LimitUnit
from fazhi.services.tests.factories import GOOD_FORM, applicant, at, citizen, service_item
from fazhi.services.tests.factories import window_clerk as make_clerk

pytestmark = pytest.mark.django_db

H, D = LimitUnit.HOURS, LimitUnit.DAYS


def online(item, unit, when):
    return ops.submit(
        item,
        applicant=applicant(),
        unit=unit,
        channel=Channel.ONLINE,
        data=GOOD_FORM,
        by=citizen(),
        at=at(when),
    )


def receipts(response) -> list[str]:
    return [
        line.split('data-receipt="')[1].split('"')[0]
        for line in response.content.decode().splitlines()
        if 'data-receipt="' in line
    ]


@pytest.fixture
def hour_and_day(tree):
    """An hour item due 2026-06-02 10:00 and a day item whose last day is 2026-06-02."""
    clerk = make_clerk(tree["s1"])
    hours = online(service_item(promised_days=24, promised_unit=H), tree["s1"], "2026-06-01 08:00")
    with time_machine.travel(at("2026-06-01 10:00"), tick=False):
        ops.accept(hours, clerk, at=at("2026-06-01 10:00"))
    days = online(service_item(promised_days=1, promised_unit=D), tree["s1"], "2026-06-01 08:00")
    with time_machine.travel(at("2026-06-01 10:00"), tick=False):
        ops.accept(days, clerk, at=at("2026-06-01 10:00"))
    assert hours.due_at == at("2026-06-02 10:00")
    assert (days.due_on, days.due_at) == (dt.date(2026, 6, 2), at("2026-06-03 00:00"))
    return {"clerk": clerk, "hours": hours, "days": days}


# --- 1. overdue from the due instant ------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "overdue"),
    [
        ("2026-06-02 09:59", set()),
        ("2026-06-02 10:00", {"hours"}),  # the hour item, at its instant — not the next day
        ("2026-06-02 23:59", {"hours"}),
        ("2026-06-03 00:00", {"hours", "days"}),  # the day item, from the end of its last day
    ],
)
def test_the_queue_lists_an_application_as_overdue_from_its_due_instant(
    client, hour_and_day, now, overdue
):
    client.force_login(hour_and_day["clerk"])
    expected = {hour_and_day[key].receipt for key in overdue}
    with time_machine.travel(at(now), tick=False):
        found = set(receipts(client.get(reverse("services:queue"), {"overdue": "on"})))
        day = queue.window_day(hour_and_day["clerk"])
        api = client.get("/api/v1/services/applications", {"overdue": "true"}).json()["items"]
        page = client.get(reverse("services:queue")).content.decode()

    assert found == expected
    assert day.overdue == len(expected)
    assert {row["receipt"] for row in api} == expected
    assert all(row["is_overdue"] for row in api)
    assert page.count('data-due="overdue"') == len(expected)
    if "hours" in overdue:
        assert f'data-receipt="{hour_and_day["hours"].receipt}" class="level-red"' in page


def test_an_hour_item_shows_its_minute_in_the_queue_and_sorts_before_a_later_day(
    client, hour_and_day
):
    client.force_login(hour_and_day["clerk"])
    with time_machine.travel(at("2026-06-02 08:00"), tick=False):
        response = client.get(reverse("services:queue"))

    assert receipts(response) == [hour_and_day["hours"].receipt, hour_and_day["days"].receipt]
    html = response.content.decode()
    assert "2026-06-02 10:00" in html
    assert html.count('data-due="soon"') == 2


def test_the_due_soon_filter_and_card_count_the_same_rows(client, hour_and_day):
    client.force_login(hour_and_day["clerk"])
    with time_machine.travel(at("2026-06-02 10:30"), tick=False):
        soon = set(receipts(client.get(reverse("services:queue"), {"due_within_days": "0"})))
        day = queue.window_day(hour_and_day["clerk"])

    assert soon == {hour_and_day["days"].receipt}  # the hour item is overdue, no longer due soon
    assert (day.due_soon, day.overdue) == (1, 1)


@pytest.mark.parametrize(
    ("now", "end", "expected"),
    [
        ("2026-06-02 10:30", dt.date(2026, 6, 2), 1),  # today: the hour item is late at 10:00
        ("2026-06-02 09:30", dt.date(2026, 6, 2), 0),
        ("2026-06-10 12:00", dt.date(2026, 6, 2), 1),  # a past period: late before its end
        ("2026-06-10 12:00", dt.date(2026, 6, 3), 2),  # the day item was late on 06-03
        ("2026-06-10 12:00", dt.date(2026, 6, 1), 0),
    ],
)
def test_the_overdue_metric_counts_from_the_due_instant_and_its_drill_down_matches(
    tree, hour_and_day, now, end, expected
):
    with time_machine.travel(at(now), tick=False):
        got = registry.get("services_overdue_open")(Period(dt.date(2026, 6, 1), end), tree["d1"])
        records = list(got.records)

    assert (got.value, got.numerator) == (Decimal(expected), expected)
    assert len(records) == expected


# --- 2. a limit counted from receipt runs from the submission ------------------------------------

PETITION_BASIS = "《信访工作条例》第十七条第一款；《信访工作条例》第二十三条第二款"


def petition_item(**kwargs):
    """Like JKB-QT-019: 15 日 from receipt (信访工作条例 第二十三条第二款)."""
    values = {
        "promised_days": 15,
        "promised_unit": D,
        "statutory_days": 15,
        "statutory_unit": D,
        "clock_from": "received",
        "basis_text": PETITION_BASIS,
    }
    return service_item(**(values | kwargs))


def test_a_limit_counted_from_receipt_is_due_from_the_submission_and_flagged_before_acceptance(
    client, tree
):
    clerk = make_clerk(tree["s1"])
    app = online(petition_item(), tree["s1"], "2026-06-01 09:00")

    # 15 日 from 06-01 (not counted): 06-16, a Tuesday.
    assert (app.due_on, app.due_at) == (dt.date(2026, 6, 16), at("2026-06-17 00:00"))
    assert app.events.get(step="submit").data["due_at"] == "2026-06-17T00:00:00+08:00"
    client.force_login(clerk)
    with time_machine.travel(at("2026-06-17 08:00"), tick=False):
        found = set(receipts(client.get(reverse("services:queue"), {"overdue": "on"})))
        day = queue.window_day(clerk)
        got = registry.get("services_overdue_open")(
            Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30)), tree["d1"]
        )
        clock = ops_clock(app)
    assert found == {app.receipt}  # still not accepted, and late
    assert day.overdue == 1
    assert (got.numerator, [a.receipt for a in got.records]) == (1, [app.receipt])
    assert clock.state == "running"
    assert clock.overdue_days == 1
    assert clock.lines[0].startswith(
        "2026-06-01 收到申请；承诺 15 日办结，自收到申请之时（2026-06-01 09:00）起算"
        "（《信访工作条例》第二十三条第二款：“自收到信访事项之日起15日内书面告知”）："
    )


def ops_clock(app, when=None):
    from fazhi.services.clock import clock_of

    app.refresh_from_db()
    return clock_of(app, at=at(when) if when else None)


def test_a_window_intake_counted_from_receipt_is_due_from_the_submission(tree):
    clerk = make_clerk(tree["s1"])
    deferral = service_item(promised_days=24, promised_unit=H, clock_from="received")
    with time_machine.travel(at("2026-06-05 20:00"), tick=False):
        app = ops.submit(
            deferral,
            applicant=applicant(),
            unit=tree["s1"],
            channel=Channel.WINDOW,
            data=GOOD_FORM,
            by=clerk,
        )
    assert app.due_at == at("2026-06-06 20:00")
    with time_machine.travel(at("2026-06-06 09:00"), tick=False):
        ops.accept(app, clerk)
    assert app.due_at == at("2026-06-06 20:00")  # acceptance does not move it


def test_a_supplement_asked_before_acceptance_stops_a_receipt_clock_and_resumes_with_the_rest(
    client, tree
):
    clerk = make_clerk(tree["s1"])
    item = service_item(
        promised_days=5,
        statutory_days=60,
        statutory_unit=D,
        clock_from="received",
        basis_text="《中华人民共和国居民身份证法》第十二条第一款",
    )
    app = online(item, tree["s1"], "2026-06-01 09:00")  # a Monday: due 06-08
    assert app.due_on == dt.date(2026, 6, 8)
    with time_machine.travel(at("2026-06-03 10:00"), tick=False):
        ops.ask_supplement(app, clerk, missing=["监护人居民身份证"])
    assert (app.days_used, app.clock_stopped_at) == (2, at("2026-06-03 10:00"))
    with time_machine.travel(at("2026-06-09 10:00"), tick=False):
        stopped = ops_clock(app)
        assert queue.window_day(clerk).overdue == 0  # a stopped clock is not late
    assert (stopped.state, stopped.used_days, stopped.left_days) == ("stopped", 2, 3)

    with time_machine.travel(at("2026-06-10 10:00"), tick=False):
        ops.supplement(app, app.citizen)
    assert app.status == "submitted"
    assert (app.due_on, app.clock_stopped_at) == (dt.date(2026, 6, 15), None)  # 11, 12, 15
    with time_machine.travel(at("2026-06-11 10:00"), tick=False):
        ops.accept(app, clerk)
        clock = ops_clock(app)
    assert app.due_on == dt.date(2026, 6, 15)
    assert clock.lines[1] == (
        "2026-06-03 受理前一次性告知补正，承诺时限计时中止；自收到申请起已用 2 个工作日。"
    )
    assert clock.lines[2].startswith("2026-06-10 补正材料到达，恢复计时，剩余 3 个工作日：")
    assert clock.lines[3] == "2026-06-11 受理；时限自收到申请之时起算，受理不改变期满时间。"


def test_a_resumed_receipt_clock_never_ends_after_the_statutory_limit_from_receipt(tree):
    clerk = make_clerk(tree["s1"])
    app = online(petition_item(), tree["s1"], "2026-06-01 09:00")
    with time_machine.travel(at("2026-06-05 10:00"), tick=False):
        ops.ask_supplement(app, clerk, missing=["信访人住址"])
    assert app.days_used == 4
    with time_machine.travel(at("2026-06-10 10:00"), tick=False):
        ops.supplement(app, app.citizen)
        clock = ops_clock(app)

    # 11 days left from 06-10 would end 06-21 (a Sunday → 06-22); 第二十三条第二款 counts 15 日 from
    # receipt with no pause: 06-16.
    assert (app.due_on, app.due_at) == (dt.date(2026, 6, 16), at("2026-06-17 00:00"))
    assert clock.lines[-1] == (
        "法定时限 15 日 自收到申请之时起计算（《信访工作条例》第二十三条第二款），"
        "条文未规定补正期间中止计算；承诺时限不得晚于法定时限，期满日为法定时限的期满日 2026-06-16。"
    )


# --- 3. a limit that runs into a year without a holiday notice is provisional ---------------------


@pytest.fixture
def into_an_unknown_year(tree):
    """Accepted 2031-12-26 (a Friday), 5 working days: the last day falls in 2032, a year without a
    notice in the calendar; and one accepted 2026-06-01, inside a year with its notice."""
    from fazhi.core.calendar import default_calendar

    cal = default_calendar()
    assert not cal.is_known(2032)
    assert cal.is_known(2026)
    clerk = make_clerk(tree["s1"])
    item = service_item(promised_days=5)
    with time_machine.travel(at("2031-12-26 10:00"), tick=False):
        late = online(item, tree["s1"], "2031-12-26 09:00")
        ops.accept(late, clerk)
    known = online(item, tree["s1"], "2026-06-01 09:00")
    with time_machine.travel(at("2026-06-01 10:00"), tick=False):
        ops.accept(known, clerk)
    return {"clerk": clerk, "late": late, "known": known}


def test_a_limit_running_into_a_year_without_a_notice_is_provisional_on_the_staff_page(
    client, into_an_unknown_year
):
    with time_machine.travel(at("2031-12-29 10:00"), tick=False):
        client.force_login(into_an_unknown_year["clerk"])  # the session lasts 30 minutes
        late = client.get(
            reverse("services:application", args=[into_an_unknown_year["late"].receipt])
        ).content.decode()
        clock = ops_clock(into_an_unknown_year["late"])
    with time_machine.travel(at("2026-06-02 10:00"), tick=False):
        client.force_login(into_an_unknown_year["clerk"])
        known = client.get(
            reverse("services:application", args=[into_an_unknown_year["known"].receipt])
        ).content.decode()

    assert clock.is_provisional
    assert 2032 in clock.missing_years
    assert 'data-testid="provisional"' in late
    assert "暂定" in late
    assert "2032 年的节假日安排尚未载入" in late
    assert 'data-testid="provisional"' not in known


def test_a_limit_running_into_a_year_without_a_notice_is_provisional_on_the_citizens_page(
    client, into_an_unknown_year
):
    late, known = into_an_unknown_year["late"], into_an_unknown_year["known"]

    def page(app, now):
        from fazhi.services import citizens

        with time_machine.travel(at(now), tick=False):
            session = client.session
            session[citizens.SESSION_KEY] = app.citizen.pk
            session.save()
            response = client.get(reverse("jkb:application", args=[app.receipt]))
            assert response.status_code == 200, response
            return response.content.decode()

    body = page(late, "2031-12-29 10:00")
    assert 'data-testid="provisional"' in body
    assert "2032 年的节假日安排尚未载入" in body
    assert 'data-testid="provisional"' not in page(known, "2026-06-02 10:00")


def test_an_hour_limit_across_the_new_year_is_not_provisional(tree):
    clerk = make_clerk(tree["s1"])
    item = service_item(promised_days=24, promised_unit=H)
    with time_machine.travel(at("2031-12-31 12:00"), tick=False):
        app = online(item, tree["s1"], "2031-12-31 09:00")
        ops.accept(app, clerk)
        clock = ops_clock(app)

    assert app.due_at == at("2032-01-01 12:00")  # hours are never extended: no calendar read
    assert not clock.is_provisional


@pytest.mark.django_db(transaction=True)
def test_the_migration_dates_the_waiting_applications_counted_from_receipt():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from fazhi.core.warnings import row

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    old = migrate([("services", "0009_running_due_at_index")])
    Unit = old.get_model("org", "Unit")
    Item = old.get_model("services", "ServiceItem")
    Application = old.get_model("services", "Application")
    unit = row(Unit, "default", code="T1", path="/T1/")
    items = {
        "received": row(Item, "default", code="JKB-T-R", clock_from="received", promised_days=15,
                        promised_unit="days"),
        "accepted": row(Item, "default", code="JKB-T-A", promised_days=15, promised_unit="days"),
    }  # fmt: skip
    for n, item in enumerate(items.values()):
        Application.objects.create(
            receipt=f"T000000{n}", item=item, unit=unit, channel="online", mode="online",
            applicant_name="张三", applicant_id_number="x", applicant_phone="13912345678",
            status="submitted", submitted_at=at("2026-06-01 09:00"),
        )  # fmt: skip

    new = migrate([("services", "0010_receipt_clock_due_from_submission")])
    dues = dict(
        new.get_model("services", "Application").objects.values_list("item__code", "due_at")
    )
    assert dues == {"JKB-T-R": at("2026-06-17 00:00"), "JKB-T-A": None}
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())

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

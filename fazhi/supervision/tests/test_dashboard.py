"""The three-level dashboard: exact figures on hand-built data, scoping, links, query count."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from fazhi.cases.models import Case
from fazhi.cases.tests.factories import clerk_for
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.roles import Role
from fazhi.org.models import UnitKind
from fazhi.org.tests.factories import add_unit
from fazhi.supervision import dashboard, orders
from fazhi.supervision.dashboard import PeriodKind, period_of, trend_periods
from fazhi.supervision.models import CaseReview, CaseWarning, ReviewGrade, WarningState
from fazhi.supervision.tests.factories import at

NOW = "2025-04-20 09:00"
URL = "/supervision/"


def some_cases(unit, n: int, tag: str = "A") -> list[Case]:
    """Create N bare cases of UNIT (numbers marked TAG), for counting only."""
    user = clerk_for(unit)
    item = EnforcementItemFactory(levels=["district", "station"])
    start = at("2025-03-03 10:00")
    return Case.objects.bulk_create(
        Case(
            number=f"{unit.code}-2025-{tag}{i:05d}",
            unit=unit,
            year=2025,
            sequence=(ord(tag) * 1000) + i,
            procedure="zhian-general",
            item=item,
            title="殴打他人",
            source="call",
            act_at=start - dt.timedelta(hours=2),
            act_place="解放路",
            status="accepted",
            accepted_at=start,
            created_by=user,
        )
        for i in range(n)
    )


def warn(case, level: str, *, rule: str = "BANAN_OVER", state: str = WarningState.OPEN, n=0):
    return CaseWarning.objects.create(
        case=case,
        rule=rule,
        name="办案期限超期",
        level=level,
        basis="《中华人民共和国治安管理处罚法》第九十九条第一款",
        subject_key=str(n),
        state=state,
        opened_at=at("2025-04-03 09:00"),
        closed_at=at("2025-04-04 09:00") if state == WarningState.CLOSED else None,
    )


@pytest.fixture
def cases(tree):
    """Cases of each unit of the small tree (and of the 甲区分局 itself), by unit key."""
    return {key: some_cases(tree[key], 4) for key in ("s1", "c1", "s2", "d1", "t1", "centre")}


@pytest.fixture
def warned(cases):
    """s1: 2 告警 + 1 提示 (+1 closed); c1: 1 预警; d1 itself: 1 提示; s2: 1 告警 + 1 预警."""
    warn(cases["s1"][0], "alarm")
    warn(cases["s1"][1], "alarm")
    warn(cases["s1"][2], "hint")
    warn(cases["s1"][3], "alarm", state=WarningState.CLOSED)
    warn(cases["c1"][0], "warning")
    warn(cases["d1"][0], "hint")
    warn(cases["s2"][0], "alarm")
    warn(cases["s2"][1], "warning")
    return cases


def _board(client, user, **params):
    client.force_login(user)
    with time_machine.travel(at(NOW), tick=False):
        response = client.get(URL, params)
    assert response.status_code == 200
    return response


def _by_unit(board) -> dict[str, tuple[bool, dict[str, int]]]:
    return {row.unit.code: (row.own, row.by_level) for row in board.by_unit}


def test_the_city_sees_open_warnings_by_level_and_by_district(client, make_user, tree, warned):
    board = _board(client, make_user(Role.SUPERVISOR, tree["city"])).context["board"]

    assert board.by_level == {"hint": 2, "warning": 2, "alarm": 3}
    assert _by_unit(board) == {
        "500000-JD": (False, {"hint": 0, "warning": 0, "alarm": 0}),
        "500103": (False, {"hint": 2, "warning": 1, "alarm": 2}),
        "500104": (False, {"hint": 0, "warning": 1, "alarm": 1}),
    }


def test_a_district_sees_its_stations_and_its_own_cases_as_a_last_row(
    client, make_user, tree, warned
):
    board = _board(client, make_user(Role.SUPERVISOR, tree["d1"])).context["board"]

    assert board.by_level == {"hint": 2, "warning": 1, "alarm": 2}
    assert [(row.unit.code, row.own, row.total) for row in board.by_unit] == [
        ("500103-01", False, 3),
        ("500103-BA", False, 1),
        ("500103", True, 1),
    ]


def test_a_station_sees_only_its_own_numbers(client, make_user, tree, warned):
    response = _board(client, make_user(Role.OFFICER, tree["s2"]))
    board = response.context["board"]

    assert board.by_level == {"hint": 0, "warning": 1, "alarm": 1}
    assert [(r.unit.code, r.own, r.total) for r in board.by_unit] == [("500104-01", True, 2)]
    assert "甲区" not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "scope", "other"),
    [(Role.OFFICER, "s1", "s2"), (Role.SUPERVISOR, "d1", "d2"), (Role.OFFICER, "s1", "d1")],
)
def test_a_unit_outside_the_scope_answers_404(client, make_user, tree, warned, role, scope, other):
    client.force_login(make_user(role, tree[scope]))

    assert client.get(URL, {"unit": tree[other].code}).status_code == 404


def test_the_city_can_open_the_dashboard_of_one_district(client, make_user, tree, warned):
    response = _board(client, make_user(Role.SUPERVISOR, tree["city"]), unit="500104")

    assert response.context["board"].by_level == {"hint": 0, "warning": 1, "alarm": 1}
    assert [a.code for a in response.context["ancestors"]] == ["500000"]


def test_the_units_with_the_most_red_warnings_come_first(client, make_user, tree, cases):
    for i in range(3):
        warn(cases["s2"][i], "alarm")
    warn(cases["s1"][0], "alarm")
    warn(cases["c1"][0], "alarm", state=WarningState.CLOSED)
    warn(cases["c1"][1], "hint")

    board = _board(client, make_user(Role.SUPERVISOR, tree["city"])).context["board"]

    assert [(r.code, r.count) for r in board.red_units] == [("500104-01", 3), ("500103-01", 1)]


# --- orders -----------------------------------------------------------------------------------


@pytest.fixture
def people(tree, make_user):
    return {
        "city": make_user(Role.SUPERVISOR, tree["city"]),
        "d1": make_user(Role.SUPERVISOR, tree["d1"]),
        "s1": make_user(Role.OFFICER, tree["s1"]),
        "s2": make_user(Role.OFFICER, tree["s2"]),
    }


def _issue(tree, unit, case, actor, when, due):
    return orders.issue_order(
        tree[unit],
        case=case,
        problem="办案期限已超期",
        demand="立即依法作出处理决定",
        reply_due_at=at(due),
        actor=actor,
        at=at(when),
    )


def _answer(order, actor, when):
    return orders.answer_order(
        order, rectification="已作出处罚决定", evidence="决定书一份", actor=actor, at=at(when)
    )


@pytest.fixture
def ordered(tree, cases, people):
    """Orders of April 2025 in every state; the dashboard looks at them on 2025-04-20 09:00."""
    city, s1 = people["city"], people["s1"]
    late = _issue(tree, "s1", cases["s1"][0], city, "2025-04-01 09:00", "2025-04-10 17:00")
    answered = _issue(tree, "s1", cases["s1"][1], city, "2025-04-01 09:00", "2025-04-05 17:00")
    _answer(answered, s1, "2025-04-02 09:00")  # 24 h
    returned = _issue(tree, "s1", cases["s1"][2], city, "2025-04-03 09:00", "2025-04-12 17:00")
    returned = _answer(returned, s1, "2025-04-03 21:00")  # 12 h; a second answer does not count
    returned = orders.return_order(
        returned, reason="材料不全", actor=city, at=at("2025-04-04 09:00")
    )
    verified = _issue(tree, "s2", cases["s2"][0], city, "2025-03-20 09:00", "2025-03-30 17:00")
    verified = _answer(verified, people["s2"], "2025-03-21 09:00")  # March: outside April
    orders.verify_order(verified, actor=city, at=at("2025-03-22 09:00"))
    on_time = _issue(tree, "s2", cases["s2"][1], city, "2025-04-15 09:00", "2025-04-30 17:00")
    late_d2 = _issue(tree, "s2", cases["s2"][2], city, "2025-04-01 09:00", "2025-04-08 17:00")
    return {
        "late": late,
        "answered": answered,
        "returned": returned,
        "verified": verified,
        "on_time": on_time,
        "late_d2": late_d2,
    }


def test_overdue_orders_are_those_awaiting_a_reply_past_their_deadline(
    client, people, tree, ordered
):
    city = _board(client, people["city"]).context["board"]
    district = _board(client, people["d1"]).context["board"]
    station = _board(client, people["s2"]).context["board"]

    assert (city.overdue_orders, district.overdue_orders, station.overdue_orders) == (3, 2, 1)


def test_the_reply_time_runs_from_issue_to_the_first_answer_in_the_period(client, people, ordered):
    board = _board(client, people["city"]).context["board"]

    assert board.reply == dashboard.ReplyTime(2, dt.timedelta(hours=18))


def test_the_reply_time_of_march_counts_the_order_answered_in_march(client, people, ordered):
    board = _board(client, people["city"], on="2025-03-05").context["board"]

    assert board.reply == dashboard.ReplyTime(1, dt.timedelta(days=1))


def test_a_district_does_not_count_the_orders_of_another_district(client, people, ordered):
    board = _board(client, people["d1"], period="quarter").context["board"]

    assert (board.overdue_orders, board.reply) == (
        2,
        dashboard.ReplyTime(2, dt.timedelta(hours=18)),
    )


def test_the_reply_time_reads_as_days_and_hours(client, people, ordered):
    response = _board(client, people["city"])

    assert response.context["reply_text"] == "18小时0分钟"
    assert dashboard_text(dt.timedelta(days=2, hours=3, minutes=5)) == "2天3小时"


def dashboard_text(value):
    from fazhi.supervision.dashboard_views import duration_text

    return duration_text(value)


# --- the excellent rate ----------------------------------------------------------------------


def review(case, reviewer, when: str, grade: str):
    return CaseReview.objects.create(
        case=case,
        checklist="zhian",
        checklist_version=1,
        reviewer=reviewer,
        reviewed_at=at(when),
        score=Decimal("90.0"),
        grade=grade,
    )


@pytest.fixture
def reviewed(cases, people):
    city = people["city"]
    review(cases["s1"][0], city, "2025-01-10 10:00", ReviewGrade.EXCELLENT)
    review(cases["s1"][1], city, "2025-01-20 10:00", ReviewGrade.GOOD)
    review(cases["s1"][2], city, "2025-01-31 23:30", ReviewGrade.FAIL)  # Shanghai: still January
    review(cases["s2"][0], city, "2025-03-05 10:00", ReviewGrade.PASS)
    review(cases["s2"][1], city, "2025-04-01 00:10", ReviewGrade.EXCELLENT)
    review(cases["c1"][0], city, "2024-11-11 10:00", ReviewGrade.GOOD)


def _trend(board) -> list[tuple[str, Decimal | None, int, int]]:
    return [(p.label, p.value.value, p.value.numerator, p.value.denominator) for p in board.trend]


def test_the_monthly_trend_shows_twelve_months_from_the_metric_registry(client, people, reviewed):
    board = _board(client, people["city"], on="2025-03-15").context["board"]

    assert _trend(board)[-5:] == [
        ("2024年11月", Decimal("100.0"), 1, 1),
        ("2024年12月", None, 0, 0),
        ("2025年1月", Decimal("66.7"), 2, 3),
        ("2025年2月", None, 0, 0),
        ("2025年3月", Decimal("0.0"), 0, 1),
    ]
    assert len(board.trend) == 12
    assert (board.rate.value, board.rate.numerator, board.rate.denominator) == (
        Decimal("0.0"),
        0,
        1,
    )


def test_the_quarterly_trend_of_a_district_counts_only_its_reviews(client, people, reviewed):
    board = _board(client, people["d1"], period="quarter", on="2025-04-02").context["board"]

    assert _trend(board)[-3:] == [
        ("2024年第4季度", Decimal("100.0"), 1, 1),
        ("2025年第1季度", Decimal("66.7"), 2, 3),
        ("2025年第2季度", None, 0, 0),
    ]
    assert len(board.trend) == 8


def test_a_year_shows_its_twelve_months(client, people, reviewed):
    board = _board(client, people["city"], period="year", on="2025-06-30").context["board"]

    assert [p.label for p in board.trend][:2] == ["2025年1月", "2025年2月"]
    assert (board.label, board.rate.numerator, board.rate.denominator) == ("2025年", 3, 5)


# --- the period ------------------------------------------------------------------------------


def test_the_period_selector_moves_to_the_previous_and_next_quarter(client, people):
    response = _board(client, people["city"], period="quarter", on="2025-05-17")

    assert response.context["board"].period == period_of(PeriodKind.QUARTER, dt.date(2025, 4, 1))
    assert (response.context["previous_on"], response.context["next_on"]) == (
        dt.date(2025, 3, 31),
        dt.date(2025, 7, 1),
    )
    assert response.context["board"].label == "2025年第2季度"


def test_an_unknown_period_is_a_month_and_a_bad_date_is_a_400_naming_it(client, people):
    assert _board(client, people["city"], period="week").context["kind"] == PeriodKind.MONTH
    with time_machine.travel(at(NOW), tick=False):
        response = client.get(URL, {"on": "2025-13-01"})
    assert response.status_code == 400  # fazhi.core.bounds (ADR 0027): the field is named
    assert "on" in response.content.decode()


@given(
    kind=st.sampled_from(list(PeriodKind)),
    on=st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2098, 12, 31)),
)
def test_a_period_contains_its_day_and_the_trend_buckets_follow_each_other(kind, on):
    period = period_of(kind, on)
    buckets = [p for _kind, p in trend_periods(kind, on)]

    assert period.start <= on <= period.end
    assert buckets[-1].end == period.end
    assert all(a.end + dt.timedelta(days=1) == b.start for a, b in itertools.pairwise(buckets))


# --- links -----------------------------------------------------------------------------------


def _listed(client, url: str) -> int:
    """Return how many records the page at URL lists (all pages)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def _linked_figures(html: str) -> list[tuple[str, str]]:
    """Return (url, text) of each link of the dashboard to a warning, order or metric list."""
    pattern = r'<a[^>]*href="([^"]*/(?:warnings|orders|reports/metrics)/[^"]*)"[^>]*>([^<]*)</a>'
    return [(unescape(url), text.strip()) for url, text in re.findall(pattern, html)]


def test_every_number_links_to_a_page_listing_exactly_its_records(
    client, people, tree, warned, ordered, reviewed
):
    # a station of 甲区 whose code does not start with the district's: the tree decides, not codes
    odd = add_unit("600001", "甲区二派出所", UnitKind.STATION, tree["d1"])
    warn(some_cases(odd, 1)[0], "alarm")
    response = _board(client, people["city"], period="quarter", on="2025-01-15")
    links = _linked_figures(response.content.decode())

    checked = 0
    with time_machine.travel(at(NOW), tick=False):
        for url, text in links:
            if "/reports/metrics/" in url:
                page = client.get(url)
                figure = re.fullmatch(r"(\d+) / (\d+)", text)
                if figure:  # 优良 / 评查: the drill-down lists the reviewed cases
                    value = page.context["value"]
                    assert (value.numerator, value.denominator) == tuple(
                        map(int, figure.groups())
                    ), url
                    assert page.context["page"].paginator.count == value.denominator
                    checked += 1
                continue
            number = re.search(r"\d+", text)
            if number and "answered_from" not in url:  # the reply time: a duration, not a count
                assert _listed(client, url) == int(number.group()), (url, text)
                checked += 1
    board = response.context["board"]
    assert board.by_level == {"hint": 2, "warning": 2, "alarm": 4}
    assert ("500103", (False, {"hint": 2, "warning": 1, "alarm": 3})) in _by_unit(board).items()
    # 1 total + 3 levels + 1 overdue + 3 units × 4 + 3 red units + 8 quarters of the trend
    assert checked == 28


def test_the_reply_time_links_to_the_orders_it_averages(client, people, ordered):
    response = _board(client, people["city"])

    with time_machine.travel(at(NOW), tick=False):
        listed = client.get(response.context["reply_url"]).context["page"]
    assert {o.number for o in listed} == {ordered["answered"].number, ordered["returned"].number}


def test_the_overdue_figure_links_to_the_overdue_orders(client, people, ordered):
    response = _board(client, people["d1"])

    with time_machine.travel(at(NOW), tick=False):
        listed = client.get(response.context["overdue_url"]).context["page"]
    assert {o.number for o in listed} == {ordered["late"].number, ordered["returned"].number}


def test_the_order_list_of_a_unit_outside_the_scope_is_empty(client, people, tree, ordered):
    client.force_login(people["d1"])

    page = client.get(reverse("supervision:orders"), {"unit": tree["s2"].code})

    assert list(page.context["page"]) == []


def test_a_unit_link_opens_that_units_dashboard(client, people, tree, warned):
    response = _board(client, people["city"])

    drill = {r["unit"].code: r["drill"] for r in response.context["unit_rows"]}
    assert drill["500103"] == f"{URL}?unit=500103&period=month&on=2025-04-20"


# --- cost ------------------------------------------------------------------------------------


def _queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured, time_machine.travel(at(NOW), tick=False):
        assert client.get(URL).status_code == 200
    return len(captured)


def test_the_query_count_does_not_grow_with_the_number_of_warnings_and_orders(
    client, tree, people, cases
):
    warn(cases["s1"][0], "alarm")
    _issue(tree, "s1", cases["s1"][0], people["city"], "2025-04-01 09:00", "2025-04-10 17:00")
    few = _queries(client, people["city"])

    for unit in ("s1", "c1", "s2", "t1", "d1"):
        for i, case in enumerate(some_cases(tree[unit], 6, tag="B")):
            for level in ("hint", "warning", "alarm"):
                warn(case, level, rule=f"R{i}", n=level)
    for case in cases["s2"][:3]:
        order = _issue(tree, "s2", case, people["city"], "2025-04-01 09:00", "2025-04-10 17:00")
        _answer(order, people["s2"], "2025-04-02 09:00")

    assert CaseWarning.objects.count() == 91
    assert _queries(client, people["city"]) == few


def test_the_dashboard_is_the_first_supervision_entry_of_the_menu(client, people):
    urls = [url for _label, url, _c in _board(client, people["s1"]).context["nav_items"]]

    assert urls.index(URL) + 1 == urls.index(reverse("supervision:warnings"))


def test_the_charts_read_the_same_figures_and_links_as_the_tables(client, people, warned):
    response = _board(client, people["city"])
    chart = response.context["chart"]

    assert chart["levels"]["counts"] == [2, 2, 3]
    assert chart["units"]["labels"] == ["市局执法监督管理中心", "甲区分局", "乙区分局"]
    assert [s["counts"] for s in chart["units"]["series"]] == [[0, 2, 0], [0, 1, 1], [0, 2, 1]]
    assert chart["units"]["series"][2]["urls"][1] == (
        "/supervision/warnings/?unit=500103&level=alarm&state=open"
    )
    assert 'id="dashboard-data" type="application/json"' in response.content.decode()

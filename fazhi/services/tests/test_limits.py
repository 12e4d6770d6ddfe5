"""Time limits with their unit: the catalogue's corrections, the load-time comparison of a promise with
the statutory limit, and the clock of applications in working days, calendar days and hours."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
import yaml
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from fazhi.core.calendar import default_calendar
from fazhi.core.roles import Role
from fazhi.services import applications as ops
from fazhi.services import editions
from fazhi.services.applications import due_after, units_between
from fazhi.services.catalogue import (
    ITEMS_FILE,
    compare_starts,
    load_catalogue,
    parse_item,
    promise_ends_later,
)
from fazhi.services.clock import clock_of
from fazhi.services.models import Channel, LimitUnit, ServiceItem
from fazhi.services.tests.factories import GOOD_FORM, applicant, at, citizen, service_item
from fazhi.services.tests.factories import window_clerk as make_clerk
from fazhi.services.tests.test_catalogue import item, write

pytestmark = pytest.mark.django_db

W, D, H = LimitUnit.WORKDAYS, LimitUnit.DAYS, LimitUnit.HOURS


@pytest.fixture(scope="module")
def shipped() -> dict[str, dict]:
    """The shipped items, parsed as the loader parses them, by code."""
    data = yaml.safe_load(ITEMS_FILE.read_text(encoding="utf-8"))
    return {raw["code"]: parse_item(raw, data["forms"]) for raw in data["items"]}


def limits(values: dict) -> tuple:
    return (
        (values["statutory_days"], values["statutory_unit"]),
        (values["promised_days"], values["promised_unit"]),
    )


# --- the corrections of the shipped catalogue (each fails on the data before issue 10) -----------


def test_petition_notice_is_15_calendar_days_under_article_23_paragraph_2(shipped):
    petition = shipped["JKB-QT-019"]

    # 信访工作条例 第二十三条第二款: "不能当场告知的，应当自收到信访事项之日起15日内书面告知"; the same
    # article's 第三款 counts "5个工作日" separately, so "15日" are calendar days.
    assert limits(petition) == ((15, D), (15, D))
    assert "《信访工作条例》第二十三条第二款" in petition["basis_text"]
    assert "第二十三条第一款" not in petition["basis_text"]
    assert petition["limit_unverified"] == ""


def test_deferred_detention_is_decided_within_24_hours(shipped):
    deferral = shipped["JKB-QT-016"]

    assert limits(deferral) == ((24, H), (24, H))  # 程序规定 第二百二十三条第一款
    assert "《公安机关办理行政案件程序规定》第二百二十二条第一款" in deferral["basis_text"]
    assert "《公安机关办理行政案件程序规定》第二百二十三条第一款" in deferral["basis_text"]
    assert "变更更正所依据的证明材料" not in [m["name"] for m in deferral["materials"]]


@pytest.mark.parametrize(
    "code", ["JKB-QT-016", "JKB-QT-019", "JKB-HZ-069", "JKB-HZ-070", "JKB-HZ-071"]
)
def test_limits_the_statute_counts_from_receipt_start_at_receipt(shipped, code):
    # 程序规定 第二百二十三条第一款 "收到…申请之时起"; 信访工作条例 第二十三条第二款 "自收到信访事项之日起";
    # 居民身份证法 第十二条第一款 "自公民提交《居民身份证申领登记表》之日起".
    assert shipped[code]["clock_from"] == "received"


def test_permits_count_from_acceptance(shipped):
    assert shipped["JKB-ZA-001"]["clock_from"] == "accepted"  # 行政许可法 第四十二条: 自受理…之日起


def test_first_id_card_does_not_cite_the_renewal_article_and_counts_60_days(shipped):
    first = shipped["JKB-HZ-069"]

    assert "第十一条" not in first["basis_text"]  # 换领、补领 (and 第二款: under-16 renewals)
    for article in ("第二条", "第七条第一款", "第十条", "第十二条第一款", "第二十一条第二款"):
        assert f"《中华人民共和国居民身份证法》{article}" in first["basis_text"]
    assert limits(first) == ((60, D), (15, W))  # 第十二条第一款: 六十日内发放
    assert limits(shipped["JKB-HZ-070"])[0] == (60, D)


@pytest.mark.parametrize(
    ("code", "statutory", "law"),
    [
        ("JKB-ZA-033", (7, D), "大型群众性活动安全管理条例"),
        ("JKB-ZA-034", (7, D), "大型群众性活动安全管理条例"),
        ("JKB-ZA-036", (15, D), "保安服务管理条例"),
        ("JKB-ZA-044", (3, D), "危险化学品安全管理条例"),
        ("JKB-JT-090", (30, D), "道路交通事故处理程序规定"),
        ("JKB-JT-095", (7, D), "危险化学品安全管理条例"),
        ("JKB-CRJ-001", (15, D), "护照法"),
    ],
)
def test_n_day_limits_of_regulations_not_at_hand_are_calendar_days_marked_unverified(
    shipped, code, statutory, law
):
    values = shipped[code]

    statutory_limit, promised_limit = limits(values)
    assert statutory_limit == statutory
    assert promised_limit[1] == D  # a promise in working days could outlast "N日" over a holiday
    assert promised_limit[0] <= statutory[0]
    assert law in values["limit_unverified"]
    assert "未核对原文" in values["limit_unverified"]


@pytest.mark.parametrize(
    ("code", "law"),
    [
        ("JKB-ZA-001", "旅馆业治安管理办法"),
        ("JKB-JT-083", "校车安全管理条例"),
        ("JKB-JT-008", "机动车登记规定"),
        ("JKB-JT-025", "机动车登记规定"),
    ],
)
def test_working_day_limits_resting_on_a_regulation_not_at_hand_are_marked_unverified(
    shipped, code, law
):
    assert law in shipped[code]["limit_unverified"]


def test_a_limit_read_in_a_statute_at_hand_is_not_marked_unverified(shipped):
    # 道路交通安全法 第九条第二款: 五个工作日内完成机动车登记审查工作.
    assert limits(shipped["JKB-JT-001"]) == ((5, W), (0, W))
    assert shipped["JKB-JT-001"]["limit_unverified"] == ""


def test_the_corrected_citations_are_linked_to_their_provisions(laws):
    load_catalogue(on=dt.date(2026, 12, 7))

    def cited(code):
        return {
            (p.version.law.short_title, p.article, p.paragraph)
            for p in ServiceItem.objects.get(code=code).basis.select_related("version__law")
        }

    assert ("信访工作条例", 23, 2) in cited("JKB-QT-019")
    assert ("信访工作条例", 23, 1) not in cited("JKB-QT-019")
    assert {
        ("公安机关办理行政案件程序规定", 222, 1),
        ("公安机关办理行政案件程序规定", 223, 1),
    } <= cited("JKB-QT-016")
    assert ("居民身份证法", 11, 2) not in cited("JKB-HZ-069")
    assert ("居民身份证法", 2, 0) in cited("JKB-HZ-069")  # 0: the whole article


# --- a promise longer than the law is refused on load --------------------------------------------


def test_compared_from_the_same_moment_ten_working_days_end_after_seven_days():
    start = compare_starts(dt.date(2026, 6, 1), days=1)[:1]  # Monday 2026-06-01 00:00

    later = promise_ends_later((10, W), (7, D), start)

    # 7 日: last day 06-08 (Monday); 10 个工作日: 06-02…05, 06-08…12, 06-15 (端午 is 06-19).
    assert later is not None
    assert later.statutory_at == at("2026-06-09 00:00")
    assert later.promised_at == at("2026-06-16 00:00")


def test_five_working_days_end_before_ten_days_in_an_ordinary_week():
    start = compare_starts(dt.date(2026, 6, 1), days=1)[:1]

    # 5 个工作日: last day 06-08; 10 日: last day 06-11 — the promise ends three days earlier.
    assert promise_ends_later((5, W), (10, D), start) is None


def test_a_promise_in_working_days_is_refused_naming_file_row_code_and_field(tmp_path):
    rows = [item(code="JKB-T-009", name="甲"), item(statutory="7 日", promised="10 个工作日")]

    report = load_catalogue(**write(tmp_path, rows), on=dt.date(2026, 6, 1))

    (rejection,) = report.items.rejected
    assert (rejection.row, rejection.field) == (2, "promised")
    assert rejection.reason == (
        "items.yaml 第2条 JKB-T-001：承诺时限 10 个工作日 长于法定时限 7 日——同自 2026-06-01 00:00 "
        "起算，承诺时限至 2026-06-16 00:00 届满，法定时限至 2026-06-09 00:00 届满（同一工作日历）。"
    )
    assert rejection.reason_en
    assert rejection.reason_en != ""
    assert not ServiceItem.objects.filter(code="JKB-T-001").exists()
    assert ServiceItem.objects.filter(code="JKB-T-009").exists()


def test_five_working_days_against_ten_days_are_refused_when_a_holiday_makes_them_longer(tmp_path):
    row = item(statutory="10 日", promised="5 个工作日")

    report = load_catalogue(**write(tmp_path, [row]), on=dt.date(2026, 3, 1))

    # Accepted on 2026-09-24: 中秋 09-25…27 and 国庆 10-01…07 push the 5th working day to 10-09,
    # while 10 日 end on 10-04, a holiday, rolled to 10-08.
    (rejection,) = report.items.rejected
    assert "同自 2026-09-24 00:00 起算" in rejection.reason
    assert "承诺时限至 2026-10-10 00:00 届满，法定时限至 2026-10-09 00:00 届满" in rejection.reason


def test_a_promise_ending_no_later_on_every_start_of_the_year_is_accepted(tmp_path):
    rows = [
        item(code="JKB-T-001", statutory="30 日", promised="5 个工作日"),
        item(code="JKB-T-002", name="乙", statutory="60 日", promised="15 个工作日"),
        item(code="JKB-T-003", name="丙", statutory="24 小时", promised="24 小时"),
        item(code="JKB-T-004", name="丁", statutory="15 日", promised="15 日"),
    ]

    report = load_catalogue(**write(tmp_path, rows), on=dt.date(2026, 3, 1))

    assert report.items.rejected == []
    stored = ServiceItem.objects.get(code="JKB-T-003")
    assert (stored.statutory_limit, stored.promised_limit) == ("24 小时", "24 小时")


def test_one_working_day_is_longer_than_24_hours(tmp_path):
    row = item(statutory="24 小时", promised="1 个工作日")  # the deferral item before issue 10

    report = load_catalogue(**write(tmp_path, [row]), on=dt.date(2026, 6, 1))

    (rejection,) = report.items.rejected
    assert "承诺时限至 2026-06-03 00:00 届满，法定时限至 2026-06-02 00:00 届满" in rejection.reason


def test_the_same_unit_compares_the_amounts(tmp_path):
    report = load_catalogue(
        **write(tmp_path, [item(statutory="15 日", promised="16 日")]), on=dt.date(2026, 6, 1)
    )

    assert report.items.rejected[0].reason.endswith("承诺时限 16 日 超过法定时限 15 日。")


# --- the clock of applications counts in the item's unit ------------------------------------------


def _online(item_, unit, when):
    return ops.submit(
        item_,
        applicant=applicant(),
        unit=unit,
        channel=Channel.ONLINE,
        data=GOOD_FORM,
        by=citizen(),
        at=at(when),
    )


def test_an_hour_limit_is_due_at_the_exact_instant_and_not_extended_over_a_weekend(tree):
    clerk = make_clerk(tree["s1"])
    app = _online(service_item(promised_days=24, promised_unit=H), tree["s1"], "2026-06-05 16:00")

    ops.accept(app, clerk, at=at("2026-06-05 16:30"))  # a Friday

    assert app.due_at == at("2026-06-06 16:30")  # Saturday: hours run through rest days
    assert app.due_on == dt.date(2026, 6, 6)
    assert app.due_text == "2026-06-06 16:30"  # what the citizen's pages show
    event = app.events.get(step="accept")
    assert event.data["due_at"] == "2026-06-06T16:30:00+08:00"


def test_a_limit_counted_from_receipt_starts_at_the_submission_not_the_acceptance(tree):
    clerk = make_clerk(tree["s1"])
    deferral = service_item(promised_days=24, promised_unit=H, clock_from="received")
    app = _online(deferral, tree["s1"], "2026-06-05 20:00")

    ops.accept(app, clerk, at=at("2026-06-06 09:00"))

    assert app.due_at == at("2026-06-06 20:00")  # 24 hours from receipt (程序规定 第二百二十三条)
    lines = clock_of(app, at=at("2026-06-06 10:00")).lines
    assert lines[0].startswith(
        "2026-06-05 收到申请；承诺 24 小时办结，自收到申请之时（2026-06-05 20:00）起算："
    )
    assert lines[1] == "2026-06-06 受理；时限自收到申请之时起算，受理不改变期满时间。"


def test_an_hour_limit_completed_one_minute_before_is_in_time_and_at_the_instant_late(tree):
    clerk = make_clerk(tree["s1"])
    item_ = service_item(promised_days=24, promised_unit=H)
    in_time, late = (_online(item_, tree["s1"], "2026-06-01 08:00") for _ in range(2))
    for app, done in ((in_time, "2026-06-02 09:59"), (late, "2026-06-02 10:00")):
        ops.accept(app, clerk, at=at("2026-06-01 10:00"))
        ops.approve(app, clerk, at=at(done))
        ops.complete(app, clerk, at=at(done))

    assert (in_time.completed_late, late.completed_late) == (False, True)


def test_an_hour_clock_stopped_for_supplement_counts_begun_hours_and_resumes_with_the_rest(tree):
    clerk = make_clerk(tree["s1"])
    app = _online(service_item(promised_days=24, promised_unit=H), tree["s1"], "2026-06-01 08:00")
    ops.accept(app, clerk, at=at("2026-06-01 10:00"))

    ops.ask_supplement(app, clerk, missing=["担保书"], at=at("2026-06-01 13:10"))
    assert app.days_used == 4  # 3 h 10 min: four hours begun
    ops.supplement(app, app.citizen, at=at("2026-06-03 09:00"))

    assert app.due_at == at("2026-06-04 05:00")  # 20 hours left


def test_a_calendar_day_limit_ending_in_the_national_day_rolls_to_the_next_working_day(tree):
    clerk = make_clerk(tree["s1"])
    app = _online(service_item(promised_days=15, promised_unit=D), tree["s1"], "2026-09-16 09:00")

    ops.accept(app, clerk, at=at("2026-09-16 10:00"))

    # 15 日 from 09-16 end on 10-01 (国庆 10-01…07): the last day becomes 10-08.
    assert (app.due_on, app.due_at) == (dt.date(2026, 10, 8), at("2026-10-09 00:00"))
    clock = clock_of(app, at=at("2026-09-17 09:00"))
    assert "期满日 2026-10-01 为休息日，顺延至下一个工作日" in clock.lines[0]
    assert clock.lines[0].startswith("2026-09-16 受理，承诺 15 日办结：")


def test_a_calendar_day_limit_counts_rest_days_inside_the_period(tree):
    clerk = make_clerk(tree["s1"])
    app = _online(service_item(promised_days=15, promised_unit=D), tree["s1"], "2026-06-01 09:00")

    ops.accept(app, clerk, at=at("2026-06-01 10:00"))
    ops.ask_supplement(app, clerk, missing=["身份证明"], at=at("2026-06-08 10:00"))
    assert app.days_used == 7  # calendar days, the weekend included
    ops.supplement(app, app.citizen, at=at("2026-06-10 10:00"))

    assert app.due_on == dt.date(2026, 6, 18)  # 8 days left from 06-10


def test_a_working_day_limit_is_unchanged(tree):
    clerk = make_clerk(tree["s1"])
    app = _online(service_item(promised_days=5), tree["s1"], "2026-09-29 09:00")

    ops.accept(app, clerk, at=at("2026-09-30 10:00"))

    assert (app.due_on, app.due_at) == (dt.date(2026, 10, 13), at("2026-10-14 00:00"))


# --- the pages show the unit -----------------------------------------------------------------------


@pytest.fixture
def three_units(make_user):
    items = {
        "workdays": service_item(name="工作日事项", promised_days=15),
        "days": service_item(
            name="自然日事项",
            promised_days=15,
            promised_unit=D,
            statutory_days=15,
            statutory_unit=D,
            limit_unverified="某条例不在本平台的法规库中，未核对原文。",
        ),
        "hours": service_item(
            name="小时事项",
            promised_days=24,
            promised_unit=H,
            statutory_days=24,
            statutory_unit=H,
            clock_from="received",
        ),
    }
    editor, leader = make_user(Role.LEGAL_OFFICER), make_user(Role.LEADER)
    draft = editions.start_draft(actor=editor)
    editions.sync_draft(draft, actor=editor)
    editions.publish(draft, actor=leader)
    return items


@pytest.mark.django_db
def test_the_public_guide_shows_each_limit_with_its_unit(client, three_units):
    def page(key):
        code = three_units[key].code
        return client.get(reverse("guide:item", args=[code])).content.decode()

    assert "15 个工作日" in page("workdays")
    days = page("days")
    assert "15 日" in days
    assert "个工作日" not in days
    assert "未核实：某条例不在本平台的法规库中" in days
    hours = page("hours")
    assert "24 小时" in hours
    assert "（自收到申请之时起算）" in hours
    assert "（自收到申请之时起算）" not in days
    assert "个工作日" not in hours
    index = client.get(reverse("guide:index")).content.decode()
    assert all(text in index for text in ("15 个工作日", "15 日", "24 小时"))


@pytest.mark.django_db
@time_machine.travel("2026-06-01 12:00+08:00", tick=False)
def test_the_staff_pages_show_the_unit(client, tree, three_units):
    clerk = make_clerk(tree["s1"])
    client.force_login(clerk)
    app = _online(three_units["hours"], tree["s1"], "2026-06-01 08:00")
    ops.accept(app, clerk, at=at("2026-06-01 10:00"))

    window = client.get(reverse("services:window"), {"item": three_units["hours"].code})
    body = client.get(reverse("services:application", args=[app.receipt])).content.decode()

    assert "24 小时" in window.content.decode()
    assert "期满日 2026-06-02 08:00：已用 4 小时，剩余 20 小时。" in body  # from receipt


@pytest.mark.django_db
def test_the_open_data_csv_writes_the_limit_with_its_unit(client, three_units):
    text = client.get(reverse("guide:csv")).content.decode("utf-8")

    assert ",24 小时,24 小时," in text
    assert "某条例不在本平台的法规库中" in text


# --- invariants of the arithmetic ------------------------------------------------------------------


instants = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),  # noqa: DTZ001 — hypothesis bounds are naive
    max_value=dt.datetime(2026, 12, 31, 23, 59),  # noqa: DTZ001
    timezones=st.just(dt.timezone(dt.timedelta(hours=8))),
)
amounts = st.integers(min_value=1, max_value=60)


@settings(max_examples=200, deadline=None)
@given(start=instants, n=amounts)
def test_n_calendar_days_never_end_after_n_working_days(start, n):
    # The N-th working day is on or after the N-th day, and a working day, so it is on or after
    # the first working day from which a rest-day last day is rolled.
    assert due_after(start, n, D).at <= due_after(start, n, W).at
    assert promise_ends_later((n, D), (n, W), [start]) is None


@settings(max_examples=200, deadline=None)
@given(start=instants, n=amounts)
def test_a_calendar_day_limit_ends_on_a_working_day_and_counts_every_day_before(start, n):
    due = due_after(start, n, D)

    assert default_calendar().is_workday(due.on)
    assert (due.on - start.date()).days >= n
    assert units_between(start, due.at - dt.timedelta(seconds=1), D) >= n


@settings(max_examples=200, deadline=None)
@given(start=instants, n=st.integers(min_value=1, max_value=720))
def test_an_hour_limit_is_exactly_n_hours_and_uses_them_all(start, n):
    due = due_after(start, n, H)

    assert due.at - start == dt.timedelta(hours=n)
    assert units_between(start, due.at, H) == n
    assert units_between(start, due.at - dt.timedelta(seconds=1), H) == n  # a begun hour counts

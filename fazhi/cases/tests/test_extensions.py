"""Extensions are counted from the original period's (rolled) expiry, not from the start.

程序规定第三十五条 moves a period's last day past a rest day; an extension "延长三十日" (治安管理处罚法
第九十九条第一款, 程序规定第一百一十二条第一款) adds thirty days to that period as it ended, so the
extension starts on the rolled last day, and its own last day rolls again if it is a rest day.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from fazhi.cases.derive import Ev, compute_deadlines
from fazhi.cases.packs import Pack, load_pack
from fazhi.core.calendar import WorkCalendar
from fazhi.core.periods import add_period

SH = dt.timezone(dt.timedelta(hours=8))


@cache
def pack(name: str) -> Pack:
    return load_pack(settings.RULES_DIR / "procedure" / f"{name}.yaml")


@cache
def calendar() -> WorkCalendar:
    return WorkCalendar.load()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def last_day(deadline) -> dt.date:
    return (deadline.due_at.astimezone(SH) - dt.timedelta(microseconds=1)).date()


def deadline(name: str, code: str, events: list[Ev]):
    return next(d for d in compute_deadlines(pack(name), events, calendar()) if d.code == code)


@pytest.mark.parametrize("name", ["zhian-general", "zhian-fast"])
def test_the_handling_extension_runs_from_the_rolled_expiry(name):
    accept = Ev(1, "accept", at("2026-09-05 10:00"))
    # 30 days from 2026-09-05 end on 2026-10-05, inside 国庆节 (10-01…07) → last day 2026-10-08.
    assert last_day(deadline(name, "handling", [accept])) == dt.date(2026, 10, 8)
    extend = Ev(
        2, "extend", at("2026-09-30 10:00"), data={"approver": "市公安局", "deadline": "handling"}
    )
    extended = deadline(name, "handling", [accept, extend])
    # 30 more days from 2026-10-08 end on 2026-11-07, a Saturday → Monday 2026-11-09 (not the
    # 2026-11-04 of sixty days counted from 受案).
    assert last_day(extended) == dt.date(2026, 11, 9)
    assert extended.extended is True


@pytest.mark.parametrize("name", ["zhian-general", "zhian-fast", "admin-general"])
def test_the_seizure_extension_runs_from_the_rolled_expiry(name):
    events = [
        Ev(1, "accept", at("2026-09-04 10:00")),
        Ev(2, "seize", at("2026-09-05 10:00"), data={"property": "手机一部"}),
    ]
    assert last_day(deadline(name, "seizure", events)) == dt.date(2026, 10, 8)
    events.append(
        Ev(
            3,
            "extend",
            at("2026-10-08 09:00"),
            data={"approver": "县公安局", "deadline": "seizure"},
        )
    )
    assert last_day(deadline(name, "seizure", events)) == dt.date(2026, 11, 9)


def test_paused_days_lengthen_the_original_period_before_the_extension():
    events = [
        Ev(1, "accept", at("2026-09-05 10:00")),
        # 鉴定 from 09-07 to 09-08: one day not counted → 31 days end 2026-10-06 → 2026-10-08.
        Ev(2, "appraisal", at("2026-09-07 10:00"), ended_at=at("2026-09-08 10:00")),
        Ev(
            3,
            "extend",
            at("2026-10-08 09:00"),
            data={"approver": "市公安局", "deadline": "handling"},
        ),
    ]
    handling = deadline("zhian-general", "handling", events)
    assert handling.paused_days == 1
    assert last_day(handling) == dt.date(2026, 11, 9)


@given(st.integers(min_value=0, max_value=700), st.integers(min_value=0, max_value=25))
def test_an_extension_always_counts_from_the_last_day_of_the_original_period(day, approval):
    start = at("2025-01-02 09:00") + dt.timedelta(days=day)
    accept = Ev(1, "accept", start)
    original = deadline("zhian-general", "handling", [accept])
    extend = Ev(
        2,
        "extend",
        start + dt.timedelta(days=approval),
        data={"approver": "市公安局", "deadline": "handling"},
    )
    extended = deadline("zhian-general", "handling", [accept, extend])
    expected = add_period(last_day(original), 30, "days", calendar=calendar())
    assert extended.due_at == expected.due_at
    assert extended.facts["periods"][1]["start"] == last_day(original).isoformat()

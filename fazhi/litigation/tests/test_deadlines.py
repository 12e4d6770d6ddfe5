"""Properties of the periods over any day a copy may be received (the calendar's known years)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fazhi.core.calendar import default_calendar
from fazhi.litigation.deadlines import Dates, compute, pack_for

received_days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 11, 30))


def last_day(kind: str, received: dt.date, code: str, **extra) -> dt.date:
    dates = Dates(kind=kind, received_on=received, **extra)
    [found] = [c for c in compute(dates, pack_for(dates)) if c.code == code]
    return found.last_day


@given(received_days)
def test_the_reply_ends_on_the_tenth_working_day_after_receipt(received):
    cal = default_calendar()
    end = last_day("reconsideration", received, "FUYI_DAFU")
    counted = [
        received + dt.timedelta(days=n)
        for n in range(1, (end - received).days + 1)
        if cal.is_workday(received + dt.timedelta(days=n))
    ]
    assert len(counted) == 10
    assert counted[-1] == end


@given(received_days)
def test_the_defence_ends_fifteen_days_on_or_the_first_working_day_after(received):
    cal = default_calendar()
    end = last_day("first_instance", received, "YINGSU_DABIAN")
    nominal = received + dt.timedelta(days=15)
    assert end >= nominal
    assert cal.is_workday(end)
    assert all(
        not cal.is_workday(nominal + dt.timedelta(days=n)) for n in range((end - nominal).days)
    )


@given(received_days, st.integers(min_value=1, max_value=40))
def test_a_later_copy_is_never_due_earlier(received, later):
    for kind, code in (("reconsideration", "FUYI_DAFU"), ("first_instance", "YINGSU_DABIAN")):
        first = last_day(kind, received, code)
        second = last_day(kind, received + dt.timedelta(days=later), code)
        assert second >= first


@given(received_days)
def test_an_extension_adds_thirty_days_after_the_rolled_end_of_the_sixty(received):
    cal = default_calendar()
    plain = last_day("reconsideration", received, "FUYI_JUEDING", accepted_on=received)
    longer = last_day(
        "reconsideration", received, "FUYI_JUEDING", accepted_on=received, extended=True
    )
    assert longer == cal.next_workday_on_or_after(plain + dt.timedelta(days=30))

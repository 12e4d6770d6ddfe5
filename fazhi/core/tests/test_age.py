"""周岁 on a day (ADR 0015): N full years from the day after the Nth birthday."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fazhi.core.age import age_on

DAY = dt.timedelta(days=1)


@pytest.mark.parametrize("years", [14, 16, 18, 70])
def test_on_the_birthday_a_person_is_still_a_year_younger(years):
    birth = dt.date(2008, 6, 1)
    birthday = birth.replace(year=birth.year + years)

    assert age_on(birth, birthday - DAY) == years - 1
    assert age_on(birth, birthday) == years - 1
    assert age_on(birth, birthday + DAY) == years


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (dt.date(2008, 2, 29), dt.date(2022, 2, 28), 13),  # 14th birthday, a year without 29 Feb
        (dt.date(2008, 2, 29), dt.date(2022, 3, 1), 14),
        (dt.date(2008, 2, 29), dt.date(2026, 2, 28), 17),  # 18th birthday
        (dt.date(2008, 2, 29), dt.date(2026, 3, 1), 18),
        (dt.date(2000, 2, 29), dt.date(2016, 2, 28), 15),  # 16th, in a leap year
        (dt.date(2000, 2, 29), dt.date(2016, 2, 29), 15),
        (dt.date(2000, 2, 29), dt.date(2016, 3, 1), 16),
    ],
)
def test_a_29_february_birthday_counts_from_1_march(birth, day, age):
    assert age_on(birth, day) == age


def test_the_day_of_birth_is_age_zero():
    assert age_on(dt.date(2020, 5, 5), dt.date(2020, 5, 5)) == 0


births = st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(birth=births, a=st.integers(0, 40_000), b=st.integers(0, 40_000))
def test_age_never_decreases_as_the_act_date_moves_on(birth, a, b):
    first, second = sorted((birth + dt.timedelta(days=a), birth + dt.timedelta(days=b)))

    assert age_on(birth, first) <= age_on(birth, second)


@settings(max_examples=100, deadline=None)
@given(birth=births, after=st.integers(1, 99))
@example(birth=dt.date(2000, 12, 31), after=14)
@example(birth=dt.date(2008, 2, 29), after=14)
def test_age_rises_by_exactly_one_on_exactly_one_day_of_each_year(birth, after):
    year = birth.year + after
    day = dt.date(year, 1, 1)
    steps = []
    while day.year == year:
        change = age_on(birth, day) - age_on(birth, day - DAY)
        if change:
            steps.append((day, change))
        day += DAY

    assert [change for _, change in steps] == [1]
    (risen_on, _) = steps[0]
    # The day after a 31 December birthday is 1 January of the next year.
    reached = after - 1 if (birth.month, birth.day) == (12, 31) else after
    assert age_on(birth, risen_on) == reached

"""A person's age in 周岁 (full years) on a day: one rule for every app (ADR 0015).

法释〔2006〕1号 第二条 counts "已满××周岁" in full years, from the day AFTER the birthday: on
the 14th birthday a person is still 13, and 14 from the next day. Fazhi counts 周岁 this way
wherever an age is derived — the discretion engine (不予处罚 under 14, 14–17, 不送拘留所执行),
its column-wise batch, a case's "minor at the act" flag, documents and identity numbers.

A person born on 29 February has, in a year without that day, the birthday on 28 February
(the last day of the month), so is a year older from 1 March — as in a leap year.
"""

from __future__ import annotations

import datetime as dt


def age_on(birth: dt.date, day: dt.date) -> int:
    """Return the age in 周岁 on DAY of a person born on BIRTH (法释〔2006〕1号 第二条).

    The Nth year is complete on the day after the Nth birthday:

    >>> age_on(dt.date(2010, 6, 1), dt.date(2024, 6, 1))
    13
    >>> age_on(dt.date(2010, 6, 1), dt.date(2024, 6, 2))
    14
    >>> age_on(dt.date(2008, 2, 29), dt.date(2022, 2, 28)), age_on(dt.date(2008, 2, 29), dt.date(2022, 3, 1))
    (13, 14)
    """
    years = day.year - birth.year - ((day.month, day.day) <= (birth.month, birth.day))
    return max(years, 0)

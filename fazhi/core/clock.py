"""The bureau's clock: its time zone and the local day, defined once (STYLE §7).

Instants are stored in UTC and shown in Asia/Shanghai; the law's periods count local calendar days.
Every module that needs "the day of an instant" or "the first instant of a day" asks here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_day(at: dt.datetime) -> dt.date:
    """Return the calendar day of AT in Shanghai (the day the law's periods count)."""
    return at.astimezone(SHANGHAI).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """Return the aware first instant (00:00 Shanghai) of DAY."""
    return dt.datetime.combine(day, dt.time.min, SHANGHAI)

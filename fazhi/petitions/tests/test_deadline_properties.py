"""Invariants of the petition periods (hypothesis), and the counting the 条例 implies."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fazhi.core.calendar import default_calendar
from fazhi.petitions.packs import add_months, derive, load_pack, route
from fazhi.petitions.tests.test_alerts import RULES

PACK = load_pack(RULES / "deadlines.yaml")
ROUTING = load_pack(RULES / "routing.yaml")
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31))
channels = st.sampled_from(["visit", "letter", "phone", "online", "transferred", "assigned"])


@given(received=days, channel=channels)
def test_the_notice_is_due_exactly_fifteen_days_after_receipt(received, channel):
    got = {c.code: c for c in derive(PACK.deadlines, channel, {"received": received})}
    code = "notice" if channel in ("visit", "letter", "phone", "online") else "notice_transferred"
    assert got[code].due_on == received + dt.timedelta(days=15)
    assert ("objection" in got) == (channel in ("transferred", "assigned"))


@given(received=days)
def test_the_objection_period_ends_on_a_working_day_five_working_days_later(received):
    cal = default_calendar()
    got = {c.code: c for c in derive(PACK.deadlines, "transferred", {"received": received})}
    last = got["objection"].due_on
    assert cal.is_workday(last)
    counted = sum(
        cal.is_workday(received + dt.timedelta(days=i))
        for i in range(1, (last - received).days + 1)
    )
    assert counted == 5


@given(accepted=days, extension=st.integers(min_value=0, max_value=60))
def test_an_extension_never_shortens_the_handling_period_and_is_capped_at_thirty_days(
    accepted, extension
):
    events = {"received": accepted, "accepted": accepted}
    plain = {c.code: c for c in derive(PACK.deadlines, "visit", events)}["handling"]
    extended = {
        c.code: c for c in derive(PACK.deadlines, "visit", events, extension_days=extension)
    }["handling"]
    assert plain.due_on == accepted + dt.timedelta(days=60)
    assert extended.due_on - plain.due_on == dt.timedelta(days=min(extension, 30))
    assert extended.due_at == dt.datetime.combine(
        extended.due_on + dt.timedelta(days=1), dt.time.min, extended.due_at.tzinfo
    )


@given(known=days, today=days)
def test_a_decision_is_routed_to_a_statutory_channel_exactly_while_a_window_is_open(known, today):
    result = route({"act": "decided", "known_on": known}, today, pack=ROUTING)
    windows = {w.code: w for w in result.windows}
    open_ = today <= windows["litigation"].last_day
    assert (result.route.track != "petition") == open_
    if today <= windows["reconsideration"].last_day:
        assert result.route.code == "reconsideration"


@given(day=days, months=st.integers(min_value=1, max_value=24))
def test_adding_months_keeps_the_day_or_falls_on_the_months_last_day(day, months):
    later = add_months(day, months)
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day == day.day or (later.day < day.day and (later + dt.timedelta(days=1)).day == 1)

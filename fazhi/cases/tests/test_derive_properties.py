"""Invariants of the deadline derivation (derive.py) over the shipped 治安 general pack."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache

from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from fazhi.cases.derive import Ev, check_new_event, compute_deadlines
from fazhi.cases.packs import Pack, load_pack
from fazhi.core.calendar import WorkCalendar

SH = dt.timezone(dt.timedelta(hours=8))
BASE = dt.datetime(2025, 1, 2, 0, 0, tzinfo=SH)


@cache
def pack() -> Pack:
    return load_pack(settings.RULES_DIR / "procedure" / "zhian-general.yaml")


@cache
def calendar() -> WorkCalendar:
    return WorkCalendar.load()


def instants(max_days: int = 600):
    return st.integers(min_value=0, max_value=max_days * 24 * 60).map(
        lambda minutes: BASE + dt.timedelta(minutes=minutes)
    )


def offsets(max_days: int = 40):
    return st.integers(min_value=1, max_value=max_days * 24 * 60).map(
        lambda minutes: dt.timedelta(minutes=minutes)
    )


def due(events: list[Ev], code: str = "handling") -> dt.datetime:
    [deadline] = [d for d in compute_deadlines(pack(), events, calendar()) if d.code == code]
    return deadline.due_at


def summary(events: list[Ev]) -> list[tuple]:
    return sorted(
        (d.code, d.start_at, d.due_at, d.status, d.met_at, d.paused_days)
        for d in compute_deadlines(pack(), events, calendar())
    )


@given(accepted=instants(), start=offsets(), length=offsets(60))
def test_a_pause_never_makes_the_handling_deadline_earlier(accepted, start, length):
    accept = Ev(1, "accept", accepted)
    appraisal = Ev(2, "appraisal", accepted + start, accepted + start + length)
    assert due([accept, appraisal]) >= due([accept])


@given(accepted=instants(), later=offsets(60))
def test_an_approved_extension_never_makes_the_handling_deadline_earlier(accepted, later):
    accept = Ev(1, "accept", accepted)
    extension = Ev(2, "extend", accepted + later, data={"approver": "市局", "deadline": "handling"})
    with_extension = due([accept, extension])
    assert with_extension >= due([accept])
    assert with_extension >= accepted + dt.timedelta(days=60)


@given(accepted=instants(), delay=offsets(2), complex_case=st.booleans())
def test_questioning_ends_exactly_its_hours_after_the_summons_whatever_the_holidays(
    accepted, delay, complex_case
):
    summoned = accepted + delay
    events = [
        Ev(1, "accept", accepted),
        Ev(2, "summon", summoned, data={"complex_detention_possible": complex_case}),
    ]
    assert due(events, "questioning") == summoned + dt.timedelta(hours=24 if complex_case else 8)


@given(
    accepted=instants(),
    kinds=st.lists(
        st.sampled_from(["summon", "seize", "appraisal", "extend", "preserve", "mediate"]),
        min_size=1,
        max_size=6,
    ),
    gaps=st.lists(offsets(20), min_size=6, max_size=6),
    order=st.randoms(use_true_random=False),
)
def test_recording_events_in_any_order_gives_the_deadlines_of_their_sorted_order(
    accepted, kinds, gaps, order
):
    data = {
        "seize": {"property": "手机"},
        "preserve": {"evidence": "账本"},
        "extend": {"approver": "市局", "deadline": "handling"},
    }
    later = [
        Ev(i + 2, kind, accepted + gaps[i], data=data.get(kind, {})) for i, kind in enumerate(kinds)
    ]
    shuffled = later[:]
    order.shuffle(shuffled)
    now = accepted + dt.timedelta(days=30)
    recorded = [Ev(1, "accept", accepted)]
    for event in shuffled:  # each only needs 受案, so every order is a valid one
        check_new_event(pack(), recorded, event, now=now, calendar=calendar())
        recorded.append(event)
    in_time_order = [Ev(1, "accept", accepted), *sorted(later, key=lambda e: e.occurred_at)]
    assert summary(recorded) == summary(in_time_order)


@given(accepted=instants(), first=offsets(), second=offsets(), length=offsets(20))
def test_a_correction_equals_recording_the_corrected_event_in_the_first_place(
    accepted, first, second, length
):
    accept = Ev(1, "accept", accepted)
    wrong = Ev(2, "appraisal", accepted + first, accepted + first + length)
    right = Ev(3, "appraisal", accepted + second, accepted + second + length, corrects=2)
    original = Ev(3, "appraisal", accepted + second, accepted + second + length)
    assert summary([accept, wrong, right]) == summary([accept, original])


@given(accepted=instants(), failed_after=offsets(20))
def test_a_failed_mediation_never_makes_the_handling_deadline_earlier(accepted, failed_after):
    events = [Ev(1, "accept", accepted), Ev(2, "mediate", accepted)]
    failed = Ev(3, "mediation_failed", accepted + failed_after)
    assert due([*events, failed]) >= due(events)


@given(
    accepted=instants(),
    appraisal=offsets(20),
    length=offsets(20),
    later=offsets(60),
    language=st.sampled_from(["en", "zh-hans"]),
)
def test_the_facts_are_the_same_in_every_language(accepted, appraisal, length, later, language):
    from django.utils import translation

    events = [
        Ev(1, "accept", accepted),
        Ev(2, "appraisal", accepted + appraisal, accepted + appraisal + length),
        Ev(3, "extend", accepted + later, data={"approver": "市局", "deadline": "handling"}),
        Ev(4, "hearing_request", accepted + later),
    ]
    with translation.override("zh-hans"):
        chinese = [d.facts for d in compute_deadlines(pack(), events, calendar())]
    with translation.override(language):
        other = [d.facts for d in compute_deadlines(pack(), events, calendar())]
    assert other == chinese
    assert json.loads(json.dumps(other)) == other  # stored as it is, no text rendered

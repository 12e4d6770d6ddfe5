"""Age on the act date (ADR 0015): 周岁 from the day after the birthday, in decide and the batch."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from fazhi.discretion.batch import decision_row, evaluate
from fazhi.discretion.engine import decide

DAY = dt.timedelta(days=1)
FRAUD = {"harm": "minor", "illegal_gains": 6000}
BEAT = {"harm": "minor", "injury": "minor"}


def _on(code, facts, act):
    return decide(code, facts, act, act + dt.timedelta(days=10))


def test_an_act_on_the_14th_birthday_is_an_act_under_14():
    facts = {**FRAUD, "offender_birth_date": "2011-03-01"}

    on_birthday = _on("fz.fraud_participation", facts, dt.date(2025, 3, 1))
    day_after = _on("fz.fraud_participation", facts, dt.date(2025, 3, 2))

    assert (on_birthday.outcome, on_birthday.rules_applied) == ("no_penalty", ("under-14",))
    assert day_after.outcome == "penalty"
    assert "minor-14-17" in day_after.rules_applied


def test_an_act_on_the_18th_birthday_is_still_a_minor_s_act():
    facts = {**BEAT, "offender_birth_date": "2007-03-01"}

    on_birthday = _on("za.beat", facts, dt.date(2025, 3, 1))
    day_after = _on("za.beat", facts, dt.date(2025, 3, 2))

    assert "minor-14-17" in on_birthday.rules_applied
    assert "minor-14-17" not in day_after.rules_applied


def test_on_the_16th_birthday_the_detention_is_still_not_executed():
    facts = {**BEAT, "offender_birth_date": "2009-03-01"}

    assert _on("za.beat", facts, dt.date(2025, 3, 1)).detention_executable is False
    assert _on("za.beat", facts, dt.date(2025, 3, 2)).detention_executable is True


@pytest.mark.parametrize(
    ("birth", "act", "under_14"),
    [
        ("2012-02-29", dt.date(2026, 2, 28), True),  # the 14th birthday in a year without 29 Feb
        ("2012-02-29", dt.date(2026, 3, 1), False),
        ("2011-03-01", dt.date(2025, 3, 1), True),
        ("2011-03-01", dt.date(2025, 3, 2), False),
    ],
)
def test_the_batch_counts_age_as_decide_does(birth, act, under_14):
    facts = {**FRAUD, "offender_birth_date": birth}
    decided = act + dt.timedelta(days=10)

    result = evaluate(
        "fz.fraud_participation",
        {
            "harm": np.array(["minor"]),
            "illegal_gains": np.array([6000.0]),
            "offender_birth_date": np.array([birth], dtype="datetime64[D]"),
        },
        np.datetime64(act),
        np.datetime64(decided),
    )

    expected = decision_row(decide("fz.fraud_participation", facts, act, decided))
    assert result.row(0, "fz.fraud_participation") == expected
    assert (expected["outcome"] == "no_penalty") is under_14

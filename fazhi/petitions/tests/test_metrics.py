"""The petitions metrics: exact figures over petitions built through the domain functions."""

import datetime as dt
from decimal import Decimal

import pytest

from fazhi.core import metrics
from fazhi.core.metrics import Period
from fazhi.petitions import petitions as ops
from fazhi.petitions.tests.factories import DECIDED, accepted_petition, at, receive

pytestmark = pytest.mark.django_db
MARCH_TO_JUNE = Period(dt.date(2026, 3, 1), dt.date(2026, 6, 30))


def test_the_routed_rate_counts_claims_sent_to_a_statutory_channel(tree):
    first, actor = receive(tree["s1"], claims=("撤销罚款", "解决噪音"))
    one, two = first.claims.all()
    ops.classify(one, DECIDED, actor=actor, at=at("2026-03-10 10:00"))
    ops.classify(two, {}, actor=actor, at=at("2026-03-10 10:00"))

    value = metrics.get("petition_routed_rate")(MARCH_TO_JUNE, tree["city"])
    by_track = metrics.get("petition_routed_rate_reconsideration")(MARCH_TO_JUNE, tree["city"])
    assert (value.numerator, value.denominator, value.value) == (1, 2, Decimal("50.0"))
    assert list(by_track.records) == [one]
    assert metrics.get("petition_routed_rate")(MARCH_TO_JUNE, tree["s2"]).denominator == 0


def test_the_ontime_rate_counts_replies_on_or_before_the_last_day(tree):
    on_time, actor = accepted_petition(tree["s1"])
    ops.reply(on_time, outcome="explained", text="经调查核实，已作解释说明。", replied_on=dt.date(2026, 5, 4),
              actor=actor, at=at("2026-05-04 10:00"))  # fmt: skip
    late, _ = accepted_petition(tree["s1"], actor, petitioner_id_number="", petitioner_name="钱七")
    ops.reply(late, outcome="explained", text="经调查核实，已作解释说明。", replied_on=dt.date(2026, 5, 5),
              actor=actor, at=at("2026-05-05 10:00"))  # fmt: skip

    value = metrics.get("petition_ontime_rate")(MARCH_TO_JUNE, tree["city"])
    assert (value.numerator, value.denominator) == (1, 2)
    assert set(value.records) == {on_time, late}


def test_accepted_and_repeat_figures(tree):
    _first, actor = accepted_petition(tree["s1"])
    receive(tree["s1"], actor, received_on=dt.date(2026, 4, 1), now="2026-04-01 10:00")
    accepted = metrics.get("petitions_accepted")(MARCH_TO_JUNE, tree["city"])
    repeat = metrics.get("petition_repeat_rate")(MARCH_TO_JUNE, tree["city"])
    assert (accepted.value, accepted.denominator) == (Decimal(1), 2)
    assert (repeat.numerator, repeat.denominator) == (1, 2)


def test_the_metric_pages_drill_down_to_the_claims_and_petitions(client, tree, make_user):
    from fazhi.core.roles import Role

    petition, actor = receive(tree["s1"])
    ops.classify(petition.claims.get(), DECIDED, actor=actor, at=at("2026-03-10 10:00"))
    client.force_login(make_user(Role.SUPERVISOR, tree["city"]))
    for code in ("petition_routed_rate", "petition_routed_rate_reconsideration", "petition_ontime_rate",
                 "petitions_accepted", "petition_repeat_rate", "mediation_success_rate", "mediations_started"):  # fmt: skip
        page = client.get(
            f"/reports/metrics/{code}/?unit={tree['city'].code}&from=2026-03-01&to=2026-06-30"
        )
        assert page.status_code == 200, code
    routed = client.get(
        f"/reports/metrics/petition_routed_rate/?unit={tree['city'].code}&from=2026-03-01&to=2026-06-30"
    )
    assert petition.number in routed.content.decode()

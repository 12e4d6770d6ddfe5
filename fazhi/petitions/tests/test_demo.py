"""The demo's petitions: realistic, routed to every kind of channel, idempotent."""

import datetime as dt

import pytest

from fazhi.petitions.demo import load_petitions
from fazhi.petitions.models import Claim, Mediation, Petition

pytestmark = pytest.mark.django_db


def test_the_demo_writes_a_year_of_petitions_once(tree):
    first = load_petitions(on=dt.date(2026, 11, 30), count=80)
    tracks = set(Claim.objects.exclude(route="").values_list("track", flat=True))

    assert first["petitions"] == Petition.objects.count() >= 70
    assert {"reconsideration", "criminal", "arbitration", "mediation", "petition"} <= tracks
    assert Petition.objects.filter(status="replied").exists()
    assert Petition.objects.filter(repeat_of__isnull=False).exists()
    assert Mediation.objects.filter(status="performed").exists()
    assert Mediation.objects.filter(status="failed").exists()
    assert load_petitions(on=dt.date(2026, 11, 30), count=80) == {"petitions": 0, "mediations": 0}

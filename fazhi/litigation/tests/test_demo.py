import datetime as dt

import pytest

from fazhi.core import demo
from fazhi.core.metrics import Period, get
from fazhi.litigation.demo import load_litigation
from fazhi.litigation.models import LOSSES, Hearing, Matter
from fazhi.org.models import Unit

ON = dt.date(2026, 6, 1)


SIZE = demo.DemoSize(districts=2, stations=(2, 1), officers_per_station=(2, 3), cases=900)
STEPS = ("org", "catalog.items", "cases")


def load() -> None:
    """The steps the litigation demo needs, in their order (no laws, no other app's data)."""
    run = demo.DemoRun(size=SIZE, on=ON, laws=False, cases=True, result=demo.DemoResult())
    for step in demo.steps():
        if step.name in STEPS:
            step.run(run)
    # A fifth of the decisions contested (the demo: 3 %), so that the small set has losses.
    load_litigation(on=ON, share=0.2)


@pytest.mark.django_db
def test_the_demo_year_has_matters_full_appearance_and_orders_for_its_losses():
    load()

    assert Matter.objects.count() >= 10
    city = Unit.objects.get(depth=1)
    year = Period(ON - dt.timedelta(days=365), ON)
    appearance = get("court_appearance_rate")(year, city)
    assert appearance.denominator == Hearing.objects.filter(status="held").count() > 0
    assert appearance.value == 100
    lost = Matter.objects.filter(outcome__in=sorted(LOSSES))
    assert lost.exists()
    assert lost.exclude(correction_order=None).exists()
    assert all(m.review_flagged_at is not None for m in lost)
    entries = Matter.objects.count()
    load()
    assert Matter.objects.count() == entries

"""The demo applications: deterministic, consistent with the operations' rules, rates in range."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction

from fazhi.audit.models import AuditEntry
from fazhi.core import metrics as registry
from fazhi.core.metrics import Period
from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory
from fazhi.services import demo
from fazhi.services.applications import due_date, working_days_between
from fazhi.services.models import (
    Application,
    ApplicationEvent,
    Bundle,
    BundleApplication,
    BundleItem,
    Channel,
    GroupRoster,
    HandlingMode,
    Step,
)
from fazhi.services.models import ApplicationStatus as S
from fazhi.services.tests.factories import service_item

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 11, 25)
YEAR = Period(ON - dt.timedelta(days=365), ON - dt.timedelta(days=1))
SH = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def catalogue(tree):
    """20 items: 16 fully online, 2 online with window collection, 2 window only; 18 on the spot."""
    UserFactory(username="window", role=Role.WINDOW, scope_unit=tree["s1"])
    modes = [(HandlingMode.ONLINE, HandlingMode.WINDOW)] * 16
    modes += [(HandlingMode.ONLINE_WINDOW, HandlingMode.WINDOW)] * 2 + [(HandlingMode.WINDOW,)] * 2
    items = [
        service_item(
            name=f"事项{n}",
            modes=m,
            is_online=HandlingMode.WINDOW not in m or len(m) > 1,
            on_the_spot=n < 18,
            promised_days=0 if n < 10 else 5 + n % 10,
        )
        for n, m in enumerate(modes)
    ]
    service_item(
        name="口岸团队旅游签证",
        modes=(HandlingMode.ONLINE,),
        needs_roster=True,
        levels=["district"],
        promised_days=3,
    )
    bundle = Bundle.objects.create(code="YJS-T", name="新生儿出生一件事")
    for order, item in enumerate(items[:3], start=1):
        BundleItem.objects.create(bundle=bundle, item=item, order=order)
    return items


def _fingerprint() -> tuple:
    rows = Application.objects.order_by("receipt").values_list(
        "receipt", "status", "channel", "submitted_at", "completed_at", "due_on", "fully_online"
    )
    return (
        hash(tuple(rows)),
        Counter(Application.objects.values_list("status", flat=True)),
        ApplicationEvent.objects.count(),
    )


def test_the_same_seed_gives_the_same_applications(catalogue):
    prints = []
    for _ in range(2):
        with transaction.atomic():
            demo.load_applications(on=ON, count=600)
            prints.append(_fingerprint())
            transaction.set_rollback(True)
    assert prints[0] == prints[1]
    assert sum(prints[0][1].values()) == 600


def test_a_second_run_writes_nothing_and_the_load_is_audited_once(catalogue):
    first = demo.load_applications(on=ON, count=500)
    second = demo.load_applications(on=ON, count=500)
    assert (first.created, second.created) == (500, 0)
    assert Application.objects.count() == 500
    assert AuditEntry.objects.filter(action="services.demo_load").count() == 1


@pytest.fixture
def generated(catalogue):
    return demo.load_applications(on=ON, count=3000)


def test_every_generated_application_keeps_the_operations_invariants(generated):
    events: dict[int, list] = {}
    for app_id, step, at, data in ApplicationEvent.objects.order_by("at", "id").values_list(
        "application_id", "step", "at", "data"
    ):
        events.setdefault(app_id, []).append((step, at, data))
    now = dt.datetime.combine(ON, dt.time(0, 0), tzinfo=SH)
    for app in Application.objects.select_related("item"):
        steps = events[app.pk]
        assert steps[0][0] == Step.SUBMIT
        assert steps[0][1] == app.submitted_at
        assert all(at <= now for _s, at, _d in steps)
        if app.accepted_at:
            assert app.submitted_at <= app.accepted_at
        if app.completed_at:
            assert (app.accepted_at or app.submitted_at) <= app.completed_at
        kinds = [s for s, _a, _d in steps]
        if app.status == S.COMPLETED:
            assert app.fully_online == (app.channel == Channel.ONLINE and app.visits == 0)
            same_day = (
                app.completed_at.astimezone(SH).date() == app.submitted_at.astimezone(SH).date()
            )
            assert app.on_the_spot == (
                app.channel != Channel.ONLINE
                and app.visits == 1
                and Step.ASK_SUPPLEMENT not in kinds
                and same_day
            )
            submitted, done = app.submitted_at.astimezone(SH), app.completed_at.astimezone(SH)
            assert app.handling_seconds == int((done - submitted).total_seconds())
            assert app.handling_days == working_days_between(submitted.date(), done.date())
            assert app.completed_late == (done.date() > app.due_on)
        else:
            assert app.fully_online is None
            assert app.on_the_spot is None
            assert app.handling_days is None
            assert app.completed_late is None
        if app.accepted_at and Step.SUPPLEMENT not in kinds:
            local = app.accepted_at.astimezone(SH).date()
            assert app.due_on == due_date(local, app.item.promised_days)
        assert app.visits == (app.channel != Channel.ONLINE) + kinds.count(Step.VISIT)
        if app.item.clock_from == "received" and app.status == S.SUBMITTED:
            assert app.due_at is not None  # due from the submission, before acceptance
            assert steps[0][2]["due_at"] == app.due_at.isoformat()


def test_the_demo_rates_land_in_the_seeds_range(tree, generated):
    def value(code):
        return registry.get(code)(YEAR, tree["city"])

    assert Decimal(80) <= value("services_fully_online_rate").value <= Decimal(90)
    assert value("services_items_on_the_spot_rate").value == Decimal("85.7")  # 18 of 21
    assert value("services_groups_served").numerator >= 20
    assert value("services_overdue_open").numerator > 0
    assert value("services_completed_late").numerator > 0
    assert value("services_applications_self_service").numerator > 0
    assert GroupRoster.objects.count() == generated.groups == 30
    assert BundleApplication.objects.count() == 15
    assert BundleApplication.objects.filter(completed_at__isnull=False).exists()

"""Service-deadline warnings: the rule file's examples agree with the SQL scan; warnings open,
escalate, close by themselves, are never duplicated, keep their history and follow the scope."""

import datetime as dt
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from fazhi.core.roles import Role
from fazhi.services import alerts
from fazhi.services import applications as ops
from fazhi.services.models import (
    Application,
    ApplicationEvent,
    Channel,
    ServiceWarning,
    ServiceWarningEvent,
    Step,
)
from fazhi.services.tests.factories import GOOD_FORM, applicant, at, citizen, service_item
from fazhi.services.tests.factories import window_clerk as clerk_for

pytestmark = pytest.mark.django_db
RULES = Path(settings.RULES_DIR) / "services" / "deadlines.yaml"
EXAMPLES = yaml.safe_load(RULES.read_text(encoding="utf-8"))["examples"]


def _row(tree, given, item):
    """An application in the example's state, written directly (the scan reads only these)."""
    submitted = dt.datetime.combine(
        dt.date.fromisoformat(str(given["submitted"])),
        dt.time(9),
        tzinfo=at("2026-01-01 00:00").tzinfo,
    )
    app = Application.objects.create(
        receipt=f"T{Application.objects.count():08d}", item=item, unit=tree["s1"],
        channel=Channel.ONLINE, mode="online", applicant_name="张三",
        applicant_id_number="x", applicant_phone="13912345678", status=given["status"],
        submitted_at=submitted,
        due_on=given.get("due_on"),
    )  # fmt: skip
    if given.get("asked"):
        ApplicationEvent.objects.create(
            application=app, step=Step.ASK_SUPPLEMENT, actor="t",
            at=dt.datetime.combine(given["asked"], dt.time(10), tzinfo=submitted.tzinfo),
        )  # fmt: skip
    return app


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_each_example_of_the_rule_file_gives_the_same_warnings_through_the_sql_scan(tree, example):
    given = example["given"]
    app = _row(tree, given, service_item())
    noon = dt.datetime.combine(given["today"], dt.time(12), tzinfo=at("2026-01-01 00:00").tzinfo)
    alerts.run(noon)
    assert set(app.warnings.values_list("rule", flat=True)) == set(example["expect"]["open"])


def _clear():
    ServiceWarningEvent.objects.all().delete()
    ServiceWarning.objects.all().delete()


def _accepted(tree, when="2026-03-02 10:00", days=5):
    item, clerk = service_item(promised_days=days), clerk_for(tree["s1"])
    app = ops.submit(
        item, applicant=applicant(), unit=tree["s1"], channel=Channel.ONLINE, data=GOOD_FORM,
        by=citizen(), at=at("2026-03-02 09:00"),
    )  # fmt: skip
    ops.accept(app, clerk, at=at(when))
    return app, clerk


def test_an_overdue_warning_opens_once_escalates_by_age_and_keeps_its_history(tree):
    app, _ = _accepted(tree)  # due 2026-03-09
    _clear()  # the step's own scan ran at today's date
    first = alerts.run(at("2026-03-10 08:00"))
    again = alerts.run(at("2026-03-10 09:00"))
    assert (first.opened, again.opened, again.closed) == (1, 0, 0)
    warning = ServiceWarning.objects.get(application=app, rule="BANJIAN_OVER")
    assert (warning.level, warning.escalated_level) == ("alarm", "unit")
    alerts.run(at("2026-03-11 08:00"))
    alerts.run(at("2026-03-13 08:01"))
    warning.refresh_from_db()
    assert warning.escalated_level == "city"
    assert list(warning.events.values_list("kind", "escalated_level")) == [
        ("opened", "unit"), ("escalated", "district"), ("escalated", "city"),
    ]  # fmt: skip


def test_a_warning_closes_by_itself_when_the_application_completes(tree, time_machine):
    time_machine.move_to(at("2026-03-12 10:00"), tick=False)
    app, clerk = _accepted(tree)
    assert app.warnings.get().rule == "BANJIAN_OVER"  # the accept step's own scan opened it
    ops.approve(app, clerk, at=at("2026-03-12 10:00"))
    ops.complete(app, clerk, at=at("2026-03-12 10:05"))
    warning = app.warnings.get()
    assert (warning.state, warning.closed_at) == ("closed", at("2026-03-12 10:00"))
    closing = ServiceWarningEvent.objects.get(warning=warning, kind="closed")
    assert (closing.reason, warning.closed_reason) == ("no_longer_applies", "no_longer_applies")


def test_acceptance_closes_the_five_day_warning_at_once(tree, time_machine):
    time_machine.move_to(at("2026-03-11 10:00"))
    item, clerk = service_item(), clerk_for(tree["s1"])
    app = ops.submit(
        item, applicant=applicant(), unit=tree["s1"], channel=Channel.ONLINE, data=GOOD_FORM,
        by=citizen(), at=at("2026-03-02 09:00"),
    )  # fmt: skip
    alerts.run()
    assert app.warnings.get(state="open").rule == "SHOULI_LATE"
    ops.ask_supplement(app, clerk, missing=["户口簿"], at=at("2026-03-11 10:00"))
    assert not app.warnings.filter(state="open").exists()


def test_a_second_open_warning_of_the_same_rule_is_refused_by_the_database(tree):
    from django.db import IntegrityError, transaction

    app, _ = _accepted(tree)
    _clear()
    alerts.run(at("2026-03-10 08:00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceWarning.objects.create(
            application=app, rule="BANJIAN_OVER", name="x", level="alarm", basis="x",
            state="open", opened_at=at("2026-03-10 08:00"), escalated_level="unit",
        )  # fmt: skip


def test_each_unit_sees_the_warnings_of_its_own_scope(tree, make_user):
    app, _ = _accepted(tree)
    _clear()
    alerts.run(at("2026-03-10 08:00"))
    seen = {
        name: alerts.visible_warnings(user).count()
        for name, user in {
            "s1 window": clerk_for(tree["s1"]),
            "s2 window": clerk_for(tree["s2"]),
            "d1 supervisor": make_user(Role.SUPERVISOR, tree["d1"]),
            "d2 supervisor": make_user(Role.SUPERVISOR, tree["d2"]),
        }.items()
    }
    assert seen == {"s1 window": 1, "s2 window": 0, "d1 supervisor": 1, "d2 supervisor": 0}
    assert app.warnings.count() == 1


def test_the_warning_page_lists_the_scopes_warnings_with_counts_by_level(tree, client):
    app, _ = _accepted(tree)
    _clear()
    alerts.run(at("2026-03-10 08:00"))
    client.force_login(clerk_for(tree["s1"]))
    page = client.get("/services/warnings/").content.decode()
    assert f'href="/services/a/{app.receipt}/"' in page
    assert 'data-level="alarm">告警 1<' in page
    client.force_login(clerk_for(tree["s2"]))
    assert app.receipt not in client.get("/services/warnings/").content.decode()


def test_an_hour_limit_is_overdue_from_its_hour_not_from_the_next_day(tree):
    """An application due at an exact hour (a limit in hours) is late from that instant."""
    app = _row(tree, {"status": "accepted", "submitted": dt.date(2026, 3, 10),
                      "due_on": dt.date(2026, 3, 10)}, service_item())  # fmt: skip
    Application.objects.filter(pk=app.pk).update(due_at=at("2026-03-10 15:00"))

    alerts.run(at("2026-03-10 14:59"))
    assert set(app.warnings.filter(state="open").values_list("rule", flat=True)) == {"BANJIAN_DUE"}
    alerts.run(at("2026-03-10 15:00"))
    assert set(app.warnings.filter(state="open").values_list("rule", flat=True)) == {"BANJIAN_OVER"}

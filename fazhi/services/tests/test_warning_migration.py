"""services 0007 moves the 警快办 warnings onto the one warning engine: every warning, its rule code
and its history are kept, and the old free-text notes become the structured fields."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fazhi.core.warnings import row

BEFORE = [("services", "0006_item_limit_units")]
AFTER = [("services", "0007_service_warnings_one_engine")]
T = dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_service_warning_and_its_history_survive_with_structured_fields():
    old = _migrate(BEFORE)
    Unit = old.get_model("org", "Unit")
    Item = old.get_model("services", "ServiceItem")
    Application = old.get_model("services", "Application")
    Warning = old.get_model("services", "ServiceWarning")
    Event = old.get_model("services", "ServiceWarningEvent")
    unit = row(Unit, "default", code="T1", path="/T1/")
    item = row(Item, "default")
    app = Application.objects.create(
        receipt="T0000001", item=item, unit=unit, channel="online", mode="online",
        applicant_name="张三", applicant_id_number="x", applicant_phone="13912345678",
        status="accepted", submitted_at=T,
    )  # fmt: skip
    common = {"application": app, "name": "n", "level": "alarm", "basis": "b", "opened_at": T}
    over = Warning.objects.create(rule="BANJIAN_OVER", state="open", escalated_level="city",
                                  **common)  # fmt: skip
    due = Warning.objects.create(rule="BANJIAN_DUE", state="closed", escalated_level="unit",
                                 closed_at=T, **common)  # fmt: skip
    rows = [
        (over, "opened", ""), (over, "escalated", "district"), (over, "escalated", "city"),
        (due, "opened", ""), (due, "closed", "条件不再成立"),
    ]  # fmt: skip
    for warning, kind, note in rows:
        Event.objects.create(warning=warning, kind=kind, at=T, note=note)

    new = _migrate(AFTER)
    Warning = new.get_model("services", "ServiceWarning")
    Event = new.get_model("services", "ServiceWarningEvent")

    assert sorted(Warning.objects.values_list("pk", "rule", "state", "closed_reason")) == sorted(
        [
            (over.pk, "BANJIAN_OVER", "open", ""),
            (due.pk, "BANJIAN_DUE", "closed", "no_longer_applies"),
        ]
    )
    history = Event.objects.order_by("pk").values_list(
        "warning_id", "kind", "escalated_level", "reason", "actor_label"
    )
    assert list(history) == [
        (over.pk, "opened", "unit", "", "system:service-scan"),
        (over.pk, "escalated", "district", "", "system:service-scan"),
        (over.pk, "escalated", "city", "", "system:service-scan"),
        (due.pk, "opened", "unit", "", "system:service-scan"),
        (due.pk, "closed", "", "no_longer_applies", "system:service-scan"),
    ]
    # The partial unique index now spans (rule, application, deadline code, subject key).
    assert Warning.objects.filter(state="open", deadline_code="", subject_key="").count() == 1
    _migrate(new_leaves())


def new_leaves():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()

"""Migration cases 0003 fills the stored pack version and every deadline's facts, and re-dates
(audited) the deadlines the corrected count moves."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from fazhi.audit.models import AuditEntry
from fazhi.cases import procedure
from fazhi.cases.models import Case, Deadline
from fazhi.cases.procedure import NewEvent
from fazhi.cases.tests.factories import at, open_public_order_case

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "fazhi.cases.migrations.0003_case_pack_version_and_deadline_facts"
)


def test_the_migration_fills_versions_and_facts_and_audits_what_moved(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2026-09-05 10:00")
    procedure.record_event(
        case,
        NewEvent(
            "extend", at("2026-09-30 10:00"), data={"approver": "市公安局", "deadline": "handling"}
        ),
        actor=actor,
        at=at("2026-09-30 11:00"),
    )
    # As the rows stood before: no version, no facts, the extension counted from 受案.
    Case.objects.filter(pk=case.pk).update(procedure_version="", next_due_at=at("2026-11-05 00:00"))
    Deadline.objects.filter(case=case).update(facts={})
    Deadline.objects.filter(case=case, code="handling").update(due_at=at("2026-11-05 00:00"))

    editor = SimpleNamespace(connection=connection)  # the functions only use its connection
    migration.fill_pack_versions(apps, editor)
    migration.fill_facts(apps, editor)

    case.refresh_from_db()
    assert case.procedure_version == "2021-07-15"
    handling = Deadline.objects.get(case=case, code="handling")
    assert handling.due_at == at("2026-11-10 00:00")  # last day 2026-11-09
    assert case.next_due_at == handling.due_at
    assert all(d.facts.get("periods") for d in Deadline.objects.filter(case=case))
    entry = AuditEntry.objects.filter(action="case.deadlines.redate").get()
    assert entry.changes["handling"]["due_at"][1].startswith("2026-11-10")

"""A deadline's explanation is stored as facts and rendered in the reader's language (ADR 0018)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from fazhi.audit.models import AuditEntry
from fazhi.cases import deadlines, procedure
from fazhi.cases.derive import Ev
from fazhi.cases.models import Deadline
from fazhi.cases.procedure import NewEvent
from fazhi.cases.tests.factories import at, open_public_order_case

pytestmark = pytest.mark.django_db


def _extended_case(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2026-09-05 10:00")
    procedure.record_event(
        case,
        NewEvent(
            "extend", at("2026-09-30 10:00"), data={"approver": "市公安局", "deadline": "handling"}
        ),
        actor=actor,
        at=at("2026-09-30 11:00"),
    )
    return case, actor


def _snapshot(case):
    return sorted(
        (d.code, d.key, d.due_at, json.dumps(d.facts, sort_keys=True), d.computed_at)
        for d in Deadline.objects.filter(case=case)
    )


def test_a_recompute_in_english_then_chinese_changes_nothing(tree):
    case, actor = _extended_case(tree)
    before = _snapshot(case)
    audits = AuditEntry.objects.count()
    events = [Ev.of(row) for row in case.events.all()]
    pack = procedure.pack_of(case)
    for language in ("en", "zh-hans", "en"):
        with translation.override(language):
            assert deadlines.refresh(case, pack, events, at=at("2026-10-01 09:00")) == (0, 0, 0)
            redated = deadlines.redate_all(actor=actor, at=at("2026-10-01 09:00"))
            assert redated.changed == 0
    assert _snapshot(case) == before
    assert AuditEntry.objects.count() == audits
    assert not AuditEntry.objects.filter(action="case.deadlines.redate").exists()


def test_the_facts_hold_what_was_counted_and_no_sentence(tree):
    case, _ = _extended_case(tree)
    facts = Deadline.objects.get(case=case, code="handling").facts
    assert facts["start"] == {"event": "accept", "name": "受案", "at": "2026-09-05T10:00:00+08:00"}
    assert (facts["amount"], facts["unit"]) == (30, "days")
    first, extension = facts["periods"]
    assert (first["end"], first["rolled_from"]) == ("2026-10-08", "2026-10-05")
    assert extension["start"] == "2026-10-08"
    assert (extension["end"], extension["rolled_from"]) == ("2026-11-09", "2026-11-07")
    assert facts["extensions"] == [
        {
            "at": "2026-09-30T10:00:00+08:00",
            "approver": "市公安局",
            "amount": 30,
            "basis": "《中华人民共和国治安管理处罚法》第九十九条第一款",
        }
    ]
    assert "《公安机关办理行政案件程序规定》第一百六十五条" in facts["provisions"]
    assert facts["provisional_years"] == []


def test_the_explanation_is_rendered_in_the_readers_language(tree):
    case, _ = _extended_case(tree)
    handling = Deadline.objects.get(case=case, code="handling")
    with translation.override("zh-hans"):
        chinese = handling.explanation
    with translation.override("en"):
        english = handling.explanation
    assert chinese.startswith("自受案起算：")
    assert "经市公安局批准延长 30日，自原期满日 2026-10-08 起算" in chinese
    assert english.startswith("Counted from Acceptance: ")


def test_the_case_page_shows_the_explanation_in_the_readers_language(tree, client):
    case, actor = _extended_case(tree)
    client.force_login(actor)
    url = reverse("cases:detail", args=[case.number])
    assert "自受案起算：" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url).content.decode()
    assert "Counted from Acceptance: " in page
    assert "自受案起算" not in page

"""The pack a case follows is chosen once, when the case is opened, and stored on it.

A new version of the pack, in force from a later day, must not change the rules of a case that
is already open: not its deadlines, not the steps its form offers, not what a refresh recomputes.
"""

from __future__ import annotations

import re
import shutil

import pytest
from django.urls import reverse

from fazhi.cases import deadlines, procedure
from fazhi.cases.derive import EventRefused
from fazhi.cases.models import Case, Deadline
from fazhi.cases.procedure import NewCase, NewEvent
from fazhi.cases.tests.factories import at, clerk_for
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.org.tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def later_version(tmp_path, settings):
    """The shipped rules, plus a version of zhian-general in force from 2025-04-01 that has a
    20-day 办案期限 and a step of its own (the old one now ends on 2025-03-31)."""
    rules = tmp_path / "rules"
    shutil.copytree(settings.RULES_DIR, rules)
    old = rules / "procedure" / "zhian-general.yaml"
    text = old.read_text(encoding="utf-8")
    old.write_text(
        text.replace(
            "effective_from: 2021-07-15\n",
            "effective_from: 2021-07-15\neffective_to: 2025-03-31\n",
            1,
        ),
        encoding="utf-8",
    )
    new = text.split("\nexamples:")[0] + "\n"
    new = re.sub(r"^version: .*$", 'version: "2025-04-01"', new, count=1, flags=re.M)
    new = new.replace("effective_from: 2021-07-15\n", "effective_from: 2025-04-01\n", 1)
    new = new.replace(
        "  - code: handling\n    name: 办案期限\n    start: accept\n    amount: 30\n",
        "  - code: handling\n    name: 办案期限\n    start: accept\n    amount: 20\n",
        1,
    )
    new = new.replace(
        "events:\n",
        "events:\n  - code: v2_only\n    name: 新版本环节\n    after: [accept]\n",
        1,
    )
    (rules / "procedure" / "zhian-general-2025.yaml").write_text(new, encoding="utf-8")
    settings.RULES_DIR = rules
    return rules


def _open_reported(unit, when: str):
    actor = clerk_for(unit)
    new = NewCase(
        unit=unit,
        item=EnforcementItemFactory(levels=["district", "station"]),
        procedure="zhian-general",
        title="殴打他人",
        source="call",
        act_at=at(when),
        act_place="解放路12号",
        handlers=(OfficerFactory(unit=unit), OfficerFactory(unit=unit)),
    )
    case = procedure.open_case(new, NewEvent("report", at(when)), actor=actor, at=at(when))
    return case, actor


def test_a_later_version_does_not_change_an_open_cases_pack(tree, later_version, client):
    case, actor = _open_reported(tree["s1"], "2025-03-31 10:00")
    assert (case.procedure, case.procedure_version) == ("zhian-general", "2021-07-15")
    # Accepted after the new version came into force: the case keeps the pack it was opened under.
    procedure.record_event(
        case, NewEvent("accept", at("2025-04-02 10:00")), actor=actor, at=at("2025-04-02 11:00")
    )
    handling = Deadline.objects.get(case=case, code="handling")
    # 30 days (not the new version's 20) from 2025-04-02 → 05-02, in 劳动节 → 2025-05-06.
    assert handling.due_at == at("2025-05-07 00:00")
    assert (
        procedure.pack_of(Case.objects.get(pk=case.pk)).effective_from.isoformat() == "2021-07-15"
    )
    # Its steps are the stored version's: the new version's step is refused, and not offered.
    with pytest.raises(EventRefused) as refused:
        procedure.record_event(
            case,
            NewEvent("v2_only", at("2025-04-03 10:00")),
            actor=actor,
            at=at("2025-04-03 11:00"),
        )
    assert refused.value.code == "unknown_event"
    client.force_login(actor)
    page = client.get(reverse("cases:detail", args=[case.number]))
    assert page.context["pack"].effective_from.isoformat() == "2021-07-15"
    assert b"v2_only" not in page.content
    # A refresh (calendar re-dating) recomputes under the stored version too.
    assert deadlines.redate_all(actor=actor, at=at("2025-04-03 12:00")).changed == 0


def test_a_case_opened_under_the_new_version_follows_it(tree, later_version):
    case, actor = _open_reported(tree["s1"], "2025-04-01 09:00")
    assert case.procedure_version == "2025-04-01"
    procedure.record_event(
        case, NewEvent("accept", at("2025-04-02 10:00")), actor=actor, at=at("2025-04-02 11:00")
    )
    # 20 days from 2025-04-02 → 2025-04-22.
    assert Deadline.objects.get(case=case, code="handling").due_at == at("2025-04-23 00:00")

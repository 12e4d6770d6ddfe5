"""Every example of rules/warnings/*.yaml, replayed through the real write path (open_case,
record_event — not rows written directly, as `fazhi rules test` does): the scan must open, close
and escalate exactly what the example expects.
"""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from fazhi.cases import procedure
from fazhi.cases.examples import _instant
from fazhi.cases.models import Case
from fazhi.cases.procedure import NewCase, NewEvent
from fazhi.cases.tests.factories import clerk_for
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.rulepacks import read_yaml
from fazhi.org.tests.factories import OfficerFactory
from fazhi.supervision import scan
from fazhi.supervision.examples import orders_of, scenario_of
from fazhi.supervision.models import CaseWarning, OrderLevel, SupervisionOrder, WarningState
from fazhi.supervision.rules import load_warning_pack

pytestmark = pytest.mark.django_db

FOLDER = Path(settings.RULES_DIR) / "warnings"


def _examples():
    out = []
    for path in sorted(FOLDER.glob("*.yaml")):
        earlier = {}
        for raw in read_yaml(path).get("examples") or []:
            scenario, base = scenario_of(path, raw["given"], earlier, raw["name"])
            earlier[raw["name"]] = scenario
            facts = scenario.facts
            if "handlers" in facts or "decision_within_range" in facts:
                continue  # facts the database gets otherwise: test_scan covers those rules
            out.append(pytest.param(path, raw, scenario, base, id=f"{path.stem}:{raw['name']}"))
    return out


def _new_event(raw: dict, path: Path) -> NewEvent:
    return NewEvent(
        raw["kind"],
        _instant(raw["at"], path, "at"),
        ended_at=_instant(raw["end"], path, "end") if raw.get("end") else None,
        data=dict(raw.get("data") or {}),
    )


def _sync_orders(case, scenario, path, actor) -> None:
    """Make the case's supervision orders what the scenario's ``case.orders`` says (by id)."""
    for order in orders_of(scenario.facts, path):
        answered = order.status in ("answered", "returned", "verified")
        SupervisionOrder.objects.update_or_create(
            number=f"T-{case.pk}-{order.id}",
            defaults={
                "issuing_unit": case.unit,
                "issued_by": actor,
                "target_unit": case.unit,
                "case": case,
                "problem": "p",
                "demand": "d",
                "reply_due_at": order.reply_due_at,
                "status": order.status,
                "level": OrderLevel.UNIT,
                "created_at": order.reply_due_at - dt.timedelta(days=7),
                "answered_at": scenario.now if answered else None,
                "verified_at": scenario.now if order.status == "verified" else None,
            },
        )


def _play(unit, scenario, path, *, upto=None):
    """Open the case with the first event and record the rest, each at the scenario's clock."""
    events = scenario.events if upto is None else scenario.events[:upto]
    first = _new_event(events[0], path)
    actor = clerk_for(unit)
    new = NewCase(
        unit=unit,
        item=EnforcementItemFactory(levels=["district", "station"]),
        procedure=scenario.procedure,
        title="殴打他人",
        source="call",
        act_at=first.occurred_at - dt.timedelta(hours=2),
        act_place="解放路12号",
        handlers=(OfficerFactory(unit=unit), OfficerFactory(unit=unit)),
    )
    case = procedure.open_case(new, first, actor=actor, at=scenario.now)
    if scenario.facts.get("outside_centre"):
        Case.objects.filter(pk=case.pk).update(outside_centre=True)
    for raw in events[1:]:
        procedure.record_event(case, _new_event(raw, path), actor=actor, at=scenario.now)
    _sync_orders(case, scenario, path, actor)
    return case, actor


def _open(case, codes) -> set[str]:
    return set(
        CaseWarning.objects.filter(case=case, state=WarningState.OPEN, rule__in=codes).values_list(
            "rule", flat=True
        )
    )


@pytest.mark.parametrize(("path", "raw", "scenario", "base"), _examples())
def test_the_scan_agrees_with_the_example(tree, path, raw, scenario, base):
    codes = {rule.code for rule in load_warning_pack(path).rules}
    expect = raw["expect"]
    if base is None:
        case, _ = _play(tree["s1"], scenario, path)
    else:
        case, actor = _play(tree["s1"], base, path)
        scan.run(base.now)
        for event in scenario.events[len(base.events) :]:
            procedure.record_event(case, _new_event(event, path), actor=actor, at=scenario.now)
        _sync_orders(case, scenario, path, actor)

    scan.run(scenario.now)
    second = scan.run(scenario.now)

    assert _open(case, codes) == set(expect["open"] or [])
    closed = set(
        CaseWarning.objects.filter(case=case, state=WarningState.CLOSED, rule__in=codes)
        .exclude(rule__in=expect["open"] or [])
        .values_list("rule", flat=True)
    )
    assert set(expect.get("closed") or []) <= closed
    assert (second.opened, second.closed, second.escalated) == (0, 0, 0)


@pytest.mark.parametrize(("path", "raw", "scenario", "base"), _examples())
def test_open_warnings_escalate_after_the_rule_s_times(tree, path, raw, scenario, base):
    if base is not None or not raw["expect"]["open"]:
        pytest.skip("only the examples that open warnings from a fresh case")
    rules = {rule.code: rule for rule in load_warning_pack(path).rules}
    case, _ = _play(tree["s1"], scenario, path)
    scan.run(scenario.now)
    for code in raw["expect"]["open"]:
        rule = rules[code]
        warning = CaseWarning.objects.get(case=case, rule=code, state=WarningState.OPEN)
        for after, level in (
            (rule.escalation.district_after, "district"),
            (rule.escalation.city_after, "city"),
        ):
            if after is None:
                continue
            scan.run(warning.opened_at + after.delta, rules=[rule])
            warning.refresh_from_db()
            assert warning.escalated_level == level, (code, level)
        if rule.escalation.district_after is None and rule.escalation.city_after is None:
            scan.run(scenario.now + dt.timedelta(days=60), rules=[rule])
            assert CaseWarning.objects.get(pk=warning.pk).escalated_level == "unit"

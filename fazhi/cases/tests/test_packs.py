"""Procedure packs: a broken file is refused naming file, line and rule; the shipped packs load,
pass their examples, and have an example for every precondition and deadline."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

from fazhi.cases.derive import EventRefused, check_new_event
from fazhi.cases.examples import _instant, run_procedure_examples, run_scenario
from fazhi.cases.packs import load_pack
from fazhi.core.calendar import WorkCalendar
from fazhi.core.rulepacks import RulePackError, read_yaml

PACKS = sorted((settings.RULES_DIR / "procedure").glob("*.yaml"))

VALID = """\
id: tiny
title: 测试程序
law: 《中华人民共和国行政处罚法》
effective_from: 2021-07-15
events:
  - code: accept
    name: 受案
    first: true
  - code: decide
    name: 决定
    after: [accept]
    fields:
      - {name: fine, type: decimal}
    preconditions:
      - code: fine_cap
        when: [{field: data.fine, gt: 200}]
        message: 超过上限。
        basis: 《中华人民共和国行政处罚法》第一条
deadlines:
  - code: handling
    name: 办案期限
    start: accept
    amount: 30
    unit: days
    met_by: [decide]
    basis: 《中华人民共和国行政处罚法》第二条
examples:
  - name: 受案
    given:
      events:
        - {kind: accept, at: "2025-03-03T10:00+08:00"}
    expect:
      deadlines: {handling: "2025-04-02"}
version: "1"
source: test
"""


def _write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "procedure"
    folder.mkdir(exist_ok=True)
    path = folder / "tiny.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _refusal(tmp_path: Path, text: str) -> RulePackError:
    with pytest.raises(RulePackError) as excinfo:
        load_pack(_write(tmp_path, text))
    return excinfo.value


def test_the_valid_template_loads(tmp_path):
    assert load_pack(_write(tmp_path, VALID)).id == "tiny"


def test_an_unknown_field_names_file_line_and_event(tmp_path):
    error = _refusal(
        tmp_path, VALID.replace("    after: [accept]\n", "    after: [accept]\n    folow: x\n")
    )
    assert (error.path.name, error.line, error.rule) == ("tiny.yaml", 12, "decide")
    assert "folow" in str(error)
    assert str(error).startswith("tiny.yaml:12 [decide]:")


def test_an_unknown_event_reference_names_its_line_and_event(tmp_path):
    error = _refusal(tmp_path, VALID.replace("after: [accept]", "after: [acept]"))
    assert (error.line, error.rule) == (11, "decide")
    assert "unknown event 'acept'" in str(error)


def test_an_unknown_met_by_event_names_the_deadline(tmp_path):
    error = _refusal(tmp_path, VALID.replace("met_by: [decide]", "met_by: [decision]"))
    assert (error.line, error.rule) == (20, "handling")
    assert "unknown event 'decision'" in str(error)


def test_a_duplicate_event_code_is_refused_at_the_second_one(tmp_path):
    error = _refusal(
        tmp_path,
        VALID.replace("  - code: decide\n    name: 决定", "  - code: accept\n    name: 决定"),
    )
    assert (error.line, error.rule) == (9, "accept")
    assert "appears twice" in str(error)


def test_a_duplicate_deadline_code_is_refused(tmp_path):
    second = (
        "  - {code: handling, name: 又一期限, start: accept, amount: 5, unit: days, "
        "met_by: [decide], basis: 《中华人民共和国行政处罚法》第三条}\n"
    )
    error = _refusal(tmp_path, VALID.replace("examples:\n", second + "examples:\n"))
    assert (error.line, error.rule) == (27, "handling")
    assert "deadline code appears twice" in str(error)


def test_a_deadline_without_met_by_is_refused(tmp_path):
    error = _refusal(tmp_path, VALID.replace("    met_by: [decide]\n", ""))
    assert (error.line, error.rule) == (20, "handling")
    assert "neither met_by nor met_by_end" in str(error)


def test_effective_to_before_effective_from_is_refused(tmp_path):
    error = _refusal(
        tmp_path,
        VALID.replace(
            "effective_from: 2021-07-15", "effective_from: 2021-07-15\neffective_to: 2021-07-14"
        ),
    )
    assert error.line == 5
    assert "effective_to 2021-07-14 is before effective_from 2021-07-15" in str(error)


def test_a_test_on_an_undeclared_data_field_names_the_precondition(tmp_path):
    error = _refusal(tmp_path, VALID.replace("field: data.fine", "field: data.fines"))
    assert (error.line, error.rule) == (15, "fine_cap")
    assert "declares no field 'fines'" in str(error)


def test_a_status_that_is_not_a_case_status_is_refused(tmp_path):
    error = _refusal(
        tmp_path, VALID.replace("    first: true\n", "    first: true\n    status: done\n", 1)
    )
    assert (error.line, error.rule) == (9, "accept")
    assert "status 'done' is not a case status" in str(error)


def test_a_precondition_that_would_refuse_everything_is_refused(tmp_path):
    error = _refusal(tmp_path, VALID.replace("        when: [{field: data.fine, gt: 200}]\n", ""))
    assert (error.line, error.rule) == (15, "fine_cap")
    assert "would refuse every event" in str(error)


def test_an_example_without_expect_is_an_error_naming_its_line(tmp_path):
    path = _write(
        tmp_path, VALID.replace('    expect:\n      deadlines: {handling: "2025-04-02"}\n', "")
    )
    with pytest.raises(RulePackError) as excinfo:
        run_procedure_examples(path)
    assert (excinfo.value.line, excinfo.value.rule) == (28, "受案")
    assert "without 'expect'" in str(excinfo.value)


def test_an_example_with_a_wrong_last_day_fails_naming_its_line(tmp_path):
    path = _write(tmp_path, VALID.replace('"2025-04-02"', '"2025-04-03"'))
    [result] = run_procedure_examples(path)
    assert result.passed is False
    assert result.detail == "line 28: deadline handling: expected 2025-04-03, got 2025-04-02"


def test_an_example_continuing_an_unknown_example_is_an_error(tmp_path):
    path = _write(tmp_path, VALID.replace("    given:\n", "    given:\n      continues: 不存在\n"))
    with pytest.raises(RulePackError) as excinfo:
        run_procedure_examples(path)
    assert "continues '不存在'" in str(excinfo.value)


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.stem)
def test_every_example_of_the_shipped_pack_passes(path):
    results = run_procedure_examples(path)
    assert [(r.name, r.detail) for r in results if not r.passed] == []
    assert len(results) >= 8


def _outcomes(path: Path) -> list[tuple[list, object]]:
    """Return (accepted events, refusal of the last one or None) for every example of PATH."""
    pack = load_pack(path)
    calendar = WorkCalendar.load(path.parent.parent)
    earlier: dict[str, list] = {}
    out = []
    for example in read_yaml(path)["examples"]:
        given = example["given"]
        events = [*earlier.get(given.get("continues"), []), *given.get("events", [])]
        earlier[example["name"]] = events
        now = _instant(given["now"], path, "now") if given.get("now") else None
        out.append(run_scenario(pack, events, calendar, path, now=now))
    return out


def _passes(pre, kind: str, accepted: list) -> bool:
    """True when the last accepted event is one PRE checked and let through.

    A value rule (no requires/forbids) passes where its test fails; a requirement passes where
    it applied: its tests held and, for ``if_any``, one of those events came before.
    """
    *before, last = accepted
    if last.kind != kind:
        return False
    holds = all(test.holds(last) for test in pre.when)
    if not (pre.requires_any or pre.forbids_any):
        return not holds
    applies = not pre.if_any or any(
        e.kind == req.event and all(t.holds(e) for t in req.where)
        for req in pre.if_any
        for e in before
    )
    return holds and applies


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.stem)
def test_every_precondition_has_a_refusing_and_a_passing_example(path):
    pack = load_pack(path)
    outcomes = _outcomes(path)
    missing = []
    for event in pack.events:
        for pre in event.preconditions:
            if not any(
                refusal is not None and refusal.code == pre.code for _a, refusal in outcomes
            ):
                missing.append((pre.code, "refusing"))
            if not any(
                refusal is None and accepted and _passes(pre, event.code, accepted)
                for accepted, refusal in outcomes
            ):
                missing.append((pre.code, "passing"))
    assert missing == []


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.stem)
def test_every_deadline_has_an_example_with_its_last_day(path):
    pack = load_pack(path)
    examples = read_yaml(path)["examples"]
    covered = {code for ex in examples for code in (ex["expect"].get("deadlines") or {})}
    assert sorted(spec.code for spec in pack.deadlines if spec.code not in covered) == []


def test_a_refused_example_event_carries_its_basis():
    pack = load_pack(settings.RULES_DIR / "procedure" / "zhian-simple.yaml")
    new = _ev("decide", "2025-03-03T21:20+08:00", {"fine": 201, "handed_over": True})
    events = [
        _ev("accept", "2025-03-03T21:00+08:00", {"offence_category": "扰乱公共秩序"}, 1),
        _ev("oral_notice", "2025-03-03T21:10+08:00", {}, 2),
    ]
    with pytest.raises(EventRefused) as excinfo:
        check_new_event(pack, events, new, now=dt.datetime.fromisoformat("2025-03-04T00:00+08:00"))
    assert excinfo.value.code == "simple_fine_over_200"
    assert excinfo.value.field == "data.fine"
    assert excinfo.value.basis == (
        "《中华人民共和国治安管理处罚法》第一百条；《公安机关办理行政案件程序规定》第三十七条第一款第（一）项"
    )


def _ev(kind: str, at: str, data: dict, id_: int = 99):
    from fazhi.cases.derive import Ev

    return Ev(id_, kind, dt.datetime.fromisoformat(at), None, data)

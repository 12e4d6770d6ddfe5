from pathlib import Path

import pytest
from django.conf import settings

from fazhi.core.rulepacks import RulePackError, run_all
from fazhi.supervision.rules import DEADLINE_TYPES, RuleRegistry, load_warning_pack


def test_every_warning_example_passes():
    run = run_all(Path(settings.RULES_DIR))
    mine = [
        r
        for r in run.results
        if r.file in {"deadlines.yaml", "steps.yaml", "case.yaml", "orders.yaml"}
    ]

    assert [r for r in mine if not r.passed] == []
    assert len(mine) >= 40
    assert not run.errors


def test_at_least_15_rules_ship_each_with_its_provision():
    rules = RuleRegistry.load().all()

    assert len(rules) >= 15
    assert all(rule.basis.startswith(("《", "“")) for rule in rules)


def test_every_deadline_a_rule_watches_exists_in_some_procedure_pack():
    from fazhi.cases.packs import PackRegistry

    codes = {d.code for pack in PackRegistry.load().packs for d in pack.deadlines}
    watched = {
        code
        for rule in RuleRegistry.load().all()
        if rule.condition.type in DEADLINE_TYPES
        for code in rule.condition.deadlines
    }

    assert watched - codes == set()


def test_every_rule_has_an_example_that_opens_it():
    opened = set()
    for path in (Path(settings.RULES_DIR) / "warnings").glob("*.yaml"):
        for example in load_warning_pack(path).examples:
            opened |= set(example["expect"].get("open") or [])

    assert {rule.code for rule in RuleRegistry.load().all()} - opened == set()


def test_a_bad_rule_names_the_file_the_line_and_the_rule(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\ntitle: x\nversion: 1\nsource: test\neffective_from: 2025-01-01\nrules:\n"
        "  - code: LATE\n    name: 迟\n    level: red\n"
        "    condition: {type: deadline_overdue, deadlines: [handling]}\n    basis: 《法》\n",
        encoding="utf-8",
    )

    with pytest.raises(RulePackError) as excinfo:
        load_warning_pack(path)

    assert str(excinfo.value).startswith("bad.yaml:9 [LATE]: rules.0.level")


def test_an_unknown_condition_type_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\ntitle: x\nversion: 1\nsource: test\neffective_from: 2025-01-01\nrules:\n"
        "  - code: LATE\n    name: 迟\n    level: alarm\n"
        "    condition: {type: moon_phase}\n    basis: 《法》\n",
        encoding="utf-8",
    )

    with pytest.raises(RulePackError, match=r"\[LATE\]: rules\.0\.condition"):
        load_warning_pack(path)


def test_a_where_the_scan_cannot_run_in_sql_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\ntitle: x\nversion: 1\nsource: test\neffective_from: 2025-01-01\nrules:\n"
        "  - code: LATE\n    name: 迟\n    level: alarm\n    basis: 《法》\n"
        "    condition:\n      type: event_missing_after\n      event: decide\n"
        "      where: [{field: data.fine, ne: 0}]\n      missing_any: [serve]\n"
        "      after: {hours: 1}\n",
        encoding="utf-8",
    )

    with pytest.raises(RulePackError, match="the scan runs eq, gt, gte, lt, lte and in only"):
        load_warning_pack(path)


def test_examples_run_on_their_own_database_which_is_gone_afterwards():
    """The examples' in-memory database is never one the installation (or a test case) sees."""
    from django.db import connections

    from fazhi.core.warnings import EXAMPLES_DB
    from fazhi.supervision.examples import run_warning_examples

    results = run_warning_examples(Path(settings.RULES_DIR) / "warnings" / "orders.yaml")

    assert results
    assert all(r.passed for r in results)
    assert EXAMPLES_DB not in connections.settings
    assert EXAMPLES_DB not in list(connections)


def test_a_wrong_expectation_fails_through_the_scan_s_sql(tmp_path):
    """An example is checked against what the scan's SQL opens, not against a twin."""
    import shutil

    from fazhi.supervision.examples import run_warning_examples

    rules = Path(settings.RULES_DIR)
    for folder in ("procedure", "calendar"):
        shutil.copytree(rules / folder, tmp_path / folder)
    (tmp_path / "warnings").mkdir()
    text = (rules / "warnings" / "orders.yaml").read_text(encoding="utf-8")
    wrong = tmp_path / "warnings" / "orders.yaml"
    wrong.write_text(text.replace("open: [DUBAN_OVERDUE]", "open: []", 1), encoding="utf-8")

    failed = [r for r in run_warning_examples(wrong) if not r.passed]

    assert len(failed) == 1
    assert "open: expected [], got ['DUBAN_OVERDUE']" in failed[0].detail

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fazhi.core.rulepacks import RulePackError, line_of, read_yaml, run_all

CALENDAR = """\
year: 2026
complete: false
examples:
  - name: ok
    given: {from: 2026-09-30, amount: 5, unit: workdays}
    expect: {end: 2026-10-13}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "calendar").mkdir(exist_ok=True)
    path = tmp_path / "calendar" / "2026.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_mappings_remember_their_line(tmp_path):
    data = read_yaml(write(tmp_path, CALENDAR))
    assert line_of(data, ["examples", 0]) == 4
    assert line_of(data, ["examples", 0, "given"]) == 5


def test_invalid_yaml_names_file_and_line(tmp_path):
    with pytest.raises(RulePackError, match=r"2026\.yaml:3: not valid YAML: mapping values"):
        read_yaml(write(tmp_path, "year: 2026\nexamples:\n  - name: a: b\n"))


def test_every_example_runs_and_a_wrong_expectation_fails(tmp_path):
    write(
        tmp_path,
        CALENDAR
        + "  - name: wrong\n    given: {from: 2026-09-30, amount: 5, unit: workdays}\n    expect: {end: 2026-10-12}\n",
    )
    run = run_all(tmp_path)
    assert [(r.name, r.passed) for r in run.results] == [("ok", True), ("wrong", False)]
    assert "expected 2026-10-12, got 2026-10-13" in run.results[1].detail
    assert not run.ok


def test_an_example_without_expect_is_an_error_not_a_pass(tmp_path):
    write(
        tmp_path,
        CALENDAR + "  - name: lazy\n    given: {from: 2026-09-30, amount: 5, unit: workdays}\n",
    )
    run = run_all(tmp_path)
    assert run.errors == ["2026.yaml:7 [lazy]: an example without 'expect' is an error, not a pass"]
    assert not run.ok


def test_the_shipped_rule_packs_pass(capsys):
    call_command("rules", "test")
    out = capsys.readouterr().out
    assert "0 failed" in out


def test_the_command_fails_when_an_example_fails(tmp_path, settings):
    settings.RULES_DIR = tmp_path
    write(tmp_path, CALENDAR.replace("2026-10-13", "2026-10-12"))
    with pytest.raises(CommandError, match="1 example"):
        call_command("rules", "test")

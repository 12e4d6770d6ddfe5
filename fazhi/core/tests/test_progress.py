"""Progress of `fazhi import` and `fazhi demo`: bars on a terminal, lines elsewhere, nothing with
--quiet, and --json on stdout always clean (issue 16)."""

from __future__ import annotations

import io
import json
import shutil

from fazhi.core import progress
from fazhi.core.tests.cli import REPO, run, run_on_terminal

UNITS = str(REPO / "docs" / "import" / "units.csv")


def database(migrated, tmp_path) -> str:
    return f"sqlite:///{shutil.copy(migrated, tmp_path / 'db.sqlite3')}"


def test_import_on_a_terminal_shows_a_bar_and_json_parses(migrated, tmp_path):
    code, out, terminal = run_on_terminal(
        "import",
        "units",
        UNITS,
        "--json",
        tmp_path=tmp_path,
        DATABASE_URL=database(migrated, tmp_path),
    )
    assert code == 0, terminal
    assert json.loads(out) == {"accepted": 7, "unchanged": 0, "rejected": []}
    assert "导入行" in terminal
    assert "7/7" in terminal  # rich's count column
    assert "\x1b[" in terminal  # drawn with terminal control sequences
    assert "accepted" not in terminal


def test_import_in_a_pipe_prints_one_line_per_stage_and_quiet_nothing(migrated, tmp_path):
    url = database(migrated, tmp_path)
    piped = run("import", "units", UNITS, "--json", tmp_path=tmp_path, DATABASE_URL=url)
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["accepted"] == 7
    lines = piped.stderr.splitlines()
    assert lines[0] == f"[1] 导入 {UNITS}"
    assert lines[1].startswith("    检查行 7/7 (")
    assert lines[2].startswith("    导入行 7/7 (")
    assert len(lines) == 3
    assert "\x1b[" not in piped.stderr
    quiet = run("import", "units", UNITS, "--json", "--quiet", tmp_path=tmp_path, DATABASE_URL=url)
    assert quiet.returncode == 0
    assert quiet.stderr == ""
    assert json.loads(quiet.stdout)["unchanged"] == 7


def test_demo_on_a_terminal_shows_its_steps_and_json_parses(migrated, tmp_path):
    code, out, terminal = run_on_terminal(
        "demo",
        "--tiny",
        "--applications",
        "0",
        "--no-laws",
        "--json",
        tmp_path=tmp_path,
        DATABASE_URL=database(migrated, tmp_path),
    )
    assert code == 0, terminal
    loaded = json.loads(out)
    assert loaded["reports"]["units"]["accepted"] > 0
    assert "officer" in {a["username"] for a in loaded["accounts"]}
    assert "org" in terminal
    assert "导入行" in terminal


def test_lines_reporter_counts_each_part():
    stream = io.StringIO()
    with progress.reporting(progress.Lines(stream)):
        progress.plan(2)
        progress.stage("a")
        progress.count("rows", 3)
        for _ in range(3):
            progress.advance()
        progress.stage("b")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[1/2] a"
    assert lines[1].startswith("    rows 3/3 (")
    assert lines[2] == "[2/2] b"


def test_outside_a_command_progress_is_silent(capsys):
    progress.stage("x")
    progress.count("rows", 1)
    progress.advance()
    assert capsys.readouterr() == ("", "")
    assert isinstance(progress.current(), progress.Silent)


def test_the_reporter_for_a_command():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert type(progress.for_command(quiet=True, stream=Terminal())) is progress.Silent
    assert type(progress.for_command(stream=io.StringIO())) is progress.Lines
    bar = progress.for_command(stream=Terminal())
    assert type(bar) is progress.Bar
    bar.close()

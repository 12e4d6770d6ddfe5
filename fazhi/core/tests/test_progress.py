"""Progress of `fazhi import` and `fazhi demo`: bars on a terminal, lines elsewhere, nothing with
--quiet, and --json on stdout always clean (issue 16)."""

from __future__ import annotations

import io
import json
import shutil

from fazhi.core import calendar, progress, warnings
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


# --------------------------------------------------------------------------- scan and calendar

NOTICE_2027 = """\
year: 2027
source: 测试用放假安排（虚构）
holidays:
  - {from: 2027-01-01, to: 2027-01-03, name: 元旦}
  - {from: 2027-02-05, to: 2027-02-13, name: 春节}
  - {from: 2027-04-03, to: 2027-04-05, name: 清明节}
  - {from: 2027-05-01, to: 2027-05-05, name: 劳动节}
  - {from: 2027-06-09, to: 2027-06-11, name: 端午节}
  - {from: 2027-09-15, to: 2027-09-17, name: 中秋节}
  - {from: 2027-10-01, to: 2027-10-07, name: 国庆节}
workdays:
  - {date: 2027-02-20, name: 春节调休上班}
"""


def test_scan_on_a_terminal_shows_a_bar_per_source_and_json_parses(migrated, tmp_path):
    code, out, terminal = run_on_terminal(
        "scan", "--json", tmp_path=tmp_path, DATABASE_URL=database(migrated, tmp_path)
    )
    assert code == 0, terminal
    result = json.loads(out)
    assert set(result["sources"]) == set(warnings.sources())  # every registered source ran
    assert result["steps"]["orders_escalated"] == 0
    assert result["dry_run"] is False
    assert "行政案件预警" in terminal
    assert "办件预警" in terminal
    assert "预警规则" in terminal
    assert "\x1b[" in terminal
    assert "opened" not in terminal  # the JSON went to stdout only


def test_scan_in_a_pipe_prints_one_line_per_source_and_quiet_nothing(migrated, tmp_path):
    url = database(migrated, tmp_path)
    piped = run("scan", "--json", tmp_path=tmp_path, DATABASE_URL=url)
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["opened"] == 0
    stages = [line for line in piped.stderr.splitlines() if line.startswith("[")]
    n = len(warnings.sources()) + 1  # a stage per source (by name), then the sweep's steps
    assert len(stages) == n
    assert stages[0] == f"[1/{n}] 办件预警"  # application
    assert f"[2/{n}] 行政案件预警" in stages  # case
    assert stages[-1] == f"[{n}/{n}] 后续处理"
    counts = [line for line in piped.stderr.splitlines() if line.startswith("    预警规则 ")]
    assert len(counts) == n - 1
    ran = [line.split()[1].split("/") for line in counts]
    assert all(done == total for done, total in ran)  # every rule of each source ran
    assert sum(int(total) > 0 for _done, total in ran) >= 2  # the cases' and applications' rules
    quiet = run("scan", "--quiet", tmp_path=tmp_path, DATABASE_URL=url)
    assert quiet.returncode == 0
    assert quiet.stderr == ""
    assert "case: opened=0" in quiet.stdout


def test_calendar_refresh_on_a_terminal_and_in_a_pipe(migrated, tmp_path):
    url = database(migrated, tmp_path)
    code, out, terminal = run_on_terminal(
        "calendar", "refresh", "--dry-run", "--json", tmp_path=tmp_path, DATABASE_URL=url
    )
    assert code == 0, terminal
    parts = json.loads(out)["redated"]
    assert len(parts) == len(calendar._LISTENERS)  # every app that owns deadlines
    assert {"行政案件", "警快办办件"} <= {p["label"] for p in parts}
    assert "核对案件期限" in terminal
    assert "\x1b[" in terminal
    piped = run("calendar", "refresh", "--dry-run", tmp_path=tmp_path, DATABASE_URL=url)
    assert piped.returncode == 0, piped.stderr
    n = len(calendar._LISTENERS)
    stages = [line for line in piped.stderr.splitlines() if line.startswith("[")]
    assert len(stages) == n
    assert stages[:2] == [f"[1/{n}] 行政案件", f"[2/{n}] 警快办"]  # each app by its name
    assert "deadlines would move" in piped.stdout
    quiet = run("calendar", "refresh", "--quiet", tmp_path=tmp_path, DATABASE_URL=url)
    assert (quiet.returncode, quiet.stderr) == (0, "")


def test_calendar_import_json_is_clean_and_progress_on_stderr(migrated, tmp_path):
    notice = tmp_path / "2027.yaml"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    url = database(migrated, tmp_path)
    code, out, terminal = run_on_terminal(
        "calendar", "import", str(notice), "--dry-run", "--json", tmp_path=tmp_path,
        DATABASE_URL=url,
    )  # fmt: skip
    assert code == 0, terminal
    result = json.loads(out)
    assert (result["year"], result["dry_run"]) == (2027, True)
    assert "核对办件期限" in terminal
    piped = run("calendar", "import", str(notice), "--dry-run", "--json", tmp_path=tmp_path,
                DATABASE_URL=url)  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["redated"][0]["moved"] == 0
    assert f"[1/{len(calendar._LISTENERS)}] 行政案件" in piped.stderr.splitlines()

"""Errors before setup: the real `fazhi` entry point says what is wrong in one line, never a
traceback (issue 16). Each test runs the installed console script in a subprocess."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from fazhi.cli import terminal_language
from fazhi.core.tests.cli import REPO, one_line, run


@pytest.fixture
def unmigrated(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"


def test_a_command_on_a_database_not_migrated_says_run_migrate(tmp_path, unmigrated):
    result = run("demo", "--tiny", tmp_path=tmp_path, DATABASE_URL=unmigrated)
    assert result.returncode == 2
    line = one_line(result)
    assert "数据库尚未完成迁移" in line
    assert "fazhi migrate" in line
    assert result.stdout == ""


def test_the_same_line_in_english_by_locale(tmp_path, unmigrated):
    result = run("demo", tmp_path=tmp_path, DATABASE_URL=unmigrated, LANG="en_GB.UTF-8")
    assert result.returncode == 2
    line = one_line(result)
    assert "fazhi migrate" in line
    from fazhi.cli import _

    os.environ["LANGUAGE"] = "en"
    try:
        english = _("数据库尚未完成迁移（%(count)s 个迁移未执行）。请先运行：fazhi migrate")
    finally:
        del os.environ["LANGUAGE"]
    if english.startswith("数据库"):
        pytest.skip("the English catalog does not hold this line yet")
    assert "数据库" not in line


def test_migrate_check_and_makemigrations_work_on_an_unmigrated_database(
    tmp_path, unmigrated, migrated
):
    assert migrated.stat().st_size > 0  # `fazhi migrate` ran on a fresh file (the fixture)
    check = run("check", tmp_path=tmp_path, DATABASE_URL=unmigrated)
    assert check.returncode == 0, check.stderr
    dry = run("makemigrations", "--check", "--dry-run", tmp_path=tmp_path, DATABASE_URL=unmigrated)
    assert "Traceback" not in dry.stderr
    assert "数据库尚未完成迁移" not in dry.stderr
    helped = run("help", tmp_path=tmp_path, DATABASE_URL=unmigrated)
    assert helped.returncode == 0
    assert "migrate" in helped.stdout


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("foo://nowhere/db", "DATABASE_URL"),
        ("postgres://u:secret@127.0.0.1:notaport/x", "DATABASE_URL"),
        ("postgres://u:secret@127.0.0.1:1/x", "数据库无法连接"),
    ],
)
def test_a_bad_database_url_is_one_line_without_the_password(tmp_path, url, expected):
    result = run("demo", tmp_path=tmp_path, DATABASE_URL=url, FAZHI_DB_CONNECT_TIMEOUT="2")
    assert result.returncode == 2
    line = one_line(result)
    assert expected in line
    assert "secret" not in line


def test_a_setting_that_cannot_be_read_or_is_missing(tmp_path):
    bad = run("demo", tmp_path=tmp_path, FAZHI_SCAN_MINUTES="0")
    assert bad.returncode == 2
    assert "FAZHI_SCAN_MINUTES" in one_line(bad)
    (tmp_path / "nosecret_settings.py").write_text(
        "from fazhi.settings import *\nSECRET_KEY = ''\n"
    )
    missing = run(
        "demo",
        tmp_path=tmp_path,
        DJANGO_SETTINGS_MODULE="nosecret_settings",
        PYTHONPATH=str(tmp_path),
    )
    assert missing.returncode == 2
    assert "SECRET_KEY" in one_line(missing)


def test_a_rule_file_that_does_not_load_names_file_and_line(tmp_path, migrated):
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    broken = rules / "calendar" / "2026.yaml"
    broken.write_text(broken.read_text().replace("year: 2026", "year: [2026", 1))
    result = run(
        "shell",
        "-c",
        "from fazhi.core.calendar import default_calendar; default_calendar()",
        tmp_path=tmp_path,
        FAZHI_RULES_DIR=str(rules),
        DATABASE_URL=f"sqlite:///{shutil.copy(migrated, tmp_path / 'db.sqlite3')}",
    )
    line = one_line(result)
    assert result.returncode == 2
    assert "2026.yaml:" in line
    assert "fazhi rules test" in line


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANGUAGE": "en:zh_CN", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh-hans"),
        ({"LANG": "C.UTF-8"}, "zh-hans"),
        ({}, "zh-hans"),
    ],
)
def test_the_terminal_language(environ, language):
    assert terminal_language(environ) == language


def test_status_on_an_unmigrated_database_reports_it_in_its_json(tmp_path, unmigrated):
    import json

    result = run("status", "--json", tmp_path=tmp_path, DATABASE_URL=unmigrated)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "fail"
    database = report["checks"][0]
    assert database["name"] == "database"
    assert database["state"] == "fail"
    assert "fazhi migrate" in database["reason"]
    assert {c["name"]: c["state"] for c in report["checks"]}["rule_packs"] == "ok"


def test_rules_test_runs_before_any_database_exists(tmp_path, unmigrated):
    """A legal officer (and `make test` on a fresh checkout) checks the rule files without a
    database: the packs and the law data are files."""
    result = run("rules", "test", tmp_path=tmp_path, DATABASE_URL=unmigrated)
    assert result.returncode == 0, result.stderr
    assert "0 failed" in result.stdout.splitlines()[-1]
    assert not (tmp_path / "fresh.sqlite3").exists() or "数据库尚未完成迁移" not in result.stderr

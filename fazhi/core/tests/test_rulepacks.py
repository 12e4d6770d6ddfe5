import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fazhi.core.clock import SHANGHAI
from fazhi.core.rulepacks import (
    RulePackError,
    citations_in,
    line_of,
    read_yaml,
    registered_kinds,
    registry,
    reload,
    run_all,
)

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


# --- the one header (every kind) -------------------------------------------------------------

WARN = """\
id: tiny
title: 测试预警
version: 1
source: test
effective_from: 2026-01-01
rules:
  - code: LATE
    name: 迟
    level: alarm
    condition: {type: deadline_overdue, deadlines: [handling]}
    basis: 《中华人民共和国行政处罚法》第六十条
examples:
  - name: e
    given: {}
    expect: {open: []}
"""


def write_kind(tmp_path: Path, kind: str, text: str, name: str = "tiny.yaml") -> Path:
    (tmp_path / kind).mkdir(exist_ok=True)
    path = tmp_path / kind / name
    path.write_text(text, encoding="utf-8")
    return path


def load_warnings(tmp_path: Path, text: str):
    from fazhi.supervision.rules import load_warning_pack

    return load_warning_pack(write_kind(tmp_path, "warnings", text))


def test_the_header_is_validated_and_version_is_text(tmp_path):
    pack = load_warnings(tmp_path, WARN)
    assert (pack.id, pack.title, pack.version, pack.source) == ("tiny", "测试预警", "1", "test")
    assert pack.header.effective_from == dt.date(2026, 1, 1)
    assert pack.header.effective_to is None


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ("id: tiny\n", "", "tiny.yaml:1", "'id' is missing"),
        ("id: tiny", "id: Tiny Pack", "tiny.yaml:1", "id: String should match pattern"),
        ("title: 测试预警\n", "", "tiny.yaml:1", "'title' is missing"),
        ("version: 1\n", "", "tiny.yaml:1", "'version' is missing"),
        ("source: test\n", "", "tiny.yaml:1", "'source' is missing"),
        ("source: test", "source: ''", "tiny.yaml:4", "source: String should have at least 1"),
        ("effective_from: 2026-01-01\n", "", "tiny.yaml:1", "'effective_from' is missing"),
        ("effective_from: 2026-01-01", "effective_from: soon", "tiny.yaml:5", "valid date"),
        (
            "effective_from: 2026-01-01\n",
            "effective_from: 2026-01-01\neffective_to: 2025-12-31\n",
            "tiny.yaml:6",
            "effective_to 2025-12-31 is before effective_from 2026-01-01",
        ),
        (
            "source: test\n",
            "source: test\nunverified: true\n",
            "tiny.yaml:",
            "unverified: true needs unverified_reason",
        ),
        (
            "source: test\n",
            "source: test\nunverified_reason: 未核实\n",
            "tiny.yaml:5",
            "unverified_reason is given, but unverified is not true",
        ),
        ("source: test\n", "source: test\nlaw: x\n", "tiny.yaml:5", "unknown field 'law'"),
        ("    expect: {open: []}\n", "", "tiny.yaml:13 [e]", "without 'expect' is an error"),
        (
            "  - name: e\n    given: {}\n    expect: {open: []}\n",
            "  - 3\n",
            "tiny.yaml:13",
            "an example is a mapping",
        ),
    ],
)
def test_each_header_field_is_checked_naming_file_and_line(tmp_path, old, new, where, message):
    assert old in WARN
    with pytest.raises(RulePackError) as excinfo:
        load_warnings(tmp_path, WARN.replace(old, new, 1))
    assert str(excinfo.value).startswith(where)
    assert message in str(excinfo.value)


def test_an_unverified_header_with_its_reason_loads(tmp_path):
    text = WARN.replace(
        "source: test\n", "source: test\nunverified: true\nunverified_reason: 地方实践\n"
    )
    assert load_warnings(tmp_path, text).unverified is True


# --- citations, resolved against the law data (no database) ----------------------------------

BROKEN = {
    "law": ("《中华人民共和国无此法》第一条", "unknown law 《中华人民共和国无此法》"),
    "article": ("《{title}》第九百九十九条", "第九百九十九条 does not exist"),
    "paragraph": ("《{title}》第一条第九十九款", "第一条 has no 第九十九款"),
    "item": ("《{title}》第一条第一款第（九十九）项", "第一条第一款 has no 第（九十九）项"),
}
CITED = re.compile(r"^[^#]*\b(basis|cite):.*?(《([^》]+)》第[零一二三四五六七八九十百]+条)")
SHIPPED = [
    ("warnings", "deadlines.yaml"),
    ("services", "deadlines.yaml"),
    ("procedure", "zhian-general.yaml"),
    ("review", "zhian-case-file.yaml"),
    ("discretion", "zaglcff-2012.yaml"),
]


@pytest.mark.parametrize(("kind", "name"), SHIPPED)
@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_a_citation_naming_no_provision_is_a_load_error_at_its_line(
    tmp_path, settings, kind, name, broken
):
    lines = (Path(settings.RULES_DIR) / kind / name).read_text(encoding="utf-8").splitlines()
    number, match = next(
        (n, m) for n, line in enumerate(lines, 1) if (m := CITED.match(line)) and "《" in line
    )
    citation, message = BROKEN[broken]
    citation = citation.format(title=match.group(3))
    lines[number - 1] = lines[number - 1].replace(match.group(2), citation, 1)
    path = write_kind(tmp_path, kind, "\n".join(lines) + "\n", name)
    with pytest.raises(RulePackError) as excinfo:
        registered_kinds()[kind].load(path)
    assert str(excinfo.value).startswith(f"{name}:{number}")
    assert f"citation {citation}" in str(excinfo.value)
    assert message in str(excinfo.value)


def test_a_basis_citing_nothing_must_be_marked_unverified(tmp_path):
    text = WARN.replace("basis: 《中华人民共和国行政处罚法》第六十条", "basis: 本局规定")
    with pytest.raises(RulePackError, match=r"tiny\.yaml:11 \[LATE\]: basis '本局规定' cites no"):
        load_warnings(tmp_path, text)
    marked = text.replace("    basis: 本局规定\n", "    basis: 本局规定\n    unverified: true\n")
    assert load_warnings(tmp_path, marked).rules[0].unverified


def test_a_basis_with_several_citations_checks_each(tmp_path):
    text = WARN.replace("第六十条", "第六十条、第二百条")
    with pytest.raises(RulePackError, match="第二百条: in 《中华人民共和国行政处罚法》"):
        load_warnings(tmp_path, text)


def test_a_version_after_the_title_is_checked_in_that_version(tmp_path):
    # The pack is in force from 2026, after the 2012 text of 治安管理处罚法 ended (2025-12-31).
    cited = "《中华人民共和国治安管理处罚法》（2012）第一百一十五条"
    assert load_warnings(tmp_path, WARN.replace("《中华人民共和国行政处罚法》第六十条", cited))
    with pytest.raises(RulePackError, match="has no version '2013'"):
        load_warnings(
            tmp_path,
            WARN.replace("《中华人民共和国行政处罚法》第六十条", cited.replace("2012", "2013")),
        )


def test_citations_in_reads_joined_citations():
    assert citations_in("《甲法》第三条第一款、第二款；《乙法》第四条第（二）项、第（三）项") == [
        "《甲法》第三条第一款",
        "《甲法》第三条第二款",
        "《乙法》第四条第（二）项",
        "《乙法》第四条第（三）项",
    ]
    assert citations_in("《公安机关执法质量考核评议规定》（公安部令第137号）") == []


# --- one registry: in force, reload ------------------------------------------------------------


def test_in_force_includes_both_end_days(tmp_path):
    write_kind(
        tmp_path,
        "warnings",
        WARN.replace(
            "effective_from: 2026-01-01", "effective_from: 2026-01-01\neffective_to: 2026-06-30"
        ),
        "a.yaml",
    )
    later = WARN.replace("id: tiny", "id: later").replace(
        "effective_from: 2026-01-01", "effective_from: 2026-07-01"
    )
    write_kind(tmp_path, "warnings", later.replace("code: LATE", "code: LATER"), "b.yaml")

    def ids(day: dt.date) -> list[str]:
        return [p.id for p in registry.in_force("warnings", day, tmp_path)]

    assert ids(dt.date(2025, 12, 31)) == []
    assert ids(dt.date(2026, 1, 1)) == ["tiny"]
    assert ids(dt.date(2026, 6, 30)) == ["tiny"]  # effective_to is the last day in force
    assert ids(dt.date(2026, 7, 1)) == ["later"]
    assert [p.id for p in registry.packs("warnings", tmp_path)] == ["tiny", "later"]


def test_the_registry_reloads_when_a_file_changes_and_on_reload(tmp_path):
    path = write_kind(tmp_path, "warnings", WARN, "a.yaml")
    first = registry.folder("warnings", tmp_path)
    assert registry.folder("warnings", tmp_path) is first  # cached per process

    path.write_text(WARN.replace("测试预警", "改过的预警"), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    assert [p.title for p in registry.packs("warnings", tmp_path)] == ["改过的预警"]

    second = WARN.replace("id: tiny", "id: other").replace("code: LATE", "code: OTHER")
    write_kind(tmp_path, "warnings", second, "b.yaml")
    assert [p.id for p in registry.packs("warnings", tmp_path)] == ["tiny", "other"]
    (tmp_path / "warnings" / "b.yaml").unlink()
    assert [p.id for p in registry.packs("warnings", tmp_path)] == ["tiny"]

    kept = registry.folder("warnings", tmp_path)
    reload()
    assert registry.folder("warnings", tmp_path) is not kept


def test_a_rule_code_in_two_files_is_an_error_naming_the_second_file(tmp_path):
    write_kind(tmp_path, "warnings", WARN, "a.yaml")
    write_kind(tmp_path, "warnings", WARN.replace("id: tiny", "id: other"), "b.yaml")
    with pytest.raises(RulePackError, match=r"b\.yaml \[LATE\]: rule code appears in two files"):
        registry.folder("warnings", tmp_path)


def test_services_rules_wait_for_their_effective_from(tmp_path, settings):
    from fazhi.services import alerts

    text = (Path(settings.RULES_DIR) / "services" / "deadlines.yaml").read_text(encoding="utf-8")
    write_kind(
        tmp_path,
        "services",
        text.replace("effective_from: 2026-01-01", "effective_from: 2026-03-01"),
    )
    settings.RULES_DIR = tmp_path
    assert alerts.rules_in_force(dt.datetime(2026, 2, 28, 23, 0, tzinfo=SHANGHAI)) == []
    assert len(alerts.rules_in_force(dt.datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI))) == 4


def test_a_review_uses_the_checklist_in_force_on_its_day(tmp_path, settings):
    from fazhi.core.errors import FazhiError
    from fazhi.supervision import review

    text = (Path(settings.RULES_DIR) / "review" / "zhian-case-file.yaml").read_text(
        encoding="utf-8"
    )
    write_kind(
        tmp_path,
        "review",
        text.replace("effective_to: null", "effective_to: 2026-12-31"),
        "v1.yaml",
    )
    second = text.replace("version: 1", "version: 2").replace(
        "effective_from: 2026-01-01", "effective_from: 2027-01-01"
    )
    write_kind(tmp_path, "review", second, "v2.yaml")
    settings.RULES_DIR = tmp_path

    assert review.checklist("zhian-case-file", on=dt.date(2026, 12, 31)).version == "1"
    assert review.checklist("zhian-case-file", on=dt.date(2027, 1, 1)).version == "2"
    assert review.checklist("zhian-case-file", version=1).effective_to == dt.date(2026, 12, 31)
    with pytest.raises(FazhiError, match="不在施行期内"):
        review.checklist("zhian-case-file", on=dt.date(2025, 12, 31))


# --- fazhi rules test: per kind --------------------------------------------------------------


def test_rules_test_counts_files_rules_citations_and_examples_per_kind(tmp_path, settings):
    write_kind(tmp_path, "warnings", WARN.replace("第六十条", "第六十条、第六十一条"), "a.yaml")
    text = (Path(settings.RULES_DIR) / "services" / "deadlines.yaml").read_text(encoding="utf-8")
    write_kind(tmp_path, "services", text, "deadlines.yaml")
    run = run_all(tmp_path)
    warnings, services = run.kinds["warnings"], run.kinds["services"]
    assert (warnings.files, warnings.rules, warnings.citations) == (1, 1, 2)
    assert (services.files, services.rules, services.citations) == (1, 4, 6)
    assert services.passed > 0
    assert services.failed == 0
    assert run.kinds["procedure"].files == 0


def test_the_command_prints_one_line_per_kind(capsys):
    call_command("rules", "test")
    out = capsys.readouterr().out
    for kind in ("calendar", "discretion", "procedure", "review", "services", "warnings"):
        line = next(line for line in out.splitlines() if line.startswith(kind))
        assert re.search(
            r"files +\d+ · rules +\d+ · citations +\d+ · examples +\d+ passed, 0 failed", line
        )

"""A broken pack is refused with the file, the line and the rule named (one test per error)."""

from pathlib import Path

import pytest

from fazhi.core.rulepacks import RulePackError, run_all
from fazhi.discretion.packs import build_library, load_library, load_pack

PACK = """\
law: 中华人民共和国治安管理处罚法
id: test
version: "2012-10-26"
effective_from: 2013-01-01
effective_to: 2025-12-31
limitation:
  months: 6
  cite: 《中华人民共和国治安管理处罚法》第二十二条
offences:
  - code: t.beat
    name: 殴打他人
    items: [ZA-043-01]
    cite: 《中华人民共和国治安管理处罚法》第四十三条
    statutory:
      fine: {max: 1000}
      detention: {max: 15}
    facts:
      - {name: injury, type: enum, choices: [none, minor], required: true}
    tiers:
      - name: 情节较轻
        cite: 《中华人民共和国治安管理处罚法》第四十三条第一款
        when: {fact: injury, eq: none}
        penalties:
          - {kind: detention, max: 5, mode: alternative}
          - {kind: fine, max: 500, mode: alternative}
      - name: 一般
        cite: 《中华人民共和国治安管理处罚法》第四十三条第一款
        when: {fact: injury, eq: minor}
        penalties:
          - {kind: detention, min: 5, max: 10}
          - {kind: fine, min: 200, max: 500}
    reduced:
      cite: 《中华人民共和国治安管理处罚法》第十九条
      penalties:
        - {kind: fine, max: 200}
examples:
  - name: ok
    given: {offence: t.beat, act_date: 2025-03-01, decision_date: 2025-03-20, facts: {harm: minor, injury: minor, offender_birth_date: 1990-01-01}}
    expect: {outcome: penalty, tier: 一般, penalties: [detention 5-10 days, fine 200-500 yuan]}
title: 测试基准
source: test
"""


def write(tmp_path: Path, text: str, name: str = "test-2012.yaml") -> Path:
    folder = tmp_path / "discretion"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, snippet: str) -> int:
    """Return the 1-based line of the first line of TEXT containing SNIPPET."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if snippet in line)


def broken(tmp_path, old: str, new: str) -> tuple[str, str]:
    assert old in PACK
    text = PACK.replace(old, new, 1)
    with pytest.raises(RulePackError) as caught:
        load_pack(write(tmp_path, text))
    return str(caught.value), text


def test_the_template_pack_loads_and_its_example_passes(tmp_path):
    write(tmp_path, PACK)
    run = run_all(tmp_path)
    assert [(r.name, r.passed) for r in run.results if r.file == "test-2012.yaml"] == [("ok", True)]


def test_an_unknown_field_names_file_line_and_rule(tmp_path):
    message, text = broken(
        tmp_path, "      - name: 一般\n", "      - name: 一般\n        colour: red\n"
    )
    line = line_of(text, "colour: red")
    assert (
        message
        == f"test-2012.yaml:{line} [t.beat/一般]: unknown field 'colour' (at offences.0.tiers.1.colour)"
    )


def test_overlapping_tiers_are_an_error(tmp_path):
    message, text = broken(
        tmp_path, "when: {fact: injury, eq: minor}", "when: {fact: injury, in: [none, minor]}"
    )
    line = line_of(text, "- name: 一般")
    assert message == (
        f"test-2012.yaml:{line} [t.beat/一般]: tiers '情节较轻' and '一般' overlap when injury=none"
    )


def test_gapped_tiers_are_an_error(tmp_path):
    message, text = broken(
        tmp_path,
        "when: {fact: injury, eq: minor}",
        "when: {all: [{fact: injury, eq: minor}, {fact: first_violation, eq: true}]}",
    )
    line = line_of(text, "      - name: 情节较轻")  # a list answers with its first line
    assert message == (
        f"test-2012.yaml:{line} [t.beat]: the tiers leave a gap: no tier applies when "
        "first_violation=false, injury=minor"
    )


def test_a_range_above_the_statutory_maximum_is_an_error(tmp_path):
    message, text = broken(
        tmp_path, "{kind: detention, min: 5, max: 10}", "{kind: detention, min: 5, max: 20}"
    )
    line = line_of(text, "{kind: detention, min: 5, max: 20}")
    assert message == (
        f"test-2012.yaml:{line} [t.beat/一般]: detention max 20 is above the statutory maximum 15"
    )


def test_a_kind_the_provision_does_not_provide_is_an_error(tmp_path):
    message, text = broken(
        tmp_path,
        "          - {kind: detention, max: 5, mode: alternative}",
        "          - {kind: warning, mode: alternative}",
    )
    line = line_of(text, "{kind: warning, mode: alternative}")
    assert message.startswith(
        f"test-2012.yaml:{line} [t.beat/情节较轻]: warning is outside the statutory range"
    )


def test_a_missing_citation_is_an_error(tmp_path):
    old = "      - name: 一般\n        cite: 《中华人民共和国治安管理处罚法》第四十三条第一款\n"
    message, text = broken(tmp_path, old, "      - name: 一般\n")
    line = line_of(text, "- name: 一般")
    assert (
        message
        == f"test-2012.yaml:{line} [t.beat/一般]: 'cite' is missing (at offences.0.tiers.1.cite)"
    )


def test_a_citation_that_does_not_parse_is_an_error(tmp_path):
    message, text = broken(
        tmp_path, "cite: 《中华人民共和国治安管理处罚法》第四十三条\n", "cite: 治安法四十三\n"
    )
    line = line_of(text, "cite: 治安法四十三")
    assert message == (
        f"test-2012.yaml:{line} [t.beat]: offences.0.cite.0: citation '治安法四十三' is not in "
        "the form "
        "《法律名称》第X条[第X款][第（X）项]"
    )


def test_an_example_without_expect_is_an_error(tmp_path):
    message, text = broken(
        tmp_path,
        "    expect: {outcome: penalty, tier: 一般, penalties: [detention 5-10 days, fine 200-500 yuan]}\n",
        "",
    )
    line = line_of(text, "- name: ok")
    assert (
        message
        == f"test-2012.yaml:{line} [ok]: examples.0: an example without 'expect' is an error, "
        "not a pass"
    )


def test_a_condition_on_an_unknown_fact_is_an_error(tmp_path):
    message, text = broken(
        tmp_path, "when: {fact: injury, eq: none}", "when: {fact: injuri, eq: none}"
    )
    line = line_of(text, "{fact: injuri, eq: none}")
    assert message.startswith(f"test-2012.yaml:{line} [t.beat/情节较轻]: unknown fact 'injuri'")


def test_a_value_outside_the_facts_choices_is_an_error(tmp_path):
    message, text = broken(
        tmp_path, "when: {fact: injury, eq: none}", "when: {fact: injury, eq: grave}"
    )
    line = line_of(text, "{fact: injury, eq: grave}")
    assert message == (
        f"test-2012.yaml:{line} [t.beat/情节较轻]: fact 'injury' has the choices "
        "['none', 'minor']; 'grave' is not one"
    )


def test_an_enforcement_item_not_in_the_catalogue_is_an_error(tmp_path):
    message, text = broken(tmp_path, "items: [ZA-043-01]", "items: [ZA-999-01]")
    line = line_of(text, "items: [ZA-999-01]")
    assert message == (
        f"test-2012.yaml:{line} [t.beat]: enforcement item 'ZA-999-01' is not in "
        "fazhi/catalog/data/items.csv"
    )


def test_reduced_penalties_heavier_than_the_lightest_tier_are_an_error(tmp_path):
    message, text = broken(
        tmp_path, "        - {kind: fine, max: 200}", "        - {kind: detention, max: 8}"
    )
    line = line_of(text, "第十九条")  # a block mapping starts at its first key
    assert message == (
        f"test-2012.yaml:{line} [t.beat/减轻]: the reduced penalties are heavier than the lightest tier"
    )


def test_two_versions_of_a_series_in_force_on_the_same_day_are_an_error(tmp_path):
    write(tmp_path, PACK)
    later = PACK.replace('version: "2012-10-26"', 'version: "2025"').replace(
        "effective_from: 2013-01-01\neffective_to: 2025-12-31", "effective_from: 2025-06-01"
    )
    path = write(tmp_path, later, "test-2025.yaml")
    with pytest.raises(RulePackError) as caught:
        build_library(sorted((tmp_path / "discretion").glob("*.yaml")))
    assert str(caught.value) == (
        f"test-2025.yaml:{line_of(later, 'effective_from')}: series 'test': in force from "
        "2025-06-01, while test-2012.yaml is still in force (effective_to 2025-12-31)"
    )
    assert path.exists()


def test_the_library_is_reloaded_when_a_file_changes(tmp_path):
    path = write(tmp_path, PACK)
    first = load_library(tmp_path)
    assert load_library(tmp_path) is first
    path.write_text(PACK.replace("name: 殴打他人", "name: 殴打他人（改）"), encoding="utf-8")
    import os

    os.utime(path, ns=(1, path.stat().st_mtime_ns + 1_000_000))
    assert load_library(tmp_path).versions["t.beat"][0].offences["t.beat"].name == "殴打他人（改）"


def test_every_shipped_discretion_example_passes():
    from django.conf import settings

    shipped = {"zaglcff-2012.yaml", "zaglcff-2025.yaml", "fzfa-2022.yaml", "local-waterway.yaml"}
    run = run_all(settings.RULES_DIR)
    mine = [r for r in run.results if r.file in shipped]
    assert [e for e in run.errors if e.split(":")[0] in shipped] == []
    assert [r for r in mine if not r.passed] == []
    assert len(mine) >= 5 * 21  # at least five examples for each of the 21 offence versions

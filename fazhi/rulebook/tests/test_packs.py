"""The rulebook packs: an example that expects the wrong answer fails; a requirement naming an
unknown step or outcome stops the load; the home panel counts what the legal department has to do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fazhi.core.rulepacks import RulePackError
from fazhi.rulebook.alerts import run_examples
from fazhi.rulebook.packs import load_pack

RULES = Path(__file__).resolve().parents[3] / "rules" / "rulebook"


def _copy(tmp_path: Path, old: str, new: str) -> Path:
    text = (RULES / "document.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "document.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_example_expecting_the_wrong_refusal_fails(tmp_path):
    path = _copy(
        tmp_path,
        "expect: {allowed: false, basis: 《重大行政决策程序暂行条例》第二十五条第二款}",
        "expect: {allowed: true}",
    )

    results = run_examples(path)

    assert [r.passed for r in results].count(False) == 1
    assert "expected {'allowed': True}" in next(r.detail for r in results if not r.passed)


def test_a_warning_example_expecting_no_warning_fails(tmp_path):
    path = _copy(tmp_path, "expect: {open: [BEIAN_OVERDUE]}", "expect: {open: []}")

    failed = [r for r in run_examples(path) if not r.passed]

    assert [r.name for r in failed] == ["公布三十一日未备案"]


def test_a_requirement_on_an_unknown_outcome_stops_the_load(tmp_path):
    path = _copy(tmp_path, "outcomes: [passed, conditional]", "outcomes: [passed, approved]")

    with pytest.raises(RulePackError, match="approved"):
        load_pack(path)


def test_the_home_panel_counts_drafts_and_citations_to_review(tree, make_user):
    from fazhi.rulebook.home import rulebook_panel
    from fazhi.rulebook.tests.factories import draft

    legal = make_user("legal_officer", tree["city"])
    draft(tree["city"], legal)

    panel = rulebook_panel(legal, dt.datetime(2026, 3, 2, tzinfo=dt.UTC))

    assert {c.key: c.value for c in panel.cards} == {
        "rulebook_drafting": 1,
        "rulebook_warned": 0,
        "rulebook_citations": 0,
    }
    assert (
        rulebook_panel(make_user("officer", tree["s1"]), dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
        is None
    )

"""Run the ``examples:`` of a discretion pack (``fazhi rules test``).

An example names the offence, the dates and the facts, and states what it expects::

    - name: 殴打他人，情节一般
      given: {offence: za.beat, act_date: 2025-03-01, decision_date: 2025-03-20,
              facts: {harm: minor, offender_birth_date: 1990-01-01}}
      expect: {outcome: penalty, tier: 一般, penalties: [detention 5-10 days, fine 200-500 yuan]}

Every key of ``expect`` is compared (see ``ExampleExpect``); ``error_field`` expects the facts to
be refused with an error naming that fact. The example is decided with the whole folder loaded,
so 从旧兼从轻 examples see the other versions; no rule counts as confirmed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fazhi.core.rulepacks import ExampleResult, RulePackError, expect_of, line_of
from fazhi.discretion.engine import Decision, InvalidFacts, decide
from fazhi.discretion.packs import Library, load_library
from fazhi.discretion.schema import ExampleExpect, ExampleGiven


def run_discretion_examples(path: Path) -> list[ExampleResult]:
    library = load_library(path.parent.parent)
    pack = next((p for p in library.packs if p.path == path), None)
    if pack is None:  # pragma: no cover - the folder was read a moment ago
        raise RulePackError(path, "the pack was not loaded")
    results = []
    for index, example in enumerate(pack.examples):
        name, given_raw, expect_raw = expect_of(path, example, index)
        try:
            given = ExampleGiven.model_validate(given_raw)
            expect = ExampleExpect.model_validate(expect_raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise RulePackError(
                path, f"example: {where}: {error['msg']}", line=line_of(example, []), rule=name
            ) from None
        results.append(_run(path, name, given, expect, library))
    return results


def _run(
    path: Path, name: str, given: ExampleGiven, expect: ExampleExpect, library: Library
) -> ExampleResult:
    try:
        decision = decide(
            given.offence, given.facts, given.act_date, given.decision_date, library=library
        )
    except InvalidFacts as exc:
        if expect.error_field is not None and exc.field == expect.error_field:
            return ExampleResult(path.name, name, True)
        return ExampleResult(path.name, name, False, f"error on {exc.field}: {exc}")
    if expect.error_field is not None:
        return ExampleResult(
            path.name, name, False, f"expected an error naming {expect.error_field}, got a decision"
        )
    wrong = [
        f"{key}: expected {want!r}, got {got!r}"
        for key, want, got in _compare(expect, decision)
        if want != got
    ]
    return ExampleResult(path.name, name, not wrong, "; ".join(wrong))


def _compare(expect: ExampleExpect, decision: Decision) -> list[tuple[str, Any, Any]]:
    actual = {
        "outcome": decision.outcome,
        "tier": decision.tier,
        "penalties": [str(p) for p in decision.penalties],
        "version_applied": decision.version_applied,
        "unverified": decision.unverified,
        "discretionary": decision.discretionary,
        "detention_executable": decision.detention_executable,
        "limitation_expired": decision.limitation_expired,
        "rules_applied": list(decision.rules_applied),
        "lighter": decision.comparison.lighter if decision.comparison else None,
    }
    return [
        (key, want, actual[key])
        for key, want in expect.model_dump(exclude_none=True).items()
        if key != "error_field"
    ]

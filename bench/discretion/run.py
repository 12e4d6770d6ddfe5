"""Benchmark the discretion engine (issue 5): column-wise vs OpenFisca-core vs a per-case loop.

    .venv/bin/python -m bench.discretion.run            # BENCH_CASES (default 1,000,000)

On the same population (bench/discretion/population.py) and the same two offences' rules
(za.beat and za.property, 治安管理处罚法 2012 text), in one run:

(a) ours: ``fazhi.discretion.batch.evaluate`` from fact columns to the result columns;
(b) OpenFisca-core end to end: build the tax-benefit system (openfisca_system.py), the
    simulation, set the inputs and calculate outcome and ranges;
(a) and (b) are run BENCH_ROUNDS times (default 3), alternating; the medians count.
(c) a per-case Python loop calling ``engine.decide`` (on BENCH_LOOP_SAMPLE cases, default
    100,000, scaled to N — the loop is linear; the figure says so);
(d) one ``decide`` call, median over BENCH_REPEAT (default 20,000) calls.

Before timing, OpenFisca's ranges are checked equal to ours on every case, and ours to
``decide`` on the loop's sample. Writes bench/results/discretion.json.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhi.settings")

import django  # noqa: E402

django.setup()

from bench.common import write_results  # noqa: E402
from bench.discretion.population import codes, generate  # noqa: E402
from fazhi.discretion.batch import PENALTY, Categorical, decision_row, evaluate  # noqa: E402
from fazhi.discretion.engine import decide  # noqa: E402
from fazhi.discretion.packs import load_library  # noqa: E402

N = int(os.environ.get("BENCH_CASES", "1000000"))
LOOP_SAMPLE = min(N, int(os.environ.get("BENCH_LOOP_SAMPLE", "100000")))
REPEAT = int(os.environ.get("BENCH_REPEAT", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
FACT_TYPES: dict[str, str] = {}


def ours(population: dict):
    return evaluate(
        population["offence"],
        population["facts"],
        population["act_date"],
        population["decision_date"],
        library=load_library(),
    )


def openfisca(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    from openfisca_core.simulations import SimulationBuilder

    from bench.discretion.openfisca_system import DiscretionSystem

    system = DiscretionSystem()
    simulation = SimulationBuilder().build_default_simulation(system, count=len(inputs["harm"]))
    for name, values in inputs.items():
        simulation.set_input(name, "2025", values)
    names = ("penalised", "detention_min", "detention_max", "fine_min", "fine_max")
    return {name: simulation.calculate(name, "2025") for name in names}


def case_dicts(population: dict, count: int) -> list[tuple]:
    """Return the first COUNT cases as (code, facts, act, decided) for ``decide``."""
    facts = population["facts"]
    cases = []
    for i in range(count):
        given = {}
        for name, column in facts.items():
            if isinstance(column, Categorical):
                if column.codes[i] >= 0:
                    given[name] = column.categories[column.codes[i]]
                continue
            value = column[i]
            if isinstance(value, np.datetime64):
                if not np.isnat(value):
                    given[name] = value.astype("M8[D]").item()
            elif isinstance(value, float | np.floating):
                if not np.isnan(value):
                    given[name] = f"{value:.2f}"
            elif isinstance(value, np.integer):
                if value >= 0:
                    given[name] = bool(value)
            elif value is not None and value != "":
                given[name] = str(value)
        cases.append(
            (
                population["offence"].categories[population["offence"].codes[i]],
                given,
                population["act_date"][i].astype("M8[D]").item(),
                population["decision_date"][i].astype("M8[D]").item(),
            )
        )
    return cases


def loop(cases: list[tuple], library) -> list:
    return [
        decide(code, facts, act, decided, library=library) for code, facts, act, decided in cases
    ]


def main() -> None:
    library = load_library()
    population = generate(N)
    inputs = codes(population)
    print(f"population: {N:,} cases (za.beat / za.property, 2025)")

    result = ours(population)  # warm: compile the packs' conditions once
    ours_times, fisca_times = [], []
    for _ in range(ROUNDS):  # alternate, and keep the median: the machine is shared
        started = time.perf_counter()
        result = ours(population)
        ours_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        fisca = openfisca(inputs)
        fisca_times.append(time.perf_counter() - started)
    ours_seconds = statistics.median(ours_times)
    fisca_seconds = statistics.median(fisca_times)
    penalised = result.outcome == PENALTY
    assert (fisca["penalised"] == penalised).all(), "OpenFisca and ours disagree on the outcome"
    for name, mine in (
        ("detention_min", result.detention_min),
        ("detention_max", result.detention_max),
        ("fine_min", result.fine_min),
        ("fine_max", result.fine_max),
    ):
        theirs = fisca[name]
        differ = np.flatnonzero(penalised & (theirs != mine))
        assert len(differ) == 0, (
            f"{name} differs at {differ[:5]}: {theirs[differ[:5]]} vs {mine[differ[:5]]}"
        )

    cases = case_dicts(population, LOOP_SAMPLE)
    started = time.perf_counter()
    decisions = loop(cases, library)
    loop_seconds = (time.perf_counter() - started) * N / LOOP_SAMPLE
    for index in range(0, LOOP_SAMPLE, max(1, LOOP_SAMPLE // 2000)):
        assert result.row(index, cases[index][0], library) == decision_row(decisions[index])

    code, facts, act, decided = cases[1]
    timings = []
    for _ in range(REPEAT):
        t0 = time.perf_counter_ns()
        decide(code, facts, act, decided, library=library)
        timings.append(time.perf_counter_ns() - t0)
    single = statistics.median(timings) / 1e9

    rows = [
        {"name": "discretion.batch_vs_openfisca", "value": ours_seconds, "baseline": fisca_seconds,
         "goal": "ratio <= 1 (ours at least as fast as OpenFisca-core end to end)"},
        {"name": "discretion.batch_vs_loop", "value": ours_seconds, "baseline": loop_seconds,
         "goal": "ratio <= 0.05 (at least 20x faster than a per-case loop)",
         "loop_sample": LOOP_SAMPLE},
        {"name": "discretion.decide_single_median", "value": single, "baseline": 0.0002,
         "goal": "value < 0.2 ms", "repeat": REPEAT},
    ]  # fmt: skip
    write_results("discretion", rows)
    print(
        f"ours {ours_seconds:.3f} s · OpenFisca {fisca_seconds:.3f} s "
        f"({fisca_seconds / ours_seconds:.1f}x) · loop {loop_seconds:.1f} s "
        f"({loop_seconds / ours_seconds:.0f}x, from {LOOP_SAMPLE:,}) · "
        f"decide() median {single * 1000:.3f} ms"
    )


if __name__ == "__main__":
    main()

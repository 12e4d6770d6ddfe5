"""What every benchmark shares: which database, Django set-up, timing and the results file.

The data set lives in its own database: ``bench/data/bench-<N>.sqlite3`` by default, or the
PostgreSQL database of ``DATABASE_URL`` when that names one. ``BENCH_CASES`` sets N (default
1,000,000). Import this module before anything from Django.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
CASES = int(os.environ.get("BENCH_CASES", "1000000"))


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    return f"sqlite:///{DATA / f'bench-{CASES}.sqlite3'}"


def engine() -> str:
    return "postgresql" if database_url().startswith("postgres") else "sqlite"


def setup() -> None:
    """Point Django at the benchmark database and the bench settings, and set it up."""
    DATA.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("FAZHI_VAR_DIR", str(DATA / "var"))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def percentile(values: list[float], share: float) -> float:
    """Return the SHARE (0–1) percentile of VALUES, by the nearest-rank method."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def write_results(name: str, rows: list[dict]) -> Path:
    """Write bench/results/<name>.json (each row: name, value, baseline, ratio, cases); print it."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if engine() == "sqlite" else f"-{engine()}"
    path = RESULTS / f"{name}{suffix}.json"
    out = []
    for row in rows:
        value, baseline = float(row["value"]), float(row["baseline"])
        out.append(
            {
                "name": row["name"],
                "value": round(value, 6),
                "baseline": round(baseline, 6),
                "ratio": round(value / baseline, 2) if baseline else None,
                "cases": CASES,
                **({"engine": engine()} if suffix else {}),
                **{k: v for k, v in row.items() if k not in {"name", "value", "baseline"}},
            }
        )
        print(
            f"{row['name']:<40} {value * 1000:10.2f} ms   baseline {baseline * 1000:9.2f} ms"
            f"   ratio {out[-1]['ratio']}"
        )
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


__all__ = ["CASES", "DATA", "RESULTS", "engine", "percentile", "setup", "statistics"]

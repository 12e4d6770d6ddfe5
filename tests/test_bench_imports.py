"""The benchmarks are not run by the suite, but the names they import from fazhi must exist:
a module moved by a refactoring (e.g. the metric registry into core) breaks `make bench` silently
otherwise."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def fazhi_imports() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(BENCH.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fazhi"):
                for alias in node.names:
                    if alias.name != "*":
                        found.append((path.relative_to(BENCH).as_posix(), node.module, alias.name))
    return found


@pytest.mark.parametrize(("path", "module", "name"), fazhi_imports())
def test_every_name_a_benchmark_imports_from_fazhi_exists(path, module, name):
    imported = importlib.import_module(module)
    if not hasattr(imported, name):
        importlib.import_module(f"{module}.{name}")  # a submodule: raises if it does not exist

"""One loader and one example runner for every rule pack under ``rules/`` (DESIGN: Rule packs).

A pack kind registers the folder it reads, a function that loads one file into validated
objects, and a function that runs the file's ``examples:``. ``fazhi rules test`` runs every
example of every pack; an example without ``expect`` is an error, never a pass. Errors name the
file, the line and the rule, so a legal expert can fix a file without reading Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fazhi.core.errors import FazhiError


class RulePackError(FazhiError):
    """A rule file that cannot be used; ``str()`` says file:line, the rule and why."""

    code = "rule_pack"

    def __init__(
        self, path: Path | str, message: str, *, line: int | None = None, rule: str | None = None
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.rule = rule
        where = f"{self.path.name}:{line}" if line else self.path.name
        what = f" [{rule}]" if rule else ""
        super().__init__(f"{where}{what}: {message}")


class LineDict(dict):
    """A mapping read from YAML that remembers the line it starts on (1-based)."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Return the YAML document of PATH with line numbers on its mappings, or raise naming it."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise RulePackError(path, f"not valid YAML: {exc.problem}", line=line) from None
    except ValueError as exc:  # YAML's own date parsing, e.g. 2027-13-01
        raise RulePackError(path, f"a value is not a valid date: {exc}") from None


def line_of(data: Any, loc: Iterable[Any]) -> int | None:
    """Return the line of the deepest mapping on the path LOC (e.g. a pydantic error's loc)."""
    line = data.line if isinstance(data, LineDict) else None
    node = data
    for key in loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, LineDict):
            line = node.line
    return line


@dataclass(frozen=True)
class ExampleResult:
    file: str
    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class PackKind:
    folder: str  # the folder under rules/
    title: str
    run_examples: Callable[[Path], list[ExampleResult]]  # load one file and run its examples


_KINDS: dict[str, PackKind] = {}


def register(kind: PackKind) -> None:
    _KINDS[kind.folder] = kind


def registered_kinds() -> dict[str, PackKind]:
    return dict(_KINDS)


@dataclass
class TestRun:
    results: list[ExampleResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return sum(not r.passed for r in self.results)

    @property
    def ok(self) -> bool:
        return not self.errors and self.failed == 0 and bool(self.results)


def run_all(rules_dir: Path) -> TestRun:
    """Run the examples of every file of every registered pack kind under RULES_DIR."""
    run = TestRun()
    for folder, kind in sorted(_KINDS.items()):
        directory = rules_dir / folder
        files = sorted(directory.glob("*.yaml")) if directory.exists() else []
        for path in files:
            try:
                run.results.extend(kind.run_examples(path))
            except RulePackError as exc:
                run.errors.append(str(exc))
    return run


def expect_of(path: Path, example: Any, index: int) -> tuple[str, Any, Any]:
    """Return (name, given, expect) of one example, refusing one without ``expect``."""
    if not isinstance(example, dict):
        raise RulePackError(
            path, f"example {index + 1} is not a mapping", line=line_of(example, [])
        )
    name = str(example.get("name") or f"example {index + 1}")
    if "expect" not in example:
        raise RulePackError(
            path,
            "an example without 'expect' is an error, not a pass",
            line=line_of(example, []),
            rule=name,
        )
    return name, example.get("given") or {}, example["expect"]

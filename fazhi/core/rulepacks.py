"""One pack format, one loader and one registry for every rule pack under ``rules/`` (ADR 0013).

Every file under ``rules/<kind>/`` starts with the same header (``PackHeader``: id, title,
version, effective_from, effective_to, unverified and its reason, source, note, examples); a
kind supplies only its body — a pydantic model that subclasses ``PackHeader`` — and a function
that runs the file's examples. ``load_file`` reads a file with line numbers, validates it,
turns the first validation error into a ``RulePackError`` naming file:line, the rule and why,
and resolves every ``Citation`` and ``Basis`` of the file against the law data through the
hook the law app registers (``set_citation_resolver``): an unknown law, article, 款 or 项 is a
load error naming its line. ``registry`` caches each kind's folder per process and reloads it
when a file of the folder changes (name, size or modification time), or on ``reload()``.

``fazhi rules test`` runs every example of every pack and prints, per kind, the files, the rules
and the examples passed and failed; an example without ``expect`` is an error, never a pass.
rules/README.md describes the format for the legal experts who write the files.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import core_schema

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
        self.reason = message
        where = f"{self.path.name}:{line}" if line else self.path.name
        what = f" [{rule}]" if rule else ""
        super().__init__(f"{where}{what}: {message}")


# --------------------------------------------------------------------------- YAML with lines


class LineDict(dict[Any, Any]):
    """A mapping read from YAML that remembers its line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list[Any]):
    """A sequence read from YAML that remembers its line and the line of each item."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, _value in node.value:
        try:
            key = loader.construct_object(key_node, deep=True)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        except TypeError:  # pragma: no cover - an unhashable key fails construct_mapping first
            continue
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    sequence = LineList(loader.construct_sequence(node, deep=True))
    sequence.line = node.start_mark.line + 1
    sequence.item_lines = [item.start_mark.line + 1 for item in node.value]
    return sequence


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


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
    """Return the line of the value at the path LOC (e.g. a pydantic error's loc).

    A mapping or a list answers with its own first line; a scalar with the line of its key (or
    of its list item). A step LOC names that the data lacks (a pydantic union tag) is skipped.
    """
    line = getattr(data, "line", None) or None
    node = data
    for key in loc:
        parent = node
        try:
            node = parent[key]
        except (KeyError, IndexError, TypeError):
            node = parent  # a tag pydantic adds to the path (discriminated unions): skip it
            continue
        if isinstance(parent, LineDict):
            line = parent.key_lines.get(key, line)
        elif isinstance(parent, LineList) and isinstance(key, int):
            line = parent.item_lines[key]
        if isinstance(node, LineDict | LineList) and node.line:
            line = node.line
    return line


# --------------------------------------------------------------------------- citations


_NUMBER = r"[零一二三四五六七八九十百千0-9０-９]+"
_ITEM = rf"第[（(]?{_NUMBER}[）)]?项"
_REF = rf"第{_NUMBER}条(?:第{_NUMBER}款)?(?:{_ITEM})?"
_TITLE = re.compile(r"《(?P<law>[^《》]+)》(?:[（(](?P<version>[^（）()《》]{1,20})[）)])?")
_FULL_REF = re.compile(
    rf"(?P<article>第{_NUMBER}条)(?P<paragraph>第{_NUMBER}款)?(?P<item>{_ITEM})?"
)
_PARAGRAPH_REF = re.compile(rf"(?P<paragraph>第{_NUMBER}款)(?P<item>{_ITEM})?")
_ITEM_REF = re.compile(rf"(?P<item>{_ITEM})")
_JOINERS = "、和及与至"
CITATION_FORM = "《法律名称》第X条[第X款][第（X）项]"
_CITATION_RE = re.compile(
    rf"^(?:《[^《》]+》(?:[（(][^（）()《》]{{1,20}}[）)])?|[^《》第]+){_REF}$"
)


def citations_in(text: str) -> list[str]:
    """Return every citation a basis text makes, each written out in full.

    ``《行政许可法》第四十二条、第八十二条`` cites two articles; a later ``第二款`` or ``第（三）项``
    after a joiner (、和及与至) stays in the article (and paragraph) before it. A title followed by
    no article (《公安机关执法质量考核评议规定》（公安部令第137号）) names a document, not a
    provision, and is not returned.

    >>> citations_in("《中华人民共和国行政许可法》第三十二条第一款第（四）项、第八十二条")
    ['《中华人民共和国行政许可法》第三十二条第一款第（四）项', '《中华人民共和国行政许可法》第八十二条']
    >>> citations_in("《甲法》第三条第一款、第二款；本局规定")
    ['《甲法》第三条第一款', '《甲法》第三条第二款']
    """
    text = re.sub(r"\s+", "", text or "")
    found: list[str] = []
    for title in _TITLE.finditer(text):
        prefix = title.group(0)
        pos = title.end()
        match = _FULL_REF.match(text, pos)
        if not match:
            continue
        article, paragraph = match["article"], match["paragraph"] or ""
        found.append(prefix + match.group(0))
        pos = match.end()
        while pos < len(text) and text[pos] in _JOINERS:
            if m := _FULL_REF.match(text, pos + 1):
                article, paragraph = m["article"], m["paragraph"] or ""
                found.append(prefix + m.group(0))
            elif m := _PARAGRAPH_REF.match(text, pos + 1):
                paragraph = m["paragraph"]
                found.append(prefix + article + m.group(0))
            elif m := _ITEM_REF.match(text, pos + 1):
                found.append(prefix + article + paragraph + m.group(0))
            else:
                break
            pos = m.end()
    return found


class Citation(str):
    """One provision in legal form: 《中华人民共和国行政处罚法》第三十二条第一款第（一）项.

    Usable as a field type in any body schema; ``load_file`` resolves it against the law data
    (a version may be named after the title: 《…治安管理处罚法》（2012）第一百一十五条).
    """

    __slots__ = ()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls._validate, core_schema.str_schema(strip_whitespace=True)
        )

    @classmethod
    def _validate(cls, value: str) -> Citation:
        if not _CITATION_RE.match(re.sub(r"\s+", "", value)):
            raise ValueError(f"citation {value!r} is not in the form {CITATION_FORM}")
        return cls(value)

    def citations(self) -> list[str]:
        return [str(self)]


class Basis(str):
    """The legal basis of a rule as written for a reader: citations and, if need be, words.

    Every citation in it (see ``citations_in``) is resolved like a ``Citation``; a basis that
    cites no provision at all (本局设定, 地方实践) is allowed only in a rule or pack marked
    ``unverified: true``.
    """

    __slots__ = ()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(strip_whitespace=True, min_length=1)
        )

    def citations(self) -> list[str]:
        return citations_in(self)


class CitationResolver(Protocol):
    def __call__(self, citation: str, first: dt.date, last: dt.date | None) -> str | None:
        """Return why CITATION names no provision in force between FIRST and LAST, or None."""


_resolver: CitationResolver | None = None


def set_citation_resolver(resolver: CitationResolver | None) -> None:
    """Register the function that checks a citation against the law (fazhi.law does, on ready)."""
    global _resolver
    _resolver = resolver


def citation_resolver() -> CitationResolver | None:
    return _resolver


def _cited(
    node: Any, loc: tuple[Any, ...], unverified: bool
) -> Iterator[tuple[tuple[Any, ...], Citation | Basis, bool]]:
    """Yield (loc, value, unverified) for every Citation and Basis inside a validated model."""
    if isinstance(node, Citation | Basis):
        yield loc, node, unverified
    elif isinstance(node, BaseModel):
        marked = unverified or getattr(node, "unverified", False) is True
        for name, info in type(node).model_fields.items():
            key = info.alias or name
            yield from _cited(getattr(node, name), (*loc, key), marked)
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from _cited(value, (*loc, index), unverified)
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, BaseModel | list | tuple | dict | Citation | Basis):
                yield from _cited(value, (*loc, key), unverified)


def check_citations(
    path: Path,
    raw: Any,
    model: BaseModel,
    first: dt.date,
    last: dt.date | None,
    rule_of: Callable[[Any, tuple[Any, ...]], str | None] | None = None,
) -> int:
    """Resolve every citation of MODEL for a pack in force from FIRST to LAST; return the count.

    Raises RulePackError naming the line of the first citation that names no provision, and of
    a basis without any citation in a rule that is not marked unverified.
    """
    count = 0
    _CITED.pop(Path(path), None)
    for loc, value, unverified in _cited(model, (), False):
        texts = value.citations()
        if isinstance(value, Basis) and not texts and not unverified:
            raise RulePackError(
                path,
                f"basis {str(value)!r} cites no provision ({CITATION_FORM}); a basis without "
                "a citation needs 'unverified: true' on its rule",
                line=line_of(raw, loc),
                rule=_rule(raw, loc, rule_of),
            )
        for text in texts:
            count += 1
            problem = _resolver(text, first, last) if _resolver is not None else None
            if problem:
                raise RulePackError(
                    path,
                    f"citation {text}: {problem}",
                    line=line_of(raw, loc),
                    rule=_rule(raw, loc, rule_of),
                )
    _CITED[Path(path)] = count
    return count


# How many citations the last load of each file resolved (for ``fazhi rules test``).
_CITED: dict[Path, int] = {}


# --------------------------------------------------------------------------- the header


class Strict(BaseModel):
    """The base of every pack model: frozen, and an unknown field is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _example(value: Any) -> Any:
    if not isinstance(value, dict):
        raise ValueError("an example is a mapping: name, given, expect")
    if "expect" not in value:
        raise ValueError("an example without 'expect' is an error, not a pass")
    return value


# Kept as read (a mapping that remembers its lines); the kind's runner reads given and expect.
Example = Annotated[Any, AfterValidator(_example)]


class PackHeader(Strict):
    """The header every rule file starts with; a kind's body schema subclasses it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=60)
    title: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=40)
    effective_from: dt.date
    effective_to: dt.date | None = None
    unverified: bool = False
    unverified_reason: str = Field(default="", validate_default=True)
    source: str = Field(min_length=1)
    note: str = ""
    examples: tuple[Example, ...] = ()

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("effective_to")
    @classmethod
    def _to_after_from(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("effective_from")
        if value is not None and start is not None and value < start:
            raise ValueError(f"effective_to {value} is before effective_from {start}")
        return value

    @field_validator("unverified_reason")
    @classmethod
    def _reason_if_unverified(cls, value: str, info: ValidationInfo) -> str:
        marked = info.data.get("unverified")
        if marked and not value.strip():
            raise ValueError("unverified: true needs unverified_reason (why it is not verified)")
        if value.strip() and marked is False:
            raise ValueError("unverified_reason is given, but unverified is not true")
        return value

    def in_force_on(self, day: dt.date) -> bool:
        """effective_from ≤ DAY ≤ effective_to (both days included; no end: open)."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @property
    def header(self) -> PackHeader:
        return PackHeader.model_validate(
            {name: getattr(self, name) for name in PackHeader.model_fields}
        )


HEADER_FIELDS = tuple(PackHeader.model_fields)
M = TypeVar("M", bound=PackHeader)


def rule_at(raw: Any, loc: tuple[Any, ...]) -> str | None:
    """Return the name of the innermost listed entry on LOC: its code, id or name."""
    found = None
    node = raw
    for key in loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(key, int) and isinstance(node, dict):
            label = node.get("code") or node.get("id") or node.get("name")
            if label is not None:
                found = str(label)
    return found


def _rule(
    raw: Any, loc: tuple[Any, ...], rule_of: Callable[[Any, tuple[Any, ...]], str | None] | None
) -> str | None:
    """The kind's name for the rule at LOC, else the innermost listed entry's (``rule_at``)."""
    return (rule_of(raw, loc) if rule_of else None) or rule_at(raw, loc)


def validation_error(
    path: Path,
    raw: Any,
    exc: ValidationError,
    rule_of: Callable[[Any, tuple[Any, ...]], str | None] | None = None,
) -> RulePackError:
    """Return the first error of EXC as a RulePackError naming file:line, the rule and why."""
    error = exc.errors()[0]
    loc = tuple(error["loc"])
    rule = _rule(raw, loc, rule_of)
    where = ".".join(str(part) for part in loc) or "file"
    if error["type"] == "extra_forbidden":
        message = f"unknown field '{loc[-1]}' (at {where})"
    elif error["type"] == "missing":
        message = f"'{loc[-1]}' is missing (at {where})"
        return RulePackError(path, message, line=line_of(raw, loc[:-1]), rule=rule)
    else:
        text = str(error["msg"]).removeprefix("Value error, ")
        message = f"{where}: {text}"
    return RulePackError(path, message, line=line_of(raw, loc), rule=rule)


def load_file(
    path: Path,
    model: type[M],
    *,
    what: str = "a rule pack",
    rule_of: Callable[[Any, tuple[Any, ...]], str | None] | None = None,
    context: dict[str, Any] | None = None,
) -> tuple[M, Any]:
    """Read, validate and resolve the citations of one pack file; return (pack, raw YAML).

    WHAT names the kind in the error a file that is not a mapping gets.
    """
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise RulePackError(
            path,
            f"{what} is a mapping: id, title, version, effective_from, source, … (rules/README.md)",
        )
    try:
        pack = model.model_validate(raw, context=context)
    except ValidationError as exc:
        raise validation_error(path, raw, exc, rule_of) from None
    check_citations(path, raw, pack, pack.effective_from, pack.effective_to, rule_of)
    return pack, raw


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


# --------------------------------------------------------------------------- kinds and registry


@dataclass(frozen=True)
class ExampleResult:
    file: str
    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class Folder:
    """The packs of one kind's folder, as the kind's ``load_folder`` returns them."""

    packs: tuple[Any, ...]


@dataclass(frozen=True)
class PackKind:
    folder: str  # the folder under rules/
    title: str
    run_examples: Callable[[Path], list[ExampleResult]]  # load one file and run its examples
    load: Callable[[Path], Any] | None = None  # one file -> its pack (with the header fields)
    # Every file of the folder -> an object with ``.packs`` (checks that need all the files).
    load_folder: Callable[[list[Path]], Any] | None = None
    count_rules: Callable[[Any], int] = lambda pack: len(getattr(pack, "rules", ()))


_KINDS: dict[str, PackKind] = {}


def register(kind: PackKind) -> None:
    _KINDS[kind.folder] = kind


def registered_kinds() -> dict[str, PackKind]:
    return dict(_KINDS)


def _rules_dir(rules_dir: Path | str | None) -> Path:
    if rules_dir is None:
        from django.conf import settings

        rules_dir = settings.RULES_DIR
    return Path(rules_dir)


Stamp = tuple[tuple[str, int, int], ...]


def _scan(directory: str) -> list[tuple[str, int, int]]:
    """(path, mtime_ns, size) of every *.yaml under DIRECTORY, subfolders included (unsorted)."""
    found: list[tuple[str, int, int]] = []
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return found
    for entry in entries:
        if entry.is_dir():
            found.extend(_scan(entry.path))
        elif entry.name.endswith(".yaml"):
            stat = entry.stat()
            found.append((entry.path, stat.st_mtime_ns, stat.st_size))
    return found


class Registry:
    """Every kind's packs, loaded once per process and again when a file of the folder changes.

    The one reload policy (ADR 0013): each access compares the folder's files, subfolders
    included (names, sizes, modification times), with those it loaded; any difference reloads
    the whole folder, so an edited, added or removed file is seen by the next request, the next
    scan and the next test.
    ``reload()`` forgets everything (for tests that change the resolver or the law data).
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, Path], tuple[Stamp, Any]] = {}

    def folder(self, kind: str, rules_dir: Path | str | None = None) -> Any:
        """Return what KIND's ``load_folder`` makes of RULES_DIR/<kind>/*.yaml (cached)."""
        spec = _KINDS.get(kind)
        if spec is None:
            raise KeyError(f"no pack kind {kind!r} is registered ({', '.join(sorted(_KINDS))})")
        directory = _rules_dir(rules_dir) / spec.folder
        # Files in subfolders (discretion's general/general.yaml) are read by the kind's own
        # loader, not listed as packs, but a change to them reloads the folder too.
        stamp = tuple(sorted(_scan(str(directory))))
        cached = self._cache.get((kind, directory))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        top = str(directory)
        paths = [Path(name) for name, _mtime, _size in stamp if os.path.dirname(name) == top]
        if spec.load_folder is not None:
            loaded = spec.load_folder(paths)
        elif spec.load is not None:
            loaded = Folder(tuple(spec.load(path) for path in paths))
        else:
            raise KeyError(f"pack kind {kind!r} has no loader")
        self._cache[(kind, directory)] = (stamp, loaded)
        return loaded

    def packs(self, kind: str, rules_dir: Path | str | None = None) -> tuple[Any, ...]:
        """Every pack of KIND, in file order."""
        return tuple(self.folder(kind, rules_dir).packs)

    def in_force(
        self, kind: str, day: dt.date, rules_dir: Path | str | None = None
    ) -> tuple[Any, ...]:
        """The packs of KIND with effective_from ≤ DAY ≤ effective_to (no end: still in force)."""
        return tuple(p for p in self.packs(kind, rules_dir) if _in_force(p, day))

    def reload(self) -> None:
        self._cache.clear()


def _in_force(pack: Any, day: dt.date) -> bool:
    return pack.effective_from <= day and (pack.effective_to is None or day <= pack.effective_to)


registry = Registry()


def reload() -> None:
    """Forget every loaded pack: the next access reads the files again."""
    registry.reload()


# --------------------------------------------------------------------------- fazhi rules test


@dataclass
class KindCount:
    """What ``fazhi rules test`` found in one kind's folder."""

    title: str = ""
    files: int = 0
    rules: int = 0
    citations: int = 0  # resolved against the law data (0 when no resolver is registered)
    passed: int = 0
    failed: int = 0
    errors: int = 0


@dataclass
class TestRun:
    results: list[ExampleResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    kinds: dict[str, KindCount] = field(default_factory=dict)

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
    """Load every file of every registered kind under RULES_DIR and run its examples."""
    run = TestRun()
    for folder, kind in sorted(_KINDS.items()):
        count = run.kinds.setdefault(folder, KindCount(title=kind.title))
        directory = Path(rules_dir) / folder
        files = sorted(directory.glob("*.yaml")) if directory.exists() else []
        for path in files:
            count.files += 1
            try:
                if kind.load is not None:
                    count.rules += kind.count_rules(kind.load(path))
                    count.citations += _CITED.get(path, 0)
                results = kind.run_examples(path)
            except RulePackError as exc:
                run.errors.append(str(exc))
                count.errors += 1
                continue
            run.results.extend(results)
            count.passed += sum(r.passed for r in results)
            count.failed += sum(not r.passed for r in results)
        if files and (kind.load_folder is not None) and not count.errors:
            try:  # what needs every file: codes unique across files, versions that do not overlap
                kind.load_folder(files)
            except RulePackError as exc:
                run.errors.append(str(exc))
                count.errors += 1
    return run

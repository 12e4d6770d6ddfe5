"""Decide many cases at once, column-wise: the engine's rules applied to whole numpy columns.

``decide`` (fazhi.discretion.engine) answers one case; an audit or a simulation asks the same
question for a million. ``evaluate`` takes the facts of N cases as columns (one numpy array per
fact) and applies each rule once to the whole column — the tier conditions, the limitation
period, the general rules (不予处罚, 首违不罚, 减轻, 从轻, 从重, 不执行拘留), the ranges and
从旧兼从轻 — with no Python loop per case. ``decide`` is the reference and this module its twin,
kept for speed (ADR 0016): it agrees with ``decide`` case by case, which
fazhi/discretion/tests/test_batch.py proves with hypothesis on generated facts, ages and dates of
every pack (a difference is a bug here, not in the engine)::

    from fazhi.discretion.batch import evaluate

    result = evaluate(
        np.array(["za.beat", "za.property"]),
        {"harm": np.array(["minor", "minor"]), "injury": np.array(["minor", None], dtype=object),
         "amount": np.array([np.nan, 800.0]),
         "offender_birth_date": np.array(["1990-01-01", "1985-05-05"], dtype="datetime64[D]")},
        act_date=np.datetime64("2025-03-01"), decision_date=np.datetime64("2025-03-20"),
    )
    result.outcome      # int8: PENALTY (1), NO_PENALTY (0) or ERROR (-1, decide would raise)
    result.fine_min     # int64 yuan, -1 where the recommendation has no fine

How a column says what a case's fact is (an absent value means "not given", as a missing key
does for ``decide``):

==========  ===================================================  =====================
fact type   column                                               not given
==========  ===================================================  =====================
bool        bool array, or int8 (1/0)                            -1 (int8 only)
int         integer array                                        -1
decimal     float64 yuan, to the fen (0.01 yuan)                 NaN
date        datetime64[D] (or ISO strings)                       NaT
enum        str / object array of the choices, or a Categorical  None or "" (code -1)
==========  ===================================================  =====================

OFFENCES may be a ``Categorical`` too: the fast form of a column of a few distinct strings.

A column that is missing altogether is "not given" for every case. Amounts are compared in fen
(integers), so they must have at most two decimal places — the way money is recorded.
A value outside its domain (an enum value that is not a choice, a negative number) makes the
case ERROR, as ``decide`` raises ``InvalidFacts``; so do the other refusals of ``decide``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import reduce
from typing import Any, cast

import numpy as np

from fazhi.discretion.packs import (
    DERIVED_FACTS,
    FLOORS,
    KIND_SEVERITY,
    Amount,
    Fact,
    Library,
    Offence,
    Pack,
    PenaltyRule,
    Rule,
    has_minimum,
    load_library,
)

ERROR, NO_PENALTY, PENALTY = -1, 0, 1
# Modes of the warning / fine / detention columns.
ABSENT, REQUIRED, OPTIONAL, ALTERNATIVE = -1, 0, 1, 2
MODES = {"required": REQUIRED, "optional": OPTIONAL, "alternative": ALTERNATIVE}
MODE_NAMES = {REQUIRED: "required", OPTIONAL: "optional", ALTERNATIVE: "alternative"}
# Comparison of the versions (从旧兼从轻): which was lighter.
NO_COMPARISON, ACT, DECISION, EQUAL = -1, 0, 1, 2
LIGHTER_NAMES = {ACT: "act", DECISION: "decision", EQUAL: "equal"}
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Categorical:
    """A column of a few distinct strings held as codes: ``categories[codes[i]]``, -1 = none.

    The fast form of an enum column or of the offence codes (as pandas holds categoricals):
    nothing is compared string by string.
    """

    codes: np.ndarray
    categories: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, rows: Any) -> Categorical:
        return Categorical(self.codes[rows], self.categories)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.codes.shape


Env = dict[str, tuple[np.ndarray, np.ndarray]]  # fact -> (values, given)
Vector = Callable[[Env, int], np.ndarray]


@dataclass
class BatchResult:
    """The recommendation for each of N cases, one array per field (see the module docstring).

    ``pack`` indexes ``library.packs`` (the version applied), ``tier`` the offence's tiers in
    that pack (-1: no tier, e.g. the limitation expired). ``*_min``/``*_max`` are yuan or days,
    -1 where the recommendation has no such penalty; ``*_mode`` is REQUIRED, OPTIONAL,
    ALTERNATIVE or ABSENT. ``detention_executable`` is 1, 0 (不执行) or -1 (no detention).
    """

    outcome: np.ndarray
    pack: np.ndarray
    tier: np.ndarray
    discretionary: np.ndarray
    limitation_expired: np.ndarray
    unverified: np.ndarray
    warning_mode: np.ndarray
    fine_min: np.ndarray
    fine_max: np.ndarray
    fine_mode: np.ndarray
    detention_min: np.ndarray
    detention_max: np.ndarray
    detention_mode: np.ndarray
    detention_executable: np.ndarray
    lighter: np.ndarray

    def __len__(self) -> int:
        return len(self.outcome)

    def row(self, index: int, code: str, library: Library | None = None) -> dict[str, Any]:
        """Return case INDEX (of offence CODE) as a plain dict, to compare with ``decide``."""
        lib = library or load_library()
        outcome = int(self.outcome[index])
        if outcome == ERROR:
            return {"outcome": "error"}
        pack = lib.packs[int(self.pack[index])]
        row: dict[str, Any] = {
            "outcome": "penalty" if outcome == PENALTY else "no_penalty",
            "version_applied": pack.version,
            "tier": tier_name(lib, int(self.pack[index]), code, int(self.tier[index])),
            "discretionary": bool(self.discretionary[index]),
            "limitation_expired": bool(self.limitation_expired[index]),
            "unverified": bool(self.unverified[index]),
            "detention_executable": _executable(int(self.detention_executable[index])),
            "lighter": LIGHTER_NAMES.get(int(self.lighter[index])),
        }
        for kind in ("warning", "fine", "detention"):
            mode = int(getattr(self, f"{kind}_mode")[index])
            if mode == ABSENT:
                row[kind] = None
            elif kind == "warning":
                row[kind] = {"mode": MODE_NAMES[mode]}
            else:
                row[kind] = {
                    "min": int(getattr(self, f"{kind}_min")[index]),
                    "max": int(getattr(self, f"{kind}_max")[index]),
                    "mode": MODE_NAMES[mode],
                }
        return row


def _executable(code: int) -> bool | None:
    return None if code < 0 else bool(code)


def decision_row(decision: Any) -> dict[str, Any]:
    """Return an engine ``Decision`` in the shape of ``BatchResult.row`` (for comparisons)."""
    row: dict[str, Any] = {
        "outcome": decision.outcome,
        "version_applied": decision.version_applied,
        "tier": decision.tier,
        "discretionary": decision.discretionary,
        "limitation_expired": decision.limitation_expired,
        "unverified": decision.unverified,
        "detention_executable": decision.detention_executable,
        "lighter": decision.comparison.lighter if decision.comparison else None,
    }
    for kind in ("warning", "fine", "detention"):
        found = next((p for p in decision.penalties if p.kind == kind), None)
        if found is None:
            row[kind] = None
        elif kind == "warning":
            row[kind] = {"mode": found.mode}
        else:
            row[kind] = {"min": found.min, "max": found.max, "mode": found.mode}
    return row


# --------------------------------------------------------------------------- dates


def _days(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (days since 1970-01-01 as int64, given) of a date column."""
    dates = np.asarray(column)
    if dates.dtype.kind in "UO":
        dates = np.array([v if v not in (None, "") else "NaT" for v in dates], dtype="M8[D]")
    dates = dates.astype("M8[D]", copy=False)
    given = ~np.isnat(dates)
    return np.where(given, dates.view(np.int64), 0), given


def _add_months_direct(days: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    dates = days.astype("M8[D]")
    month = dates.astype("M8[M]")
    day = (dates - month.astype("M8[D]")).astype(np.int64)  # 0-based day of month
    target = month + np.asarray(months).astype("m8[M]")
    start = target.astype("M8[D]")
    length = ((target + np.timedelta64(1, "M")).astype("M8[D]") - start).astype(np.int64)
    added: np.ndarray = (start + np.minimum(day, length - 1).astype("m8[D]")).view(np.int64)
    return added


def _by_table(days: np.ndarray, compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Return COMPUTE(DAYS), computed once per distinct day of the column's span."""
    if len(days) < 4096:
        return compute(days)
    low, high = int(days.min()), int(days.max())
    if high - low > len(days):
        return compute(days)
    table = compute(np.arange(low, high + 1, dtype=np.int64))
    looked_up: np.ndarray = table[days - low]
    return looked_up


def add_months(days: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    """Return DAYS (int64 since the epoch) moved by MONTHS, clamped to the month's last day.

    The column form of ``fazhi.discretion.conditions.add_months``.
    """
    if np.ndim(months) == 0:
        return _by_table(days, lambda d: _add_months_direct(d, int(months)))
    return _add_months_direct(days, months)


def _ymd_direct(days: np.ndarray) -> np.ndarray:
    dates = days.astype("M8[D]")
    year = dates.astype("M8[Y]").view(np.int64) + 1970
    month = dates.astype("M8[M]")
    month_of_year = month.view(np.int64) % 12 + 1
    day = (dates - month.astype("M8[D]")).view(np.int64) + 1
    numbers: np.ndarray = year * 10_000 + month_of_year * 100 + day
    return numbers


def _age(birth: np.ndarray, act: np.ndarray) -> np.ndarray:
    """Return the 周岁 on ACT of people born on BIRTH (days since the epoch).

    The column form of ``fazhi.core.age.age_on``: N full years from the day after the Nth
    birthday (法释〔2006〕1号 第二条, ADR 0015).
    """
    born = _by_table(birth, _ymd_direct)
    acted = _by_table(act, _ymd_direct)
    years = acted // 10_000 - born // 10_000 - (acted % 10_000 <= born % 10_000)
    ages: np.ndarray = np.maximum(years, 0)
    return ages


# --------------------------------------------------------------------------- conditions


def _cents(value: Any) -> Decimal:
    return Decimal(str(value)) * 100


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding="ROUND_CEILING"))


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding="ROUND_FLOOR"))


def compile_vector(node: Any, types: Mapping[str, Any]) -> Vector:
    """Return the column form of a pack condition: env, n -> bool array (see conditions.py).

    TYPES maps a fact name to its type ("bool", "int", "decimal", "date", "enum") and choices.
    The pack loader has checked NODE already; the semantics are those of ``compile_condition``:
    a comparison with a fact that was not given is false, ``not`` of it true.
    """
    if node == "always" or node is True:
        return lambda env, n: np.ones(n, dtype=bool)
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        parts = [compile_vector(part, types) for part in node[key]]
        combine = np.logical_and if key == "all" else np.logical_or
        return lambda env, n: reduce(combine, (part(env, n) for part in parts))
    if "not" in node:
        inner = compile_vector(node["not"], types)
        return lambda env, n: ~inner(env, n)
    name = node["fact"]
    op = next(key for key in node if key != "fact")
    raw = node[op]
    kind, choices = types[name]
    if op == "within_months_before_act":
        months = int(raw)

        def within(env: Env, n: int) -> np.ndarray:
            day, given = env[name]
            act, _ = env["act_date"]
            return given & (day <= act) & (act <= add_months(day, months))

        return within
    if op in ("in", "not_in"):
        members = np.array([_constant(kind, choices, item) for item in raw], dtype=np.int64)
        inside = op == "in"

        def member(env: Env, n: int) -> np.ndarray:
            values, given = env[name]
            found = np.isin(values, members)
            return given & (found if inside else ~found)

        return member
    if kind == "decimal":
        return _decimal_leaf(name, op, _cents(raw))
    value = _constant(kind, choices, raw)
    compare = {
        "eq": np.equal,
        "ne": np.not_equal,
        "lt": np.less,
        "lte": np.less_equal,
        "gt": np.greater,
        "gte": np.greater_equal,
    }[op]

    def leaf(env: Env, n: int) -> np.ndarray:
        values, given = env[name]
        return given & compare(values, value)

    return leaf


def _constant(kind: str, choices: tuple[str, ...], value: Any) -> int:
    if kind == "enum":
        return choices.index(value)
    if kind == "bool":
        return int(bool(value))
    if kind == "date":
        days: int = (value - EPOCH).days
        return days
    return int(value)


def _decimal_leaf(name: str, op: str, threshold: Decimal) -> Vector:
    """Compare an amount held in fen with THRESHOLD (in fen, maybe fractional) exactly."""
    whole = threshold == threshold.to_integral_value()
    if op in ("eq", "ne"):
        target = int(threshold) if whole else None

        def equal(env: Env, n: int) -> np.ndarray:
            values, given = env[name]
            same = values == target if target is not None else np.zeros(n, dtype=bool)
            result: np.ndarray = given & (same if op == "eq" else ~same)
            return result

        return equal
    bound = {
        "lt": (_ceil(threshold), np.less),
        "lte": (_floor(threshold), np.less_equal),
        "gt": (_floor(threshold), np.greater),
        "gte": (_ceil(threshold), np.greater_equal),
    }[op]

    def ordered(env: Env, n: int) -> np.ndarray:
        values, given = env[name]
        return given & bound[1](values, bound[0])

    return ordered


# --------------------------------------------------------------------------- compiled offences


@dataclass(frozen=True)
class _Penalty:
    rule: PenaltyRule
    when: Vector | None
    min_times: tuple[int, int] | None  # (p, q): amount = fact × p / q
    max_times: tuple[int, int] | None


@dataclass(frozen=True)
class _General:
    effect: str
    when: Vector
    flagged: bool  # the rule is unverified and not confirmed


@dataclass(frozen=True)
class _Version:
    """One offence in one pack, compiled for columns."""

    pack_index: int
    pack: Pack
    offence: Offence
    types: dict[str, tuple[str, tuple[str, ...]]]
    facts: dict[str, Fact]
    limitation_months: int
    extended_months: int | None
    extended_when: Vector | None
    limitation_flagged: bool
    tiers: tuple[Vector, ...]
    tier_flagged: tuple[bool, ...]
    offence_flagged: bool
    general: tuple[_General, ...]
    sources: dict[tuple[int, bool], tuple[tuple[_Penalty, ...], bool, bool]]
    # (tier, reduce) -> (penalties, below the minimum?, extra rule flagged?)


def _flag(rule: Rule, confirmed: frozenset[str] | set[str]) -> bool:
    return rule.unverified and rule.confirmation_key not in confirmed


def _ratio(amount: Amount) -> tuple[int, int] | None:
    if amount.of is None:
        return None
    return Decimal(amount.times or 0).as_integer_ratio()


def _compile(
    library: Library, pack: Pack, code: str, confirmed: frozenset[str] | set[str]
) -> _Version:
    offence = pack.offences[code]
    raw_offence = next(o for o in pack.raw["offences"] if o["code"] == code)
    types = {name: (f.type, f.choices) for name, f in offence.facts.items()}
    types.update({name: (t.type, ()) for name, t in DERIVED_FACTS.items()})

    def vec(node: Any) -> Vector:
        return compile_vector(node, types)

    def penalties(rules: tuple[PenaltyRule, ...], raw: list[Any]) -> tuple[_Penalty, ...]:
        return tuple(
            _Penalty(
                rule,
                vec(spec["when"]) if spec.get("when") is not None else None,
                _ratio(rule.min),
                _ratio(rule.max),
            )
            for rule, spec in zip(rules, raw, strict=True)
        )

    tier_penalties = [
        penalties(t.penalties, raw["penalties"])
        for t, raw in zip(offence.tiers, raw_offence["tiers"], strict=True)
    ]
    reduced = (
        penalties(offence.reduced, raw_offence["reduced"]["penalties"]) if offence.reduced else ()
    )
    sources = {}
    for tier in offence.tiers:
        sources[(tier.rank, False)] = (tier_penalties[tier.rank], False, False)
        if tier.reduce_to is not None and tier.reduce_to >= 0:
            lower = offence.tiers[tier.reduce_to]
            source = (tier_penalties[lower.rank], False, _flag(lower.rule, confirmed))
        elif tier.reduce_to is None and has_minimum(tier.penalties):
            source = (tier_penalties[tier.rank], True, False)
        else:
            source = (reduced, False, _flag(offence.reduced_rule, confirmed))
        sources[(tier.rank, True)] = source
    general = tuple(
        _General(g.effect, vec(g.when_node), _flag(g.rule, confirmed))
        for g in (*pack.general_rules, *offence.rules)
    )  # the general layer's rules (with the pack's extensions) included
    limitation = pack.limitation
    return _Version(
        pack_index=library.packs.index(pack),
        pack=pack,
        offence=offence,
        types=types,
        facts=offence.facts,
        limitation_months=limitation.months,
        extended_months=limitation.extended_months,
        extended_when=vec(limitation.extended_node) if limitation.extended_node else None,
        limitation_flagged=_flag(limitation.rule, confirmed),
        tiers=tuple(vec(raw["when"]) for raw in raw_offence["tiers"]),
        tier_flagged=tuple(_flag(t.rule, confirmed) for t in offence.tiers),
        offence_flagged=_flag(offence.rule, confirmed),
        general=general,
        sources=sources,
    )


_COMPILED: dict[tuple[int, str, str, frozenset[str]], _Version] = {}


def _version(
    library: Library, pack: Pack, code: str, confirmed: frozenset[str] | set[str]
) -> _Version:
    key = (id(library), pack.name, code, frozenset(confirmed))
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        found = _COMPILED[key] = _compile(library, pack, code, confirmed)
    return found


# --------------------------------------------------------------------------- one version


@dataclass
class _Out:
    """What one version decides for a set of rows (all arrays of the rows' length)."""

    error: np.ndarray
    outcome: np.ndarray
    tier: np.ndarray
    discretionary: np.ndarray
    expired: np.ndarray
    flagged: np.ndarray
    warning_mode: np.ndarray
    fine_min: np.ndarray
    fine_max: np.ndarray
    fine_mode: np.ndarray
    detention_min: np.ndarray
    detention_max: np.ndarray
    detention_mode: np.ndarray
    executable: np.ndarray
    severity: tuple[np.ndarray, ...]

    @classmethod
    def empty(cls, n: int) -> _Out:
        def ints(fill: int, dtype: type[np.generic] = np.int64) -> np.ndarray:
            return np.full(n, fill, dtype=dtype)

        return cls(
            error=np.zeros(n, dtype=bool),
            outcome=ints(NO_PENALTY, np.int8),
            tier=ints(-1, np.int16),
            discretionary=np.zeros(n, dtype=bool),
            expired=np.zeros(n, dtype=bool),
            flagged=np.zeros(n, dtype=bool),
            warning_mode=ints(ABSENT, np.int8),
            fine_min=ints(-1),
            fine_max=ints(-1),
            fine_mode=ints(ABSENT, np.int8),
            detention_min=ints(-1),
            detention_max=ints(-1),
            detention_mode=ints(ABSENT, np.int8),
            executable=ints(-1, np.int8),
            severity=tuple(ints(0) for _ in range(6)),
        )

    def put(self, rows: np.ndarray | slice, other: _Out) -> None:
        """Copy OTHER (of len(rows)) into these arrays at ROWS."""
        for f in fields(self):
            if f.name == "severity":
                for mine, theirs in zip(self.severity, other.severity, strict=True):
                    mine[rows] = theirs
            else:
                getattr(self, f.name)[rows] = getattr(other, f.name)

    def take(self, rows: np.ndarray) -> _Out:
        values = {f.name: getattr(self, f.name)[rows] for f in fields(self) if f.name != "severity"}
        return _Out(**values, severity=tuple(s[rows] for s in self.severity))


def _env(
    version: _Version, columns: Mapping[str, Any], n: int, act: np.ndarray
) -> tuple[Env, np.ndarray]:
    """Return the typed fact columns of VERSION (defaults applied) and the rows in error."""
    env: Env = {}
    error = np.zeros(n, dtype=bool)
    for name, fact in version.facts.items():
        if name in columns:
            values, given, bad = _typed(fact, columns[name], n)
            error |= bad
        else:
            values, given = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        if fact.required:
            error |= ~given
        elif fact.default is not None:
            values = np.where(given, values, _default(fact))
            given = np.ones(n, dtype=bool)
        env[name] = (values, given)
    birth, birth_given = env["offender_birth_date"]
    organisation = env["organisation"][0].astype(bool) & env["organisation"][1]
    error |= organisation & birth_given
    error |= ~organisation & ~birth_given
    error |= birth_given & (birth > act)
    env["age"] = (_age(birth, act), birth_given & ~organisation)
    discovered, discovered_given = env["discovered_on"]
    error |= discovered_given & (discovered < act)
    env["act_date"] = (act, np.ones(n, dtype=bool))
    return env, error


def _default(fact: Fact) -> int:
    if fact.type == "decimal":
        return int(_cents(fact.default))
    if fact.type == "date":
        days: int = (fact.default - EPOCH).days
        return days
    return _constant(fact.type, fact.choices, fact.default)


def _typed(fact: Fact, column: Any, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (values, given, invalid) of one input column as FACT's type."""
    data = column.codes if isinstance(column, Categorical) else np.asarray(column)
    if data.shape == ():
        data = np.full(n, data.item(), dtype=object if data.dtype.kind in "UO" else data.dtype)
    no = np.zeros(n, dtype=bool)
    if fact.type == "date":
        values, given = _days(data)
        return values, given, no
    if fact.type == "enum" and isinstance(column, Categorical):
        position = {choice: i for i, choice in enumerate(fact.choices)}
        lookup = np.array([position.get(c, -2) for c in column.categories] + [-1], dtype=np.int64)
        codes = column.codes
        values = np.where(codes >= -1, lookup[np.maximum(codes, -1)], -2)  # -1: not given
        return values, values >= 0, values == -2
    if fact.type == "enum":
        if data.dtype.kind not in "UO":
            raise TypeError(f"enum fact '{fact.name}' takes a column of strings")
        values = factorize(data, fact.choices)
        return values, values >= 0, values == -2
    if fact.type == "decimal":
        amounts = data.astype(np.float64)
        given = ~np.isnan(amounts)
        cents = np.rint(np.where(given, amounts, 0) * 100).astype(np.int64)
        return cents, given, given & (cents < 0)
    if data.dtype.kind == "b":
        return data.view(np.int8), np.ones(n, dtype=bool), no
    if data.dtype.kind == "U":
        raise TypeError(f"fact '{fact.name}' ({fact.type}) takes a numeric column")
    if data.dtype.kind == "O":  # Python values, None for "not given"
        numbers = np.array(data.tolist(), dtype=np.float64)
        data = np.where(np.isnan(numbers), -1, numbers)
    if fact.type == "bool":
        values = data.astype(np.int8, copy=False)
        return values, values >= 0, values > 1
    values = data.astype(np.int64, copy=False)
    return values, values >= 0, values < -1


def _factor(column: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Return (index of each value in VALUES, VALUES): one comparison per distinct value.

    A column holds a handful of distinct values (offence codes, enum choices); finding them
    from a sample and comparing the column with each is much cheaper than sorting it.
    """
    index = np.full(len(column), -1, dtype=np.int64)
    values: list[Any] = []
    pending = column[:: max(1, len(column) // 512)].tolist()
    while pending:
        for value in dict.fromkeys(pending):
            if value in values:
                continue
            index[column == value] = len(values)
            values.append(value)
        left = np.flatnonzero(index < 0)
        pending = column[left[:512]].tolist()
    return index, values


def factorize(column: np.ndarray, choices: tuple[str, ...] | list[str]) -> np.ndarray:
    """Return the index of each value of COLUMN in CHOICES: -1 for None or "", -2 for others."""
    index, values = _factor(column)
    position = {choice: i for i, choice in enumerate(choices)}
    lookup = np.array(
        [-1 if v is None or v == "" else position.get(v, -2) for v in values] or [-1],
        dtype=np.int64,
    )
    found: np.ndarray = lookup[index]
    return found


def _amount(
    rule_amount: Amount, ratio: tuple[int, int] | None, env: Env, n: int, *, upper: bool
) -> np.ndarray:
    if ratio is None:
        return np.full(n, rule_amount.const, dtype=np.int64)
    # _ratio gives a ratio only for a multiple of a fact: OF names the fact
    cents, given = env[cast(str, rule_amount.of)]
    scaled = np.where(given, cents, 0) * ratio[0]
    denominator = ratio[1] * 100
    if upper:
        return scaled // denominator
    return -((-scaled) // denominator)


class _Subset(dict[str, tuple[np.ndarray, np.ndarray]]):
    """The fact columns of ENV at ROWS, taken when a condition first reads them."""

    def __init__(self, env: Env, rows: np.ndarray) -> None:
        super().__init__()
        self.env = env
        self.rows = rows

    def __missing__(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        values, given = self.env[name]
        self[name] = found = (values[self.rows], given[self.rows])
        return found


def _run(version: _Version, env: Env, error: np.ndarray, n: int, act: np.ndarray) -> _Out:
    """Decide N rows under one version: the vector form of ``engine._evaluate``."""
    out = _Out.empty(n)
    out.error = error.copy()
    out.flagged |= version.offence_flagged
    alive = ~out.error
    discovered, discovered_given = env["discovered_on"]
    ends = add_months(act, version.limitation_months)
    if version.extended_when is not None and version.extended_months:
        extended = version.extended_when(env, n)
        ends = np.where(extended, add_months(act, version.extended_months), ends)
    out.flagged |= discovered_given & version.limitation_flagged
    out.expired = alive & discovered_given & (discovered > ends)
    alive &= ~out.expired

    holds = np.stack([tier(env, n) for tier in version.tiers])
    tier = np.argmax(holds, axis=0).astype(np.int16)
    out.tier = np.where(alive, tier, -1).astype(np.int16)
    env["tier_rank"] = (tier.astype(np.int64), np.ones(n, dtype=bool))
    for rank, flagged in enumerate(version.tier_flagged):
        if flagged:
            out.flagged |= alive & (tier == rank)

    flags = {
        name: np.zeros(n, dtype=bool)
        for name in ("reduce", "lighter", "heavier", "drop_detention", "detention_not_executed")
    }
    for general in version.general:
        hit = alive & general.when(env, n)
        if not hit.any():
            continue
        if general.flagged:
            out.flagged |= hit
        effect = general.effect
        if effect == "refuse":
            out.error |= hit
            alive &= ~hit
        elif effect in ("no_penalty", "may_no_penalty"):
            alive &= ~hit
            if effect == "may_no_penalty":
                out.discretionary |= hit
        elif effect in flags:
            flags[effect] |= hit
    out.tier = np.where(out.error, -1, out.tier).astype(np.int16)
    out.outcome = np.where(alive, PENALTY, NO_PENALTY).astype(np.int8)

    lighter = flags["lighter"] & ~flags["heavier"]
    heavier = flags["heavier"] & ~flags["lighter"]
    detention_max, fine_max, other, detention_need, fine_need = out.severity[1:]
    for (rank, reduce_), (source, below, extra_flag) in version.sources.items():
        rows = np.flatnonzero(alive & (tier == rank) & (flags["reduce"] == reduce_))
        if len(rows) == 0:
            continue
        m = len(rows)
        if extra_flag:
            out.flagged[rows] = True
        sub = _Subset(env, rows)
        drop = flags["drop_detention"][rows]
        light, heavy = lighter[rows], heavier[rows]
        included = []
        for penalty in source:
            take = np.ones(m, dtype=bool) if penalty.when is None else penalty.when(sub, m)
            if penalty.rule.kind == "detention":
                take = take & ~drop
            included.append(take)
        alternatives = sum(
            (t.astype(np.int64) for p, t in zip(source, included, strict=True)
             if p.rule.mode == "alternative"),
            np.zeros(m, dtype=np.int64),
        )  # fmt: skip
        for penalty, take in zip(source, included, strict=True):
            if not take.any():
                continue
            rule = penalty.rule
            at = rows[take]
            if rule.mode == "alternative":
                mode = np.where(alternatives[take] == 1, REQUIRED, ALTERNATIVE).astype(np.int8)
            else:
                mode = np.full(len(at), MODES[rule.mode], dtype=np.int8)
            if rule.kind in ("warning", "licence_revocation", "confiscation"):
                other[at] = np.maximum(other[at], KIND_SEVERITY[rule.kind])
                if rule.kind == "warning":
                    first = out.warning_mode[at] == ABSENT
                    out.warning_mode[at[first]] = mode[first]
                continue
            low = _amount(rule.min, penalty.min_times, sub, m, upper=False)[take]
            high = np.maximum(low, _amount(rule.max, penalty.max_times, sub, m, upper=True)[take])
            if below:
                floor = FLOORS[rule.kind]
                moved = low > floor
                high = np.where(moved, low - 1, high)
                low = np.where(moved, floor, low)
            half = (high - low) // 2
            low, high = (
                np.where(heavy[take], high - half, low),
                np.where(light[take], low + half, high),
            )
            required = mode == REQUIRED
            if rule.kind == "fine":
                top, need, first_mode = fine_max, fine_need, out.fine_mode
                lows, highs = out.fine_min, out.fine_max
            else:
                top, need, first_mode = detention_max, detention_need, out.detention_mode
                lows, highs = out.detention_min, out.detention_max
            top[at] = np.maximum(top[at], high)
            need[at[required]] = np.maximum(need[at[required]], low[required])
            first = first_mode[at] == ABSENT
            lows[at[first]], highs[at[first]] = low[first], high[first]
            first_mode[at[first]] = mode[first]
    has_detention = out.detention_mode != ABSENT
    out.executable = np.where(
        has_detention, (~flags["detention_not_executed"]).astype(np.int8), -1
    ).astype(np.int8)
    out.severity[0][:] = out.outcome == PENALTY
    return out


# --------------------------------------------------------------------------- many offences


def evaluate(
    offences: str | np.ndarray,
    facts: Mapping[str, Any],
    act_date: Any,
    decision_date: Any,
    *,
    confirmed: frozenset[str] | set[str] = frozenset(),
    library: Library | None = None,
) -> BatchResult:
    """Return the recommendation for each case: the column form of ``engine.decide``.

    OFFENCES is one offence code for all cases or an array of codes; FACTS maps fact names to
    columns (see the module docstring); ACT_DATE and DECISION_DATE are datetime64[D] columns
    or single days. Work is per offence and per rule, never per case. A fact name that no
    version of any of the offences declares raises ``ValueError`` (as ``decide`` would for
    every case).
    """
    lib = library or load_library()
    lengths = {len(c) for c in facts.values() if np.shape(c) != ()}
    if not isinstance(offences, str):
        lengths.add(len(offences))
    for day in (act_date, decision_date):
        if np.asarray(day).shape != ():
            lengths.add(len(np.asarray(day)))
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    n = lengths.pop() if lengths else 1
    act = np.broadcast_to(_days(np.atleast_1d(np.asarray(act_date, dtype="M8[D]")))[0], n)
    decided = np.broadcast_to(_days(np.atleast_1d(np.asarray(decision_date, dtype="M8[D]")))[0], n)
    codes = (
        Categorical(np.zeros(n, dtype=np.int64), (offences,))
        if isinstance(offences, str)
        else offences
    )
    result = _Out.empty(n)
    pack = np.full(n, -1, dtype=np.int16)
    lighter = np.full(n, NO_COMPARISON, dtype=np.int8)
    if isinstance(codes, Categorical):
        inverse, names = codes.codes, list(codes.categories)
    else:
        inverse, names = _factor(np.asarray(codes))
    known_anywhere: set[str] = set()
    for name in names:
        for version in lib.versions.get(str(name), ()):
            known_anywhere.update(version.offences[str(name)].facts)
    unknown = sorted(set(facts) - known_anywhere)
    if unknown:
        raise ValueError(f"unknown fact '{unknown[0]}' for offences {list(map(str, names))}")
    result.error[:] = True  # a case without an offence code stays an error
    for index, name in enumerate(names):
        if name is None or name == "":
            continue
        rows = np.flatnonzero(inverse == index)
        declared = {f for p in lib.versions.get(str(name), ()) for f in p.offences[str(name)].facts}
        sub = {k: _rows(v, rows) for k, v in facts.items() if k in declared}
        out, applied, compared = _offence(
            lib, str(name), sub, act[rows], decided[rows], len(rows), confirmed
        )
        result.put(rows, out)
        pack[rows] = applied
        lighter[rows] = compared
    outcome = np.where(result.error, ERROR, result.outcome).astype(np.int8)
    return BatchResult(
        outcome=outcome,
        pack=pack,
        tier=result.tier,
        discretionary=result.discretionary,
        limitation_expired=result.expired,
        unverified=result.flagged,
        warning_mode=result.warning_mode,
        fine_min=result.fine_min,
        fine_max=result.fine_max,
        fine_mode=result.fine_mode,
        detention_min=result.detention_min,
        detention_max=result.detention_max,
        detention_mode=result.detention_mode,
        detention_executable=result.executable,
        lighter=lighter,
    )


def _rows(column: Any, rows: np.ndarray) -> Any:
    if isinstance(column, Categorical):
        return column[rows]
    data = np.asarray(column)
    return data if data.shape == () else data[rows]


def _lighter_than(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> np.ndarray:
    """Return where severity A < severity B (lexicographic, column-wise)."""
    less = np.zeros(len(a[0]), dtype=bool)
    equal = np.ones(len(a[0]), dtype=bool)
    for x, y in zip(a, b, strict=True):
        less |= equal & (x < y)
        equal &= x == y
    return less


def _offence(
    lib: Library,
    code: str,
    facts: Mapping[str, Any],
    act: np.ndarray,
    decided: np.ndarray,
    n: int,
    confirmed: frozenset[str] | set[str],
) -> tuple[_Out, np.ndarray, np.ndarray]:
    """Decide N cases of one offence code under its series (the column form of ``decide``)."""
    applied = np.full(n, -1, dtype=np.int16)
    compared = np.full(n, NO_COMPARISON, dtype=np.int8)
    packs = lib.versions.get(code)
    if not packs:
        out = _Out.empty(n)
        out.error[:] = True
        return out, applied, compared
    series = lib.series[packs[0].series]
    indexes = np.array([lib.packs.index(p) for p in series], dtype=np.int16)
    act_pack = np.full(n, -1, dtype=np.int64)
    decision_pack = np.full(n, -1, dtype=np.int64)
    for position, member in enumerate(series):
        start = (member.effective_from - EPOCH).days
        end = (member.effective_to - EPOCH).days if member.effective_to else 10**9
        act_pack[(act >= start) & (act <= end)] = position
        decision_pack[(decided >= start) & (decided <= end)] = position
    refused = (decided < act) | (act_pack < 0)
    punishing = np.array([i for i, p in enumerate(series) if code in p.offences])
    live = ~refused
    in_act = live & np.isin(act_pack, punishing)
    same = in_act & ((decision_pack < 0) | (decision_pack == act_pack))
    cross = in_act & ~same
    in_decision = cross & np.isin(decision_pack, punishing)
    both = in_decision
    old = _Out.empty(n)
    new = _Out.empty(n) if both.any() else None
    for position, member in enumerate(series):
        if code not in member.offences:
            continue
        version = _version(lib, member, code, confirmed)
        for mask, target in (
            ((same | both) & (act_pack == position), old),
            (both & (decision_pack == position), new),
        ):
            if target is None or not mask.any():
                continue
            if mask.all():
                env, error = _env(version, facts, n, act)
                target.put(slice(None), _run(version, env, error, n, act))
                continue
            rows = np.flatnonzero(mask)
            sub = {k: _rows(v, rows) for k, v in facts.items()}
            env, error = _env(version, sub, len(rows), act[rows])
            target.put(rows, _run(version, env, error, len(rows), act[rows]))
    out = old  # the act-date version's result, where only it applies
    applied[same] = indexes[act_pack[same]]
    if new is not None:
        rows = np.flatnonzero(both)
        a, b = old.take(rows), new.take(rows)
        newer = _lighter_than(b.severity, a.severity)
        older = _lighter_than(a.severity, b.severity)
        merged = _Out.empty(len(rows))
        merged.put(np.flatnonzero(~newer), a.take(~newer))
        merged.put(np.flatnonzero(newer), b.take(newer))
        merged.error = a.error | b.error
        merged.flagged = a.flagged | b.flagged
        out.put(rows, merged)
        compared[rows] = np.where(newer, DECISION, np.where(older, ACT, EQUAL))
        applied[rows] = indexes[np.where(newer, decision_pack[rows], act_pack[rows])]
    # Not punished by the version in force at the act, or at the decision: 不予处罚
    # (行政处罚法 第三十七条); nothing is evaluated, as in engine._not_an_offence.
    for mask, pack_of in ((live & ~in_act, act_pack), (cross & ~in_decision, decision_pack)):
        if mask.any():
            out.put(np.flatnonzero(mask), _Out.empty(int(mask.sum())))
            applied[mask] = indexes[pack_of[mask]]
            out.flagged[mask] = np.array([p.unverified for p in series])[pack_of[mask]]
    if refused.any():
        out.put(np.flatnonzero(refused), _Out.empty(int(refused.sum())))
        out.error |= refused
    return out, applied, compared


def tier_name(library: Library, pack_index: int, code: str, tier: int) -> str | None:
    """Return the name of tier TIER of offence CODE in pack PACK_INDEX (None for -1)."""
    if tier < 0 or pack_index < 0:
        return None
    pack = library.packs[pack_index]
    offence = pack.offences.get(code)
    return offence.tiers[tier].name if offence else None

"""The condition language of the discretion packs: a small, safe vocabulary over facts (no eval).

A condition is written in YAML as one of::

    always                                   # true (a tier that holds for every case)
    {fact: amount, gte: 1000}                # compare one fact with a constant
    {fact: harm, in: [none, minor]}          # membership (enums, whole numbers)
    {fact: last_penalised_on, within_months_before_act: 6}   # dates only
    {all: [COND, COND, ...]}                 # and
    {any: [COND, COND, ...]}                 # or
    {not: COND}                              # negation

Operators: ``eq ne lt lte gt gte in not_in within_months_before_act``. A condition about a fact
that was not given (an organisation's age, an unknown discovery date) is false; ``not`` of it is
true. ``compile_condition`` checks every fact name, operator and value against the declared facts
and returns a predicate (a closure over a ``dict`` of fact values); ``representatives`` returns,
for the facts a set of conditions reads, the finite set of values that decides every one of them,
which lets the loader prove that the tiers of an offence neither overlap nor leave a gap.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
ORDERED = {"lt", "lte", "gt", "gte"}
OPERATORS = (*COMPARISONS, "in", "not_in", "within_months_before_act")
FACT_TYPES = ("bool", "int", "decimal", "date", "enum")


class ConditionError(ValueError):
    """A condition that cannot be compiled; ``loc`` is the path inside the condition."""

    def __init__(self, message: str, loc: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass(frozen=True, slots=True)
class FactType:
    """What the condition compiler needs to know about a fact."""

    name: str
    type: str  # one of FACT_TYPES
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Comparison:
    """One ``{fact: F, OP: V}`` leaf, kept so the loader can enumerate the facts' thresholds."""

    fact: str
    op: str
    value: Any


def add_months(day: dt.date, months: int) -> dt.date:
    """Return DAY moved by MONTHS calendar months, clamped to the month's last day.

    >>> add_months(dt.date(2025, 8, 31), 6)
    datetime.date(2026, 2, 28)
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _value_for(fact: FactType, value: Any, loc: tuple[Any, ...]) -> Any:
    """Return VALUE as the fact's type, or raise naming the fact and the value."""
    wrong = ConditionError(
        f"fact '{fact.name}' is {fact.type}; {value!r} is not a {fact.type} value", loc
    )
    if fact.type == "bool":
        if not isinstance(value, bool):
            raise wrong
        return value
    if fact.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong
        return value
    if fact.type == "decimal":
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise wrong
        try:
            return Decimal(str(value))
        except ArithmeticError:
            raise wrong from None
    if fact.type == "date":
        if isinstance(value, dt.date):
            return value
        raise wrong
    if fact.type == "enum":
        if value not in fact.choices:
            raise ConditionError(
                f"fact '{fact.name}' has the choices {list(fact.choices)}; {value!r} is not one",
                loc,
            )
        return value
    raise wrong  # pragma: no cover


def compile_condition(
    node: Any,
    facts: dict[str, FactType],
    *,
    leaves: list[Comparison] | None = None,
    loc: tuple[Any, ...] = (),
) -> Predicate:
    """Return the predicate NODE describes over FACTS; append its leaves to LEAVES if given."""
    if node == "always" or node is True:
        return _always
    if not isinstance(node, dict) or not node:
        raise ConditionError(
            f"a condition is 'always', {{fact: …, op: …}}, {{all: […]}}, {{any: […]}} or "
            f"{{not: …}}, not {node!r}",
            loc,
        )
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        if set(node) != {key}:
            raise ConditionError(
                f"'{key}' stands alone; found also {sorted(set(node) - {key})}", loc
            )
        parts = node[key]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"'{key}' takes a non-empty list of conditions", loc)
        compiled = tuple(
            compile_condition(part, facts, leaves=leaves, loc=(*loc, key, index))
            for index, part in enumerate(parts)
        )
        return _all(compiled) if key == "all" else _any(compiled)
    if "not" in node:
        if set(node) != {"not"}:
            raise ConditionError(
                f"'not' stands alone; found also {sorted(set(node) - {'not'})}", loc
            )
        inner = compile_condition(node["not"], facts, leaves=leaves, loc=(*loc, "not"))
        return lambda values: not inner(values)
    return _compile_leaf(node, facts, leaves, loc)


def _always(values: dict[str, Any]) -> bool:
    return True


def _all(parts: tuple[Predicate, ...]) -> Predicate:
    return lambda values: all(part(values) for part in parts)


def _any(parts: tuple[Predicate, ...]) -> Predicate:
    return lambda values: any(part(values) for part in parts)


def _compile_leaf(
    node: dict[str, Any],
    facts: dict[str, FactType],
    leaves: list[Comparison] | None,
    loc: tuple[Any, ...],
) -> Predicate:
    if "fact" not in node:
        raise ConditionError(
            f"unknown condition keys {sorted(node)}: expected 'fact' and an operator", loc
        )
    name = node["fact"]
    if name not in facts:
        raise ConditionError(f"unknown fact '{name}'; known facts: {sorted(facts)}", loc)
    fact = facts[name]
    ops = [key for key in node if key != "fact"]
    unknown = [key for key in ops if key not in OPERATORS]
    if unknown or len(ops) != 1:
        raise ConditionError(
            f"a fact condition has exactly one operator of {list(OPERATORS)}; found {ops}", loc
        )
    op = ops[0]
    raw = node[op]
    if op == "within_months_before_act":
        if fact.type != "date":
            raise ConditionError(f"'{op}' applies to dates; fact '{name}' is {fact.type}", loc)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise ConditionError(f"'{op}' takes a whole number of months ≥ 1, not {raw!r}", loc)
        months = raw

        def within(values: dict[str, Any]) -> bool:
            day, act = values.get(name), values.get("act_date")
            return day is not None and act is not None and day <= act <= add_months(day, months)

        if leaves is not None:
            leaves.append(Comparison(name, op, months))
        return within
    if op in ("in", "not_in"):
        if fact.type not in ("enum", "int"):
            raise ConditionError(
                f"'{op}' applies to enum or int facts; '{name}' is {fact.type}", loc
            )
        if not isinstance(raw, list) or not raw:
            raise ConditionError(f"'{op}' takes a non-empty list, not {raw!r}", loc)
        members = frozenset(_value_for(fact, item, (*loc, op)) for item in raw)
        if leaves is not None:
            leaves.extend(Comparison(name, "eq", item) for item in members)
        if op == "in":
            return lambda values: values.get(name) in members
        return lambda values: values.get(name) is not None and values.get(name) not in members
    if op in ORDERED and fact.type in ("bool", "enum"):
        raise ConditionError(f"'{op}' does not apply to {fact.type} fact '{name}'", loc)
    value = _value_for(fact, raw, (*loc, op))
    compare = COMPARISONS[op]
    if leaves is not None:
        leaves.append(Comparison(name, op, value))

    def leaf(values: dict[str, Any]) -> bool:
        actual = values.get(name)
        return actual is not None and compare(actual, value)

    return leaf


def representatives(fact: FactType, comparisons: Iterable[Comparison]) -> list[Any]:
    """Return values of FACT that, together, take every outcome the COMPARISONS can give.

    Numbers are never negative (facts are amounts and counts). For numbers, the thresholds
    themselves, a value between each two, and one beyond each end decide every comparison.
    """
    if fact.type == "bool":
        return [False, True]
    if fact.type == "enum":
        return list(fact.choices)
    thresholds = sorted({c.value for c in comparisons if c.fact == fact.name})
    if fact.type == "int":
        points = {0}
        for t in thresholds:
            points.update({t - 1, t, t + 1})
        return sorted(p for p in points if p >= 0)
    if fact.type == "decimal":
        points_d: set[Decimal] = {Decimal(0)}
        for t in thresholds:
            points_d.add(t)
            points_d.add(t + 1)
        for low, high in itertools.pairwise(thresholds):
            points_d.add((low + high) / 2)
        if thresholds and thresholds[0] > 0:
            points_d.add(thresholds[0] / 2)
        return sorted(p for p in points_d if p >= 0)
    raise ConditionError(f"tier conditions cannot read the {fact.type} fact '{fact.name}'")

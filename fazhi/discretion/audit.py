"""Re-evaluate every decided case set-wise and show where like cases got unlike penalties.

``run_audit(reviews)`` reads the current decisions (``DecisionReview``, one row per decided
case whose offence is known) with one query into columns, re-decides them all with the column
evaluator (fazhi.discretion.batch) under today's packs and confirmations, and groups them per
unit and offence: how many, how many outside the recommended range, and per tier (like facts:
same offence, same tier) the spread of the fines imposed — min, median, max, standard
deviation. ``fazhi discretion audit`` prints it; /discretion/audit/ shows it, each number
linking to the cases behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from fazhi.discretion import batch
from fazhi.discretion.batch import ABSENT, ALTERNATIVE, ERROR, PENALTY, REQUIRED
from fazhi.discretion.confirmations import confirmed_rule_keys
from fazhi.discretion.models import DecisionReview
from fazhi.discretion.packs import Library, load_library


@dataclass(frozen=True)
class Spread:
    """The fines imposed in one tier (like facts) of one offence at one unit."""

    tier: str
    count: int
    fined: int
    min: float | None
    median: float | None
    max: float | None
    stddev: float | None


@dataclass
class AuditRow:
    unit_id: int
    offence_code: str
    count: int
    outside: int
    not_evaluable: int
    spreads: list[Spread] = field(default_factory=list)
    unit_name: str = ""
    offence_name: str = ""


@dataclass
class Audit:
    """The report, and per review the columns behind it (to list the cases behind a number)."""

    rows: list[AuditRow]
    total: int
    outside: int
    ids: np.ndarray  # review ids
    units: np.ndarray
    codes: np.ndarray
    tiers: np.ndarray  # index into tier_labels
    tier_labels: np.ndarray
    inside: np.ndarray
    evaluable: np.ndarray

    def review_ids(
        self, *, unit: int, offence: str, tier: str | None = None, outside: bool = False
    ) -> list[int]:
        """Return the ids of the reviews behind one number of the report."""
        mask = (self.units == unit) & (self.codes == offence)
        if tier is not None:
            mask &= self.tier_labels[self.tiers] == tier
        if outside:
            mask &= ~self.inside & self.evaluable
        ids: list[int] = self.ids[mask].tolist()
        return ids


def within_columns(
    result: batch.BatchResult,
    penalised: np.ndarray,
    warning: np.ndarray,
    fine: np.ndarray,
    detention: np.ndarray,
) -> np.ndarray:
    """Return, per case, whether the decision lies in the recommendation (column form of
    ``fazhi.discretion.review.within_range``; the same rules, case by case)."""
    recommended = result.outcome == PENALTY
    inside_no_penalty = ~recommended & (~penalised | result.discretionary)
    ok = penalised.copy()
    alternatives_exist = np.zeros(len(fine), dtype=bool)
    alternative_imposed = np.zeros(len(fine), dtype=bool)
    for mode, low, high, amount in (
        (result.warning_mode, None, None, warning.astype(np.float64)),
        (result.fine_mode, result.fine_min, result.fine_max, fine),
        (result.detention_mode, result.detention_min, result.detention_max, detention),
    ):
        imposed = amount > 0
        ok &= ~((mode == ABSENT) & imposed)
        if low is not None and high is not None:  # the bounds come in pairs
            ok &= ~((mode != ABSENT) & imposed & ((amount < low) | (amount > high)))
        ok &= ~((mode == REQUIRED) & ~imposed)
        alternatives_exist |= mode == ALTERNATIVE
        alternative_imposed |= (mode == ALTERNATIVE) & imposed
    ok &= ~alternatives_exist | alternative_imposed
    inside: np.ndarray = np.where(recommended, ok, inside_no_penalty) & (result.outcome != ERROR)
    return inside


def _facts_of(library: Library, codes: list[str]) -> dict[str, tuple[str, tuple[str, ...], Any]]:
    """Return every fact the offences' versions declare: (type, choices of all versions, default)."""
    found: dict[str, tuple[str, tuple[str, ...], Any]] = {}
    for code in codes:
        for pack in library.versions.get(code, ()):
            for name, fact in pack.offences[code].facts.items():
                if name == "act_date":
                    continue
                known = found.get(name)
                choices = set(known[1] if known else ()) | set(fact.choices)
                default = fact.default if known is None or known[2] == fact.default else "mixed"
                found[name] = (fact.type, tuple(sorted(choices)), default)
    return found


class _Dialect:
    """SQL that turns one JSON fact into a number, so that the database does the parsing and
    Python receives a few integers per case (not a JSON text to parse)."""

    def __init__(self, vendor: str, column: str) -> None:
        self.vendor = vendor
        self.column = column

    def text(self, name: str) -> str:
        if self.vendor == "postgresql":
            return f"({self.column} ->> '{name}')"
        return f"json_extract({self.column}, '$.\"{name}\"')"

    def equals(self, name: str, value: bool) -> str:
        if self.vendor == "postgresql":
            return f"{self.text(name)} = '{'true' if value else 'false'}'"
        return f"{self.text(name)} = {int(value)}"

    def days(self, sql: str) -> str:
        if self.vendor == "postgresql":
            return f"(({sql})::date - DATE '1970-01-01')"
        return f"CAST(julianday({sql}) - 2440587.5 AS INTEGER)"

    def number(self, name: str) -> str:
        value = self.text(name)
        return f"({value})::numeric" if self.vendor == "postgresql" else value


SMALL_BITS = 6  # a small code (enum choice, offence, flag) + 2 fits in 6 bits
SMALL_PER_COLUMN = 10


def _case(expression: str, choices: list[str] | tuple[str, ...], params: list[Any]) -> str:
    """Return SQL mapping EXPRESSION to its index in CHOICES plus 2; 1 when null, 0 otherwise."""
    whens = []
    for index, choice in enumerate(choices):
        whens.append(f"WHEN {expression} = %s THEN {index + 2}")
        params.append(choice)
    return f"(CASE WHEN {expression} IS NULL THEN 1 {' '.join(whens)} ELSE 0 END)"


def read_columns(reviews: QuerySet[DecisionReview], library: Library) -> dict[str, Any]:
    """Read the current reviews of REVIEWS into columns with one query (facts as columns).

    The database extracts each fact from the JSON and turns it into a number: a boolean with a
    default is one bit (set when it differs from the default), enum choices, the offence code
    and the decided outcome are small codes packed six bits each into one integer, dates are
    days since 1970-01-01 — so a million cases cost a dozen integers each to read.
    """
    current = reviews.filter(is_current=True)
    codes = sorted(current.order_by().values_list("offence_code", flat=True).distinct())
    facts = _facts_of(library, codes)
    connection = connections[reviews.db]
    quote = connection.ops.quote_name
    table = quote(DecisionReview._meta.db_table)
    dialect = _Dialect(connection.vendor, f"{table}.{quote('facts')}")
    # Booleans: one bit each — set when the value is not the default (absent = default).
    flags: list[tuple[str, str]] = []  # (name, meaning of a set bit)
    for name, (kind, _, default) in facts.items():
        if kind != "bool":
            continue
        if default in (False, True):
            flags.append((name, "true" if default is False else "false"))
        else:  # no default: "given" and "true" are separate bits
            flags.extend([(name, "given"), (name, "true")])
    bit_sql = []
    for index, (name, meaning) in enumerate(flags):
        if meaning == "given":
            test = f"{dialect.text(name)} IS NOT NULL"
        else:
            test = dialect.equals(name, meaning == "true")
        bit_sql.append(f"(CASE WHEN {test} THEN {1 << (index % 62)} ELSE 0 END)")
    raw: dict[str, tuple[str, list[Any]]] = {}
    for start in range(0, len(bit_sql), 62):
        raw[f"bits_{start // 62}"] = (" + ".join(bit_sql[start : start + 62]), [])
    # Small codes: the offence, the outcome decided, the warning, each enum fact.
    small: list[tuple[str, str, list[Any]]] = []
    params: list[Any] = []
    small.append(("offence", _case(f"{table}.{quote('offence_code')}", codes, params), params))
    penalised = f"(CASE WHEN {table}.{quote('decided_outcome')} = 'penalty' THEN 1 ELSE 0 END)"
    small.append(("penalised", penalised, []))
    small.append(
        ("warning", f"(CASE WHEN {table}.{quote('decided_warning')} THEN 1 ELSE 0 END)", [])
    )
    for name, (kind, choices, _) in facts.items():
        if kind == "enum":
            params = []
            small.append((name, _case(dialect.text(name), choices, params), params))
    for start in range(0, len(small), SMALL_PER_COLUMN):
        part = small[start : start + SMALL_PER_COLUMN]
        sql = " + ".join(f"({sql} * {1 << (SMALL_BITS * i)})" for i, (_, sql, _) in enumerate(part))
        raw[f"small_{start // SMALL_PER_COLUMN}"] = (sql, [p for *_, ps in part for p in ps])
    others = [n for n, (kind, _, _) in facts.items() if kind not in ("bool", "enum")]
    for index, name in enumerate(others):
        kind = facts[name][0]
        sql = dialect.days(dialect.text(name)) if kind == "date" else dialect.number(name)
        raw[f"f_{index}"] = (sql, [])
    raw["act"] = (dialect.days(f"{table}.{quote('act_on')}"), [])
    raw["decided"] = (dialect.days(f"{table}.{quote('decided_on')}"), [])
    # Fact names come from the packs (schema: ^[a-z][a-z0-9_]*$), values go in as parameters.
    annotations = {name: RawSQL(sql, ps) for name, (sql, ps) in raw.items()}  # noqa: S611
    fixed = ["id", "unit_id", "decided_fine", "decided_detention_days"]
    query = current.annotate(**annotations).values_list(*fixed, *annotations).order_by()
    sql, query_params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, query_params)
        rows = cursor.fetchall()
    names = [*fixed, *annotations]
    columns = dict(zip(names, zip(*rows, strict=True), strict=True)) if rows else {}

    def numbers(name: str, dtype: type[np.generic] = np.float64) -> np.ndarray:
        return np.array(columns.get(name, ()), dtype=dtype)

    def small_code(index: int) -> np.ndarray:
        packed = numbers(f"small_{index // SMALL_PER_COLUMN}", np.int64)
        shift = SMALL_BITS * (index % SMALL_PER_COLUMN)
        return ((packed >> shift) & ((1 << SMALL_BITS) - 1)) - 2  # -1 null, -2 unknown

    positions = {name: i for i, (name, _, _) in enumerate(small)}
    out: dict[str, Any] = {
        "id": numbers("id", np.int64),
        "unit_id": numbers("unit_id", np.int64),
        "fine": np.nan_to_num(numbers("decided_fine")),
        "detention": np.nan_to_num(numbers("decided_detention_days")),
        "penalised": small_code(positions["penalised"]) == -1,  # 1 - 2
        "warning": small_code(positions["warning"]) == -1,
        "act": numbers("act", np.int64).astype("M8[D]"),
        "decided": numbers("decided", np.int64).astype("M8[D]"),
        "offence": batch.Categorical(small_code(positions["offence"]), tuple(codes)),
    }
    fact_columns: dict[str, Any] = {}
    bits = {index: numbers(f"bits_{index}", np.int64) for index in range(len(raw))
            if f"bits_{index}" in raw}  # fmt: skip
    flag_at = {(name, meaning): i for i, (name, meaning) in enumerate(flags)}
    for name, (kind, choices, default) in facts.items():
        if kind == "bool":

            def bit(meaning: str, name: str = name) -> np.ndarray:
                i = flag_at[(name, meaning)]
                return (bits[i // 62] >> (i % 62)) & 1

            if (name, "given") in flag_at:
                fact_columns[name] = np.where(bit("given") == 1, bit("true"), -1).astype(np.int8)
            elif default is False:
                fact_columns[name] = bit("true").astype(np.int8)
            else:
                fact_columns[name] = (1 - bit("false")).astype(np.int8)
        elif kind == "enum":
            fact_columns[name] = batch.Categorical(small_code(positions[name]), choices)
    for index, name in enumerate(others):
        kind = facts[name][0]
        values = numbers(f"f_{index}")
        if kind == "date":
            dates = np.where(np.isnan(values), 0, values).astype(np.int64).astype("M8[D]")
            fact_columns[name] = np.where(np.isnan(values), np.datetime64("NaT"), dates)
        elif kind == "decimal":
            fact_columns[name] = values
        else:
            fact_columns[name] = np.where(np.isnan(values), -1, values).astype(np.int64)
    out["facts"] = fact_columns
    return out


def _dense(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (the distinct KEYS, sorted; each key's index among them) — np.unique for small
    integer keys, without sorting the column."""
    low = int(keys.min())
    shifted = keys - low
    present = np.bincount(shifted) > 0
    distinct = np.flatnonzero(present)
    lookup = np.full(len(present), -1, dtype=np.int64)
    lookup[distinct] = np.arange(len(distinct))
    return distinct + low, lookup[shifted]


def run_audit(
    reviews: QuerySet[DecisionReview] | None = None,
    *,
    library: Library | None = None,
    confirmed: frozenset[str] | None = None,
) -> Audit:
    """Re-evaluate REVIEWS (default: all) column-wise and group per unit, offence and tier."""
    lib = library or load_library()
    reviews = reviews if reviews is not None else DecisionReview.objects.all()
    data = read_columns(reviews, lib)
    ids = data["id"]
    n = len(ids)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Audit([], 0, 0, ids, empty, empty.astype(object), empty, np.array([""]),
                     empty.astype(bool), empty.astype(bool))  # fmt: skip
    offence = data["offence"]
    codes = np.array(offence.categories, dtype=object)[offence.codes]
    result = batch.evaluate(
        offence,
        data["facts"],
        data["act"],
        data["decided"],
        confirmed=confirmed if confirmed is not None else confirmed_rule_keys(),
        library=lib,
    )
    penalised, warning = data["penalised"], data["warning"]
    fine, detention = data["fine"], data["detention"]
    inside = within_columns(result, penalised, warning, fine, detention)
    evaluable = result.outcome != ERROR

    # One label per (pack, offence, tier): the tier's name, so that versions share a row.
    units = data["unit_id"]
    code_names = np.array(offence.categories, dtype=object)
    code_index = offence.codes
    ncodes = max(1, len(code_names))
    tier_key = (result.pack.astype(np.int64) * 64 + result.tier.astype(np.int64) + 1) * (
        ncodes + 2
    ) + (code_index + 2)
    keys, key_index = _dense(tier_key)
    labels = []
    for key in keys:
        pack_tier, code = divmod(int(key), ncodes + 2)
        pack, tier = divmod(pack_tier - 1, 64)
        name = code_names[code - 2] if code >= 2 else ""
        labels.append((batch.tier_name(lib, pack, str(name), tier) or "") if name else "")
    label_names = sorted(set(labels))
    label_lookup = np.array([label_names.index(label or "") for label in labels])
    label_index = label_lookup[key_index]

    groups, group_index = _dense(units * (ncodes + 2) + (code_index + 2))
    count = np.bincount(group_index, minlength=len(groups))
    outside = np.bincount(group_index, weights=(~inside & evaluable), minlength=len(groups))
    errors = np.bincount(group_index, weights=~evaluable, minlength=len(groups))
    rows = []
    for g, key in enumerate(groups):
        unit, code = divmod(int(key), ncodes + 2)
        rows.append(
            AuditRow(
                unit_id=unit,
                offence_code=str(code_names[code - 2]) if code >= 2 else "",
                count=int(count[g]),
                outside=int(outside[g]),
                not_evaluable=int(errors[g]),
            )
        )
    # Spread of fines for like facts: per (group, tier), over the decisions that fined.
    sub = group_index * len(label_names) + label_index
    members = np.bincount(sub, minlength=len(groups) * len(label_names))
    fined = np.flatnonzero(penalised & (fine > 0) & evaluable)
    order = fined[np.lexsort((fine[fined], sub[fined]))]
    sub_sorted, fine_sorted = sub[order], fine[order]
    for key in np.flatnonzero(members):
        g, label = divmod(int(key), len(label_names))
        name = label_names[label]
        if not name:
            continue
        start, end = np.searchsorted(sub_sorted, [key, key + 1])
        amounts = fine_sorted[start:end]
        rows[g].spreads.append(
            Spread(
                tier=name,
                count=int(members[key]),
                fined=len(amounts),
                min=float(amounts[0]) if len(amounts) else None,
                median=float(np.median(amounts)) if len(amounts) else None,
                max=float(amounts[-1]) if len(amounts) else None,
                stddev=float(np.std(amounts)) if len(amounts) else None,
            )
        )
    return Audit(
        rows=rows,
        total=n,
        outside=int((~inside & evaluable).sum()),
        ids=ids,
        units=units,
        codes=codes,
        tiers=label_index,
        tier_labels=np.array(label_names, dtype=object),
        inside=inside,
        evaluable=evaluable,
    )

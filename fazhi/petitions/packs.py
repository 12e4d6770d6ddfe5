"""The petitions rule packs (rules/petitions/*.yaml): 诉访分离 routes, the petition periods and
their warnings — one pack kind on the one loader (fazhi.core.rulepacks, ADR 0013).

A file may hold any of three bodies:

- ``windows`` + ``routes`` — 诉访分离: ``route(answers, today)`` tries the routes in order and
  returns the first whose ``when`` holds, with its reason, its basis and the statutory windows
  (复议 60 days, 起诉 6 months, 15 days after a 复议决定) computed on the calendar;
- ``deadlines`` — the periods of 《信访工作条例》 a petition runs (``derive``), with the facts
  that explain each (ADR 0018);
- ``warnings`` — the rules the petition source of the one warning engine runs (alerts.py).

Every example of a file runs through the production code: the router, the derivation, and for
warnings the engine's SQL over rows written to the examples' in-memory database.
"""

from __future__ import annotations

import calendar as pycalendar
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.periods import Period, PeriodUnit, add_period, describe_period
from fazhi.core.rulepacks import (
    Basis,
    ExampleResult,
    PackHeader,
    Strict,
    expect_of,
    line_of,
    load_file,
    read_yaml,
)
from fazhi.core.rulepacks import registry as pack_registry
from fazhi.core.warnings import Escalation, WarningLevel

KIND = "petitions"

# --- the answers the clerk gives (the questions are in forms.py, in Chinese) ---------------------

BOOL_ANSWERS = ("crime", "police_misconduct", "on_the_spot", "violation_request", "suggestion")
CHOICE_ANSWERS: dict[str, tuple[str, ...]] = {
    "act": ("none", "case_open", "decided"),
    "proceeding": (
        "none",
        "reconsideration_pending",
        "litigation_pending",
        "reconsideration_decided",
        "judgment",
    ),
    "dispute": ("none", "civil", "minor_public_order", "labour"),
}
DATE_ANSWERS = ("known_on", "decision_received_on")
WINDOW_STATES = ("open", "passed", "unknown")
TRACKS = (
    "reconsideration",
    "litigation",
    "criminal",
    "case",
    "mediation",
    "arbitration",
    "accusation",
    "petition",
)


def normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """Return ANSWERS with every key present: booleans False, choices "none", dates None.

    An unknown key or value raises ValueError naming it (a bad form or API call, not a route).
    """
    unknown = sorted(set(raw) - set(BOOL_ANSWERS) - set(CHOICE_ANSWERS) - set(DATE_ANSWERS))
    if unknown:
        raise ValueError(f"unknown answer {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for key in BOOL_ANSWERS:
        value = raw.get(key, False)
        if value in ("", None):
            value = False
        if isinstance(value, str):
            if value.lower() not in ("true", "false", "on", "yes", "no", "1", "0"):
                raise ValueError(f"{key}: {value!r} is not yes or no")
            value = value.lower() in ("true", "on", "yes", "1")
        out[key] = bool(value)
    for key, choices in CHOICE_ANSWERS.items():
        value = raw.get(key) or "none"
        if value not in choices:
            raise ValueError(f"{key}: {value!r} is not one of {', '.join(choices)}")
        out[key] = value
    for key in DATE_ANSWERS:
        value = raw.get(key)
        if value in (None, ""):
            out[key] = None
        elif isinstance(value, dt.date):
            out[key] = value
        else:
            out[key] = dt.date.fromisoformat(str(value))
    return out


# --- the schema ---------------------------------------------------------------------------------


class Window(Strict):
    """A statutory window to apply or sue, counted from an answered date."""

    code: Literal["reconsideration", "litigation", "litigation_after_reconsideration"]
    name: str
    from_: Literal["known_on", "decision_received_on"] = Field(alias="from")
    amount: int = Field(ge=1, le=120)
    unit: Literal["days", "months"]
    basis: Basis


WhenValue = bool | str | list[str]


class Route(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name: str
    track: Literal[
        "reconsideration",
        "litigation",
        "criminal",
        "case",
        "mediation",
        "arbitration",
        "accusation",
        "petition",
    ]
    when: dict[str, WhenValue]
    reason: str
    tell: str
    basis: Basis
    cite_note: str = ""
    unverified: bool = False
    unverified_reason: str = ""

    @model_validator(mode="after")
    def _known_keys(self) -> Route:
        windows = ("reconsideration", "litigation", "litigation_after_reconsideration")
        for key, value in self.when.items():
            values = value if isinstance(value, list) else [value]
            if key in BOOL_ANSWERS:
                if not all(isinstance(v, bool) for v in values):
                    raise ValueError(f"when.{key} is true or false")
            elif key in CHOICE_ANSWERS:
                bad = [v for v in values if v not in CHOICE_ANSWERS[key]]
                if bad:
                    raise ValueError(
                        f"when.{key}: {bad[0]!r} is not one of {', '.join(CHOICE_ANSWERS[key])}"
                    )
            elif key in windows:
                bad = [v for v in values if v not in WINDOW_STATES]
                if bad:
                    raise ValueError(f"when.{key}: {bad[0]!r} is not open, passed or unknown")
            else:
                raise ValueError(f"when names {key!r}, which is neither an answer nor a window")
        if self.unverified and not self.unverified_reason:
            raise ValueError("unverified_reason is required when unverified is true")
        return self

    @property
    def handled_as_petition(self) -> bool:
        return self.track == "petition"


EVENTS = (
    "received",
    "accepted",
    "notice_sent",
    "objected",
    "routed",
    "replied",
    "review_requested",
    "review_answered",
    "re_review_requested",
    "re_review_answered",
)
EventName = Literal[
    "received",
    "accepted",
    "notice_sent",
    "objected",
    "routed",
    "replied",
    "review_requested",
    "review_answered",
    "re_review_requested",
    "re_review_answered",
]
ChannelName = Literal["visit", "letter", "phone", "online", "transferred", "assigned"]


class DeadlineRule(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name: str
    start: EventName
    channels: tuple[ChannelName, ...] = ()
    amount: int = Field(ge=1, le=365)
    unit: Literal["days", "workdays"]
    met_by: tuple[EventName, ...] = Field(min_length=1)
    roll_forward: bool = False
    max_extension: int = Field(default=0, ge=0, le=90)
    basis: Basis


class DueWithin(Strict):
    type: Literal["due_within"]
    deadlines: tuple[str, ...] = Field(min_length=1)
    workdays: int = Field(ge=0, le=30)


class Overdue(Strict):
    type: Literal["overdue"]
    deadlines: tuple[str, ...] = Field(min_length=1)


class WarningRule(Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")
    name: str
    level: WarningLevel
    condition: DueWithin | Overdue = Field(discriminator="type")
    basis: Basis
    unverified: bool = False
    escalation: Escalation = Escalation()


class PetitionPack(PackHeader):
    windows: tuple[Window, ...] = ()
    routes: tuple[Route, ...] = ()
    deadlines: tuple[DeadlineRule, ...] = ()
    warnings: tuple[WarningRule, ...] = ()

    @model_validator(mode="after")
    def _body(self) -> PetitionPack:
        if not (self.routes or self.deadlines or self.warnings):
            raise ValueError("a petitions file holds routes, deadlines or warnings")
        groups: tuple[tuple[str, list[str]], ...] = (
            ("route", [r.code for r in self.routes]),
            ("deadline", [d.code for d in self.deadlines]),
            ("warning", [w.code for w in self.warnings]),
            ("window", [str(w.code) for w in self.windows]),
        )
        for what, codes in groups:
            twice = sorted({c for c in codes if codes.count(c) > 1})
            if twice:
                raise ValueError(f"{what} code {', '.join(twice)} appears twice")
        if self.routes and self.routes[-1].when:
            raise ValueError("the last route must have `when: {}` so that every claim has one")
        known = {d.code for d in self.deadlines}
        for rule in self.warnings:
            missing = [c for c in rule.condition.deadlines if known and c not in known]
            if missing:
                raise ValueError(f"{rule.code} watches {missing[0]!r}, not a deadline of this file")
        return self

    @property
    def rules(self) -> tuple[Any, ...]:  # what `fazhi rules test` counts
        return (*self.routes, *self.deadlines, *self.warnings)


def load_pack(path: Path) -> PetitionPack:
    """Return the validated pack at PATH, or raise RulePackError naming file, line and rule."""
    return load_file(path, PetitionPack, what="a petitions file")[0]


def packs_in_force(day: dt.date) -> tuple[PetitionPack, ...]:
    return tuple(pack_registry.in_force(KIND, day))


def routing_pack(day: dt.date) -> PetitionPack:
    """The 诉访分离 pack in force on DAY (LookupError when none is)."""
    for pack in packs_in_force(day):
        if pack.routes:
            return pack
    raise LookupError(f"no 诉访分离 pack (routes) is in force on {day.isoformat()}")


def deadline_rules(day: dt.date) -> tuple[DeadlineRule, ...]:
    return tuple(rule for pack in packs_in_force(day) for rule in pack.deadlines)


def deadline_pack(day: dt.date) -> PetitionPack:
    for pack in packs_in_force(day):
        if pack.deadlines:
            return pack
    raise LookupError(f"no petition deadlines pack is in force on {day.isoformat()}")


def warning_rules(day: dt.date) -> list[WarningRule]:
    return [rule for pack in packs_in_force(day) for rule in pack.warnings]


# --- routing ------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """DAY plus MONTHS calendar months, on the same day of the month (or the month's last day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


@dataclasses.dataclass(frozen=True)
class WindowResult:
    code: str
    name: str
    start: dt.date
    last_day: dt.date
    state: str  # open | passed
    basis: str
    rolled_from: dt.date | None

    def facts(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "start": self.start.isoformat(),
            "last_day": self.last_day.isoformat(),
            "state": self.state,
            "basis": self.basis,
            "rolled_from": self.rolled_from.isoformat() if self.rolled_from else None,
        }


def window_of(window: Window, start: dt.date, today: dt.date, cal: WorkCalendar) -> WindowResult:
    """The window's last day counted from START (the start day not counted; a last day that is a
    rest day moves to the next working day — 行政复议法第八十八条 and 民事诉讼法第八十五条)."""
    if window.unit == "days":
        nominal = start + dt.timedelta(days=window.amount)
    else:
        nominal = add_months(start, window.amount)
    last = cal.next_workday_on_or_after(nominal)
    return WindowResult(
        window.code,
        window.name,
        start,
        last,
        "open" if today <= last else "passed",
        str(window.basis),
        nominal if last != nominal else None,
    )


@dataclasses.dataclass(frozen=True)
class Routing:
    route: Route
    windows: tuple[WindowResult, ...]
    pack_version: str

    @property
    def window_facts(self) -> dict[str, Any]:
        return {w.code: w.facts() for w in self.windows}


def _holds(when: dict[str, WhenValue], facts: dict[str, Any]) -> bool:
    for key, wanted in when.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        if facts.get(key) not in values:
            return False
    return True


def route(
    answers: dict[str, Any],
    today: dt.date,
    *,
    pack: PetitionPack | None = None,
    cal: WorkCalendar | None = None,
) -> Routing:
    """Return where a claim with ANSWERS goes on TODAY: the first route of the pack that holds."""
    pack = pack or routing_pack(today)
    cal = cal or default_calendar()
    given = normalise(answers)
    facts: dict[str, Any] = dict(given)
    windows = []
    for window in pack.windows:
        start = given.get(window.from_)
        if start is None:
            facts[window.code] = "unknown"
            continue
        result = window_of(window, start, today, cal)
        windows.append(result)
        facts[window.code] = result.state
    for candidate in pack.routes:
        if _holds(candidate.when, facts):
            return Routing(candidate, tuple(windows), f"{pack.id}@{pack.version}")
    raise LookupError("no route holds")  # unreachable: the last route has `when: {}`


# --- deadlines ----------------------------------------------------------------------------------

NOT_ROLLED_NOTE = "not_rolled"


@dataclasses.dataclass(frozen=True)
class Computed:
    """A deadline derived for a petition: where it ends, whether it is met, and why."""

    code: str
    name: str
    start_on: dt.date
    due_on: dt.date
    due_at: dt.datetime
    status: str  # open | met
    met_on: dt.date | None
    basis: str
    facts: dict[str, Any]


def _count(
    rule: DeadlineRule, start: dt.date, amount: int, cal: WorkCalendar, *, unit: str | None = None
) -> Period:
    unit = unit or rule.unit
    if unit == "workdays":
        period = add_period(start, amount, PeriodUnit.WORKDAYS, calendar=cal)
    else:
        # No roll-forward unless the pack says so: counted like a period that is never extended,
        # then shown as an ordinary one (the explanation states that the last day is not moved).
        period = add_period(
            start, amount, PeriodUnit.DAYS, liberty=not rule.roll_forward, calendar=cal
        )
        period = dataclasses.replace(period, liberty=False)
    return dataclasses.replace(period, basis=str(rule.basis))


def derive(
    rules: tuple[DeadlineRule, ...],
    channel: str,
    events: dict[str, dt.date | None],
    *,
    extension_days: int = 0,
    extension: dict[str, Any] | None = None,
    cal: WorkCalendar | None = None,
) -> list[Computed]:
    """Return the deadlines a petition runs, from its channel and the days of its EVENTS.

    A deadline exists once its start event happened; it is met by the first of its ``met_by``
    events; an approved extension (the handling period, 第三十四条) is a second period counted
    from the original last day (ADR 0018: extensions chain).
    """
    cal = cal or default_calendar()
    out = []
    for rule in rules:
        if rule.channels and channel not in rule.channels:
            continue
        start = events.get(rule.start)
        if start is None:
            continue
        first = _count(rule, start, rule.amount, cal)
        periods = [first]
        if extension_days and rule.max_extension:
            days = min(extension_days, rule.max_extension)
            end = first.end if isinstance(first.end, dt.date) else start
            periods.append(_count(rule, end, days, cal))
        last = periods[-1]
        due_on = last.end if not isinstance(last.end, dt.datetime) else last.end.date()
        met = sorted(d for e in rule.met_by if (d := events.get(e)) is not None)
        facts: dict[str, Any] = {
            "v": 1,
            "code": rule.code,
            "name": rule.name,
            "start_event": rule.start,
            "start": start.isoformat(),
            "periods": [p.facts() for p in periods],
            "roll_forward": rule.roll_forward,
            "basis": str(rule.basis),
        }
        if len(periods) > 1 and extension:
            facts["extension"] = extension
        out.append(
            Computed(
                rule.code,
                rule.name,
                start,
                due_on,
                dt.datetime.combine(due_on + dt.timedelta(days=1), dt.time.min, SHANGHAI),
                "met" if met else "open",
                met[0] if met else None,
                str(rule.basis),
                facts,
            )
        )
    return out


def explain(facts: dict[str, Any]) -> str:
    """Render a stored deadline's facts as sentences in the active language."""
    from django.utils.translation import gettext as _

    if not facts:
        return ""
    parts = []
    for index, period in enumerate(facts.get("periods") or []):
        text = describe_period(period)
        if index == 0:
            parts.append(text)
        else:
            ext = facts.get("extension") or {}
            parts.append(
                _("经 %(approver)s 于 %(day)s 批准延长：%(text)s")
                % {
                    "approver": ext.get("approved_by", "—"),
                    "day": ext.get("approved_on", "—"),
                    "text": text,
                }
            )
    if not facts.get("roll_forward") and any(
        p.get("unit") == "days" for p in facts.get("periods") or []
    ):
        parts.append(
            _("《信访工作条例》未规定期满日遇休息日顺延，本局按原期满日掌握（本地实践）。")
        )
    return " ".join(parts)


# --- the examples -------------------------------------------------------------------------------


def _day(value: Any) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value))


def _run_route_example(
    pack: PetitionPack, given: dict[str, Any], expect: dict[str, Any], cal: WorkCalendar
) -> list[str]:
    today = _day(given.get("today"))
    if today is None:
        raise ValueError("given.today is required")
    result = route(given.get("answers") or {}, today, pack=pack, cal=cal)
    problems = []
    got = {
        "route": result.route.code,
        "track": result.route.track,
        "handled_as_petition": result.route.handled_as_petition,
        "basis": str(result.route.basis),
    }
    for key in ("route", "track", "handled_as_petition", "basis"):
        if key in expect and expect[key] != got[key]:
            problems.append(f"{key}: expected {expect[key]!r}, got {got[key]!r}")
    windows = {w.code: w.last_day.isoformat() for w in result.windows}
    for code, day in (expect.get("windows") or {}).items():
        if windows.get(code) != str(day):
            problems.append(f"windows.{code}: expected {day}, got {windows.get(code)}")
    return problems


def example_events(given: dict[str, Any]) -> dict[str, dt.date | None]:
    return {name: _day(given.get(name)) for name in EVENTS}


def _run_deadline_example(
    pack: PetitionPack, given: dict[str, Any], expect: dict[str, Any], cal: WorkCalendar
) -> list[str]:
    channel = str(given.get("channel") or "visit")
    computed = {
        c.code: c
        for c in derive(
            pack.deadlines,
            channel,
            example_events(given),
            extension_days=int(given.get("extended") or 0),
            cal=cal,
        )
    }
    problems = []
    for code, day in (expect.get("deadlines") or {}).items():
        got = computed[code].due_on.isoformat() if code in computed else None
        if got != str(day):
            problems.append(f"deadlines.{code}: expected {day}, got {got}")
    for code, status in (expect.get("status") or {}).items():
        got = computed[code].status if code in computed else None
        if got != status:
            problems.append(f"status.{code}: expected {status}, got {got}")
    return problems


def run_examples(path: Path) -> list[ExampleResult]:
    """Run the file's examples through the router, the derivation and the warning engine."""
    from fazhi.petitions import alerts

    pack = load_pack(path)
    cal = WorkCalendar.load(path.parent.parent)
    results = []
    for index, raw in enumerate(read_yaml(path).get("examples") or []):
        name, given, expect = expect_of(path, raw, index)
        try:
            if "answers" in given:
                problems = _run_route_example(pack, given, expect, cal)
            else:
                problems = _run_deadline_example(pack, given, expect, cal)
                if "open" in expect:
                    got = alerts.open_rules(pack, given, cal)
                    wanted = set(expect.get("open") or [])
                    known = {rule.code for rule in pack.warnings}
                    if wanted - known:
                        problems.append(
                            f"open names rules not in this file: {sorted(wanted - known)}"
                        )
                    if got != wanted:
                        problems.append(f"open: expected {sorted(wanted)}, got {sorted(got)}")
        except (KeyError, ValueError, TypeError, LookupError) as error:
            results.append(ExampleResult(path.name, name, False, f"given: {error}"))
            continue
        detail = f"line {line_of(raw, [])}: {'; '.join(problems)}" if problems else ""
        results.append(ExampleResult(path.name, name, not problems, detail))
    return results

"""Generate the demo cases of 示例市公安局: a few thousand, deterministic, in every state.

The timelines are planned by pure functions from a seeded random source (``plan_timeline``,
``citizen_id``, ``credit_code``), which the benchmark generator in ``bench/`` reuses. Recording
thousands of cases one event at a time through ``procedure.record_event`` takes minutes, so the
demo writes the events in bulk and stores the deadlines and the status computed by the SAME pure
functions that ``record_event`` uses (``derive.compute_deadlines`` through
``deadlines.stored_values``, ``derive.derive_status``): a refresh of any demo case changes
nothing (tested). Handlers are checked with ``can_enforce`` and placement with
``item_allowed_at_unit``, as ``open_case`` does. The bulk load is audited by one summary entry
under ``system:demo`` (docs/demo.md).

Times are relative to the demo day (its midnight, Shanghai time), so that "overdue" and
"due within 3 days" stay true in the demo; a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from django.db import transaction

from fazhi.audit import log as audit
from fazhi.cases import deadlines
from fazhi.cases.derive import Ev, compute_deadlines, derive_status
from fazhi.cases.models import (
    Case,
    CaseHandler,
    CaseSource,
    CaseStatus,
    Deadline,
    HandlerRole,
    IdType,
    Party,
    PartyKind,
    PartyRole,
    ProceduralEvent,
    PropertyStatus,
    SeizedProperty,
)
from fazhi.cases.packs import registry
from fazhi.cases.procedure import case_number, pack_version, stored_pack
from fazhi.catalog.eligibility import can_enforce, item_allowed_at_unit
from fazhi.catalog.models import EnforcementItem
from fazhi.core import demo as core_demo
from fazhi.core.age import age_on
from fazhi.core.calendar import default_calendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.identity import citizen_id_check_char, org_code_check_char, uscc_check_char
from fazhi.discretion.confirmations import confirmed_rule_keys
from fazhi.discretion.engine import Decision, InvalidFacts, decide
from fazhi.discretion.models import DecisionReview
from fazhi.discretion.packs import Library, load_library
from fazhi.discretion.preview import offence_facts, offences_by_item
from fazhi.discretion.review import decided_values, review_row, with_suspect, within_range
from fazhi.org.models import Officer, OfficerStatus, Unit, UnitKind, User

ACTOR = "system:demo"
SEED = 20260301
PROCEDURE = "zhian-general"
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
M = dt.timedelta(minutes=1)

# A step: (event kind, offset from 受案, duration or None, data). Offsets are in order.
Step = tuple[str, dt.timedelta, dt.timedelta | None, dict[str, Any]]

_SUMMON: Step = ("summon", 2 * H, 4 * H, {"method": "传唤证"})
_QUESTION: Step = ("question", 3 * H, None, {})
_DECIDE_FINE = {"outcome": "penalty", "fine": 500}
SCRIPTS: dict[str, tuple[int, tuple[Step, ...]]] = {  # name: (weight, steps)
    "fine": (
        30,
        (
            _SUMMON,
            _QUESTION,
            ("inspect", 26 * H, None, {}),
            ("notify", 5 * D, None, {"proposed": "罚款500元", "proposed_fine": 500}),
            ("statement", 6 * D, None, {}),
            ("legal_review", 8 * D, None, {"opinion": "事实清楚，证据确实充分，同意"}),
            ("decide", 10 * D, None, _DECIDE_FINE),
            ("serve", 11 * D, None, {}),
            ("fine_paid", 11 * D + 2 * H, None, {}),
            ("execute", 12 * D, None, {}),
            ("close", 15 * D, None, {}),
        ),
    ),
    "detention": (
        15,
        (
            ("summon", 1 * H, 20 * H, {"method": "传唤证", "complex_detention_possible": True}),
            ("question", 2 * H, None, {}),
            ("notify", 22 * H, None, {"proposed": "行政拘留五日", "proposed_detention_days": 5}),
            ("statement", 23 * H, None, {}),
            ("legal_review", 2 * D, None, {"opinion": "同意拘留五日"}),
            ("decide", 2 * D + 2 * H, None, {"outcome": "penalty", "detention_days": 5}),
            ("serve", 2 * D + 3 * H, None, {}),
            ("detention_executed", 2 * D + 5 * H, None, {}),
            ("family_notified", 2 * D + 6 * H, None, {}),
            ("execute", 2 * D + 7 * H, None, {}),
            ("close", 9 * D, None, {}),
        ),
    ),
    "hearing": (
        6,
        (
            _SUMMON,
            _QUESTION,
            (
                "notify",
                6 * D,
                None,
                {"proposed": "罚款3000元", "proposed_fine": 3000, "hearing_offered": True},
            ),
            ("hearing_request", 8 * D, None, {}),
            ("hearing", 15 * D, None, {}),
            ("legal_review", 17 * D, None, {"opinion": "经听证，同意"}),
            ("decide", 19 * D, None, {"outcome": "penalty", "fine": 3000}),
            ("serve", 20 * D, None, {}),
            ("fine_paid", 21 * D, None, {}),
            ("execute", 22 * D, None, {}),
            ("close", 25 * D, None, {}),
        ),
    ),
    "seizure": (
        12,
        (
            _SUMMON,
            _QUESTION,
            ("seize", 4 * H, None, {"property": "管制刀具", "quantity": "1把"}),
            ("property_stored", 20 * H, None, {}),
            ("appraisal", 2 * D, 7 * D, {"subject": "管制刀具认定"}),
            ("appraisal_served", 10 * D, None, {}),
            ("notify", 12 * D, None, {"proposed": "罚款500元", "proposed_fine": 500}),
            ("legal_review", 14 * D, None, {"opinion": "同意"}),
            ("decide", 16 * D, None, _DECIDE_FINE),
            ("serve", 17 * D, None, {}),
            ("property_disposed", 18 * D, None, {"disposition": "confiscated"}),
            ("fine_paid", 18 * D + 3 * H, None, {}),
            ("execute", 19 * D, None, {}),
            ("close", 22 * D, None, {}),
        ),
    ),
    "mediated": (
        20,
        (
            _QUESTION,
            ("mediate", 2 * D, None, {}),
            ("mediation_agreed", 4 * D, None, {}),
            ("close", 6 * D, None, {}),
        ),
    ),
    "mediation_failed": (
        5,
        (
            _QUESTION,
            ("mediate", 2 * D, None, {}),
            ("mediation_failed", 5 * D, None, {}),
            ("notify", 9 * D, None, {"proposed": "罚款200元", "proposed_fine": 200}),
            ("decide", 12 * D, None, {"outcome": "penalty", "fine": 200}),
            ("serve", 13 * D, None, {}),
            ("fine_paid", 13 * D + 5 * H, None, {}),
            ("execute", 14 * D, None, {}),
            ("close", 16 * D, None, {}),
        ),
    ),
    "no_penalty": (
        6,
        (
            _QUESTION,
            ("inspect", 1 * D, None, {}),
            ("decide", 6 * D, None, {"outcome": "no_penalty"}),
            ("serve", 6 * D + 2 * H, None, {}),
            ("close", 7 * D, None, {}),
        ),
    ),
    "extended": (
        6,
        (
            _SUMMON,
            _QUESTION,
            ("appraisal", 3 * D, 9 * D, {"subject": "伤情鉴定"}),
            ("appraisal_served", 13 * D, None, {}),
            ("extend", 25 * D, None, {"approver": "分局负责人", "deadline": "handling"}),
            ("notify", 38 * D, None, {"proposed": "罚款1000元", "proposed_fine": 1000}),
            ("legal_review", 40 * D, None, {"opinion": "同意"}),
            ("decide", 44 * D, None, {"outcome": "penalty", "fine": 1000}),
            ("serve", 45 * D, None, {}),
            ("fine_paid", 45 * D + 4 * H, None, {}),
            ("execute", 46 * D, None, {}),
            ("close", 50 * D, None, {}),
        ),
    ),
    "late": (  # decided after the 30-day handling period, without an extension: missed
        3,
        (
            _QUESTION,
            ("notify", 29 * D, None, {"proposed": "罚款500元", "proposed_fine": 500}),
            ("decide", 33 * D, None, _DECIDE_FINE),
            ("serve", 34 * D, None, {}),
            ("fine_paid", 34 * D + 6 * H, None, {}),
            ("execute", 35 * D, None, {}),
            ("close", 37 * D, None, {}),
        ),
    ),
}
SCRIPT_NAMES = tuple(SCRIPTS)
SCRIPT_WEIGHTS = tuple(weight for weight, _steps in SCRIPTS.values())


@dataclass(frozen=True)
class PlannedEvent:
    kind: str
    occurred_at: dt.datetime
    ended_at: dt.datetime | None
    data: dict[str, Any]


@dataclass(frozen=True)
class Timeline:
    script: str
    act_at: dt.datetime
    accept_at: dt.datetime
    events: tuple[PlannedEvent, ...]  # in order, first is 接报 or 受案

    @property
    def closed(self) -> bool:
        return self.events[-1].kind == "close"


# A planned case: (unit, item, handlers, timeline, day, accept day, parties, suspect's name).
Planned = tuple[
    Unit, EnforcementItem, list[Officer], Timeline, dt.date, dt.date, list[dict[str, Any]], str
]


def plan_timeline(
    rng: random.Random,
    now: dt.datetime,
    *,
    open_share: float = 0.45,
    history_days: int = 400,
    open_days: int = 42,
) -> Timeline:
    """Return a case's events: a script, cut short for open cases, placed before NOW.

    Open cases are 受案'd at most OPEN_DAYS ago, so a fair share of them runs past the 30-day
    办案期限 (overdue) or is due within days; closed ones are spread over HISTORY_DAYS.
    """
    name = rng.choices(SCRIPT_NAMES, SCRIPT_WEIGHTS)[0]
    steps = SCRIPTS[name][1]
    is_open = rng.random() < open_share
    if is_open:
        steps = steps[: rng.randrange(0, len(steps))]  # 0: 受案 only
    jitter = [rng.randrange(0, 50) * M for _ in steps]
    span = max(
        [H] + [s[1] + (s[2] or dt.timedelta()) + j for s, j in zip(steps, jitter, strict=True)]
    )
    if is_open:
        low = span + H
        age = low + rng.random() * max(dt.timedelta(), open_days * D - low)
    else:
        age = span + D + rng.random() * history_days * D
    accept_at = (now - age).replace(second=0, microsecond=0)
    events: list[PlannedEvent] = []
    if rng.random() < 0.6:  # a call or a report before the case was accepted
        events.append(PlannedEvent("report", accept_at - rng.randrange(10, 180) * M, None, {}))
    events.append(PlannedEvent("accept", accept_at, None, {}))
    for index, ((kind, offset, duration, data), extra) in enumerate(
        zip(steps, jitter, strict=True)
    ):
        start = accept_at + offset + extra
        end = start + duration if duration is not None else None
        if kind == "appraisal" and is_open and index == len(steps) - 1:
            end = None  # the appraisal is still under way: the clock is stopped
        if end is not None and end > now:
            end = None
        events.append(PlannedEvent(kind, start, end, dict(data)))
    act_at = events[0].occurred_at - rng.randrange(30, 60 * 24) * M
    return Timeline(name, act_at, accept_at, tuple(events))


# --- parties ------------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟强磊军勇杰涛明超斌鹏辉刚健波华平东峰毅俊浩宇航芳娜敏静丽艳娟霞秀玲燕红梅琳婷雪倩"
REGIONS = ("500101", "500102", "500103", "500104", "500105", "500106", "510104", "420102")
COMPANY_WORDS = ("兴达", "华源", "顺安", "鑫悦", "江城", "宏图", "嘉禾", "明珠", "新月", "长青")
COMPANY_KINDS = ("宾馆有限公司", "商贸有限公司", "网吧", "歌舞娱乐有限公司", "物业管理有限公司")
STREETS = ("解放路", "人民路", "滨江路", "新华路", "民主路", "和平路", "长安街", "文昌路")


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def citizen_id(rng: random.Random, birth: dt.date) -> str:
    """Return a valid 公民身份号码 (GB 11643) born on BIRTH."""
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + citizen_id_check_char(first17)


def credit_code(rng: random.Random) -> str:
    """Return a valid 统一社会信用代码 (GB 32100) with a valid organisation code inside."""
    body = f"{rng.randrange(10**8):08d}"
    first17 = f"91{rng.choice(REGIONS)}{body}{org_code_check_char(body)}"
    return first17 + uscc_check_char(first17)


def plan_parties(rng: random.Random, act_day: dt.date) -> list[dict[str, Any]]:
    """Return the parties' stored fields: a suspect (some minors, some organisations), maybe more."""
    parties: list[dict[str, Any]] = []
    if rng.random() < 0.1:
        parties.append(
            {
                "kind": PartyKind.ORGANISATION,
                "role": PartyRole.SUSPECT,
                "name": "示例市" + rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_KINDS),
                "id_type": IdType.USCC,
                "id_number": credit_code(rng),
                "birth_date": None,
                "is_minor_at_act": False,
            }
        )
    roles = [PartyRole.SUSPECT] if not parties else []
    roles += [PartyRole.VICTIM] * (rng.random() < 0.5) + [PartyRole.WITNESS] * (rng.random() < 0.2)
    for role in roles:
        minor = role == PartyRole.SUSPECT and rng.random() < 0.06
        age_days = (
            rng.randrange(14 * 365 + 4, 18 * 365 - 4)
            if minor
            else rng.randrange(19 * 365, 70 * 365)
        )
        birth = act_day - dt.timedelta(days=age_days)
        parties.append(
            {
                "kind": PartyKind.PERSON,
                "role": role,
                "name": person_name(rng),
                "id_type": IdType.CITIZEN_ID,
                "id_number": citizen_id(rng, birth),
                "birth_date": birth,
                "is_minor_at_act": _age(birth, act_day) < 18,
                "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                "address": f"示例市{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
            }
        )
    return parties


def _age(birth: dt.date, on: dt.date) -> int:
    return age_on(birth, on)  # 周岁 (ADR 0015)


def act_of(item_name: str) -> str:
    """Return the act an item punishes: 对殴打他人的处罚 → 殴打他人.

    >>> act_of("对制造噪声干扰他人正常生活的处罚")
    '制造噪声干扰他人正常生活'
    """
    act = item_name.removeprefix("对")
    for tail in ("的处罚", "的吊销许可证", "附加适用限期出境"):
        act = act.removesuffix(tail)
    return act


# --- discretion (裁量基准) ---------------------------------------------------------------------

OFFENCE_SHARE = 0.85  # of the cases whose item has a benchmark offence
OUTSIDE_SHARE = 0.06  # of the decided ones: outside the recommended range, with a reason
DEVIATION_REASONS = (
    "经案件审核集体讨论，综合考虑被侵害人谅解及赔偿情况确定（演示数据）",
    "违法行为人多次被投诉，社会影响较大，经集体讨论确定（演示数据）",
    "违法行为人家庭经济困难，经集体讨论确定（演示数据）",
)
# The values tried for the facts an offence requires (besides the enums' own choices).
TRIED = {"decimal": (300, 1500, 6000), "int": (1, 3), "bool": (False, True)}


COMMON_FACTS = frozenset(
    {
        "offender_birth_date",
        "first_violation",
        "harm",
        "corrected_promptly",
        "voluntary_surrender",
        "coerced_or_induced",
        "mental_illness_no_control",
        "organisation",
        "discovered_on",
    }
)


def _candidates(rng: random.Random, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return fact sets to try for an offence: its required facts, 初次违法 and 及时改正, and
    one of the offence's own yes/no facts at a time (e.g. 持械)."""
    names, options = [], []
    for fact in facts:
        if fact["required"] and fact["name"] != "offender_birth_date":
            values = fact["choices"] if fact["type"] == "enum" else TRIED.get(fact["type"], ())
            names.append(fact["name"])
            options.append(list(values))
    names += ["first_violation", "corrected_promptly"]
    options += [[False, True], [False, True]]
    own = [
        f["name"]
        for f in facts
        if f["type"] == "bool" and not f["required"] and f["name"] not in COMMON_FACTS
    ]
    found = [dict(zip(names, values, strict=True)) for values in itertools.product(*options)]
    found += (
        [{**rng.choice(found), rng.choice(own): True} for _ in range(len(found))] if own else []
    )
    rng.shuffle(found)
    return [{k: v for k, v in given.items() if v is not False} for given in found[:80]]


def demo_facts(
    rng: random.Random,
    code: str,
    decide_data: dict[str, Any],
    *,
    act_on: dt.date,
    decided_on: dt.date,
    suspect: SimpleNamespace,
    outside: bool,
    facts: list[dict[str, Any]],
    library: Library,
    confirmed: frozenset[str],
) -> dict[str, Any] | None:
    """Return facts for DECIDE_DATA, which may be changed to fit them; None if none fit.

    Facts under which the decision lies inside the recommendation (outside, if OUTSIDE) are
    taken as they are; failing that (the scripts' amounts do not fit every offence), a penalty
    decision is moved into the first recommendation that has its kind of penalty, at a random
    point of the range (never up to a fine that needs a hearing the notice did not offer).
    """
    decided = decided_values(decide_data)
    fallback = None
    for given in _candidates(rng, facts):
        try:
            decision = decide(
                code,
                # with_suspect reads only the planned suspect's kind and birth_date
                with_suspect(given, cast(Party, suspect)),
                act_on,
                decided_on,
                confirmed=confirmed,
                library=library,
            )
        except InvalidFacts:
            continue
        if within_range(decision, decided) != outside:
            return given
        if fallback is None and not outside:
            moved = _moved_into(rng, decision, decide_data)
            if moved is not None:
                fallback = (given, moved)
    if fallback is None:
        return None
    decide_data.update(fallback[1])
    return fallback[0]


def _moved_into(
    rng: random.Random, decision: Decision, data: dict[str, Any]
) -> dict[str, Any] | None:
    """Return DATA's amounts moved into DECISION's ranges, keeping the kind it imposed."""
    if decision.outcome != "penalty" or data.get("outcome") != "penalty":
        return None
    kind = "detention" if data.get("detention_days") else "fine"
    amounts: dict[str, int | None] = {"fine": None, "detention_days": None}
    for p in decision.penalties:
        if p.mode == "required" and p.kind not in (kind, "warning"):
            return None
        if p.kind == kind:
            if p.min is None or p.max is None:  # a fine or detention range has both bounds
                raise TypeError(f"penalty {p.kind} has no range")
            if kind == "fine":
                low, high = max(p.min, 50) // 50, p.max // 50
                if low > high or high * 50 > max(1999, int(data.get("fine") or 0)):
                    return None
                amounts["fine"] = rng.randint(low, high) * 50
            else:
                amounts["detention_days"] = rng.randint(p.min, p.max)
    if amounts["fine"] is None and amounts["detention_days"] is None:
        return None
    moved = {**data, **{k: v for k, v in amounts.items() if v is not None}}
    if not within_range(decision, decided_values(moved)):
        return None
    return {k: v for k, v in amounts.items() if v is not None}


def _plan_discretion(rng: random.Random, planned: list[Planned], library: Library) -> list[str]:
    """Give most cases their item's offence; put facts (and reasons) into the decide events.

    Returns the offence code of each planned case ("" for none). A decided case whose decision
    no tried fact set explains gets no offence (as ``review_decision`` would have refused it).
    """
    by_item = offences_by_item(library)
    confirmed = frozenset(confirmed_rule_keys())
    codes = []
    decided = made_outside = 0  # the demo shows at least one deviation, whatever the draw
    for _unit, item, _handlers, timeline, _day, _accept, parties, _suspect in planned:
        code = by_item.get(item.code, "")
        if not code or rng.random() >= OFFENCE_SHARE:
            codes.append("")
            continue
        decision = next((e for e in timeline.events if e.kind == "decide"), None)
        if decision is not None:
            decided += 1
            outside = rng.random() < OUTSIDE_SHARE or (decided > 2 and not made_outside)
            suspect = SimpleNamespace(kind=parties[0]["kind"], birth_date=parties[0]["birth_date"])
            facts = None
            for wanted in (outside, False) if outside else (False,):
                facts = demo_facts(
                    rng,
                    code,
                    decision.data,
                    act_on=timeline.act_at.astimezone(SHANGHAI).date(),
                    decided_on=decision.occurred_at.astimezone(SHANGHAI).date(),
                    suspect=suspect,
                    outside=wanted,
                    facts=offence_facts(code),
                    library=library,
                    confirmed=confirmed,
                )
                if facts is not None:
                    decision.data["facts"] = facts
                    if wanted:
                        decision.data["deviation_reason"] = rng.choice(DEVIATION_REASONS)
                        made_outside += 1
                    break
            if facts is None:
                code = ""
        codes.append(code)
    return codes


def _reviews(
    cases: list[Case], rows: list[ProceduralEvent], clerk: User, library: Library
) -> list[DecisionReview]:
    """Return the DecisionReview of every decided case with an offence, built by the same
    ``review.review_row`` that ``review_decision`` saves (recorded when the decision was)."""
    confirmed = frozenset(confirmed_rule_keys())
    by_pk = {case.pk: case for case in cases if case.offence_code}
    suspects: dict[int, Party] = {}
    for party in Party.objects.filter(case_id__in=by_pk, role=PartyRole.SUSPECT).order_by("id"):
        suspects.setdefault(party.case_id, party)
    reviews: list[DecisionReview] = []
    for row in rows:
        case = by_pk.get(row.case_id)
        if case is None or row.kind != "decide":
            continue
        facts = with_suspect(row.data.get("facts") or {}, suspects.get(case.pk))
        review, _decision = review_row(
            case, row, facts, actor=clerk, confirmed=confirmed, library=library
        )
        review.created_at = row.recorded_at
        reviews.append(review)
    return reviews


# --- loading ------------------------------------------------------------------------------------


@dataclass
class DemoCases:
    created: int = 0
    events: int = 0
    deadlines: int = 0
    reviews: int = 0
    states: Counter[str] = field(default_factory=Counter)


def demo_instant(on: dt.date) -> dt.datetime:
    """Return the instant the demo cases are planned against: the demo day's midnight."""
    return dt.datetime.combine(on, dt.time(0, 0), tzinfo=SHANGHAI)


def load_cases(*, on: dt.date, count: int = 3000, seed: int = SEED) -> DemoCases:
    """Write COUNT demo cases across the stations and case centres; nothing if they exist."""
    result = DemoCases()
    units = list(
        Unit.objects.filter(kind__in=[UnitKind.STATION, UnitKind.CASE_CENTRE]).order_by("code")
    )
    clerk = User.objects.filter(username="clerk").first()
    if not units or clerk is None or Case.objects.filter(unit__in=units).exists():
        return result
    items = list(EnforcementItem.objects.active().filter(kind="penalty", code__startswith="ZA-"))
    officers: dict[int, list[Officer]] = {}
    for officer in (
        Officer.objects.filter(unit__in=units, status=OfficerStatus.ON_DUTY)
        .select_related("unit")
        .order_by("police_number")
    ):
        officers.setdefault(officer.unit_id, []).append(officer)
    legal = {
        unit.pk: Officer.objects.filter(unit__path=unit.path[: -Unit.steplen])
        .order_by("police_number")
        .first()
        for unit in units
    }
    rng = random.Random(seed)  # noqa: S311 - a reproducible data set, not a secret
    now = demo_instant(on)
    pack_registry = registry()
    calendar = default_calendar()
    with transaction.atomic():
        planned: list[Planned] = []
        attempts = 0
        while len(planned) < count and attempts < count * 20:
            attempts += 1
            unit = rng.choice(units)
            timeline = plan_timeline(rng, now)
            day = timeline.events[0].occurred_at.astimezone(SHANGHAI).date()
            accept_day = timeline.accept_at.astimezone(SHANGHAI).date()
            choices = [i for i in items if item_allowed_at_unit(i, unit).ok]
            if unit.kind == UnitKind.STATION:
                choices = [i for i in choices if "station" in i.levels]
            if timeline.script == "detention":  # only items whose penalty includes 行政拘留
                choices = [i for i in choices if i.must_use_centre]
            rng.shuffle(choices)
            pair = None
            for item in choices[:6]:
                able = [o for o in officers.get(unit.pk, []) if can_enforce(o, item, day).ok]
                if len(able) >= 2:
                    pair = (item, rng.sample(able, 2))
                    break
            if pair is None:
                continue
            item, handlers = pair
            parties = plan_parties(rng, timeline.act_at.astimezone(SHANGHAI).date())
            suspect = parties[0]["name"]
            planned.append((unit, item, handlers, timeline, day, accept_day, parties, suspect))
        library = load_library()
        offence_codes = _plan_discretion(random.Random(seed + 1), planned, library)  # noqa: S311
        cases = []
        numbering: Counter[tuple[int, int]] = Counter()
        for (unit, item, _handlers, timeline, day, accept_day, _parties, suspect), code in zip(
            planned, offence_codes, strict=True
        ):
            numbering[(unit.pk, day.year)] += 1
            sequence = numbering[(unit.pk, day.year)]
            cases.append(
                Case(
                    number=case_number(unit, day.year, sequence),
                    unit=unit,
                    year=day.year,
                    sequence=sequence,
                    procedure=PROCEDURE,
                    procedure_version=pack_version(pack_registry.for_case(PROCEDURE, accept_day)),
                    item=item,
                    offence_code=code,
                    title=f"{suspect}{act_of(item.name)}案",
                    source=rng.choice(CaseSource.values),
                    act_at=timeline.act_at,
                    act_place=f"示例市{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
                    summary="",
                    legal_officer=legal[unit.pk],
                    outside_centre=False,
                    created_by=clerk,
                )
            )
        Case.objects.bulk_create(cases, batch_size=500)
        for case, plan in zip(cases, planned, strict=True):
            case.created_at = plan[3].events[0].occurred_at
        Case.objects.bulk_update(cases, ["created_at"], batch_size=500)
        CaseHandler.objects.bulk_create(
            [
                CaseHandler(
                    case=case, officer=o, role=HandlerRole.LEAD if i == 0 else HandlerRole.ASSIST
                )
                for case, plan in zip(cases, planned, strict=True)
                for i, o in enumerate(plan[2])
            ],
            batch_size=1000,
        )
        Party.objects.bulk_create(
            [
                Party(case=case, **values)
                for case, plan in zip(cases, planned, strict=True)
                for values in plan[6]
            ],
            batch_size=1000,
        )
        rows = [
            ProceduralEvent(
                case=case,
                kind=e.kind,
                occurred_at=e.occurred_at,
                ended_at=e.ended_at,
                data=e.data,
                recorded_at=min(now, (e.ended_at or e.occurred_at) + rng.randrange(5, 90) * M),
                recorded_by=clerk,
            )
            for case, plan in zip(cases, planned, strict=True)
            for e in plan[3].events
        ]
        ProceduralEvent.objects.bulk_create(rows, batch_size=1000)
        by_case: dict[int, list[ProceduralEvent]] = {}
        for row in rows:
            by_case.setdefault(row.case_id, []).append(row)
        stored: list[Deadline] = []
        properties: list[SeizedProperty] = []
        for case, plan in zip(cases, planned, strict=True):
            case_rows = by_case[case.pk]
            events = [Ev.of(row) for row in case_rows]
            first_of: dict[str, dt.datetime] = {}
            for event in sorted(events, key=lambda e: e.occurred_at):
                first_of.setdefault(event.kind, event.occurred_at)
            case.accepted_at = first_of.get("accept")
            case.decided_at = first_of.get("decide") or first_of.get("mediation_agreed")
            case.closed_at = first_of.get("close")
            pack = stored_pack(case.procedure, case.procedure_version)
            case.status = derive_status(pack, events, CaseStatus.REPORTED)
            unverified = pack.unverified_on(plan[5])
            computed = compute_deadlines(pack, events, calendar, unverified=unverified)
            case.next_due_at, case.next_deadline_name = deadlines.nearest_running(computed)
            for computed_item in computed:
                stored.append(
                    Deadline(
                        case=case,
                        code=computed_item.code,
                        key=computed_item.key,
                        computed_at=now,
                        **deadlines.stored_values(computed_item),
                    )
                )
            properties += _properties(case, case_rows)
            result.states[_state_label(plan[3], case.status)] += 1
        Case.objects.bulk_update(
            cases,
            [
                "status",
                "accepted_at",
                "decided_at",
                "closed_at",
                "next_due_at",
                "next_deadline_name",
            ],
            batch_size=500,
        )
        Deadline.objects.bulk_create(stored, batch_size=1000)
        SeizedProperty.objects.bulk_create(properties, batch_size=1000)
        reviews = _reviews(cases, rows, clerk, library)
        DecisionReview.objects.bulk_create(reviews, batch_size=1000)
        result.created, result.events, result.deadlines = len(cases), len(rows), len(stored)
        result.reviews = len(reviews)
        audit.record(
            ACTOR,
            "case.demo_load",
            ("cases.case", "demo", "演示案件"),
            changes={
                "cases": result.created,
                "events": result.events,
                "deadlines": result.deadlines,
                "discretion_reviews": result.reviews,
                "seed": seed,
                "on": on.isoformat(),
            },
        )
    return result


def _state_label(timeline: Timeline, status: str) -> str:
    if timeline.script == "mediated" and status in (CaseStatus.DECIDED, CaseStatus.CLOSED):
        return "mediated"
    return status


def _properties(case: Case, rows: list[ProceduralEvent]) -> list[SeizedProperty]:
    """Return the seized property of the case's 扣押 events, in the state its events give it."""
    out = []
    status = PropertyStatus.SEIZED
    for row in rows:
        if row.kind == "property_stored":
            status = PropertyStatus.STORED
        elif row.kind == "property_disposed":
            status = {
                "returned": PropertyStatus.RETURNED,
                "confiscated": PropertyStatus.CONFISCATED,
                "destroyed": PropertyStatus.DESTROYED,
            }.get(row.data.get("disposition"), status)
    for row in rows:
        if row.kind == "seize":
            out.append(
                SeizedProperty(
                    case=case,
                    description=str(row.data.get("property", "")),
                    quantity=str(row.data.get("quantity", "")),
                    seized_by_event=row,
                    status=status,
                )
            )
    return out


@core_demo.step(50, "cases", needs="cases")
def load_demo_cases(run: core_demo.DemoRun) -> None:
    """The demo step of the cases (fazhi.core.demo, ADR 0017)."""
    run.result.created["cases"] = load_cases(on=run.on, count=run.size.cases).created

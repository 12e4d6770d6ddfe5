"""Generate the supervision history of the demo: 督办 orders and 评查 reviews over twelve months.

Runs after the demo cases (fazhi.cases.demo) and writes everything through the real domain
operations, with explicit past instants: ``review.draw_sample`` and ``review.score_case`` for the
quarterly case-quality review of each district; ``orders.issue_order``, ``answer_order``,
``return_order``, ``verify_order`` and ``escalate_unanswered`` for the orders. The order steps are
replayed in time order, so order numbers, audit entries and the order warnings (DUBAN_OVERDUE,
opened at an escalation and closed by the answer, through ``orders.refresh_warnings``) come out
as the live system would have written them. It ends with the full warning scan at the demo
instant (``scan.run``) and the order escalation, as the periodic task does: the warnings are
there as soon as ``fazhi demo`` returns, and the ``fazhi scan`` after it has almost nothing to do.

What an order is about is read from the data, never invented: a deadline of the case that was
past due at the moment the order was issued (the condition of a ``deadline_overdue`` warning
rule, whose name and provision the order quotes), or a review that graded the case file 合格 or
不合格. The demo accounts ``district`` (inside its district) and ``city`` issue, return and verify
them; each receiving unit answers through an account of its own: ``officer`` and ``clerk`` for
their units, elsewhere an account ``unit-<unit code>`` (role 执法民警, the demo password) acting
as the unit's first officer who has no account yet.

Reviews begin on the day the checklist comes into force (rules/review/zhian-case-file.yaml), so
the 优良率 trend starts there. The grade always follows from the checklist: the demo chooses
only what it deducts (items that fit the case: C11 only for a case with a seizure, C12 whenever
its 办案期限 was missed) so that the share of 优秀 and 良好 improves month by month.

The problems, demands, answers and review notes are the records' contents, written in Chinese as
a bureau would write them (like the 督办通知书's text), not interface strings: no gettext. They
illustrate; they state no legal fact beyond the rule name and provision quoted from the rule file.

Deterministic (``random.Random(SEED)``, instants relative to the demo day's midnight) and loaded
once: nothing is written when a supervision order or a review sample already exists.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar, cast

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, Q

from fazhi.audit import log as audit
from fazhi.cases.demo import demo_instant
from fazhi.cases.models import Case, Deadline, DeadlineStatus, ProceduralEvent
from fazhi.core import demo as core_demo
from fazhi.core.clock import SHANGHAI
from fazhi.core.demo import DEMO_PASSWORD
from fazhi.core.metrics import Period
from fazhi.core.roles import Capability, Role
from fazhi.org.models import Officer, Unit, UnitKind, User
from fazhi.supervision import orders, review, scan
from fazhi.supervision.dashboard import PeriodKind, period_of
from fazhi.supervision.models import (
    CaseReview,
    ReviewGrade,
    ReviewSample,
    SupervisionOrder,
)
from fazhi.supervision.review import Checklist, Finding
from fazhi.supervision.rules import WarningLevel, WarningRule

ACTOR = "system:demo"
SEED = 20260415
CHECKLIST = "zhian-case-file"
ORDERS_PER_CASE = 0.07  # about 210 orders for the 3,000 demo cases, as data allow
QUIET_DAYS, QUIET_SHARE = 14, 0.3  # of the orders of the last 14 days: not answered yet
CURRENT_SHARE = 0.35  # of them at most: about deadlines still overdue on the demo day
SAMPLE_SIZE = 10  # cases per district bureau per quarter
UNIT_ACCOUNT_PREFIX = "unit-"  # unit-<unit code>: the account that answers a unit's orders
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
M = dt.timedelta(minutes=1)

# Share of 优秀 + 良好 in the first and in the last quarter reviewed, before each district's own
# offset: the bureau's files get better as the reviews go on.
FIRST_SHARE, LAST_SHARE = 0.70, 0.88
EXCELLENT_OF_GOOD = 0.45  # of the files graded 优秀 or 良好: 优秀
FAIL_OF_REST = 0.4  # of the others: 不合格 (the rest 合格)
VETO_OF_FAIL = 0.5  # of the 不合格: by a veto item (the rest by deductions)
MAX_DEDUCTION = 60  # a 不合格 file by deductions loses 41–60 points

# What a reviewer writes beside a deduction (demo text, not a legal fact).
NOTES = {
    "C01": "受案登记晚于接报时间一日以上",
    "C02": "传唤证未载明被传唤人到案时间",
    "C03": "询问笔录个别页未经被询问人签名",
    "C04": "告知笔录未记录当事人陈述、申辩意见的复核情况",
    "C05": "法制审核意见未载明审核人",
    "C06": "处罚决定未说明裁量理由",
    "C07": "处罚决定书救济途径表述不完整",
    "C08": "处罚决定书送达回执未注明送达时间",
    "C09": "罚款收缴凭证未入卷",
    "C10": "执行情况未记录",
    "C11": "涉案财物移交记录不完整",
    "C12": "超过办案期限作出决定",
    "F01": "个别文书未使用规范式样",
    "F02": "文书栏目填写不全",
    "F03": "卷内目录与卷内文书不一致",
    "F04": "文书排列顺序错误",
    "F05": "卷内页码漏编",
}
VETO_NOTES = {
    "V05": "认定违法事实仅有当事人陈述，无其他证据印证",
    "V06": "违法行为发生时间、地点前后矛盾",
    "V07": "违法行为定性错误",
    "V08": "引用法律条款错误",
    "V09": "未告知陈述、申辩权利即作出处罚决定",
}
REASONS = (
    "当事人下落不明，多次传唤未到案",
    "承办民警同期承办案件较多，未及时跟进",
    "鉴定意见出具时间较长",
    "内部审批流转时间过长",
    "承办民警对期限规定掌握不准",
)
EVIDENCE = (
    "整改报告；相关法律文书扫描件",
    "整改报告；办案系统补录截图；谈话记录",
    "整改报告；补正后的法律文书；所务会会议记录",
)
RETURN_REASONS = (
    "整改情况未附相关法律文书，请补充佐证材料后重新答复。",
    "超期原因分析不具体，未落实责任人，请补充后重新答复。",
    "整改措施未逐项对应督办要求，请重新答复。",
)
REVIEW_DEMAND = (
    "对照评查意见逐项整改、补正案卷，组织承办民警学习案卷评查标准，并在答复期限前书面答复整改情况。"
)


@dataclass
class DemoSupervision:
    accounts: int = 0
    samples: int = 0
    reviews: int = 0
    orders: int = 0
    grades: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)  # orders by status, at the end
    steps: Counter[str] = field(default_factory=Counter)  # order steps replayed, by kind
    warnings_opened: int = 0

    @property
    def created(self) -> int:
        return self.accounts + self.samples + self.reviews + self.orders


def load_supervision(*, on: dt.date, seed: int = SEED) -> DemoSupervision:
    """Write the demo's orders and reviews of the twelve months before ON; nothing if loaded."""
    result = DemoSupervision()
    if SupervisionOrder.objects.exists() or ReviewSample.objects.exists():
        return result
    city = User.objects.filter(username="city").select_related("scope_unit").first()
    district = User.objects.filter(username="district").select_related("scope_unit").first()
    if city is None or district is None or not Case.objects.exists():
        return result
    now = demo_instant(on)
    rng = random.Random(seed)  # noqa: S311 - a reproducible data set, not a secret
    with transaction.atomic():
        reviewed = _review(rng, now, city, district, result)
        plans = plan_orders(rng, now, city, district, reviewed)
        _replay(plans, _responders({p.case.unit for p in plans}, result), result)
        result.warnings_opened = scan.run(now).opened
        orders.escalate_unanswered(now)
        result.orders = len(plans)
        result.statuses = Counter(SupervisionOrder.objects.values_list("status", flat=True))
    return result


# --- time -----------------------------------------------------------------------------------------


def office(at: dt.datetime) -> dt.datetime:
    """Return AT, or when it falls outside 09:00–18:00 (Shanghai) the next opening plus its minute.

    >>> office(dt.datetime(2026, 5, 6, 22, 17, tzinfo=SHANGHAI)).isoformat()
    '2026-05-07T09:17:00+08:00'
    """
    local = at.astimezone(SHANGHAI)
    day = local.date()
    if local.hour >= 18:
        day += D
    elif local.hour >= 9:
        return at
    return dt.datetime.combine(day, dt.time(9, local.minute), SHANGHAI)


def reply_due(at: dt.datetime, days: int) -> dt.datetime:
    """Return 17:30 (Shanghai) of the DAYSth day after AT: the reply deadline an issuer sets."""
    day = at.astimezone(SHANGHAI).date() + days * D
    return dt.datetime.combine(day, dt.time(17, 30), SHANGHAI)


def _between(rng: random.Random, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    return (low + (high - low) * rng.random()).replace(second=0, microsecond=0)


# --- 评查 ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRound:
    """The closed cases of PERIOD, drawn at DRAWN_AT and reviewed until UNTIL."""

    period: Period
    drawn_at: dt.datetime
    until: dt.datetime


def review_rounds(now: dt.datetime, effective_from: dt.date) -> list[ReviewRound]:
    """Return the quarterly rounds reviewed within the year before NOW, oldest first.

    A quarter's closed cases are drawn on the 4th day of the next quarter and reviewed until its
    end (or until NOW); rounds drawn before the checklist's EFFECTIVE_FROM are left out.
    """
    today = now.astimezone(SHANGHAI).date()
    first = max(today - 365 * D, effective_from)
    quarter = period_of(PeriodKind.QUARTER, first - 92 * D)
    rounds: list[ReviewRound] = []
    while True:
        following = period_of(PeriodKind.QUARTER, quarter.end + D)
        drawn_at = dt.datetime.combine(following.start + 3 * D, dt.time(9, 30), SHANGHAI)
        if drawn_at >= now - D:
            return rounds
        if drawn_at.date() >= first:
            end = dt.datetime.combine(following.end, dt.time(17, 30), SHANGHAI)
            rounds.append(ReviewRound(quarter, drawn_at, min(end, now - 2 * H)))
        quarter = following


def grade_floors(checklist: Checklist) -> dict[str, tuple[int, int]]:
    """Return, per grade, the (least, most) whole points deducted that earn it without a veto."""
    floors = [(str(t.grade), int(t.min_score)) for t in checklist.grades]
    out, ceiling = {}, -1
    for grade, floor in floors:
        out[grade] = (ceiling + 1, 100 - floor)
        ceiling = 100 - floor
    last = floors[-1][0]
    out[last] = (out[last][0], min(out[last][1], MAX_DEDUCTION))
    return out


@dataclass(frozen=True)
class CaseFacts:
    """What a reviewer of the demo may find in a case file: which items apply and must lose."""

    has_seizure: bool
    has_fine: bool
    late_decision: bool  # its 办案期限 was missed


def case_facts(case_ids: list[int]) -> dict[int, CaseFacts]:
    kinds: dict[int, set[str]] = {}
    for case_id, kind, data in ProceduralEvent.objects.filter(case_id__in=case_ids).values_list(
        "case_id", "kind", "data"
    ):
        kinds.setdefault(case_id, set()).add(kind)
        if kind == "decide" and (data or {}).get("fine"):
            kinds[case_id].add("fine")
    late = set(
        Deadline.objects.filter(
            case_id__in=case_ids, code="handling", status=DeadlineStatus.MISSED
        ).values_list("case_id", flat=True)
    )
    return {
        pk: CaseFacts("seize" in kinds.get(pk, ()), "fine" in kinds.get(pk, ()), pk in late)
        for pk in case_ids
    }


def plan_findings(
    rng: random.Random, checklist: Checklist, grade: str, facts: CaseFacts, *, veto: bool
) -> list[Finding]:
    """Return findings for which the checklist gives GRADE (a veto failure when VETO)."""
    if veto:
        code = rng.choice(sorted(VETO_NOTES))
        return [Finding(code, veto_failed=True, note=VETO_NOTES[code])]
    low, high = grade_floors(checklist)[grade]
    items = [
        item
        for item in checklist.items
        if not item.is_veto
        and not (item.code == "C11" and not facts.has_seizure)
        and not (item.code == "C09" and not facts.has_fine)
    ]
    room = {item.code: int(item.points) for item in items}
    taken: Counter[str] = Counter()
    if facts.late_decision and "C12" in room and room["C12"] <= high:
        taken["C12"] = room["C12"]
    total = max(rng.randint(low, high), sum(taken.values()))
    while sum(taken.values()) < total:
        code = rng.choice([c for c in room if taken[c] < room[c]])
        taken[code] += min(total - sum(taken.values()), room[code] - taken[code], rng.randint(1, 4))
    return [
        Finding(code, Decimal(n), note=NOTES.get(code, "")) for code, n in sorted(taken.items())
    ]


def share_at(at: dt.datetime, first: dt.datetime, last: dt.datetime) -> float:
    """Return the share of 优秀 + 良好 aimed at AT: rising linearly from FIRST to LAST."""
    if last <= first:
        return (FIRST_SHARE + LAST_SHARE) / 2
    part = min(max((at - first) / (last - first), 0.0), 1.0)
    return FIRST_SHARE + (LAST_SHARE - FIRST_SHARE) * part


def planned_grades(rng: random.Random, shares: list[float]) -> list[tuple[str, bool]]:
    """Return one (grade, by a veto) per share: 优秀 or 良好 for a running share of the files.

    The files come in review order and each carries the share aimed at when it is reviewed;
    a file is graded 优秀 or 良好 whenever the running sum of the shares passes a whole number,
    so any run of files (a month, a quarter) holds its share to within one file.
    """
    total = rng.random()
    grades = []
    for share in shares:
        before, total = int(total), total + share
        if int(total) > before:
            good = ReviewGrade.EXCELLENT if rng.random() < EXCELLENT_OF_GOOD else ReviewGrade.GOOD
            grades.append((str(good), False))
        elif rng.random() < FAIL_OF_REST:
            grades.append((str(ReviewGrade.FAIL), rng.random() < VETO_OF_FAIL))
        else:
            grades.append((str(ReviewGrade.PASS), False))
    return grades


@dataclass(frozen=True)
class _Planned:
    at: dt.datetime
    case: Case
    sample: ReviewSample
    reviewer: User
    offset: float  # the district's own distance from the bureau's share


def _review(
    rng: random.Random, now: dt.datetime, city: User, district: User, result: DemoSupervision
) -> list[CaseReview]:
    """Draw a sample per district bureau per quarter and score its cases; return the reviews."""
    checklist = review.checklist(CHECKLIST)
    bureaus = list(Unit.objects.filter(kind=UnitKind.DISTRICT_BUREAU).order_by("code"))
    offsets = {b.pk: rng.uniform(-0.05, 0.05) for b in bureaus}
    planned: list[_Planned] = []
    for index, round_ in enumerate(review_rounds(now, checklist.effective_from)):
        for number, bureau in enumerate(bureaus):
            reviewer = district if district.scope_unit_id == bureau.pk else city
            sample = review.draw_sample(
                bureau,
                round_.period.start,
                round_.period.end,
                SAMPLE_SIZE,
                seed=SEED + 100 * index + number,
                actor=reviewer,
                at=round_.drawn_at,
            )
            result.samples += 1
            planned += [
                _Planned(
                    office(_between(rng, round_.drawn_at + H, round_.until)),
                    case,
                    sample,
                    reviewer,
                    offsets[bureau.pk],
                )
                for case in sample.cases.select_related("unit").order_by("id")
            ]
    if not planned:
        return []
    planned.sort(key=lambda p: (p.at, p.case.pk))
    first, last = planned[0].at, planned[-1].at
    grades = planned_grades(rng, [share_at(p.at, first, last) + p.offset for p in planned])
    facts = case_facts([p.case.pk for p in planned])
    done = []
    for p, (grade, veto) in zip(planned, grades, strict=True):
        findings = plan_findings(rng, checklist, grade, facts[p.case.pk], veto=veto)
        done.append(
            review.score_case(
                p.case, checklist, findings, actor=p.reviewer, at=p.at, sample=p.sample
            )
        )
    result.reviews = len(done)
    result.grades = Counter(r.grade for r in done)
    return done


# --- 督办 ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of a planned order: issue, escalate (the periodic task), answer, return, verify."""

    kind: str
    at: dt.datetime
    reply_due_at: dt.datetime | None = None  # issue and return
    text: str = ""  # the rectification, or the reason for sending it back
    evidence: str = ""


@dataclass(frozen=True)
class PlannedOrder:
    case: Case
    issuer: User
    problem: str
    demand: str
    steps: tuple[Step, ...]

    @property
    def issued_at(self) -> dt.datetime:
        return self.steps[0].at


def plan_lifecycle(
    rng: random.Random, issued_at: dt.datetime, now: dt.datetime, rectification: str
) -> tuple[Step, ...]:
    """Return the steps of one order issued at ISSUED_AT, cut at NOW.

    Most units answer within the deadline; some late (the periodic task escalates the order a
    few minutes after its deadline); some orders of the last two weeks have no answer yet. About
    one answer in five is sent back with a new deadline; the issuer verifies the last answer. A
    step that would fall at or after NOW has not happened: the order is left awaiting its reply
    (overdue or not) or its verification.
    """
    due = reply_due(issued_at, rng.choice((3, 5, 7)))
    steps = [Step("issue", issued_at, reply_due_at=due)]
    since = issued_at
    for round_ in range(3):
        if round_ == 0 and issued_at > now - QUIET_DAYS * D and rng.random() < QUIET_SHARE:
            answer = now  # no answer yet: awaiting its reply, overdue once its deadline passed
        elif rng.random() < (0.2 if round_ == 0 else 0.1):
            answer = office(due + rng.uniform(0.5, 4) * D)
        else:
            answer = office(_between(rng, since + (due - since) * 0.2, since + (due - since) * 0.9))
        if answer > due and due + 5 * M < now:
            steps.append(Step("escalate", due + 5 * M))
        if answer >= now:
            break
        steps.append(Step("answer", answer, text=rectification, evidence=rng.choice(EVIDENCE)))
        if round_ < 2 and rng.random() < (0.22 if round_ == 0 else 0.15):
            back = office(_between(rng, answer + 2 * H, answer + 2 * D))
            if back >= now:
                break
            due = reply_due(back, 3)
            steps.append(Step("return", back, reply_due_at=due, text=rng.choice(RETURN_REASONS)))
            since = back
            continue
        verify = office(_between(rng, answer + 2 * H, answer + 3 * D))
        if verify < now:
            steps.append(Step("verify", verify))
        break
    return tuple(steps)


def _local(at: dt.datetime) -> str:
    return f"{at.astimezone(SHANGHAI):%Y年%m月%d日%H:%M}"


@dataclass(frozen=True)
class Overdue:
    """A deadline of a case that was past due from DUE_AT until UNTIL, and the rule it breaks."""

    deadline: Deadline
    rule: WarningRule
    until: dt.datetime


T = TypeVar("T")

WEIGHTS = {WarningLevel.ALARM: 2.0, WarningLevel.WARNING: 1.5, WarningLevel.HINT: 0.5}


def overdue_deadlines(now: dt.datetime) -> list[Overdue]:
    """Return the deadlines of the year before NOW that ran past due, one per case, by case."""
    rules: dict[str, list[WarningRule]] = {}
    for rule in scan.rules_in_force(now):
        if rule.condition.type == "deadline_overdue":
            for code in rule.condition.deadlines:
                rules.setdefault(code, []).append(rule)
    rows = (
        Deadline.objects.filter(code__in=rules, due_at__gte=now - 365 * D, due_at__lt=now - 6 * H)
        .filter(
            Q(status=DeadlineStatus.OPEN, met_at__isnull=True)
            | Q(status__in=[DeadlineStatus.MISSED, DeadlineStatus.MET], met_at__gt=F("due_at"))
        )
        .select_related("case", "case__unit")
        .order_by("case_id", "due_at", "id")
    )
    found: dict[int, Overdue] = {}
    for row in rows:
        if row.case_id in found:
            continue
        matching = next(
            (r for r in rules[row.code] if not r.procedures or row.case.procedure in r.procedures),
            None,
        )
        if matching is not None:
            found[row.case_id] = Overdue(row, matching, row.met_at or now)
    return list(found.values())


def _weights(candidates: list[Overdue], district: User) -> list[float]:
    """Weigh red rules above orange and yellow, and the district account's own cases up."""
    scope = district.scope_unit
    return [
        WEIGHTS[o.rule.level] * (2.5 if scope and scope.contains(o.deadline.case.unit) else 1)
        for o in candidates
    ]


def _weighted_pick(rng: random.Random, items: list[T], weights: list[float], k: int) -> list[T]:
    """Pick K of ITEMS without replacement, each in proportion to its weight, in ITEMS order."""
    if k <= 0:
        return []
    keys = [(rng.random() ** (1 / w), i) for i, w in enumerate(weights)]
    chosen = sorted(i for _key, i in sorted(keys, reverse=True)[:k])
    return [items[i] for i in chosen]


def _issuer(rng: random.Random, case: Case, city: User, district: User) -> User:
    if district.scope_unit is not None and district.scope_unit.contains(case.unit):
        return district if rng.random() < 0.8 else city
    return city


def plan_orders(
    rng: random.Random,
    now: dt.datetime,
    city: User,
    district: User,
    reviewed: list[CaseReview],
) -> list[PlannedOrder]:
    """Plan the orders: one per chosen case, about an overdue deadline or a poor review."""
    total = round(Case.objects.count() * ORDERS_PER_CASE)
    plans: list[PlannedOrder] = []
    about_review = [
        r
        for r in reviewed
        if r.grade == ReviewGrade.FAIL or (r.grade == ReviewGrade.PASS and rng.random() < 0.5)
    ][: total // 4]
    for r in about_review:
        issued_at = office(r.reviewed_at + rng.uniform(1, 3) * D)
        if issued_at >= now - H:
            continue
        notes = "；".join(f.note for f in r.findings.all() if f.note)
        day = f"{r.reviewed_at.astimezone(SHANGHAI):%Y年%m月%d日}"
        problem = f"案卷评查（{day}）评定为{r.get_grade_display()}，得分{r.score}：{notes}。"
        rectification = "已对照评查意见逐项整改：补正相关法律文书、重新整理卷宗，并组织所内民警学习案卷评查标准。"
        plans.append(
            PlannedOrder(
                r.case,
                _issuer(rng, r.case, city, district),
                problem,
                REVIEW_DEMAND,
                plan_lifecycle(rng, issued_at, now, rectification),
            )
        )
    taken = {p.case.pk for p in plans}
    candidates = [o for o in overdue_deadlines(now) if o.deadline.case_id not in taken]
    past = [o for o in candidates if o.deadline.status != DeadlineStatus.OPEN]
    running = [o for o in candidates if o.deadline.status == DeadlineStatus.OPEN]
    current = round(total * CURRENT_SHARE)
    chosen = _weighted_pick(rng, past, _weights(past, district), total - current - len(plans))
    room = min(current, total - len(plans) - len(chosen))
    chosen += _weighted_pick(rng, running, _weights(running, district), room)
    for o in chosen:
        deadline, case = o.deadline, o.deadline.case
        issued_at = office(deadline.due_at + rng.uniform(2, 48) * H)
        if issued_at >= min(o.until, now) - H:
            continue
        name = deadline.name
        problem = (
            f"{name}已于{_local(deadline.due_at)}届满，督办时尚未完成（{o.rule.name}）。"
            f"依据：{o.rule.basis}"
        )
        demand = (
            f"立即依法完成{name}所要求的事项，查明超期原因，落实整改责任，"
            "并在答复期限前书面答复整改情况，附佐证材料。"
        )
        rectification = (
            f"已督促承办民警依法办理{name}相关事项；超期原因：{rng.choice(REASONS)}；"
            "已对承办民警开展提醒谈话。"
        )
        plans.append(
            PlannedOrder(
                case,
                _issuer(rng, case, city, district),
                problem,
                demand,
                plan_lifecycle(rng, issued_at, now, rectification),
            )
        )
    return plans


def _responders(units: set[Unit], result: DemoSupervision) -> dict[int, User]:
    """Return, per unit, the account that answers its orders; create the missing ones."""
    out, password = {}, None
    for unit in sorted(units, key=lambda u: u.code):
        user = next(
            (
                u
                for u in User.objects.filter(scope_unit=unit, is_active=True).order_by("id")
                if u.has_capability(Capability.HANDLE_CASES)
            ),
            None,
        )
        if user is None:
            officer = (
                Officer.objects.filter(unit=unit, user__isnull=True)
                .order_by("police_number")
                .first()
            )
            username = f"{UNIT_ACCOUNT_PREFIX}{unit.code}"
            user = User(
                username=username,
                role=Role.OFFICER,
                scope_unit=unit,
                officer=officer,
                full_name=officer.name if officer else unit.name,
                is_demo=True,  # `fazhi demo` runs only where every account is a demo one
            )
            if password is None:  # one hash for all: hashing is slow, the password is public
                password = make_password(DEMO_PASSWORD)
            user.password = password
            user.save()
            audit.record(
                ACTOR,
                "account.create",
                user,
                changes={
                    "role": [None, Role.OFFICER],
                    "scope_unit": [None, unit.code],
                    "officer": [None, officer.police_number if officer else None],
                },
            )
            result.accounts += 1
        out[unit.pk] = user
    return out


def _replay(
    plans: list[PlannedOrder], responders: dict[int, User], result: DemoSupervision
) -> None:
    """Run every planned step through the order operations, all orders together in time order."""
    steps = sorted(
        ((step.at, i, j) for i, plan in enumerate(plans) for j, step in enumerate(plan.steps)),
    )
    made: dict[int, SupervisionOrder] = {}
    for _at, i, j in steps:
        plan, step = plans[i], plans[i].steps[j]
        if step.kind == "issue":
            made[i] = orders.issue_order(
                plan.case.unit,
                case=plan.case,
                problem=plan.problem,
                demand=plan.demand,
                reply_due_at=cast(dt.datetime, step.reply_due_at),  # an issue step has its due time
                actor=plan.issuer,
                at=step.at,
            )
        elif step.kind == "escalate":  # what the periodic task does a few minutes after a deadline
            orders.escalate_unanswered(step.at)
            orders.refresh_warnings(made[i], step.at)
        elif step.kind == "answer":
            orders.answer_order(
                made[i],
                rectification=step.text,
                evidence=step.evidence,
                actor=responders[plan.case.unit_id],
                at=step.at,
            )
        elif step.kind == "return":
            orders.return_order(
                made[i],
                reason=step.text,
                actor=plan.issuer,
                at=step.at,
                reply_due_at=step.reply_due_at,
            )
        elif step.kind == "verify":
            orders.verify_order(made[i], actor=plan.issuer, at=step.at)
        result.steps[step.kind] += 1


@core_demo.step(60, "supervision", needs="cases")
def load_demo_supervision(run: core_demo.DemoRun) -> None:
    """The demo step of supervision (fazhi.core.demo, ADR 0017): after the cases; runs the scan."""
    supervision = load_supervision(on=run.on)
    run.result.created["orders"] = supervision.orders
    run.result.created["reviews"] = supervision.reviews

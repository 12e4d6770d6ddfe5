"""The demo's petitions and mediations: a year of them at the stations, written through the domain
functions (so they are audited, routed by the 诉访分离 pack and carry their deadlines).

About one petition in three has a claim that belongs to a statutory channel (a penalty
contested within its windows, a crime report, a labour dispute, a neighbour dispute); the rest
are handled as petitions, most answered on time, some extended, a few late, some reviewed.
Deterministic (one seed) and idempotent: nothing is written when the demo's petitions exist.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from fazhi.core import demo as core_demo
from fazhi.core import warnings
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Role
from fazhi.org.models import Unit, UnitKind, User
from fazhi.petitions import mediation as med
from fazhi.petitions import petitions as ops
from fazhi.petitions.alerts import SOURCE
from fazhi.petitions.models import Mediation, Petition, ReviewKind, Status

USERNAME = "xinfang"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "建国",
    "秀英",
    "伟",
    "芳",
    "强",
    "敏",
    "磊",
    "静",
    "军",
    "丽",
    "洋",
    "艳",
    "勇",
    "娟",
    "杰",
]
SENDERS = ["示例市信访局", "示例市委政法委", "示例市公安局信访办"]


# (claim text, answers builder(received, rng)) — the answers a clerk would give for it.
def _decided(days: tuple[int, int]) -> Any:
    def build(received: dt.date, rng: random.Random) -> dict[str, Any]:
        return {
            "act": "decided",
            "known_on": (received - dt.timedelta(days=rng.randint(*days))).isoformat(),
        }

    return build


CLAIMS: list[tuple[int, str, Any]] = [
    (10, "对派出所作出的罚款决定不服，要求撤销", _decided((5, 50))),
    (5, "对行政拘留决定不服，认为事实不清", _decided((70, 170))),
    (4, "对两年前的处罚决定不服，要求重新处理", _decided((400, 800))),
    (
        3,
        "对交警当场作出的罚款不服",
        lambda r, g: {
            "act": "decided",
            "on_the_spot": True,
            "known_on": (r - dt.timedelta(days=g.randint(3, 40))).isoformat(),
        },
    ),
    (3, "被诈骗三万元，报警后要求立案侦查", lambda r, g: {"crime": True}),
    (4, "公司拖欠工资五个月，要求公安机关处理", lambda r, g: {"dispute": "labour"}),
    (4, "与邻居因漏水发生纠纷，要求调解", lambda r, g: {"dispute": "civil"}),
    (3, "因停车位与邻居发生推搡，要求处理", lambda r, g: {"dispute": "minor_public_order"}),
    (5, "楼下烧烤店夜间噪音扰民，报警后未见处理", lambda r, g: {"violation_request": True}),
    (2, "反映民警接警时态度恶劣", lambda r, g: {"police_misconduct": True}),
    (3, "对正在办理的案件提出异议，认为自己不是打人者", lambda r, g: {"act": "case_open"}),
    (
        2,
        "已申请行政复议，要求公安机关尽快纠正",
        lambda r, g: {"act": "decided", "proceeding": "reconsideration_pending"},
    ),
    (5, "建议在小区附近增设警务室", lambda r, g: {"suggestion": True}),
    (12, "户籍迁移办理时间过长，要求说明原因", lambda r, g: {}),
    (10, "反映小区治安巡逻不足，要求加强", lambda r, g: {}),
    (8, "要求公开某起交通事故的处理情况", lambda r, g: {}),
    (6, "反映派出所未及时退还暂扣物品", lambda r, g: {}),
]
CHANNELS = [
    ("visit", 35),
    ("phone", 20),
    ("online", 20),
    ("letter", 5),
    ("transferred", 12),
    ("assigned", 8),
]


def _pick(rng: random.Random, table: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    total = sum(row[0] if isinstance(row[0], int) else row[1] for row in table)
    point = rng.uniform(0, total)
    for row in table:
        weight = row[0] if isinstance(row[0], int) else row[1]
        point -= weight
        if point <= 0:
            return row
    return table[-1]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def _actor(result: core_demo.DemoResult | None = None) -> User:
    """The city's petitions clerk (信访), a demo account like the others (password in docs/demo.md)."""
    city = Unit.objects.filter(kind=UnitKind.CITY_BUREAU).order_by("path").first()
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = User.objects.create_user(
            username=USERNAME,
            password=core_demo.DEMO_PASSWORD,
            role=Role.CLERK,
            scope_unit=city,
            is_demo=True,
        )
    if result is not None and city is not None:
        result.accounts.append(
            core_demo.DemoAccount(USERNAME, str(Role.CLERK.label), city.name, "")
        )
    return user


def _id_number(rng: random.Random) -> str:
    from fazhi.core.identity import citizen_id_check_char

    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 50))
    first17 = f"500103{born:%Y%m%d}{rng.randrange(100, 999)}"
    return first17 + citizen_id_check_char(first17)


def _one(
    rng: random.Random,
    unit: Unit,
    received: dt.date,
    today: dt.date,
    actor: User,
    people: list[tuple[str, str, str]],
) -> Petition | None:
    channel = _pick(rng, [(c, w) for c, w in CHANNELS])[0]
    forwarded = channel in ("transferred", "assigned")
    if people and rng.random() < 0.12:  # a repeat petitioner
        name, id_number, phone = rng.choice(people)
    else:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        id_number = _id_number(rng) if rng.random() < 0.8 else ""
        phone = f"13{rng.randrange(100000000, 999999999)}"
        people.append((name, id_number, phone))
    picked = [_pick(rng, CLAIMS)]
    if rng.random() < 0.2:
        picked.append(_pick(rng, CLAIMS))
    new = ops.NewPetition(
        unit=unit,
        channel=channel,
        received_on=received,
        petitioner_name=name,
        petitioner_id_number=id_number,
        petitioner_phone=phone,
        matter="；".join(text for _w, text, _a in picked),
        claims=tuple(text for _w, text, _a in picked),
        sender=rng.choice(SENDERS) if forwarded else "",
        sent_on=received - dt.timedelta(days=rng.randint(1, 4)) if forwarded else None,
        sender_reference=f"信转〔{received.year}〕{rng.randrange(1, 999)}号" if forwarded else "",
    )
    petition = ops.receive(new, actor=actor, at=_at(received, 9))
    told = received + dt.timedelta(
        days=rng.choice([0, 1, 2, 3, 5, 7, 10, 12, 14] + [18] * (rng.random() < 0.3))
    )
    if told > today:
        return petition
    for claim, (_w, _text, answers) in zip(petition.claims.all(), picked, strict=True):
        ops.classify(
            claim,
            answers(received, rng),
            actor=actor,
            at=_at(received + dt.timedelta(days=min(1, (told - received).days)), 11),
        )
    if forwarded and rng.random() < 0.05:
        limit = petition.deadlines.get(code="objection").due_on
        ops.object_to_transfer(
            petition,
            reason="该事项属于区住建部门职权范围",
            on=limit,
            actor=actor,
            at=_at(limit, 15),
        )
        return petition
    ops.send_notice(
        petition,
        sent_on=told,
        method=rng.choice(["当面送达", "邮寄送达", "警快办站内送达"]),
        actor=actor,
        at=_at(told, 16),
    )
    petition.refresh_from_db()
    if petition.status != Status.ACCEPTED:
        return petition
    due = petition.deadlines.get(code="handling").due_on
    roll = rng.random()
    if roll < 0.1:  # complex: extended with the head's approval
        approved = min(due - dt.timedelta(days=rng.randint(1, 10)), today)
        if approved >= told:
            ops.extend(petition, days=rng.choice([15, 20, 30]), reason="需要调取证据、协调相关部门", approved_by="分管副局长",
                       approved_on=approved, actor=actor, at=_at(approved, 15))  # fmt: skip
            due = petition.deadlines.get(code="handling").due_on
    late = roll > 0.93
    replied = (
        due + dt.timedelta(days=rng.randint(1, 12))
        if late
        else told + dt.timedelta(days=rng.randint(15, max(16, (due - told).days)))
    )
    if replied > today or rng.random() < 0.04:
        return petition  # still being handled (or forgotten: the warning shows it)
    outcome = rng.choice(["supported", "explained", "explained", "not_supported"])
    text = {
        "supported": "经调查核实，信访人反映的情况属实，诉求符合有关规定，予以支持，已责成承办单位整改。",
        "explained": "经调查核实，信访人诉求事由合理，但缺乏法律依据，已向信访人作出解释说明。",
        "not_supported": "经调查核实，信访人诉求缺乏事实根据，不符合有关规定，不予支持。",
    }[outcome]
    ops.reply(
        petition, outcome=outcome, text=text, replied_on=replied, actor=actor, at=_at(replied, 16)
    )
    if outcome == "not_supported" and rng.random() < 0.4:
        asked = replied + dt.timedelta(days=rng.randint(5, 25))
        if asked <= today:
            review = ops.request_review(
                petition, kind=ReviewKind.REVIEW, requested_on=asked, actor=actor, at=_at(asked, 10)
            )
            answered = asked + dt.timedelta(days=rng.randint(10, 28))
            if answered <= today:
                ops.answer_review(review, outcome="not_supported", opinion="复查认为原处理意见事实清楚、依据正确，予以维持。",
                                  answered_on=answered, actor=actor, at=_at(answered, 16))  # fmt: skip
    return petition


def _mediations(
    rng: random.Random, stations: list[Unit], today: dt.date, actor: User, count: int
) -> int:
    made = 0
    petitions = list(Petition.objects.filter(claims__track="mediation").distinct()[:count])
    for index in range(count):
        started = today - dt.timedelta(days=rng.randint(3, 360))
        petition = petitions[index] if index < len(petitions) else None
        unit = petition.unit if petition else rng.choice(stations)
        mediator_kind = rng.choice(["peoples_mediator", "peoples_mediator", "lawyer"])
        mediator = (
            ("驻所人民调解员" if mediator_kind == "peoples_mediator" else "驻所律师")
            + rng.choice(SURNAMES)
            + rng.choice(GIVEN)
        )
        new = med.NewMediation(
            unit=unit, kind="peoples", dispute=rng.choice(["邻里漏水纠纷", "婚姻家庭纠纷", "房屋租赁押金纠纷", "小额借款纠纷", "宠物伤人赔偿纠纷"]),
            parties=f"{rng.choice(SURNAMES)}某与{rng.choice(SURNAMES)}某", mediator_name=mediator,
            mediator_kind=mediator_kind, started_on=started, petition=petition,
        )  # fmt: skip
        mediation = med.open_mediation(new, actor=actor, at=_at(started, 10))
        made += 1
        held = started + dt.timedelta(days=rng.randint(0, 5))
        if held > today:
            continue
        med.record_session(
            mediation,
            held_on=held,
            mediator_name="",
            notes="双方陈述各自诉求，调解员释法说理。",
            actor=actor,
            at=_at(held, 15),
        )
        # About one in five fails and one in eleven agreements is not performed (fixed shares, so
        # that even the tiny demo shows each outcome).
        if index % 5 == 2:
            med.record_failure(
                mediation,
                reason="双方分歧较大，未能达成协议",
                on=held,
                actor=actor,
                at=_at(held, 17),
            )
            continue
        med.record_agreement(mediation, agreement="一方向另一方赔偿损失并赔礼道歉", agreed_on=held,
                             perform_by=held + dt.timedelta(days=10), actor=actor, at=_at(held, 17))  # fmt: skip
        done = held + dt.timedelta(days=rng.randint(2, 12))
        if done <= today:
            med.record_performance(
                mediation, performed=index % 11 != 7, on=done, actor=actor, at=_at(done, 16)
            )
    return made


def load_petitions(
    *,
    on: dt.date,
    count: int,
    seed: int = core_demo.SEED,
    result: core_demo.DemoResult | None = None,
) -> dict[str, int]:
    """Write COUNT petitions received over the year before ON and their mediations (once)."""
    actor = _actor(result)
    if Petition.objects.filter(created_by=actor).exists():
        return {"petitions": 0, "mediations": 0}
    rng = random.Random(seed + 13)  # noqa: S311 - demo data, not crypto
    stations = list(Unit.objects.filter(kind=UnitKind.STATION).order_by("code"))
    if not stations:
        return {"petitions": 0, "mediations": 0}
    people: list[tuple[str, str, str]] = []
    days = sorted(on - dt.timedelta(days=rng.randint(0, 364)) for _ in range(count))
    made = 0
    for received in days:
        try:
            if _one(rng, rng.choice(stations), received, on, actor, people):
                made += 1
        except FazhiError:  # a combination the rules refuse is simply not part of the demo
            continue
    mediations = (
        0
        if Mediation.objects.exists()
        else _mediations(rng, stations, on, actor, max(5, count // 5))
    )
    warnings.run_source(SOURCE, timezone.now())
    return {"petitions": made, "mediations": mediations}


@core_demo.step(75, "petitions")
def load_demo_petitions(run: core_demo.DemoRun) -> None:
    """The demo step of the petitions (fazhi.core.demo, ADR 0017)."""
    count = max(60, run.size.cases // 6)
    created = load_petitions(on=run.on, count=count, result=run.result)
    run.result.created.update(created)

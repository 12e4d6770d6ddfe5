"""The training demo: the three-year plan's 20 quality courses (全警轮训) with sessions and
attendance, the year's plan and its coverage, a question bank, a year of qualification exams with
results, and the qualifications that expire (the officers' own, from the org step).

The course titles are illustrative (the seed report names only 交通执法 and 户政 among the 20);
the questions' facts are those of ../shared/domain/legal-brief.md (行政处罚法), each citing its
article. Past exams are taken by newly recruited officers (基本级, imported here), so that the
grants they earn never disagree with the org step's officer register on a second run; the 中级
exam's results are published on the demo day and take effect the day after.

Deterministic and idempotent: a second run on the same day finds the plan and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from fazhi.core import demo as core_demo
from fazhi.core.clock import SHANGHAI
from fazhi.core.identity import citizen_id_check_char
from fazhi.org.imports import OfficerImporter
from fazhi.org.models import Officer, OfficerStatus, Unit, User
from fazhi.training import courses, exams
from fazhi.training.models import (
    Candidate,
    Course,
    PaperQuestion,
    Question,
    QuestionKind,
    ServiceStart,
    Subject,
    TrainingPlan,
)

ACTOR = core_demo.ACTOR
LAW = "《中华人民共和国行政处罚法》"

COURSES: list[tuple[str, str, str, str]] = [  # code, title, subject, hours
    ("JZ-01", "道路交通安全违法行为现场处置", Subject.TRAFFIC, "6"),
    ("JZ-02", "交通事故处理程序与证据固定", Subject.TRAFFIC, "6"),
    ("JZ-03", "酒驾醉驾查处规范", Subject.TRAFFIC, "4"),
    ("JZ-04", "户口登记与迁移办理规范", Subject.HOUSEHOLD, "4"),
    ("JZ-05", "居民身份证受理与核查", Subject.HOUSEHOLD, "4"),
    ("JZ-06", "治安案件受案立案规范", Subject.PUBLIC_ORDER, "6"),
    ("JZ-07", "治安调解与矛盾纠纷化解", Subject.PUBLIC_ORDER, "4"),
    ("JZ-08", "殴打他人、故意伤害案件办理", Subject.PUBLIC_ORDER, "4"),
    ("JZ-09", "行政处罚法适用要点", Subject.LAW, "8"),
    ("JZ-10", "裁量基准的适用与说理", Subject.LAW, "6"),
    ("JZ-11", "从旧兼从轻与法律适用冲突", Subject.LAW, "4"),
    ("JZ-12", "告知、陈述申辩与听证程序", Subject.PROCEDURE, "6"),
    ("JZ-13", "法制审核与集体讨论", Subject.PROCEDURE, "4"),
    ("JZ-14", "执法全过程记录", Subject.PROCEDURE, "4"),
    ("JZ-15", "当场处罚与简易程序", Subject.PROCEDURE, "4"),
    ("JZ-16", "证据收集与审查判断", Subject.EVIDENCE, "6"),
    ("JZ-17", "法律文书制作规范", Subject.EVIDENCE, "6"),
    ("JZ-18", "涉案财物管理", Subject.EVIDENCE, "4"),
    ("JZ-19", "执法办案管理中心工作规范", Subject.ETHICS, "4"),
    ("JZ-20", "执法监督与案件评查", Subject.ETHICS, "4"),
]
COURSE_CITES = {
    "JZ-09": [f"{LAW}第四十二条"],
    "JZ-11": [f"{LAW}第三十七条"],
    "JZ-12": [f"{LAW}第四十四条", f"{LAW}第六十四条"],
    "JZ-13": [f"{LAW}第五十八条"],
    "JZ-14": [f"{LAW}第四十七条"],
    "JZ-15": [f"{LAW}第五十一条"],
}

# (level, subject, kind, stem, options, right option indexes, article cited)
QUESTIONS: list[tuple[int, str, str, str, list[str], list[int], str]] = [
    (
        1,
        "law",
        "single",
        "除法律另有规定外，行政处罚应当由几名以上具有行政执法资格的执法人员实施？",
        ["一名", "两名", "三名", "五名"],
        [1],
        "第四十二条",
    ),
    (
        1,
        "law",
        "true_false",
        "执法人员只要穿着制式服装，即使未取得行政执法资格也可以实施行政处罚。",
        ["正确", "错误"],
        [1],
        "第四十二条",
    ),
    (
        1,
        "procedure",
        "single",
        "作出行政处罚决定前，应当告知当事人的内容不包括：",
        [
            "拟作出的处罚内容",
            "事实、理由及依据",
            "陈述、申辩、要求听证的权利",
            "办案民警的家庭住址",
        ],
        [3],
        "第四十四条",
    ),
    (
        1,
        "procedure",
        "true_false",
        "当事人进行陈述和申辩的，行政机关不得因此加重处罚。",
        ["正确", "错误"],
        [0],
        "第四十五条",
    ),
    (
        1,
        "procedure",
        "single",
        "违法事实确凿并有法定依据，对公民处以多少元以下罚款的，可以当场作出处罚决定？",
        ["五十元", "一百元", "二百元", "五百元"],
        [2],
        "第五十一条",
    ),
    (
        1,
        "law",
        "single",
        "违法行为轻微并及时改正，没有造成危害后果的，应当：",
        ["从轻处罚", "减轻处罚", "不予行政处罚", "从重处罚"],
        [2],
        "第三十三条",
    ),
    (
        1,
        "law",
        "true_false",
        "对当事人依法不予行政处罚的，行政机关应当对当事人进行教育。",
        ["正确", "错误"],
        [0],
        "第三十三条",
    ),
    (
        1,
        "law",
        "multiple",
        "下列属于行政处罚种类的有：",
        ["警告、通报批评", "罚款、没收违法所得", "行政拘留", "责令赔礼道歉"],
        [0, 1, 2],
        "第九条",
    ),
    (
        1,
        "procedure",
        "single",
        "当事人应当自收到行政处罚决定书之日起多少日内缴纳罚款？",
        ["五日", "七日", "十日", "十五日"],
        [3],
        "第六十七条",
    ),
    (
        1,
        "law",
        "single",
        "不满多少周岁的未成年人有违法行为的，不予行政处罚？",
        ["十二周岁", "十四周岁", "十六周岁", "十八周岁"],
        [1],
        "第三十条",
    ),
    (
        1,
        "procedure",
        "multiple",
        "执法全过程记录应当记录的环节包括：",
        ["启动", "调查取证", "审核、决定", "送达、执行"],
        [0, 1, 2, 3],
        "第四十七条",
    ),
    (
        1,
        "procedure",
        "true_false",
        "行政处罚法中“二日”“三日”“五日”“七日”的规定是指工作日，不含法定节假日。",
        ["正确", "错误"],
        [0],
        "第八十五条",
    ),
    (
        2,
        "procedure",
        "single",
        "当事人要求听证的，应当在行政机关告知后几日内提出？",
        ["三日", "五日", "七日", "十日"],
        [1],
        "第六十四条",
    ),
    (
        2,
        "procedure",
        "single",
        "行政机关应当在举行听证的几日前，通知当事人及有关人员听证的时间、地点？",
        ["三日", "五日", "七日", "十日"],
        [2],
        "第六十四条",
    ),
    (
        2,
        "procedure",
        "multiple",
        "下列情形中，行政机关负责人作出行政处罚决定前应当由法制审核人员进行法制审核的有：",
        [
            "涉及重大公共利益的",
            "直接关系当事人或者第三人重大权益，经过听证程序的",
            "案件情况疑难复杂、涉及多个法律关系的",
            "适用简易程序当场作出警告的",
        ],
        [0, 1, 2],
        "第五十八条",
    ),
    (
        2,
        "procedure",
        "true_false",
        "初次从事行政处罚决定法制审核的人员，应当通过国家统一法律职业资格考试取得法律职业资格。",
        ["正确", "错误"],
        [0],
        "第五十八条",
    ),
    (
        2,
        "law",
        "single",
        "违法行为在几年内未被发现的，除法律另有规定外，不再给予行政处罚？",
        ["一年", "二年", "三年", "五年"],
        [1],
        "第三十六条",
    ),
    (
        2,
        "law",
        "single",
        "实施行政处罚，适用违法行为发生时的法律规定；但作出决定时法律规定已被修改，新规定处罚较轻的，应当：",
        ["适用旧的规定", "适用新的规定", "由当事人选择", "报上级决定"],
        [1],
        "第三十七条",
    ),
    (
        2,
        "law",
        "multiple",
        "当事人有下列情形之一的，应当从轻或者减轻行政处罚：",
        [
            "主动消除或者减轻违法行为危害后果的",
            "受他人胁迫或者诱骗实施违法行为的",
            "主动供述行政机关尚未掌握的违法行为的",
            "拒不配合调查的",
        ],
        [0, 1, 2],
        "第三十二条",
    ),
    (
        2,
        "procedure",
        "true_false",
        "到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不得超出罚款的数额。",
        ["正确", "错误"],
        [0],
        "第七十二条",
    ),
    (
        2,
        "procedure",
        "single",
        "行政处罚案件自立案之日起应当在多少日内作出行政处罚决定（法律、法规、规章另有规定的除外）？",
        ["三十日", "六十日", "九十日", "一百八十日"],
        [2],
        "第六十条",
    ),
    (
        2,
        "law",
        "true_false",
        "当事人有证据足以证明没有主观过错的，一律不予行政处罚，法律、行政法规另有规定的也不例外。",
        ["正确", "错误"],
        [1],
        "第三十三条",
    ),
    (
        2,
        "procedure",
        "single",
        "对情节复杂或者重大违法行为给予行政处罚，行政机关负责人应当：",
        ["独自决定", "集体讨论决定", "报同级人大决定", "交法制部门决定"],
        [1],
        "第五十七条",
    ),
    (
        2,
        "procedure",
        "true_false",
        "听证由本案的调查人员主持，以便说明案件事实。",
        ["正确", "错误"],
        [1],
        "第六十四条",
    ),
]
CASES: list[tuple[int, str, str, str]] = [  # level, stem, marking guide, article
    (
        2,
        "某派出所辅警甲单独对一名扰乱公共场所秩序的行为人作出罚款二百元的当场处罚决定。请分析该处罚在执法主体和人数上存在的问题及依据。",
        "执法人员须具有行政执法资格（6分）；除法律另有规定外不得少于两人（6分）；辅警不能单独作出处罚决定，应予纠正（8分）。",
        "第四十二条",
    ),
    (
        2,
        "某分局对一起拟处较大数额罚款的案件，未告知当事人有要求听证的权利即作出处罚决定。请指出程序问题并说明法律后果。",
        "应告知拟处罚内容、事实理由依据及陈述申辩、听证权利（8分）；较大数额罚款属可要求听证情形（6分）；未告知不得作出决定，应撤销重作（6分）。",
        "第四十四条",
    ),
    (
        3,
        "某案件事实清楚，但涉及多个法律关系，且经过听证程序，案件承办人认为情节简单，未送法制审核即由负责人签批。请评析。",
        "属应当法制审核情形（8分）；未经法制审核或审核未通过的不得作出决定（8分）；提出整改和监督措施（4分）。",
        "第五十八条",
    ),
    (
        3,
        "当事人于新法施行前实施违法行为，新法施行后作出处罚决定时新法规定的罚款幅度较低。请说明法律适用并给出处理意见。",
        "从旧兼从轻原则（8分）；新规定较轻适用新规定（8分）；说理充分、引用条文准确（4分）。",
        "第三十七条",
    ),
]
THIRD_LEVEL: list[tuple[str, str, str, list[str], list[int], str]] = [
    (
        "procedure",
        "single",
        "先行登记保存证据的，应当在几日内及时作出处理决定？",
        ["三日", "五日", "七日", "十五日"],
        [2],
        "第五十六条",
    ),
    (
        "law",
        "true_false",
        "行政机关可以依法制定行政处罚裁量基准，但无须向社会公布。",
        ["正确", "错误"],
        [1],
        "第三十四条",
    ),
    (
        "procedure",
        "single",
        "当事人不到场的，行政处罚决定书应当在宣告后几日内依照民事诉讼法的有关规定送达当事人？",
        ["三日", "五日", "七日", "十日"],
        [2],
        "第六十一条",
    ),
    (
        "law",
        "single",
        "同一个违法行为违反多个法律规范应当给予罚款处罚的，应当：",
        [
            "分别处罚后合并执行",
            "按照罚款数额高的规定处罚",
            "按照罚款数额低的规定处罚",
            "由当事人选择",
        ],
        [1],
        "第二十九条",
    ),
]

# The sittings of the demo year, relative to the demo day.
# (code suffix, title, level, days before the demo day (negative: after), days before the demo
# day the results are published (None: not yet)). The 中级 results are published on the demo day.
SITTINGS: list[tuple[str, str, int, int, int | None]] = [
    ("J1", "基本级执法资格考试（新警第一批）", 1, 300, 295),
    ("J2", "基本级执法资格考试（新警第二批）", 1, 150, 145),
    ("Z1", "中级执法资格考试", 2, 10, 0),
    ("J3", "基本级执法资格考试（新警第三批）", 1, 0, None),  # open all day on the demo day
    ("G1", "高级执法资格考试", 3, -20, None),
]
BLUEPRINTS = {
    1: [
        {"subject": "law", "kind": "single", "count": 3},
        {"subject": "procedure", "kind": "single", "count": 2},
        {"subject": "law", "kind": "multiple", "count": 1},
        {"subject": "procedure", "kind": "true_false", "count": 2},
    ],
    2: [
        {"subject": "procedure", "kind": "single", "count": 3},
        {"subject": "law", "kind": "single", "count": 2},
        {"subject": "procedure", "kind": "multiple", "count": 1},
        {"subject": "procedure", "kind": "true_false", "count": 2},
        {"subject": "law", "kind": "case", "count": 1},
    ],
    3: [
        {"subject": "procedure", "kind": "single", "count": 2},
        {"subject": "law", "kind": "true_false", "count": 1},
        {"subject": "law", "kind": "case", "count": 1},
    ],
}


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def _bank() -> None:
    rows: list[dict[str, Any]] = []
    for n, (level, subject, kind, stem, options, right, article) in enumerate(QUESTIONS, 1):
        rows.append(
            {
                "code": f"TK-{n:03d}",
                "level": level,
                "subject": subject,
                "kind": kind,
                "stem": stem,
                "options": options,
                "answer": right,
                "points": 2 if kind != "multiple" else 4,
                "citations": [f"{LAW}{article}"],
            }
        )
    for n, (subject, kind, stem, options, right, article) in enumerate(THIRD_LEVEL, 101):
        rows.append(
            {
                "code": f"TK-{n:03d}",
                "level": 3,
                "subject": subject,
                "kind": kind,
                "stem": stem,
                "options": options,
                "answer": right,
                "points": 4,
                "citations": [f"{LAW}{article}"],
            }
        )
    for n, (level, stem, guide, article) in enumerate(CASES, 201):
        rows.append(
            {
                "code": f"TK-{n:03d}",
                "level": level,
                "subject": "law",
                "kind": QuestionKind.CASE,
                "stem": stem,
                "options": [],
                "answer": [],
                "marking_guide": guide,
                "points": 20,
                "citations": [f"{LAW}{article}"],
            }
        )
    for values in rows:
        Question.objects.update_or_create(code=values.pop("code"), defaults=values)


def _recruit_rows(units: list[Unit], count: int, rng: random.Random) -> list[list[str]]:
    surnames, given = "王李张刘陈杨赵黄周吴", "晨阳宇轩涛磊婷雪佳琪"
    rows = []
    for n in range(count):
        birth = dt.date(2001, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
        first17 = f"500101{birth:%Y%m%d}{n % 1000:03d}"
        rows.append(
            [
                f"09{n + 1:04d}",
                rng.choice(surnames) + rng.choice(given) + rng.choice(given),
                first17 + citizen_id_check_char(first17),
                units[n % len(units)].code,
                "",
                "",
                "",
                "在岗",
            ]
        )
    return rows


def _take(
    candidate: Candidate,
    paper: list[PaperQuestion],
    ability: float,
    rng: random.Random,
    marker: User,
) -> None:
    """The candidate's recorded attempt: each objective answer right with probability ABILITY."""
    sitting = candidate.sitting
    start = sitting.opens_at + dt.timedelta(minutes=rng.randrange(0, 20))
    label = f"{ACTOR}:candidate"
    candidate = exams.begin(candidate, actor=label, at=start)
    for n, q in enumerate(paper, 1):
        at = start + dt.timedelta(minutes=2 * n)
        if q.kind == QuestionKind.CASE:
            exams.record_answer(candidate, q, text="（作答要点略）", actor=label, at=at)
            continue
        right = rng.random() < ability
        wrong = [(q.answer[0] + 1) % len(q.options)]
        exams.record_answer(candidate, q, choice=q.answer if right else wrong, actor=label, at=at)
    candidate = exams.hand_in(candidate, actor=label, at=start + dt.timedelta(minutes=45))
    for q in paper:
        if q.kind == QuestionKind.CASE:
            points = Decimal(round(q.points * min(1.0, ability + rng.uniform(-0.2, 0.1))))
            exams.mark_case(
                candidate,
                q,
                max(Decimal(0), points),
                actor=marker,
                at=sitting.closes_at + dt.timedelta(days=1),
            )


@core_demo.step(80, "training")
def load_training(run: core_demo.DemoRun) -> None:
    """The courses, the plan, sessions and attendance, the bank and a year of exams."""
    on = run.on
    if TrainingPlan.objects.filter(year=on.year).exists():
        return  # idempotent: the training demo is written once
    manager = User.objects.filter(username="legal").select_related("scope_unit").first()
    if manager is None or manager.scope_unit is None:
        run.result.notes.append("training: no demo account 'legal'; the training demo is skipped")
        return
    district: Unit = manager.scope_unit
    rng = random.Random(core_demo.SEED + 15)  # noqa: S311 - a reproducible data set
    created: dict[str, int] = {}
    with transaction.atomic():
        for code, title, subject, hours in COURSES:
            courses.save_course(
                {
                    "code": code,
                    "title": title,
                    "subject": subject,
                    "hours": Decimal(hours),
                    "citations": COURSE_CITES.get(code, []),
                },
                actor=manager,
            )
        course_rows = list(Course.objects.filter(code__startswith="JZ-").order_by("code"))
        plan = courses.save_plan(
            on.year,
            district,
            [
                (c, dt.date(on.year, min(12, 1 + i * 12 // len(course_rows) + 1), 28))
                for i, c in enumerate(course_rows)
            ],
            title=f"{on.year}年度{district.name}全警执法质量轮训计划",
            actor=manager,
        )
        created["courses"] = len(course_rows)
        # Officers' service start (从警时间), for the exams' eligibility.
        for officer in Officer.objects.filter(service_start__isnull=True):
            ServiceStart.objects.create(
                officer=officer, joined_on=on - dt.timedelta(days=365 * rng.randint(2, 25))
            )
        # Sessions and attendance in the district: the courses due so far were given.
        officers = list(
            Officer.objects.filter(
                unit__path__startswith=district.path, status=OfficerStatus.ON_DUTY
            )
        )
        enrolled = 0
        for item in plan.items.select_related("course"):
            held_on = item.due_on - dt.timedelta(days=20)
            if held_on > on:
                continue
            session = courses.add_session(
                item.course,
                actor=manager,
                starts_on=held_on,
                ends_on=held_on,
                place=f"{district.name}警务培训中心",
                online=rng.random() < 0.3,
                trainer=rng.choice(["法制大队 王教官", "交巡警支队 刘教官", "治安支队 陈教官"]),
                capacity=len(officers) + 10,
                organiser=district,
            )
            out = courses.enrol(
                session, officers, actor=manager, at=_at(held_on - dt.timedelta(days=7), 9)
            )
            for enrolment in out.enrolled:
                courses.record_attendance(enrolment, rng.random() < 0.85, actor=manager)
                enrolled += 1
        created["enrolments"] = enrolled
        _bank()
        # New recruits (新警) who sit the 基本级 exams; imported like every officer.
        stations = list(
            Unit.objects.filter(path__startswith=district.path, kind="station").order_by("path")
        ) or [district]
        report = core_demo.import_rows(
            OfficerImporter,
            [c.name for c in OfficerImporter.columns],
            _recruit_rows(stations, 18 if run.size.districts > 2 else 6, rng),
        )
        run.result.reports["training recruits"] = report
        recruits = list(
            Officer.objects.filter(police_number__startswith="09").order_by("police_number")
        )
        for officer in recruits:
            ServiceStart.objects.get_or_create(
                officer=officer, defaults={"joined_on": on - dt.timedelta(days=400)}
            )
        batches = [recruits[0::3], recruits[1::3], recruits[2::3]]
        n_sittings = 0
        for suffix, title, level, days_before, published in SITTINGS:
            day = on - dt.timedelta(days=days_before)
            opens = _at(day, 9) if days_before else _at(day, 0, 5)
            closes = _at(day, 11) if days_before else _at(day, 23, 55)
            sitting = exams.create_sitting(
                code=f"ZG-{on.year}-{suffix}",
                title=f"{day.year}年{title}",
                level=level,
                organiser=district,
                opens_at=opens,
                closes_at=closes,
                duration_minutes=90,
                blueprint=BLUEPRINTS[level],
                actor=manager,
                paper_seed=core_demo.SEED + n_sittings,
            )
            exams.draw_paper(sitting, actor=manager)
            if level == 1:
                people = batches[min(2, n_sittings)] if suffix != "J3" else batches[2]
                if suffix == "J3":
                    people = people + list(Officer.objects.filter(user__username="officer"))
            else:
                people = officers
            exams.register(sitting, people, actor=manager, at=opens - dt.timedelta(days=14))
            if published is not None:
                paper = list(PaperQuestion.objects.filter(sitting=sitting).order_by("position"))
                for candidate in Candidate.objects.filter(sitting=sitting).select_related(
                    "sitting"
                ):
                    if rng.random() < 0.06:
                        continue  # absent (缺考)
                    _take(candidate, paper, rng.uniform(0.45, 0.98), rng, manager)
                exams.publish(sitting, actor=manager, at=_at(on - dt.timedelta(days=published), 8))
            n_sittings += 1
        created["sittings"] = n_sittings
        created["qualifications granted"] = exams.apply_due_grants(_at(on, 12))
    from fazhi.core import warnings
    from fazhi.training import alerts

    result = warnings.run_source(alerts.SOURCE, _at(on, 12))
    created["training warnings"] = result.opened
    run.result.created.update({f"training {k}": v for k, v in created.items()})

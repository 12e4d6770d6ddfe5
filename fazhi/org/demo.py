"""The demo's organisation: the units of 示例市公安局, its officers and one account per role.

The tree and the officers are generated from a seeded random source and written through the
same importers as ``fazhi import`` (so the demo is audited and idempotent the same way).
Registered as step 20 of ``fazhi.core.demo``.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from fazhi.audit import log as audit
from fazhi.core.demo import (
    ACTOR,
    DEMO_PASSWORD,
    SEED,
    DemoAccount,
    DemoResult,
    DemoRun,
    DemoSize,
    import_rows,
    step,
)
from fazhi.core.identity import citizen_id_check_char
from fazhi.core.roles import Role
from fazhi.org.imports import OfficerImporter, UnitImporter
from fazhi.org.models import Officer, Unit, UnitKind, User

CITY = "500000000000"
DISTRICTS = [  # (region code, name); the city and its districts are fictional
    ("500101", "城中区"),
    ("500102", "江岸区"),
    ("500103", "北山区"),
    ("500104", "南湖区"),
    ("500105", "西河区"),
    ("500106", "东阳区"),
]
STATION_PLACES = [
    "解放路", "人民路", "朝阳", "和平", "新华", "石桥", "南坪", "大坪", "龙溪", "红旗",
    "青年路", "民主", "滨江", "望江", "花园", "金山", "双桥", "文昌", "五里店", "观音桥",
    "桂花", "长安", "白沙", "黄桷", "杨柳", "东湖", "西城", "沙坪", "古镇", "凤凰",
    "鹿角", "天星", "梨树湾", "鸳鸯", "茶园", "歇马", "玉带", "平安", "新桥", "荷花",
]  # fmt: skip
TOWNSHIPS = [  # (district index, name)
    (1, "江岸区青龙镇"),
    (2, "北山区白云镇"),
    (3, "南湖区桃源镇"),
    (4, "西河区河湾街道"),
    (5, "东阳区石门镇"),
    (5, "东阳区东岭街道"),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
)
GIVEN_MALE = "伟强磊军勇杰涛明超斌鹏辉刚健波华平东峰毅俊浩宇航志国建文林海龙飞成"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲燕红梅琳婷雪倩颖洁慧晶佳欣悦琴云莉萍丹"


# --- generation (pure: rows from the seed) ------------------------------------------------------


def unit_rows(size: DemoSize) -> list[list[str]]:
    """Return [code, name, type, parent_code] for every demo unit."""
    rows = [
        [CITY, "示例市公安局", UnitKind.CITY_BUREAU, ""],
        ["500000010000", "示例市公安局执法监督管理中心", UnitKind.SUPERVISION_CENTRE, CITY],
        ["500000020000", "示例市公安局法制支队", UnitKind.BRANCH, CITY],
        ["500000030000", "示例市公安局交巡警支队", UnitKind.BRANCH, CITY],
        ["500000040000", "示例市公安局治安支队", UnitKind.BRANCH, CITY],
    ]
    places = iter(STATION_PLACES)
    for index, (region, name) in enumerate(DISTRICTS[: size.districts]):
        bureau = f"{region}000000"
        rows.append([bureau, f"示例市公安局{name}分局", UnitKind.DISTRICT_BUREAU, CITY])
        rows.append(
            [f"{region}050000", f"{name}分局执法办案管理中心", UnitKind.CASE_CENTRE, bureau]
        )
        for number in range(1, size.stations[index] + 1):
            station = f"{region}51{number:02d}00"
            place = next(places)
            rows.append([station, f"{name}分局{place}派出所", UnitKind.STATION, bureau])
            if number <= 2:  # the two busiest stations have a case-management room
                rows.append(
                    [
                        f"{region}51{number:02d}01",
                        f"{place}派出所基层案管室",
                        UnitKind.CASE_ROOM,
                        station,
                    ]
                )
    for number, (district, name) in enumerate(TOWNSHIPS, start=1):
        if district < size.districts:
            region = DISTRICTS[district][0]
            rows.append([f"{region}9{number:02d}000", name, UnitKind.TOWNSHIP, f"{region}000000"])
    return rows


def officer_rows(size: DemoSize, on: dt.date, seed: int = SEED) -> list[list[str]]:
    """Return the officer import rows: 警号, 姓名, 身份证号, 单位代码, 资格…, 状态.

    The first officer of each unit is an on-duty officer with a valid qualification (the demo
    accounts are linked to them); the others get a seeded mix of states.
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible data set, not a secret
    used_ids: set[str] = set()
    rows: list[list[str]] = []
    for code, _name, kind, _parent in unit_rows(size):
        per_kind: dict[str, int] = {
            UnitKind.CITY_BUREAU: 2,
            UnitKind.SUPERVISION_CENTRE: 6,
            UnitKind.BRANCH: 4,
            UnitKind.DISTRICT_BUREAU: 3,
            UnitKind.CASE_CENTRE: 4,
            UnitKind.CASE_ROOM: 1,
            UnitKind.TOWNSHIP: 2,
        }
        count = per_kind.get(kind) or rng.randint(*size.officers_per_station)
        for index in range(count):
            number = f"{len(rows) + 10001:06d}"
            male = rng.random() < 0.75
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN_MALE if male else GIVEN_FEMALE) for _ in range(rng.choice((1, 2)))
            )
            id_number = _citizen_id(rng, male, used_ids)
            state = "valid" if index == 0 else _qualification_state(rng)
            rows.append([number, name, id_number, code, *_qualification(rng, state, on)])
    return rows


def _citizen_id(rng: random.Random, male: bool, used: set[str]) -> str:
    while True:
        region = rng.choice(DISTRICTS)[0]
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(35 * 365))
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd = male (GB 11643)
        first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
        number = first17 + citizen_id_check_char(first17)
        if number not in used:
            used.add(number)
            return number


def _qualification_state(rng: random.Random) -> str:
    roll = rng.random()
    for state, share in (
        ("valid", 0.70),
        ("expiring", 0.08),
        ("expired", 0.08),
        ("none", 0.08),
        ("suspended", 0.03),
    ):
        if roll < share:
            return state
        roll -= share
    return "off_duty"


def _qualification(rng: random.Random, state: str, on: dt.date) -> list[str]:
    """Return level, granted, expires, status for a qualification STATE relative to ON."""
    if state == "none":
        return ["", "", "", "在岗"]
    level = rng.choices(("基本级", "中级", "高级"), weights=(6, 3, 1))[0]
    if state == "expiring":
        expires = on + dt.timedelta(days=rng.randrange(1, 90))
    elif state == "expired":
        expires = on - dt.timedelta(days=rng.randrange(1, 400))
    else:
        expires = on + dt.timedelta(days=rng.randrange(120, 4 * 365))
    granted = expires - dt.timedelta(days=5 * 365)
    status = {"suspended": "停止执法", "off_duty": "离岗"}.get(state, "在岗")
    return [level, granted.isoformat(), expires.isoformat(), status]


def account_specs(size: DemoSize) -> list[tuple[str, str, str | None, bool]]:
    """Return (username, role, scope unit code, linked to an officer) for each demo account."""
    district = f"{DISTRICTS[0][0]}000000"
    station = f"{DISTRICTS[0][0]}510100"
    centre = f"{DISTRICTS[0][0]}050000"
    return [
        ("officer", Role.OFFICER, station, True),
        ("legal", Role.LEGAL_OFFICER, district, True),
        ("clerk", Role.CLERK, centre, True),
        ("district", Role.SUPERVISOR, district, True),
        ("city", Role.SUPERVISOR, CITY, True),
        ("leader", Role.LEADER, CITY, True),
        ("window", Role.WINDOW, station, True),
        ("sysadmin", Role.SYSTEM_ADMIN, None, False),
        ("secadmin", Role.SECURITY_ADMIN, None, False),
        ("auditadmin", Role.AUDIT_ADMIN, None, False),
    ]


# Which officer each business account acts as: the Nth officer of a unit (0 is always valid).
ACCOUNT_OFFICERS = {
    "officer": (f"{DISTRICTS[0][0]}510100", 0),
    "legal": (f"{DISTRICTS[0][0]}000000", 0),
    "clerk": (f"{DISTRICTS[0][0]}050000", 0),
    "district": (f"{DISTRICTS[0][0]}000000", 1),
    "city": ("500000010000", 0),
    "leader": ("500000010000", 1),
    "window": (f"{DISTRICTS[0][0]}510100", 1),
}


def _accounts(size: DemoSize, result: DemoResult) -> list[DemoAccount]:
    """Create the demo accounts (one per role) or leave them as they are; return the table."""
    units = {
        unit.code: unit
        for unit in Unit.objects.filter(code__in=[s[2] for s in account_specs(size) if s[2]])
    }
    created = 0
    table = []
    for username, role, scope_code, has_officer in account_specs(size):
        officer = None
        if has_officer:
            unit_code, index = ACCOUNT_OFFICERS[username]
            officer = Officer.objects.filter(unit__code=unit_code).order_by("police_number")[index]
        scope = units.get(scope_code) if scope_code else None
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username, role=role, scope_unit=scope, officer=officer, is_demo=True
            )
            user.full_name = officer.name if officer else str(Role(role).label)
            user.set_password(DEMO_PASSWORD)
            user.save()
            audit.record(
                ACTOR,
                "account.create",
                user,
                changes={
                    "role": [None, role],
                    "scope_unit": [None, scope_code],
                    "officer": [None, officer.police_number if officer else None],
                },
            )
            created += 1
        table.append(
            DemoAccount(
                username=username,
                role=str(Role(user.role).label),
                scope=user.scope_unit.name if user.scope_unit else "—",
                officer=str(user.officer) if user.officer else "—",
            )
        )
    result.created["accounts"] = created
    return table


@step(20, "org")
def load_org(run: DemoRun) -> None:
    """Import the units and officers, and create the demo accounts, in one transaction."""
    result = run.result
    with transaction.atomic():
        result.reports["units"] = import_rows(
            UnitImporter, ["code", "name", "type", "parent_code"], unit_rows(run.size)
        )
        result.reports["officers"] = import_rows(
            OfficerImporter,
            [col.name for col in OfficerImporter.columns],
            officer_rows(run.size, run.on),
        )
        result.accounts = _accounts(run.size, result)

"""Generate the 警快办 demo applications: 100,000 over the last year, deterministic and fast.

Each application's life is planned by a pure function from a seeded random source
(``plan_application``) and follows the rules of fazhi/services/applications.py: the promised time
limit runs in working days from acceptance (``applications.due_date`` on the cases calendar), a
补正 after acceptance stops the clock and its answer resumes it with the days left, and the two
flags are fixed on completion exactly as ``applications.complete`` fixes them. Steps later than
the demo instant are cut off, which leaves the recent applications open (and some overdue).
Writing 100,000 applications one operation at a time would take many minutes, so the rows and
their steps (ApplicationEvent) are written in bulk and the load is audited by ONE summary entry
under ``system:demo``. A second run writes nothing (there are applications already).

The shares are chosen so that the rates land in the seed's range (seed §3: 85.1 % handled fully
online, 90 % of items completed on the spot — the latter is a property of the catalogue, see
docs/metrics.md): 88 % of applications are made online, almost all of them for items that can be
handled fully online; most window applications for on-the-spot items are completed at that visit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from django.db import connection, models, transaction
from django.utils.translation import gettext

from fazhi.audit import log as audit
from fazhi.cases.demo import citizen_id, person_name
from fazhi.core import demo as core_demo
from fazhi.core import progress
from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.clock import SHANGHAI
from fazhi.org.models import Unit, UnitKind, User
from fazhi.services.applications import RECEIPT_ALPHABET, Due, due_after
from fazhi.services.models import (
    Application,
    ApplicationEvent,
    Bundle,
    BundleApplication,
    Channel,
    Citizen,
    ClockFrom,
    GroupRoster,
    HandlingMode,
    LimitUnit,
    RosterMember,
    ServiceItem,
    Step,
)
from fazhi.services.models import ApplicationStatus as S

ACTOR = "system:demo"
SEED = 20260601
CLERK = "window"  # the demo window account acts for every staff step
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
D = dt.timedelta(days=1)

# Shares (of all applications unless said otherwise).
ONLINE_SHARE = 0.89
SELF_SERVICE_SHARE = 0.02
ONLINE_COLLECT_SHARE = 0.03  # of online: items to collect at a window (网上申请、窗口领取)
ONLINE_VISIT_SHARE = 0.01  # of online, fully-online items: came to a window anyway
SPOT_ITEM_SHARE = 0.65  # of window applications: an item that can be completed on the spot
SPOT_DONE_SHARE = 0.9  # of those: completed at that visit
REFUSED, WITHDRAWN, REJECTED, STUCK = 0.02, 0.01, 0.01, 0.003
SUPPLEMENT_BEFORE, SUPPLEMENT_AFTER = 0.04, 0.03
LATE_SHARE = 0.03  # completed after the due day
BUNDLES = 300  # 一件事 applications (their parts count among the applications)
GROUPS = 330  # port-visa tour groups (seed: 300+)
CITIZENS = 20_000
HISTORY_DAYS = 365
NATIONALITIES = ("RUS", "KOR", "JPN", "THA", "VNM", "MYS", "SGP", "DEU", "FRA", "GBR", "USA", "AUS")
AGENCIES = (
    "示例市国际旅行社有限公司",
    "江城国旅有限公司",
    "华源旅游集团有限公司",
    "明珠国际旅行社",
)
PORTS = ("示例市江北国际机场口岸", "示例市港口岸", "示例市铁路口岸")


@dataclass
class DemoApplications:
    created: int = 0
    events: int = 0
    citizens: int = 0
    bundles: int = 0
    groups: int = 0
    members: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Pools:
    """The items an application can be for, by how it is made (each with cumulative weights)."""

    online_full: tuple[list[ServiceItem], list[float]]
    online_collect: tuple[list[ServiceItem], list[float]]
    window: tuple[list[ServiceItem], list[float]]
    spot: tuple[list[ServiceItem], list[float]]
    roster: list[ServiceItem]

    @classmethod
    def of(cls, items: list[ServiceItem], rng: random.Random) -> Pools:
        plain = [i for i in items if not i.needs_roster]
        online = [i for i in plain if i.is_online]
        return cls(
            online_full=_weighted([i for i in online if HandlingMode.ONLINE in i.modes], rng),
            online_collect=_weighted(
                [
                    i
                    for i in online
                    if HandlingMode.ONLINE not in i.modes and HandlingMode.ONLINE_WINDOW in i.modes
                ],
                rng,
            ),
            window=_weighted(plain, rng),
            spot=_weighted([i for i in plain if i.on_the_spot], rng),
            roster=[i for i in items if i.needs_roster],
        )


def _weighted(
    items: list[ServiceItem], rng: random.Random
) -> tuple[list[ServiceItem], list[float]]:
    """A few items are asked for far more than others (Zipf-like), in a seeded order."""
    items = sorted(items, key=lambda i: i.code)
    rng.shuffle(items)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(items))]
    return items, list(itertools.accumulate(weights))


def _pick(rng: random.Random, pool: tuple[list[ServiceItem], list[float]]) -> ServiceItem | None:
    items, cum = pool
    return rng.choices(items, cum_weights=cum)[0] if items else None


class Clock:
    """The working-day calendar, memoised: due days and working-day steps for 100,000 rows."""

    def __init__(self, cal: WorkCalendar | None = None) -> None:
        self.cal = cal or default_calendar()
        self._due_day = lru_cache(maxsize=None)(
            lambda day, amount, unit: due_after(_at(day, 0), amount, unit, self.cal)
        )
        self.workday = lru_cache(maxsize=None)(self.cal.is_workday)
        self.next_workday = lru_cache(maxsize=None)(self._next_workday)

    def due_item(self, start: dt.datetime, item: ServiceItem, amount: int) -> Due:
        """Where AMOUNT units of ITEM's promised limit, started at START, end (a day limit is
        memoised by its start day; an hour limit runs from START itself)."""
        if item.promised_unit == LimitUnit.HOURS:
            return due_after(start, amount, item.promised_unit, self.cal)
        return self._due_day(_local(start), amount, item.promised_unit)

    def _next_workday(self, day: dt.date) -> dt.date:
        """The first working day after DAY."""
        return self.cal.next_workday_on_or_after(day + D)

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after START up to and including END (applications.working_days_between)."""
        count, day = 0, start
        while day < end:
            day += D
            count += self.workday(day)
        return count


def _start(item: ServiceItem, submitted: dt.datetime, accepted: dt.datetime) -> dt.datetime:
    """Where the limit starts (applications.clock_start): acceptance, or receipt for some items."""
    return submitted if item.clock_from == ClockFrom.RECEIVED else accepted


def _due_data(due: Due) -> dict[str, str]:
    """The event data of a (re)started clock, as applications.accept and supplement write it."""
    return {"due_on": due.on.isoformat(), "due_at": due.at.isoformat()}


def _due_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "due_on": dt.date.fromisoformat(data["due_on"]),
        "due_at": dt.datetime.fromisoformat(data["due_at"]),
    }


def _local(at: dt.datetime) -> dt.date:
    return at.astimezone(SHANGHAI).date()


def _at(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8, 30), tzinfo=SHANGHAI) + minutes * M


@dataclass
class Plan:
    """One application: its fields (Application kwargs) and its steps (step, at, actor, data)."""

    item: ServiceItem
    channel: str
    mode: str
    fields: dict[str, Any]
    steps: list[tuple[str, dt.datetime, str, dict[str, Any]]]


def plan_application(
    rng: random.Random,
    now: dt.datetime,
    item: ServiceItem,
    channel: str,
    submitted_at: dt.datetime,
    clock: Clock,
    *,
    citizen_actor: str,
    visit_anyway: bool = False,
) -> Plan:
    """Plan one application's steps as the operations would record them, cut off at NOW."""
    online = channel == Channel.ONLINE
    mode = HandlingMode.WINDOW
    if online:
        mode = (
            HandlingMode.ONLINE if HandlingMode.ONLINE in item.modes else HandlingMode.ONLINE_WINDOW
        )
    applicant = citizen_actor if online else CLERK
    receipt = item.clock_from == ClockFrom.RECEIVED
    submit_data: dict[str, Any] = {"channel": channel}
    if receipt:  # the limit runs from receipt: due from the submission (applications.submit)
        submit_data |= _due_data(clock.due_item(submitted_at, item, item.promised_days))
    steps: list[tuple[str, dt.datetime, str, dict[str, Any]]] = [
        (Step.SUBMIT, submitted_at, applicant, submit_data)
    ]
    roll = rng.random()
    if not online and item.on_the_spot and rng.random() < SPOT_DONE_SHARE:
        done = submitted_at + rng.randrange(5, 40) * M
        due = clock.due_item(_start(item, submitted_at, done), item, item.promised_days)
        steps += [
            (Step.ACCEPT, done, CLERK, _due_data(due)),
            (Step.APPROVE, done, CLERK, {}),
            (Step.COMPLETE, done, CLERK, {}),
        ]
        return _finish(clock, now, item, channel, mode, steps)
    if roll < REFUSED:
        refused = submitted_at + rng.randrange(20, 600) * M
        steps.append((Step.REFUSE, refused, CLERK, {"reason": "不属于本机关职权范围"}))
        return _finish(clock, now, item, channel, mode, steps)
    roll -= REFUSED
    if online and roll < WITHDRAWN:
        steps.append((Step.WITHDRAW, submitted_at + rng.randrange(10, 2000) * M, applicant, {}))
        return _finish(clock, now, item, channel, mode, steps)
    roll -= WITHDRAWN
    at = submitted_at
    # The one-time notice before acceptance (not on a clock counted from receipt, which it would
    # stop: the demo leaves those out).
    if rng.random() < SUPPLEMENT_BEFORE and not receipt:
        at += rng.randrange(30, 300) * M
        steps.append(
            (Step.ASK_SUPPLEMENT, at, CLERK, {"missing": ["材料不齐"], "was": S.SUBMITTED})
        )
        at += rng.randrange(1, 4) * D + rng.randrange(0, 120) * M
        steps.append((Step.SUPPLEMENT, at, applicant, {}))
    # 受理: the same working day if early enough, else the next working day's morning.
    local = at.astimezone(SHANGHAI)
    if clock.workday(local.date()) and local.hour < 15 and rng.random() < 0.6:
        accepted = at + rng.randrange(15, 120) * M
    else:
        accepted = _at(clock.next_workday(local.date()), rng.randrange(0, 420))
    accept_day = _local(accepted)
    due = clock.due_item(_start(item, submitted_at, accepted), item, item.promised_days)
    steps.append((Step.ACCEPT, accepted, CLERK, _due_data(due)))
    promised = item.promised_days
    late = rng.random() < LATE_SHARE
    span = promised + rng.randrange(1, 6) if late else rng.randrange(0, max(promised, 1))
    start_day, start_at, left = accept_day, accepted, promised
    workdays = item.promised_unit == LimitUnit.WORKDAYS  # the demo stops only working-day clocks
    if promised and rng.random() < SUPPLEMENT_AFTER and workdays:  # 补正 after acceptance
        used = rng.randrange(0, promised)
        ask_day = accept_day if used == 0 else clock.cal.add_working_days(accept_day, used)
        asked = max(_at(ask_day, rng.randrange(0, 480)), accepted + 10 * M)
        used = clock.between(_local(_start(item, submitted_at, accepted)), _local(asked))
        steps.append(
            (
                Step.ASK_SUPPLEMENT,
                asked,
                CLERK,
                {"missing": ["补充说明"], "was": S.ACCEPTED, "days_used": used},
            )
        )
        back = asked + rng.randrange(1, 6) * D + rng.randrange(0, 240) * M
        left = max(promised - used, 0)
        due = clock.due_item(back, item, left)
        steps.append((Step.SUPPLEMENT, back, applicant, {"days_left": left, **_due_data(due)}))
        start_day, start_at = _local(back), back
        span = left + rng.randrange(1, 6) if late else rng.randrange(0, max(left, 1))
    if rng.random() < STUCK:
        return _finish(
            clock, now, item, channel, mode, steps
        )  # never finished: overdue if past due
    done_day = start_day if span == 0 else clock.cal.add_working_days(start_day, span)
    done = max(_at(done_day, rng.randrange(30, 500)), start_at + rng.randrange(20, 90) * M)
    if roll < REJECTED:
        steps.append((Step.REJECT, done, CLERK, {"reason": "不符合法定条件"}))
        return _finish(clock, now, item, channel, mode, steps)
    steps.append((Step.APPROVE, done - rng.randrange(5, 20) * M, CLERK, {}))
    if mode == HandlingMode.ONLINE_WINDOW or (online and visit_anyway):
        steps.append((Step.VISIT, done - 2 * M, CLERK, {}))
    steps.append((Step.COMPLETE, done, CLERK, {}))
    return _finish(clock, now, item, channel, mode, steps)


def _finish(
    clock: Clock,
    now: dt.datetime,
    item: ServiceItem,
    channel: str,
    mode: str,
    steps: list[tuple[str, dt.datetime, str, dict[str, Any]]],
) -> Plan:
    """Cut the steps at NOW and derive the fields the operations would have left."""
    steps = [s for s in steps if s[1] <= now]
    submitted_at = steps[0][1]
    f: dict[str, Any] = {
        "status": S.SUBMITTED,
        "submitted_at": submitted_at,
        "accepted_at": None,
        "decided_at": None,
        "completed_at": None,
        "due_on": None,
        "due_at": None,
        "days_used": 0,
        "clock_stopped_at": None,
        "visits": 0 if channel == Channel.ONLINE else 1,
        "fully_online": None,
        "on_the_spot": None,
        "handling_seconds": None,
        "handling_days": None,
        "completed_late": None,
    }
    had_supplement = False
    for step, at, _actor, data in steps:
        if step == Step.SUBMIT and "due_on" in data:
            f.update(**_due_fields(data))
        elif step == Step.ACCEPT:
            f.update(status=S.ACCEPTED, accepted_at=at, **_due_fields(data))
        elif step == Step.ASK_SUPPLEMENT:
            had_supplement = True
            f["status"] = S.SUPPLEMENT
            if data["was"] == S.ACCEPTED:
                f.update(days_used=data["days_used"], clock_stopped_at=at)
        elif step == Step.SUPPLEMENT:
            f["status"] = S.ACCEPTED if f["accepted_at"] else S.SUBMITTED
            if "due_on" in data:
                f.update(clock_stopped_at=None, **_due_fields(data))
        elif step == Step.VISIT:
            f["visits"] += 1
        elif step == Step.APPROVE:
            f.update(status=S.APPROVED, decided_at=at)
        elif step in (Step.REFUSE, Step.REJECT):
            f.update(status=S.REFUSED if step == Step.REFUSE else S.REJECTED, decided_at=at)
            f["clock_stopped_at"] = None
            if step == Step.REJECT:
                f["completed_at"] = at
        elif step == Step.WITHDRAW:
            f.update(status=S.WITHDRAWN, completed_at=at)
        elif step == Step.COMPLETE:
            f.update(status=S.COMPLETED, completed_at=at)
            f["fully_online"] = channel == Channel.ONLINE and f["visits"] == 0
            f["on_the_spot"] = (
                channel != Channel.ONLINE
                and f["visits"] == 1
                and not had_supplement
                and _local(at) == _local(submitted_at)
            )
            data.update(fully_online=f["fully_online"], on_the_spot=f["on_the_spot"])
            f["handling_seconds"] = int((at - submitted_at).total_seconds())
            f["handling_days"] = clock.between(_local(submitted_at), _local(at))
            f["completed_late"] = at >= f["due_at"]
    return Plan(item, channel, mode, f, steps)


def sample_form(item: ServiceItem, rng: random.Random) -> dict[str, Any]:
    """A filled-in form for ITEM (one per item: the demo needs volume, not variety)."""
    values: dict[str, Any] = {}
    for spec in item.form or []:
        kind = spec.get("type")
        values[spec["key"]] = {
            "date": "2026-01-15",
            "integer": 1,
            "choice": (spec.get("choices") or [""])[0],
            "id_number": citizen_id(rng, dt.date(1990, 3, 7)),
            "phone": "13900000000",
            "email": "demo@example.com",
            "uscc": "",
        }.get(kind, "示例")
    return values


def new_receipt(rng: random.Random, at: dt.datetime, used: set[str]) -> str:
    while True:
        code = f"JKB{_local(at):%Y%m%d}" + "".join(rng.choices(RECEIPT_ALPHABET, k=6))
        if code not in used:
            used.add(code)
            return code


def unit_for(item: ServiceItem, rng: random.Random, units: dict[str, list[Unit]]) -> Unit:
    for level in ("station", "district", "city"):
        if level in (item.levels or ["station"]) and units.get(level):
            return rng.choice(units[level])
    return rng.choice(units["station"])


def application_values(
    rng: random.Random,
    plan: Plan,
    unit: Unit,
    who: Citizen | None,
    clerk: User | None,
    forms: dict[int, dict[str, Any]],
    receipts: set[str],
) -> dict[str, Any]:
    """The Application fields of a planned application (the demo and the benchmark write them)."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(55 * 365))
    online = plan.channel == Channel.ONLINE
    return {
        "receipt": new_receipt(rng, plan.fields["submitted_at"], receipts),
        "item_id": plan.item.pk,
        "unit_id": unit.pk,
        "channel": plan.channel,
        "mode": plan.mode,
        "citizen_id": who.pk if online and who else None,
        "applicant_name": person_name(rng),
        "applicant_id_type": "id_card",
        "applicant_id_number": citizen_id(rng, birth),
        "applicant_phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
        "form_data": forms[plan.item.pk],
        "created_by_id": None if online or clerk is None else clerk.pk,
        "idempotency_key": None,
        **plan.fields,
    }


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]], chunk: int = 5000) -> None:
    """INSERT ROWS (dicts of column attnames) with executemany, bypassing the ORM's per-field
    preparation (most of a bulk_create's time at 100,000 rows). On SQLite the values are adapted
    here as Django stores them (UTC text timestamps, ISO dates, JSON text); on another database
    each field prepares its own value."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    if connection.vendor == "sqlite":
        adapt = [_sqlite_adapter(f) for f in fields]
    else:
        adapt = [_prepared_for_save(f) for f in fields]
    # a concrete field always has its column
    columns = ", ".join(connection.ops.quote_name(cast(str, f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            cursor.executemany(
                sql,
                [
                    [a(row[n]) for a, n in zip(adapt, names, strict=True)]
                    for row in rows[start : start + chunk]
                ],
            )


def _prepared_for_save(f: models.Field[Any, Any]) -> Callable[[Any], Any]:
    return lambda v: f.get_db_prep_save(v, connection)


def _sqlite_adapter(f: models.Field[Any, Any]) -> Callable[[Any], Any]:
    if isinstance(f, models.DateTimeField):
        return lambda v: (
            None if v is None else v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
        )
    if isinstance(f, models.DateField):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(f, models.JSONField):
        return lambda v: json.dumps(v, ensure_ascii=False)
    return lambda v: v


def _load_catalogue(result: DemoApplications) -> None:
    try:
        from fazhi.services.catalogue import load_catalogue  # helper A's catalogue loader
    except ImportError:
        result.notes.append("services: no catalogue loader (fazhi.services.catalogue)")
        return
    load_catalogue()


def load_applications(*, on: dt.date, count: int = 100_000, seed: int = SEED) -> DemoApplications:
    """Write COUNT demo applications over the year before ON; nothing if there are any."""
    result = DemoApplications()
    if count <= 0 or Application.objects.exists():
        return result
    if not ServiceItem.objects.exists():
        _load_catalogue(result)
    items = list(ServiceItem.objects.filter(is_active=True).order_by("code"))
    units = {
        "station": list(Unit.objects.filter(kind=UnitKind.STATION).order_by("code")),
        "district": list(Unit.objects.filter(kind=UnitKind.DISTRICT_BUREAU).order_by("code")),
        "city": list(Unit.objects.filter(kind=UnitKind.CITY_BUREAU).order_by("code")),
    }
    clerk = User.objects.filter(username=CLERK).first()
    if not items or not units["station"]:
        result.notes.append("services: no service items or no stations; no demo applications")
        return result
    rng = random.Random(seed)  # noqa: S311 - a reproducible data set, not a secret
    now = dt.datetime.combine(on, dt.time(0, 0), tzinfo=SHANGHAI)
    clock = Clock()
    pools = Pools.of(items, rng)
    forms = {item.pk: sample_form(item, rng) for item in items}
    first_day = on - dt.timedelta(days=HISTORY_DAYS)
    days = [first_day + dt.timedelta(days=n) for n in range(HISTORY_DAYS)]
    workdays = [d for d in days if clock.workday(d)]
    with transaction.atomic():
        citizens = _citizens(rng, min(CITIZENS, max(count // 5, 1)))
        result.citizens = len(citizens)
        plans: list[tuple[Plan, Unit, Citizen | None, BundleApplication | None]] = []
        receipts: set[str] = set()
        groups = min(GROUPS, count // 100) if pools.roster else 0
        bundle_plans = _bundle_parents(
            rng, now, days, min(BUNDLES, count // 200), citizens, receipts
        )
        for parent, bundle_items, who in bundle_plans:
            for item in bundle_items:
                if len(plans) >= count:
                    break
                plan = plan_application(
                    rng, now, item, Channel.ONLINE, parent.submitted_at, clock,
                    citizen_actor=f"citizen:{who.pk}",
                )  # fmt: skip
                plans.append((plan, unit_for(item, rng, units), who, parent))
        for _ in range(groups):
            item = rng.choice(pools.roster)
            who = rng.choice(citizens)
            submitted = _at(rng.choice(workdays), rng.randrange(0, 540))
            channel = Channel.ONLINE if item.is_online else Channel.WINDOW
            plan = plan_application(
                rng, now, item, channel, submitted, clock, citizen_actor=f"citizen:{who.pk}"
            )
            plans.append((plan, unit_for(item, rng, units), who, None))
        progress.count(gettext("生成办件"), count)  # fazhi demo: the longest step
        progress.advance(len(plans))
        while len(plans) < count:
            one, one_who = plan_one(rng, now, pools, clock, days, workdays, citizens)
            if one is None:
                continue
            plans.append((one, unit_for(one.item, rng, units), one_who, None))
            progress.advance()
        plans.sort(key=lambda p: p[0].fields["submitted_at"])
        rows = []
        for planned, unit, applicant, bundle_parent in plans:
            values = application_values(rng, planned, unit, applicant, clerk, forms, receipts)
            values["bundle_application_id"] = bundle_parent.pk if bundle_parent else None
            rows.append(values)
            result.statuses[planned.fields["status"]] += 1
        insert_rows(Application, rows)
        ids = dict(Application.objects.values_list("receipt", "pk"))
        for row in rows:
            row["id"] = ids[row["receipt"]]
        events = [
            {
                "application_id": row["id"],
                "step": step,
                "at": at,
                "actor": actor,
                "reason": data.pop("reason", ""),
                "data": data,
            }
            for row, (plan, *_rest) in zip(rows, plans, strict=True)
            for step, at, actor, data in plan.steps
        ]
        insert_rows(ApplicationEvent, events)
        result.created, result.events = len(rows), len(events)
        result.bundles = _close_bundles(bundle_plans)
        result.groups, result.members = _rosters(rng, rows, {i.pk for i in pools.roster})
        audit.record(
            ACTOR,
            "services.demo_load",
            ("services.application", "demo", "演示办件"),
            changes={
                "applications": result.created,
                "events": result.events,
                "citizens": result.citizens,
                "bundle_applications": result.bundles,
                "groups": result.groups,
                "seed": seed,
                "on": on.isoformat(),
            },
        )
    return result


def plan_one(
    rng: random.Random,
    now: dt.datetime,
    pools: Pools,
    clock: Clock,
    days: list[dt.date],
    workdays: list[dt.date],
    citizens: list[Citizen],
) -> tuple[Plan | None, Citizen | None]:
    roll = rng.random()
    who = rng.choice(citizens)
    if roll < ONLINE_SHARE:
        collect = rng.random() < ONLINE_COLLECT_SHARE
        item = _pick(rng, pools.online_collect if collect else pools.online_full)
        item = item or _pick(rng, pools.online_full) or _pick(rng, pools.online_collect)
        if item is None:
            return None, None
        minute = int(rng.triangular(7 * 60, 23 * 60, 14 * 60))
        submitted = dt.datetime.combine(rng.choice(days), dt.time(0, 0), tzinfo=SHANGHAI) + (
            minute * M + rng.randrange(60) * dt.timedelta(seconds=1)
        )
        plan = plan_application(
            rng, now, item, Channel.ONLINE, submitted, clock,
            citizen_actor=f"citizen:{who.pk}", visit_anyway=rng.random() < ONLINE_VISIT_SHARE,
        )  # fmt: skip
        return plan, who
    channel = Channel.SELF_SERVICE if roll > 1 - SELF_SERVICE_SHARE else Channel.WINDOW
    item = _pick(rng, pools.spot if rng.random() < SPOT_ITEM_SHARE else pools.window)
    item = item or _pick(rng, pools.window)
    if item is None:  # the window pool is every plain item, so never empty here
        raise ValueError("no service item for a window application")
    submitted = _at(rng.choice(workdays), rng.randrange(0, 510))
    return plan_application(rng, now, item, channel, submitted, clock, citizen_actor=""), None


def _citizens(rng: random.Random, n: int) -> list[Citizen]:
    before = Citizen.objects.aggregate(last=models.Max("pk"))["last"] or 0
    verified = dt.datetime(2025, 1, 1, tzinfo=SHANGHAI)
    insert_rows(
        Citizen,
        [
            {
                "phone": f"139{phone:08d}",
                "name": person_name(rng),
                "id_number": "",
                "verified_at": verified,
                "created_at": verified,
            }
            for phone in rng.sample(range(10**8), n)
        ],
    )
    return list(Citizen.objects.filter(pk__gt=before).order_by("pk"))


BundlePlan = tuple[BundleApplication, list[ServiceItem], Citizen]


def _bundle_parents(
    rng: random.Random,
    now: dt.datetime,
    days: list[dt.date],
    n: int,
    citizens: list[Citizen],
    receipts: set[str],
) -> list[BundlePlan]:
    bundles = [(b, [e.item for e in b.entries.select_related("item").order_by("order")])
               for b in Bundle.objects.filter(is_active=True).order_by("code")]  # fmt: skip
    bundles = [(b, its) for b, its in bundles if its and all(i.is_online for i in its)]
    out: list[BundlePlan] = []
    for _ in range(n if bundles else 0):
        bundle, items = rng.choice(bundles)
        who = rng.choice(citizens)
        at = dt.datetime.combine(rng.choice(days[:-20]), dt.time(9, 0), tzinfo=SHANGHAI)
        at += rng.randrange(0, 600) * M
        parent = BundleApplication(
            receipt=new_receipt(rng, at, receipts),
            bundle=bundle,
            citizen=who,
            applicant_name=who.name,
            form_data={},
            submitted_at=at,
        )
        out.append((parent, items, who))
    BundleApplication.objects.bulk_create([p for p, _i, _w in out], batch_size=1000)
    return out


def _close_bundles(bundle_plans: list[BundlePlan]) -> int:
    """A bundle application completes when every part has ended (as the operations do it)."""
    parents = {p.pk: p for p, _i, _w in bundle_plans}
    ends: dict[int, list[dt.datetime | None]] = {}
    for parent_id, ended in Application.objects.filter(bundle_application__in=parents).values_list(
        "bundle_application_id", "completed_at"
    ):
        ends.setdefault(parent_id, []).append(ended)
    done = []
    for parent_id, times in ends.items():
        if all(times):
            parents[parent_id].completed_at = max(t for t in times if t is not None)
            done.append(parents[parent_id])
    BundleApplication.objects.bulk_update(done, ["completed_at"], batch_size=1000)
    return len(parents)


def _rosters(
    rng: random.Random, rows: list[dict[str, Any]], roster_items: set[int]
) -> tuple[int, int]:
    rosters, members = [], []
    for app in rows:
        if app["item_id"] not in roster_items:
            continue
        entry = _local(app["submitted_at"]) + dt.timedelta(days=rng.randrange(10, 40))
        exit_ = entry + dt.timedelta(days=rng.randrange(3, 10))
        roster = GroupRoster(
            application_id=app["id"],
            agency=rng.choice(AGENCIES),
            port=rng.choice(PORTS),
            planned_entry=entry,
            planned_exit=exit_,
        )
        rosters.append(roster)
        for row in range(1, rng.randrange(8, 31)):
            members.append(
                RosterMember(
                    roster=roster,
                    row=row,
                    name=f"MEMBER {row:02d}",
                    nationality=rng.choice(NATIONALITIES),
                    passport_number=f"E{rng.randrange(10**8):08d}",
                    birth_date=dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(40 * 365)),
                    sex=rng.choice("MF"),
                    passport_expiry=exit_ + dt.timedelta(days=rng.randrange(200, 3000)),
                )
            )
    GroupRoster.objects.bulk_create(rosters, batch_size=1000)
    RosterMember.objects.bulk_create(members, batch_size=2000, ignore_conflicts=True)
    return len(rosters), len(members)


# --- the demo steps (fazhi.core.demo, ADR 0017) --------------------------------------------------


@core_demo.step(40, "services.catalogue")
def load_demo_catalogue(run: core_demo.DemoRun) -> None:
    """The 警快办 catalogue and its published edition, after the enforcement catalogue."""
    from fazhi.services.catalogue import load_demo

    items, published = load_demo(run.result.notes)
    run.result.created["service_items"], run.result.created["service_editions"] = items, published


@core_demo.step(70, "services.applications")
def load_demo_applications(run: core_demo.DemoRun) -> None:
    """The 警快办 applications of the year before the run's day (none when the size says 0)."""
    if not run.size.applications:
        return
    loaded = load_applications(on=run.on, count=run.size.applications)
    run.result.created["applications"] = loaded.created
    run.result.notes += loaded.notes

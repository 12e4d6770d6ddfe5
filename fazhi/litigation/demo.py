"""The demo's reconsiderations and lawsuits: a year of matters against the demo cases' decisions,
each answered in time (a few late), with the head appearing at every hearing held (the seed's
出庭应诉率 100%), some losses and their 整改 orders.

Deterministic (``random.Random(SEED)``, instants relative to the demo day) and written through the
domain functions (audited like any other write); nothing is written when a matter exists.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from fazhi.cases.demo import demo_instant
from fazhi.cases.models import Case, Party, PartyRole, ProceduralEvent
from fazhi.core import demo as core_demo
from fazhi.core.clock import SHANGHAI
from fazhi.core.demo import DEMO_PASSWORD
from fazhi.core.roles import Role
from fazhi.litigation import alerts, matters
from fazhi.litigation.models import (
    LOSSES,
    AgencyHead,
    Appearance,
    HeadPost,
    Matter,
    MatterKind,
    Outcome,
    RulingForm,
)
from fazhi.org.models import Officer, Unit, UnitKind, User

SEED = 20260601
SHARE_CONTESTED = 0.03  # of the decisions of the year: contested (about 90 of 3,000)
LAWSUIT_SHARE = 0.35  # of the contested: sued rather than reconsidered
LATE_SHARE = 0.04  # replies filed after the period (the red warning's history)
LEGAL_CITY = "legal-city"  # a city-level legal officer who answers for every unit
D = dt.timedelta(days=1)

RECONSIDERATION_OUTCOMES = [
    (Outcome.UPHELD, 0.78),
    (Outcome.WITHDRAWN, 0.08),
    (Outcome.REVOKED, 0.06),
    (Outcome.CONFIRMED_ILLEGAL, 0.04),
    (Outcome.VARIED, 0.04),
]
LAWSUIT_OUTCOMES = [
    (Outcome.DISMISSED, 0.80),
    (Outcome.WITHDRAWN, 0.08),
    (Outcome.REVOKED, 0.07),
    (Outcome.CONFIRMED_ILLEGAL, 0.05),
]
HEAD_TITLES = {HeadPost.PRINCIPAL: "局长", HeadPost.DEPUTY: "副局长"}


@dataclass
class DemoLitigation:
    matters: int = 0
    hearings: int = 0
    losses: int = 0
    orders: int = 0


def _pick(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    roll, total = rng.random(), 0.0
    for value, share in table:
        total += share
        if roll < total:
            return value
    return table[-1][0]


def _bureau(unit: Unit) -> Unit:
    """The district bureau (or the city bureau) a unit belongs to: the organ that answers."""
    step = int(Unit.steplen)
    prefixes = [unit.path[:end] for end in range(step, len(unit.path), step)]
    ancestors = Unit.objects.filter(path__in=prefixes).order_by("-depth")
    chain: list[Unit] = [unit, *ancestors]
    return next(
        (u for u in chain if u.kind in (UnitKind.DISTRICT_BUREAU, UnitKind.CITY_BUREAU)), unit
    )


def _region(unit: Unit) -> str:
    name = unit.name.replace("示例市", "").replace("公安分局", "").replace("分局", "")
    return name if name.endswith("区") else f"{name}区"


def _legal_user(city: Unit) -> User:
    user = User.objects.filter(username=LEGAL_CITY).first()
    if user is None:
        officer = (
            Officer.objects.filter(unit=city, user__isnull=True).order_by("police_number").first()
        )
        user = User.objects.create(
            username=LEGAL_CITY,
            role=Role.LEGAL_OFFICER,
            scope_unit=city,
            officer=officer,
            full_name=officer.name if officer else "市局法制支队",
            password=make_password(DEMO_PASSWORD),
            is_demo=True,
        )
    return user


def _heads(units: list[Unit], actor: User, now: dt.datetime) -> dict[int, AgencyHead]:
    """One 正职 and one 副职 per answering unit (its first officers); return the 正职 by unit."""
    out: dict[int, AgencyHead] = {}
    since = (now - dt.timedelta(days=3 * 365)).astimezone(SHANGHAI).date()
    for unit in units:
        officers = list(Officer.objects.filter(unit=unit).order_by("police_number")[:2])
        for post, officer in zip((HeadPost.PRINCIPAL, HeadPost.DEPUTY), officers, strict=False):
            head = matters.add_head(
                unit, officer, post=post, title=HEAD_TITLES[post], since=since, actor=actor, at=now
            )
            out.setdefault(unit.pk, head)
    return out


def load_litigation(
    *, on: dt.date, seed: int = SEED, share: float = SHARE_CONTESTED
) -> DemoLitigation:
    result = DemoLitigation()
    if Matter.objects.exists():
        return result
    city = Unit.objects.filter(kind=UnitKind.CITY_BUREAU).first()
    supervisor = User.objects.filter(username="city").first()
    if city is None or supervisor is None:
        return result
    now = demo_instant(on)
    start = now - dt.timedelta(days=365)
    rng = random.Random(seed)  # noqa: S311 - a reproducible data set, not a secret
    decisions = list(
        ProceduralEvent.objects.filter(
            kind=matters.DECIDE_EVENT,
            corrections__isnull=True,
            occurred_at__gte=start,
            occurred_at__lt=now - dt.timedelta(days=20),
        )
        .select_related("case__unit")
        .order_by("occurred_at", "id")
    )
    chosen = [e for e in decisions if rng.random() < share]
    with transaction.atomic():
        legal = _legal_user(city)
        bureaus = {e.case_id: _bureau(e.case.unit) for e in chosen}
        heads = _heads(
            sorted({b.pk: b for b in bureaus.values()}.values(), key=lambda u: u.code), legal, start
        )
        for event in chosen:
            party = (
                Party.objects.filter(case_id=event.case_id, role=PartyRole.SUSPECT)
                .order_by("id")
                .first()
            )
            if party is None:
                continue
            _matter(
                rng, event, party, bureaus[event.case_id], heads, legal, supervisor, now, result
            )
        alerts.run(now)
    return result


def _matter(
    rng: random.Random,
    event: ProceduralEvent,
    party: Party,
    bureau: Unit,
    heads: dict[int, AgencyHead],
    legal: User,
    supervisor: User,
    now: dt.datetime,
    result: DemoLitigation,
) -> None:
    case: Case = event.case
    lawsuit = rng.random() < LAWSUIT_SHARE
    kind = MatterKind.FIRST_INSTANCE if lawsuit else MatterKind.RECONSIDERATION
    decided = event.occurred_at.astimezone(SHANGHAI).date()
    accepted = decided + rng.randint(8, 40) * D
    received = accepted + rng.randint(1, 5) * D
    today = now.astimezone(SHANGHAI).date()
    if received >= today:
        return
    region = _region(bureau)
    body = f"示例市{region}人民法院" if lawsuit else f"示例市{region}人民政府"
    at = dt.datetime.combine(received, dt.time(10, rng.randint(0, 59)), SHANGHAI)
    matter = matters.register_matter(
        matters.NewMatter(
            kind=kind,
            body=body,
            unit=bureau,
            received_on=received,
            accepted_on=accepted,
            docket_number=(
                f"（{received.year}）示{rng.randint(1, 9)}行初{rng.randint(10, 999)}号"
                if lawsuit
                else f"示{region[:1]}府复〔{received.year}〕{rng.randint(1, 300)}号"
            ),
            claimant_kind=party.kind,
            claimant_name=party.name,
            claimant_id_type=party.id_type,
            claimant_id_number=party.id_number,
            claimant_phone=party.phone,
            case=case,
            decision_event=event,
            claims="请求撤销行政处罚决定" if rng.random() < 0.8 else "请求确认行政处罚决定违法",
            agent=legal.officer,
        ),
        actor=legal,
        at=at,
    )
    result.matters += 1
    period = 15 if lawsuit else 14  # 10 working days are about 14 calendar days
    late = rng.random() < LATE_SHARE
    replied = (
        received + (rng.randint(period + 1, period + 4) if late else rng.randint(3, period - 4)) * D
    )
    if replied < today:
        matter = matters.record_reply(
            matter,
            replied_on=replied,
            evidence_submitted=True,
            actor=legal,
            at=dt.datetime.combine(replied, dt.time(16), SHANGHAI),
        )
    if lawsuit:
        hearing_day = received + rng.randint(30, 60) * D
        scheduled = dt.datetime.combine(hearing_day, dt.time(9, 30), SHANGHAI)
        planned_at = dt.datetime.combine(received + 20 * D, dt.time(10), SHANGHAI)
        if planned_at < now:
            hearing = matters.plan_hearing(
                matter,
                scheduled_at=scheduled,
                place=f"{body}第{rng.randint(1, 6)}法庭",
                actor=legal,
                at=planned_at,
            )
            result.hearings += 1
            head = heads.get(bureau.pk)
            if head is not None:
                held = scheduled + dt.timedelta(hours=3) < now
                matters.set_appearance(
                    hearing,
                    matters.AppearanceIn(Appearance.HEAD, head=head, held=held),
                    actor=legal,
                    at=min(now, scheduled + dt.timedelta(hours=3))
                    if held
                    else min(now, planned_at + D),
                )
    decided_on = received + (rng.randint(90, 150) if lawsuit else rng.randint(35, 70)) * D
    if decided_on >= today or matter.replied_on is None:
        return
    outcome = _pick(rng, LAWSUIT_OUTCOMES if lawsuit else RECONSIDERATION_OUTCOMES)
    served = min(decided_on + rng.randint(1, 5) * D, today - D)
    form = RulingForm.JUDGMENT if lawsuit else RulingForm.DECISION
    if outcome == Outcome.WITHDRAWN:
        form = RulingForm.RULING if lawsuit else RulingForm.OTHER
    matters.record_outcome(
        Matter.objects.get(pk=matter.pk),
        matters.OutcomeIn(outcome, decided_on, form, served),
        actor=legal,
        at=dt.datetime.combine(served, dt.time(15), SHANGHAI),
    )
    if outcome not in LOSSES:
        return
    result.losses += 1
    issued = dt.datetime.combine(served + rng.randint(1, 5) * D, dt.time(10), SHANGHAI)
    if issued >= now:
        return  # recent: the warning reminds the centre
    lost = Matter.objects.get(pk=matter.pk)
    problem, demand = matters.correction_text(lost)
    matters.issue_correction(
        lost,
        problem=problem,
        demand=demand,
        reply_due_at=issued + 15 * D,
        actor=supervisor,
        at=issued,
    )
    result.orders += 1


@core_demo.step(62, "litigation", needs="cases")
def load_demo_litigation(run: core_demo.DemoRun) -> None:
    """The demo step of litigation (fazhi.core.demo, ADR 0017): after the orders and reviews."""
    litigation = load_litigation(on=run.on)
    run.result.created["litigation_matters"] = litigation.matters
    run.result.created["litigation_orders"] = litigation.orders

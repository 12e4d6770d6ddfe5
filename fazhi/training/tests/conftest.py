from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from fazhi.core.roles import Role
from fazhi.org.models import Officer, QualificationLevel, Unit, User
from fazhi.org.tests.factories import OfficerFactory, UserFactory
from fazhi.training import exams
from fazhi.training.models import ServiceStart, Sitting
from fazhi.training.tests.factories import BLUEPRINT, bank, local


@dataclass
class World:
    units: dict[str, Unit]
    manager: User
    officer: Officer
    user: User
    sitting: Sitting


def make_candidate_officer(unit: Unit, joined: dt.date = dt.date(2015, 7, 1), **kwargs) -> Officer:
    officer = OfficerFactory(
        unit=unit,
        qualification_level=QualificationLevel.BASIC,
        qualification_granted_on=dt.date(2023, 1, 1),
        qualification_expires_on=dt.date(2027, 12, 31),
        **kwargs,
    )
    ServiceStart.objects.create(officer=officer, joined_on=joined)
    return officer


@pytest.fixture
def world(tree) -> World:
    manager = UserFactory(username="peixun", role=Role.LEGAL_OFFICER, scope_unit=tree["city"])
    officer = make_candidate_officer(tree["s1"])
    user = UserFactory(
        username="kaosheng", role=Role.OFFICER, scope_unit=tree["s1"], officer=officer
    )
    bank()
    sitting = exams.create_sitting(
        code="ZG-2026-2",
        title="2026年中级执法资格考试",
        level=QualificationLevel.INTERMEDIATE,
        organiser=tree["city"],
        opens_at=local("2026-09-10", 9),
        closes_at=local("2026-09-10", 12),
        duration_minutes=60,
        blueprint=BLUEPRINT,
        actor=manager,
        paper_seed=20260910,
    )
    exams.draw_paper(sitting, actor=manager)
    exams.register(sitting, [officer], actor=manager, at=local("2026-09-01"))
    sitting.refresh_from_db()
    return World(tree, manager, officer, user, sitting)

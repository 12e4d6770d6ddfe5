"""Factories for units, officers and users (open-zaak style, with Traits)."""

from __future__ import annotations

import datetime as dt

import factory

from fazhi.core.identity import citizen_id_check_char
from fazhi.core.roles import Role
from fazhi.org.models import Officer, OfficerStatus, QualificationLevel, Unit, UnitKind, User


def make_citizen_id(seq: int, birth: dt.date = dt.date(1985, 6, 1), region: str = "500103") -> str:
    """Return a valid 18-character ID number, unique per SEQ (0–999 per birth date)."""
    first17 = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + citizen_id_check_char(first17)


def add_unit(code: str, name: str, kind: str, parent: Unit | None = None) -> Unit:
    if parent is None:
        return Unit.objects.add_root({"code": code, "name": name, "kind": kind})
    return Unit.objects.add_child(
        Unit.objects.get(pk=parent.pk), {"code": code, "name": name, "kind": kind}
    )


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    police_number = factory.Sequence(lambda n: f"{100000 + n}")
    name = factory.Sequence(lambda n: f"民警{n}")
    id_number = factory.Sequence(lambda n: make_citizen_id(n, dt.date(1980 + n // 1000 % 20, 1, 1)))
    unit = None  # pass a unit
    status = OfficerStatus.ON_DUTY
    qualification_level = QualificationLevel.BASIC
    qualification_granted_on = dt.date(2024, 1, 1)
    qualification_expires_on = dt.date(2028, 12, 31)

    class Params:
        unqualified = factory.Trait(
            qualification_level=None, qualification_granted_on=None, qualification_expires_on=None
        )
        expired = factory.Trait(
            qualification_granted_on=dt.date(2018, 1, 1),
            qualification_expires_on=dt.date(2022, 12, 31),
        )
        suspended = factory.Trait(status=OfficerStatus.SUSPENDED)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.LazyAttribute(lambda o: o.username)
    role = Role.OFFICER
    scope_unit = None
    password = factory.django.Password("correct horse battery")


def build_small_tree() -> dict[str, Unit]:
    """Return a city bureau with two districts, each with a station and a case centre."""
    city = add_unit("500000", "示例市公安局", UnitKind.CITY_BUREAU)
    centre = add_unit("500000-JD", "市局执法监督管理中心", UnitKind.SUPERVISION_CENTRE, city)
    d1 = add_unit("500103", "甲区分局", UnitKind.DISTRICT_BUREAU, city)
    d2 = add_unit("500104", "乙区分局", UnitKind.DISTRICT_BUREAU, city)
    s1 = add_unit("500103-01", "甲区一派出所", UnitKind.STATION, d1)
    c1 = add_unit("500103-BA", "甲区执法办案管理中心", UnitKind.CASE_CENTRE, d1)
    s2 = add_unit("500104-01", "乙区一派出所", UnitKind.STATION, d2)
    t1 = add_unit("500104-T1", "乙区某镇", UnitKind.TOWNSHIP, d2)
    return {
        k: Unit.objects.get(pk=v.pk)
        for k, v in {
            "city": city,
            "centre": centre,
            "d1": d1,
            "d2": d2,
            "s1": s1,
            "c1": c1,
            "s2": s2,
            "t1": t1,
        }.items()
    }

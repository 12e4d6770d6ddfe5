"""Service items, citizens and applicants for tests, made through the real models and operations."""

from __future__ import annotations

import datetime as dt
import itertools

from fazhi.core.identity import citizen_id_check_char
from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory
from fazhi.services.applications import Applicant
from fazhi.services.models import Citizen, HandlingMode, Material, ServiceItem

SH = dt.timezone(dt.timedelta(hours=8))
_codes = itertools.count(1)
_phones = itertools.count(13800000001)

NAME_FIELDS = [
    {"key": "reason", "label": "申请事由", "type": "text"},
    {"key": "move_date", "label": "迁入日期", "type": "date"},
    {"key": "household", "label": "户别", "type": "choice", "choices": ["家庭户", "集体户"]},
]


def at(text: str) -> dt.datetime:
    """An aware instant from "2026-03-02 10:00" in Shanghai time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def id_number(birth: str = "19900307", seq: str = "001") -> str:
    first17 = f"500103{birth}{seq}"
    return first17 + citizen_id_check_char(first17)


def service_item(
    *,
    name: str = "户口迁入",
    modes=(HandlingMode.ONLINE, HandlingMode.WINDOW),
    promised_days: int = 5,
    on_the_spot: bool = False,
    form=None,
    **kwargs,
) -> ServiceItem:
    item = ServiceItem.objects.create(
        code=f"JKB-T-{next(_codes):04d}",
        name=name,
        category=kwargs.pop("category", "household"),
        basis_text=kwargs.pop("basis_text", "《中华人民共和国户口登记条例》第十三条"),
        levels=kwargs.pop("levels", ["station"]),
        promised_days=promised_days,
        modes=list(modes),
        on_the_spot=on_the_spot,
        form=NAME_FIELDS if form is None else form,
        **kwargs,
    )
    Material.objects.create(item=item, order=1, name="居民身份证", fetched=True)
    Material.objects.create(item=item, order=2, name="准予迁入证明", original=True)
    return item


def applicant(name: str = "张三") -> Applicant:
    return Applicant(name=name, id_number=id_number(), phone="13912345678")


def citizen(**kwargs) -> Citizen:
    return Citizen.objects.create(
        phone=str(next(_phones)), verified_at=at("2026-01-01 08:00"), **kwargs
    )


def window_clerk(unit):
    return UserFactory(role=Role.WINDOW, scope_unit=unit)


GOOD_FORM = {"reason": "投靠亲属", "move_date": "2026-03-01", "household": "家庭户"}

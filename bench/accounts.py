"""The accounts the benchmarks act as (created once in the benchmark database)."""

from __future__ import annotations

from fazhi.core.roles import Role
from fazhi.org.models import Unit, User

DISTRICT = "500101000000"  # 城中区分局, the demo's first district


def clerk() -> User:
    """A 案管员 of the whole city: may record events on any case."""
    user = User.objects.filter(username="bench-clerk").first()
    if user is None:
        root = Unit.objects.get(code="500000000000")
        user = User.objects.create(
            username="bench-clerk", role=Role.CLERK, scope_unit=root, full_name="bench"
        )
    return user


def district_supervisor() -> User:
    """The demo's `district` account: 执法监督 scoped to one district bureau."""
    return User.objects.get(username="district")

"""What opening a case can succeed with, asked before submit: items, handlers, the centre.

The 受案登记 form offers only what ``procedure.open_case`` will accept, by asking the same
domain rules first: ``catalog.eligibility.can_enforce`` for each officer and item on the day of
the first step (qualification, status, township delegation — 《中华人民共和国行政处罚法》第四十二条、
第二十四条) and ``item_allowed_at_unit`` for 应进必进. Nothing here is a rule of its own: an
item is offered when enough officers may exercise it to make up the pack's minimum of handlers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings

from fazhi.catalog.eligibility import Eligibility, can_enforce, item_allowed_at_unit
from fazhi.catalog.models import EnforcementItem
from fazhi.org.models import Officer, Unit, UnitKind

MIN_HANDLERS = 2  # 《中华人民共和国行政处罚法》第四十二条 (a pack may ask for more, not fewer)
DISTRICT_LEVEL = 2  # Unit.level of a district bureau: its centre serves the units under it


@dataclass(frozen=True)
class HandlerOption:
    officer: Officer
    eligibility: Eligibility

    @property
    def reasons(self) -> str:
        return "；".join(str(reason) for reason in self.eligibility.reasons)


@dataclass(frozen=True)
class ItemCheck:
    """What the form says about the chosen item at the chosen unit, before submit."""

    item: EnforcementItem
    placement: Eligibility  # 应进必进
    centres: list[Unit] = field(default_factory=list)  # where a centre item is to be handled
    refused: bool = False  # the bureau refuses it outside a centre (FAZHI_CENTRE_POLICY)
    qualified: int = 0  # officers who may exercise it that day
    needed: int = MIN_HANDLERS


def centres_for(unit: Unit) -> list[Unit]:
    """Return the case-handling centres serving UNIT: those of its district (or city) bureau."""
    steps = max(min(unit.level, DISTRICT_LEVEL), 1)
    prefix = unit.path[: Unit.steplen * steps]
    return list(
        Unit.objects.filter(kind=UnitKind.CASE_CENTRE, is_active=True, path__startswith=prefix)
    )


def handler_options(
    item: EnforcementItem | None, officers: Iterable[Officer], on: dt.date
) -> list[HandlerOption]:
    """Return each officer with whether they may exercise ITEM on ON (eligible ones first)."""
    options = [
        HandlerOption(
            officer,
            can_enforce(officer, item, on) if item is not None else Eligibility(ok=True),
        )
        for officer in officers
    ]
    return sorted(options, key=lambda o: not o.eligibility.ok)  # stable within each group


def check_item(
    item: EnforcementItem, unit: Unit, officers: Iterable[Officer], on: dt.date
) -> ItemCheck:
    """Return whether ITEM can be opened at UNIT on ON, and where to hand it if not."""
    placement = item_allowed_at_unit(item, unit)
    centres = [] if placement.ok else centres_for(unit)
    qualified = sum(1 for officer in officers if can_enforce(officer, item, on).ok)
    return ItemCheck(
        item,
        placement,
        centres,
        refused=not placement.ok and settings.FAZHI_CENTRE_POLICY == "refuse",
        qualified=qualified,
    )


def items_for(
    unit: Unit, officers: list[Officer], on: dt.date
) -> list[tuple[EnforcementItem, ItemCheck]]:
    """Return the active items that UNIT's officers can make up a case of on ON, with their check.

    An item needs at least MIN_HANDLERS officers who may exercise it; a centre item at a unit
    that is not a centre stays in the list, marked, so the officer learns where to hand it.
    """
    found = []
    for item in EnforcementItem.objects.active().order_by("code"):
        check = check_item(item, unit, officers, on)
        if check.qualified >= MIN_HANDLERS:
            found.append((item, check))
    return found

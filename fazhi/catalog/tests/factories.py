"""Factories for enforcement items, delegations and list editions (open-zaak style, with Traits)."""

from __future__ import annotations

import datetime as dt

import factory

from fazhi.catalog.models import (
    Delegation,
    EditionStatus,
    EnforcementItem,
    ItemKind,
    ListEdition,
    ListEntry,
    ListKind,
)


class EnforcementItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnforcementItem
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CF-{n:05d}")
    name = factory.Sequence(lambda n: f"执法事项{n}")
    kind = ItemKind.PENALTY
    basis_text = "《中华人民共和国治安管理处罚法》第二十三条"
    levels = factory.LazyFunction(lambda: ["district", "station"])
    delegable_to_township = False
    must_use_centre = False
    is_active = True

    class Params:
        permit = factory.Trait(kind=ItemKind.PERMIT, levels=["district"])
        delegable = factory.Trait(delegable_to_township=True)
        centre_only = factory.Trait(must_use_centre=True)
        inactive = factory.Trait(is_active=False)


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    township = None  # pass a township unit
    item = factory.SubFactory(EnforcementItemFactory, delegable_to_township=True)
    effective_from = dt.date(2024, 1, 1)
    effective_to = None
    document = "示例县人民政府关于赋权乡镇（街道）的决定"


class ListEditionFactory(factory.django.DjangoModelFactory):
    """An edition built directly, for read-side tests; use ``editions.*`` to test behaviour."""

    class Meta:
        model = ListEdition

    list_kind = ListKind.POWER
    number = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: f"权责清单（第{o.number}版）")
    status = EditionStatus.DRAFT


def add_entry(edition: ListEdition, code: str, **fields) -> ListEntry:
    """Write an entry straight into EDITION (a draft), bypassing the domain functions."""
    values = {
        "name": f"事项{code}",
        "kind": ItemKind.PENALTY,
        "basis_text": "《中华人民共和国治安管理处罚法》第二十三条",
        "levels": ["district"],
        **fields,
    }
    return ListEntry.objects.create(edition=edition, code=code, **values)


def freeze(edition: ListEdition, status: str = EditionStatus.SUPERSEDED) -> ListEdition:
    """Mark EDITION as frozen straight in the database (read-side tests only)."""
    ListEdition.objects.filter(pk=edition.pk).update(
        status=status,
        effective_from=dt.date(2024, 1, 1),
        published_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )
    edition.refresh_from_db()
    return edition

"""API for enforcement items and list editions (mounted at /api/v1/catalog).

Thin: the catalogue is city-wide reference data (not scoped by unit); writes go through
``fazhi.catalog.editions``, whose errors map to responses in ``fazhi/api.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from fazhi.catalog import editions
from fazhi.catalog.models import EnforcementItem, ListEdition
from fazhi.core.api_errors import ErrorOut
from fazhi.core.bounds import LimitOffsetPagination, PlausibleDate

router = Router(tags=["catalog"])


class ItemOut(Schema):
    code: str
    name: str
    kind: str
    basis_text: str
    levels: list[str]
    delegable_to_township: bool
    must_use_centre: bool
    required_qualification: int
    is_active: bool


class DelegationOut(Schema):
    township_code: str
    township_name: str
    effective_from: dt.date
    effective_to: dt.date | None
    document: str


class ItemDetailOut(ItemOut):
    provisions: list[str]
    delegations: list[DelegationOut]


class EntryOut(Schema):
    code: str
    name: str
    kind: str
    basis_text: str
    levels: list[str]
    delegable_to_township: bool
    must_use_centre: bool
    responsibility: str


class EditionOut(Schema):
    id: int
    list_kind: str
    number: int
    title: str
    status: str
    based_on_id: int | None
    note: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    published_at: dt.datetime | None
    entry_count: int


class EditionDetailOut(EditionOut):
    entries: list[EntryOut]


class FieldChangeOut(Schema):
    field: str
    before: Any
    after: Any


class EntryChangeOut(Schema):
    code: str
    name: str
    fields: list[FieldChangeOut]


class DiffOut(Schema):
    a: int
    b: int
    added: list[EntryOut]
    removed: list[EntryOut]
    changed: list[EntryChangeOut]


class PublishIn(Schema):
    effective_from: PlausibleDate


def _edition_out(edition: ListEdition) -> dict[str, Any]:
    fields = EditionOut.model_fields
    values = {name: getattr(edition, name) for name in fields if name != "entry_count"}
    values["entry_count"] = getattr(edition, "entry_count", None)
    if values["entry_count"] is None:
        values["entry_count"] = edition.entries.count()
    return values


@router.get("/items", response=list[ItemOut])
@paginate(LimitOffsetPagination)
def list_items(
    request: HttpRequest,
    q: str = "",
    kind: str = "",
    must_use_centre: bool | None = None,
    delegable_to_township: bool | None = None,
    is_active: bool | None = None,
) -> QuerySet[EnforcementItem]:
    """List enforcement items; ``q`` searches code and name."""
    rows = EnforcementItem.objects.all()
    if q:
        rows = rows.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if kind:
        rows = rows.filter(kind=kind)
    if must_use_centre is not None:
        rows = rows.filter(must_use_centre=must_use_centre)
    if delegable_to_township is not None:
        rows = rows.filter(delegable_to_township=delegable_to_township)
    if is_active is not None:
        rows = rows.filter(is_active=is_active)
    return rows


@router.get("/items/{code}", response=ItemDetailOut)
def get_item(request: HttpRequest, code: str) -> dict[str, Any]:
    item = get_object_or_404(EnforcementItem, code=code)
    return {
        **{name: getattr(item, name) for name in ItemOut.model_fields},
        "provisions": [str(p) for p in item.basis.select_related("version__law")],
        "delegations": [
            {
                "township_code": d.township.code,
                "township_name": d.township.name,
                "effective_from": d.effective_from,
                "effective_to": d.effective_to,
                "document": d.document,
            }
            for d in item.delegations.select_related("township").order_by("effective_from")
        ],
    }


@router.get("/editions", response=list[EditionOut])
def list_editions(
    request: HttpRequest, list_kind: str = "", status: str = ""
) -> list[dict[str, Any]]:
    rows = ListEdition.objects.annotate(entry_count=Count("entries")).order_by(
        "list_kind", "-number"
    )
    if list_kind:
        rows = rows.filter(list_kind=list_kind)
    if status:
        rows = rows.filter(status=status)
    return [_edition_out(edition) for edition in rows]


@router.get("/editions/diff", response=DiffOut)
def diff_editions(request: HttpRequest, a: int, b: int) -> dict[str, Any]:
    """Compare edition A (earlier) with edition B (later), entries keyed by code."""
    first = get_object_or_404(ListEdition, pk=a)
    second = get_object_or_404(ListEdition, pk=b)
    return editions.diff(first, second).as_dict()


@router.get("/editions/{edition_id}", response=EditionDetailOut)
def get_edition(request: HttpRequest, edition_id: int) -> dict[str, Any]:
    edition = get_object_or_404(ListEdition, pk=edition_id)
    return {
        **_edition_out(edition),
        "entries": [editions.entry_values(entry) for entry in edition.entries.all()],
    }


@router.post(
    "/editions/{edition_id}/publish",
    response={200: EditionOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def publish_edition(request: HttpRequest, edition_id: int, payload: PublishIn) -> dict[str, Any]:
    """Publish a draft from ``effective_from``; needs the PUBLISH_LIST capability."""
    edition = get_object_or_404(ListEdition, pk=edition_id)
    edition = editions.publish(edition, actor=request.user, effective_from=payload.effective_from)
    return _edition_out(edition)

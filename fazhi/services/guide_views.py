"""The public 办事指南 (/jkb/guide/): the published catalogue, one guide per item, bundles, open data.

No login. Only the *published* edition is read (``editions.current_edition``): a draft or a superseded
edition never reaches the public. Bundles are live rows; their items are shown as published.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from fazhi.core import bounds
from fazhi.services import editions, opendata
from fazhi.services.catalogue import POLICE
from fazhi.services.models import (
    Bundle,
    EditionEntry,
    HandlingMode,
    ServiceCategory,
    ServiceEdition,
)

ENTRIES_PER_PAGE = 50


def apply_url(code: str) -> str:
    """The public application page of an item (helper B's ``jkb:apply``), or its planned path."""
    try:
        return reverse("jkb:apply", args=[code])
    except NoReverseMatch:
        return f"/jkb/apply/{code}/"


def _badges(entry: EditionEntry) -> EditionEntry:
    entry.fully_online = HandlingMode.ONLINE in entry.snapshot.get("modes", [])
    entry.on_the_spot = entry.snapshot.get("on_the_spot", False)
    return entry


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The published catalogue of the bureau's items: search (``q``) and category filter."""
    edition = editions.current_edition()
    q = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    if category not in ServiceCategory.values:
        category = ""
    context: dict[str, Any] = {"edition": edition, "q": q, "category": category, "page": None}
    if edition is not None:
        police = [
            _badges(e)
            for e in edition.entries.order_by("code")
            if e.snapshot.get("department") == POLICE
        ]
        counts = Counter(e.category for e in police)
        rows = [
            e
            for e in police
            if (not category or e.category == category)
            and (not q or q in e.name or q in e.code or q in e.snapshot.get("basis_text", ""))
        ]
        context |= {
            "total": len(police),
            "fully_online": sum(e.fully_online for e in police),
            "on_the_spot": sum(e.on_the_spot for e in police),
            "categories": [
                {"code": code, "label": label, "count": counts.get(code, 0)}
                for code, label in ServiceCategory.choices
            ],
            "page": Paginator(rows, ENTRIES_PER_PAGE).get_page(
                bounds.page_number(request.GET.get("page"))
            ),
            "bundle_count": Bundle.objects.filter(is_active=True).count(),
        }
    return render(request, "services/guide/index.html", context)


def _published_entry(code: str) -> EditionEntry:
    edition = editions.current_edition()
    if edition is None:
        raise Http404("no published edition")
    return get_object_or_404(EditionEntry, edition=edition, code=code)


@require_GET
def item(request: HttpRequest, code: str) -> HttpResponse:
    """One 办事指南 as published."""
    entry = _badges(_published_entry(code))
    s = entry.snapshot
    context = {
        "entry": entry,
        "s": s,
        "edition": entry.edition,
        "category": ServiceCategory(entry.category).label,
        "modes": [HandlingMode(m).label for m in s["modes"] if m in HandlingMode.values],
        "apply_url": apply_url(entry.code) if s["is_online"] else "",
        "bundles": Bundle.objects.filter(is_active=True, entries__item__code=code).distinct(),
    }
    return render(request, "services/guide/item.html", context)


@require_GET
def bundles(request: HttpRequest) -> HttpResponse:
    rows = Bundle.objects.filter(is_active=True).prefetch_related("entries__item")
    return render(request, "services/guide/bundles.html", {"bundles": rows})


@require_GET
def bundle(request: HttpRequest, code: str) -> HttpResponse:
    """A 一件事: its items in order, each linked to its published guide, with their departments."""
    row = get_object_or_404(Bundle, code=code, is_active=True)
    edition = editions.current_edition()
    published = (
        {e.code: _badges(e) for e in edition.entries.filter(item__bundle_entries__bundle=row)}
        if edition
        else {}
    )
    parts = [
        {"item": e.item, "entry": published.get(e.item.code)}
        for e in row.entries.select_related("item").order_by("order")
    ]
    return render(
        request, "services/guide/bundle.html", {"bundle": row, "parts": parts, "edition": edition}
    )


def _live_or_404() -> ServiceEdition:
    edition = editions.current_edition()
    if edition is None:
        raise Http404("no published edition")
    return edition


@require_GET
def catalogue_csv(request: HttpRequest) -> HttpResponse:
    edition = _live_or_404()
    response = HttpResponse(opendata.to_csv(edition), content_type="text/csv; charset=utf-8")
    name = f"jkb-catalogue-edition-{edition.number}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def catalogue_json(request: HttpRequest) -> HttpResponse:
    edition = _live_or_404()
    body = json.dumps(opendata.to_json(edition), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"jkb-catalogue-edition-{edition.number}.json"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response

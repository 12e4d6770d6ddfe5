"""The public site: what the bureau publishes (lists, benchmarks, service guides, open data).

No login. Only *published* editions are ever read here (``editions.current_edition``); a draft
or a superseded edition never reaches the public.
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from fazhi.catalog.editions import current_edition
from fazhi.catalog.models import ListEdition, ListKind
from fazhi.core import bounds
from fazhi.portal import opendata

ENTRIES_PER_PAGE = 100


def _live(kind: str) -> ListEdition | None:
    if kind not in ListKind.values:
        raise Http404(f"unknown list {kind!r}")
    return current_edition(kind)


def index(request: HttpRequest) -> HttpResponse:
    lists = [
        {"kind": kind, "label": label, "edition": current_edition(kind)}
        for kind, label in ListKind.choices
    ]
    return render(request, "portal/index.html", {"lists": lists})


def public_list(request: HttpRequest, kind: str) -> HttpResponse:
    """Show the live edition of a list, searchable by code, name or basis (``q``)."""
    edition = _live(kind)
    q = request.GET.get("q", "").strip()
    page = None
    if edition is not None:
        entries = edition.entries.order_by("code")
        if q:
            entries = entries.filter(
                Q(code__icontains=q) | Q(name__icontains=q) | Q(basis_text__icontains=q)
            )
        page = Paginator(entries, ENTRIES_PER_PAGE).get_page(
            bounds.page_number(request.GET.get("page"))
        )
    context = {
        "kind": kind,
        "label": ListKind(kind).label,
        "edition": edition,
        "page": page,
        "q": q,
    }
    return render(request, "portal/list.html", context)


def _filename(edition: ListEdition, extension: str) -> str:
    return f"{edition.list_kind}-list-edition-{edition.number}.{extension}"


def list_csv(request: HttpRequest, kind: str) -> HttpResponse:
    edition = _live(kind)
    if edition is None:
        raise Http404("no published edition")
    response = HttpResponse(opendata.to_csv(edition), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(edition, "csv")}"'
    return response


def list_json(request: HttpRequest, kind: str) -> HttpResponse:
    edition = _live(kind)
    if edition is None:
        raise Http404("no published edition")
    body = json.dumps(opendata.to_json(edition), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{_filename(edition, "json")}"'
    return response

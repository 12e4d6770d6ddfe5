"""The public pages of the rulebook: the bureau's normative documents in force, with their text
and history, searchable, and as open data (CSV, JSON) beside the power lists."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fazhi.rulebook.models import NormativeDocument

FIELDS = (
    ("number", "文号"),
    ("title", "文件名称"),
    ("unit", "制定单位"),
    ("published_on", "公布日期"),
    ("effective_from", "施行日期"),
    ("valid_until", "有效期至"),
    ("published_where", "公布载体"),
    ("basis", "制定依据"),
    ("promoted", "推广"),
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Return VALUE as a CSV cell a spreadsheet shows as text (a leading ' neutralises a formula).

    >>> safe_cell("=1+1"), safe_cell("渝公规〔2026〕1号"), safe_cell(None)
    ("'=1+1", '渝公规〔2026〕1号', '')
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def in_force(q: str = "") -> QuerySet[NormativeDocument]:
    rows = (
        NormativeDocument.objects.in_force(timezone.localdate())
        .select_related("unit")
        .prefetch_related("basis")
        .order_by("-published_on", "number")
    )
    if q:
        rows = rows.filter(
            Q(title__contains=q) | Q(number__contains=q) | Q(versions__text__contains=q)
        ).distinct()
    return rows


def _row(doc: NormativeDocument) -> dict[str, Any]:
    return {
        "number": doc.number,
        "title": doc.title,
        "unit": doc.unit.name,
        "published_on": doc.published_on.isoformat() if doc.published_on else "",
        "effective_from": doc.effective_from.isoformat() if doc.effective_from else "",
        "valid_until": doc.valid_until.isoformat() if doc.valid_until else "",
        "published_where": doc.published_where,
        "basis": "；".join(b.citation for b in doc.basis.all()),
        "promoted": doc.get_promoted_display() if doc.promoted else "",
    }


def public_documents(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    return render(request, "rulebook/public_documents.html", {"documents": in_force(q), "q": q})


def public_document(request: HttpRequest, pk: int) -> HttpResponse:
    doc = (
        NormativeDocument.objects.filter(pk=pk, published_on__isnull=False)
        .select_related("unit")
        .first()
    )
    if doc is None:
        raise Http404("no published document")
    final = doc.versions.order_by("-number").first()
    context = {
        "doc": doc,
        "text": final.text if final else "",
        "in_force": doc.is_in_force(timezone.localdate()),
        "history": doc.steps.filter(step__in=["publication", "filing", "end"]),
        "cleanups": doc.cleanups.filter(campaign__published_on__isnull=False).select_related(
            "campaign"
        ),
        "comments": doc.comments.filter(published=True),
        "basis": doc.basis.all(),
    }
    return render(request, "rulebook/public_document.html", context)


def public_csv(request: HttpRequest) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([label for _key, label in FIELDS])
    for doc in in_force(request.GET.get("q", "").strip()):
        row = _row(doc)
        writer.writerow([safe_cell(row[key]) for key, _label in FIELDS])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="normative-documents.csv"'
    return response


def public_json(request: HttpRequest) -> HttpResponse:
    rows = [_row(doc) for doc in in_force(request.GET.get("q", "").strip())]
    body = json.dumps(
        {"as_of": timezone.localdate().isoformat(), "count": len(rows), "documents": rows},
        ensure_ascii=False,
        indent=2,
    )
    return HttpResponse(body, content_type="application/json; charset=utf-8")

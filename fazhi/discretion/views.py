"""Staff pages of the discretion app: the batch audit of decided cases (同案同罚)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fazhi.core.roles import Capability
from fazhi.discretion.audit import run_audit
from fazhi.discretion.models import DecisionReview
from fazhi.discretion.packs import load_library
from fazhi.org.models import Unit

AUDITORS = (Capability.SUPERVISE, Capability.REVIEW_CASES)
CASES_SHOWN = 500


def _check(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not any(request.user.has_capability(cap) for cap in AUDITORS):
        raise PermissionDenied
    return None


def audit_page(request: HttpRequest) -> HttpResponse:
    """Show, per unit and offence, decisions outside the range and the spread of fines."""
    if (refused := _check(request)) is not None:
        return refused
    library = load_library()
    report = run_audit(DecisionReview.objects.visible_to(request.user), library=library)
    units = dict(
        Unit.objects.filter(pk__in={r.unit_id for r in report.rows}).values_list("pk", "name")
    )
    names = {code: library.versions[code][-1].offences[code].name for code in library.versions}
    for row in report.rows:
        row.unit_name = units.get(row.unit_id, str(row.unit_id))
        row.offence_name = names.get(row.offence_code, row.offence_code)
    return render(request, "discretion/audit.html", {"report": report})


def audit_cases(request: HttpRequest) -> HttpResponse:
    """List the decided cases behind one number of the audit (unit, offence, tier, outside)."""
    if (refused := _check(request)) is not None:
        return refused
    reviews = DecisionReview.objects.visible_to(request.user)
    unit = request.GET.get("unit", "")
    offence = request.GET.get("offence", "")
    tier = request.GET.get("tier") or None
    outside = request.GET.get("outside") == "1"
    if not unit.isdigit() or not offence:
        return render(request, "discretion/audit_cases.html", {"reviews": [], "bad": True})
    scoped = reviews.filter(unit_id=int(unit), offence_code=offence)
    report = run_audit(scoped)
    ids = report.review_ids(unit=int(unit), offence=offence, tier=tier, outside=outside)
    rows = (
        scoped.filter(pk__in=ids[:CASES_SHOWN])
        .select_related("case")
        .order_by("-decided_on", "-id")
    )
    context = {
        "reviews": rows,
        "count": len(ids),
        "shown": min(len(ids), CASES_SHOWN),
        "unit": unit,
        "offence": offence,
        "tier": tier,
        "outside": outside,
    }
    return render(request, "discretion/audit_cases.html", context)

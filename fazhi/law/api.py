"""API for laws and provisions (public reference data, still behind authentication)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status

from fazhi.core.api_errors import ErrorOut
from fazhi.core.bounds import PlausibleDate
from fazhi.law.citations import ProvisionNotFound, render_citation, resolve_citation
from fazhi.law.models import Law, LawVersion, Provision
from fazhi.law.views import pick_version

router = Router(tags=["law"])


class VersionOut(Schema):
    label: str
    adopted_on: dt.date
    effective_from: dt.date
    effective_to: dt.date | None
    is_verified: bool
    source: str
    effective_from_source: str
    note: str


class LawOut(Schema):
    code: str
    title: str
    short_title: str
    kind: str
    issuer: str
    versions: list[VersionOut]

    @staticmethod
    def resolve_versions(obj: Law) -> list[LawVersion]:
        return list(obj.versions.all())


class ProvisionOut(Schema):
    law: str
    version: str
    article: int
    paragraph: int
    item: int
    chapter: str
    section: str
    citation: str
    text: str
    is_verified: bool  # false when the provision or its version is unverified

    @staticmethod
    def resolve_law(obj: Provision) -> str:
        return obj.version.law.code

    @staticmethod
    def resolve_version(obj: Provision) -> str:
        return obj.version.label

    @staticmethod
    def resolve_citation(obj: Provision) -> str:
        return render_citation(obj)

    @staticmethod
    def resolve_is_verified(obj: Provision) -> bool:
        return obj.is_confirmed


class ResolvedOut(ProvisionOut):
    on: dt.date
    effective_from: dt.date  # of the version
    effective_to: dt.date | None

    @staticmethod
    def resolve_effective_from(obj: Provision) -> dt.date:
        return obj.version.effective_from

    @staticmethod
    def resolve_effective_to(obj: Provision) -> dt.date | None:
        return obj.version.effective_to


@router.get("/laws", response=list[LawOut])
def list_laws(request: HttpRequest) -> QuerySet[Law]:
    return Law.objects.prefetch_related("versions")


@router.get("/laws/{code}", response=LawOut)
def get_law(request: HttpRequest, code: str) -> Law:
    return get_object_or_404(Law.objects.prefetch_related("versions"), code=code)


@router.get("/laws/{code}/provisions", response=list[ProvisionOut])
def list_provisions(
    request: HttpRequest, code: str, version: str = "", article: int | None = None
) -> QuerySet[Provision]:
    """Provisions of one version (default: the version in force today), optionally one article."""
    law = get_object_or_404(Law, code=code)
    chosen = pick_version(law, version or None)
    rows = Provision.objects.select_related("version__law").filter(version=chosen)
    if article is not None:
        rows = rows.filter(article=article)
    return rows.order_by("article", "paragraph", "item")


@router.get("/resolve", response={200: ResolvedOut, 404: ErrorOut})
def resolve(
    request: HttpRequest, citation: str, on: PlausibleDate | None = None
) -> Provision | Status[dict[str, str]]:
    """Resolve a citation such as 行政处罚法第三十三条第一款 to the provision in force ON."""
    try:
        provision = resolve_citation(citation, on=on)
    except ProvisionNotFound as exc:
        return Status(404, {"code": exc.code, "detail": str(exc)})
    # ResolvedOut.on: an attribute for the response, not a field of the model
    setattr(provision, "on", on or timezone.localdate())  # noqa: B010
    return provision

"""Pages for laws and provisions: any logged-in user may read them (reference data)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from fazhi.law.models import Law, LawVersion, Provision


def _versions_with_counts() -> QuerySet[LawVersion]:
    return LawVersion.objects.annotate(
        article_count=Count("provisions", filter=Q(provisions__paragraph=0, provisions__item=0))
    ).order_by("effective_from")


@login_required
def laws(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = Law.objects.prefetch_related(Prefetch("versions", queryset=_versions_with_counts()))
    return render(request, "law/laws.html", {"laws": rows, "today": today})


def pick_version(law: Law, label: str | None) -> LawVersion:
    """Return the version LABEL of LAW, else the one in force today, else the latest."""
    if label:
        return get_object_or_404(law.versions, label=label)
    version = law.version_on(timezone.localdate()) or law.versions.order_by("effective_from").last()
    if version is None:
        raise Http404("no version")
    return version


@login_required
def law_detail(request: HttpRequest, code: str) -> HttpResponse:
    law = get_object_or_404(Law, code=code)
    version = pick_version(law, request.GET.get("version"))
    if version is None:
        articles = Provision.objects.none()
    else:
        articles = (
            version.provisions.select_related("version__law")
            .filter(paragraph=0, item=0)
            .order_by("article")
        )
    context = {
        "law": law,
        "version": version,
        "versions": _versions_with_counts().filter(law=law),
        "articles": articles,
        "today": timezone.localdate(),
    }
    return render(request, "law/law_detail.html", context)


@login_required
def provision(request: HttpRequest, code: str, label: str, article: int) -> HttpResponse:
    law = get_object_or_404(Law, code=code)
    version = get_object_or_404(law.versions, label=label)
    parts = list(version.provisions.select_related("version__law").filter(article=article))
    if not parts:
        get_object_or_404(Provision, version=version, article=article)  # raises 404
    numbers = version.provisions.filter(paragraph=0, item=0).values_list("article", flat=True)
    context = {
        "law": law,
        "version": version,
        "article": parts[0],
        # In an article of one paragraph the paragraph row repeats the article: list items only.
        "parts": [p for p in parts[1:] if p.item or p.article_paragraphs > 1],
        "previous": numbers.filter(article__lt=article).order_by("-article").first(),
        "next": numbers.filter(article__gt=article).order_by("article").first(),
        "today": timezone.localdate(),
    }
    return render(request, "law/provision.html", context)

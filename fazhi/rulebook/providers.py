"""The database citers, registered in ``fazhi.core.citations`` from ``RulebookConfig.ready``.

The rule packs register themselves in core (every kind); the catalogue, the list editions and
the 警快办 items sit below the rulebook in the layers, so the rulebook — which reads them anyway —
registers their providers here. An item's citations are its linked provisions (with their
version, as they were linked) where it has any, else the citations its basis text makes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fazhi.catalog.models import EditionStatus, EnforcementItem, ListEntry
from fazhi.core.citations import Cited, Provider, mentions, register
from fazhi.core.rulepacks import citations_in
from fazhi.law.models import Provision
from fazhi.rulebook.impact import citation_of
from fazhi.rulebook.models import DocumentBasis
from fazhi.services.models import ServiceItem

Laws = frozenset[str] | None


def _url(name: str, sentinel: str | int) -> Callable[[str | int], str]:
    """A fast url_of(key) for many rows: reverse() once, then substitute (reverse per row costs
    more than the whole impact report's classification)."""
    template = reverse(name, args=[sentinel])
    marker = f"/{sentinel}/"

    def url_of(key: str | int) -> str:
        return template.replace(marker, f"/{key}/")

    return url_of


def _text_filter(field: str, laws: Laws) -> Q:
    query = Q()
    for name in laws or ():
        query |= Q(**{f"{field}__contains": name})
    return query


def _linked(through: type, key: str, laws: Laws) -> dict[int, list[str]]:
    """Item id -> the citations of its linked provisions (of LAWS), in two queries."""
    rows = through.objects.all()  # type: ignore[attr-defined]
    if laws is not None:
        rows = rows.filter(
            Q(provision__version__law__title__in=laws)
            | Q(provision__version__law__short_title__in=laws)
            | Q(provision__version__law__code__in=laws)
        )
    pairs = list(rows.values_list(key, "provision_id"))
    provisions = Provision.objects.select_related("version__law").in_bulk(
        {pid for _item, pid in pairs}
    )
    found: dict[int, list[str]] = defaultdict(list)
    for item, pid in pairs:
        found[item].append(citation_of(provisions[pid]))
    return found


def _items(laws: Laws) -> Iterator[Cited]:
    linked = _linked(EnforcementItem.basis.through, "enforcementitem_id", laws)
    any_link = set(
        EnforcementItem.basis.through.objects.values_list("enforcementitem_id", flat=True)
    )
    rows = EnforcementItem.objects.active()
    if laws is not None:
        rows = rows.filter(Q(pk__in=list(linked)) | _text_filter("basis_text", laws))
    unit, where, url_of = str(_("执法事项目录")), str(_("实施依据")), _url("catalog:item", "0")
    for pk, code, name, basis in rows.values_list("pk", "code", "name", "basis_text"):
        texts = linked.get(pk, []) if pk in any_link else citations_in(basis)
        for text in texts:
            if mentions(text, laws):
                yield Cited(
                    "catalog.item", code, f"{code} {name}", unit, text, where, url=url_of(code)
                )


def _entries(laws: Laws) -> Iterator[Cited]:
    rows = ListEntry.objects.filter(
        edition__status__in=[EditionStatus.DRAFT, EditionStatus.PUBLISHED]
    )
    if laws is not None:
        rows = rows.filter(_text_filter("basis_text", laws))
    where, url_of = str(_("实施依据")), _url("catalog:edition", 0)
    for edition, title, number, status, code, name, basis in rows.values_list(
        "edition_id",
        "edition__title",
        "edition__number",
        "edition__status",
        "code",
        "name",
        "basis_text",
    ):
        for text in citations_in(basis):
            if mentions(text, laws):
                yield Cited(
                    "catalog.list_entry",
                    f"{edition}:{code}",
                    f"{code} {name}",
                    f"{title}（第{number}版，{EditionStatus(status).label}）",
                    text,
                    where,
                    url=url_of(edition),
                )


def _services(laws: Laws) -> Iterator[Cited]:
    linked = _linked(ServiceItem.basis.through, "serviceitem_id", laws)
    any_link = set(ServiceItem.basis.through.objects.values_list("serviceitem_id", flat=True))
    rows = ServiceItem.objects.filter(is_active=True)
    if laws is not None:
        rows = rows.filter(Q(pk__in=list(linked)) | _text_filter("basis_text", laws))
    unit, where = str(_("警快办服务事项")), str(_("设定依据"))
    for pk, code, name, basis in rows.values_list("pk", "code", "name", "basis_text"):
        texts = linked.get(pk, []) if pk in any_link else citations_in(basis)
        for text in texts:
            if mentions(text, laws):
                yield Cited("services.item", code, f"{code} {name}", unit, text, where)


def _documents(laws: Laws) -> Iterator[Cited]:
    rows = DocumentBasis.objects.filter(document__ended_on__isnull=True)
    if laws is not None:
        rows = rows.filter(_text_filter("citation", laws))
    where, url_of = str(_("制定依据")), _url("rulebook:document", 0)
    for pk, title, number, unit, text, valid_until in rows.values_list(
        "document_id",
        "document__title",
        "document__number",
        "document__unit__name",
        "citation",
        "document__valid_until",
    ):
        yield Cited(
            "rulebook.document",
            str(pk),
            f"{title}（{number}）" if number else title,
            unit,
            text,
            where,
            url=url_of(pk),
            owner_to=valid_until,
        )


def register_all() -> None:
    register(Provider("catalog.item", _("执法事项"), _items, order=20))
    register(Provider("catalog.list_entry", _("权责清单版本"), _entries, order=30))
    register(Provider("services.item", _("警快办服务事项"), _services, order=40))
    register(Provider("rulebook.document", _("行政规范性文件"), _documents, order=50))

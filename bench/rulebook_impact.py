"""Benchmark: what a change of law touches (issue 14) — the impact report over every citation in
the product, against a bare-SQL floor.

Run on a database holding the demo (``make demo``, or ``DATABASE_URL=sqlite:////path/db``):

    DATABASE_URL=sqlite:///var/fazhi.sqlite3 .venv/bin/python -m bench.rulebook_impact

``BENCH_RULEBOOK_DOCS`` (default 5,000) synthetic normative documents, each resting on four
provisions of the 2012 治安管理处罚法, are added inside a transaction rolled back at the end (the
database is left as it was), on top of the demo's catalogue (items, list editions, 警快办 items)
and every rule pack. Measured, medians of ``BENCH_ROUNDS`` (default 5) rounds:

- **floor**: the rows the report must read, as bare SQL (``cursor.execute`` + ``fetchall``): the
  provisions of both versions, the items' and services' linked provisions and basis texts, the
  list entries' basis texts and the documents' basis — no parsing, no classification;
- **report**: ``impact.report`` for 治安管理处罚法 2012 → 2025 (providers filtered by the law);
- **every citation**: the same report fed every citation of every provider (``citations.cited()``
  unfiltered: all laws, all packs), i.e. the cost of scanning the whole product.

Results: bench/results/rulebook_impact.json.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = int(os.environ.get("BENCH_RULEBOOK_DOCS", "5000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))

FLOOR_SQL = (
    "SELECT article, paragraph, item, text, article_paragraphs FROM law_provision WHERE version_id IN (%s, %s)",
    "SELECT enforcementitem_id, provision_id FROM catalog_enforcementitem_basis",
    "SELECT id, code, name, basis_text FROM catalog_enforcementitem WHERE is_active",
    "SELECT e.edition_id, e.code, e.name, e.basis_text FROM catalog_listentry e JOIN catalog_listedition d ON d.id = e.edition_id WHERE d.status IN ('draft', 'published')",
    "SELECT serviceitem_id, provision_id FROM services_serviceitem_basis",
    "SELECT id, code, name, basis_text FROM services_serviceitem WHERE is_active",
    "SELECT b.document_id, d.title, d.number, b.citation, d.valid_until FROM rulebook_documentbasis b JOIN rulebook_normativedocument d ON d.id = b.document_id WHERE d.ended_on IS NULL",
)


def _time(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhi.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from fazhi.core import citations
    from fazhi.law.models import Provision
    from fazhi.law.numerals import chinese_numeral
    from fazhi.org.models import Unit
    from fazhi.rulebook import impact
    from fazhi.rulebook.models import DocumentBasis, NormativeDocument

    law, old, new = impact.versions("治安管理处罚法", "2012-10-26", "2025-06-27")
    rng = random.Random(14)
    articles = list(
        Provision.objects.filter(version=old, paragraph=0, item=0).values_list("article", flat=True)
    )
    unit = Unit.objects.order_by("path").first()
    if unit is None:
        raise SystemExit("no unit: load the demo first (make demo)")
    rows: list[dict[str, object]] = []
    with transaction.atomic():
        now = timezone.now()
        docs = NormativeDocument.objects.bulk_create(
            NormativeDocument(title=f"基准测试文件{i}", unit=unit, created_at=now)
            for i in range(DOCS)
        )
        DocumentBasis.objects.bulk_create(
            DocumentBasis(
                document=doc,
                citation=f"《中华人民共和国治安管理处罚法》第{chinese_numeral(a)}条",
            )
            for doc in docs
            for a in rng.sample(articles, 4)
        )
        every = list(citations.cited())  # warm the pack caches; count what the product cites

        def floor() -> None:
            with connection.cursor() as cursor:
                for sql in FLOOR_SQL:
                    cursor.execute(sql, [old.pk, new.pk] if "%s" in sql else [])
                    cursor.fetchall()

        def report() -> None:
            impact.report(law, old, new)

        def everything() -> None:
            impact.report(law, old, new, cited=citations.cited())

        floors, reports, alls = [], [], []
        for _round in range(ROUNDS):
            floors.append(_time(floor))
            reports.append(_time(report))
            alls.append(_time(everything))
        rep = impact.report(law, old, new)
        base = statistics.median(floors)
        for name, values in (("report (law-filtered)", reports), ("every citation", alls)):
            value = statistics.median(values)
            rows.append(
                {
                    "name": name,
                    "value": round(value, 4),
                    "baseline": round(base, 4),
                    "ratio": round(value / base, 2),
                    "citations_in_product": len(every),
                    "citations_of_law": rep.of_law,
                    "touched": len(rep.touched),
                    "owners": len(rep.owners),
                    "synthetic_documents": DOCS,
                    "engine": connection.vendor,
                }
            )
        transaction.set_rollback(True)
    out = ROOT / "bench" / "results" / "rulebook_impact.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for row in rows:
        print(
            f"{row['name']:<24} {row['value']:.3f}s  floor {row['baseline']:.3f}s  "
            f"ratio {row['ratio']}  ({row['citations_in_product']} citations in the product, "
            f"{row['citations_of_law']} of the law, {row['owners']} owners)"
        )


if __name__ == "__main__":
    main()

"""The baseline of the case-list benchmark: a minimal Django endpoint, one raw SQL query.

It answers the same first page as ``GET /api/v1/cases`` for a unit's subtree (cases ordered by
their nearest running deadline, which each case carries in ``next_due_at``) with the same fields
and through the same index (``case_running_next_due``), but without authentication, scoping code,
the ORM or a schema. Mounted only by bench/urls.py.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse

PAGE = """
SELECT c.number, c.title, u.code, u.name, i.code, i.name, c.procedure, c.source, c.status,
       c.act_at, c.act_place, c.accepted_at, c.decided_at, c.closed_at, c.outside_centre,
       c.next_due_at, c.next_deadline_name
FROM cases_case c
JOIN org_unit u ON u.id = c.unit_id
JOIN catalog_enforcementitem i ON i.id = c.item_id
WHERE c.next_due_at IS NOT NULL AND u.path LIKE %s
ORDER BY c.next_due_at, c.id
LIMIT %s
"""
FIELDS = (
    "number", "title", "unit_code", "unit_name", "item_code", "item_name", "procedure", "source",
    "status", "act_at", "act_place", "accepted_at", "decided_at", "closed_at", "outside_centre",
    "next_due_at", "next_deadline",
)  # fmt: skip


def case_page(request: HttpRequest) -> JsonResponse:
    path = request.GET.get("path", "")
    size = int(request.GET.get("page_size", "50"))
    with connection.cursor() as cursor:
        cursor.execute(PAGE, [path + "%", size + 1])
        rows = cursor.fetchall()
    items = [dict(zip(FIELDS, row, strict=True)) for row in rows[:size]]
    return JsonResponse(
        {"items": items, "page": 1, "page_size": size, "has_next": len(rows) > size}
    )

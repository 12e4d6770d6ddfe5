"""Health endpoints for load balancers and orchestrators (issue 16; docs/operations/first-hour.md).

``/healthz`` — liveness: the process answers; it reads nothing, not even the database.
``/readyz`` — readiness: the database answers, every migration is applied, every rule pack loads.
``/status/`` — ``fazhi status`` on a page for the 系统管理员 (fazhi.core.status).

Both are public (no login: a probe has no account) and disclose no data: each check's name and
``ok``/``fail``, no versions, no counts, no error texts (``fazhi status`` tells the operator why).
The answer is JSON, so the Content-Security-Policy has nothing to allow; it is never cached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True


def _migrations() -> bool:
    from fazhi.core.status import unapplied_migrations

    return not unapplied_migrations()


def _rule_packs() -> bool:
    from fazhi.core.rulepacks import registered_kinds, registry

    for kind in registered_kinds():
        registry.packs(kind)
    return True


READY_CHECKS: dict[str, Callable[[], bool]] = {
    "database": _database,
    "migrations": _migrations,
    "rule_packs": _rule_packs,
}


def ready_checks() -> dict[str, bool]:
    """Run each readiness check; one that raises is failed (and logged, not shown)."""
    out: dict[str, bool] = {}
    for name, check in READY_CHECKS.items():
        if name != "database" and not out.get("database", True):
            out[name] = False  # nothing else can be read without the database
            continue
        try:
            out[name] = bool(check())
        except Exception:
            logger.warning("readiness check %s failed", name, exc_info=True)
            out[name] = False
    return out


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = ready_checks()
    ok = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if ok else "fail",
            "checks": {k: "ok" if v else "fail" for k, v in checks.items()},
        },
        status=200 if ok else 503,
    )


@login_required
def status_page(request: HttpRequest) -> HttpResponse:
    """``fazhi status`` on a page, for the 系统管理员 only (the other roles get 403)."""
    from fazhi.core import status
    from fazhi.core.roles import Role

    if getattr(request.user, "role", None) != Role.SYSTEM_ADMIN:
        raise PermissionDenied
    report = status.report()
    return render(request, "core/status.html", {"report": report})

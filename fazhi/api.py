"""The REST API under /api/v1/ (django-ninja), with its OpenAPI schema at /api/v1/docs.

Each app contributes a Router from its own ``api.py``; domain errors map to responses here,
once (STYLE §4).
"""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import SessionAuth

from fazhi.core.errors import FazhiError, FrozenRecord, PermissionDeniedError
from fazhi.org.tokens import TokenAuth

api = NinjaAPI(
    title="Fazhi API",
    version="1",
    description="法治平台 REST API. Every list is scoped to the caller's organisation subtree.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-v1",
)


@api.exception_handler(PermissionDeniedError)
def _permission_denied(request: HttpRequest, exc: PermissionDeniedError) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "detail": str(exc)}, status=403)


@api.exception_handler(FrozenRecord)
def _frozen(request: HttpRequest, exc: FrozenRecord) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "detail": str(exc)}, status=409)


@api.exception_handler(FazhiError)
def _domain_error(request: HttpRequest, exc: FazhiError) -> HttpResponse:
    body = {"code": exc.code, "detail": str(exc), "field": exc.field}
    if exc.basis is not None:
        body["basis"] = str(exc.basis)
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthenticated", "detail": _("需要登录或有效的访问令牌。")}, status=401
    )


def _register_routers() -> None:
    from fazhi.cases.api import deadlines_router
    from fazhi.cases.api import router as cases_router
    from fazhi.catalog.api import router as catalog_router
    from fazhi.law.api import router as law_router
    from fazhi.litigation.api import router as litigation_router
    from fazhi.org.api import router as org_router
    from fazhi.petitions.api import router as petitions_router
    from fazhi.reports.api import router as metrics_router
    from fazhi.rulebook.api import router as rulebook_router
    from fazhi.services.api import router as services_router
    from fazhi.training.api import router as training_router

    api.add_router("/org", org_router)
    api.add_router("/law", law_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/cases", cases_router)
    api.add_router("/deadlines", deadlines_router)
    api.add_router("/services", services_router)
    api.add_router("/metrics", metrics_router)
    api.add_router("/litigation", litigation_router)
    api.add_router("/petitions", petitions_router)
    api.add_router("/rulebook", rulebook_router)
    api.add_router("/training", training_router)


_register_routers()

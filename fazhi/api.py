"""The REST API under /api/v1/ (django-ninja), with its OpenAPI schema at /api/v1/docs.

Each app contributes a Router from its own ``api.py``; domain errors map to responses here,
once (STYLE §4). Every error has one body, ``fazhi.core.api_errors.ErrorOut`` (ADR 0027), and
every operation documents the statuses it may answer with: 400 (a value out of bounds), 401,
403, 404 (a record out of scope or absent), 422 (invalid input or a refusal of the law), and
409 where an operation declares it.
"""

from typing import Any

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import SessionAuth

from fazhi.core.api_errors import STATUS_MEANINGS, ErrorOut, error_body, from_validation_errors
from fazhi.core.bounds import BadParameter
from fazhi.core.errors import FazhiError, FrozenRecord, PermissionDeniedError
from fazhi.org.tokens import TokenAuth

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


class FazhiAPI(NinjaAPI):
    """NinjaAPI whose schema documents the one error body on every operation."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(schema)
        return schema


def document_errors(schema: dict[str, Any]) -> None:
    """Add ErrorOut and the statuses each operation may answer with to SCHEMA (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in components:
        components["ErrorOut"] = ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            has_input = bool(parameters) or "requestBody" in operation
            # 404: a record named by the path, or by a query value (editions/diff?a=…), is absent
            # or out of scope; operations without input may still look up the caller's records.
            wanted = {401, 403, 404}
            if has_input:
                wanted |= {400, 422}
            for status in sorted(wanted | {s for s in map(int, responses) if s >= 400}):
                responses[status] = {
                    "description": STATUS_MEANINGS.get(status, "error"),
                    "content": {"application/json": {"schema": ERROR_REF}},
                }


api = FazhiAPI(
    title="Fazhi API",
    version="1",
    description=(
        "法治平台 REST API. Every list is scoped to the caller's organisation subtree. "
        "Every error has one body (ErrorOut): code, detail, field, basis, errors."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-v1",
)


def _error(request: HttpRequest, status: int, code: str, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, error_body(code, detail, **extra), status=status)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, from_validation_errors(exc.errors), status=422)


@api.exception_handler(BadParameter)
def _bad_parameter(request: HttpRequest, exc: BadParameter) -> HttpResponse:
    return _error(request, 400, exc.code, str(exc), field=exc.field)


@api.exception_handler(PermissionDeniedError)
def _permission_denied(request: HttpRequest, exc: PermissionDeniedError) -> HttpResponse:
    return _error(request, 403, exc.code, str(exc))


@api.exception_handler(FrozenRecord)
def _frozen(request: HttpRequest, exc: FrozenRecord) -> HttpResponse:
    return _error(request, 409, exc.code, str(exc))


@api.exception_handler(FazhiError)
def _domain_error(request: HttpRequest, exc: FazhiError) -> HttpResponse:
    return _error(request, 422, exc.code, str(exc), field=exc.field, basis=exc.basis)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("需要登录或有效的访问令牌。"))


@api.exception_handler(AuthorizationError)
def _unauthorised(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return _error(request, 403, "permission_denied", _("您的角色无权执行此操作。"))


@api.exception_handler(PermissionDenied)
def _django_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "permission_denied", _("您的角色无权执行此操作。"))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("记录不存在，或不在您的数据范围内。"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "bad_request", 404: "not_found", 409: "conflict"}.get(exc.status_code, "error")
    return _error(request, exc.status_code, code, str(exc))


@api.exception_handler(BadRequest)
def _bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    return _error(request, 400, "bad_request", _("请求无法使用。"))


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return _error(request, 400, "bad_request", _("请求无法使用。"))


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

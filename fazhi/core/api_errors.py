"""The one error body of the API, for 400, 401, 403, 404, 409 and 422 (ADR 0027).

``{"code": …, "detail": …, "field": …, "basis": …, "errors": {field: [message, …]}}``: a stable
code a client can branch on, a message in the caller's language (zh-hans or English), the field
at fault (``page``, ``parties.0.birth_date``, ``data.fine``) or null, the provision of a refusal
of the law, and every invalid field. Apps declare ``response={…, 422: ErrorOut}`` with this
schema; fazhi/api.py maps every exception to it once and documents it on every operation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Schema

# The statuses every operation may answer with this body, and when.
STATUS_MEANINGS = {
    400: "a query parameter or value out of bounds (code invalid_parameter)",
    401: "no session and no valid bearer token (code unauthenticated)",
    403: "the caller's role lacks the capability (code permission_denied)",
    404: "no such record, or not in the caller's scope (code not_found)",
    409: "the record is frozen or the request repeats another (code frozen, conflict)",
    422: "invalid input, or a refusal of the law with its provision (code invalid, legal_rule…)",
}


class ErrorOut(Schema):
    """Every error of the API: one shape for 400, 401, 403, 404, 409 and 422."""

    code: str = Field(..., examples=["invalid"], description="stable, for a client to branch on")
    detail: str = Field(..., examples=["参数 page：应为 1 至 100000 之间的整数。"])
    field: str | None = Field(None, examples=["page"], description="the field at fault")
    basis: str | None = Field(None, examples=["《中华人民共和国行政处罚法》第四十四条"])
    errors: dict[str, list[str]] | None = Field(None, description="every invalid field")


def error_body(
    code: str,
    detail: str,
    *,
    field: str | None = None,
    basis: Any = None,
    errors: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Return the error body (a dict of ErrorOut's fields)."""
    return {
        "code": code,
        "detail": detail,
        "field": field,
        "basis": None if basis is None else str(basis),
        "errors": dict(errors) if errors else None,
    }


# --- pydantic's validation errors, said in the caller's language ---------------------------------


def _message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("必须填写。")
    if kind in {"int_parsing", "int_from_float", "int_type"}:
        return _("应为整数。")
    if kind in {"float_parsing", "float_type", "decimal_parsing"}:
        return _("应为数字。")
    if kind in {"bool_parsing", "bool_type"}:
        return _("应为 true 或 false。")
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type"}:
        return _("应为日期（年-月-日）。")
    if kind in {"datetime_parsing", "datetime_from_date_parsing", "datetime_type"}:
        return _("应为带时区的时间（如 2025-03-03T10:00:00+08:00）。")
    if kind in {"string_type", "str_type"}:
        return _("应为文本。")
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return _("应为对象。")
    if kind in {"list_type", "tuple_type"}:
        return _("应为列表。")
    if kind == "string_too_long":
        return _("最多 %(n)s 个字符。") % {"n": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("至少 %(n)s 个字符。") % {"n": ctx.get("min_length")}
    if kind == "too_short":
        return _("至少 %(n)s 项。") % {"n": ctx.get("min_length")}
    if kind == "too_long":
        return _("最多 %(n)s 项。") % {"n": ctx.get("max_length")}
    if kind in {"less_than_equal", "less_than"}:
        return _("不能大于 %(n)s。") % {"n": ctx.get("le", ctx.get("lt"))}
    if kind in {"greater_than_equal", "greater_than"}:
        return _("不能小于 %(n)s。") % {"n": ctx.get("ge", ctx.get("gt"))}
    if kind in {"enum", "literal_error"}:
        return _("应为以下之一：%(choices)s。") % {"choices": ctx.get("expected", "")}
    if kind == "value_error":  # our own validators: the text after "Value error, "
        return str(ctx.get("error") or error.get("msg", ""))
    if kind == "json_invalid":
        return _("请求体不是有效的 JSON。")
    return str(error.get("msg", kind))


def _field(location: Iterable[Any]) -> str:
    """Return the field of a location: ('body', 'payload', 'parties', 0, 'name') → parties.0.name."""
    parts = [str(p) for p in location]
    if parts[:1] == ["body"]:
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts[:1] in (["query"], ["path"], ["header"], ["cookie"], ["form"], ["file"]):
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"filters", "query", "params"}:  # Query[Schema] param
            parts = parts[1:]
    return ".".join(parts) or "__all__"


def from_validation_errors(errors: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Return the 422 body of ninja's (pydantic's) list of validation errors."""
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(_field(error.get("loc", ())), []).append(_message(error))
    if not by_field:
        return error_body("invalid", _("请求无效。"))
    field, messages = next(iter(by_field.items()))
    detail = _("%(field)s：%(message)s") % {"field": field, "message": messages[0]}
    return error_body(
        "invalid", detail, field=None if field == "__all__" else field, errors=by_field
    )

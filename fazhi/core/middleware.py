"""The UI language: zh-hans unless the user chose another one with the language switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an English-language
browser on the police network would get the English UI unasked. Fazhi's default is zh-hans (the
source language of every legal text); the switch (``set_language``) stores a cookie, which wins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import check_for_language

from fazhi.core import text
from fazhi.core.api_errors import error_body
from fazhi.core.bounds import BadParameter


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = (
            chosen if chosen in supported and check_for_language(chosen) else settings.LANGUAGE_CODE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class CleanTextMiddleware:
    """Refuse a request whose text holds NUL, a control character or a bidi override (ADR 0027).

    One check at the boundary for every form, query string and JSON body, so no page or endpoint
    can store such text: the query parameters, the form fields (and the names of uploaded
    files), and the strings of a JSON body (keys too). A page answers the 400 page naming the
    field; the API answers its error body (400, code ``control_character``). Runs as a view
    middleware, after the CSRF check.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        hit = _forbidden_text(request)
        if hit is None:
            return None
        field, (position, character) = hit
        message = _(
            "%(field)s 含有不允许的不可见字符 %(char)s（第 %(position)s 个字符），请删除后重试。"
        ) % {
            "field": field,
            "char": text.describe(character),
            "position": position + 1,
        }
        if request.path.startswith("/api/"):
            body = error_body("control_character", message, field=field)
            return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
        from fazhi.core.error_views import bad_request  # the page draws the menu: import late

        return bad_request(request, BadParameter(message, field=field))


def _forbidden_text(request: HttpRequest) -> tuple[str, tuple[int, str]] | None:
    for source in (request.GET, request.POST if request.method == "POST" else None):
        if source is None:
            continue
        for key, values in source.lists():
            if found := text.find_forbidden(key):
                return key, found
            for value in values:
                if found := text.find_forbidden(value):
                    return key, found
    if request.method == "POST":
        for key, uploads in request.FILES.lists():
            for upload in uploads:
                name = str(getattr(upload, "name", "") or "")
                if found := text.find_forbidden(name):
                    return key, found
    content_type = request.content_type or ""
    if request.method in {"POST", "PUT", "PATCH"} and content_type.endswith("json"):
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return None  # the endpoint answers an unreadable body itself
        return text.forbidden_in(data)
    return None

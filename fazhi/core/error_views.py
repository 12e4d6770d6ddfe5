"""The 400, 403, 404 and 500 pages: Chinese (or English), with the site's navigation.

Django's own handlers render these templates without the request, so without the menu, the
user or the language switch; these render them with it (``handler400`` … in fazhi/urls.py).
A citizen on the public site (/public/, /jkb/) gets the public menu, staff the staff menu. A 400
caused by ``BadParameter`` shows its message, which names the field (fazhi.core.bounds); any other
exception's text is never shown (it may hold internals). The 500 page falls back to a page
without the menu if drawing the menu fails (the database may be the cause), and so do the others:
an error page never raises a second error.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from fazhi.core.errors import FazhiError

logger = logging.getLogger(__name__)

PUBLIC_PREFIXES = ("/public/", "/jkb/")


def _render(
    request: HttpRequest, status: int, heading: str, detail: str, advice: str, field: str = ""
) -> HttpResponse:
    public = request.path.startswith(PUBLIC_PREFIXES)
    context = {
        "status": status,
        "heading": heading,
        "detail": detail,
        "advice": advice,
        "field": field,
        "base_template": "portal/_public_base.html" if public else "base.html",
        "home_url": "/public/" if public else "/",
        "back_url": "",
    }
    try:
        template = loader.get_template(f"{status}.html")
        return HttpResponse(template.render(context, request), status=status)
    except Exception:  # the menu needs the database and every app's URLs: never a second error
        logger.exception("the %s page could not draw the menu", status)
        body = f"<!doctype html><title>{status}</title><h1>{status} · {heading}</h1><p>{detail}</p>"
        return HttpResponse(f"{body}<p>{advice}</p>", status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    field = ""
    detail = _("请求中的参数无法使用。")
    if isinstance(exception, FazhiError):  # a message written for the user, naming the field
        detail, field = str(exception), exception.field or ""
    return _render(
        request, 400, _("请求有误"), detail, _("请检查地址栏或表单中的参数后重试。"), field
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    detail = _("您的角色或数据范围不包括此页面。")
    if isinstance(exception, FazhiError):
        detail = str(exception)
    return _render(
        request, 403, _("无权访问"), detail, _("如需访问，请联系本单位的安全管理员授权。")
    )


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(
        request,
        404,
        _("页面不存在"),
        _("找不到该页面或记录，或它不在您的数据范围内。"),
        _("请从菜单重新进入，或检查编号是否正确。"),
    )


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    heading, detail = _("系统错误"), _("处理请求时发生了内部错误，已记录在日志中。")
    advice = _("请稍后重试；如果一再出现，请联系系统管理员并告知发生的时间。")
    return _render(request, 500, heading, detail, advice)

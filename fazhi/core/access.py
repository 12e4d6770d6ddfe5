"""Who may open which page: one decorator over the capabilities of fazhi.core.roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from fazhi.core.errors import PermissionDeniedError
from fazhi.core.roles import Capability

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def requires(*capabilities: Capability) -> Callable[[View], View]:
    """Let the view run only for a logged-in user who holds every one of CAPABILITIES."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not all(request.user.has_capability(cap) for cap in capabilities):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]  # same signature as VIEW

    return decorator


def require_capability(user: Any, capability: Capability) -> None:
    """Raise PermissionDeniedError unless USER holds CAPABILITY (for domain functions and API)."""
    from django.utils.translation import gettext as _

    if user is None or not user.is_authenticated or not user.has_capability(capability):
        raise PermissionDeniedError(_("您的角色无权进行此操作。"))

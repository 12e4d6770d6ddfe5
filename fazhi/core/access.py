"""Who may open which page: one decorator over the capabilities of fazhi.core.roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from fazhi.core.errors import PermissionDeniedError
from fazhi.core.roles import Capability


def requires(*capabilities: Capability) -> Callable:
    """Let the view run only for a logged-in user who holds every one of CAPABILITIES."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not all(request.user.has_capability(cap) for cap in capabilities):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def require_capability(user, capability: Capability) -> None:
    """Raise PermissionDeniedError unless USER holds CAPABILITY (for domain functions and API)."""
    from django.utils.translation import gettext as _

    if user is None or not user.is_authenticated or not user.has_capability(capability):
        raise PermissionDeniedError(_("您的角色无权进行此操作。"))

"""The typed requests of the staff views (what the auth middleware and login_required guarantee)."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from fazhi.org.models import User


class StaffRequest(HttpRequest):
    """A request of a view behind login_required or requires(…): ``user`` is a logged-in User."""

    user: User
    htmx: HtmxDetails  # HtmxMiddleware sets it on every request

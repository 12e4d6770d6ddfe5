"""Pages of the org app: the tree, units, officers, and account administration (三员分立).

Views are thin: they scope with ``visible_to``, call a domain function, render.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from fazhi.audit.auth_events import client_address
from fazhi.core import bounds
from fazhi.core.access import requires
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Capability as C
from fazhi.org import accounts, officers, twofactor
from fazhi.org.forms import (
    AccountCreateForm,
    ActivationForm,
    LinkOfficerForm,
    OfficerFilterForm,
    OtpTokenForm,
    PasswordChangeForm,
    RoleForm,
    password_rules,
)
from fazhi.org.models import Officer, Unit, User
from fazhi.org.passwords import expiry_state

PAGE_SIZE = 50


class HtmxHttpRequest(HttpRequest):
    """A request that went through django_htmx's HtmxMiddleware (``request.htmx``)."""

    htmx: HtmxDetails


def _signed_in(request: HttpRequest) -> User:
    """The user of a view behind @requires, which lets only a signed-in User through."""
    return cast(User, request.user)


@dataclass
class TreeNode:
    unit: Unit
    officer_count: int = 0  # officers of this unit itself
    subtree_count: int = 0  # officers of this unit and every unit below it
    children: list[TreeNode] = field(default_factory=list)


def build_tree(user: Any) -> list[TreeNode]:
    """Return the units USER may see as nested nodes with their officer counts."""
    units = list(Unit.objects.visible_to(user))
    counts = dict(
        Officer.objects.visible_to(user)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    nodes = {unit.path: TreeNode(unit, counts.get(unit.pk, 0)) for unit in units}
    roots: list[TreeNode] = []
    for unit in units:  # ordered by path: a parent comes before its children
        parent = nodes.get(unit.path[: -Unit.steplen])
        (parent.children if parent else roots).append(nodes[unit.path])
    for unit in reversed(units):  # children before parents: totals roll up
        node = nodes[unit.path]
        node.subtree_count += node.officer_count
        parent = nodes.get(unit.path[: -Unit.steplen])
        if parent is not None:
            parent.subtree_count += node.subtree_count
    return roots


@requires(C.VIEW_SCOPED_DATA)
def tree(request: HttpRequest) -> HttpResponse:
    return render(request, "org/tree.html", {"roots": build_tree(request.user)})


@requires(C.VIEW_SCOPED_DATA)
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit: Unit = get_object_or_404(Unit.objects.visible_to(request.user), code=code)
    context = {
        "unit": unit,
        "ancestors": Unit.objects.visible_to(request.user).filter(
            path__in=[unit.path[:end] for end in range(Unit.steplen, len(unit.path), Unit.steplen)]
        ),
        "children": Unit.objects.visible_to(request.user).filter(
            path__startswith=unit.path, depth=unit.depth + 1
        ),
        "officers": Officer.objects.visible_to(request.user).filter(unit=unit),
        "today": timezone.localdate(),
    }
    return render(request, "org/unit_detail.html", context)


@requires(C.VIEW_SCOPED_DATA)
def officer_list(request: HtmxHttpRequest) -> HttpResponse:
    form = OfficerFilterForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    filters = form.to_filter()
    found = officers.find_officers(request.user, filters, on=today)
    if form.is_bound and not form.is_valid():  # e.g. a unit outside the scope: show the error
        found = found.none()
    page = Paginator(found, PAGE_SIZE).get_page(bounds.page_number(request.GET.get("page")))
    rows = [(o, officers.qualification_state(o, today, filters.within_days)) for o in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    template = "org/_officer_table.html" if request.htmx else "org/officer_list.html"
    return render(request, template, context)


def _officer_context(request: HttpRequest, officer: Officer) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "officer": officer,
        "state": officers.qualification_state(officer, today),
        "can_reveal": _signed_in(request).has_capability(C.REVEAL_ID_NUMBER),
        "today": today,
    }


@requires(C.VIEW_SCOPED_DATA)
def officer_detail(request: HttpRequest, police_number: str) -> HttpResponse:
    officer = get_object_or_404(
        Officer.objects.visible_to(request.user).select_related("unit"),
        police_number=police_number,
    )
    return render(request, "org/officer_detail.html", _officer_context(request, officer))


@never_cache
@require_POST
@requires(C.VIEW_SCOPED_DATA, C.REVEAL_ID_NUMBER)
def reveal_id_number(request: HtmxHttpRequest, police_number: str) -> HttpResponse:
    """Show the full ID number and record the display (pii.reveal) in the same request."""
    officer = get_object_or_404(
        Officer.objects.visible_to(request.user).select_related("unit"),
        police_number=police_number,
    )
    number = officers.reveal_id_number(
        officer, actor=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    if request.htmx:
        return render(request, "org/_id_number.html", {"officer": officer, "number": number})
    context = _officer_context(request, officer) | {"number": number}
    return render(request, "org/officer_detail.html", context)


# --- Accounts: 系统管理员 ---------------------------------------------------------------------


def _run(request: HttpRequest, operation: Callable[[], object], success: str) -> None:
    try:
        operation()
    except FazhiError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)


def _account_list(
    request: HttpRequest, form: AccountCreateForm, issued: accounts.Activation | None
) -> HttpResponse:
    users = User.objects.select_related("officer", "scope_unit").order_by("username")
    page = Paginator(users, PAGE_SIZE).get_page(bounds.page_number(request.GET.get("page")))
    response = render(
        request,
        "org/accounts/list.html",
        {
            "form": form,
            "page": page,
            "issued": issued,
            "link_form": LinkOfficerForm(),
            "activation_hours": settings.FAZHI_ACTIVATION_HOURS,
        },
    )
    if issued:
        response["Cache-Control"] = "no-store"  # the activation code is shown once
    return response


@requires(C.MANAGE_ACCOUNTS)
def account_list(request: HttpRequest) -> HttpResponse:
    """The system administrator's page: create, deactivate, link to an officer, reset."""
    form = AccountCreateForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            _user, issued = accounts.create_account(
                form.cleaned_data["username"],
                form.cleaned_data["full_name"],
                officer=form.cleaned_data["police_number"],
                actor=_signed_in(request),
            )
        except FazhiError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            form = AccountCreateForm()
    return _account_list(request, form, issued)


@require_POST
@requires(C.MANAGE_ACCOUNTS)
def account_reset(request: HttpRequest, username: str) -> HttpResponse:
    """Invalidate the password and show the new 系统管理员 activation half once."""
    user = get_object_or_404(User, username=username)
    try:
        issued = accounts.reset_password(user, actor=_signed_in(request))
    except FazhiError as exc:
        messages.error(request, str(exc))
        return redirect("org:accounts")
    return _account_list(request, AccountCreateForm(), issued)


@require_POST
@requires(C.MANAGE_ACCOUNTS)
def account_set_active(request: HttpRequest, username: str) -> HttpResponse:
    user = get_object_or_404(User, username=username)
    is_active = request.POST.get("is_active") == "1"
    _run(
        request,
        lambda: accounts.set_active(user, is_active, actor=_signed_in(request)),
        _("账号 %(username)s 已启用。") % {"username": username}
        if is_active
        else _("账号 %(username)s 已停用。") % {"username": username},
    )
    return redirect("org:accounts")


@require_POST
@requires(C.MANAGE_ACCOUNTS)
def account_link_officer(request: HttpRequest, username: str) -> HttpResponse:
    user = get_object_or_404(User, username=username)
    form = LinkOfficerForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("police_number", []):
            messages.error(request, cast(str, error))  # an ErrorList yields its messages
        return redirect("org:accounts")
    _run(
        request,
        lambda: accounts.link_officer(
            user, form.cleaned_data["police_number"], actor=_signed_in(request)
        ),
        _("账号 %(username)s 的关联民警已更新。") % {"username": username},
    )
    return redirect("org:accounts")


# --- Accounts: 安全管理员 ---------------------------------------------------------------------


def _account_roles(request: HttpRequest, issued: accounts.Activation | None) -> HttpResponse:
    users = User.objects.select_related("scope_unit").order_by("username")
    page = Paginator(users, PAGE_SIZE).get_page(bounds.page_number(request.GET.get("page")))
    locked = accounts.lockouts()
    rows = [
        (
            user,
            RoleForm(initial={"role": user.role, "scope_unit": user.scope_unit}, auto_id=False),
            locked.get(user.username, []),
        )
        for user in page
    ]
    response = render(
        request,
        "org/accounts/roles.html",
        {
            "page": page,
            "rows": rows,
            "issued": issued,
            "activation_hours": settings.FAZHI_ACTIVATION_HOURS,
            "can_unlock": _signed_in(request).has_capability(C.UNLOCK_ACCOUNTS),
        },
    )
    if issued:
        response["Cache-Control"] = "no-store"  # the activation code is shown once
    return response


@requires(C.ASSIGN_ROLES)
def account_roles(request: HttpRequest) -> HttpResponse:
    """The security administrator's page: roles, scopes, activations, locked accounts."""
    return _account_roles(request, None)


@require_POST
@requires(C.ASSIGN_ROLES)
def account_issue_activation(request: HttpRequest, username: str) -> HttpResponse:
    """Issue the 安全管理员's half of a pending account's activation and show it once."""
    user = get_object_or_404(User, username=username)
    try:
        issued = accounts.issue_security_activation(user, actor=_signed_in(request))
    except FazhiError as exc:
        messages.error(request, str(exc))
        return redirect("org:account_roles")
    return _account_roles(request, issued)


@require_POST
@requires(C.ASSIGN_ROLES)
def account_assign_role(request: HttpRequest, username: str) -> HttpResponse:
    user = get_object_or_404(User, username=username)
    form = RoleForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, cast(str, error))  # an ErrorList yields its messages
        return redirect("org:account_roles")
    _run(
        request,
        lambda: accounts.assign_role(
            user,
            form.cleaned_data["role"],
            form.cleaned_data["scope_unit"],
            actor=_signed_in(request),
        ),
        _("账号 %(username)s 的角色和数据范围已更新。") % {"username": username},
    )
    return redirect("org:account_roles")


@require_POST
@requires(C.UNLOCK_ACCOUNTS)
def account_unlock(request: HttpRequest, username: str) -> HttpResponse:
    user = get_object_or_404(User, username=username)
    _run(
        request,
        lambda: accounts.unlock_account(user, actor=_signed_in(request)),
        _("账号 %(username)s 已解锁。") % {"username": username},
    )
    return redirect("org:account_roles")


# --- The owner: activation and password change ---------------------------------------------------


@never_cache
@sensitive_post_parameters()
def activate(request: HttpRequest) -> HttpResponse:
    """The owner of a new or reset account chooses a password with both activation halves."""
    if request.user.is_authenticated:
        return redirect("core:home")
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accounts.activate(
                data["username"],
                data["system_code"],
                data["security_code"],
                data["new_password1"],
                ip_address=client_address(request),
            )
        except FazhiError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("账号已激活，请用新密码登录。"))
            return redirect("login")
    return render(request, "registration/activate.html", {"form": form, "rules": password_rules()})


@never_cache
@sensitive_post_parameters()
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Every user changes their own password here (and must, when it is forced or expired)."""
    user = _signed_in(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.change_password(
                user,
                form.cleaned_data["old_password"],
                form.cleaned_data["new_password1"],
                ip_address=client_address(request),
            )
        except FazhiError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            update_session_auth_hash(request, user)  # stay signed in with the new password
            messages.success(request, _("密码已修改。"))
            return redirect("core:home")
    return render(
        request,
        "registration/password_change.html",
        {"form": form, "rules": password_rules(), "expiry": expiry_state(user)},
    )


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' lockout response: the page says how long this address must still wait."""
    username = get_client_username(request, credentials) or ""
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=address)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    until = (last or timezone.now()) + cool_off
    seconds = max((until - timezone.now()).total_seconds(), 0)
    context = {
        "username": username,
        "until": until,
        "minutes": max(math.ceil(seconds / 60), 1),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(
        request,
        "registration/locked_out.html",
        context,
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )


# --- Two-factor authentication (TOTP) ------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("core:home")


@never_cache
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, confirm with one code, keep the recovery codes."""
    user = _signed_in(request)
    device = twofactor.pending_device(user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = twofactor.enrol(
                user, form.cleaned_data["token"], ip_address=client_address(request)
            )
        except FazhiError as exc:
            form.add_error("token", str(exc))
        else:
            twofactor.login(request, device)
            response = render(
                request,
                "registration/otp_recovery.html",
                {"codes": codes, "next": _next_url(request)},
            )
            response["Cache-Control"] = "no-store"  # the recovery codes are shown once
            return response
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "qr": mark_safe(twofactor.qr_svg(device)),  # noqa: S308 - our own SVG, no user text
            "secret": twofactor.secret_of(device),
            "required": twofactor.is_required(user),
            "enrolled": twofactor.is_enrolled(user),
            "next": _next_url(request),
        },
    )


@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: the authenticator's code, or one recovery code."""
    user = _signed_in(request)
    if not twofactor.is_enrolled(user):
        return redirect("org:otp_setup")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = twofactor.verify(
                user, form.cleaned_data["token"], ip_address=client_address(request)
            )
        except FazhiError as exc:
            form.add_error("token", str(exc))
        else:
            twofactor.login(request, device)
            return redirect(_next_url(request))
    return render(
        request, "registration/otp_verify.html", {"form": form, "next": _next_url(request)}
    )


@require_POST
@requires(C.UNLOCK_ACCOUNTS)
def account_reset_otp(request: HttpRequest, username: str) -> HttpResponse:
    """The security administrator removes a user's authenticator (a lost phone)."""
    user = get_object_or_404(User, username=username)
    _run(
        request,
        lambda: twofactor.reset(user, actor=_signed_in(request)),
        _("账号 %(username)s 的双因素验证已重置，下次登录时重新绑定。") % {"username": username},
    )
    return redirect("org:account_roles")

"""The public site of 警快办 (/jkb/): code login, applying online, my applications, tracking.

Thin views: they validate forms, call fazhi/services/{citizens,applications,uploads}.py and render.
A citizen is ``request.citizen`` (citizens.citizen_required), never ``request.user``.

Applying: every error of every part of the page (applicant, handling unit, the item's fields, each
uploaded file) is shown at once, inputs kept. The hidden idempotency key is made when the form is
first rendered and kept across re-renders; it is stored namespaced by the citizen, so a double
submit yields one application and one citizen's key can never return another's application.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhi.core.errors import FazhiError
from fazhi.services import applications, citizens, formspec, uploads
from fazhi.services.applications import Applicant
from fazhi.services.citizens import CitizenRequest, citizen_required
from fazhi.services.clock import provisional_text
from fazhi.services.models import (
    Application,
    ApplicationStatus,
    Bundle,
    BundleApplication,
    Channel,
    HandlingMode,
    ServiceItem,
    Step,
)
from fazhi.services.public_forms import (
    ApplicantForm,
    LoginForm,
    MaterialsForm,
    RosterForm,
    TrackForm,
    UnitForm,
    style,
)

KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
TRACK_LIMIT = 10  # lookups per client address …
TRACK_WINDOW_SECONDS = 600  # … per ten minutes
SUPPLEMENT_MAX_FILES = 10
WITHDRAWABLE = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SUPPLEMENT,
    ApplicationStatus.ACCEPTED,
)


def home(request: HttpRequest) -> HttpResponse:
    citizens.current_citizen(request)  # the menu shows who is logged in
    bundles = Bundle.objects.filter(is_active=True).order_by("code")
    return render(request, "services/public/home.html", {"bundles": bundles})


# --- Login ---------------------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("jkb:mine")


def login_view(request: HttpRequest) -> HttpResponse:
    """Phone and one-time code: "获取验证码" sends a code, "登录" checks it and starts the session."""
    next_url = _next_url(request)
    if citizens.current_citizen(request) is not None:
        return redirect(next_url)
    form = LoginForm(request.POST or None)
    sent_to = ""
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "login")
        try:
            if action == "send":
                row = citizens.send_code(form.cleaned_data["phone"])
                sent_to = str(row)  # the masked phone
            else:
                citizen = citizens.verify_code(
                    form.cleaned_data["phone"],
                    form.cleaned_data["code"],
                    ip_address=uploads.client_ip(request),
                )
                citizens.login(request, citizen)
                return redirect(next_url)
        except citizens.CitizenLoginError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
    style(form)
    context = {"form": form, "next": next_url, "sent_to": sent_to}
    return render(request, "services/public/login.html", context, status=200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    citizens.logout(request)
    return redirect("jkb:home")


# --- Applying ------------------------------------------------------------------------------------


def _raw_key(request: HttpRequest) -> str:
    raw = request.POST.get("idempotency_key", "")
    return raw if KEY.match(raw) else secrets.token_urlsafe(24)


def _stored_key(citizen_pk: int, raw: str) -> str:
    """The key as stored: bound to the citizen, so another citizen's key never matches."""
    return hashlib.sha256(f"jkb:{citizen_pk}:{raw}".encode()).hexdigest()


def _online_capable(item: ServiceItem) -> bool:
    return (
        item.is_active
        and item.is_online
        and any(mode in item.modes for mode in (HandlingMode.ONLINE, HandlingMode.ONLINE_WINDOW))
    )


class _Page:
    """The forms of one application page, bound to the request on POST."""

    def __init__(
        self, request: CitizenRequest, items: list[ServiceItem], fields: list[dict[str, Any]]
    ) -> None:
        citizen = request.citizen
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        self.fields = fields
        self.applicant = ApplicantForm(
            data,
            initial={
                "applicant_name": citizen.name,
                "applicant_id_number": citizen.id_number,
                "applicant_phone": citizen.phone,
            },
        )
        self.units = UnitForm(items, data)
        self.item = formspec.build_form(fields)(data)
        materials = [m for item in items for m in item.materials.all()]
        self.materials = MaterialsForm(materials, data, files)
        self.raw_key = _raw_key(request)
        self.error = ""

    @property
    def all(self) -> list[forms.Form]:
        return [self.applicant, self.units, self.item, self.materials]

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in self.all]  # every form, not up to the first failure
        return all(results)

    def applicant_value(self) -> Applicant:
        data = self.applicant.cleaned_data
        return Applicant(
            name=data["applicant_name"],
            id_number=data["applicant_id_number"],
            phone=data["applicant_phone"],
        )

    def item_data(self) -> dict[str, Any]:
        return {f["key"]: self.item.data.get(f["key"], "") for f in self.fields}

    def show(self, invalid: formspec.FormInvalid) -> None:
        """Put each error the domain reported on its field (or on top of the form)."""
        for key, messages_ in invalid.errors.items():
            form = next((f for f in self.all if key in f.fields), None)
            for message in messages_:
                if form is None:
                    self.item.add_error(None, message)
                else:
                    form.add_error(key, message)

    def context(self) -> dict[str, Any]:
        style(*self.all)
        has_errors = any(form.errors for form in self.all) or bool(self.error)
        return {"page": self, "has_errors": has_errors}


def _store_materials(application: Application, page: _Page, citizen: Any) -> None:
    for field, checked in page.materials.checked.items():
        for material in page.materials.by_field[field]:
            if material.item_id == application.item_id:
                uploads.store(application, checked, by=citizen, material=material)


def _submit(
    page: _Page,
    citizen: Any,
    model: type[Application] | type[BundleApplication],
    submit: Callable[..., Application | BundleApplication],
    parts: Callable[[Any], Iterable[Application]],
) -> HttpResponse | None:
    """Submit a POSTed PAGE through SUBMIT; answer its receipt, or None to show PAGE again.

    A repeat of the page's idempotency key goes to the receipt of what it made (a MODEL). A valid
    page is submitted with the applicant, the form data and the key, and the uploaded materials
    are stored with the PARTS of what was made now; the domain's errors are put on the page.
    """
    key = _stored_key(citizen.pk, page.raw_key)
    earlier = model.objects.filter(idempotency_key=key, citizen=citizen).first()
    if earlier is not None:
        return redirect("jkb:receipt", earlier.receipt)
    if not page.is_valid():
        return None
    now = timezone.now()
    try:
        with uploads.removed_if_rolled_back(), transaction.atomic():
            made = submit(
                applicant=page.applicant_value(),
                channel=Channel.ONLINE,
                data=page.item_data(),
                by=citizen,
                idempotency_key=key,
                at=now,
            )
            if made.submitted_at == now:  # made now, not a repeat of the key
                for application in parts(made):
                    _store_materials(application, page, citizen)
        return redirect("jkb:receipt", made.receipt)
    except formspec.FormInvalid as invalid:
        page.show(invalid)
    except FazhiError as error:
        page.error = str(error)
    return None


@citizen_required
def apply(request: CitizenRequest, code: str) -> HttpResponse:
    """Apply online for one item: its form, the applicant, the handling unit, the materials."""
    item = get_object_or_404(ServiceItem.objects.filter(is_active=True), code=code)
    citizen = request.citizen
    if not _online_capable(item):
        return render(request, "services/public/apply.html", {"item": item, "window_only": True})
    page = _Page(request, [item], item.form)
    if request.method == "POST":
        submitted = _submit(
            page,
            citizen,
            Application,
            lambda **kw: applications.submit(item, unit=page.units.units()[item.pk], **kw),
            parts=lambda application: [application],
        )
        if submitted is not None:
            return submitted
    context = {"item": item, "materials": item.materials.all(), **page.context()}
    return render(request, "services/public/apply.html", context)


@citizen_required
def apply_bundle(request: CitizenRequest, code: str) -> HttpResponse:
    """Apply for a bundle (一件事): one combined form, each field and material asked once."""
    bundle = get_object_or_404(Bundle.objects.filter(is_active=True), code=code)
    citizen = request.citizen
    items = [entry.item for entry in bundle.entries.select_related("item").order_by("order")]
    blocked = [item for item in items if not _online_capable(item)]
    if blocked or not items:
        context = {"bundle": bundle, "items": items, "blocked": blocked, "window_only": True}
        return render(request, "services/public/apply_bundle.html", context)
    page = _Page(request, items, formspec.combine(item.form for item in items))
    if request.method == "POST":
        submitted = _submit(
            page,
            citizen,
            BundleApplication,
            lambda **kw: applications.submit_bundle(bundle, units=page.units.units(), **kw),
            parts=lambda parent: parent.parts.all(),
        )
        if submitted is not None:
            return submitted
    context = {"bundle": bundle, "items": items, **page.context()}
    return render(request, "services/public/apply_bundle.html", context)


@citizen_required
def receipt(request: CitizenRequest, receipt: str) -> HttpResponse:
    """The receipt after submitting: the code to track it by, and what happens next."""
    citizen = request.citizen
    application = (
        Application.objects.select_related("item", "unit")
        .filter(receipt=receipt, citizen=citizen)
        .first()
    )
    parent = None
    if application is None:
        parent = get_object_or_404(
            BundleApplication.objects.select_related("bundle"), receipt=receipt, citizen=citizen
        )
    context = {
        "application": application,
        "parent": parent,
        "parts": parent.parts.select_related("item", "unit") if parent else [],
    }
    return render(request, "services/public/receipt.html", context)


# --- My applications -----------------------------------------------------------------------------


@citizen_required
def mine(request: CitizenRequest) -> HttpResponse:
    citizen = request.citizen
    single = (
        citizen.applications.filter(bundle_application__isnull=True)
        .select_related("item", "unit")
        .prefetch_related("events")
        .order_by("-submitted_at")
    )
    bundles = (
        citizen.bundle_applications.select_related("bundle")
        .prefetch_related("parts__item", "parts__events")
        .order_by("-submitted_at")
    )
    return render(
        request, "services/public/mine.html", {"applications": single, "bundles": bundles}
    )


def _own(request: CitizenRequest, receipt: str) -> Application:
    found: Application = get_object_or_404(
        Application.objects.select_related("item", "unit", "bundle_application"),
        receipt=receipt,
        citizen=request.citizen,
    )
    return found


def _detail(
    request: HttpRequest,
    application: Application,
    *,
    errors: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    asked = (
        application.events.filter(step=Step.ASK_SUPPLEMENT).order_by("-at", "-id").first()
        if application.status == ApplicationStatus.SUPPLEMENT
        else None
    )
    context = {
        "application": application,
        "events": application.events.all(),
        "uploads": application.uploads.select_related("material").order_by("uploaded_at", "id"),
        "missing": asked.data.get("missing", []) if asked else [],
        "can_supplement": application.status == ApplicationStatus.SUPPLEMENT,
        "can_withdraw": application.status in WITHDRAWABLE,
        "errors": errors or [],
        "roster_form": RosterForm(),
        "provisional": provisional_text(applications.provisional_years(application)),
        **(extra or {}),
    }
    return render(
        request, "services/public/application.html", context, status=400 if errors else 200
    )


@citizen_required
def application_detail(request: CitizenRequest, receipt: str) -> HttpResponse:
    return _detail(request, _own(request, receipt))


@citizen_required
@require_POST
def supplement(request: CitizenRequest, receipt: str) -> HttpResponse:
    """补正: upload the materials asked for; nothing is stored unless every file passes."""
    application = _own(request, receipt)
    files = request.FILES.getlist("files")
    if not files:
        return _detail(request, application, errors=[_("请至少上传一个补正材料文件。")])
    if len(files) > SUPPLEMENT_MAX_FILES:
        return _detail(
            request,
            application,
            errors=[_("一次最多上传 %(n)d 个文件。") % {"n": SUPPLEMENT_MAX_FILES}],
        )
    checked, errors = [], []
    for file in files:
        try:
            checked.append(uploads.check(file, field="files"))
        except uploads.UploadRefused as refused:
            errors.append(str(refused))
    if errors:
        return _detail(request, application, errors=errors)
    try:
        with uploads.removed_if_rolled_back(), transaction.atomic():
            for one in checked:
                uploads.store(application, one, by=request.citizen)
            applications.supplement(application, request.citizen)
    except FazhiError as error:
        return _detail(request, application, errors=[str(error)])
    messages.success(request, _("补正材料已提交，办理单位将继续办理。"))
    return redirect("jkb:application", application.receipt)


@citizen_required
@require_POST
def withdraw(request: CitizenRequest, receipt: str) -> HttpResponse:
    application = _own(request, receipt)
    try:
        applications.withdraw(application, request.citizen)
    except FazhiError as error:
        return _detail(request, application, errors=[str(error)])
    messages.success(request, _("申请已撤回。"))
    return redirect("jkb:application", application.receipt)


# --- Public tracking -----------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: enough for the applicant to recognise, not to identify."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def _over_limit(request: HttpRequest) -> bool:
    """Count one lookup for the client address; True once it exceeds TRACK_LIMIT in the window.

    The count lives in Django's cache: per process with the default local-memory cache, shared
    between workers once CACHES points at a shared cache.
    """
    window = int(timezone.now().timestamp()) // TRACK_WINDOW_SECONDS
    key = f"jkb:track:{uploads.client_ip(request)}:{window}"
    cache.add(key, 0, TRACK_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, TRACK_WINDOW_SECONDS)
        count = 1
    return count > TRACK_LIMIT


def _lookup(receipt: str, phone: str) -> dict[str, Any] | None:
    application = (
        Application.objects.select_related("item")
        .filter(receipt=receipt, applicant_phone=phone)
        .first()
    )
    if application is not None:
        return {
            "receipt": application.receipt,
            "name": application.item.name,
            "applicant": mask_name(application.applicant_name),
            "phone": application.masked_phone,
            "status": application.get_status_display(),
            "submitted_at": application.submitted_at,
            "due_on": application.due_text,  # the last day, or the minute of an hour limit
            "parts": [],
        }
    parent = (
        BundleApplication.objects.select_related("bundle")
        .filter(receipt=receipt, parts__applicant_phone=phone)
        .first()
    )
    if parent is None:
        return None
    parts = list(parent.parts.select_related("item").order_by("id"))
    return {
        "receipt": parent.receipt,
        "name": parent.bundle.name,
        "applicant": mask_name(parent.applicant_name),
        "phone": parts[0].masked_phone if parts else "",
        "status": _("已办结") if parent.completed_at else _("办理中"),
        "submitted_at": parent.submitted_at,
        "due_on": None,
        "parts": [(part.item.name, part.get_status_display()) for part in parts],
    }


def track(request: HttpRequest) -> HttpResponse:
    """Public tracking by receipt code and the applicant's phone: status only, names masked."""
    citizens.current_citizen(request)
    form = TrackForm(request.POST or None)
    result, status = None, 200
    if request.method == "POST":
        if _over_limit(request):
            form.add_error(None, _("查询过于频繁，请 10 分钟后再试。"))
            status = 429
        elif form.is_valid():
            result = _lookup(form.cleaned_data["receipt"], form.cleaned_data["phone"])
            if result is None:
                form.add_error(None, _("未找到与该回执号和手机号相符的办件，请核对后重试。"))
    style(form)
    return render(
        request, "services/public/track.html", {"form": form, "result": result}, status=status
    )


# --- Uploads -------------------------------------------------------------------------------------


@citizen_required
def citizen_upload(request: CitizenRequest, token: str) -> FileResponse:
    """A citizen downloads a file of their own application; any other token does not exist."""
    return uploads.response(uploads.for_citizen(request.citizen, token))


def staff_upload(request: HttpRequest, token: str) -> HttpResponseRedirect | FileResponse:
    """A staff user downloads an applicant's file inside their scope; the download is audited."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    upload = uploads.for_staff(request.user, token)
    uploads.record_staff_download(request.user, upload, ip_address=uploads.client_ip(request))
    return uploads.response(upload)

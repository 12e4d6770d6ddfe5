"""The litigation pages (复议诉讼): the list, a matter with its periods explained, the forms.

Thin: each form calls one function of fazhi.litigation.matters; a refusal is shown next to its
field and nothing is written. A matter outside the user's scope answers 404. Legal officers
(HANDLE_LITIGATION) write; supervisors read and issue the 整改 order of a lost matter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhi.core.access import requires
from fazhi.core.calendar import default_calendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Capability as C
from fazhi.litigation import alerts, deadlines, documents, matters
from fazhi.litigation.forms import (
    AppearanceForm,
    CorrectionForm,
    DocumentForm,
    HeadForm,
    HearingForm,
    MatterForm,
    OutcomeForm,
    ReplyForm,
)
from fazhi.litigation.models import (
    LOSSES,
    AgencyHead,
    DeadlineStatus,
    Hearing,
    HearingStatus,
    Matter,
    MatterDocument,
    MatterKind,
    MatterWarning,
)
from fazhi.org.models import User

PAGE_SIZE = 50
DUE_SOON_WORKDAYS = 3


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _refused(form: forms.BaseForm, error: FazhiError) -> None:
    """Show a domain refusal next to its field (or above the form) with its provision."""
    text = str(error)
    if error.basis is not None:
        text = f"{text}（{error.basis}）"
    field = error.field if error.field in form.fields else None
    form.add_error(field, text)


def _matter(request: HttpRequest, number: str) -> Matter:
    found: Matter = get_object_or_404(
        Matter.objects.visible_to(request.user).select_related(
            "unit", "agent", "case", "decision_event", "correction_order", "previous"
        ),
        number=number,
    )
    return found


def due_badge(matter: Matter, at: dt.datetime) -> tuple[str, str]:
    """The colour and text of a matter's next deadline: red overdue, orange soon, none else."""
    if matter.next_due_at is None:
        return "", ""
    if matter.next_due_at <= at:
        return "level-red", _("已逾期")
    today = at.astimezone(SHANGHAI).date()
    soon = default_calendar().add_working_days(today, DUE_SOON_WORKDAYS)
    last_day = (matter.next_due_at.astimezone(SHANGHAI) - dt.timedelta(days=1)).date()
    if last_day <= soon:
        return "level-orange", _("即将到期")
    return "", ""


# --- the list ------------------------------------------------------------------------------------


@requires(C.VIEW_SCOPED_DATA)
def matter_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    get = request.GET
    qs = Matter.objects.visible_to(request.user).select_related("unit", "case")
    kind = get.get("kind", "")
    if kind == "lawsuit":
        qs = qs.exclude(kind=MatterKind.RECONSIDERATION)
    elif kind in MatterKind.values:
        qs = qs.filter(kind=kind)
    state = get.get("state", "open")
    if state == "open":
        qs = qs.filter(outcome="")
    elif state == "closed":
        qs = qs.exclude(outcome="")
    elif state == "lost":
        qs = qs.filter(outcome__in=sorted(LOSSES))
    due = get.get("due", "")
    if due == "overdue":
        qs = qs.filter(next_due_at__lte=now)
    elif due == "soon":
        horizon = default_calendar().add_working_days(timezone.localdate(now), DUE_SOON_WORKDAYS)
        end = dt.datetime.combine(horizon + dt.timedelta(days=1), dt.time(), SHANGHAI)
        qs = qs.filter(next_due_at__gt=now, next_due_at__lte=end)
    text = get.get("q", "").strip()[:60]
    if text:
        qs = qs.filter(
            Q(number__icontains=text)
            | Q(docket_number__icontains=text)
            | Q(claimant_name__icontains=text)
            | Q(act__icontains=text)
            | Q(case__number=text)
        )
    qs = (
        qs.order_by("next_due_at", "-received_on", "-id")
        if state == "open"
        else qs.order_by("-received_on", "-id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(get.get("page"))
    rows = [(m, *due_badge(m, now)) for m in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "kind": kind,
        "state": state,
        "due": due,
        "q": text,
        "kinds": MatterKind.choices,
        "can_handle": matters.may_handle(request.user),
    }
    template = (
        "litigation/_matter_table.html"
        if request.headers.get("HX-Request")
        else "litigation/matter_list.html"
    )
    return render(request, template, context)


# --- registering ---------------------------------------------------------------------------------


def _preview(user: Any, form: MatterForm, now: dt.datetime) -> dict[str, Any]:
    """What the inline check shows: the refusal the domain would give, or the periods."""
    if not form.is_valid():
        # A field the officer filled in and got wrong is named; empty ones are not nagged about.
        filled = [
            (form[name].label, errors[0])
            for name, errors in form.errors.items()
            if name in form.fields and str(form.data.get(name, "")).strip()
        ]
        return {"check_errors": form.errors, "filled_errors": filled, "preview": []}
    new = form.to_domain()
    try:
        matters.check_new(new, now)
    except FazhiError as error:
        return {"check_error": error, "preview": []}
    dates = deadlines.Dates(
        kind=new.kind,
        received_on=new.received_on,
        accepted_on=new.accepted_on,
        simplified=new.simplified,
    )
    pack = deadlines.pack_for(dates)
    computed = deadlines.compute(dates, pack) if pack else []
    return {
        "preview": [(c, deadlines.explain(c.facts)) for c in computed],
        "no_pack": pack is None,
    }


@requires(C.HANDLE_LITIGATION)
def matter_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    if request.method == "POST":
        form = MatterForm(request.POST, user=user)
        if form.is_valid():
            try:
                matter = matters.register_matter(form.to_domain(), actor=user, at=now)
            except FazhiError as error:
                _refused(form, error)
            else:
                messages.success(request, _("已登记 %(number)s。") % {"number": matter.number})
                return redirect("litigation:detail", matter.number)
    else:
        initial = {"received_on": timezone.localdate(now), "claimant_kind": "person"}
        if user.scope_unit is not None:
            initial["unit"] = user.scope_unit.code
        form = MatterForm(initial=initial, user=user)
    return render(request, "litigation/matter_new.html", {"form": form})


@requires(C.HANDLE_LITIGATION)
def matter_check(request: HttpRequest) -> HttpResponse:
    """The inline check of the registration form (htmx): refusals and the periods it will count."""
    form = MatterForm(request.GET, user=_user(request))
    return render(
        request, "litigation/_matter_check.html", _preview(request.user, form, timezone.now())
    )


# --- a matter ------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, matter: Matter, **forms_: Any) -> dict[str, Any]:
    user = _user(request)
    now = timezone.now()
    can_handle = matters.may_handle(user)  # the matter is in the user's scope (_matter)
    hearings = list(
        matter.hearings.select_related("head__officer", "entrusted", "record_document").order_by(
            "scheduled_at"
        )
    )
    today = timezone.localdate(now)
    heads = matters.heads_for(matter, today)
    appearance_forms = {
        h.pk: forms_.get(f"appearance_{h.pk}")
        or AppearanceForm(
            initial={"appearance": h.appearance or "head", "head": h.head_id},
            hearing=h,
            heads=matters.heads_for(matter, h.scheduled_at.astimezone(SHANGHAI).date()),
            user=user,
        )
        for h in hearings
        if h.status != HearingStatus.CANCELLED
    }
    problem, demand = matters.correction_text(matter) if matter.is_loss else ("", "")
    can_correct = (
        matter.is_loss
        and matter.case is not None
        and matter.correction_order is None
        and user.has_capability(C.SUPERVISE)
    )
    return {
        "matter": matter,
        "now": now,
        "deadlines": list(matter.deadlines.all()),
        "open_statuses": {DeadlineStatus.OPEN},
        "matter_warnings": MatterWarning.objects.filter(matter=matter, state="open").order_by(
            "-level"
        ),
        "documents": list(matter.documents.select_related("uploaded_by")),
        "hearings": [(h, appearance_forms.get(h.pk)) for h in hearings],
        "heads": heads,
        "can_handle": can_handle,
        "can_reveal": user.has_capability(C.REVEAL_ID_NUMBER),
        "can_correct": can_correct,
        "reply_form": forms_.get("reply_form")
        or ReplyForm(initial={"replied_on": today, "evidence_submitted": True}),
        "document_form": forms_.get("document_form") or DocumentForm(),
        "hearing_form": forms_.get("hearing_form") or HearingForm(),
        "outcome_form": forms_.get("outcome_form") or OutcomeForm(initial={"outcome_on": today}),
        "correction_form": forms_.get("correction_form")
        or CorrectionForm(
            initial={
                "problem": problem,
                "demand": demand,
                "reply_due_at": timezone.localtime(now + dt.timedelta(days=15)).replace(
                    hour=18, minute=0, second=0, microsecond=0
                ),
            }
        ),
        "badge": due_badge(matter, now),
    }


@requires(C.VIEW_SCOPED_DATA)
def matter_detail(request: HttpRequest, number: str) -> HttpResponse:
    matter = _matter(request, number)
    return render(request, "litigation/matter_detail.html", _detail_context(request, matter))


def _redisplay(request: HttpRequest, matter: Matter, **forms_: Any) -> HttpResponse:
    return render(
        request,
        "litigation/matter_detail.html",
        _detail_context(request, matter, **forms_),
        status=422,
    )


@require_POST
@requires(C.HANDLE_LITIGATION)
def matter_reply(request: HttpRequest, number: str) -> HttpResponse:
    matter = _matter(request, number)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            matters.record_reply(
                matter,
                replied_on=form.cleaned_data["replied_on"],
                evidence_submitted=form.cleaned_data["evidence_submitted"],
                actor=request.user,
                at=timezone.now(),
            )
        except FazhiError as error:
            _refused(form, error)
        else:
            messages.success(request, _("已登记答复/答辩。"))
            return redirect("litigation:detail", matter.number)
    return _redisplay(request, matter, reply_form=form)


@require_POST
@requires(C.HANDLE_LITIGATION)
def matter_document(request: HttpRequest, number: str) -> HttpResponse:
    matter = _matter(request, number)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            matters.add_document(
                matter,
                form.cleaned_data["kind"],
                form.cleaned_data["file"],
                actor=request.user,
                at=timezone.now(),
            )
        except FazhiError as error:
            _refused(form, error)
        else:
            messages.success(request, _("已上传材料。"))
            return redirect("litigation:detail", matter.number)
    return _redisplay(request, matter, document_form=form)


@requires(C.VIEW_SCOPED_DATA)
def document_download(request: HttpRequest, number: str, token: str) -> FileResponse:
    matter = _matter(request, number)
    doc = MatterDocument.objects.filter(matter=matter, token=token).first()
    if doc is None:
        raise Http404
    return FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=doc.original_name,
        content_type=doc.content_type,
    )


@require_POST
@requires(C.HANDLE_LITIGATION)
def hearing_new(request: HttpRequest, number: str) -> HttpResponse:
    matter = _matter(request, number)
    form = HearingForm(request.POST)
    if form.is_valid():
        try:
            matters.plan_hearing(
                matter,
                scheduled_at=form.cleaned_data["scheduled_at"],
                place=form.cleaned_data["place"],
                actor=request.user,
                at=timezone.now(),
            )
        except FazhiError as error:
            _refused(form, error)
        else:
            messages.success(request, _("已登记开庭。"))
            return redirect("litigation:detail", matter.number)
    return _redisplay(request, matter, hearing_form=form)


@require_POST
@requires(C.HANDLE_LITIGATION)
def hearing_appearance(request: HttpRequest, number: str, hearing_id: int) -> HttpResponse:
    matter = _matter(request, number)
    hearing = get_object_or_404(
        Hearing.objects.select_related("matter__unit"), pk=hearing_id, matter=matter
    )
    day = hearing.scheduled_at.astimezone(SHANGHAI).date()
    form = AppearanceForm(
        request.POST, hearing=hearing, heads=matters.heads_for(matter, day), user=request.user
    )
    if form.is_valid():
        try:
            matters.set_appearance(hearing, form.to_domain(), actor=request.user, at=timezone.now())
            record = request.FILES.get("record")
            if isinstance(record, UploadedFile):
                hearing.refresh_from_db()
                matters.attach_hearing_record(
                    hearing, record, actor=request.user, at=timezone.now()
                )
        except FazhiError as error:
            _refused(form, error)
        else:
            messages.success(request, _("已登记出庭情况。"))
            return redirect("litigation:detail", matter.number)
    return _redisplay(request, matter, **{f"appearance_{hearing.pk}": form})


@require_POST
@requires(C.HANDLE_LITIGATION)
def matter_outcome(request: HttpRequest, number: str) -> HttpResponse:
    matter = _matter(request, number)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            matters.record_outcome(matter, form.to_domain(), actor=request.user, at=timezone.now())
        except FazhiError as error:
            _refused(form, error)
        else:
            messages.success(request, _("已登记审结结果。"))
            return redirect("litigation:detail", matter.number)
    return _redisplay(request, matter, outcome_form=form)


@require_POST
@requires(C.SUPERVISE)
def matter_correction(request: HttpRequest, number: str) -> HttpResponse:
    matter = _matter(request, number)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            matters.issue_correction(
                matter,
                problem=form.cleaned_data["problem"],
                demand=form.cleaned_data["demand"],
                reply_due_at=form.cleaned_data["reply_due_at"],
                actor=request.user,
                at=timezone.now(),
            )
        except FazhiError as error:
            _refused(form, error)
        else:
            messages.success(request, _("已下达整改督办单。"))
            return redirect("litigation:detail", matter.number)
    return _redisplay(request, matter, correction_form=form)


@requires(C.HANDLE_LITIGATION)
def matter_draft(request: HttpRequest, number: str) -> HttpResponse:
    """The 答复书 / 答辩状 draft as DOCX (the header and the dates filled in)."""
    matter = _matter(request, number)
    name, content = documents.draft(matter, actor=request.user, at=timezone.now())
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@require_POST
@requires(C.REVEAL_ID_NUMBER)
def reveal_claimant(request: HttpRequest, number: str) -> HttpResponse:
    matter = _matter(request, number)
    full = matters.reveal_claimant_id(
        matter, actor=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    return HttpResponse(f'<span data-testid="claimant-id">{full}</span>')


# --- the roll of heads ---------------------------------------------------------------------------


@requires(C.VIEW_SCOPED_DATA)
def head_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = HeadForm(user=user, initial={"since": timezone.localdate()})
    if request.method == "POST":
        if not matters.may_handle(user):
            raise Http404
        form = HeadForm(request.POST, user=user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                matters.add_head(
                    d["unit"],
                    d["officer"],
                    post=d["post"],
                    title=d["title"],
                    since=d["since"],
                    actor=user,
                    at=timezone.now(),
                )
            except FazhiError as error:
                _refused(form, error)
            else:
                messages.success(request, _("已登记负责人。"))
                return redirect(reverse("litigation:heads"))
    heads = (
        AgencyHead.objects.visible_to(user)
        .select_related("unit", "officer")
        .order_by("unit__path", "post", "since")
    )
    return render(
        request,
        "litigation/head_list.html",
        {
            "heads": heads,
            "form": form,
            "can_handle": matters.may_handle(user),
            "today": timezone.localdate(),
        },
    )


@requires(C.VIEW_SCOPED_DATA)
def warning_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "litigation/warning_list.html",
        {"warnings": alerts.visible_warnings(request.user)[:200]},
    )

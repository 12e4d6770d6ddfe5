"""Petition and mediation pages: thin views over fazhi/petitions/petitions.py and mediation.py.

Each action is offered only when it can succeed; otherwise it is shown disabled with the reason
and the provision. A refusal of the domain (its message and provision) is shown on the page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fazhi.cases.models import Case
from fazhi.core.access import requires
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Capability as C
from fazhi.org.models import Unit
from fazhi.petitions import documents
from fazhi.petitions import mediation as med
from fazhi.petitions import petitions as ops
from fazhi.petitions.alerts import visible_warnings
from fazhi.petitions.forms import (
    AgreementForm,
    ClassifyForm,
    ExtensionForm,
    FailureForm,
    MediationForm,
    NoticeForm,
    ObjectionForm,
    PerformanceForm,
    PetitionForm,
    ReplyForm,
    ReviewAnswerForm,
    ReviewRequestForm,
    SessionForm,
)
from fazhi.petitions.models import (
    Attachment,
    Claim,
    Deadline,
    DeadlineStatus,
    Mediation,
    MediationKind,
    MediationStatus,
    Notice,
    Petition,
    PetitionWarning,
    Review,
    ReviewKind,
    Status,
)
from fazhi.petitions.packs import explain, route
from fazhi.services.requests import StaffRequest

PAGE_SIZE = 50


def handler(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Let the view run for a logged-in user who handles petitions or views the scope's data."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.has_capability(C.HANDLE_PETITIONS) or user.has_capability(C.VIEW_SCOPED_DATA)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _now() -> dt.datetime:
    return timezone.now()


def _today() -> dt.date:
    return _now().astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class Refusal:
    message: str
    basis: str = ""
    field: str = ""

    @classmethod
    def of(cls, exc: FazhiError) -> Refusal:
        return cls(str(exc), str(exc.basis or ""), exc.field or "")


# --- The list ------------------------------------------------------------------------------------


@handler
def petition_list(request: StaffRequest) -> HttpResponse:
    rows = Petition.objects.visible_to(request.user).select_related("unit")
    state = request.GET.get("state", "open")
    if state == "open":
        rows = rows.open()
    elif state == "due":
        rows = rows.filter(
            deadlines__status=DeadlineStatus.OPEN,
            deadlines__due_on__lte=_today() + dt.timedelta(days=7),
        ).distinct()
    elif state == "overdue":
        rows = rows.filter(
            deadlines__status=DeadlineStatus.OPEN, deadlines__due_on__lt=_today()
        ).distinct()
    term = request.GET.get("q", "").strip()
    if term:
        rows = rows.filter(Q(number__icontains=term) | Q(petitioner_name__icontains=term))
    rows = rows.prefetch_related(
        Prefetch(
            "deadlines",
            queryset=Deadline.objects.filter(status=DeadlineStatus.OPEN).order_by("due_on"),
            to_attr="open_deadlines",
        )
    )
    page = Paginator(rows.order_by("-received_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "petitions/list.html",
        {
            "page": page,
            "state": state,
            "q": term,
            "today": _today(),
            "warnings": visible_warnings(request.user)[:10],
            "can_handle": request.user.has_capability(C.HANDLE_PETITIONS),
        },
    )


# --- Intake --------------------------------------------------------------------------------------


def _new_of(form: PetitionForm) -> ops.NewPetition:
    data = form.cleaned_data
    return ops.NewPetition(
        unit=data["unit"],
        channel=data["channel"],
        received_on=data["received_on"],
        petitioner_name=data["petitioner_name"],
        petitioner_id_number=data.get("petitioner_id_number") or "",
        petitioner_phone=data.get("petitioner_phone") or "",
        petitioner_address=data.get("petitioner_address") or "",
        petitioner_count=data.get("petitioner_count") or 1,
        matter=data["matter"],
        claims=form.claim_lines(),
        sender=data.get("sender") or "",
        sent_on=data.get("sent_on"),
        sender_reference=data.get("sender_reference") or "",
        units_concerned=tuple(data.get("units_concerned") or ()),
    )


def _form_problems(form: PetitionForm) -> dict[str, str]:
    """Every problem of the form: the fields' own, then the domain's checks of what parsed."""
    problems = {name: str(errors[0]) for name, errors in form.errors.items()}
    if not problems:
        problems = ops.check_new(_new_of(form), _today())
    return problems


@requires(C.HANDLE_PETITIONS)
def petition_new(request: StaffRequest) -> HttpResponse:
    refusal = None
    if request.method == "POST":
        form = PetitionForm(request.POST, user=request.user)
        if form.is_valid():
            problems = ops.check_new(_new_of(form), _today())
            for name, message in problems.items():
                form.add_error(name if name in form.fields else None, message)
        if form.is_valid():
            try:
                petition = ops.receive(_new_of(form), actor=request.user, at=_now())
            except FazhiError as exc:
                refusal = Refusal.of(exc)
            else:
                return redirect("petitions:detail", petition.pk)
    else:
        form = PetitionForm(user=request.user, initial={"received_on": _today()})
    return render(request, "petitions/new.html", {"form": form, "refusal": refusal})


@require_POST
@requires(C.HANDLE_PETITIONS)
def petition_check(request: StaffRequest) -> HttpResponse:
    """The intake form's inline check (htmx): what would be refused, field by field."""
    form = PetitionForm(request.POST, user=request.user)
    form.is_valid()
    problems = _form_problems(form)
    labels = {name: field.label for name, field in form.fields.items()}
    rows = [(labels.get(name, name), message) for name, message in problems.items()]
    return render(request, "petitions/_check.html", {"problems": rows})


# --- The petition ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    allowed: bool
    reason: str = ""
    basis: str = ""
    form: forms.Form | None = None


def _actions(petition: Petition, user: Any, posted: dict[str, forms.Form]) -> list[Action]:
    """What can be done next, each with its form, or disabled with the reason and provision."""
    today = _today()
    can = user.has_capability(C.HANDLE_PETITIONS)
    no_role = _("您的角色不能办理信访事项。")
    out = []
    ok, why = ops.can_send_notice(petition)
    if petition.status == Status.RECEIVED:
        out.append(
            Action(
                "notice", _("书面告知信访人"), ok and can, why if can else no_role,
                "《信访工作条例》第二十三条",
                posted.get("notice") or NoticeForm(initial={"sent_on": today}),
            )
        )  # fmt: skip
        if petition.is_forwarded:
            limit = petition.deadlines.filter(code="objection").first()
            late = limit is not None and today > limit.due_on
            out.append(
                Action(
                    "object", _("不属于职权范围，提出异议"), can and not late,
                    _("异议期限已于 %(day)s 届满。") % {"day": limit.due_on} if late and limit else "",
                    "《信访工作条例》第二十三条第三款",
                    posted.get("object") or ObjectionForm(initial={"on": today}),
                )
            )  # fmt: skip
    if petition.status == Status.ACCEPTED:
        left = ops.extension_left(petition)
        out.append(
            Action(
                "extend", _("延长办理期限"), can and left > 0,
                _("已延长满30日，不能再延长。") if left == 0 else "",
                "《信访工作条例》第三十四条",
                posted.get("extend") or ExtensionForm(initial={"approved_on": today, "days": left}),
            )
        )  # fmt: skip
        out.append(
            Action(
                "reply", _("出具信访处理意见书"), can, "" if can else no_role,
                "《信访工作条例》第三十二条",
                posted.get("reply") or ReplyForm(initial={"replied_on": today}),
            )
        )  # fmt: skip
    reviews = {r.kind: r for r in petition.reviews.all()}
    if petition.status == Status.REPLIED:
        kind = ReviewKind.RE_REVIEW if ReviewKind.REVIEW in reviews else ReviewKind.REVIEW
        if kind not in reviews:
            out.append(
                Action(
                    "review", _("登记复查（复核）请求"), can, "",
                    "《信访工作条例》第三十五条、第三十六条",
                    posted.get("review") or ReviewRequestForm(initial={"kind": kind, "requested_on": today}),
                )
            )  # fmt: skip
    for review in reviews.values():
        if review.answered_on is None:
            upper = Unit.objects.visible_to(user).filter(pk=review.unit_id).exists()
            out.append(
                Action(
                    f"answer-{review.pk}", _("答复%(kind)s") % {"kind": review.get_kind_display()},
                    can and upper,
                    "" if upper else _("由上一级机关 %(unit)s 答复。") % {"unit": review.unit.name},
                    "《信访工作条例》第三十五条、第三十六条",
                    posted.get(f"answer-{review.pk}") or ReviewAnswerForm(initial={"answered_on": today}),
                )
            )  # fmt: skip
    if not can:  # a supervisor sees what would come next, and why it is not theirs to do
        out = [dataclasses.replace(a, allowed=False, reason=a.reason or no_role) for a in out]
    return out


def _scoped(request: StaffRequest, pk: int) -> Petition:
    petition: Petition = get_object_or_404(
        Petition.objects.visible_to(request.user).select_related("unit", "repeat_of"), pk=pk
    )
    return petition


def _detail(
    request: StaffRequest,
    petition: Petition,
    *,
    posted: dict[str, forms.Form] | None = None,
    refusal: Refusal | None = None,
    status: int = 200,
) -> HttpResponse:
    deadlines = [(d, explain(d.facts)) for d in petition.deadlines.order_by("due_on")]
    context = {
        "petition": petition,
        "claims": petition.claims.select_related("case"),
        "deadlines": deadlines,
        "today": _today(),
        "notices": petition.notices.order_by("sent_on", "id"),
        "reviews": petition.reviews.select_related("unit"),
        "extensions": petition.extensions.order_by("approved_on"),
        "warnings": PetitionWarning.objects.filter(petition=petition, state="open").order_by(
            "-level"
        ),
        "actions": _actions(petition, request.user, posted or {}),
        "refusal": refusal,
        "units_concerned": petition.units_concerned.all(),
        "can_reveal": request.user.has_capability(C.REVEAL_ID_NUMBER),
        "mediations": petition.mediations.all(),
        "attachments": petition.attachments.order_by("uploaded_at"),
    }
    return render(request, "petitions/detail.html", context, status=status)


@handler
def petition_detail(request: StaffRequest, pk: int) -> HttpResponse:
    return _detail(request, _scoped(request, pk))


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "notice": NoticeForm,
    "object": ObjectionForm,
    "extend": ExtensionForm,
    "reply": ReplyForm,
    "review": ReviewRequestForm,
}


def _run(code: str, petition: Petition, data: dict[str, Any], user: Any) -> None:
    now = _now()
    if code == "notice":
        ops.send_notice(
            petition, sent_on=data["sent_on"], method=data["method"], actor=user, at=now
        )
    elif code == "object":
        ops.object_to_transfer(petition, reason=data["reason"], on=data["on"], actor=user, at=now)
    elif code == "extend":
        ops.extend(petition, days=data["days"], reason=data["reason"], approved_by=data["approved_by"],
                   approved_on=data["approved_on"], actor=user, at=now)  # fmt: skip
    elif code == "reply":
        ops.reply(
            petition,
            outcome=data["outcome"],
            text=data["text"],
            replied_on=data["replied_on"],
            actor=user,
            at=now,
        )
    elif code == "review":
        ops.request_review(
            petition, kind=data["kind"], requested_on=data["requested_on"], actor=user, at=now
        )


@require_POST
@requires(C.HANDLE_PETITIONS)
def petition_act(request: StaffRequest, pk: int, code: str) -> HttpResponse:
    petition = _scoped(request, pk)
    if code.startswith("answer-"):
        review = get_object_or_404(Review, pk=int(code.removeprefix("answer-")), petition=petition)
        form: forms.Form = ReviewAnswerForm(request.POST)
        if form.is_valid():
            try:
                ops.answer_review(review, outcome=form.cleaned_data["outcome"], opinion=form.cleaned_data["opinion"],
                                  answered_on=form.cleaned_data["answered_on"], actor=request.user, at=_now())  # fmt: skip
            except FazhiError as exc:
                return _detail(
                    request, petition, posted={code: form}, refusal=Refusal.of(exc), status=422
                )
            return redirect("petitions:detail", petition.pk)
        return _detail(request, petition, posted={code: form}, status=422)
    if code not in ACTION_FORMS:
        raise PermissionDenied
    form = ACTION_FORMS[code](request.POST)
    if not form.is_valid():
        return _detail(request, petition, posted={code: form}, status=422)
    try:
        _run(code, petition, form.cleaned_data, request.user)
    except FazhiError as exc:
        petition.refresh_from_db()
        return _detail(request, petition, posted={code: form}, refusal=Refusal.of(exc), status=422)
    return redirect("petitions:detail", petition.pk)


# --- 诉访分离: the routing screen ------------------------------------------------------------


def _case_of(request: StaffRequest, number: str) -> tuple[Case | None, str]:
    if not number:
        return None, ""
    case = Case.objects.visible_to(request.user).filter(number=number).first()
    return case, "" if case else _("案件 %(number)s 不存在或不在您的数据范围内。") % {
        "number": number
    }


def _case_hint(case: Case | None) -> str:
    """What the product knows of the case, to help the clerk answer (never an answer itself)."""
    if case is None:
        return ""
    if case.decided_at is None:
        return _("案件 %(number)s（%(status)s）尚未作出处罚决定。") % {
            "number": case.number,
            "status": case.get_status_display(),
        }
    served = case.events.filter(kind="serve").order_by("occurred_at").first()
    when = (
        _("于 %(day)s 送达") % {"day": served.occurred_at.astimezone(SHANGHAI).date()}
        if served
        else _("尚未登记送达")
    )
    return _(
        "案件 %(number)s 于 %(decided)s 作出决定，%(served)s；送达日可作为信访人知道该行为的日期。"
    ) % {
        "number": case.number,
        "decided": case.decided_at.astimezone(SHANGHAI).date(),
        "served": when,
    }


@handler
def claim_classify(request: StaffRequest, pk: int) -> HttpResponse:
    """The routing screen: the clerk answers the questions, the pack decides and cites."""
    claim = get_object_or_404(
        Claim.objects.visible_to(request.user).select_related("petition"), pk=pk
    )
    petition = claim.petition
    decision = refusal = None
    case_hint = ""
    if request.method == "POST":
        if not request.user.has_capability(C.HANDLE_PETITIONS):
            raise PermissionDenied
        form = ClassifyForm(request.POST)
        if form.is_valid():
            case, case_error = _case_of(request, form.cleaned_data.get("case_number") or "")
            case_hint = _case_hint(case)
            if case_error:
                form.add_error("case_number", case_error)
            else:
                try:
                    decision = route(form.answers(), _today())
                except (ValueError, LookupError) as error:
                    refusal = Refusal(str(error))
                if decision is not None and request.POST.get("save") and not request.htmx:
                    try:
                        ops.classify(
                            claim, form.answers(), actor=request.user, at=_now(), case=case
                        )
                    except FazhiError as exc:
                        refusal = Refusal.of(exc)
                    else:
                        return redirect(
                            reverse("petitions:detail", args=[petition.pk]) + f"#claim-{claim.pk}"
                        )
        if request.htmx:
            return render(
                request,
                "petitions/_routing.html",
                {"decision": decision, "form": form, "refusal": refusal, "case_hint": case_hint},
            )
    else:
        initial = dict(claim.answers or {})
        if claim.case_id:
            initial["case_number"] = claim.case.number if claim.case else ""
        form = ClassifyForm(initial=initial)
        if claim.route:
            decision = route(claim.answers, claim.classified_on or _today())
    return render(
        request,
        "petitions/classify.html",
        {"claim": claim, "petition": petition, "form": form, "decision": decision, "refusal": refusal,
         "locked": petition.status != Status.RECEIVED},
    )  # fmt: skip


@never_cache
@require_POST
@requires(C.REVEAL_ID_NUMBER)
def reveal_id(request: StaffRequest, pk: int) -> HttpResponse:
    petition = _scoped(request, pk)
    full = ops.reveal_id_number(
        petition, actor=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    return render(request, "petitions/_id.html", {"number": full})


@require_POST
@requires(C.HANDLE_PETITIONS)
def attach(request: StaffRequest, pk: int) -> HttpResponse:
    petition = _scoped(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        return _detail(request, petition, refusal=Refusal(_("请选择要上传的文件。")), status=422)
    try:
        ops.attach(petition, upload, actor=request.user, at=_now())
    except FazhiError as exc:
        return _detail(request, petition, refusal=Refusal.of(exc), status=422)
    return redirect("petitions:detail", petition.pk)


@handler
def attachment(request: StaffRequest, pk: int, attachment_id: int) -> FileResponse:
    """Serve an attachment to a user who sees the petition (the storage has no URL)."""
    petition = _scoped(request, pk)
    row = get_object_or_404(Attachment, pk=attachment_id, petition=petition)
    return FileResponse(row.file.open("rb"), as_attachment=True, filename=row.name)


@handler
def notice_docx(request: StaffRequest, pk: int, notice_id: int) -> HttpResponse:
    """The written notice as DOCX (告知书), printed from what was recorded; the print is audited."""
    petition = _scoped(request, pk)
    notice = get_object_or_404(Notice, pk=notice_id, petition=petition)
    data = documents.notice_docx(
        notice, actor=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f'attachment; filename="{petition.number}-{notice.kind}.docx"'
    return response


# --- Mediation -----------------------------------------------------------------------------------


@handler
def mediation_list(request: StaffRequest) -> HttpResponse:
    rows = Mediation.objects.visible_to(request.user).select_related("unit")
    state = request.GET.get("state", "open")
    if state == "open":
        rows = rows.filter(status__in=[MediationStatus.OPEN, MediationStatus.AGREED])
    page = Paginator(rows.order_by("-started_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "petitions/mediations.html",
        {
            "page": page,
            "state": state,
            "can_handle": request.user.has_capability(C.HANDLE_PETITIONS),
        },
    )


@requires(C.HANDLE_PETITIONS)
def mediation_new(request: StaffRequest) -> HttpResponse:
    refusal = None
    if request.method == "POST":
        form = MediationForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            case, case_error = _case_of(request, data.get("case_number") or "")
            petition = None
            if data.get("petition_number"):
                petition = (
                    Petition.objects.visible_to(request.user)
                    .filter(number=data["petition_number"])
                    .first()
                )
                if petition is None:
                    form.add_error("petition_number", _("信访编号不存在或不在您的数据范围内。"))
            if case_error:
                form.add_error("case_number", case_error)
            if form.is_valid():
                new = med.NewMediation(
                    unit=data["unit"], kind=data["kind"], dispute=data["dispute"], parties=data["parties"],
                    mediator_name=data["mediator_name"], mediator_kind=data["mediator_kind"],
                    started_on=data["started_on"], case=case, petition=petition,
                )  # fmt: skip
                try:
                    mediation = med.open_mediation(new, actor=request.user, at=_now())
                except FazhiError as exc:
                    refusal = Refusal.of(exc)
                else:
                    return redirect("petitions:mediation", mediation.pk)
    else:
        initial: dict[str, Any] = {"started_on": _today()}
        if request.GET.get("petition"):
            initial.update(petition_number=request.GET["petition"], kind=MediationKind.PEOPLES)
        form = MediationForm(user=request.user, initial=initial)
    return render(request, "petitions/mediation_new.html", {"form": form, "refusal": refusal})


MEDIATION_FORMS: dict[str, type[forms.Form]] = {
    "session": SessionForm,
    "agree": AgreementForm,
    "perform": PerformanceForm,
    "fail": FailureForm,
}
MEDIATION_LABELS = {
    "session": _("登记调解记录"),
    "agree": _("登记调解协议"),
    "perform": _("登记协议履行情况"),
    "fail": _("登记调解不成"),
}


def _mediation_actions(mediation: Mediation, posted: dict[str, forms.Form]) -> list[Action]:
    today = _today()
    codes = {
        MediationStatus.OPEN: ("session", "agree", "fail"),
        MediationStatus.AGREED: ("perform",),
    }.get(MediationStatus(mediation.status), ())
    initial = {"held_on": today, "agreed_on": today, "on": today}
    return [
        Action(
            code,
            str(MEDIATION_LABELS[code]),
            True,
            "",
            "《中华人民共和国治安管理处罚法》（2012）第九条"
            if mediation.kind == MediationKind.PUBLIC_ORDER
            else "",
            posted.get(code) or MEDIATION_FORMS[code](initial=initial),
        )
        for code in codes
    ]


def _mediation_page(request: StaffRequest, mediation: Mediation, *, posted: dict[str, forms.Form] | None = None,
                    refusal: Refusal | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
    return render(
        request,
        "petitions/mediation.html",
        {"mediation": mediation, "sessions": mediation.sessions.all(), "refusal": refusal,
         "actions": _mediation_actions(mediation, posted or {})},
        status=status,
    )  # fmt: skip


@handler
def mediation_detail(request: StaffRequest, pk: int) -> HttpResponse:
    mediation = get_object_or_404(
        Mediation.objects.visible_to(request.user).select_related("case", "petition", "unit"), pk=pk
    )
    return _mediation_page(request, mediation)


@require_POST
@requires(C.HANDLE_PETITIONS)
def mediation_act(request: StaffRequest, pk: int, code: str) -> HttpResponse:
    mediation = get_object_or_404(Mediation.objects.visible_to(request.user), pk=pk)
    if code not in MEDIATION_FORMS:
        raise PermissionDenied
    form = MEDIATION_FORMS[code](request.POST)
    if not form.is_valid():
        return _mediation_page(request, mediation, posted={code: form}, status=422)
    data, user, now = form.cleaned_data, request.user, _now()
    try:
        if code == "session":
            med.record_session(mediation, held_on=data["held_on"], mediator_name=data.get("mediator_name") or "",
                               notes=data["notes"], actor=user, at=now)  # fmt: skip
        elif code == "agree":
            med.record_agreement(mediation, agreement=data["agreement"], agreed_on=data["agreed_on"],
                                 perform_by=data.get("perform_by"), actor=user, at=now)  # fmt: skip
        elif code == "perform":
            med.record_performance(mediation, performed=data["performed"] == "yes", on=data["on"],
                                   note=data.get("note") or "", actor=user, at=now)  # fmt: skip
        else:
            med.record_failure(mediation, reason=data["reason"], on=data["on"], actor=user, at=now)
    except FazhiError as exc:
        mediation.refresh_from_db()
        return _mediation_page(
            request, mediation, posted={code: form}, refusal=Refusal.of(exc), status=422
        )
    return redirect("petitions:mediation", mediation.pk)

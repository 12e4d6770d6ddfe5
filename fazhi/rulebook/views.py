"""Staff pages of the rulebook: documents through their procedure, clean-up campaigns, what a
change of law touches, the legislative reserve and major decisions.

Thin: parse the request, call the domain module (lifecycle, cleanup, impact), render. A domain
error is shown on the page it came from (422) with its basis — never a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhi.core.access import requires
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Capability, Role
from fazhi.law.models import Law
from fazhi.org.models import User
from fazhi.rulebook import cleanup, impact, lifecycle
from fazhi.rulebook import documents as papers
from fazhi.rulebook.alerts import open_warnings
from fazhi.rulebook.lifecycle import InvalidStep
from fazhi.rulebook.models import (
    CampaignScope,
    CleanupCampaign,
    CleanupEntry,
    Comment,
    DocumentWarning,
    ImpactTask,
    ImpactWarning,
    LawChange,
    LegislativeProject,
    LegislativeProposal,
    MajorDecision,
    NormativeDocument,
    ProjectRecord,
    ProjectStage,
    TaskStatus,
)

MANAGE = Capability.MANAGE_RULEBOOK


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - behind @requires
    return user


def _fail(request: HttpRequest, error: FazhiError) -> None:
    text = str(error)
    if error.basis:
        text = _("%(message)s（依据：%(basis)s）") % {"message": text, "basis": error.basis}
    messages.error(request, text)


def _int(value: str | None) -> int:
    """A posted id; 0 (no row) when it is not a number, so a tampered form gets a 404."""
    return int(value) if value and value.isdigit() else 0


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- documents


@requires(MANAGE)
def documents(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    rows = NormativeDocument.objects.visible_to(user).select_related("unit")
    state = request.GET.get("state", "")
    if state == "draft":
        rows = rows.filter(published_on__isnull=True)
    elif state == "in_force":
        rows = rows.in_force(today)
    elif state == "ended":
        rows = rows.filter(ended_on__isnull=False)
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(Q(title__contains=q) | Q(number__contains=q))
    if request.method == "POST":
        try:
            doc = lifecycle.create_document(
                title=request.POST.get("title", ""),
                unit=user.scope_unit,
                text=request.POST.get("text", ""),
                summary=request.POST.get("summary", ""),
                actor=user,
            )
        except FazhiError as error:
            _fail(request, error)
        else:
            return redirect("rulebook:document", doc.pk)
    context = {
        "documents": rows[:200],
        "state": state,
        "q": q,
        "today": today,
        "warnings": open_warnings(DocumentWarning)
        .filter(document__in=NormativeDocument.objects.visible_to(user))
        .select_related("document")[:50],
    }
    return render(request, "rulebook/documents.html", context)


def _steps_panel(subject: lifecycle.Subject) -> list[dict[str, Any]]:
    return [
        {"check": check, "spec": check.step, "fields": check.step.fields}
        for check in lifecycle.checks(subject)
    ]


@requires(MANAGE)
def document(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(NormativeDocument.objects.visible_to(_user(request)), pk=pk)
    versions = list(doc.versions.all())
    diff = None
    a, b = request.GET.get("a"), request.GET.get("b")
    if a and b:
        va = next((v for v in versions if str(v.number) == a), None)
        vb = next((v for v in versions if str(v.number) == b), None)
        if va and vb:
            diff = {"a": va, "b": vb, "lines": lifecycle.diff(va, vb)}
    context = {
        "doc": doc,
        "versions": versions,
        "diff": diff,
        "basis": doc.basis.select_related("provision__version__law"),
        "comments": doc.comments.all(),
        "steps": _steps_panel(doc),
        "history": lifecycle.history(doc),
        "warnings": doc.warnings.filter(state="open"),
        "cleanups": doc.cleanups.select_related("campaign"),
        "evaluations": doc.evaluations.all(),
        "in_force": doc.is_in_force(timezone.localdate()),
        "today": timezone.localdate(),
        "has_review": doc.steps.filter(step="legality_review").exists(),
    }
    return render(request, "rulebook/document.html", context)


@require_POST
@requires(MANAGE)
def document_step(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(NormativeDocument.objects.visible_to(_user(request)), pk=pk)
    return _record_step(request, doc, "rulebook:document")


def _record_step(request: HttpRequest, subject: lifecycle.Subject, target: str) -> HttpResponse:
    code = request.POST.get("step", "")
    data = {
        k: v
        for k, v in request.POST.items()
        if k not in ("step", "outcome", "on", "csrfmiddlewaretoken")
    }
    try:
        lifecycle.record_step(
            subject,
            code,
            outcome=request.POST.get("outcome", ""),
            data=data,
            on=_date(request.POST.get("on")),
            actor=_user(request),
        )
    except FazhiError as error:
        _fail(request, error)
    else:
        messages.success(request, _("已登记。"))
    return redirect(target, subject.pk)


@require_POST
@requires(MANAGE)
def document_edit(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    user = _user(request)
    doc = get_object_or_404(NormativeDocument.objects.visible_to(user), pk=pk)
    try:
        if what == "version":
            lifecycle.add_version(
                doc,
                label=request.POST.get("label", ""),
                text=request.POST.get("text", ""),
                actor=user,
            )
        elif what == "basis":
            lifecycle.add_basis(doc, request.POST.get("citation", ""), actor=user)
        elif what == "comment":
            lifecycle.add_comment(
                doc,
                commenter=request.POST.get("commenter", ""),
                text=request.POST.get("text", ""),
                received_on=_date(request.POST.get("received_on")) or timezone.localdate(),
                actor=user,
            )
        elif what != "answer":
            raise InvalidStep(_("不支持的操作。"), field="what")
        else:
            comment = get_object_or_404(Comment, pk=_int(request.POST.get("comment")), document=doc)
            lifecycle.answer_comment(
                comment,
                answer=request.POST.get("answer", ""),
                adopted=request.POST.get("adopted") == "1",
                publish=request.POST.get("publish") == "1",
                actor=user,
            )
    except FazhiError as error:
        _fail(request, error)
    else:
        messages.success(request, _("已保存。"))
    return redirect("rulebook:document", doc.pk)


# --------------------------------------------------------------------------- clean-up


@requires(MANAGE)
def campaigns(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        change = LawChange.objects.filter(pk=_int(request.POST.get("law_change"))).first()
        reviewers = User.objects.filter(pk__in=[_int(v) for v in request.POST.getlist("reviewers")])
        try:
            campaign = cleanup.start(
                title=request.POST.get("title", ""),
                scope=request.POST.get("scope", ""),
                started_on=_date(request.POST.get("started_on")) or timezone.localdate(),
                due_on=_date(request.POST.get("due_on")) or timezone.localdate(),
                reviewers=list(reviewers),
                law_change=change,
                actor=user,
            )
        except FazhiError as error:
            _fail(request, error)
        else:
            return redirect("rulebook:campaign", campaign.pk)
    context = {
        "campaigns": CleanupCampaign.objects.annotate(
            total=Count("entries"), open=Count("entries", filter=Q(entries__outcome=""))
        ),
        "scopes": CampaignScope.choices,
        "changes": LawChange.objects.select_related("law", "from_version", "to_version"),
        "reviewers": User.objects.filter(
            is_active=True, role__in=[Role.LEGAL_OFFICER, Role.SUPERVISOR]
        ),
        "today": timezone.localdate(),
    }
    return render(request, "rulebook/campaigns.html", context)


@requires(MANAGE)
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(CleanupCampaign, pk=pk)
    context = {
        "campaign": item,
        "entries": item.entries.select_related("document", "reviewer"),
        "outcomes": [(o.value, o.label) for o in cleanup.OUTCOMES],
        "published": cleanup.published_list(item) if item.published_on else None,
        "overdue": item.published_on is None and timezone.localdate() > item.due_on,
        "open_count": item.entries.filter(outcome="").count(),
    }
    return render(request, "rulebook/campaign.html", context)


@require_POST
@requires(MANAGE)
def campaign_act(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(CleanupCampaign, pk=pk)
    user = _user(request)
    try:
        if "entry" in request.POST:
            entry = get_object_or_404(CleanupEntry, pk=_int(request.POST["entry"]), campaign=item)
            cleanup.decide(
                entry,
                outcome=request.POST.get("outcome", ""),
                reason=request.POST.get("reason", ""),
                actor=user,
            )
        else:
            cleanup.publish(item, actor=user)
            messages.success(request, _("清理结果已公布。"))
    except FazhiError as error:
        _fail(request, error)
    return redirect("rulebook:campaign", item.pk)


# --------------------------------------------------------------------------- impact


@requires(MANAGE)
def impact_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    laws = Law.objects.annotate(n=Count("versions")).filter(n__gt=1).prefetch_related("versions")
    report = None
    law_code = request.GET.get("law") or request.POST.get("law") or ""
    old = request.GET.get("from") or request.POST.get("from") or ""
    new = request.GET.get("to") or request.POST.get("to") or ""
    if law_code and old and new:
        try:
            report = impact.report_for(law_code, old, new)
        except FazhiError as error:
            _fail(request, error)
        else:
            if request.method == "POST":
                result = impact.open_tasks(report, actor=user)
                messages.success(
                    request,
                    _("已生成复核任务 %(opened)d 项（已有 %(kept)d 项）。")
                    % {"opened": result.opened, "kept": result.kept},
                )
                return redirect(f"{request.path}?law={law_code}&from={old}&to={new}")
    context = {
        "laws": laws,
        "report": report,
        "law_code": law_code,
        "old": old,
        "new": new,
        "changes": LawChange.objects.select_related("law", "from_version", "to_version"),
        "tasks": [
            {
                "task": task,
                "cited": [
                    (c.get("provision", ""), impact.status_label(c.get("status", "")))
                    for c in task.citations
                ],
            }
            for task in ImpactTask.objects.filter(status=TaskStatus.OPEN, still_cites=True)
            .select_related("change__law")
            .order_by("owner_kind", "owner_id")[:300]
        ],
        "warning_count": open_warnings(ImpactWarning).count(),
    }
    return render(request, "rulebook/impact.html", context)


@require_POST
@requires(MANAGE)
def impact_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(ImpactTask, pk=pk)
    try:
        impact.close_task(task, request.POST.get("note", ""), actor=_user(request))
    except FazhiError as error:
        _fail(request, error)
    else:
        messages.success(request, _("已复核。"))
    return redirect("rulebook:impact")


# --------------------------------------------------------------------------- reserve, decisions


@requires(MANAGE)
def projects(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST" and request.POST.get("action") in ("project", "proposal", "reply"):
        _reserve_post(request, user)
        return redirect("rulebook:projects")
    if request.method == "POST":
        project = get_object_or_404(
            LegislativeProject.objects.visible_to(user), pk=_int(request.POST.get("project"))
        )
        stage = request.POST.get("stage", "")
        if stage in ProjectStage.values:
            ProjectRecord.objects.create(
                project=project,
                kind=ProjectRecord.Kind.STAGE,
                title=str(ProjectStage(stage).label),
                stage=stage,
                on=timezone.localdate(),
                text=request.POST.get("note", ""),
            )
            project.stage = stage
            project.save(update_fields=["stage"])
            messages.success(request, _("阶段已更新。"))
        return redirect("rulebook:projects")
    context = {
        "projects": LegislativeProject.objects.visible_to(user)
        .select_related("sponsor")
        .prefetch_related("records", "evaluations"),
        "proposals": LegislativeProposal.objects.visible_to(user).select_related("unit"),
        "stages": ProjectStage.choices,
        "promoted": NormativeDocument.objects.visible_to(user).exclude(promoted=""),
    }
    return render(request, "rulebook/projects.html", context)


def _reserve_post(request: HttpRequest, user: User) -> None:
    """Enter a project or a proposal, or record a proposal's reply (the reserve page's forms)."""
    action, post = request.POST["action"], request.POST
    title = post.get("title", "").strip()
    if action == "reply":
        proposal = get_object_or_404(
            LegislativeProposal.objects.visible_to(user), pk=_int(post.get("proposal"))
        )
        if not post.get("reply", "").strip():
            messages.error(request, _("请填写答复内容。"))
            return
        proposal.reply = post["reply"].strip()
        proposal.replied_on = _date(post.get("replied_on")) or timezone.localdate()
        proposal.save(update_fields=["reply", "replied_on"])
    elif not title:
        messages.error(request, _("请填写名称。"))
        return
    elif user.scope_unit is None:
        messages.error(request, _("您的账号没有所属单位，不能登记。"))
        return
    elif action == "project":
        LegislativeProject.objects.create(
            title=title,
            kind=post.get("kind", "").strip() or _("政府规章"),
            sponsor=user.scope_unit,
            entered_on=timezone.localdate(),
            note=post.get("note", ""),
        )
    else:
        LegislativeProposal.objects.create(
            title=title,
            sent_to=post.get("sent_to", "").strip() or _("市人民政府"),
            sent_on=_date(post.get("sent_on")) or timezone.localdate(),
            text=post.get("text", ""),
            unit=user.scope_unit,
        )
    messages.success(request, _("已保存。"))


@requires(MANAGE)
def decisions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        title = request.POST.get("title", "").strip()
        if not title:
            messages.error(request, _("请填写决策事项。"))
        elif user.scope_unit is None:
            messages.error(request, _("您的账号没有所属单位，不能登记决策事项。"))
        else:
            decision = MajorDecision.objects.create(
                title=title,
                unit=user.scope_unit,
                summary=request.POST.get("summary", ""),
                created_at=timezone.now(),
            )
            return redirect("rulebook:decision", decision.pk)
    rows = MajorDecision.objects.visible_to(user).select_related("unit").prefetch_related("steps")
    return render(request, "rulebook/decisions.html", {"decisions": rows})


@requires(MANAGE)
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(MajorDecision.objects.visible_to(_user(request)), pk=pk)
    if request.method == "POST":
        return _record_step(request, item, "rulebook:decision")
    context = {"decision": item, "steps": _steps_panel(item), "history": lifecycle.history(item)}
    return render(request, "rulebook/decision.html", context)


# --------------------------------------------------------------------------- papers (DOCX)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(MANAGE)
def review_docx(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(NormativeDocument.objects.visible_to(_user(request)), pk=pk)
    try:
        body = papers.review_docx(doc, actor=_user(request))
    except FazhiError as error:
        _fail(request, error)
        return redirect("rulebook:document", doc.pk)
    return _docx(body, f"legality-review-{doc.pk}.docx")


@requires(MANAGE)
def cleanup_docx(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(CleanupCampaign, pk=pk)
    try:
        body = papers.cleanup_docx(item, actor=_user(request))
    except FazhiError as error:
        _fail(request, error)
        return redirect("rulebook:campaign", item.pk)
    return _docx(body, f"cleanup-{item.pk}.docx")

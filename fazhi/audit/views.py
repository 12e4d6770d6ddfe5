"""The audit administrator's pages: the log with filters, and the chain check.

Reading the log is itself an audited act (action ``audit.view``), as is a chain check.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fazhi.audit import log as audit
from fazhi.audit import masking
from fazhi.audit.models import AuditEntry
from fazhi.core import bounds
from fazhi.core.access import requires
from fazhi.core.clock import SHANGHAI
from fazhi.core.roles import Capability as C

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    person = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.CharField(label=_("操作"), required=False, max_length=64)
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=64)
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    date_from = bounds.BoundedDateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = bounds.BoundedDateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for bound in self:
            bound.field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """Return ENTRIES narrowed by the valid filters (dates are whole Shanghai days)."""
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        if data["person"]:
            entries = entries.filter(actor_label=data["person"].strip())
        if data["action"]:
            # "account" matches every account.* action; "pii.reveal" matches itself.
            action = data["action"].strip()
            entries = entries.filter(action__startswith=action)
        if data["object_type"]:
            entries = entries.filter(object_type=data["object_type"].strip())
        if data["object_id"]:
            entries = entries.filter(object_id=data["object_id"].strip())
        if data["date_from"]:
            start = dt.datetime.combine(data["date_from"], dt.time.min, SHANGHAI)
            entries = entries.filter(at__gte=start)
        if data["date_to"]:
            end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, SHANGHAI)
            entries = entries.filter(at__lt=end)
        return entries

    def used(self) -> dict[str, str]:
        return (
            {key: str(value) for key, value in self.cleaned_data.items() if value}
            if (self.is_valid())
            else {}
        )


@requires(C.READ_AUDIT_LOG)
def log_view(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    entries = form.filter(AuditEntry.objects.order_by("-id"))
    page = Paginator(entries, PAGE_SIZE).get_page(bounds.page_number(request.GET.get("page")))
    audit.record(
        request.user,
        "audit.view",
        ("audit.log", "", "audit log"),
        changes={"filters": form.used(), "page": page.number},
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    # Who did what, never the case content (三员分立; fazhi.audit.masking).
    rows = [(entry, masking.shown(entry)) for entry in page]
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
        status=bounds.form_status(form),
    )


@require_POST
@requires(C.READ_AUDIT_LOG)
def verify_view(request: HttpRequest) -> HttpResponse:
    result = audit.verify()
    audit.record(
        request.user,
        "audit.verify",
        ("audit.log", "", "audit log"),
        changes={"ok": result.ok, "checked": result.checked, "broken": result.first_broken_id},
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    htmx = getattr(request, "htmx", False)  # set by django-htmx's middleware
    template = "audit/_verify_result.html" if htmx else "audit/verify.html"
    return render(request, template, {"result": result})

"""The tour-group roster of a port-visa application: the agency uploads it, the port unit reads it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhi.services import roster
from fazhi.services.citizens import CitizenRequest, citizen_required
from fazhi.services.public_forms import RosterForm
from fazhi.services.public_views import _detail, _own


@citizen_required
@require_POST
def upload_roster(request: CitizenRequest, receipt: str) -> HttpResponse:
    """Check the whole file; store it only if every row passes, else show every rejected row."""
    application = _own(request, receipt)
    form = RosterForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [f"{form.fields[k].label if k in form.fields else ''}：{m}"
                  for k, msgs in form.errors.items() for m in msgs]  # fmt: skip
        return _detail(request, application, errors=errors, extra={"roster_form": form})
    data = form.cleaned_data
    try:
        report = roster.attach_roster(
            application,
            agency=data["agency"],
            port=data["port"],
            planned_entry=data["planned_entry"],
            planned_exit=data["planned_exit"],
            content=data["file"].read(),
            by=request.citizen,
        )
    except roster.RosterInvalid as invalid:
        return _detail(
            request,
            application,
            errors=[str(invalid)],
            extra={"roster_form": form, "roster_report": invalid.report},
        )
    messages.success(request, _("团队名单已保存：%(n)d 名成员。") % {"n": len(report.members)})
    return redirect("jkb:application", application.receipt)

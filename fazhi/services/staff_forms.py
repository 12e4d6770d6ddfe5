"""Forms of the staff pages of 警快办: the queue filter, the window intake, the handling steps.

The applicant and the item's own fields are checked by fazhi.services.applications.submit (through
fazhi.services.formspec), so the window shows the same messages as the public site and the API;
these forms check only what belongs to the page (the unit, the dates, the step's own input).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import Manager, QuerySet
from django.utils.translation import gettext_lazy as _

from fazhi.cases.forms import DateInput, style
from fazhi.core import bounds
from fazhi.core.roles import Capability
from fazhi.org.models import Unit, scope_filter
from fazhi.services.models import ApplicationStatus, Channel, ServiceCategory
from fazhi.services.queue import QueueFilter

ID_TYPES = [("id_card", _("居民身份证")), ("passport", _("护照")), ("other", _("其他证件"))]


def _with_blank(choices: Iterable[tuple[Any, Any]]) -> list[tuple[str, str]]:
    return [("", _("全部")), *[(str(value), label) for value, label in choices]]


def handling_units(user: Any) -> QuerySet[Unit]:
    """Units where USER may register an application: their scope's subtree (HANDLE_SERVICES)."""
    condition = scope_filter(user, "", (Capability.HANDLE_SERVICES,))
    units = cast("Manager[Unit]", Unit.objects)  # treebeard's manager is untyped
    if condition is None:
        return units.none()
    return units.filter(condition, is_active=True).order_by("path")


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_with_blank(ApplicationStatus.choices)
    )
    item = forms.CharField(label=_("事项编码"), required=False, max_length=40)
    category = forms.ChoiceField(
        label=_("业务类别"), required=False, choices=_with_blank(ServiceCategory.choices)
    )
    channel = forms.ChoiceField(
        label=_("申请渠道"), required=False, choices=_with_blank(Channel.choices)
    )
    due_within_days = forms.IntegerField(
        label=_("几日内到期"), required=False, min_value=0, max_value=366
    )
    overdue = forms.BooleanField(label=_("已超期"), required=False)
    date_from = bounds.BoundedDateField(label=_("提交日期自"), required=False, widget=DateInput)
    date_to = bounds.BoundedDateField(label=_("提交日期至"), required=False, widget=DateInput)
    q = forms.CharField(label=_("回执号"), required=False, max_length=24)
    supplemented = forms.BooleanField(label=_("补正已返回待处理"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to",
                _("提交日期至 %(end)s 早于提交日期自 %(start)s。")
                % {"end": end.isoformat(), "start": start.isoformat()},
            )
        return data

    def to_filter(self) -> QueueFilter:
        if not self.is_valid():
            return QueueFilter()
        data = self.cleaned_data
        return QueueFilter(
            status=data["status"] or "",
            item_code=(data["item"] or "").split(" ", 1)[0],
            category=data["category"] or "",
            channel=data["channel"] or "",
            overdue=bool(data["overdue"]),
            due_within_days=data["due_within_days"],
            submitted_from=data["date_from"],
            submitted_to=data["date_to"],
            receipt=data["q"] or "",
            supplemented=bool(data.get("supplemented")),
        )


class WindowApplicantForm(forms.Form):
    """The walk-in applicant and the handling unit; the item's own fields come from its spec."""

    unit = forms.ModelChoiceField(
        label=_("办理单位"), queryset=Unit.objects.none(), to_field_name="code"
    )
    applicant_name = forms.CharField(label=_("申请人姓名"), max_length=100, required=False)
    applicant_id_type = forms.ChoiceField(label=_("证件类型"), choices=ID_TYPES)
    applicant_id_number = forms.CharField(label=_("证件号码"), max_length=40, required=False)
    applicant_phone = forms.CharField(label=_("联系电话"), max_length=11, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = handling_units(user)
        cast("forms.ModelChoiceField[Unit]", self.fields["unit"]).queryset = units
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", secrets.token_urlsafe(18))
            if user.scope_unit is not None:
                self.initial.setdefault("unit", user.scope_unit.code)
        style(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SupplementRequestForm(forms.Form):
    missing = forms.CharField(
        label=_("需补正的全部内容（每行一项）"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def missing_items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["missing"].splitlines() if line.strip()]

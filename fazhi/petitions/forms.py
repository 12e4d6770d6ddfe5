"""The petition and mediation forms: few inputs, Chinese labels, the domain checks the rest."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fazhi.org.models import Unit
from fazhi.petitions.models import (
    Channel,
    MediationKind,
    MediatorKind,
    Outcome,
    ReviewKind,
)

DATE = forms.DateInput(
    attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
)
TEXT = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}


def _text(label: Any, *, required: bool = True, max_length: int = 200) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.TextInput(attrs=TEXT)
    )


def _area(label: Any, *, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={**TEXT, "rows": rows})
    )


def _date(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE)


class PetitionForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("信访渠道"), choices=Channel.choices, widget=forms.Select(attrs=SELECT)
    )
    received_on = _date(_("收到日期"))
    unit = forms.ModelChoiceField(
        label=_("承办单位"), queryset=Unit.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    sender = _text(_("转送、交办机关（转送、交办时必填）"), required=False, max_length=100)
    sent_on = _date(_("转送、交办日期"), required=False)
    sender_reference = _text(_("转送、交办文号"), required=False, max_length=60)
    petitioner_name = _text(_("信访人姓名"), max_length=50)
    petitioner_id_number = _text(_("身份证号"), required=False, max_length=18)
    petitioner_phone = _text(_("联系电话"), required=False, max_length=20)
    petitioner_address = _text(_("住址"), required=False)
    petitioner_count = forms.IntegerField(
        label=_("信访人数"),
        initial=1,
        min_value=1,
        max_value=10000,
        widget=forms.NumberInput(attrs=TEXT),
    )
    matter = _area(_("信访事项（概述）"))
    claims = _area(_("诉求（每行一项）"), rows=3)
    units_concerned = forms.ModelMultipleChoiceField(
        label=_("涉及单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 4}),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.visible_to(user)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = units
        concerned = self.fields["units_concerned"]
        assert isinstance(concerned, forms.ModelMultipleChoiceField)  # noqa: S101
        concerned.queryset = units
        if user is not None and user.scope_unit is not None and not self.is_bound:
            self.initial.setdefault("unit", user.scope_unit.pk)

    def claim_lines(self) -> tuple[str, ...]:
        return tuple(
            line.strip()
            for line in self.cleaned_data.get("claims", "").splitlines()
            if line.strip()
        )


YES_NO = [("", _("否")), ("true", _("是"))]


class ClassifyForm(forms.Form):
    """The few concrete questions from which the 诉访分离 pack routes a claim."""

    crime = forms.BooleanField(
        label=_("诉求是否报告、控告犯罪行为（报案、控告）？"), required=False
    )
    police_misconduct = forms.BooleanField(label=_("是否检举、控告民警违纪违法？"), required=False)
    act = forms.ChoiceField(
        label=_("诉求是否针对公安机关的行政行为？"),
        choices=[
            ("none", _("否")),
            ("case_open", _("针对正在办理、尚未作出决定的案件")),
            ("decided", _("针对已作出的行政行为（处罚、强制措施、不予许可等）")),
        ],
        initial="none",
        widget=forms.Select(attrs=SELECT),
    )
    on_the_spot = forms.BooleanField(label=_("该行为是否当场作出的行政处罚决定？"), required=False)
    known_on = _date(_("信访人知道或者应当知道该行为的日期"), required=False)
    proceeding = forms.ChoiceField(
        label=_("是否已申请行政复议或提起行政诉讼？"),
        choices=[
            ("none", _("否")),
            ("reconsideration_pending", _("已申请行政复议，尚未决定")),
            ("litigation_pending", _("已起诉，法院正在审理")),
            ("reconsideration_decided", _("已作出行政复议决定")),
            ("judgment", _("已有生效判决、裁定")),
        ],
        initial="none",
        widget=forms.Select(attrs=SELECT),
    )
    decision_received_on = _date(_("收到行政复议决定书的日期"), required=False)
    violation_request = forms.BooleanField(
        label=_("是否请求查处违法行为或者保护人身、财产权？"), required=False
    )
    dispute = forms.ChoiceField(
        label=_("是否当事人之间的纠纷？"),
        choices=[
            ("none", _("否")),
            ("civil", _("民间纠纷（邻里、婚姻家庭、债务等）")),
            ("minor_public_order", _("因民间纠纷引起的打架斗殴、损毁财物，情节较轻")),
            ("labour", _("劳动（人事）争议（欠薪等）")),
        ],
        initial="none",
        widget=forms.Select(attrs=SELECT),
    )
    suggestion = forms.BooleanField(label=_("是否对公安工作提出建议意见？"), required=False)
    case_number = _text(_("涉及案件编号（本系统中的案件，可不填）"), required=False, max_length=40)

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for key in ("crime", "police_misconduct", "on_the_spot", "violation_request", "suggestion"):
            if data.get(key):
                out[key] = True
        for key in ("act", "proceeding", "dispute"):
            if data.get(key) and data[key] != "none":
                out[key] = data[key]
        for key in ("known_on", "decision_received_on"):
            if isinstance(data.get(key), dt.date):
                out[key] = data[key].isoformat()
        return out


class NoticeForm(forms.Form):
    sent_on = _date(_("告知日期"))
    method = forms.ChoiceField(
        label=_("送达方式"),
        choices=[
            (v, v) for v in (_("当面送达"), _("邮寄送达"), _("短信告知并邮寄"), _("警快办站内送达"))
        ],
        widget=forms.Select(attrs=SELECT),
    )


class ObjectionForm(forms.Form):
    on = _date(_("提出异议日期"))
    reason = _area(_("异议理由（详细说明不属于本机关职权范围的理由）"))


class ExtensionForm(forms.Form):
    days = forms.IntegerField(
        label=_("延长天数"), min_value=1, max_value=30, widget=forms.NumberInput(attrs=TEXT)
    )
    reason = _area(_("延期理由（将告知信访人）"), rows=2)
    approved_by = _text(_("批准的本机关负责人"), max_length=50)
    approved_on = _date(_("批准日期"))


class ReplyForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("处理意见"), choices=Outcome.choices, widget=forms.Select(attrs=SELECT)
    )
    text = _area(_("信访处理意见书（诉求、事实和理由、处理意见及其依据）"), rows=6)
    replied_on = _date(_("答复日期"))


class ReviewRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("请求"), choices=ReviewKind.choices, widget=forms.Select(attrs=SELECT)
    )
    requested_on = _date(_("收到请求日期"))


class ReviewAnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("意见"), choices=Outcome.choices, widget=forms.Select(attrs=SELECT)
    )
    opinion = _area(_("复查（复核）意见"), rows=4)
    answered_on = _date(_("答复日期"))


class MediationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("调解类别"), choices=MediationKind.choices, widget=forms.Select(attrs=SELECT)
    )
    unit = forms.ModelChoiceField(
        label=_("调解单位"), queryset=Unit.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    case_number = _text(_("治安案件编号（治安调解必填）"), required=False, max_length=40)
    petition_number = _text(_("来源信访编号（可不填）"), required=False, max_length=32)
    parties = _text(_("双方当事人"))
    dispute = _area(_("纠纷情况"))
    mediator_name = _text(_("调解员"), max_length=50)
    mediator_kind = forms.ChoiceField(
        label=_("调解员身份"), choices=MediatorKind.choices, widget=forms.Select(attrs=SELECT)
    )
    started_on = _date(_("开始日期"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = Unit.objects.visible_to(user)
        if user is not None and user.scope_unit is not None and not self.is_bound:
            self.initial.setdefault("unit", user.scope_unit.pk)


class SessionForm(forms.Form):
    held_on = _date(_("调解日期"))
    mediator_name = _text(_("调解员"), required=False, max_length=50)
    notes = _area(_("调解情况"), rows=3)


class AgreementForm(forms.Form):
    agreement = _area(_("调解协议内容"), rows=3)
    agreed_on = _date(_("达成协议日期"))
    perform_by = _date(_("约定履行期限"), required=False)


class PerformanceForm(forms.Form):
    performed = forms.ChoiceField(
        label=_("履行情况"),
        choices=[("yes", _("已履行")), ("no", _("未履行"))],
        widget=forms.Select(attrs=SELECT),
    )
    on = _date(_("日期"))
    note = _text(_("说明"), required=False)


class FailureForm(forms.Form):
    reason = _area(_("调解不成的原因"), rows=2)
    on = _date(_("日期"))

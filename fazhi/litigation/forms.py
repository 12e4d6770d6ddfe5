"""The forms of the litigation pages: each one turns into one call of fazhi.litigation.matters."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fazhi.cases.forms import DateInput, LocalDateTimeInput, style
from fazhi.cases.models import Case, IdType, PartyKind
from fazhi.litigation.matters import AppearanceIn, NewMatter, OutcomeIn
from fazhi.litigation.models import (
    AgencyHead,
    Appearance,
    DocumentKind,
    HeadPost,
    Hearing,
    Matter,
    MatterKind,
    Outcome,
    RulingForm,
)
from fazhi.org.models import Officer, Unit


class MatterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=MatterKind.choices)
    unit = forms.ModelChoiceField(
        label=_("被申请人/被告单位"), queryset=Unit.objects.none(), to_field_name="code"
    )
    body = forms.CharField(label=_("复议机关/法院"), max_length=100)
    docket_number = forms.CharField(label=_("案号"), max_length=60, required=False)
    received_on = forms.DateField(label=_("收到副本日期"), widget=DateInput)
    accepted_on = forms.DateField(label=_("受理/立案日期"), widget=DateInput, required=False)
    simplified = forms.BooleanField(label=_("适用简易程序（行政复议）"), required=False)
    claimant_kind = forms.ChoiceField(label=_("申请人/原告类别"), choices=PartyKind.choices)
    claimant_name = forms.CharField(label=_("申请人/原告"), max_length=100)
    claimant_id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    claimant_id_number = forms.CharField(label=_("证件号码"), max_length=40)
    claimant_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    case = forms.CharField(
        label=_("关联案件编号"),
        max_length=40,
        required=False,
        help_text=_("被复议/被诉的行政行为是平台上的案件时填写，其处罚决定自动关联。"),
    )
    act = forms.CharField(
        label=_("被复议/被诉行政行为"),
        max_length=200,
        required=False,
        help_text=_("未关联案件时必填。"),
    )
    act_document = forms.CharField(label=_("行政行为文书号"), max_length=60, required=False)
    claims = forms.CharField(
        label=_("请求事项"), required=False, widget=forms.Textarea({"rows": 2})
    )
    agent = forms.ModelChoiceField(
        label=_("承办人"), queryset=Officer.objects.none(), required=False
    )
    previous = forms.CharField(
        label=_("前审案件登记编号"), max_length=40, required=False, help_text=_("二审、再审填写。")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cast(
            "forms.ModelChoiceField[Unit]", self.fields["unit"]
        ).queryset = Unit.objects.visible_to(user)
        cast("forms.ModelChoiceField[Officer]", self.fields["agent"]).queryset = (
            Officer.objects.visible_to(user).select_related("unit").order_by("unit__path", "name")
        )
        style(self)

    def clean_case(self) -> Case | None:
        number = (self.cleaned_data.get("case") or "").strip()
        if not number:
            return None
        case: Case | None = Case.objects.visible_to(self.user).filter(number=number).first()
        if case is None:
            raise forms.ValidationError(
                _("您的数据范围内没有案件 %(number)s。") % {"number": number}
            )
        return case

    def clean_previous(self) -> Matter | None:
        number = (self.cleaned_data.get("previous") or "").strip()
        if not number:
            return None
        matter: Matter | None = Matter.objects.visible_to(self.user).filter(number=number).first()
        if matter is None:
            raise forms.ValidationError(
                _("您的数据范围内没有复议诉讼案件 %(number)s。") % {"number": number}
            )
        return matter

    def to_domain(self) -> NewMatter:
        d = self.cleaned_data
        return NewMatter(
            kind=d["kind"],
            body=d["body"],
            unit=d["unit"],
            received_on=d["received_on"],
            accepted_on=d.get("accepted_on"),
            simplified=bool(d.get("simplified")),
            claimant_kind=d["claimant_kind"],
            claimant_name=d["claimant_name"],
            claimant_id_type=d["claimant_id_type"],
            claimant_id_number=d["claimant_id_number"],
            claimant_phone=d.get("claimant_phone") or "",
            case=d.get("case"),
            act=d.get("act") or "",
            act_document=d.get("act_document") or "",
            claims=d.get("claims") or "",
            docket_number=d.get("docket_number") or "",
            agent=d.get("agent"),
            previous=d.get("previous"),
        )


class ReplyForm(forms.Form):
    replied_on = forms.DateField(label=_("提交日期"), widget=DateInput)
    evidence_submitted = forms.BooleanField(
        label=_("已一并提交作出行政行为的证据、依据和其他有关材料"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类别"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("文件（PDF、OFD、JPEG、PNG）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class HearingForm(forms.Form):
    scheduled_at = forms.DateTimeField(label=_("开庭时间"), widget=LocalDateTimeInput)
    place = forms.CharField(label=_("法庭/地点"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class AppearanceForm(forms.Form):
    appearance = forms.ChoiceField(label=_("出庭情况"), choices=Appearance.choices)
    head = forms.ModelChoiceField(
        label=_("出庭负责人"), queryset=AgencyHead.objects.none(), required=False
    )
    entrusted = forms.ModelChoiceField(
        label=_("受委托出庭人员"), queryset=Officer.objects.none(), required=False
    )
    absence_reason = forms.CharField(
        label=_("负责人不能出庭的理由"), max_length=300, required=False
    )
    held = forms.BooleanField(label=_("已开庭（庭后确认实际出庭情况）"), required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(
        self, *args: Any, hearing: Hearing, heads: list[AgencyHead], user: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(
            "forms.ModelChoiceField[AgencyHead]", self.fields["head"]
        ).queryset = AgencyHead.objects.filter(pk__in=[h.pk for h in heads]).select_related(
            "officer"
        )
        cast("forms.ModelChoiceField[Officer]", self.fields["entrusted"]).queryset = (
            Officer.objects.visible_to(user)
            .filter(unit__path__startswith=hearing.matter.unit.path)
            .order_by("name")
        )
        style(self)

    def to_domain(self) -> AppearanceIn:
        d = self.cleaned_data
        return AppearanceIn(
            appearance=d["appearance"],
            head=d.get("head"),
            entrusted=d.get("entrusted"),
            absence_reason=d.get("absence_reason") or "",
            held=bool(d.get("held")),
            note=d.get("note") or "",
        )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("审结结果"), choices=Outcome.choices)
    ruling_form = forms.ChoiceField(
        label=_("文书形式"), choices=[("", "—"), *RulingForm.choices], required=False
    )
    outcome_on = forms.DateField(label=_("决定/裁判日期"), widget=DateInput)
    served_on = forms.DateField(label=_("文书送达日期"), widget=DateInput, required=False)
    note = forms.CharField(label=_("结果说明"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)

    def to_domain(self) -> OutcomeIn:
        d = self.cleaned_data
        return OutcomeIn(
            outcome=d["outcome"],
            outcome_on=d["outcome_on"],
            ruling_form=d.get("ruling_form") or "",
            served_on=d.get("served_on"),
            note=d.get("note") or "",
        )


class CorrectionForm(forms.Form):
    problem = forms.CharField(label=_("存在问题"), widget=forms.Textarea({"rows": 3}))
    demand = forms.CharField(label=_("整改要求"), widget=forms.Textarea({"rows": 3}))
    reply_due_at = forms.DateTimeField(label=_("答复期限"), widget=LocalDateTimeInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class HeadForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("单位"), queryset=Unit.objects.none(), to_field_name="code"
    )
    officer = forms.CharField(label=_("负责人警号"), max_length=16)
    post = forms.ChoiceField(label=_("职务"), choices=HeadPost.choices)
    title = forms.CharField(label=_("职务名称"), max_length=50, required=False)
    since = forms.DateField(label=_("任职日期"), widget=DateInput, required=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cast(
            "forms.ModelChoiceField[Unit]", self.fields["unit"]
        ).queryset = Unit.objects.visible_to(user)
        style(self)

    def clean_officer(self) -> Officer:
        number = (self.cleaned_data.get("officer") or "").strip()
        officer: Officer | None = (
            Officer.objects.visible_to(self.user).filter(police_number=number).first()
        )
        if officer is None:
            raise forms.ValidationError(
                _("您的数据范围内没有警号为 %(number)s 的民警。") % {"number": number}
            )
        return officer

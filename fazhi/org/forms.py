"""Forms of the org pages: the officers filter and the account administration forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fazhi.core.roles import Role
from fazhi.org.models import Officer, OfficerStatus, QualificationLevel, Unit
from fazhi.org.officers import DEFAULT_EXPIRING_DAYS, OfficerFilter, QualificationState

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def style(form: forms.Form) -> None:
    """Give every widget its Bootstrap class (no inline styles: CSP)."""
    for bound in form:
        widget = bound.field.widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", f"{css} {css}-sm")
        widget.attrs.setdefault("aria-label", str(bound.label))


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


def _with_blank(choices: Iterable[tuple[Any, StrOrPromise]]) -> list[tuple[str, StrOrPromise]]:
    return [("", _("全部")), *[(str(value), label) for value, label in choices]]


class OfficerFilterForm(StyledForm):
    unit = forms.ChoiceField(label=_("单位（含下级）"), required=False)
    qualification_level = forms.TypedChoiceField(
        label=_("资格等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_with_blank(QualificationLevel.choices),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_with_blank(OfficerStatus.choices)
    )
    qualification_state = forms.ChoiceField(
        label=_("资格状态"), required=False, choices=_with_blank(QualificationState.choices)
    )
    within_days = forms.IntegerField(
        label=_("到期天数"), required=False, min_value=1, max_value=3650
    )
    q = forms.CharField(label=_("姓名或警号"), required=False, max_length=50)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.visible_to(user).only("code", "name", "depth")
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", _("全部"))] + [
            (unit.code, f"{'　' * (unit.depth - 1)}{unit.name}") for unit in units
        ]

    def to_filter(self) -> OfficerFilter:
        if not self.is_valid():
            return OfficerFilter()
        data = self.cleaned_data
        return OfficerFilter(
            unit_code=data["unit"] or "",
            qualification_level=data["qualification_level"],
            status=data["status"] or "",
            qualification_state=data["qualification_state"] or "",
            within_days=data["within_days"] or DEFAULT_EXPIRING_DAYS,
            search=data["q"] or "",
        )


def _officer_by_number(police_number: str) -> Officer | None:
    police_number = (police_number or "").strip()
    if not police_number:
        return None
    officer: Officer | None = Officer.objects.filter(police_number=police_number).first()
    if officer is None:
        raise forms.ValidationError(gettext("警号 %(number)s 不存在。") % {"number": police_number})
    return officer


class AccountCreateForm(StyledForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    police_number = forms.CharField(label=_("关联民警警号（可选）"), required=False, max_length=16)

    def clean_police_number(self) -> Officer | None:
        return _officer_by_number(self.cleaned_data["police_number"])


class LinkOfficerForm(StyledForm):
    police_number = forms.CharField(
        label=_("警号（留空则解除关联）"), required=False, max_length=16
    )

    def clean_police_number(self) -> Officer | None:
        return _officer_by_number(self.cleaned_data["police_number"])


class RoleForm(StyledForm):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    scope_unit = forms.ModelChoiceField(
        label=_("数据范围"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        to_field_name="code",
    )


class _NewPasswordMixin(forms.Form):
    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_new_password2(self) -> str:
        first = self.cleaned_data.get("new_password1")
        second: str = self.cleaned_data["new_password2"]
        if first and first != second:
            raise forms.ValidationError(gettext("两次输入的新密码不一致。"))
        return second


def password_rules() -> list[str]:
    """The password policy, as the help text of Django's configured validators says it."""
    from django.contrib.auth.password_validation import password_validators_help_texts

    return [str(text) for text in password_validators_help_texts()]


class ActivationForm(_NewPasswordMixin, StyledForm):
    """The owner's activation: username, the two halves of the code, the chosen password."""

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    system_code = forms.CharField(
        label=_("激活码（系统管理员）"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    security_code = forms.CharField(
        label=_("激活码（安全管理员）"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    field_order = [  # noqa: RUF012 - Django reads it as a class attribute
        "username",
        "system_code",
        "security_code",
        "new_password1",
        "new_password2",
    ]


class PasswordChangeForm(_NewPasswordMixin, StyledForm):
    old_password = forms.CharField(
        label=_("原密码"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "new_password1", "new_password2"]  # noqa: RUF012 - as above


class OtpTokenForm(StyledForm):
    token = forms.CharField(
        label=_("验证码"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

"""Forms of the public site (警快办): code login, applicant, handling unit, materials, tracking.

The item's own fields come from its form spec (formspec.build_form); these forms add what every
online application has. Field names follow the errors applications.submit reports
(``applicant_name``, ``applicant_id_number``, ``applicant_phone``), so a domain error lands on the
field it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fazhi.core.errors import InvalidIdentifier
from fazhi.core.identity import validate_citizen_id
from fazhi.org.models import Unit, UnitKind
from fazhi.services import uploads
from fazhi.services.formspec import PHONE
from fazhi.services.models import Material, ServiceItem

# The handling unit a citizen picks: the units whose kind matches one of the item's levels
# (ServiceItem.levels holds catalog.ExerciseLevel values). An item with no matching unit in the
# tree is handled by a district bureau.
LEVEL_KINDS = {
    "city": (UnitKind.CITY_BUREAU,),
    "district": (UnitKind.DISTRICT_BUREAU,),
    "station": (UnitKind.STATION,),
    "township": (UnitKind.TOWNSHIP,),
}


def units_for(item: ServiceItem) -> QuerySet[Unit]:
    """The active units at ITEM's handling levels (district bureaus if the tree has none)."""
    kinds = [kind for level in item.levels for kind in LEVEL_KINDS.get(level, ())]
    units: QuerySet[Unit] = Unit.objects.filter(kind__in=kinds, is_active=True)
    if not units.exists():
        units = Unit.objects.filter(kind=UnitKind.DISTRICT_BUREAU, is_active=True)
    return units


def style(*forms_: forms.Form) -> None:
    """Give every widget its Bootstrap class (formspec builds plain Django widgets)."""
    for form in forms_:
        for bound in form:
            widget = bound.field.widget
            if isinstance(widget, forms.Select):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            else:
                css = "form-control"
            if bound.errors:
                css += " is-invalid"
            widget.attrs["class"] = css


def _phone(value: str) -> None:
    if not PHONE.match(value):
        raise forms.ValidationError(_("手机号应为 11 位数字，以 13–19 开头：%(v)s") % {"v": value})


def _id_number(value: str) -> None:
    try:
        validate_citizen_id(value)
    except InvalidIdentifier as error:
        raise forms.ValidationError(str(error)) from error


class LoginForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "numeric"}),
    )
    code = forms.CharField(
        label=_("验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ApplicantForm(forms.Form):
    applicant_name = forms.CharField(label=_("申请人姓名"), max_length=100)
    applicant_id_number = forms.CharField(
        label=_("申请人身份证号"), max_length=18, validators=[_id_number]
    )
    applicant_phone = forms.CharField(label=_("联系电话"), max_length=11, validators=[_phone])


class UnitForm(forms.Form):
    """One handling-unit select per item (a bundle has one per item, keyed by the item's id)."""

    def __init__(self, items: Iterable[ServiceItem], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            label = (
                _("办理单位")
                if len(self.items) == 1
                else _("“%(item)s”的办理单位") % {"item": item.name}
            )
            self.fields[self.key(item)] = forms.ModelChoiceField(
                queryset=units_for(item), label=label, empty_label="—"
            )

    @staticmethod
    def key(item: ServiceItem) -> str:
        return f"handling_unit_{item.pk}"

    def units(self) -> dict[int, Unit]:
        return {item.pk: self.cleaned_data[self.key(item)] for item in self.items}


class MaterialsForm(forms.Form):
    """One file field per material the applicant must upload (the fetched ones are not asked).

    Materials of several items (a bundle) with the same name are asked once.
    """

    def __init__(self, materials: Iterable[Material], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_field: dict[str, list[Material]] = {}
        by_name: dict[str, str] = {}
        for material in materials:
            if material.fetched:
                continue
            field = by_name.get(material.name)
            if field is None:
                field = by_name[material.name] = f"material_{material.pk}"
                self.fields[field] = forms.FileField(
                    label=material.name,
                    required=material.required,
                    help_text=material.note,
                    allow_empty_file=True,  # uploads.check refuses it with its own message
                    widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.ofd"}),
                )
            self.by_field.setdefault(field, []).append(material)

    def clean(self) -> dict[str, Any]:
        """Check each file's type and size; every refused file is reported on its own field."""
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        files = [(name, f) for name, f in cleaned.items() if f]
        good, errors = uploads.check_many(files)
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name, message)
        self.checked: dict[str, uploads.CheckedFile] = good
        return cleaned


class TrackForm(forms.Form):
    receipt = forms.CharField(label=_("受理回执号"), max_length=24)
    phone = forms.CharField(label=_("申请时填写的手机号"), max_length=11, validators=[_phone])

    def clean_receipt(self) -> str:
        receipt: str = self.cleaned_data["receipt"]
        return receipt.strip().upper()


class RosterForm(forms.Form):
    """The tour group of a port-visa application (外国人口岸团队旅游签证): its file and travel dates."""

    agency = forms.CharField(label=_("组团旅行社"), max_length=200)
    port = forms.CharField(label=_("入境口岸"), max_length=100)
    planned_entry = forms.DateField(
        label=_("计划入境日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_exit = forms.DateField(
        label=_("计划出境日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    file = forms.FileField(
        label=_("团队名单（CSV 或 XLSX）"),
        help_text=_("表头：姓名、国籍（ISO 3166 代码）、护照号码、出生日期、性别、护照有效期至"),
    )

    def clean_file(self) -> Any:  # the field's UploadedFile
        file = self.cleaned_data["file"]
        if file.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("名单文件不能超过 2 MB。"))
        return file

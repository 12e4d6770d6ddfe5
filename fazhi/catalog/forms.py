"""The form that parses an inline edit of a draft entry (validation lives in editions.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fazhi.catalog.models import ExerciseLevel, ItemKind, ListEntry


class EntryForm(forms.Form):
    name = forms.CharField(label=_("事项名称"), max_length=200)
    kind = forms.ChoiceField(label=_("事项类型"), choices=ItemKind.choices)
    basis_text = forms.CharField(label=_("实施依据"), widget=forms.Textarea(attrs={"rows": 2}))
    levels = forms.MultipleChoiceField(
        label=_("行使层级"),
        choices=ExerciseLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    delegable_to_township = forms.BooleanField(label=_("可赋权乡镇（街道）"), required=False)
    must_use_centre = forms.BooleanField(label=_("应进必进"), required=False)
    responsibility = forms.CharField(
        label=_("责任事项"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            else:
                widget.attrs["class"] = "form-control form-control-sm"

    @classmethod
    def for_entry(cls, entry: ListEntry) -> EntryForm:
        return cls(initial={field: getattr(entry, field) for field in ListEntry.COMPARED_FIELDS})


class PublishForm(forms.Form):
    effective_from = forms.DateField(
        label=_("生效日期"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

"""Application forms as data: each service item lists its fields; one Django form is built from them.

A field is a mapping ``{key, label, type, required?, choices?, max_length?, help?}`` with ``type`` one of
FIELD_TYPES. The same built form validates the public site, the window and the API, so every field's
error is reported at once, in the same words, wherever the application comes from. A bundle (一件事)
asks each key once: its combined form is the union of its items' fields, first definition wins.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fazhi.core.errors import FazhiError, InvalidIdentifier
from fazhi.core.identity import validate_citizen_id, validate_uscc

FIELD_TYPES = (
    "text",
    "textarea",
    "date",
    "integer",
    "choice",
    "id_number",
    "uscc",
    "phone",
    "email",
)
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PHONE = re.compile(r"^1[3-9]\d{9}$")


class FormSpecError(FazhiError):
    """A service item's form definition is malformed (a data error, found when loading the catalogue)."""

    code = "form_spec"


class FormInvalid(FazhiError):
    """The submitted data failed the item's form: ``errors`` maps every failing field to its messages."""

    code = "form_invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(
            _("申请表有 %(n)d 处错误，请逐项修改。") % {"n": sum(len(v) for v in errors.values())}
        )
        self.errors = errors


def check_spec(fields: Any, *, where: str = "") -> list[dict[str, Any]]:
    """Return FIELDS if they are a valid form definition; raise FormSpecError naming the field."""
    if not isinstance(fields, list):
        raise FormSpecError(f"{where}: form must be a list of fields")
    seen: set[str] = set()
    for n, field in enumerate(fields, start=1):
        at = f"{where} form[{n}]"
        if not isinstance(field, dict):
            raise FormSpecError(f"{at}: a field must be a mapping")
        key = field.get("key", "")
        if not isinstance(key, str) or not KEY.match(key):
            raise FormSpecError(f"{at}: key {key!r} must match {KEY.pattern}")
        if key in seen:
            raise FormSpecError(f"{at}: key {key!r} appears twice")
        seen.add(key)
        if field.get("type") not in FIELD_TYPES:
            raise FormSpecError(
                f"{at} ({key}): type {field.get('type')!r} is not one of {FIELD_TYPES}"
            )
        if not field.get("label"):
            raise FormSpecError(f"{at} ({key}): label is required")
        if field["type"] == "choice" and not field.get("choices"):
            raise FormSpecError(f"{at} ({key}): a choice field needs choices")
        unknown = set(field) - {"key", "label", "type", "required", "choices", "max_length", "help"}
        if unknown:
            raise FormSpecError(f"{at} ({key}): unknown attributes {sorted(unknown)}")
    return fields


def _id_number(value: str) -> None:  # a form validator: Django ignores its result
    try:
        validate_citizen_id(value)
    except InvalidIdentifier as error:
        raise forms.ValidationError(str(error)) from error


def _uscc(value: str) -> None:
    try:
        validate_uscc(value)
    except InvalidIdentifier as error:
        raise forms.ValidationError(str(error)) from error


def _phone(value: str) -> None:
    if not PHONE.match(value):
        raise forms.ValidationError(_("手机号应为 11 位数字，以 1 开头：%(v)s") % {"v": value})


def _field(spec: Mapping[str, Any]) -> forms.Field:
    common = {
        "label": spec["label"],
        "required": spec.get("required", True),
        "help_text": spec.get("help", ""),
    }
    kind = spec["type"]
    max_length = spec.get("max_length", 200)
    if kind == "text":
        return forms.CharField(max_length=max_length, **common)
    if kind == "textarea":
        return forms.CharField(
            max_length=spec.get("max_length", 2000), widget=forms.Textarea, **common
        )
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "integer":
        return forms.IntegerField(min_value=0, **common)
    if kind == "choice":
        choices = [(c, c) for c in spec["choices"]]
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if kind == "id_number":
        return forms.CharField(max_length=18, validators=[_id_number], **common)
    if kind == "uscc":
        return forms.CharField(max_length=18, validators=[_uscc], **common)
    if kind == "phone":
        return forms.CharField(max_length=11, validators=[_phone], **common)
    return forms.EmailField(**common)


def build_form(fields: Iterable[Mapping[str, Any]]) -> type[forms.Form]:
    """One Django form class for a list of field definitions (in their order)."""
    return type("ApplicationForm", (forms.Form,), {f["key"]: _field(f) for f in fields})


def combine(specs: Iterable[Iterable[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The fields of several items, each key asked once (first definition wins)."""
    combined: dict[str, dict[str, Any]] = {}
    for fields in specs:
        for field in fields:
            combined.setdefault(field["key"], dict(field))
    return list(combined.values())


def clean(fields: Iterable[Mapping[str, Any]], data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate DATA against the fields; return JSON-able cleaned data or raise FormInvalid."""
    form = build_form(fields)(data=data)
    if not form.is_valid():
        raise FormInvalid({key: [str(m) for m in msgs] for key, msgs in form.errors.items()})
    return {
        key: value.isoformat() if isinstance(value, dt.date) else value
        for key, value in form.cleaned_data.items()
        if value not in (None, "")
    }

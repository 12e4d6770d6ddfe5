"""Display helpers for list entries: level labels, yes/no, and a compared field's value."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from fazhi.catalog.models import ExerciseLevel, ItemKind, ListEntry

register = template.Library()


@register.filter
def level_labels(levels: list[str] | None) -> str:
    """Return the levels as their labels joined by 、 (市级、区县级)."""
    labels = dict(ExerciseLevel.choices)
    return "、".join(str(labels.get(level, level)) for level in levels or [])


@register.filter
def yes_no(value: bool) -> str:
    return _("是") if value else _("否")


@register.filter
def field_label(field: str) -> str:
    """Return the verbose name of a ListEntry field."""
    return str(ListEntry._meta.get_field(field).verbose_name)  # type: ignore[union-attr]  # a field


@register.filter
def field_value(value: Any, field: str) -> str:
    """Return a compared field's value as a person reads it."""
    if field == "levels":
        return level_labels(value)
    if field == "kind":
        return str(dict(ItemKind.choices).get(value, value))
    if isinstance(value, bool):
        return yes_no(value)
    return "" if value is None else str(value)

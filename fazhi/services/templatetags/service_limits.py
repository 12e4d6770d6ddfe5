"""``{{ item|limit:"promised" }}`` → "15 个工作日", "15 日" or "24 小时" (a model or a guide snapshot)."""

from __future__ import annotations

from typing import Any

from django import template

from fazhi.services.models import LimitUnit, limit_text

register = template.Library()


@register.filter
def limit(source: Any, which: str) -> str:
    """The ``statutory`` or ``promised`` limit of SOURCE with its unit; "" when there is none.

    SOURCE is a ServiceItem or an edition's snapshot (a dict); a snapshot published before limits
    had a unit counts working days, as every limit did then.
    """
    if isinstance(source, dict):
        amount, unit = source.get(f"{which}_days"), source.get(f"{which}_unit")
    else:
        amount, unit = (
            getattr(source, f"{which}_days", None),
            getattr(source, f"{which}_unit", None),
        )
    return limit_text(amount, unit or LimitUnit.WORKDAYS)

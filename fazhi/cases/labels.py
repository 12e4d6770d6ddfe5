"""How a step's stored values read on the page: labels for codes, local times, facts by name.

An event keeps its data as the procedure pack names it (``{"outcome": "penalty", "facts":
{...}}``); the officer reads "处理结果：给予处罚". The values a pack field takes from a fixed
set are listed here with their Chinese labels (the stored value stays the code the pack's
preconditions test, e.g. ``data.outcome ne no_penalty``); the form offers them as choices and
the timeline shows their labels. Nothing here decides anything.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fazhi.core.clock import SHANGHAI
from fazhi.discretion import preview as benchmark

# Pack field name → (stored value, label). The codes are those the packs and
# fazhi.cases.procedure test (decide.outcome; property_disposed.disposition).
VALUE_CHOICES: dict[str, tuple[tuple[str, Promise], ...]] = {
    "outcome": (
        ("penalty", gettext_lazy("给予处罚")),
        ("no_penalty", gettext_lazy("不予处罚")),
    ),
    "disposition": (
        ("returned", gettext_lazy("返还")),
        ("confiscated", gettext_lazy("没收")),
        ("destroyed", gettext_lazy("销毁")),
    ),
}
# Labels of the values an event's data holds beside the pack's own fields.
EXTRA_LABELS: dict[str, Promise] = {
    "facts": gettext_lazy("裁量事实"),
    "deviation_reason": gettext_lazy("偏离理由"),
    "property_id": gettext_lazy("涉案财物"),
}
# A pack label may end with the codes it expects, "处理结果（penalty/no_penalty）": once the
# form offers choices, the codes are noise.
_CODES_SUFFIX = re.compile(r"\s*[（(][a-z_/ ]+[）)]\s*$")


def field_label(name: str, label: str) -> str:
    """Return LABEL (already translated) without a trailing list of codes, or NAME's label."""
    if not label:
        extra = EXTRA_LABELS.get(name)
        return str(extra) if extra is not None else name
    return _CODES_SUFFIX.sub("", label) if name in VALUE_CHOICES else label


def choices_of(name: str) -> list[tuple[str, str]]:
    """Return the (value, label) choices of pack field NAME, or [] for a free field."""
    return [(value, str(label)) for value, label in VALUE_CHOICES.get(name, ())]


def value_label(name: str, value: Any) -> str:
    """Return how VALUE of field NAME reads: a label for a code, 是/否, a local time.

    >>> from django.utils import translation
    >>> with translation.override("zh-hans"):
    ...     value_label("outcome", "no_penalty"), value_label("warning", True)
    ('不予处罚', '是')
    """
    labels = dict(VALUE_CHOICES.get(name, ()))
    if isinstance(value, str) and value in labels:
        return str(labels[value])
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and "T" in value:
        try:
            instant = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if instant.tzinfo is not None:
            return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        return instant.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        return "、".join(value_label(name, v) for v in value)
    return "" if value is None else str(value)


def fact_rows(offence_code: str, facts: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the discretion facts of a decision as (label, value) rows, in the offence's order."""
    specs = {fact["name"]: fact for fact in benchmark.offence_facts(offence_code)}
    rows = []
    for name, value in facts.items():
        spec = specs.get(name)
        label = str(spec["label"] or name) if spec else name
        if isinstance(value, str) and value in benchmark.CHOICE_LABELS:
            shown = str(benchmark.CHOICE_LABELS[value])
        else:
            shown = value_label(name, value)
        rows.append((label, shown))
    return rows


WEEKDAYS = (
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
)


def due_text(facts: dict[str, Any], due_at: dt.datetime) -> str:
    """Return a deadline as people name it: 期满日 with its weekday, or the instant for hours.

    A period counted in days ends at the end of its last day (``due_at`` is the next midnight,
    half-open), so the last day is the day before ``due_at``'s midnight.

    >>> from django.utils import translation
    >>> end = dt.datetime(2026, 12, 10, 0, 0, tzinfo=SHANGHAI)
    >>> with translation.override("zh-hans"):
    ...     due_text({"unit": "days"}, end), due_text({"unit": "hours"}, end)
    ('期满日 2026-12-09（星期三）', '期满 2026-12-10 00:00（星期四）')
    """
    local = due_at.astimezone(SHANGHAI)
    if (facts or {}).get("unit") == "hours":
        return _("期满 %(at)s（%(weekday)s）") % {
            "at": local.strftime("%Y-%m-%d %H:%M"),
            "weekday": WEEKDAYS[local.weekday()],
        }
    last = (local - dt.timedelta(microseconds=1)).date()
    return _("期满日 %(day)s（%(weekday)s）") % {
        "day": last.isoformat(),
        "weekday": WEEKDAYS[last.weekday()],
    }

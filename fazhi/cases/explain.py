"""Render a deadline's explanation from its stored facts, in the reader's language (ADR 0018).

``fazhi.cases.derive`` records *what* it counted (start event and instant, amount and unit, the
days skipped with their holiday names, make-up days counted, pauses, extensions with their
approval, the earliest lawful day, the provisions, the years without holiday data) as JSON-ready
facts; nothing stored is text in a language. This module is the one place that turns facts into
a sentence, with gettext, when a page, the API or a document is rendered. Names that come from
data (an event's name in the pack, a holiday's name) are looked up in the catalogue too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from fazhi.core.clock import SHANGHAI
from fazhi.core.periods import describe_period


def _local(value: str) -> str:
    return dt.datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _amount(amount: int, unit: str) -> str:
    label = {"workdays": _("个工作日"), "days": _("日"), "hours": _("小时")}[unit]
    return f"{amount}{label}"


def render(facts: dict[str, Any] | None) -> str:
    """Return the explanation of FACTS in the active language ("" for empty facts)."""
    if not facts or not facts.get("periods"):
        return ""
    start = facts["restarts"][-1] if facts.get("restarts") else facts["start"]
    head = _("自%(start)s起算：") % {"start": _(start["name"])}
    periods = facts["periods"]
    parts = [describe_period(periods[0])]
    for restart in facts.get("restarts") or []:
        parts.append(_("自 %(at)s 重新计算") % {"at": _local(restart["at"])})
    for extension, period in zip(facts.get("extensions") or [], periods[1:], strict=False):
        parts.append(
            _("%(at)s 经%(approver)s批准延长 %(amount)s，自原期满日 %(from)s 起算：%(period)s")
            % {
                "at": _local(extension["at"]),
                "approver": extension["approver"],
                "amount": _amount(extension["amount"], facts["unit"]),
                "from": period["start"],
                "period": describe_period(period),
            }
        )
    for pause in facts.get("pauses") or []:
        if pause.get("end") is None:
            parts.append(
                _("%(at)s 起中止计算（%(basis)s）")
                % {"at": _local(pause["start"]), "basis": pause["basis"]}
            )
        else:
            parts.append(
                _("%(start)s 至 %(end)s 不计入（%(days)d 日，%(basis)s）")
                % {
                    "start": pause["start"],
                    "end": pause["end"],
                    "days": pause["days"],
                    "basis": pause["basis"],
                }
            )
    earliest = facts.get("earliest")
    if earliest and earliest.get("applies"):
        parts.append(
            _(
                "%(event)s须提前%(notice)s通知，在%(amount)s内无法满足；最早可依法%(event)s的日期为 "
                "%(day)s，以该日为期满日（%(basis)s）"
            )
            % {
                "event": _(earliest["name"]),
                "notice": _amount(earliest["amount"], earliest["unit"]),
                "amount": _amount(facts["amount"], facts["unit"]),
                "day": earliest["period"]["end"],
                "basis": earliest["basis"],
            }
        )
    stopped = facts.get("stopped")
    if stopped:
        parts.append(
            _("%(at)s 起不再适用（%(event)s）")
            % {"at": _local(stopped["at"]), "event": _(stopped["name"])}
        )
    return head + "；".join(parts)


def last_day(facts: dict[str, Any], due_at: dt.datetime) -> str:
    """Return how people name a deadline: its last day, or its instant for hour periods."""
    if facts.get("unit") == "hours":
        return due_at.astimezone(SHANGHAI).isoformat(timespec="minutes")
    return (due_at.astimezone(SHANGHAI) - dt.timedelta(microseconds=1)).date().isoformat()

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from fazhi.core.calendar import Redating, WorkCalendar


class CasesConfig(AppConfig):
    name = "fazhi.cases"
    verbose_name = _("行政案件")

    def ready(self) -> None:
        from fazhi.cases.examples import run_procedure_examples
        from fazhi.cases.packs import PackRegistry, load_pack
        from fazhi.core.calendar import on_calendar_change
        from fazhi.core.rulepacks import PackKind, register

        register(
            PackKind(
                "procedure",
                "办案程序",
                run_procedure_examples,
                load=load_pack,
                load_folder=PackRegistry.from_paths,
                count_rules=lambda pack: (
                    sum(len(e.preconditions) for e in pack.events) + len(pack.deadlines)
                ),
            )
        )
        on_calendar_change(redate_cases, pending=pending_cases)


def redate_cases(*, actor: Any, at: dt.datetime, calendar: WorkCalendar, dry_run: bool) -> Redating:
    """Re-date every open case's running deadlines after a calendar change (fazhi.core.calendar)."""
    from django.urls import reverse

    from fazhi.cases.deadlines import redate_all
    from fazhi.core.calendar import Moved, Redating

    result = redate_all(actor=actor, at=at, calendar=calendar, dry_run=dry_run)
    moves = [
        Moved("case", number, code, before, after, reverse("cases:detail", args=[number]))
        for number, code, before, after in result.moves
    ]
    return Redating(str(_("行政案件")), result.cases, moves, result.settled, result.changed)


def pending_cases(day: dt.date) -> int:
    """Running case deadlines whose last day is DAY or later (one query on the open-deadline index)."""
    from fazhi.cases.models import Deadline
    from fazhi.core.clock import start_of_day

    return Deadline.objects.running().filter(due_at__gt=start_of_day(day)).count()

"""The supervision dashboard page (监督看板): figures of fazhi.supervision.dashboard, each a link.

Thin: read the unit (inside the user's scope, else 404) and the period, ask ``dashboard.build``,
and attach to every figure the URL of the list that shows exactly its rows. The charts read the
same figures from a JSON block (no inline script: the CSP allows scripts from 'self' only).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core import bounds
from fazhi.core.access import requires
from fazhi.core.home import link
from fazhi.core.metrics import Period
from fazhi.core.roles import Capability as C
from fazhi.org.models import Unit, User
from fazhi.supervision import dashboard
from fazhi.supervision.dashboard import PeriodKind
from fazhi.supervision.models import WarningState
from fazhi.supervision.rules import LEVEL_CSS, WarningLevel

CHART_COLOURS: dict[str, str] = {  # yellow / orange / red, as everywhere (fazhi.css)
    WarningLevel.HINT: "#ffc107",
    WarningLevel.WARNING: "#fd7e14",
    WarningLevel.ALARM: "#dc3545",
}


def warnings_url(unit: Unit, *, level: str = "", own: bool = False) -> str | None:
    return link(
        "supervision:warnings",
        unit=unit.code,
        own="1" if own else "",
        level=level,
        state=WarningState.OPEN,
    )


def metric_url(unit: Unit, period: Period) -> str:
    """Return the drill-down page of the excellent rate of UNIT over PERIOD."""
    url = reverse("reports:metric", args=[dashboard.RATE_METRIC])
    return f"{url}?{urlencode({'unit': unit.code, 'from': period.start, 'to': period.end})}"


def duration_text(value: dt.timedelta | None) -> str:
    """Return a reply time as 2天3小时 / 5小时20分钟; — when there is none."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d天%(hours)d小时") % {"days": days, "hours": hours}
    return _("%(hours)d小时%(minutes)d分钟") % {"hours": hours, "minutes": minutes}


def _on(text: str | None, today: dt.date) -> dt.date:
    """Return the day of ``on=``; a bad or absurd day is a 400 naming it (fazhi.core.bounds)."""
    return bounds.day(text, field="on", default=today)


def _chart_data(
    board: dashboard.Dashboard, levels: list[dict[str, Any]], trend: list[dict[str, Any]]
) -> dict[str, Any]:
    """Return what dashboard.js draws: the same figures and links as the page's tables."""
    return {
        "levels": {
            "labels": [str(label) for _level, label in WarningLevel.choices],
            "colours": [CHART_COLOURS[level] for level in WarningLevel.values],
            "counts": [board.by_level[level] for level in WarningLevel.values],
            "urls": [row["url"] for row in levels],
        },
        "units": {
            "labels": [
                _("%(name)s（本级）") % {"name": r.unit.name} if r.own else r.unit.name
                for r in board.by_unit
            ],
            "series": [
                {
                    "label": str(label),
                    "colour": CHART_COLOURS[level],
                    "counts": [r.by_level[level] for r in board.by_unit],
                    "urls": [warnings_url(r.unit, level=level, own=r.own) for r in board.by_unit],
                }
                for level, label in WarningLevel.choices
            ],
        },
        "trend": {
            "label": str(_("案件质量优良率")),
            "labels": [p["label"] for p in trend],
            "values": [
                float(p["value"].value) if p["value"].value is not None else None for p in trend
            ],
            "urls": [p["url"] for p in trend],
        },
    }


@requires(C.VIEW_SCOPED_DATA)
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """/supervision/?unit=<code>&period=month|quarter|year&on=YYYY-MM-DD."""
    user = cast(User, request.user)  # @requires lets only a signed-in User through
    units = Unit.objects.visible_to(user)
    code = request.GET.get("unit") or getattr(user.scope_unit, "code", None)
    unit = units.filter(code=code).first()
    if unit is None:  # outside the scope answers like a unit that does not exist
        raise Http404
    kind = request.GET.get("period", PeriodKind.MONTH)
    kind = PeriodKind(kind) if kind in PeriodKind.values else PeriodKind.MONTH
    on = _on(request.GET.get("on"), timezone.localdate())
    board = dashboard.build(user, unit, kind, on, at=timezone.now())

    levels = [
        {
            "level": level,
            "label": label,
            "css": LEVEL_CSS[cast(WarningLevel, level)],  # a value of WarningLevel.choices
            "count": board.by_level[level],
            "url": warnings_url(unit, level=level),
        }
        for level, label in WarningLevel.choices
    ]
    unit_rows = [
        {
            "unit": row.unit,
            "own": row.own,
            "drill": None
            if row.own
            else link("supervision:dashboard", unit=row.unit.code, period=kind, on=on.isoformat()),
            "cells": [
                (row.by_level[level], warnings_url(row.unit, level=level, own=row.own))
                for level in WarningLevel.values
            ],
            "total": row.total,
            "url": warnings_url(row.unit, own=row.own),
        }
        for row in board.by_unit
    ]
    trend = [
        {
            "label": point.label,
            "value": point.value,
            "url": metric_url(unit, point.period),
        }
        for point in board.trend
    ]
    period = board.period
    context = {
        "board": board,
        "unit": unit,
        "units": units,
        "ancestors": units.filter(
            path__in=[unit.path[:n] for n in range(Unit.steplen, len(unit.path), Unit.steplen)]
        ).order_by("path"),
        "kind": kind,
        "kinds": PeriodKind.choices,
        "on": on,
        "previous_on": period.start - dt.timedelta(days=1),
        "next_on": period.end + dt.timedelta(days=1),
        "levels": levels,
        "unit_rows": unit_rows,
        "trend": trend,
        "open_url": warnings_url(unit),
        "overdue_url": link("supervision:orders", overdue="1", unit=unit.code),
        "reply_url": link(
            "supervision:orders",
            unit=unit.code,
            answered_from=period.start.isoformat(),
            answered_to=period.end.isoformat(),
        ),
        "reply_text": duration_text(board.reply.average),
        "rate_url": metric_url(unit, period),
        "red_rows": [
            (
                r,
                link(
                    "supervision:warnings",
                    unit=r.code,
                    own="1",
                    level=WarningLevel.ALARM,
                    state=WarningState.OPEN,
                ),
            )
            for r in board.red_units
        ],
        "chart": _chart_data(board, levels, trend),
    }
    return render(request, "supervision/dashboard.html", context)

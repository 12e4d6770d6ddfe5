"""What each role sees first on its home page: its work (待办), then the state of its scope.

Every figure is a count of rows the user may see (``visible_to(user)``) and, where a list of
those rows exists, links to it with the same filter, so the number can be checked one by one
(DESIGN principle 4). The three administrators (三员分立) see only their own tasks: accounts for
the system administrator, locked accounts for the security administrator, the audit log and its
chain for the audit administrator — none of them sees business data here.

This module is the frame only (ADR 0017): the panels come from the apps. Each app that has a
panel defines it in its own ``home`` module (``fazhi/<app>/home.py``) with ``@register(order,
key)``; the modules are imported the first time a home page is drawn, and the panels are shown
in ``order``. A panel function returns None when the user's role does not show it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from fazhi.core.discovery import import_app_modules

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Card:
    """One figure on the home page: a label, a value, and the list behind it."""

    key: str  # stable, for tests and the page's data-testid
    label: StrOrPromise
    value: int | StrOrPromise
    url: str | None = None
    level: str = ""  # "", "ok", "yellow", "orange", "red": the warning colours of fazhi.css
    hint: StrOrPromise = ""


@dataclass(frozen=True)
class Panel:
    key: str
    title: StrOrPromise
    icon: str  # a Bootstrap Icons name
    cards: list[Card] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)  # a short table under the cards
    is_strip: bool = False  # one compact line (the user's own facts), not a row of cards
    is_work: bool = False  # the user's to-do (待办): shown first, above the statistics

    @property
    def is_wide(self) -> bool:
        """Return whether the panel needs the page's full width (more than three cards)."""
        return self.is_strip or len(self.cards) > 3


def link(url_name: str, **filters: object) -> str | None:
    """Return the URL of a list page with FILTERS as its query string, or None if no such page."""
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return None
    query = {key: value for key, value in filters.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


PanelFunction = Callable[[Any, dt.datetime], Panel | None]


@dataclass(frozen=True)
class PanelSource:
    """One registered panel: where it stands on the page, and the function that draws it."""

    order: int
    key: str
    draw: PanelFunction


_sources: dict[str, PanelSource] = {}


def register(order: int, key: str) -> Callable[[PanelFunction], PanelFunction]:
    """Register the decorated function as the home panel KEY, shown in ORDER (lowest first)."""

    def decorator(draw: PanelFunction) -> PanelFunction:
        _sources[key] = PanelSource(order, key, draw)
        return draw

    return decorator


def discover() -> None:
    """Import the ``home`` module of every Fazhi app, which registers its parts (once)."""
    import_app_modules("home")


def sources() -> list[PanelSource]:
    """Return the registered panels in their order on the page."""
    discover()
    return sorted(_sources.values(), key=lambda source: (source.order, source.key))


def panels_for(user: Any, at: dt.datetime) -> list[Panel]:
    """Return the panels USER's role shows on the home page at instant AT."""
    panels = []
    for source in sources():
        panel = source.draw(user, at)
        if panel is not None:
            panels.append(panel)
    return panels


def for_user(user: Any, at: dt.datetime | None = None) -> dict[str, Any]:
    """Return the template context of USER's home page: the work first, then the statistics."""
    at = at or timezone.now()
    panels = panels_for(user, at)
    return {
        "role_label": user.get_role_display(),
        "today": timezone.localdate(at),
        "panels": panels,
        "strips": [panel for panel in panels if panel.is_strip],  # who I am: one line on top
        "work": [panel for panel in panels if panel.is_work],
        "statistics": [panel for panel in panels if not (panel.is_work or panel.is_strip)],
    }

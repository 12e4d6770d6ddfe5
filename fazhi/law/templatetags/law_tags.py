"""Template tags for citations: ``{% cite provision %}`` and the statute-text filters.

``{% cite target [on=date] [short=True] %}`` renders the citation in legal form as a link to
the provision, with its text in a Bootstrap popover (``data-bs-toggle="popover"``, set up by
fazhi.js; no inline script), and a "未核实" badge when the provision or its version was not
checked against the official text. TARGET is a Provision, a Citation or a citation string;
a citation that resolves to nothing is shown as written, marked as not found.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from fazhi.law.citations import (
    Citation,
    CitationSyntaxError,
    ProvisionNotFound,
    render_citation,
    resolve_citation,
)
from fazhi.law.models import LawVersion, Provision
from fazhi.law.statutes import ITEM_RE

register = template.Library()


@register.inclusion_tag("law/_cite.html")
def cite(
    target: Provision | Citation | str, on: dt.date | None = None, short: bool = False
) -> dict[str, Any]:
    provision = target if isinstance(target, Provision) else None
    error = ""
    if provision is None:
        try:
            provision = resolve_citation(target, on=on)  # type: ignore[arg-type]  # not a Provision here
        except (CitationSyntaxError, ProvisionNotFound) as exc:
            error = str(exc)
    if provision is None:
        return {"label": str(target), "error": error}
    return {
        "label": render_citation(provision, short=short),
        "provision": provision,
        "url": provision.get_absolute_url(),
        "content": provision.text,
        "is_confirmed": provision.is_confirmed,
    }


@register.filter
def citation(provision: Provision, style: str = "") -> str:
    """Return the citation of PROVISION as plain text; ``|citation:"short"`` for the short title."""
    return render_citation(provision, short=style == "short")


@register.filter
def statute_lines(text: str) -> list[tuple[str, bool]]:
    """Split a provision's text into (line, is_item) pairs so items (项) can be indented."""
    return [(line, bool(ITEM_RE.match(line))) for line in text.splitlines() if line.strip()]


@register.filter
def in_force_on(version: LawVersion, day: dt.date) -> bool:
    """``{% if version|in_force_on:today %}``: whether VERSION is in force on DAY."""
    return bool(version.in_force_on(day))

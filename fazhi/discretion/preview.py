"""The benchmark as the case pages show it: the offences to choose from, their facts, a preview.

``offence_choices`` and ``offence_facts`` read the listing of ``engine.offences`` (computed once
per loaded library). ``preview`` gives the recommendation for a case's facts before the officer
decides, on the same facts ``review.review_decision`` will read (the suspect's birth date or the
organisation flag added from the case's parties) and the same dates (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from django.utils.translation import gettext_lazy as _

from fazhi.discretion.confirmations import confirmed_rule_keys
from fazhi.discretion.engine import Decision, Penalty, decide, offences
from fazhi.discretion.packs import Library, load_library
from fazhi.discretion.review import SHANGHAI, describe, with_suspect

if TYPE_CHECKING:
    from fazhi.cases.models import Case

# Display names of the enum values the packs use (the stored value stays the code).
CHOICE_LABELS = {
    "none": _("无"),
    "minor": _("轻微"),
    "ordinary": _("一般"),
    "serious": _("严重"),
    "excessive": _("防卫过当"),
    "excessive_minor": _("防卫过当，情节较轻"),
    "below_minor": _("未达轻微伤"),
    "restricted": _("限制进入"),
    "prohibited": _("禁止进入"),
}

_listing: tuple[Library, dict[str, dict[str, Any]]] | None = None


def _by_code(library: Library | None = None) -> dict[str, dict[str, Any]]:
    global _listing  # a cache tied to the loaded library object
    lib = library or load_library()
    if _listing is None or _listing[0] is not lib:
        _listing = (lib, {entry["code"]: entry for entry in offences(lib)})
    return _listing[1]


def offence_choices(item_code: str | None = None) -> list[tuple[str, str]]:
    """Return (code, "code name") of every offence, or of those listing ITEM_CODE."""
    return [
        (code, f"{code} {entry['name']}")
        for code, entry in _by_code().items()
        if item_code is None or item_code in entry["items"]
    ]


def offence_name(code: str) -> str:
    entry = _by_code().get(code)
    return entry["name"] if entry else code


def offence_facts(code: str) -> list[dict[str, Any]]:
    """Return the facts OFFENCE reads (every version's), as ``Fact.as_dict``; [] if unknown."""
    entry = _by_code().get(code)
    return list(entry["facts"]) if entry else []


def offences_by_item(library: Library | None = None) -> dict[str, str]:
    """Return item code → the first offence listing it (packs in code order)."""
    found: dict[str, str] = {}
    for code, entry in _by_code(library).items():
        for item in entry["items"]:
            found.setdefault(item, code)
    return found


def preview(case: Case, facts: dict[str, Any], decided_on: dt.date) -> Decision:
    """Return the recommendation for CASE on FACTS, decided on DECIDED_ON (before deciding).

    Raises ``engine.InvalidFacts`` (naming the fact) when the facts cannot be decided.
    """
    suspect = case.parties.filter(role="suspect").order_by("id").first()
    return decide(
        case.offence_code,
        with_suspect(facts, suspect),
        case.act_at.astimezone(SHANGHAI).date(),
        decided_on,
        confirmed=confirmed_rule_keys(),
    )


def describe_stored(recommendation: dict[str, Any]) -> str:
    """Return a stored recommendation (DecisionReview.recommendation) in one line."""
    penalties = tuple(
        Penalty(p["kind"], p["min"], p["max"], p["unit"], p["mode"])
        for p in recommendation.get("penalties") or ()
    )
    shown = SimpleNamespace(
        outcome=recommendation.get("outcome"),
        discretionary=recommendation.get("discretionary", False),
        penalties=penalties,
    )
    # describe reads only the outcome, discretionary and the penalties of a Decision
    return describe(cast(Decision, shown))

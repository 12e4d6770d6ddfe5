"""The published penalty discretion benchmarks (裁量基准) and a page to try them (no login).

Everything shown is generated from the packs under rules/discretion/ — the rules the engine
applies — with each rule's citation, and the "unverified" notice wherever a result depends on
a rule not yet confirmed against the official text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect

from fazhi.discretion.confirmations import confirmed_rule_keys
from fazhi.discretion.engine import UNVERIFIED_MESSAGE, InvalidFacts, decide, offences
from fazhi.discretion.packs import load_library
from fazhi.discretion.plain import offence_table
from fazhi.discretion.review import describe


def benchmark_index(request: HttpRequest) -> HttpResponse:
    """List the published packs: law, version, effective dates, unverified marks, offences."""
    library = load_library()
    packs = [
        {
            "pack": pack,
            "offences": [
                {"code": code, "name": offence.name, "unverified": offence.rule.unverified}
                for code, offence in pack.offences.items()
            ],
        }
        for pack in sorted(library.packs, key=lambda p: (p.series, p.effective_from))
    ]
    return render(request, "portal/benchmarks.html", {"packs": packs})


def benchmark_detail(request: HttpRequest, pack: str, offence: str) -> HttpResponse:
    """Show one offence's benchmark in one pack as a readable table."""
    library = load_library()
    found = next((p for p in library.packs if p.name == pack), None)
    if found is None or offence not in found.offences:
        raise Http404("no such benchmark")
    item = found.offences[offence]
    context = {"pack": found, "offence": item, "table": offence_table(item)}
    return render(request, "portal/benchmark_detail.html", context)


def _field(fact: dict[str, Any], raw: str | None, checked: bool) -> Any:
    """Return the fact value of one form field, None when left empty."""
    if fact["type"] == "bool":
        return True if checked else None
    if raw in (None, ""):
        return None
    if fact["type"] == "int":
        try:
            return int(raw)
        except ValueError:
            raise InvalidFacts(
                _("“%(label)s”应为整数。") % {"label": fact["label"]}, field=fact["name"]
            ) from None
    return raw


def _day(raw: str, name: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidFacts(
            _("请填写%(label)s（年-月-日）。") % {"label": label}, field=name
        ) from None


@csrf_protect
def benchmark_try(request: HttpRequest) -> HttpResponse:
    """Let anyone enter the facts of an offence and see the recommended range and its basis."""
    listing = offences()
    code = request.POST.get("offence") or request.GET.get("offence") or ""
    chosen = next((o for o in listing if o["code"] == code), None)
    today = timezone.localdate().isoformat()
    context: dict[str, Any] = {
        "offences": listing,
        "chosen": chosen,
        "values": {"act_date": today, "decision_date": today},
    }
    if chosen is not None:
        context["fields"] = [f for f in chosen["facts"] if f["name"] != "discovered_on"]
    if request.method == "POST" and chosen is not None:
        values = {k: request.POST.get(k, "") for k in request.POST}
        context["values"] = values
        try:
            facts = {}
            for fact in context["fields"]:
                value = _field(fact, values.get(fact["name"]), fact["name"] in request.POST)
                if value is not None:
                    facts[fact["name"]] = value
            decision = decide(
                code,
                facts,
                _day(values.get("act_date", ""), "act_date", _("违法行为日期")),
                _day(values.get("decision_date", ""), "decision_date", _("决定日期")),
                confirmed=confirmed_rule_keys(),
            )
        except InvalidFacts as exc:
            context["error"] = exc
        else:
            context["decision"] = decision
            context["summary"] = describe(decision)
            context["unverified_message"] = UNVERIFIED_MESSAGE if decision.unverified else ""
    return render(request, "portal/benchmark_try.html", context)


__all__ = ["benchmark_detail", "benchmark_index", "benchmark_try"]

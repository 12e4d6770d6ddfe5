"""Record the benchmark's recommendation beside a case's decision, and refuse silent deviations.

``fazhi.cases.procedure.record_event`` calls ``review_decision`` for every ``decide`` event of
a case whose ``offence_code`` is set, inside its transaction. The facts come from the event's
``data["facts"]`` plus the suspect's birth date (or the organisation flag) from the case's
parties; the dates are the act's and the decision's (Asia/Shanghai). A decision outside the
recommended range needs ``data["deviation_reason"]`` (《中华人民共和国行政处罚法》第三十四条:
行政机关应当依照裁量基准实施行政处罚 — deviations must be explained); with one it is
accepted and flagged ``within_range=False`` for the supervision warning rule.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.core.errors import LegalRuleViolation
from fazhi.discretion.confirmations import confirmed_rule_keys
from fazhi.discretion.engine import Decision, InvalidFacts, decide
from fazhi.discretion.models import DecisionReview
from fazhi.discretion.packs import Library

if TYPE_CHECKING:
    from fazhi.cases.models import Case, Party, ProceduralEvent

BASIS_BENCHMARK = "《中华人民共和国行政处罚法》第三十四条"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class DecisionOutsideBenchmark(LegalRuleViolation):
    """A decision outside the recommended range, without a written reason."""

    code = "outside_benchmark"


class DecisionFactsInvalid(LegalRuleViolation):
    """The facts recorded with the decision cannot be evaluated by the benchmark."""

    code = "discretion_facts"


def _local_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(SHANGHAI).date()


def facts_of(case: Case, event: ProceduralEvent) -> dict[str, Any]:
    """Return the facts of EVENT's decision: data["facts"] plus the suspect's age or kind."""
    given = event.data.get("facts") or {}
    if not isinstance(given, dict):
        raise DecisionFactsInvalid(
            _("决定环节的 facts 应为“事实名: 值”的对象，而不是 %(value)r。") % {"value": given},
            field="data.facts",
        )
    return with_suspect(given, case.parties.filter(role="suspect").order_by("id").first())


def with_suspect(given: dict[str, Any], suspect: Party | None) -> dict[str, Any]:
    """Return GIVEN plus the suspect's birth date, or the organisation flag (if not given)."""
    facts = dict(given)
    if suspect is not None and "organisation" not in facts:
        if suspect.kind == "organisation":
            facts["organisation"] = True
        elif suspect.birth_date is not None and "offender_birth_date" not in facts:
            facts["offender_birth_date"] = suspect.birth_date.isoformat()
    return facts


def _amount(value: Any, field: str) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise DecisionFactsInvalid(
            _("%(field)s 的值 %(value)r 不是数额。") % {"field": field, "value": value},
            field=field,
        ) from None
    if not amount.is_finite() or amount < 0:
        raise DecisionFactsInvalid(
            _("%(field)s 的值 %(value)r 不能为负数。") % {"field": field, "value": value},
            field=field,
        )
    return amount


def decided_values(data: dict[str, Any]) -> dict[str, Any]:
    """Return what the decision imposed: outcome, warning, fine (yuan), detention (days)."""
    return {
        "outcome": "no_penalty" if data.get("outcome") == "no_penalty" else "penalty",
        "warning": bool(data.get("warning")),
        "fine": _amount(data.get("fine"), "data.fine"),
        "detention_days": int(_amount(data.get("detention_days"), "data.detention_days")),
    }


def within_range(decision: Decision, decided: dict[str, Any]) -> bool:
    """Return True if DECIDED (see ``decided_values``) is inside DECISION's recommendation.

    No penalty recommended: only no penalty is inside, unless the recommendation is
    discretionary (首违不罚: 可以不予处罚, so a penalty is lawful too). A penalty recommended:
    no penalty is outside; each fine and detention imposed lies in its range; a kind the
    recommendation does not contain is not imposed; a required kind is imposed; of
    alternatives (或者) at least one is imposed. ``audit.within_columns`` is the column form.
    """
    penalised = decided["outcome"] == "penalty"
    if decision.outcome == "no_penalty":
        return not penalised or decision.discretionary
    if not penalised:
        return False
    amounts = {
        "warning": 1 if decided["warning"] else 0,
        "fine": decided["fine"],
        "detention": decided["detention_days"],
    }
    alternatives = []
    for kind, amount in amounts.items():
        found = next((p for p in decision.penalties if p.kind == kind), None)
        if found is None:
            if amount > 0:
                return False
            continue
        if amount > 0 and kind != "warning" and not found.min <= amount <= found.max:
            return False
        if amount == 0 and found.mode == "required":
            return False
        if found.mode == "alternative":
            alternatives.append(amount > 0)
    return not alternatives or any(alternatives)


def review_decision(
    case: Case, event: ProceduralEvent, *, actor: Any, library: Library | None = None
) -> DecisionReview | None:
    """Record the benchmark's recommendation for EVENT (a decide event of CASE); audited.

    Returns None when the case names no offence. Raises ``DecisionFactsInvalid`` when the facts
    cannot be evaluated and ``DecisionOutsideBenchmark`` for a decision outside the range
    without ``data["deviation_reason"]``.
    """
    if not case.offence_code or event.kind != "decide":
        return None
    facts = facts_of(case, event)
    confirmed = confirmed_rule_keys()
    row, decision = review_row(
        case, event, facts, actor=actor, confirmed=confirmed, library=library
    )
    if event.corrects_id:
        DecisionReview.objects.filter(event_id=event.corrects_id).update(is_current=False)
    row.save()
    audit.record(
        actor,
        "discretion.review",
        row,
        changes={
            "case": case.number,
            "offence": case.offence_code,
            "version": decision.version_applied,
            "recommended": describe(decision),
            "within_range": row.within_range,
            "deviation_reason": row.deviation_reason,
        },
    )
    return row


def review_row(
    case: Case,
    event: ProceduralEvent,
    facts: dict[str, Any],
    *,
    actor: Any,
    confirmed: frozenset[str] | set[str],
    library: Library | None = None,
) -> tuple[DecisionReview, Decision]:
    """Return the unsaved DecisionReview of EVENT on FACTS (see ``facts_of``), and the Decision.

    The rules of ``review_decision`` without the writes; the demo loader builds its rows in bulk
    with it. Raises ``DecisionFactsInvalid`` and ``DecisionOutsideBenchmark`` like it.
    """
    act_on = _local_date(case.act_at)
    decided_on = _local_date(event.occurred_at)
    try:
        decision = decide(
            case.offence_code,
            facts,
            act_on,
            decided_on,
            confirmed=confirmed,
            library=library,
        )
    except InvalidFacts as exc:
        raise DecisionFactsInvalid(
            _("裁量事实有误（%(field)s）：%(why)s") % {"field": exc.field, "why": exc},
            field=f"data.facts.{exc.field}",
        ) from None
    decided = decided_values(event.data)
    inside = within_range(decision, decided)
    reason = str(event.data.get("deviation_reason") or "").strip()
    if not inside and not reason:
        raise DecisionOutsideBenchmark(
            _("决定超出裁量基准的建议幅度（%(range)s），须在“%(field)s”中书面说明理由。")
            % {"range": describe(decision), "field": _("偏离理由")},
            field="data.deviation_reason",
            basis=BASIS_BENCHMARK,
        )
    recommendation = {
        key: value
        for key, value in decision.to_dict().items()
        if key
        in (
            "offence",
            "version_applied",
            "pack",
            "outcome",
            "penalties",
            "tier",
            "basis",
            "unverified",
            "unverified_message",
            "unverified_rules",
            "rules_applied",
            "discretionary",
            "detention_executable",
            "limitation_expired",
            "comparison",
        )
    }
    row = DecisionReview(
        case=case,
        event=event,
        unit_id=case.unit_id,
        offence_code=case.offence_code,
        act_on=act_on,
        decided_on=decided_on,
        facts=facts,
        recommendation=recommendation,
        version_applied=decision.version_applied,
        recommended_outcome=decision.outcome,
        tier=decision.tier or "",
        unverified=decision.unverified,
        decided_outcome=decided["outcome"],
        decided_warning=decided["warning"],
        decided_fine=decided["fine"] if decided["fine"] else None,
        decided_detention_days=decided["detention_days"] or None,
        within_range=inside,
        deviation_reason="" if inside else reason,
        created_at=timezone.now(),
        created_by=actor,
    )
    return row, decision


def describe(decision: Decision) -> str:
    """Return the recommendation in one line: 不予处罚, or the ranges (e.g. 罚款200-500元)."""
    if decision.outcome == "no_penalty":
        return _("可以不予处罚") if decision.discretionary else _("不予处罚")
    names = {"warning": _("警告"), "fine": _("罚款"), "detention": _("行政拘留")}
    units = {"yuan": _("元"), "days": _("日")}
    parts = []
    for p in decision.penalties:
        name = names.get(p.kind, p.kind)
        text = name if p.min is None else f"{name}{p.min}-{p.max}{units.get(p.unit or '', '')}"
        if p.mode == "optional":
            text += _("（可以并处）")
        elif p.mode == "alternative":
            text += _("（或）")
        parts.append(text)
    return "、".join(parts)

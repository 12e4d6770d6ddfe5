"""Say a pack's conditions and penalties in plain Chinese, for the published benchmark tables.

The public site (fazhi.portal) shows each benchmark as the bureau publishes it: tiers, their
conditions, the ranges and the general rules with their citations — all generated from the
pack, so the published table is the rule the engine applies.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fazhi.discretion.packs import Amount, Fact, Offence, PenaltyRule

DERIVED_LABELS = {"age": "年龄（周岁）", "tier_rank": "情节档次", "act_date": "违法行为日期"}
COMPARE = {
    "eq": "等于",
    "ne": "不等于",
    "lt": "少于",
    "lte": "不超过",
    "gt": "超过",
    "gte": "不少于",
}
KIND_NAMES = {
    "warning": "警告",
    "fine": "罚款",
    "detention": "行政拘留",
    "confiscation": "没收违法所得",
    "licence_revocation": "吊销许可证",
}
EFFECT_NAMES = {
    "no_penalty": "不予处罚",
    "may_no_penalty": "可以不予处罚",
    "reduce": "减轻处罚",
    "lighter": "从轻处罚",
    "heavier": "从重处罚",
    "detention_not_executed": "不执行行政拘留",
    "drop_detention": "不适用行政拘留",
    "refuse": "不适用本基准",
    "note": "提示",
}


def _label(name: str, facts: dict[str, Fact]) -> str:
    if name in facts:
        return facts[name].label or name
    return DERIVED_LABELS.get(name, name)


def condition_text(node: Any, facts: dict[str, Fact]) -> str:
    """Return condition NODE (pack syntax) as a Chinese phrase.

    >>> condition_text({"fact": "amount", "gte": 500}, {})
    'amount不少于500'
    """
    if node == "always" or node is True:
        return "任何情形"
    if "all" in node:
        return "，且".join(condition_text(part, facts) for part in node["all"])
    if "any" in node:
        parts = [condition_text(part, facts) for part in node["any"]]
        return "（" + "；或者".join(parts) + "）" if len(parts) > 1 else parts[0]
    if "not" in node:
        return "并非（" + condition_text(node["not"], facts) + "）"
    name = node["fact"]
    label = _label(name, facts)
    op = next(key for key in node if key != "fact")
    value = node[op]
    if name == "tier_rank" and op == "eq" and value == 0:
        return "属于最轻一档"
    if op == "within_months_before_act":
        return f"{label}在违法行为前{value}个月以内"
    if op in ("in", "not_in"):
        joined = "、".join(str(v) for v in value)
        return f"{label}为{joined}之一" if op == "in" else f"{label}不是{joined}"
    if isinstance(value, bool):
        return f"{label}" if (value is True) == (op == "eq") else f"非“{label}”"
    return f"{label}{COMPARE[op]}{value}"


def _amount(amount: Amount) -> str:
    if amount.of is None:
        return str(amount.const)
    return f"{amount.of}×{amount.times}"


def penalty_text(penalty: PenaltyRule, facts: dict[str, Fact]) -> str:
    """Return one penalty of a tier in words, e.g. 罚款200元以上500元以下（或者）."""
    name = KIND_NAMES.get(penalty.kind, penalty.kind)
    if penalty.kind in ("warning", "licence_revocation"):
        text = name
    elif penalty.kind == "confiscation":
        text = f"{name}（{_label(penalty.min.of or '', facts)}）"
    else:
        unit = "元" if penalty.kind == "fine" else "日"
        low, high = _amount(penalty.min), _amount(penalty.max)
        text = f"{name}{low}{unit}以上{high}{unit}以下"
    if penalty.mode == "optional":
        text += _("（可以并处）")
    elif penalty.mode == "alternative":
        text += _("（或者）")
    if penalty.when is not None:
        text += _("（有条件）")
    return text


def offence_table(offence: Offence) -> dict[str, Any]:
    """Return the offence's benchmark as rows for the public table."""
    raw = next(o for o in offence.pack.raw["offences"] if o["code"] == offence.code)
    tiers = [
        {
            "name": tier.name,
            "condition": condition_text(spec["when"], offence.facts),
            "penalties": [penalty_text(p, offence.facts) for p in tier.penalties],
            "citation": tier.rule.citation,
            "local": tier.rule.benchmark == "local",
            "unverified": tier.rule.unverified,
            "note": tier.rule.note,
        }
        for tier, spec in zip(offence.tiers, raw["tiers"], strict=True)
    ]
    pack = offence.pack
    rules = [  # the general layer's rules (with the pack's extensions), then the pack's own
        {
            "effect": EFFECT_NAMES.get(general.effect, general.effect),
            "condition": condition_text(general.when_node, offence.facts),
            "citation": general.rule.citation,
            "local": general.rule.benchmark == "local",
            "unverified": general.rule.unverified,
            "note": general.rule.note,
        }
        for general in (*pack.general_rules, *offence.rules)
    ]
    limitation = pack.limitation
    return {
        "tiers": tiers,
        "reduced": [penalty_text(p, offence.facts) for p in offence.reduced],
        "reduced_citation": offence.reduced_rule.citation if offence.reduced else "",
        "rules": rules,
        "limitation": {
            "months": limitation.months,
            "citation": limitation.rule.citation,
            "note": limitation.rule.note,
        },
    }

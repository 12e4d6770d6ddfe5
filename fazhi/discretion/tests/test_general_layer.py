"""The general layer (rules/discretion/general/general.yaml): the rules every pack inherits.

行政处罚法 (不予处罚 第三十条、第三十一条、第三十三条, 从轻减轻 第三十条、第三十二条, 时效
第三十六条, 从旧兼从轻 第三十七条) and 程序规定 第一百六十四条 (不送拘留所执行) are written once;
every pack applies them, and a pack's special provision adds to them (治安法 第二十一条).
"""

from __future__ import annotations

import datetime as dt

import pytest

from fazhi.core.rulepacks import RulePackError
from fazhi.discretion.engine import decide
from fazhi.discretion.packs import load_library, load_pack

ACT, DECIDED = dt.date(2025, 3, 1), dt.date(2025, 3, 20)
ACT_2026, DECIDED_2026 = dt.date(2026, 3, 1), dt.date(2026, 3, 20)
ART_164 = "《公安机关办理行政案件程序规定》第一百六十四条"
FRAUD = {"harm": "minor", "illegal_gains": 6000}
BEAT = {"harm": "minor", "injury": "minor"}


def _fraud(**facts):
    return decide("fz.fraud_participation", {**FRAUD, **facts}, ACT, DECIDED)


def _cites(decision, rule_id: str) -> str:
    return next(step.citation for step in decision.trace if step.rule.endswith(f"#{rule_id}"))


def test_a_fifteen_year_old_under_the_anti_fraud_pack_is_not_sent_to_detention():
    decision = _fraud(offender_birth_date="2009-06-01")

    assert decision.detention_executable is False
    assert "not-executed-14-15" in decision.rules_applied
    assert f"{ART_164}第（一）项" in decision.basis


@pytest.mark.parametrize(
    ("facts", "rule", "item"),
    [
        ({"offender_birth_date": "2008-06-01", "first_violation": True}, "not-executed-16-17-first", 2),
        ({"offender_birth_date": "1955-02-28"}, "not-executed-70", 3),
        ({"offender_birth_date": "1995-01-01", "pregnant_or_nursing_infant": True}, "not-executed-pregnant", 4),
    ],
)  # fmt: skip
def test_every_ground_of_article_164_applies_to_the_anti_fraud_pack(facts, rule, item):
    decision = _fraud(**facts)

    assert decision.detention_executable is False
    assert rule in decision.rules_applied
    assert f"{ART_164}第（{'一二三四'[item - 1]}）项" in decision.basis


@pytest.mark.parametrize(
    "facts",
    [
        {"offender_birth_date": "2008-06-01", "first_violation": True, "prior_exemption_or_conviction": True},
        {"offender_birth_date": "2008-06-01"},  # not a first violation
        {"offender_birth_date": "1955-03-01"},  # the 70th birthday: still 69 (ADR 0015)
    ],
)  # fmt: skip
def test_detention_is_executed_outside_article_164(facts):
    assert _fraud(**facts).detention_executable is True


def test_the_public_order_packs_cite_article_21_beside_article_164():
    decision = decide("za.beat", {**BEAT, "offender_birth_date": "2009-06-01"}, ACT, DECIDED)

    assert decision.detention_executable is False
    assert _cites(decision, "not-executed-14-15") == (
        f"《中华人民共和国治安管理处罚法》第二十一条第（一）项；{ART_164}第（一）项"
    )


def test_a_16_year_old_first_offender_with_a_conviction_is_detained_under_the_2012_law_too():
    facts = {**BEAT, "offender_birth_date": "2008-06-01", "first_violation": True}

    exempt = decide("za.beat", facts, ACT, DECIDED)
    convicted = decide("za.beat", {**facts, "prior_exemption_or_conviction": True}, ACT, DECIDED)

    assert exempt.detention_executable is False
    assert convicted.detention_executable is True


def test_the_2025_exceptions_replace_the_condition_of_the_inherited_rule():
    facts = {**BEAT, "offender_birth_date": "2011-06-01"}

    plain = decide("za.beat", facts, ACT_2026, DECIDED_2026)
    repeated = decide("za.beat", {**facts, "repeat_within_year": True}, ACT_2026, DECIDED_2026)

    assert plain.detention_executable is False
    assert repeated.detention_executable is True


@pytest.mark.parametrize(
    ("fact", "rule", "item"),
    [("remedied_harm", "remedied", "一"), ("confessed_unknown_acts", "confessed", "三")],
)
@pytest.mark.parametrize(
    ("code", "facts", "act", "decided"),
    [
        ("za.beat", {**BEAT, "offender_birth_date": "1990-05-01"}, ACT, DECIDED),
        ("za.beat", {**BEAT, "offender_birth_date": "1990-05-01"}, ACT_2026, DECIDED_2026),
        ("fz.fraud_participation", {**FRAUD, "offender_birth_date": "1990-05-01"}, ACT, DECIDED),
    ],
)
def test_article_32_items_1_and_3_are_grounds_of_their_own(
    fact, rule, item, code, facts, act, decided
):
    plain = decide(code, facts, act, decided)
    lighter = decide(code, {**facts, fact: True}, act, decided)

    assert lighter.rules_applied == (rule,)
    assert f"《中华人民共和国行政处罚法》第三十二条第（{item}）项" in lighter.basis
    detention = next(p for p in lighter.penalties if p.kind == "detention")
    before = next(p for p in plain.penalties if p.kind == "detention")
    assert (detention.min, detention.max) == (
        before.min,
        before.min + (before.max - before.min) // 2,
    )


def test_every_pack_inherits_the_same_general_rules():
    library = load_library()
    inherited = {
        "under-14", "mental-illness", "no-fault", "minor-no-penalty", "first-violation",
        "minor-14-17", "minor-14-17-first", "remedied", "coerced", "confessed", "merit",
        "not-executed-14-15", "not-executed-16-17-first", "not-executed-70",
        "not-executed-pregnant",
    }  # fmt: skip

    for pack in library.packs:
        ids = {general.rule.id for general in pack.general_rules}
        assert inherited <= ids, pack.name
        assert pack.transition is not None
        assert pack.transition.citation == "《中华人民共和国行政处罚法》第三十七条"


def test_a_pack_without_its_own_limitation_inherits_article_36():
    library = load_library()
    fraud = next(p for p in library.packs if p.name == "fzfa-2022")

    assert fraud.limitation.rule.citation == "《中华人民共和国行政处罚法》第三十六条第一款"
    assert (fraud.limitation.months, fraud.limitation.extended_months) == (24, 60)


def test_the_transition_basis_comes_from_the_general_layer():
    decision = decide("za.beat", {**BEAT, "offender_birth_date": "1990-05-01"}, ACT, DECIDED_2026)

    assert decision.comparison is not None
    assert decision.comparison.basis == "《中华人民共和国行政处罚法》第三十七条"


# --------------------------------------------------------------------------- loading errors


def _folder(tmp_path, settings, pack_text: str):
    folder = tmp_path / "discretion"
    (folder / "general").mkdir(parents=True)
    layer = settings.RULES_DIR / "discretion" / "general" / "general.yaml"
    (folder / "general" / "general.yaml").write_text(layer.read_text(encoding="utf-8"))
    path = folder / "test-2012.yaml"
    path.write_text(pack_text, encoding="utf-8")
    return path


PACK = """\
law: 中华人民共和国治安管理处罚法
id: test
version: "2012-10-26"
effective_from: 2013-01-01
effective_to: 2025-12-31
general_rules:
{rules}
offences:
  - code: t.beat
    name: 殴打他人
    cite: 《中华人民共和国治安管理处罚法》第四十三条
    statutory:
      detention: {{max: 15}}
    tiers:
      - name: 一般
        cite: 《中华人民共和国治安管理处罚法》第四十三条第一款
        when: always
        penalties:
          - {{kind: detention, max: 5}}
    reduced:
      cite: 《中华人民共和国治安管理处罚法》第十九条
      penalties:
        - {{kind: detention, max: 1}}
title: 测试基准
source: test
"""


def test_a_pack_rule_reusing_a_layer_id_must_say_it_extends_it(tmp_path, settings):
    rules = "  - id: under-14\n    when: always\n    effect: no_penalty\n    cite: 《中华人民共和国治安管理处罚法》第十二条"
    path = _folder(tmp_path, settings, PACK.format(rules=rules))

    with pytest.raises(RulePackError) as excinfo:
        load_pack(path)

    assert str(excinfo.value).startswith("test-2012.yaml:7 [under-14]: rule id 'under-14' is a")
    assert "extends: under-14" in str(excinfo.value)


def test_extending_a_rule_the_layer_does_not_have_is_an_error(tmp_path, settings):
    rules = "  - extends: under-12\n    cite: 《中华人民共和国治安管理处罚法》第十二条"
    path = _folder(tmp_path, settings, PACK.format(rules=rules))

    with pytest.raises(RulePackError, match=r"test-2012.yaml:7 \[under-12\]: extends 'under-12'"):
        load_pack(path)


def test_an_extension_adds_its_citation_first_and_keeps_the_layer_condition(tmp_path, settings):
    rules = "  - extends: not-executed-70\n    cite: 《中华人民共和国治安管理处罚法》第二十一条第（三）项"
    pack = load_pack(_folder(tmp_path, settings, PACK.format(rules=rules)))

    rule = next(g for g in pack.general_rules if g.rule.id == "not-executed-70")

    assert rule.rule.citation == (
        f"《中华人民共和国治安管理处罚法》第二十一条第（三）项；{ART_164}第（三）项"
    )
    assert rule.effect == "detention_not_executed"
    assert rule.when({"age": 70})
    assert not rule.when({"age": 69})


# --------------------------------------------------------------------------- one numbering

PACK_2025 = """\
law: 中华人民共和国治安管理处罚法
id: test
version: "2025-06-27"
effective_from: 2026-01-01
limitation:
  months: 6
  cite: 《中华人民共和国治安管理处罚法》第二十二条
  cite_note: 2012年文本条号；2025年修订文本条号未核实
general_rules:
  - id: surrender
    when: {{fact: voluntary_surrender, eq: true}}
    effect: reduce
    cite: 《中华人民共和国治安管理处罚法》第十九条第（四）项
    cite_note: 2012年文本条号；2025年修订文本条号未核实
  - id: later
    when: {{fact: voluntary_surrender, eq: true}}
    effect: {effect}
    cite: 《中华人民共和国治安管理处罚法》第{article}条
    cite_note: {note}
offences:
  - code: t.beat
    name: 殴打他人
    cite: 《中华人民共和国治安管理处罚法》第四十三条
    cite_note: 2012年文本条号；2025年修订文本条号未核实
    statutory:
      detention: {{max: 15}}
    tiers:
      - name: 一般
        cite: 《中华人民共和国治安管理处罚法》第四十三条第一款
        cite_note: 2012年文本条号；2025年修订文本条号未核实
        when: always
        penalties:
          - {{kind: detention, max: 5}}
    reduced:
      cite: 《中华人民共和国治安管理处罚法》第十九条
      cite_note: 2012年文本条号；2025年修订文本条号未核实
      penalties:
        - {{kind: detention, max: 1}}
title: 测试基准
source: test
"""


def _pack_2025(tmp_path, settings, **fields) -> str:
    path = _folder(tmp_path, settings, PACK_2025.format(**fields))
    with pytest.raises(RulePackError) as excinfo:
        load_pack(path)
    return str(excinfo.value)


def test_two_rules_under_one_number_in_two_numberings_are_refused(tmp_path, settings):
    message = _pack_2025(
        tmp_path,
        settings,
        effect="no_penalty",
        article="十九",
        note="2025年修订文本新增条文，未核实",
    )

    assert message.startswith(
        "test-2012.yaml:15 [later]: 《中华人民共和国治安管理处罚法》第十九条 is cited in the 2025 "
        "text's numbering here and in the 2012 text's numbering by 'surrender' (line"
    )


def test_the_limitation_and_a_heavier_ground_cannot_share_a_number(tmp_path, settings):
    message = _pack_2025(
        tmp_path, settings, effect="heavier", article="二十二", note="2025年修订文本条号，未核实"
    )

    assert message.startswith(
        "test-2012.yaml:15 [later]: 《中华人民共和国治安管理处罚法》第二十二条"
    )
    assert "'limitation' (line 6)" in message or "by 'limitation' (line 6)" in message


def test_one_pack_version_cites_its_law_in_one_numbering(tmp_path, settings):
    message = _pack_2025(tmp_path, settings, effect="heavier", article="二十", note="据二手资料")

    assert message.startswith(
        "test-2012.yaml:15 [later]: 《中华人民共和国治安管理处罚法》第二十条 uses the 2025 text's "
        "numbering, 'limitation' (line 6) the 2012 text's"
    )


def test_the_same_numbering_everywhere_loads(tmp_path, settings):
    path = _folder(
        tmp_path,
        settings,
        PACK_2025.format(effect="heavier", article="二十", note="2012年文本条号；2025年未核实"),
    )

    assert load_pack(path).general_rules[-1].rule.id == "later"


def test_the_2025_pack_cites_each_number_of_the_law_for_one_rule_only():
    pack = next(p for p in load_library().packs if p.name == "zaglcff-2025")
    rules = {g.rule.id: g.rule for g in pack.general_rules}

    assert "治安管理处罚法" not in rules["self-defence-minor"].citation.split("（")[0]
    assert "治安管理处罚法" not in rules["self-defence-excessive"].citation.split("（")[0]
    assert rules["penalised-within-1-year"].cite == (
        "《中华人民共和国治安管理处罚法》第二十条第（四）项",
    )
    assert pack.limitation.rule.cite == ("《中华人民共和国治安管理处罚法》第二十二条",)
    assert all(
        "2012年文本条号" in r.cite_note for r in pack.rules() if "治安管理处罚法" in "".join(r.cite)
    )

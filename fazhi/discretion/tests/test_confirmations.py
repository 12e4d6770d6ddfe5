import datetime as dt

import pytest
from django.conf import settings

from fazhi.audit.models import AuditEntry
from fazhi.core.errors import PermissionDeniedError
from fazhi.core.roles import Role
from fazhi.discretion.confirmations import ConfirmationError, confirm_rule, confirmed_rule_keys
from fazhi.discretion.engine import decide
from fazhi.discretion.packs import load_library

FACTS = {"harm": "minor", "injury": "minor", "offender_birth_date": "1990-05-01"}
SOURCE = "全国人大常委会公报2025年第X号（治安管理处罚法修订文本）"


def decide_2026(confirmed=frozenset()):
    return decide("za.beat", FACTS, dt.date(2026, 3, 1), dt.date(2026, 3, 20), confirmed=confirmed)


def test_a_legal_officer_confirms_the_rules_and_the_mark_goes_away(make_user):
    officer = make_user(Role.LEGAL_OFFICER)
    assert decide_2026().unverified_rules == ("zaglcff-2025#za.beat", "zaglcff-2025#za.beat/一般")
    confirm_rule(officer, "zaglcff-2025", "za.beat", source=SOURCE)
    assert decide_2026(confirmed_rule_keys()).unverified_rules == ("zaglcff-2025#za.beat/一般",)
    row = confirm_rule(
        officer, "zaglcff-2025", "za.beat/一般", source=SOURCE, note="核对第五十一条"
    )
    decision = decide_2026(confirmed_rule_keys())
    assert (decision.unverified, decision.unverified_message) == (False, None)
    assert (row.confirmed_by, row.version_label, row.source) == (officer, "2025-06-27", SOURCE)
    entry = AuditEntry.objects.filter(action="discretion.rule.confirm").last()
    assert (entry.actor, entry.changes["rule"], entry.changes["source"]) == (
        officer,
        "za.beat/一般",
        SOURCE,
    )


def test_an_officer_without_review_capability_cannot_confirm(make_user):
    with pytest.raises(PermissionDeniedError):
        confirm_rule(make_user(Role.OFFICER), "zaglcff-2025", "za.beat", source=SOURCE)


@pytest.mark.parametrize(
    ("pack", "rule", "source", "field"),
    [
        ("zaglcff-2025", "za.beat", " ", "source"),
        ("nothing", "za.beat", SOURCE, "pack"),
        ("zaglcff-2025", "za.nothing", SOURCE, "rule_id"),
        ("zaglcff-2012", "za.beat", SOURCE, "rule_id"),  # verified already
    ],
)
def test_a_confirmation_needs_a_source_and_an_unverified_rule(make_user, pack, rule, source, field):
    with pytest.raises(ConfirmationError) as caught:
        confirm_rule(make_user(Role.LEGAL_OFFICER), pack, rule, source=source)
    assert caught.value.field == field


def test_editing_a_confirmed_rule_brings_the_mark_back(make_user, tmp_path):
    folder = tmp_path / "discretion"
    (folder / "general").mkdir(parents=True)
    for name in ("zaglcff-2012.yaml", "zaglcff-2025.yaml", "general/general.yaml"):
        (folder / name).write_text(
            (settings.RULES_DIR / "discretion" / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    library = load_library(tmp_path)
    confirm_rule(
        make_user(Role.LEGAL_OFFICER), "zaglcff-2025", "za.beat", source=SOURCE, library=library
    )
    path = folder / "zaglcff-2025.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "name: 殴打他人，故意伤害他人身体", "name: 殴打他人"
        ),
        encoding="utf-8",
    )
    edited = load_library(tmp_path)
    decision = decide(
        "za.beat",
        FACTS,
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 20),
        confirmed=confirmed_rule_keys(),
        library=edited,
    )
    assert "zaglcff-2025#za.beat" in decision.unverified_rules

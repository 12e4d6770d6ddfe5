"""Petition warnings through the one engine: the rule file's examples agree with the production
database, warnings open, escalate, close by themselves and are never duplicated."""

import datetime as dt
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from fazhi.core import warnings
from fazhi.core.rulepacks import ExampleResult
from fazhi.petitions import alerts
from fazhi.petitions import petitions as ops
from fazhi.petitions.models import PetitionWarning, PetitionWarningEvent
from fazhi.petitions.packs import run_examples
from fazhi.petitions.tests.factories import accepted_petition, at, receive

pytestmark = pytest.mark.django_db
RULES = Path(settings.RULES_DIR) / "petitions"


def test_the_sweep_opens_the_overdue_notice_warning_and_a_rescan_writes_nothing(tree):
    petition, _ = receive(tree["s1"])
    warnings.sweep(at("2026-03-18 12:00"))
    assert list(petition.warnings.filter(state="open").values_list("rule", "deadline_code")) == [
        ("XF_NOTICE_OVER", "notice")
    ]
    events = PetitionWarningEvent.objects.count()
    again = warnings.sweep(at("2026-03-18 12:05")).sources["petition"]
    assert (again.opened, again.closed) == (0, 0)
    assert PetitionWarningEvent.objects.count() == events


def test_the_overdue_warning_escalates_to_the_district_after_two_days(tree):
    receive(tree["s1"])
    warnings.sweep(at("2026-03-18 12:00"))
    warnings.sweep(at("2026-03-20 13:00"))
    assert PetitionWarning.objects.get(rule="XF_NOTICE_OVER").escalated_level == "district"


def test_sending_the_notice_closes_the_warning_in_the_same_transaction(tree):
    petition, actor = receive(tree["s1"])
    warnings.sweep(at("2026-03-18 12:00"))
    ops.classify(petition.claims.get(), {}, actor=actor, at=at("2026-03-19 09:00"))
    ops.send_notice(
        petition,
        sent_on=dt.date(2026, 3, 19),
        method="邮寄送达",
        actor=actor,
        at=at("2026-03-19 10:00"),
    )
    warning = PetitionWarning.objects.get(rule="XF_NOTICE_OVER")
    assert warning.state == "closed"
    assert warning.closed_reason == "no_longer_applies"


def test_an_extension_closes_the_handling_overdue_warning(tree):
    petition, actor = accepted_petition(tree["s1"])
    alerts.refresh([petition.pk], at("2026-05-01 12:00"))
    assert petition.warnings.filter(state="open", rule="XF_HANDLING_DUE").exists()
    ops.extend(petition, days=30, reason="需鉴定", approved_by="王局长", approved_on=dt.date(2026, 5, 2),
               actor=actor, at=at("2026-05-02 10:00"))  # fmt: skip
    assert not petition.warnings.filter(state="open").exists()


def test_every_example_of_the_petition_files_passes():
    results: list[ExampleResult] = []
    for path in sorted(RULES.glob("*.yaml")):
        results.extend(run_examples(path))
    assert len(results) == sum(
        len(yaml.safe_load(p.read_text(encoding="utf-8"))["examples"]) for p in RULES.glob("*.yaml")
    )
    assert [r for r in results if not r.passed] == []


def test_a_wrong_expectation_fails_the_example(tmp_path):
    text = (RULES / "routing.yaml").read_text(encoding="utf-8")
    broken = text.replace(
        "expect: {route: criminal, handled_as_petition: false}", "expect: {route: petition}"
    )
    (tmp_path / "petitions").mkdir()
    (tmp_path / "calendar").mkdir()
    path = tmp_path / "petitions" / "routing.yaml"
    path.write_text(broken, encoding="utf-8")
    failed = [r for r in run_examples(path) if not r.passed]
    assert [r.name for r in failed] == ["报案控告导入刑事立案程序"]
    assert "route: expected 'petition', got 'criminal'" in failed[0].detail

"""A normative document through its procedure: refusals cite their basis, publication sets the
number and dates, clean-up campaigns end with a published list, warnings through the engine."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from fazhi.core import warnings
from fazhi.rulebook import alerts, cleanup, lifecycle
from fazhi.rulebook.models import (
    CampaignScope,
    DocumentWarning,
    EndKind,
    MajorDecision,
    NormativeDocument,
)
from fazhi.rulebook.tests.factories import draft, published, reviewed

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def legal(tree, make_user):
    return make_user("legal_officer", tree["city"])


def test_publication_is_refused_without_a_legality_review(tree, legal):
    doc = draft(tree["city"], legal)

    with pytest.raises(lifecycle.StepRefused) as refused:
        lifecycle.record_step(doc, "publication", data={"number": "渝公规〔2026〕1号"}, actor=legal)

    assert "未经合法性审核" in str(refused.value)
    assert refused.value.basis == "《重大行政决策程序暂行条例》第二十五条第二款"
    assert doc.steps.filter(step="publication").count() == 0
    assert NormativeDocument.objects.get(pk=doc.pk).number == ""


def test_deliberation_is_refused_after_a_failed_review_and_allowed_after_a_passed_one(tree, legal):
    doc = draft(tree["city"], legal)
    lifecycle.record_step(
        doc,
        "legality_review",
        outcome="failed",
        data={"reviewer": "法制支队", "opinion": "超越法定权限设定罚款。"},
        actor=legal,
    )
    with pytest.raises(lifecycle.StepRefused):
        lifecycle.record_step(
            doc, "deliberation", outcome="adopted", data={"meeting": "局长办公会"}, actor=legal
        )

    reviewed(doc, legal, timezone.localdate())  # the latest review counts
    lifecycle.record_step(
        doc, "deliberation", outcome="adopted", data={"meeting": "局长办公会"}, actor=legal
    )

    assert [s.step for s in doc.steps.all()][-1] == "deliberation"


def test_the_page_shows_each_disabled_step_with_its_reason(tree, legal):
    doc = draft(tree["city"], legal)

    checks = {c.step.code: c for c in lifecycle.checks(doc)}

    assert checks["legality_review"].allowed is True
    assert checks["publication"].allowed is False
    assert checks["publication"].analogy is True
    assert checks["filing"].message == "公布后方可报送备案。"


def test_publication_sets_the_number_and_refuses_a_bad_one(tree, legal):
    doc = reviewed(draft(tree["city"], legal), legal, DAY)
    lifecycle.record_step(
        doc, "deliberation", outcome="adopted", data={"meeting": "会"}, actor=legal
    )
    lifecycle.record_step(doc, "signing", data={"signer": "局长"}, actor=legal)

    with pytest.raises(lifecycle.InvalidStep) as bad:
        lifecycle.record_step(
            doc,
            "publication",
            data={"number": "2026-1", "where": "网站", "effective_from": "2026-04-01"},
            on=DAY,
            actor=legal,
        )
    assert bad.value.field == "number"

    lifecycle.record_step(
        doc,
        "publication",
        data={
            "number": "渝公规〔2026〕3号",
            "where": "网站",
            "effective_from": "2026-04-01",
            "valid_until": "2031-03-31",
        },
        on=DAY,
        actor=legal,
    )
    doc.refresh_from_db()
    assert (doc.number, doc.published_on, doc.effective_from, doc.valid_until) == (
        "渝公规〔2026〕3号",
        DAY,
        dt.date(2026, 4, 1),
        dt.date(2031, 3, 31),
    )
    assert doc.is_in_force(dt.date(2026, 4, 1))
    assert not doc.is_in_force(dt.date(2026, 3, 31))


def test_versions_are_kept_and_compared(tree, legal):
    doc = draft(tree["city"], legal)
    lifecycle.add_version(
        doc,
        label="送审稿",
        text="第一条 为了规范本市养犬行为，制定本规定。\n第二条 本规定自2026年5月1日起施行。",
        actor=legal,
    )

    first, second = doc.versions.all()
    lines = lifecycle.diff(first, second)

    assert ("-", "第二条 本规定自公布之日起施行。") in lines
    assert ("+", "第二条 本规定自2026年5月1日起施行。") in lines
    assert first.text != second.text


def test_a_basis_is_resolved_against_the_law_and_a_wrong_one_is_refused(tree, legal, laws):
    doc = draft(tree["city"], legal)

    row = lifecycle.add_basis(doc, "《中华人民共和国行政处罚法》第十六条", actor=legal).row

    assert row.provision.article == 16
    with pytest.raises(lifecycle.InvalidStep):
        lifecycle.add_basis(doc, "《中华人民共和国行政处罚法》第九百条", actor=legal)


def test_warnings_watch_filing_and_validity(tree, legal):
    doc = published(
        tree["city"], legal, number="渝公规〔2026〕4号", on=DAY, valid_until=dt.date(2026, 8, 31)
    )
    at = dt.datetime(2026, 4, 6, 12, tzinfo=dt.UTC)

    warnings.run_source(alerts.DOCUMENTS, at)

    assert set(
        DocumentWarning.objects.filter(document=doc, state="open").values_list("rule", flat=True)
    ) == {
        "BEIAN_OVERDUE",  # 35 days after publication, not filed
        "YOUXIAOQI_ENDING",  # validity ends within six months
    }
    lifecycle.record_step(doc, "filing", data={"body": "市人民政府"}, actor=legal, at=at)
    assert set(
        DocumentWarning.objects.filter(document=doc, state="open").values_list("rule", flat=True)
    ) == {"YOUXIAOQI_ENDING"}


def test_a_clean_up_campaign_ends_with_the_published_list(tree, legal):
    keep = published(
        tree["city"], legal, number="渝公规〔2020〕1号", on=dt.date(2020, 1, 6), title="甲规定"
    )
    drop = published(
        tree["city"], legal, number="渝公规〔2020〕2号", on=dt.date(2020, 1, 6), title="乙规定"
    )
    campaign = cleanup.start(
        title="2026年度规范性文件清理",
        scope=CampaignScope.ALL,
        started_on=DAY,
        due_on=dt.date(2026, 6, 30),
        reviewers=[legal],
        actor=legal,
    )
    a, b = campaign.entries.order_by("document__number")
    cleanup.decide(a, outcome=EndKind.CONTINUED, reason="上位法未变化，继续有效。", actor=legal)

    with pytest.raises(cleanup.CleanupError, match="1 件"):
        cleanup.publish(campaign, actor=legal)
    with pytest.raises(cleanup.CleanupError):
        cleanup.decide(b, outcome=EndKind.REPEALED, reason="  ", actor=legal)

    cleanup.decide(b, outcome=EndKind.REPEALED, reason="调整对象已消失。", actor=legal)
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        cleanup.publish(campaign, actor=legal)

    listed = cleanup.published_list(campaign)
    assert [e.document_id for e in listed["继续有效"]] == [keep.pk]
    assert [e.document_id for e in listed["废止"]] == [drop.pk]
    drop.refresh_from_db()
    assert (drop.end_kind, drop.ended_on) == (EndKind.REPEALED, dt.date(2026, 7, 1))


def test_a_campaign_past_its_day_warns_for_each_document_without_an_outcome(tree, legal):
    doc = published(tree["city"], legal, number="渝公规〔2020〕5号", on=dt.date(2020, 1, 6))
    cleanup.start(
        title="清理",
        scope=CampaignScope.ALL,
        started_on=DAY,
        due_on=dt.date(2026, 6, 30),
        actor=legal,
    )

    warnings.run_source(alerts.DOCUMENTS, dt.datetime(2026, 7, 1, 4, tzinfo=dt.UTC))

    assert (
        DocumentWarning.objects.filter(document=doc, rule="QINGLI_OVERDUE", state="open").count()
        == 1
    )


def test_a_major_decision_is_not_deliberated_before_its_legality_review(tree, legal):
    decision = MajorDecision.objects.create(
        title="全市电动自行车通行管理措施",
        unit=tree["city"],
        created_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    )
    lifecycle.record_step(decision, "initiation", data={"reason": "事故多发"}, actor=legal)

    with pytest.raises(lifecycle.StepRefused) as refused:
        lifecycle.record_step(
            decision,
            "deliberation",
            outcome="adopted",
            data={"meeting": "常务会议", "minutes": "—"},
            actor=legal,
        )

    assert refused.value.basis == "《重大行政决策程序暂行条例》第二十五条第二款"


def test_a_clean_up_after_a_change_of_law_selects_the_documents_resting_on_it(tree, legal, laws):
    from fazhi.rulebook import impact

    resting = published(
        tree["city"], legal, number="渝公规〔2024〕1号", on=dt.date(2024, 3, 1), title="甲规定"
    )
    lifecycle.add_basis(resting, "《中华人民共和国治安管理处罚法》第七十五条", actor=legal)
    other = published(
        tree["city"], legal, number="渝公规〔2024〕2号", on=dt.date(2024, 3, 1), title="乙规定"
    )
    lifecycle.add_basis(other, "《中华人民共和国行政处罚法》第十六条", actor=legal)
    change = impact.open_tasks(
        impact.report_for("治安管理处罚法", "2012", "2025"), actor=legal
    ).change

    campaign = cleanup.start(
        title="治安管理处罚法修订后的专项清理",
        scope=CampaignScope.LAW_CHANGE,
        law_change=change,
        started_on=dt.date(2026, 1, 5),
        due_on=dt.date(2026, 3, 31),
        actor=legal,
    )

    assert [e.document_id for e in campaign.entries.all()] == [resting.pk]

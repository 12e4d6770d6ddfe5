"""The rulebook in a real browser: a normative document from draft to publication (publication
refused, with its basis, until the legality review and the deliberation are recorded), and a
clean-up campaign from selection to the published list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory, build_small_tree
from fazhi.rulebook.models import EndKind, NormativeDocument
from fazhi.rulebook.tests.factories import published
from tests.browser.conftest import CHROMIUM
from tests.browser.test_flows import PASSWORD, csp_errors, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture
def bureau(transactional_db):
    tree = build_small_tree()
    legal = UserFactory(
        username="fazhi", full_name="夏龙", role=Role.LEGAL_OFFICER, scope_unit=tree["city"]
    )
    return tree, legal


def _step(page, code: str):
    return page.locator(f"[data-step={code}]")


def test_a_document_goes_from_draft_to_publication_only_after_its_review(
    page, live_server, bureau, console_errors
):
    page.goto("/rulebook/")
    log_in(page, "fazhi", PASSWORD)
    page.get_by_text("起草新文件").click()
    page.fill("#new-title", "关于规范养犬登记管理的规定")
    page.fill("#new-text", "第一条 为了规范养犬登记……\n第二条 本规定自公布之日起施行。")
    page.get_by_role("button", name="创建").click()
    expect(page.get_by_test_id("title")).to_have_text("关于规范养犬登记管理的规定")

    publication = _step(page, "publication")
    expect(publication).to_have_attribute("data-allowed", "0")
    expect(publication.get_by_test_id("refusal")).to_contain_text("未经合法性审核")
    expect(publication.get_by_test_id("refusal")).to_contain_text(
        "《重大行政决策程序暂行条例》第二十五条第二款"
    )
    expect(_step(page, "deliberation")).to_have_attribute("data-allowed", "0")

    review = _step(page, "legality_review")
    review.locator("select[name=outcome]").select_option("passed")
    review.locator("#f-legality_review-reviewer").fill("市局法制支队 夏龙")
    review.locator("#f-legality_review-opinion").fill(
        "制定主体、权限、程序合法，内容不与上位法抵触。"
    )
    review.get_by_role("button", name="登记").click()
    expect(page.get_by_test_id("history")).to_contain_text("合法性审核")

    deliberation = _step(page, "deliberation")
    expect(deliberation).to_have_attribute("data-allowed", "1")
    deliberation.locator("select[name=outcome]").select_option("adopted")
    deliberation.locator("#f-deliberation-meeting").fill("局长办公会")
    deliberation.get_by_role("button", name="登记").click()
    signing = _step(page, "signing")
    signing.locator("#f-signing-signer").fill("局长")
    signing.get_by_role("button", name="登记").click()

    publication = _step(page, "publication")
    expect(publication).to_have_attribute("data-allowed", "1")
    publication.locator("#f-publication-number").fill("渝公规〔2026〕8号")
    publication.locator("#f-publication-where").fill("市公安局门户网站")
    publication.locator("#f-publication-effective_from").fill(
        (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    )
    publication.get_by_role("button", name="登记").click()

    expect(page.get_by_test_id("published")).not_to_have_text("—")
    doc = NormativeDocument.objects.get()
    assert doc.number == "渝公规〔2026〕8号"
    assert [s.step for s in doc.steps.all()] == [
        "draft",
        "legality_review",
        "deliberation",
        "signing",
        "publication",
    ]
    assert csp_errors(console_errors) == []


def test_a_clean_up_campaign_ends_with_its_published_list(
    page, live_server, bureau, console_errors
):
    tree, legal = bureau
    keep = published(
        tree["city"], legal, number="渝公规〔2020〕1号", on=dt.date(2020, 1, 6), title="甲规定"
    )
    drop = published(
        tree["city"], legal, number="渝公规〔2020〕2号", on=dt.date(2020, 1, 6), title="乙规定"
    )
    page.goto("/rulebook/cleanup/")
    log_in(page, "fazhi", PASSWORD)
    page.get_by_text("开展清理").click()
    page.fill("#c-title", "2026年度规范性文件清理")
    page.fill("#c-due", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="开始清理").click()

    expect(page.get_by_test_id("entries")).to_contain_text("甲规定")
    expect(page.get_by_role("button", name="公布清理结果")).to_be_disabled()
    expect(page.get_by_test_id("publish-reason")).to_contain_text("还有 2 件")
    for title, outcome, reason in (
        ("甲规定", "continued", "与上位法一致，继续有效"),
        ("乙规定", "repealed", "调整对象已消失"),
    ):
        row = page.get_by_test_id("entries").locator("tr", has_text=title)
        row.locator("select[name=outcome]").select_option(outcome)
        row.locator("input[name=reason]").fill(reason)
        row.get_by_role("button", name="确定").click()
        expect(page.get_by_test_id("entries").locator("tr", has_text=title)).to_contain_text(reason)
    page.get_by_role("button", name="公布清理结果").click()

    listed = page.get_by_test_id("published-list")
    expect(listed).to_contain_text("继续有效（1）")
    expect(listed).to_contain_text("废止（1）")
    drop.refresh_from_db()
    keep.refresh_from_db()
    assert (drop.end_kind, keep.end_kind) == (EndKind.REPEALED, "")
    assert csp_errors(console_errors) == []

"""The API and the pages call the same domain functions: a refused step answers 422 with its
basis; the public pages list the documents in force and neutralise spreadsheet formulas."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fazhi.rulebook.public_views import safe_cell
from fazhi.rulebook.tests.factories import draft, published


@pytest.fixture
def legal(tree, make_user):
    return make_user("legal_officer", tree["city"])


def test_the_api_refuses_publication_without_review_with_its_basis(client, tree, legal):
    doc = draft(tree["city"], legal)
    client.force_login(legal)

    response = client.post(
        f"/api/v1/rulebook/documents/{doc.pk}/steps",
        {"step": "publication", "data": {"number": "渝公规〔2026〕1号"}},
        content_type="application/json",
    )

    assert response.status_code == 422
    body = response.json()
    assert body["basis"] == "《重大行政决策程序暂行条例》第二十五条第二款"


def test_the_api_lists_next_steps_with_their_reasons(client, tree, legal):
    doc = draft(tree["city"], legal)
    client.force_login(legal)

    body = client.get(f"/api/v1/rulebook/documents/{doc.pk}").json()

    allowed = {s["step"]: s["allowed"] for s in body["next_steps"]}
    assert allowed["legality_review"] is True
    assert allowed["publication"] is False


def test_an_officer_without_the_capability_gets_no_document(client, tree, legal, make_user):
    doc = draft(tree["city"], legal)
    client.force_login(make_user("officer", tree["city"]))

    assert client.get(f"/api/v1/rulebook/documents/{doc.pk}").status_code == 403
    assert client.get(reverse("rulebook:documents")).status_code == 403


def test_each_staff_page_renders(client, tree, legal, laws):
    doc = draft(tree["city"], legal)
    client.force_login(legal)
    for name, args in (
        ("rulebook:documents", []),
        ("rulebook:document", [doc.pk]),
        ("rulebook:campaigns", []),
        ("rulebook:projects", []),
        ("rulebook:decisions", []),
        ("rulebook:impact", []),
    ):
        assert client.get(reverse(name, args=args)).status_code == 200, name
    page = client.get(reverse("rulebook:impact") + "?law=zaglcff&from=2012&to=2025")
    assert "新版本未核实" in page.content.decode()


def test_the_public_list_shows_documents_in_force_only(client, tree, legal):
    live = published(
        tree["city"], legal, number="渝公规〔2026〕1号", on=dt.date(2026, 1, 5), title="甲规定"
    )
    draft(tree["city"], legal, title="乙规定（草案）")

    page = client.get(reverse("rulebook:public_documents")).content.decode()
    data = client.get(reverse("rulebook:public_json")).json()

    assert "甲规定" in page
    assert "乙规定" not in page
    assert [d["number"] for d in data["documents"]] == [live.number]
    assert client.get(reverse("rulebook:public_document", args=[live.pk])).status_code == 200


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client, tree, legal):
    published(
        tree["city"],
        legal,
        number="渝公规〔2026〕2号",
        on=dt.date(2026, 1, 5),
        title='=HYPERLINK("x")',
    )

    body = client.get(reverse("rulebook:public_csv")).content.decode()

    assert "'=HYPERLINK" in body
    assert [safe_cell(v) for v in ("+1", "-1", "@a", "\tx", "\rx", "ok")] == [
        "'+1",
        "'-1",
        "'@a",
        "'\tx",
        "'\rx",
        "ok",
    ]


def test_the_review_opinion_and_the_clean_up_list_print_as_docx(client, tree, legal):
    import io

    from docx import Document

    from fazhi.rulebook import cleanup
    from fazhi.rulebook.models import CampaignScope, EndKind

    doc = published(
        tree["city"], legal, number="渝公规〔2020〕1号", on=dt.date(2020, 1, 6), title="甲规定"
    )
    campaign = cleanup.start(
        title="2026年度清理",
        scope=CampaignScope.ALL,
        started_on=dt.date(2026, 3, 2),
        due_on=dt.date(2026, 6, 30),
        actor=legal,
    )
    cleanup.decide(
        campaign.entries.get(), outcome=EndKind.CONTINUED, reason="继续有效的理由", actor=legal
    )
    client.force_login(legal)
    assert (
        client.get(reverse("rulebook:cleanup_docx", args=[campaign.pk])).status_code == 302
    )  # not published
    cleanup.publish(campaign, actor=legal)

    opinion = client.get(reverse("rulebook:review_docx", args=[doc.pk]))
    listing = client.get(reverse("rulebook:cleanup_docx", args=[campaign.pk]))

    text = "\n".join(p.text for p in Document(io.BytesIO(opinion.content)).paragraphs)
    assert "行政规范性文件合法性审核意见书" in text
    assert "符合法定权限和程序，内容合法。" in text
    assert "合法" in text.split("四、审核结论")[1]
    listed = "\n".join(p.text for p in Document(io.BytesIO(listing.content)).paragraphs)
    assert "继续有效（1件）" in listed
    assert "甲规定（渝公规〔2020〕1号）——继续有效的理由" in listed


def test_the_reserve_page_enters_a_project_and_a_proposal_and_its_reply(client, tree, legal):
    from fazhi.rulebook.models import LegislativeProject, LegislativeProposal

    client.force_login(legal)
    url = reverse("rulebook:projects")
    client.post(url, {"action": "project", "title": "养犬管理条例（修订）", "kind": "地方性法规"})
    client.post(
        url,
        {
            "action": "proposal",
            "title": "关于低空安全的立法建议",
            "sent_to": "市人大常委会",
            "sent_on": "2026-03-02",
        },
    )
    proposal = LegislativeProposal.objects.get()
    client.post(
        url,
        {
            "action": "reply",
            "proposal": proposal.pk,
            "reply": "已列入调研计划",
            "replied_on": "2026-04-20",
        },
    )
    project = LegislativeProject.objects.get()
    client.post(url, {"project": project.pk, "stage": "drafting"})

    proposal.refresh_from_db()
    project.refresh_from_db()
    assert (proposal.reply, proposal.replied_on) == ("已列入调研计划", dt.date(2026, 4, 20))
    assert (project.title, project.stage, project.sponsor_id) == (
        "养犬管理条例（修订）",
        "drafting",
        tree["city"].pk,
    )
    assert [r.stage for r in project.records.all()] == ["drafting"]


def test_the_api_refuses_deliberating_a_decision_before_its_legality_review(client, tree, legal):
    from fazhi.rulebook import lifecycle
    from fazhi.rulebook.models import MajorDecision

    decision = MajorDecision.objects.create(
        title="视频监控建设方案",
        unit=tree["city"],
        created_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    )
    lifecycle.record_step(decision, "initiation", data={"reason": "治安防控"}, actor=legal)
    client.force_login(legal)

    refused = client.post(
        f"/api/v1/rulebook/decisions/{decision.pk}/steps",
        {"step": "deliberation", "outcome": "adopted", "data": {"meeting": "会", "minutes": "—"}},
        content_type="application/json",
    )
    reserve = client.get("/api/v1/rulebook/reserve")

    assert refused.status_code == 422
    assert refused.json()["basis"] == "《重大行政决策程序暂行条例》第二十五条第二款"
    assert reserve.json() == {"projects": [], "proposals": []}
    assert client.get("/api/v1/rulebook/campaigns").json() == []

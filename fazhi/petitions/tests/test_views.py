"""The petition pages: intake, the routing screen, the actions, mediation; scope and roles."""

import pytest
import time_machine

from fazhi.core.roles import Role
from fazhi.petitions.models import Claim, Mediation, Petition, Status
from fazhi.petitions.tests.factories import accepted_petition, clerk_for, receive

pytestmark = pytest.mark.django_db
NOW = "2026-03-10 10:00+08:00"

FORM = {
    "channel": "visit",
    "received_on": "2026-03-10",
    "petitioner_name": "王五",
    "petitioner_id_number": "110101199003070011",
    "petitioner_phone": "13912345678",
    "petitioner_count": "1",
    "matter": "对罚款决定不服",
    "claims": "撤销罚款决定\n退还罚款",
}


@time_machine.travel(NOW)
def test_the_intake_form_registers_a_petition_with_one_claim_per_line(client, tree):
    user = clerk_for(tree["s1"])
    client.force_login(user)
    response = client.post("/petitions/new/", {**FORM, "unit": tree["s1"].pk})

    petition = Petition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{petition.pk}/"
    assert list(petition.claims.values_list("text", flat=True)) == ["撤销罚款决定", "退还罚款"]


@time_machine.travel(NOW)
def test_the_inline_check_names_the_field_that_would_be_refused(client, tree):
    client.force_login(clerk_for(tree["s1"]))
    response = client.post(
        "/petitions/new/check/",
        {**FORM, "unit": tree["s1"].pk, "channel": "transferred", "petitioner_id_number": "1101"},
    )
    text = response.content.decode()
    assert "身份证号应为18位" in text
    assert "转送、交办机关" in text
    assert not Petition.objects.exists()


@time_machine.travel(NOW)
def test_the_routing_screen_previews_the_decision_with_its_citation_then_saves_it(client, tree):
    petition, user = receive(tree["s1"], now="2026-03-10 09:00")
    claim = petition.claims.get()
    client.force_login(user)
    answers = {"act": "decided", "known_on": "2026-03-02", "proceeding": "none", "dispute": "none"}

    preview = client.post(f"/petitions/claims/{claim.pk}/", answers, HTTP_HX_REQUEST="true")
    assert "导入行政复议或行政诉讼" in preview.content.decode()
    assert "《中华人民共和国行政复议法》第二十条第一款" in preview.content.decode()
    assert Claim.objects.get().route == ""

    saved = client.post(f"/petitions/claims/{claim.pk}/", {**answers, "save": "1"})
    assert saved.status_code == 302
    assert Claim.objects.get().route == "reconsideration"


@time_machine.travel(NOW)
def test_the_notice_action_is_disabled_until_every_claim_is_classified(client, tree):
    petition, user = receive(tree["s1"], now="2026-03-10 09:00")
    client.force_login(user)
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "尚有诉求未甄别" in page
    assert 'data-testid="do-notice"' not in page


@time_machine.travel("2026-04-01 10:00+08:00")
def test_a_reply_through_the_page_answers_the_petition(client, tree):
    petition, user = accepted_petition(tree["s1"])
    client.force_login(user)
    response = client.post(
        f"/petitions/{petition.pk}/act/reply/",
        {
            "outcome": "supported",
            "text": "经调查，诉求事实清楚，予以支持，责令整改。",
            "replied_on": "2026-04-01",
        },
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status == Status.REPLIED
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "予以支持" in page


@time_machine.travel("2026-04-21 10:00+08:00")
def test_a_refused_extension_shows_the_reason_and_the_article(client, tree):
    petition, user = accepted_petition(tree["s1"])
    client.force_login(user)
    response = client.post(
        f"/petitions/{petition.pk}/act/extend/",
        {"days": "40", "reason": "复杂", "approved_by": "王局长", "approved_on": "2026-04-21"},
    )
    assert response.status_code == 422
    assert Petition.objects.get().extension_days == 0


def test_the_pages_of_another_unit_are_not_found(client, tree):
    petition, _ = receive(tree["s1"])
    client.force_login(clerk_for(tree["s2"]))
    assert client.get(f"/petitions/{petition.pk}/").status_code == 404
    assert petition.number not in client.get("/petitions/?state=all").content.decode()


def test_a_role_without_petitions_cannot_register_one(client, tree, make_user):
    client.force_login(make_user(Role.LEGAL_OFFICER, tree["s1"]))
    assert client.get("/petitions/new/").status_code == 403


@time_machine.travel(NOW)
def test_a_peoples_mediation_fails_and_records_its_referral(client, tree):
    user = clerk_for(tree["s1"])
    client.force_login(user)
    response = client.post(
        "/petitions/mediations/new/",
        {"kind": "peoples", "unit": tree["s1"].pk, "parties": "甲某与乙某", "dispute": "邻里漏水纠纷",
         "mediator_name": "赵律师", "mediator_kind": "lawyer", "started_on": "2026-03-09"},
    )  # fmt: skip
    mediation = Mediation.objects.get()
    assert response.status_code == 302
    client.post(
        f"/petitions/mediations/{mediation.pk}/act/fail/",
        {"reason": "双方分歧较大", "on": "2026-03-10"},
    )
    mediation.refresh_from_db()
    assert mediation.status == "failed"
    assert "民事诉讼" in mediation.referral


@time_machine.travel(NOW)
def test_public_order_mediation_without_a_case_is_refused_with_article_nine(client, tree):
    client.force_login(clerk_for(tree["s1"]))
    response = client.post(
        "/petitions/mediations/new/",
        {"kind": "public_order", "unit": tree["s1"].pk, "parties": "甲某与乙某", "dispute": "互殴",
         "mediator_name": "李警官", "mediator_kind": "officer", "started_on": "2026-03-09"},
    )  # fmt: skip
    assert "第九条" in response.content.decode()
    assert not Mediation.objects.exists()


def test_an_attachment_is_kept_privately_and_served_only_within_scope(
    client, tree, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.FAZHI_PRIVATE_MEDIA_ROOT = tmp_path
    petition, user = receive(tree["s1"])
    client.force_login(user)
    bad = client.post(
        f"/petitions/{petition.pk}/attachments/", {"file": SimpleUploadedFile("x.exe", b"MZ")}
    )
    assert bad.status_code == 422
    client.post(f"/petitions/{petition.pk}/attachments/",
                {"file": SimpleUploadedFile("材料.pdf", b"%PDF-1.4 test")})  # fmt: skip
    row = petition.attachments.get()
    assert (
        b"".join(client.get(f"/petitions/{petition.pk}/attachments/{row.pk}/").streaming_content)
        == b"%PDF-1.4 test"
    )
    client.force_login(clerk_for(tree["s2"]))
    assert client.get(f"/petitions/{petition.pk}/attachments/{row.pk}/").status_code == 404


def test_a_supervisor_sees_the_petition_but_its_actions_are_disabled(client, tree, make_user):
    petition, _ = receive(tree["s1"])
    client.force_login(make_user(Role.SUPERVISOR, tree["d1"]))
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert petition.number in page
    assert "您的角色不能办理信访事项。" in page
    response = client.post(
        f"/petitions/{petition.pk}/act/notice/", {"sent_on": "2026-03-02", "method": "当面送达"}
    )
    assert response.status_code == 403


@time_machine.travel("2026-03-10 10:00+08:00")
def test_the_routing_screen_says_what_it_knows_of_the_named_case(client, tree):
    from fazhi.cases.tests.factories import open_public_order_case

    case, actor = open_public_order_case(tree["s1"], accepted="2026-03-02 10:00")
    petition, _ = receive(tree["s1"], actor, now="2026-03-10 09:00")
    client.force_login(actor)
    preview = client.post(
        f"/petitions/claims/{petition.claims.get().pk}/",
        {"act": "case_open", "proceeding": "none", "dispute": "none", "case_number": case.number},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert f"案件 {case.number}" in preview
    assert "尚未作出处罚决定" in preview
    assert "在办案程序中陈述、申辩" in preview

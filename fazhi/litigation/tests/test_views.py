import pytest
from django.urls import reverse

from fazhi.core.roles import Role
from fazhi.litigation.models import Hearing, Matter
from fazhi.litigation.tests.factories import head_of, legal_for, register
from fazhi.org.tests.factories import UserFactory, make_citizen_id


@pytest.fixture
def legal(tree):
    return legal_for(tree["d1"])


def test_the_list_shows_the_scope_and_badges_an_overdue_reply(client, tree, legal, time_machine):
    time_machine.move_to("2026-03-20 10:00+08:00", tick=False)
    register(tree["d1"], received="2026-03-02", now="2026-03-02 10:00")  # due 2026-03-16
    register(tree["d2"], received="2026-03-02", now="2026-03-02 10:00")
    client.force_login(legal)

    page = client.get(reverse("litigation:list"))

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-number="') == 1
    assert "已逾期" in html
    assert reverse("litigation:new") in html


def test_a_supervisor_reads_but_cannot_register(client, tree):
    supervisor = UserFactory(role=Role.SUPERVISOR, scope_unit=tree["city"])
    client.force_login(supervisor)
    assert reverse("litigation:new") not in client.get(reverse("litigation:list")).content.decode()
    assert client.get(reverse("litigation:new")).status_code == 403


def test_registering_checks_inline_and_counts_the_reply(client, tree, legal, time_machine):
    time_machine.move_to("2026-09-28 10:00+08:00", tick=False)
    client.force_login(legal)
    data = {
        "kind": "reconsideration",
        "unit": tree["d1"].code,
        "body": "示例市人民政府",
        "received_on": "2026-09-28",
        "claimant_kind": "person",
        "claimant_name": "李四",
        "claimant_id_type": "citizen_id",
        "claimant_id_number": "110101199003070012",  # wrong check digit
        "act": "罚款五百元",
    }
    check = client.get(reverse("litigation:check"), data).content.decode()
    assert 'data-field="claimant_id_number"' in check
    assert "校验码" in check

    data["claimant_id_number"] = make_citizen_id(3)
    check = client.get(reverse("litigation:check"), data).content.decode()
    assert "2026-10-16" in check

    response = client.post(reverse("litigation:new"), data)
    matter = Matter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("litigation:detail", args=[matter.number])
    detail = client.get(response["Location"]).content.decode()
    assert "行政复议书面答复及提交证据、依据" in detail
    assert make_citizen_id(3) not in detail  # masked


def test_a_refused_form_writes_nothing_and_names_the_field(client, tree, legal, time_machine):
    time_machine.move_to("2026-03-02 10:00+08:00", tick=False)
    client.force_login(legal)
    response = client.post(
        reverse("litigation:new"),
        {
            "kind": "reconsideration",
            "unit": tree["d1"].code,
            "body": "市政府",
            "received_on": "2026-03-02",
            "claimant_kind": "person",
            "claimant_name": "李四",
            "claimant_id_type": "citizen_id",
            "claimant_id_number": make_citizen_id(3),
        },
    )
    assert response.status_code == 200
    assert 'data-field="act"' in response.content.decode()
    assert not Matter.objects.exists()


def test_the_head_appears_and_the_hearing_is_confirmed(client, tree, legal, time_machine):
    time_machine.move_to("2026-04-10 15:00+08:00", tick=False)
    matter = register(
        tree["d1"], kind="first_instance", received="2026-03-02", now="2026-03-02 10:00"
    )
    head = head_of(tree["d1"])
    client.force_login(legal)
    client.post(
        reverse("litigation:hearing", args=[matter.number]),
        {"scheduled_at": "2026-04-10T09:30", "place": "第三法庭"},
    )
    hearing = Hearing.objects.get()
    response = client.post(
        reverse("litigation:appearance", args=[matter.number, hearing.pk]),
        {"appearance": "head", "head": head.pk, "held": "on"},
    )
    assert response.status_code == 302
    hearing.refresh_from_db()
    assert (hearing.status, hearing.appearance, hearing.head) == ("held", "head", head)


def test_a_matter_outside_the_scope_is_not_found(client, tree, legal):
    other = register(tree["d2"])
    client.force_login(legal)
    assert client.get(reverse("litigation:detail", args=[other.number])).status_code == 404


def test_the_reply_draft_names_the_parties_and_the_last_day(client, tree, legal):
    import io

    from docx import Document

    head_of(tree["d1"])
    matter = register(tree["d1"], received="2026-09-28", docket_number="示府复〔2026〕12号")
    client.force_login(legal)

    response = client.get(reverse("litigation:draft", args=[matter.number]))

    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert response.status_code == 200
    assert "行政复议答复书" in text
    assert "申请人李四不服被申请人作出的行政拘留五日的处罚决定" in text
    assert "2026年9月28日收到行政复议申请书副本" in text
    assert "在2026年10月16日前提出书面答复" in text
    assert "第四十八条" in text


def test_the_legal_officers_home_shows_replies_due_and_overdue(client, tree, legal, time_machine):
    time_machine.move_to("2026-03-13 10:00+08:00", tick=False)
    register(tree["d1"], received="2026-03-02", now="2026-03-02 10:00")  # due 2026-03-16: soon
    register(tree["d1"], received="2026-02-09", now="2026-02-09 10:00")  # due 2026-02-24: overdue
    client.force_login(legal)

    page = client.get("/")

    cards = {card.key: card for panel in page.context["panels"] for card in panel.cards}
    assert cards["litigation_due_soon"].value == 1
    assert cards["litigation_overdue"].value == 1
    assert cards["litigation_overdue"].url == reverse("litigation:list") + "?due=overdue"


def test_the_inline_check_names_a_case_outside_the_scope(client, tree, legal):
    client.force_login(legal)
    check = client.get(
        reverse("litigation:check"), {"case": "500104-01-2026-00001", "kind": "reconsideration"}
    )
    assert "您的数据范围内没有案件 500104-01-2026-00001" in check.content.decode()

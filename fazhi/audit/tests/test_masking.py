"""The audit administrator audits who did what, not the case content (issue 11, ADR 0024).

Scenario: a clerk opens a case naming its parties and reveals a party's ID number; the audit
administrator reads `/audit/?action=pii.reveal` and `?action=case.open` and sees who, when, from
where, which action and which case number — but no name, title, ID number or outcome; the case
page itself stays closed to them, and opens for a role that may read the case.
"""

import dataclasses

import pytest
from django.test import Client
from django.urls import reverse

from fazhi.audit import log as audit
from fazhi.audit.masking import mask_text, shown
from fazhi.cases.tests.factories import open_public_order_case, person
from fazhi.core.roles import Role

pytestmark = pytest.mark.django_db

SUSPECT_ID = "110101199003070011"
TITLE = "王小明殴打李建国案"


@pytest.fixture
def scene(tree, make_user):
    """A case whose title names the suspect, opened by a clerk who then reveals an ID number."""
    case, clerk = open_public_order_case(tree["s1"], parties=[person(SUSPECT_ID)])
    case.title = TITLE  # demo titles name the suspect, as real ones often do
    case.save(update_fields=["title"])
    clerk_client = Client()
    clerk_client.force_login(clerk)
    party = case.parties.get()
    clerk_client.post(reverse("cases:reveal_party_id", args=[case.number, party.pk]))
    # A case.open entry whose repr carries the title (as procedure.open_case writes it).
    audit.record(clerk, "case.open", case, changes={"case": case.number, "unit": "500103-01"})
    auditor = make_user(Role.AUDIT_ADMIN, None, username="auditor")
    client = Client()
    client.force_login(auditor)
    return case, clerk, client


FORBIDDEN = (SUSPECT_ID, "张三", TITLE, "王小明", "殴打")


@pytest.mark.parametrize("action", ["pii.reveal", "case.open"])
def test_the_audit_administrator_sees_who_did_what_but_no_case_content(scene, action):
    case, clerk, client = scene
    response = client.get(reverse("audit:log"), {"action": action})
    assert response.status_code == 200
    html = response.content.decode()
    rows = [row for row in response.context["rows"] if row[0].action == action]
    assert rows, html
    for entry, view in rows:
        assert entry.actor_label == clerk.username  # who
        assert view.masked
        assert f'data-entry="{entry.id}"' in html
    assert case.number in html  # the reference: the case number
    for text in FORBIDDEN:
        assert text not in html, text


def test_the_case_itself_opens_only_for_a_role_that_may_read_it(scene):
    case, clerk, auditor_client = scene
    url = reverse("cases:detail", args=[case.number])
    assert auditor_client.get(url).status_code == 403
    reader = Client()
    reader.force_login(clerk)
    assert TITLE in reader.get(url).content.decode()


def test_values_of_business_entries_are_withheld_but_field_names_and_references_kept(tree):
    case, clerk = open_public_order_case(tree["s1"])
    entry = audit.record(
        clerk,
        "case.event",
        case,
        changes={
            "case": case.number,
            "kind": "decision",
            "data": {"fine": 500, "outcome": "罚款五百元"},
            "outcome": ["", "处罚"],
        },
    )
    view = shown(entry)
    assert {row[0]: row[1:] for row in view.changes} == {
        "case": (case.number,),
        "kind": ("decision",),
        "data": ("（已隐去）",),
        "outcome": ("", "（已隐去）"),
    }
    assert view.object_label == ""
    assert view.masked


def test_administrative_entries_are_shown_whole_with_id_and_phone_numbers_masked(make_user):
    admin = make_user(Role.SYSTEM_ADMIN, None, username="sys")
    entry = audit.record(
        admin,
        "officer.update",
        ("org.officer", "7", "张伟（320001）"),
        changes={"id_number": ["110101199003070011", "110101199003071234"], "phone": "13812345678"},
    )
    view = dataclasses.asdict(shown(entry))
    text = str(view)
    assert "张伟（320001）" in text
    assert "110101199003070011" not in text
    assert "13812345678" not in text
    assert "138****5678" in text
    assert not view["masked"]


def test_mask_text_leaves_other_numbers_alone():
    assert mask_text("案件 甲公(治)受字〔2026〕00123号") == "案件 甲公(治)受字〔2026〕00123号"
    assert mask_text("12345678901234567890") == "12345678901234567890"

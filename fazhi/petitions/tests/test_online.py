"""网上信访 on 警快办: a citizen submits, the petition reaches the unit with its notice period."""

import datetime as dt

import pytest
import time_machine

from fazhi.audit.models import AuditEntry
from fazhi.petitions.models import Petition
from fazhi.services import citizens
from fazhi.services.tests.factories import citizen

pytestmark = pytest.mark.django_db


def _log_in(client, who):
    session = client.session
    session[citizens.SESSION_KEY] = who.pk
    session.save()


@time_machine.travel("2026-03-02 10:00+08:00")
def test_a_citizen_submits_a_petition_online_and_sees_it(client, tree):
    who = citizen()
    _log_in(client, who)
    response = client.post("/jkb/petitions/new/", {
        "unit": tree["s1"].pk, "petitioner_name": "孙八", "petitioner_id_number": "110101199003070011",
        "matter": "小区门口夜间无路灯，治安隐患", "claims": "增设路灯\n加强巡逻",
    })  # fmt: skip
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert (petition.channel, petition.citizen, petition.petitioner_phone) == (
        "online",
        who,
        who.phone,
    )
    assert petition.deadlines.get(code="notice").due_on == dt.date(2026, 3, 17)
    assert (
        AuditEntry.objects.get(action="petition.submit_online").actor_label == f"citizen:{who.pk}"
    )
    assert petition.number in client.get("/jkb/petitions/").content.decode()


def test_the_online_form_needs_a_citizen_login(client, tree):
    response = client.get("/jkb/petitions/new/")
    assert response.status_code == 302
    assert "/jkb/login/" in response["Location"]


@time_machine.travel("2026-03-02 10:00+08:00")
def test_a_wrong_id_number_is_shown_on_its_field(client, tree):
    _log_in(client, citizen())
    response = client.post("/jkb/petitions/new/", {
        "unit": tree["s1"].pk, "petitioner_name": "孙八", "petitioner_id_number": "110101199003070012",
        "matter": "反映问题", "claims": "处理",
    })  # fmt: skip
    assert response.status_code == 200
    assert "校验码" in response.content.decode()
    assert not Petition.objects.exists()

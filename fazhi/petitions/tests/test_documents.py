"""The written notice as DOCX: what was recorded, with its number; the print is audited."""

import datetime as dt
import io

import pytest
from docx import Document

from fazhi.audit.models import AuditEntry
from fazhi.petitions import petitions as ops
from fazhi.petitions.tests.factories import DECIDED, at, receive

pytestmark = pytest.mark.django_db


def test_the_routing_notice_prints_the_route_and_its_provision(client, tree):
    petition, user = receive(tree["s1"])
    ops.classify(petition.claims.get(), DECIDED, actor=user, at=at("2026-03-10 10:00"))
    notice = ops.send_notice(petition, sent_on=dt.date(2026, 3, 10), method="当面送达", actor=user,
                             at=at("2026-03-10 11:00"))  # fmt: skip
    client.force_login(user)
    response = client.get(f"/petitions/{petition.pk}/notices/{notice.pk}.docx")

    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "信访事项处理途径告知书" in text
    assert "甲区一公（信告）字〔2026〕第00001号" in text
    assert "《中华人民共和国行政复议法》第二十条第一款" in text
    assert "2026年3月10日" in text
    assert AuditEntry.objects.filter(action="petition.notice.print").count() == 1

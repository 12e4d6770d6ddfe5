"""听证: 7 working days' notice (行政处罚法第六十四条第（二）项、第八十五条; 程序规定第一百三十六条) that
cannot fit in the 10 days of 程序规定第一百三十七条第一款 (a request on 2026-09-28, before 国庆).

The deadline ends on the first day the hearing may lawfully be held, its explanation says why,
and TINGZHENG_LATE is not raised in the days the law made impossible.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation

from fazhi.cases import procedure
from fazhi.cases.derive import Ev, compute_deadlines
from fazhi.cases.models import Deadline
from fazhi.cases.packs import load_pack
from fazhi.cases.procedure import NewEvent
from fazhi.cases.tests.factories import at, open_public_order_case
from fazhi.core.calendar import WorkCalendar
from fazhi.supervision import scan

SH = dt.timezone(dt.timedelta(hours=8))


def _events(request_at: str) -> list[Ev]:
    request = at(request_at)
    return [
        Ev(1, "accept", request - dt.timedelta(days=7)),
        Ev(2, "notify", request - dt.timedelta(days=4), data={"hearing_offered": True}),
        Ev(3, "hearing_request", request),
    ]


def _hearing(pack_name: str, request_at: str):
    pack = load_pack(settings.RULES_DIR / "procedure" / f"{pack_name}.yaml")
    found = compute_deadlines(pack, _events(request_at), WorkCalendar.load())
    return next(d for d in found if d.code == "hearing_held")


@pytest.mark.parametrize("pack_name", ["zhian-general", "zhian-fast", "admin-general"])
def test_the_hearing_is_due_on_the_earliest_lawful_day_when_the_notice_cannot_fit(pack_name):
    hearing = _hearing(pack_name, "2026-09-28 10:00")
    # 10 days end 2026-10-08; 7 working days after 09-28 end 2026-10-13.
    assert hearing.due_at == at("2026-10-14 00:00")
    assert hearing.facts["earliest"]["applies"] is True
    assert hearing.facts["periods"][0]["end"] == "2026-10-08"
    assert "《中华人民共和国行政处罚法》第八十五条" in hearing.basis
    assert hearing.unverified is True  # how the law resolves the conflict is not written
    with translation.override("zh-hans"):
        text = hearing.explanation
    assert "无法满足" in text
    assert "最早可依法听证的日期为 2026-10-13" in text
    assert "期满日 2026-10-08" in text


def test_a_notice_that_fits_leaves_the_ten_days_alone():
    hearing = _hearing("zhian-general", "2026-03-09 10:00")
    assert hearing.due_at == at("2026-03-20 00:00")  # 10 days: 2026-03-19
    assert hearing.facts["earliest"]["applies"] is False
    assert hearing.unverified is False  # the unverified counting rule did not decide it
    assert "无法满足" not in hearing.explanation


@pytest.mark.django_db
def test_no_tingzheng_late_for_the_impossible_days(tree):
    case, actor = open_public_order_case(tree["s1"], accepted="2026-09-21 10:00")
    for kind, when, data in [
        ("notify", "2026-09-24 10:00", {"proposed": "罚款三千元", "hearing_offered": True}),
        ("hearing_request", "2026-09-28 10:00", {}),
    ]:
        procedure.record_event(
            case,
            NewEvent(kind, at(when), data=data),
            actor=actor,
            at=at(when) + dt.timedelta(hours=1),
        )
    deadline = Deadline.objects.get(case=case, code="hearing_held")
    assert deadline.due_at == at("2026-10-14 00:00")

    def late() -> bool:
        return case.warnings.filter(rule="TINGZHENG_LATE", state="open").exists()

    scan.run(at("2026-10-12 10:00"), case_ids=[case.pk])  # past the 10 days, not lawful yet
    assert not late()
    scan.run(at("2026-10-14 09:00"), case_ids=[case.pk])  # the earliest lawful day has passed
    assert late()

"""The case list's stored nearest deadline (Case.next_due_at), its index, and honest paging."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from fazhi.cases import queries
from fazhi.cases.deadlines import nearest_running, redate_all
from fazhi.cases.models import Case, Deadline, DeadlineStatus
from fazhi.cases.procedure import NewEvent, record_event
from fazhi.cases.tests.factories import at, clerk_for, open_public_order_case
from fazhi.cases.tests.test_redate import CALENDAR_2027, _case_due_in_2027, rules  # noqa: F401

pytestmark = pytest.mark.django_db

fill = importlib.import_module("fazhi.cases.migrations.0002_case_next_deadline")


def stored(case: Case) -> tuple[dt.datetime | None, str]:
    case.refresh_from_db(fields=["next_due_at", "next_deadline_name"])
    return case.next_due_at, case.next_deadline_name


def earliest_open(case: Case) -> tuple[dt.datetime | None, str]:
    rows = Deadline.objects.filter(case=case, status=DeadlineStatus.OPEN).order_by("due_at", "name")
    first = rows.first()
    return (first.due_at, first.name) if first else (None, "")


def test_opening_a_case_stores_its_nearest_running_deadline(tree):
    with time_machine.travel("2025-03-10 09:00+08:00", tick=False):
        case, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")

    # 受案 03-03 + 30 days: 办案期限 due 04-03 00:00 (治安管理处罚法第九十九条)
    assert stored(case) == (at("2025-04-03 00:00"), "办案期限")


def test_recording_events_keeps_the_nearest_running_deadline_up_to_date(tree):
    with time_machine.travel("2025-03-10 09:00+08:00", tick=False):
        case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
        now = at("2025-03-10 09:00")
        record_event(
            case,
            NewEvent("decide", at("2025-03-04 12:00"), data={"outcome": "no_penalty"}),
            actor=actor,
            at=now,
        )
        after_decision = stored(case), earliest_open(case)
        record_event(case, NewEvent("serve", at("2025-03-04 13:00")), actor=actor, at=now)

    # The decision met 办案期限; 送达 of the decision is now the nearest running deadline.
    assert after_decision == ((at("2025-03-07 00:00"), "决定书送达"),) * 2
    assert stored(case) == (None, "")  # served: nothing runs any more
    assert earliest_open(case) == (None, "")


def test_redating_after_a_holiday_notice_moves_the_cases_nearest_deadline(rules, tree):  # noqa: F811
    case, _ = _case_due_in_2027(tree)
    assert stored(case) == (at("2027-01-12 00:00"), "办案期限")
    (rules / "calendar" / "2027.yaml").write_text(CALENDAR_2027, encoding="utf-8")

    redate_all(actor="system:calendar", at=at("2026-12-11 09:00"))

    assert stored(case) == (at("2027-01-13 00:00"), "办案期限")  # 2027-01-11 is now a holiday


def test_the_migration_fills_the_nearest_running_deadline_of_every_case(tree):
    with time_machine.travel("2025-03-10 09:00+08:00", tick=False):
        running, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
        settled, _ = open_public_order_case(tree["s1"], accepted="2025-03-04 10:00", actor=actor)
        now = at("2025-03-10 09:00")
        record_event(
            settled,
            NewEvent("decide", at("2025-03-05 12:00"), data={"outcome": "no_penalty"}),
            actor=actor,
            at=now,
        )
        record_event(settled, NewEvent("serve", at("2025-03-05 13:00")), actor=actor, at=now)
    Case.objects.update(next_due_at=None, next_deadline_name="")

    fill.fill_next_deadline(apps, None)

    assert stored(running) == (at("2025-04-03 00:00"), "办案期限")
    assert stored(settled) == (None, "")


deadline_items = st.lists(
    st.builds(
        SimpleNamespace,
        due_at=st.datetimes(  # hypothesis takes naive bounds and adds the zone
            min_value=dt.datetime(2025, 1, 1),  # noqa: DTZ001
            max_value=dt.datetime(2025, 1, 3),  # noqa: DTZ001
            timezones=st.just(dt.UTC),
        ),
        name=st.sampled_from(["办案期限", "传唤时限", "送达期限"]),
        status=st.sampled_from(["open", "paused", "met", "missed", "stopped"]),
    ),
    max_size=6,
)


@given(deadline_items)
def test_the_nearest_running_deadline_is_an_open_one_due_no_later_than_any_other(items):
    due, name = nearest_running(items)

    running = [item for item in items if item.status == "open"]
    if not running:
        assert (due, name) == (None, "")
    else:
        assert (due, name) in {(item.due_at, item.name) for item in running}
        assert all(due <= item.due_at for item in running)


@pytest.mark.parametrize("as_rows", [True, False])
def test_a_page_of_running_cases_is_one_query_walking_the_partial_index(tree, as_rows):
    if connection.vendor != "sqlite":
        pytest.skip("the plan is SQLite's")
    with time_machine.travel("2025-03-10 09:00+08:00", tick=False):
        actor = clerk_for(tree["s1"])
        for day in (3, 4, 5):
            open_public_order_case(tree["s1"], accepted=f"2025-03-0{day} 10:00", actor=actor)

    with CaptureQueriesContext(connection) as queries_run:
        queries.find_cases(
            actor, queries.CaseFilter(), at=at("2025-03-10"), page_size=2, as_rows=as_rows
        )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {queries_run[0]['sql']}")
        plan = " | ".join(row[-1] for row in cursor.fetchall())

    assert len(queries_run) == 1
    assert "USING INDEX case_running_next_due" in plan
    assert "TEMP B-TREE" not in plan  # no sort: the index gives the order and stops at the page


def test_the_table_says_how_many_cases_only_when_it_knows(tree):
    with time_machine.travel("2025-03-10 09:00+08:00", tick=False):
        actor = clerk_for(tree["s1"])
        for day in (3, 4, 5):
            open_public_order_case(tree["s1"], accepted=f"2025-03-0{day} 10:00", actor=actor)

    def table(number: int) -> str:
        page = queries.find_cases(
            actor, queries.CaseFilter(), at=at("2025-03-10 09:00"), page=number, page_size=2
        )
        return render_to_string("cases/_case_table.html", {"page": page, "now": at("2025-03-10")})

    assert "第 1–2 件，后面还有" in table(1)
    assert "共 3 件" not in table(1)
    assert "共 3 件" in table(2)


def test_the_precompiled_page_gives_exactly_the_orms_rows_on_every_page(tree, monkeypatch):
    """The API's unfiltered pages bind a once-compiled query: same rows, types and order as the
    ORM's queryset, for full pages, the page where running cases end and the cases after."""
    with time_machine.travel("2025-03-10 09:00+08:00", tick=False):
        actor = clerk_for(tree["s1"])
        for day in (3, 4, 5, 6, 7):
            open_public_order_case(tree["s1"], accepted=f"2025-03-0{day} 10:00", actor=actor)
        open_public_order_case(tree["s2"], accepted="2025-03-03 10:00")  # outside the scope
        closed = Case.objects.filter(unit=tree["s1"]).order_by("pk").first()
        Case.objects.filter(pk=closed.pk).update(next_due_at=None, next_deadline_name="")

    def pages(fast: bool) -> list:
        if not fast:
            monkeypatch.setattr(queries, "_fast_running_rows", lambda *args: None)
        found = [
            queries.find_cases(
                actor, queries.CaseFilter(), at=at("2025-03-10"), page=n, page_size=2,
                as_rows=True,
            )
            for n in (1, 2, 3, 4)
        ]  # fmt: skip
        monkeypatch.undo()
        return [(p.cases, p.has_next, p.total) for p in found]

    fast, orm = pages(True), pages(False)
    assert fast == orm
    assert [len(cases) for cases, _next, _total in fast] == [2, 2, 1, 0]
    first = fast[0][0][0]
    assert first["act_at"].tzinfo is not None
    assert isinstance(first["outside_centre"], bool)
    assert queries._fast_running_rows(actor, 0, 10) is not None  # the fast path did run

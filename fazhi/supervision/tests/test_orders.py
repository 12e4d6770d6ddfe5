import io

import pytest
import time_machine
from django.urls import reverse
from docx import Document

from fazhi.audit.models import AuditEntry
from fazhi.core.errors import FazhiError, FrozenRecord, PermissionDeniedError
from fazhi.core.roles import Role
from fazhi.supervision import orders, scan
from fazhi.supervision.models import (
    CaseWarning,
    OrderLevel,
    OrderStatus,
    SupervisionOrder,
)
from fazhi.supervision.tests.factories import at, open_public_order_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree, make_user):
    return {
        "city": make_user(Role.SUPERVISOR, tree["city"]),
        "d1": make_user(Role.SUPERVISOR, tree["d1"]),
        "d2": make_user(Role.SUPERVISOR, tree["d2"]),
        "s1": make_user(Role.OFFICER, tree["s1"]),
        "s2": make_user(Role.OFFICER, tree["s2"]),
        "s1_leader": make_user(Role.LEADER, tree["s1"]),
    }


@pytest.fixture
def case(tree):
    case, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    return case


def _issue(tree, case, actor, *, when="2025-04-01 09:00", due="2025-04-08 17:00"):
    return orders.issue_order(
        tree["s1"],
        case=case,
        problem="办案期限已超期",
        demand="立即依法作出处理决定",
        reply_due_at=at(due),
        actor=actor,
        at=at(when),
    )


def _answer(order, actor, when):
    return orders.answer_order(
        order, rectification="已作出处罚决定", evidence="决定书一份", actor=actor, at=at(when)
    )


def test_the_order_loop_closes_only_after_verification(tree, people, case):
    order = _issue(tree, case, people["d1"])
    assert (order.number, order.level, order.status) == (
        "500103-DB-2025-00001",
        OrderLevel.DISTRICT,
        OrderStatus.OPEN,
    )

    order = _answer(order, people["s1"], "2025-04-02 10:00")
    assert order.status == OrderStatus.ANSWERED
    assert not order.is_closed
    order = orders.return_order(
        order,
        reason="佐证材料不全",
        reply_due_at=at("2025-04-10 17:00"),
        actor=people["d1"],
        at=at("2025-04-03 10:00"),
    )
    assert (order.status, order.reply_due_at) == (OrderStatus.RETURNED, at("2025-04-10 17:00"))
    order = _answer(order, people["s1"], "2025-04-04 10:00")
    order = orders.verify_order(order, actor=people["d1"], at=at("2025-04-05 10:00"))

    assert order.is_closed
    assert order.verified_at == at("2025-04-05 10:00")
    assert list(order.events.values_list("kind", "actor_label")) == [
        ("issued", people["d1"].username),
        ("answered", people["s1"].username),
        ("returned", people["d1"].username),
        ("answered", people["s1"].username),
        ("verified", people["d1"].username),
    ]
    assert list(
        AuditEntry.objects.filter(action__startswith="supervision.order.").values_list(
            "action", flat=True
        )
    ) == [
        "supervision.order.issue",
        "supervision.order.answer",
        "supervision.order.return",
        "supervision.order.answer",
        "supervision.order.verify",
    ]


def test_a_verified_order_can_be_neither_answered_nor_sent_back(tree, people, case):
    order = _answer(_issue(tree, case, people["d1"]), people["s1"], "2025-04-02 10:00")
    order = orders.verify_order(order, actor=people["d1"], at=at("2025-04-03 10:00"))

    with pytest.raises(orders.OrderStateError):
        _answer(order, people["s1"], "2025-04-04 10:00")
    with pytest.raises(orders.OrderStateError):
        orders.return_order(order, reason="x", actor=people["d1"], at=at("2025-04-04 10:00"))


def test_an_open_order_cannot_be_verified_before_it_is_answered(tree, people, case):
    order = _issue(tree, case, people["d1"])

    with pytest.raises(orders.OrderStateError, match="待答复"):
        orders.verify_order(order, actor=people["d1"], at=at("2025-04-02 10:00"))


def test_order_events_are_append_only(tree, people, case):
    event = _issue(tree, case, people["d1"]).events.get()

    with pytest.raises(FrozenRecord):
        event.save()
    with pytest.raises(FrozenRecord):
        event.delete()


def test_a_station_officer_cannot_issue_an_order(tree, people, case):
    with pytest.raises(PermissionDeniedError):
        _issue(tree, case, people["s1"])
    assert not SupervisionOrder.objects.exists()


def test_a_district_cannot_issue_to_a_unit_of_another_district(tree, people, case):
    with pytest.raises(PermissionDeniedError, match="不在您的数据范围"):
        _issue(tree, case, people["d2"])


def test_a_district_order_must_go_to_a_unit_below_the_district(tree, people, case):
    with pytest.raises(FazhiError) as refused:
        orders.issue_order(
            tree["d1"],
            case=case,
            problem="p",
            demand="d",
            reply_due_at=at("2025-04-08 17:00"),
            actor=people["d1"],
            at=at("2025-04-01 09:00"),
        )
    assert refused.value.field == "target_unit"


def test_an_order_needs_a_reply_deadline_in_the_future(tree, people, case):
    with pytest.raises(FazhiError) as refused:
        _issue(tree, case, people["d1"], when="2025-04-01 09:00", due="2025-04-01 08:00")
    assert refused.value.field == "reply_due_at"


def test_another_district_cannot_answer(tree, people, case):
    order = _issue(tree, case, people["d1"])

    with pytest.raises(PermissionDeniedError):
        _answer(order, people["s2"], "2025-04-02 10:00")
    with pytest.raises(PermissionDeniedError):  # a leader of the unit does not handle cases
        _answer(order, people["s1_leader"], "2025-04-02 10:00")
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


def test_only_the_issuing_level_or_above_verifies(tree, people, case, make_user):
    order = _answer(_issue(tree, case, people["d1"]), people["s1"], "2025-04-02 10:00")
    station_supervisor = make_user(Role.SUPERVISOR, tree["s1"])

    for outsider in (people["d2"], station_supervisor, people["s1"]):
        with pytest.raises(PermissionDeniedError):
            orders.verify_order(order, actor=outsider, at=at("2025-04-03 10:00"))
    order = orders.verify_order(order, actor=people["city"], at=at("2025-04-03 10:00"))
    assert order.status == OrderStatus.VERIFIED


def test_an_unanswered_order_escalates_one_level_once_and_shows_as_overdue(tree, people, case):
    order = _issue(tree, case, people["d1"], due="2025-04-08 17:00")

    assert orders.escalate_unanswered(at("2025-04-08 16:59")) == 0
    assert orders.escalate_unanswered(at("2025-04-08 17:01")) == 1
    assert orders.escalate_unanswered(at("2025-04-09 17:01")) == 0  # once per deadline

    order.refresh_from_db()
    assert (order.level, order.escalated_at) == (OrderLevel.CITY, at("2025-04-08 17:01"))
    assert order.is_overdue(at("2025-04-09 00:00"))
    assert list(SupervisionOrder.objects.overdue(at("2025-04-09 00:00"))) == [order]
    assert order.events.last().kind == "escalated"
    assert order.events.last().actor_label == orders.SYSTEM_ACTOR


def test_a_unit_order_escalates_to_the_district_and_a_city_order_stays(
    tree, people, case, make_user
):
    unit_order = _issue(tree, case, make_user(Role.SUPERVISOR, tree["s1"]))
    city_order = _issue(tree, case, people["city"])
    assert (unit_order.level, city_order.level) == (OrderLevel.UNIT, OrderLevel.CITY)

    assert orders.escalate_unanswered(at("2025-04-09 09:00")) == 1

    unit_order.refresh_from_db()
    city_order.refresh_from_db()
    assert (unit_order.level, city_order.level) == (OrderLevel.DISTRICT, OrderLevel.CITY)
    assert city_order.is_overdue(at("2025-04-09 09:00"))


def test_an_answered_order_neither_escalates_nor_is_overdue(tree, people, case):
    order = _answer(_issue(tree, case, people["d1"]), people["s1"], "2025-04-02 10:00")

    assert orders.escalate_unanswered(at("2025-04-20 09:00")) == 0
    assert not order.is_overdue(at("2025-04-20 09:00"))


def test_the_periodic_scan_escalates_unanswered_orders(tree, people, case):
    from fazhi.core import tasks

    order = _issue(tree, case, people["d1"])
    with time_machine.travel(at("2025-04-09 09:00"), tick=False):
        result = tasks.periodic_sweep.call_local()

    order.refresh_from_db()
    assert result["orders_escalated"] == 1
    assert order.level == OrderLevel.CITY


@pytest.fixture
def red_warnings(tree):
    """Two overdue cases in district 1 and one in district 2, scanned."""
    one, _ = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    two, _ = open_public_order_case(tree["c1"], accepted="2025-03-03 10:00")
    three, _ = open_public_order_case(tree["s2"], accepted="2025-03-03 10:00")
    scan.run(at("2025-04-03 09:00"))
    return one, two, three


def test_bulk_orders_from_warnings_issue_one_order_per_case_in_scope(tree, people, red_warnings):
    one, two, _three = red_warnings
    everything = CaseWarning.objects.all()
    assert everything.filter(case=_three).exists()

    issued = orders.issue_orders_from_warnings(
        everything,
        demand="限期整改",
        reply_due_at=at("2025-04-10 17:00"),
        actor=people["d1"],
        at=at("2025-04-03 10:00"),
    )

    assert sorted((o.case.number, o.target_unit.code) for o in issued) == sorted(
        [(one.number, "500103-01"), (two.number, "500103-BA")]
    )
    for order in issued:
        assert set(order.warnings.all()) == set(CaseWarning.objects.filter(case=order.case))
        assert order.problem.startswith(order.warnings.first().name)
    again = orders.issue_orders_from_warnings(
        everything,
        demand="限期整改",
        reply_due_at=at("2025-04-10 17:00"),
        actor=people["d1"],
        at=at("2025-04-03 11:00"),
    )
    assert again == []


def test_bulk_orders_need_a_supervisor(tree, people, red_warnings):
    with pytest.raises(PermissionDeniedError):
        orders.issue_orders_from_warnings(
            CaseWarning.objects.all(),
            demand="限期整改",
            reply_due_at=at("2025-04-10 17:00"),
            actor=people["s1"],
            at=at("2025-04-03 10:00"),
        )


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [("city", {"d1", "d2"}), ("d1", {"d1"}), ("d2", {"d2"}), ("s1", {"d1"}), ("s2", {"d2"})],
)
def test_each_level_sees_the_orders_it_issued_or_received(tree, people, red_warnings, viewer, sees):
    one, _two, three = red_warnings
    by = {"d1": _issue(tree, one, people["d1"])}
    by["d2"] = orders.issue_order(
        tree["s2"],
        case=three,
        problem="p",
        demand="d",
        reply_due_at=at("2025-04-08 17:00"),
        actor=people["d2"],
        at=at("2025-04-01 09:00"),
    )

    visible = set(SupervisionOrder.objects.visible_to(people[viewer]))

    assert visible == {by[name] for name in sees}


def test_the_notice_holds_the_order_in_official_words(tree, people, case):
    order = _issue(tree, case, people["d1"])

    doc = Document(io.BytesIO(orders.notice_docx(order)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]

    assert "督办通知书" in text
    assert "500103-DB-2025-00001" in text
    assert "甲区一派出所：" in text
    assert "甲区分局" in text
    assert "2025年4月1日" in text
    assert cells == [
        ["案件", f"{case.number} {case.title}"],
        ["存在问题", "办案期限已超期"],
        ["督办要求", "立即依法作出处理决定"],
        ["答复期限", "2025年4月8日17时00分前"],
    ]


# --- Pages -----------------------------------------------------------------------------------------


def _post_issue(client, case, **extra):
    return client.post(
        reverse("supervision:order_new"),
        {
            "case": case.number,
            "target_unit": case.unit.code,
            "problem": "办案期限已超期",
            "demand": "立即整改",
            "reply_due_at": "2025-04-08T17:00",
            **extra,
        },
    )


@time_machine.travel(at("2025-04-01 09:00"), tick=False)
def test_the_loop_through_the_pages(client, tree, people, case):
    client.force_login(people["d1"])
    response = _post_issue(client, case)
    order = SupervisionOrder.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("supervision:order", args=[order.number])
    assert order.reply_due_at == at("2025-04-08 17:00")

    client.force_login(people["s1"])
    page = client.get(response.url)
    assert page.context["can_answer"]
    assert not page.context["can_verify"]
    answered = client.post(
        reverse("supervision:order_answer", args=[order.number]),
        {"rectification": "已整改", "evidence": "照片"},
        HTTP_HX_REQUEST="true",
    )
    assert (answered.status_code, answered["HX-Redirect"]) == (204, response.url)

    client.force_login(people["d1"])
    client.post(reverse("supervision:order_return", args=[order.number]), {"reason": "不全"})
    client.force_login(people["s1"])
    client.post(
        reverse("supervision:order_answer", args=[order.number]),
        {"rectification": "已补充", "evidence": "决定书"},
    )
    client.force_login(people["d1"])
    client.post(reverse("supervision:order_verify", args=[order.number]))

    page = client.get(response.url)
    order.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED
    assert [e.kind for e in page.context["events"]] == [
        "issued",
        "answered",
        "returned",
        "answered",
        "verified",
    ]
    assert "已核验办结" in page.content.decode()


@time_machine.travel(at("2025-04-01 09:00"), tick=False)
def test_the_issue_form_shows_a_refusal_next_to_its_field(client, tree, people, case):
    client.force_login(people["d1"])

    page = _post_issue(client, case, reply_due_at="2025-03-30T17:00", HTTP_HX_REQUEST="true")

    assert page.status_code == 200
    assert "必须晚于当前时间" in str(page.context["form"].errors["reply_due_at"])
    assert not SupervisionOrder.objects.exists()


def test_a_station_officer_cannot_open_the_issue_form(client, tree, people, case):
    client.force_login(people["s1"])

    assert client.get(reverse("supervision:order_new"), {"case": case.number}).status_code == 403


@time_machine.travel(at("2025-04-01 09:00"), tick=False)
def test_another_district_gets_404_for_an_order_and_its_notice(client, tree, people, case):
    order = _issue(tree, case, people["d1"], when="2025-03-31 09:00")
    client.force_login(people["s2"])

    assert client.get(reverse("supervision:order", args=[order.number])).status_code == 404
    assert client.get(reverse("supervision:order_notice", args=[order.number])).status_code == 404
    answer = client.post(
        reverse("supervision:order_answer", args=[order.number]),
        {"rectification": "x", "evidence": "y"},
    )
    assert answer.status_code == 404


@time_machine.travel(at("2025-04-01 09:00"), tick=False)
def test_an_answer_without_evidence_is_refused_on_its_field(client, tree, people, case):
    order = _issue(tree, case, people["d1"], when="2025-03-31 09:00")
    client.force_login(people["s1"])

    page = client.post(
        reverse("supervision:order_answer", args=[order.number]),
        {"rectification": "已整改", "evidence": ""},
        HTTP_HX_REQUEST="true",
    )

    assert page.status_code == 200
    assert list(page.context["answer_form"].errors) == ["evidence"]
    assert order.events.count() == 1


@time_machine.travel(at("2025-04-01 09:00"), tick=False)
def test_a_higher_level_that_sees_the_order_is_told_it_cannot_answer(
    client, tree, people, case, make_user
):
    order = _issue(tree, case, people["d1"], when="2025-03-31 09:00")
    client.force_login(make_user(Role.CLERK, tree["city"]))

    page = client.post(
        reverse("supervision:order_answer", args=[order.number]),
        {"rectification": "已整改", "evidence": "照片"},
        HTTP_HX_REQUEST="true",
    )

    assert page.status_code == 200
    assert page.context["answer_form"].non_field_errors() == [
        f"督办单 {order.number} 应由被督办单位“甲区一派出所”答复，您不属于该单位。"
    ]
    assert order.events.count() == 1


@time_machine.travel(at("2025-04-09 09:00"), tick=False)
def test_the_list_marks_overdue_orders_and_filters_them(client, tree, people, case):
    late = _issue(tree, case, people["d1"], when="2025-04-01 09:00", due="2025-04-08 17:00")
    _issue(tree, case, people["d1"], when="2025-04-01 09:00", due="2025-04-20 17:00")
    client.force_login(people["s1"])

    page = client.get(reverse("supervision:orders"), {"overdue": "1"})

    assert [o.number for o in page.context["page"]] == [late.number]
    assert page.context["overdue_count"] == 1
    assert 'data-testid="overdue"' in page.content.decode()


@time_machine.travel(at("2025-04-03 10:00"), tick=False)
def test_the_bulk_action_supervises_the_filtered_warnings(client, tree, people, red_warnings):
    one, two, _three = red_warnings
    client.force_login(people["city"])
    form = client.get(reverse("supervision:order_bulk"), {"unit": "500103"})
    assert (form.context["warning_count"], form.context["case_count"]) == (2, 2)

    done = client.post(
        reverse("supervision:order_bulk"),
        {
            "unit": "500103",
            "state": "open",
            "demand": "限期整改",
            "reply_due_at": "2025-04-10T17:00",
        },
    )

    assert done.status_code == 302
    assert {o.case.number for o in SupervisionOrder.objects.all()} == {one.number, two.number}
    assert set(SupervisionOrder.objects.values_list("level", flat=True)) == {"city"}


def test_the_warning_queue_offers_supervision_to_supervisors_only(
    client, tree, people, red_warnings
):
    client.force_login(people["d1"])
    assert 'data-testid="supervise"' in client.get(reverse("supervision:warnings")).content.decode()
    client.force_login(people["s1"])
    page = client.get(reverse("supervision:warnings")).content.decode()
    assert 'data-testid="supervise"' not in page
    assert 'data-testid="bulk-supervise"' not in page


@time_machine.travel(at("2025-04-03 10:00"), tick=False)
def test_an_order_from_a_warning_row_links_the_warning(client, tree, people, red_warnings):
    one = red_warnings[0]
    warning = CaseWarning.objects.filter(case=one).first()
    client.force_login(people["d1"])
    form = client.get(reverse("supervision:order_new"), {"warning": warning.pk})
    assert form.context["form"].initial["target_unit"] == "500103-01"

    client.post(
        reverse("supervision:order_new"),
        {
            "warning": warning.pk,
            "target_unit": "500103-01",
            "problem": "超期",
            "demand": "整改",
            "reply_due_at": "2025-04-10T17:00",
        },
    )

    order = SupervisionOrder.objects.get()
    assert (order.case, list(order.warnings.all())) == (one, [warning])


@time_machine.travel(at("2025-04-01 09:00"), tick=False)
def test_the_notice_downloads_as_docx_within_scope(client, tree, people, case):
    order = _issue(tree, case, people["d1"], when="2025-03-31 09:00")
    client.force_login(people["s1"])

    response = client.get(reverse("supervision:order_notice", args=[order.number]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{order.number}.docx"'
    doc = Document(io.BytesIO(response.content))
    assert doc.paragraphs[0].text == "督办通知书"


def test_the_menu_offers_orders_to_scoped_users(client, tree, people):
    client.force_login(people["s1"])
    page = client.get(reverse("supervision:orders"))
    assert page.status_code == 200
    assert reverse("supervision:orders") in [url for _l, url, _c in page.context["nav_items"]]


@time_machine.travel(at("2025-04-01 09:00"), tick=False)
def test_sending_back_an_unanswered_order_is_refused_on_the_form(client, tree, people, case):
    order = _issue(tree, case, people["d1"], when="2025-03-31 09:00")
    client.force_login(people["d1"])

    page = client.post(
        reverse("supervision:order_return", args=[order.number]),
        {"reason": "不全"},
        HTTP_HX_REQUEST="true",
    )

    assert page.status_code == 200
    assert page.context["return_form"].non_field_errors() == [
        f"督办单 {order.number} 当前状态为“待答复”，不能退回。"
    ]
    assert 'data-testid="refusal"' in page.content.decode()


@time_machine.travel(at("2025-04-01 09:00"), tick=False)
def test_a_lower_level_supervisor_is_told_it_cannot_verify(client, tree, people, case, make_user):
    order = _answer(
        _issue(tree, case, people["city"], when="2025-03-31 09:00"),
        people["s1"],
        "2025-03-31 10:00",
    )
    client.force_login(people["d1"])

    page = client.post(reverse("supervision:order_verify", args=[order.number]), follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.ANSWERED
    assert [str(m) for m in page.context["messages"]] == [
        f"督办单 {order.number} 由“示例市公安局”下发，只有该级或上级督办部门可以核验或退回。"
    ]
    assert not page.context["can_verify"]

"""The life of an application: online, window, 补正 clock stop, refusal, bundles, idempotency."""

import datetime as dt

import pytest

from fazhi.audit.models import AuditEntry
from fazhi.core.errors import PermissionDeniedError
from fazhi.core.roles import Role
from fazhi.services import applications as ops
from fazhi.services.formspec import FormInvalid
from fazhi.services.models import (
    Application,
    ApplicationEvent,
    Bundle,
    BundleItem,
    Channel,
    HandlingMode,
    Step,
)
from fazhi.services.models import (
    ApplicationStatus as S,
)
from fazhi.services.tests.factories import (
    GOOD_FORM,
    applicant,
    at,
    citizen,
    service_item,
    window_clerk,
)

pytestmark = pytest.mark.django_db


def online(item, unit, who=None, when="2026-09-29 09:00", **kwargs):
    return ops.submit(
        item,
        applicant=applicant(),
        unit=unit,
        channel=Channel.ONLINE,
        data=GOOD_FORM,
        by=who or citizen(),
        at=at(when),
        **kwargs,
    )


def test_an_online_application_completed_without_a_visit_counts_as_fully_online(tree):
    item, clerk = service_item(), window_clerk(tree["s1"])
    app = online(item, tree["s1"])
    ops.accept(app, clerk, at=at("2026-09-30 10:00"))
    ops.approve(app, clerk, at=at("2026-10-09 10:00"))
    ops.complete(app, clerk, at=at("2026-10-09 11:00"))
    app.refresh_from_db()
    assert (app.status, app.fully_online, app.on_the_spot) == (S.COMPLETED, True, False)
    assert app.mode == HandlingMode.ONLINE
    assert list(app.events.values_list("step", flat=True)) == [
        Step.SUBMIT, Step.ACCEPT, Step.APPROVE, Step.COMPLETE,
    ]  # fmt: skip


def test_the_time_limit_runs_in_working_days_from_acceptance_skipping_the_national_day(tree):
    app = online(service_item(promised_days=5), tree["s1"])
    ops.accept(app, window_clerk(tree["s1"]), at=at("2026-09-30 10:00"))
    assert app.due_on == dt.date(2026, 10, 13)  # 10-01…07 holiday, 10-10 a make-up working day


def test_a_visit_to_the_window_makes_an_online_application_not_fully_online(tree):
    clerk = window_clerk(tree["s1"])
    app = online(service_item(), tree["s1"])
    ops.accept(app, clerk, at=at("2026-09-30 10:00"))
    ops.record_visit(app, clerk, at=at("2026-10-09 09:00"))
    ops.approve(app, clerk, at=at("2026-10-09 10:00"))
    ops.complete(app, clerk, at=at("2026-10-09 11:00"))
    assert app.fully_online is False


def test_a_walk_in_completed_at_the_same_visit_the_same_day_counts_as_on_the_spot(tree):
    clerk = window_clerk(tree["s1"])
    item = service_item(on_the_spot=True, promised_days=0)
    app = ops.submit(
        item,
        applicant=applicant(),
        unit=tree["s1"],
        channel=Channel.WINDOW,
        data=GOOD_FORM,
        by=clerk,
        at=at("2026-03-02 09:00"),
    )
    ops.complete_on_the_spot(app, clerk, at=at("2026-03-02 09:20"))
    assert (app.status, app.on_the_spot, app.fully_online, app.due_on) == (
        S.COMPLETED, True, False, dt.date(2026, 3, 2),
    )  # fmt: skip


def test_an_item_that_cannot_be_completed_on_the_spot_refuses_it(tree):
    clerk = window_clerk(tree["s1"])
    app = ops.submit(
        service_item(),
        applicant=applicant(),
        unit=tree["s1"],
        channel=Channel.WINDOW,
        data=GOOD_FORM,
        by=clerk,
    )
    with pytest.raises(ops.ApplicationStateError, match="不能当场办结"):
        ops.complete_on_the_spot(app, clerk)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_supplement_after_acceptance_stops_the_clock_and_resumes_it_with_the_days_left(tree):
    clerk, person = window_clerk(tree["s1"]), citizen()
    app = online(service_item(promised_days=5), tree["s1"], who=person, when="2026-03-02 09:00")
    ops.accept(app, clerk, at=at("2026-03-02 10:00"))  # Monday; due 03-09
    assert app.due_on == dt.date(2026, 3, 9)
    ops.ask_supplement(app, clerk, missing=["准予迁入证明原件"], at=at("2026-03-04 10:00"))
    assert (app.status, app.days_used) == (S.SUPPLEMENT, 2)
    ops.supplement(app, person, at=at("2026-03-16 10:00"))  # 12 days later, a Monday
    assert (app.status, app.due_on) == (S.ACCEPTED, dt.date(2026, 3, 19))  # 3 working days left


def test_a_second_supplement_counts_only_the_days_since_the_clock_resumed(tree):
    clerk, person = window_clerk(tree["s1"]), citizen()
    app = online(service_item(promised_days=5), tree["s1"], who=person, when="2026-03-02 09:00")
    ops.accept(app, clerk, at=at("2026-03-02 10:00"))
    ops.ask_supplement(app, clerk, missing=["证明"], at=at("2026-03-04 10:00"))  # 2 used
    ops.supplement(app, person, at=at("2026-03-16 10:00"))  # Monday; 3 left, due 03-19
    ops.ask_supplement(app, clerk, missing=["照片"], at=at("2026-03-17 10:00"))  # 1 more used
    assert app.days_used == 3
    ops.supplement(app, person, at=at("2026-03-23 10:00"))  # Monday; 2 left
    assert app.due_on == dt.date(2026, 3, 25)


def test_supplement_before_acceptance_does_not_start_the_clock(tree):
    clerk, person = window_clerk(tree["s1"]), citizen()
    app = online(service_item(), tree["s1"], who=person, when="2026-03-02 09:00")
    ops.ask_supplement(app, clerk, missing=["户口簿"], at=at("2026-03-02 10:00"))
    ops.supplement(app, person, at=at("2026-03-05 10:00"))
    assert (app.status, app.due_on, app.days_used) == (S.SUBMITTED, None, 0)


def test_a_supplement_request_must_list_what_is_missing(tree):
    app = online(service_item(), tree["s1"])
    with pytest.raises(ops.ApplicationStateError, match="一次性列明"):
        ops.ask_supplement(app, window_clerk(tree["s1"]), missing=["  "])


def test_refusal_needs_a_reason_and_ends_the_application(tree):
    clerk = window_clerk(tree["s1"])
    app = online(service_item(), tree["s1"])
    with pytest.raises(ops.ApplicationStateError) as refused:
        ops.refuse(app, clerk, reason=" ")
    assert "第三十二条" in refused.value.basis
    ops.refuse(
        app, clerk, reason="不属于本机关职权范围，请向民政部门申请", at=at("2026-09-29 10:00")
    )
    app.refresh_from_db()
    assert app.status == S.REFUSED
    with pytest.raises(ops.ApplicationStateError, match="不予受理"):
        ops.accept(app, clerk)


def test_a_step_dated_before_the_submission_or_in_the_future_is_refused(tree):
    clerk = window_clerk(tree["s1"])
    app = online(service_item(), tree["s1"], when="2026-09-29 09:00")
    with pytest.raises(ops.ApplicationStateError, match="早于申请提交时间"):
        ops.accept(app, clerk, at=at("2026-09-29 08:59"))
    with pytest.raises(ops.ApplicationStateError, match="晚于当前时间"):
        ops.accept(app, clerk, at=at("2099-01-01 08:00"))
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_completing_what_was_never_approved_is_refused_and_changes_nothing(tree):
    clerk = window_clerk(tree["s1"])
    app = online(service_item(), tree["s1"])
    ops.accept(app, clerk, at=at("2026-09-30 10:00"))
    with pytest.raises(ops.ApplicationStateError, match="已受理"):
        ops.complete(app, clerk)
    app.refresh_from_db()
    assert (app.status, app.completed_at, app.events.count()) == (S.ACCEPTED, None, 2)


def test_every_form_and_applicant_error_is_reported_at_once_and_nothing_is_written(tree):
    bad = {"reason": "", "move_date": "2026-13-40", "household": "别墅户"}
    with pytest.raises(FormInvalid) as invalid:
        ops.submit(
            service_item(),
            applicant=ops.Applicant(name="", id_number="500103199003070010", phone="123"),
            unit=tree["s1"],
            channel=Channel.ONLINE,
            data=bad,
            by=citizen(),
        )
    assert set(invalid.value.errors) == {
        "reason", "move_date", "household", "applicant_name", "applicant_id_number",
        "applicant_phone",
    }  # fmt: skip
    assert Application.objects.count() == 0


def test_a_double_submit_with_the_same_idempotency_key_creates_one_application(tree):
    item, person = service_item(), citizen()
    first = online(item, tree["s1"], who=person, idempotency_key="k-1")
    second = online(item, tree["s1"], who=person, idempotency_key="k-1")
    assert first.pk == second.pk
    assert Application.objects.count() == 1
    assert ApplicationEvent.objects.filter(step=Step.SUBMIT).count() == 1


def test_a_window_only_item_cannot_be_applied_for_online(tree):
    item = service_item(modes=[HandlingMode.WINDOW])
    with pytest.raises(ops.ApplicationStateError, match="只能到窗口办理"):
        online(item, tree["s1"])


def test_a_clerk_outside_the_unit_scope_can_neither_submit_nor_handle(tree):
    other = window_clerk(tree["s2"])
    app = online(service_item(), tree["s1"])
    with pytest.raises(PermissionDeniedError):
        ops.accept(app, other)
    with pytest.raises(PermissionDeniedError):
        ops.submit(
            service_item(),
            applicant=applicant(),
            unit=tree["s1"],
            channel=Channel.WINDOW,
            data=GOOD_FORM,
            by=other,
        )


def test_a_case_officer_without_the_service_capability_cannot_handle(tree, make_user):
    app = online(service_item(), tree["s1"])
    with pytest.raises(PermissionDeniedError):
        ops.accept(app, make_user(Role.SUPERVISOR, tree["city"]))


def test_every_step_is_audited(tree):
    clerk = window_clerk(tree["s1"])
    app = online(service_item(), tree["s1"])
    ops.accept(app, clerk, at=at("2026-09-30 10:00"))
    actions = list(
        AuditEntry.objects.filter(object_id=str(app.pk)).values_list("action", flat=True)
    )
    assert actions == ["services.submit", "services.accept"]


def test_a_bundle_asks_each_field_once_and_completes_when_all_parts_complete(tree):
    clerk = window_clerk(tree["s1"])
    birth = service_item(name="出生登记", form=[
        {"key": "child_name", "label": "新生儿姓名", "type": "text"},
        {"key": "reason", "label": "申请事由", "type": "text"},
    ])  # fmt: skip
    insurance = service_item(name="医保参保", department="医保局", form=[
        {"key": "child_name", "label": "新生儿姓名", "type": "text"},
    ])  # fmt: skip
    bundle = Bundle.objects.create(code="YJS-T-1", name="新生儿出生一件事")
    BundleItem.objects.create(bundle=bundle, item=birth, order=1)
    BundleItem.objects.create(bundle=bundle, item=insurance, order=2)
    parent = ops.submit_bundle(
        bundle,
        applicant=applicant(),
        units=tree["s1"],
        channel=Channel.ONLINE,
        data={"child_name": "张小三", "reason": "出生"},
        by=citizen(),
        at=at("2026-03-02 09:00"),
    )
    parts = list(parent.parts.order_by("item__name"))
    assert [p.form_data for p in parts] == [{"child_name": "张小三", "reason": "出生"},
                                            {"child_name": "张小三"}]  # fmt: skip
    for n, part in enumerate(parts):
        ops.accept(part, clerk, at=at("2026-03-02 10:00"))
        ops.approve(part, clerk, at=at("2026-03-03 10:00"))
        ops.complete(part, clerk, at=at(f"2026-03-0{3 + n} 11:00"))
        parent.refresh_from_db()
        assert (parent.completed_at is not None) == (n == 1)
    assert parent.completed_at == at("2026-03-04 11:00")


def test_a_bundle_with_an_invalid_combined_form_creates_nothing(tree):
    bundle = Bundle.objects.create(code="YJS-T-2", name="测试一件事")
    BundleItem.objects.create(bundle=bundle, item=service_item(), order=1)
    with pytest.raises(FormInvalid):
        ops.submit_bundle(
            bundle,
            applicant=applicant(),
            units=tree["s1"],
            channel=Channel.ONLINE,
            data={},
            by=citizen(),
        )
    assert Application.objects.count() == 0

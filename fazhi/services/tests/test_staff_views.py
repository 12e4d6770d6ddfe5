"""The staff pages of 警快办: the queue, window intake, an application and its handling steps."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fazhi.audit.models import AuditEntry
from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory
from fazhi.services import applications as ops
from fazhi.services.models import Application, Channel, ServiceCategory, Step
from fazhi.services.models import ApplicationStatus as S
from fazhi.services.tests.factories import (
    GOOD_FORM,
    applicant,
    at,
    citizen,
    id_number,
    service_item,
    window_clerk,
)

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 10:00+08:00"  # a Tuesday
ID = id_number()  # 500103199003070017 or so: the applicant's full number


def walk_in(item, unit, clerk, when="2026-03-02 09:00", **kwargs):
    return ops.submit(
        item,
        applicant=applicant(),
        unit=unit,
        channel=Channel.WINDOW,
        data=GOOD_FORM,
        by=clerk,
        at=at(when),
        **kwargs,
    )


def online(item, unit, when="2026-03-02 09:00"):
    return ops.submit(
        item,
        applicant=applicant(),
        unit=unit,
        channel=Channel.ONLINE,
        data=GOOD_FORM,
        by=citizen(),
        at=at(when),
    )


def receipts(response) -> list[str]:
    return [a.receipt for a in response.context["page"]]


def act(client, app, code, **data):
    return client.post(reverse("services:act", args=[app.receipt, code]), data)


def detail(client, app):
    return client.get(reverse("services:application", args=[app.receipt]))


@pytest.fixture
def clerk(client, tree):
    user = window_clerk(tree["s1"])
    client.force_login(user)
    return user


# --- Scope and PII -------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_window_clerk_sees_only_their_stations_applications(client, tree, clerk):
    item = service_item()
    mine = walk_in(item, tree["s1"], clerk)
    walk_in(item, tree["s2"], window_clerk(tree["s2"]))

    assert receipts(client.get(reverse("services:queue"))) == [mine.receipt]


def test_a_clerk_of_another_station_gets_404_for_an_application(client, tree):
    app = walk_in(service_item(), tree["s1"], window_clerk(tree["s1"]))
    client.force_login(window_clerk(tree["s2"]))

    assert detail(client, app).status_code == 404
    assert act(client, app, "accept").status_code == 404
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_a_district_supervisor_sees_the_stations_applications_but_cannot_act(client, tree):
    app = walk_in(service_item(), tree["s1"], window_clerk(tree["s1"]))
    client.force_login(UserFactory(role=Role.SUPERVISOR, scope_unit=tree["d1"]))

    page = detail(client, app)
    assert page.status_code == 200
    assert page.context["actions"] == []
    response = act(client, app, "accept")  # a forged POST: refused with a message, not a 500

    assert response.status_code == 302
    assert "您没有办理警快办事项的权限" in detail(client, app).content.decode()
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_the_administrators_may_not_open_the_queue(client, tree, role):
    client.force_login(UserFactory(role=role, scope_unit=None))

    assert client.get(reverse("services:queue")).status_code == 403


def test_the_applicant_is_shown_masked_in_the_queue_and_on_the_application(client, tree, clerk):
    app = walk_in(service_item(), tree["s1"], clerk)

    queue_html = client.get(reverse("services:queue")).content.decode()
    detail_html = detail(client, app).content.decode()

    for html in (queue_html, detail_html):
        assert app.applicant_id_number not in html
        assert app.masked_id_number in html
    assert "139****5678" in detail_html
    assert "13912345678" not in detail_html


def test_revealing_the_applicants_id_number_is_audited(client, tree, clerk):
    app = walk_in(service_item(), tree["s1"], clerk)

    response = client.post(
        reverse("services:reveal_id", args=[app.receipt]), HTTP_HX_REQUEST="true"
    )

    assert app.applicant_id_number in response.content.decode()
    entry = AuditEntry.objects.get(action="pii.reveal")
    assert (entry.actor, entry.object_id) == (clerk, str(app.pk))


def test_revealing_without_the_capability_is_refused_and_not_logged(client, tree):
    app = walk_in(service_item(), tree["s1"], window_clerk(tree["s1"]))
    client.force_login(UserFactory(role=Role.LEADER, scope_unit=tree["city"]))

    response = client.post(reverse("services:reveal_id", args=[app.receipt]))

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="pii.reveal").exists()


# --- The queue's filters -------------------------------------------------------------------------


@pytest.fixture
def spread(tree, clerk):
    """Applications of s1 in different states, channels, items and deadlines (NOW: 03-10)."""
    household = service_item(name="户口迁入", promised_days=5)
    exit_entry = service_item(name="护照签发", category=ServiceCategory.EXIT_ENTRY)
    with time_machine.travel("2026-03-09 18:00+08:00", tick=False):
        new = walk_in(household, tree["s1"], clerk, when="2026-03-09 09:00")
        overdue = walk_in(household, tree["s1"], clerk, when="2026-02-24 09:00")
        ops.accept(overdue, clerk, at=at("2026-02-24 10:00"))  # due 03-03
        due_today = walk_in(household, tree["s1"], clerk, when="2026-03-03 09:00")
        ops.accept(due_today, clerk, at=at("2026-03-03 10:00"))  # due 03-10: not yet overdue
        soon = online(exit_entry, tree["s1"], when="2026-03-04 09:00")
        ops.accept(soon, clerk, at=at("2026-03-04 10:00"))  # due 03-11
        later = online(household, tree["s1"], when="2026-03-09 09:00")
        ops.accept(later, clerk, at=at("2026-03-09 10:00"))  # due 03-16
        stopped = walk_in(household, tree["s1"], clerk, when="2026-02-24 09:00")
        ops.accept(stopped, clerk, at=at("2026-02-24 10:00"))
        ops.ask_supplement(stopped, clerk, missing=["户口簿"], at=at("2026-02-25 10:00"))
    return {
        "household": household,
        "exit_entry": exit_entry,
        "new": new,
        "overdue": overdue,
        "due_today": due_today,
        "soon": soon,
        "later": later,
        "stopped": stopped,
    }


def filtered(client, **query) -> set[str]:
    return set(receipts(client.get(reverse("services:queue"), query)))


@time_machine.travel(NOW, tick=False)
def test_the_queue_filters_select_exactly_the_matching_applications(client, spread):
    r = {key: app.receipt for key, app in spread.items() if isinstance(app, Application)}

    assert filtered(client, status="accepted") == {
        r["overdue"], r["due_today"], r["soon"], r["later"],
    }  # fmt: skip
    assert filtered(client, status="supplement") == {r["stopped"]}
    assert filtered(client, overdue="on") == {r["overdue"]}  # a stopped clock is not overdue
    assert filtered(client, due_within_days="0") == {r["due_today"]}
    assert filtered(client, due_within_days="1") == {r["due_today"], r["soon"]}
    assert filtered(client, due_within_days="7") == {r["due_today"], r["soon"], r["later"]}
    assert filtered(client, channel="online") == {r["soon"], r["later"]}
    assert filtered(client, category="exit_entry") == {r["soon"]}
    assert filtered(client, item=spread["exit_entry"].code) == {r["soon"]}
    assert filtered(client, date_from="2026-03-04", date_to="2026-03-04") == {r["soon"]}
    assert filtered(client, date_from="2026-03-09") == {r["new"], r["later"]}
    assert filtered(client, q=r["new"][-6:].lower()) == {r["new"]}


@time_machine.travel(NOW, tick=False)
def test_the_queue_is_sorted_by_due_date_and_highlights_overdue_and_due_soon(client, spread):
    response = client.get(reverse("services:queue"))
    order = receipts(response)

    assert order == [
        spread["stopped"].receipt,  # 03-03, stopped: not highlighted (same day: newest id first)
        spread["overdue"].receipt,  # 03-03
        spread["due_today"].receipt,  # 03-10
        spread["soon"].receipt,  # 03-11
        spread["later"].receipt,  # 03-16
        spread["new"].receipt,  # no due date: last
    ]
    html = response.content.decode()
    assert html.count('data-due="overdue"') == 1
    assert html.count('data-due="soon"') == 2
    assert f'data-receipt="{spread["overdue"].receipt}" class="level-red"' in html


@time_machine.travel(NOW, tick=False)
def test_ended_applications_follow_the_open_ones_newest_first(client, spread, clerk, tree):
    item = service_item(name="临时身份证", on_the_spot=True, promised_days=0)
    with time_machine.travel(at("2026-03-05 09:30"), tick=False):
        older = walk_in(item, tree["s1"], clerk, when="2026-03-05 09:00")
        ops.complete_on_the_spot(older, clerk, at=at("2026-03-05 09:10"))
    with time_machine.travel(at("2026-03-06 09:30"), tick=False):
        newer = walk_in(item, tree["s1"], clerk, when="2026-03-06 09:00")
        ops.complete_on_the_spot(newer, clerk, at=at("2026-03-06 09:10"))

    order = receipts(client.get(reverse("services:queue")))

    assert order[-3:] == [spread["new"].receipt, newer.receipt, older.receipt]


@time_machine.travel(NOW, tick=False)
def test_the_status_counts_apply_every_filter_but_the_status(client, spread):
    counts = {
        value: n
        for value, _label, n in client.get(
            reverse("services:queue"), {"channel": "window", "status": "submitted"}
        ).context["counts"]
    }

    assert (counts["submitted"], counts["accepted"], counts["supplement"]) == (1, 2, 1)
    assert counts["completed"] == 0


def test_a_bad_date_range_names_the_dates_and_lists_nothing(client, tree, clerk):
    walk_in(service_item(), tree["s1"], clerk)

    response = client.get(
        reverse("services:queue"), {"date_from": "2026-03-05", "date_to": "2026-03-01"}
    )

    assert receipts(response) == []
    assert "提交日期至 2026-03-01 早于提交日期自 2026-03-05" in response.content.decode()


def test_the_queue_is_paginated(client, tree, clerk, monkeypatch):
    from fazhi.services import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    item = service_item()
    for _n in range(3):
        walk_in(item, tree["s1"], clerk)

    first = client.get(reverse("services:queue"))
    second = client.get(reverse("services:queue"), {"page": "2"})

    assert (len(receipts(first)), len(receipts(second))) == (2, 1)


# --- Window intake -------------------------------------------------------------------------------


def window_post(item, unit, *, key="k1", action="submit", **overrides):
    data = {
        "item": item.code,
        "unit": unit.code,
        "applicant_name": "李四",
        "applicant_id_type": "id_card",
        "applicant_id_number": ID,
        "applicant_phone": "13912345678",
        "idempotency_key": key,
        "action": action,
        **{f"form-{k}": v for k, v in GOOD_FORM.items()},
    }
    data.update(overrides)
    return data


def test_the_window_finds_items_by_name_or_code(client, tree, clerk):
    passport = service_item(name="普通护照签发")
    service_item(name="户口迁入")

    by_name = client.get(reverse("services:window"), {"q": "护照"})
    by_code = client.get(reverse("services:window"), {"q": passport.code})

    assert [i.code for i in by_name.context["items"]] == [passport.code]
    assert [i.code for i in by_code.context["items"]] == [passport.code]


def test_a_walk_in_application_is_registered_at_the_clerks_station(client, tree, clerk):
    item = service_item()

    response = client.post(reverse("services:window"), window_post(item, tree["s1"]))

    app = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("services:application", args=[app.receipt])
    assert (app.channel, app.unit, app.created_by, app.visits) == (
        Channel.WINDOW, tree["s1"], clerk, 1,
    )  # fmt: skip
    assert app.form_data == GOOD_FORM


def test_the_window_form_offers_the_clerks_scope_unit_first(client, tree, clerk):
    response = client.get(reverse("services:window"), {"item": service_item().code})

    form = response.context["form"]
    assert form.initial["unit"] == "500103-01"
    assert list(form.fields["unit"].queryset.values_list("code", flat=True)) == ["500103-01"]
    assert len(form.initial["idempotency_key"]) == 24


def test_the_window_shows_every_error_at_once_and_creates_nothing(client, tree, clerk):
    item = service_item()
    data = window_post(
        item,
        tree["s1"],
        applicant_name="",
        applicant_id_number="110101199003070012",
        applicant_phone="12345",
        **{"form-move_date": "not a date", "form-household": ""},
    )

    response = client.post(reverse("services:window"), data)

    assert response.status_code == 200
    assert not Application.objects.exists()
    form, item_form = response.context["form"], response.context["item_form"]
    assert sorted(form.errors) == ["applicant_id_number", "applicant_name", "applicant_phone"]
    assert sorted(item_form.errors) == ["household", "move_date"]
    html = response.content.decode()
    assert "请填写申请人姓名" in html
    assert "12345" in html  # the phone message names the value


def test_a_double_submit_with_the_same_key_registers_one_application(client, tree, clerk):
    item = service_item()
    data = window_post(item, tree["s1"], key="same-key")

    first = client.post(reverse("services:window"), data)
    second = client.post(reverse("services:window"), data, follow=True)

    assert Application.objects.count() == 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "重复提交" in second.content.decode()


def test_an_on_the_spot_item_is_completed_at_once_from_the_window(client, tree, clerk):
    item = service_item(on_the_spot=True, promised_days=0)

    client.post(reverse("services:window"), window_post(item, tree["s1"], action="on_the_spot"))

    app = Application.objects.get()
    assert (app.status, app.on_the_spot, app.fully_online) == (S.COMPLETED, True, False)
    assert list(app.events.values_list("step", flat=True)) == [
        Step.SUBMIT, Step.ACCEPT, Step.APPROVE, Step.COMPLETE,
    ]  # fmt: skip


def test_an_item_that_cannot_be_completed_on_the_spot_is_refused_and_nothing_is_kept(
    client, tree, clerk
):
    item = service_item(on_the_spot=False)

    response = client.post(
        reverse("services:window"), window_post(item, tree["s1"], action="on_the_spot")
    )

    assert response.status_code == 200
    assert "不能当场办结" in response.content.decode()
    assert not Application.objects.exists()


@pytest.fixture
def private_root(settings, tmp_path):
    settings.FAZHI_PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_scan_attached_at_the_window_is_stored_privately_with_its_material(
    client, tree, clerk, private_root
):
    item = service_item()
    material = item.materials.get(order=2)  # 准予迁入证明: not fetched by the system
    scan = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 scan", content_type="application/pdf")

    client.post(
        reverse("services:window"),
        {**window_post(item, tree["s1"]), f"material-{material.pk}": scan},
    )

    upload = Application.objects.get().uploads.get()
    assert (upload.material, upload.content_type, upload.original_name) == (
        material, "application/pdf", "证明.pdf",
    )  # fmt: skip
    assert (private_root / upload.file.name).read_bytes() == b"%PDF-1.4 scan"
    page = detail(client, Application.objects.get()).content.decode()
    assert reverse("services:upload", args=[upload.token]) in page


def test_a_refused_scan_is_reported_with_the_other_errors_and_nothing_is_kept(
    client, tree, clerk, private_root
):
    item = service_item()
    material = item.materials.get(order=2)
    fake = SimpleUploadedFile("证明.pdf", b"MZ not a pdf", content_type="application/pdf")
    data = {**window_post(item, tree["s1"], applicant_phone="123"), f"material-{material.pk}": fake}

    response = client.post(reverse("services:window"), data)

    assert response.status_code == 200
    assert list(response.context["file_errors"]) == [f"material-{material.pk}"]
    assert list(response.context["form"].errors) == ["applicant_phone"]
    assert not Application.objects.exists()
    assert [p for p in private_root.rglob("*") if p.is_file()] == []


def test_a_good_scan_is_not_kept_when_the_form_fails(client, tree, clerk, private_root):
    item = service_item()
    material = item.materials.get(order=2)
    scan = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 scan", content_type="application/pdf")
    data = {**window_post(item, tree["s1"], applicant_phone="123"), f"material-{material.pk}": scan}

    client.post(reverse("services:window"), data)

    assert not Application.objects.exists()
    assert [p for p in private_root.rglob("*") if p.is_file()] == []


def test_a_unit_outside_the_clerks_scope_is_not_accepted(client, tree, clerk):
    response = client.post(reverse("services:window"), window_post(service_item(), tree["s2"]))

    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert not Application.objects.exists()


# --- Handling steps ------------------------------------------------------------------------------


def test_each_step_runs_through_its_view_to_completion(client, tree, clerk):
    app = online(service_item(promised_days=5), tree["s1"], when="2026-03-02 09:00")

    act(client, app, "accept")
    act(client, app, "ask_supplement", **{"ask_supplement-missing": "户口簿\n\n准予迁入证明"})
    app.refresh_from_db()
    assert app.status == S.SUPPLEMENT
    assert app.events.get(step=Step.ASK_SUPPLEMENT).data["missing"] == ["户口簿", "准予迁入证明"]
    act(client, app, "supplement")
    act(client, app, "visit")
    act(client, app, "approve")
    response = act(client, app, "complete")

    assert response.status_code == 302
    app.refresh_from_db()
    assert (app.status, app.visits, app.fully_online) == (S.COMPLETED, 1, False)
    assert list(app.events.values_list("step", flat=True)) == [
        Step.SUBMIT, Step.ACCEPT, Step.ASK_SUPPLEMENT, Step.SUPPLEMENT, Step.VISIT,
        Step.APPROVE, Step.COMPLETE,
    ]  # fmt: skip


def test_refusal_and_rejection_record_their_reasons(client, tree, clerk):
    item = service_item()
    refused = walk_in(item, tree["s1"], clerk)
    rejected = walk_in(item, tree["s1"], clerk)
    ops.accept(rejected, clerk)

    act(client, refused, "refuse", **{"refuse-reason": "不属于本机关职权范围"})
    act(client, rejected, "reject", **{"reject-reason": "不符合迁入条件"})

    refused.refresh_from_db()
    rejected.refresh_from_db()
    assert (refused.status, refused.events.get(step=Step.REFUSE).reason) == (
        S.REFUSED, "不属于本机关职权范围",
    )  # fmt: skip
    assert (rejected.status, rejected.events.get(step=Step.REJECT).reason) == (
        S.REJECTED, "不符合迁入条件",
    )  # fmt: skip


def test_a_step_that_does_not_fit_the_state_is_shown_as_a_message_not_a_500(client, tree, clerk):
    app = walk_in(service_item(), tree["s1"], clerk)

    response = act(client, app, "complete")
    page = client.get(response["Location"])

    assert response.status_code == 302
    assert "当前状态为“已提交”，不能进行此操作" in page.content.decode()
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_a_refusal_without_a_reason_shows_the_form_error(client, tree, clerk):
    app = walk_in(service_item(), tree["s1"], clerk)

    response = act(client, app, "refuse", **{"refuse-reason": ""})

    assert response.status_code == 422
    assert response.context["actions"]  # the page, with the bound form
    bound = {a.code: f for a, f in response.context["actions"]}["refuse"]
    assert list(bound.errors) == ["reason"]
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_an_unknown_step_is_a_message(client, tree, clerk):
    app = walk_in(service_item(), tree["s1"], clerk)

    page = client.post(reverse("services:act", args=[app.receipt, "teleport"]), follow=True)

    assert "未知的办理环节：teleport" in page.content.decode()


def test_the_page_offers_only_the_steps_valid_in_the_current_state(client, tree, clerk):
    item = service_item(on_the_spot=True)
    app = walk_in(item, tree["s1"], clerk)

    def offered():
        return [a.code for a, _f in detail(client, app).context["actions"]]

    assert offered() == ["accept", "on_the_spot", "ask_supplement", "refuse", "visit"]
    ops.accept(app, clerk)
    assert offered() == ["ask_supplement", "approve", "reject", "visit"]
    ops.approve(app, clerk)
    assert offered() == ["complete", "visit"]
    ops.complete(app, clerk)
    assert offered() == []


@time_machine.travel("2026-03-17 10:00+08:00", tick=False)
def test_the_deadline_explains_the_stop_for_supplement_and_the_days_left(client, tree, clerk):
    person = citizen()
    app = ops.submit(
        service_item(promised_days=5),
        applicant=applicant(),
        unit=tree["s1"],
        channel=Channel.ONLINE,
        data=GOOD_FORM,
        by=person,
        at=at("2026-03-02 09:00"),
    )
    ops.accept(app, clerk, at=at("2026-03-02 10:00"))
    ops.ask_supplement(app, clerk, missing=["户口簿"], at=at("2026-03-04 10:00"))
    ops.supplement(app, person, at=at("2026-03-16 10:00"))  # due 03-19

    response = detail(client, app)

    clock = response.context["clock"]
    assert (clock.state, clock.due_on, clock.used_days, clock.left_days) == (
        "running", dt.date(2026, 3, 19), 3, 2,
    )  # fmt: skip
    assert clock.lines == [
        "2026-03-02 受理，承诺 5 个工作日办结：自 2026-03-02 起 5 个工作日（起始日不计入），"
        "期满日 2026-03-09；跳过 2026-03-07…08（周末）"
        "（《中华人民共和国行政许可法》第四十二条、第八十二条）",
        "2026-03-04 一次性告知补正，计时中止；此前已用 2 个工作日。",
        "2026-03-16 补正材料到达，恢复计时，剩余 3 个工作日：自 2026-03-16 起 3 个工作日"
        "（起始日不计入），期满日 2026-03-19（《中华人民共和国行政许可法》第四十二条、第八十二条）",
    ]
    assert "已用 3 个工作日，剩余 2 个工作日" in response.content.decode()


# --- Navigation and the window's home page -------------------------------------------------------


def test_the_menu_offers_the_queue_to_window_clerks_and_supervisors_only(client, tree):
    def menu(role, unit):
        client.force_login(UserFactory(role=role, scope_unit=unit))
        return [label for label, _url, _c in client.get("/").context["nav_items"]]

    assert "办件" in menu(Role.WINDOW, tree["s1"])
    assert "办件" in menu(Role.SUPERVISOR, tree["d1"])
    assert "办件" not in menu(Role.AUDIT_ADMIN, None)


@time_machine.travel(NOW, tick=False)
def test_the_window_home_counts_equal_the_rows_of_their_links(client, spread):
    cards = {
        card.key: card
        for panel in client.get("/").context["panels"]
        if panel.key == "services"
        for card in panel.cards
    }

    assert {key: card.value for key, card in cards.items()} == {
        "services_today": 0,
        "services_due_soon": 2,
        "services_overdue": 1,
    }
    for card in cards.values():
        assert len(receipts(client.get(card.url))) == card.value
    assert set(receipts(client.get(cards["services_overdue"].url))) == {spread["overdue"].receipt}


@time_machine.travel("2026-03-09 20:00+08:00", tick=False)
def test_the_window_home_counts_todays_applications(client, spread):
    cards = {c.key: c for p in client.get("/").context["panels"] for c in p.cards}

    assert cards["services_today"].value == 2
    assert set(receipts(client.get(cards["services_today"].url))) == {
        spread["new"].receipt,
        spread["later"].receipt,
    }

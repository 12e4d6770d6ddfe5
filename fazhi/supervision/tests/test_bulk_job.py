"""对筛选结果批量督办 runs as a long action (fazhi.core.jobs): the form starts it, its page counts
the orders as they are issued and links to them (issue 16)."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from fazhi.core.models import Job, JobState
from fazhi.supervision.models import SupervisionOrder
from fazhi.supervision.tests.factories import at
from fazhi.supervision.tests.test_orders import people, red_warnings  # noqa: F401 - fixtures

FORM = {"unit": "500103", "state": "open", "demand": "限期整改", "reply_due_at": "2025-04-10T17:00"}


@time_machine.travel(at("2025-04-03 10:00"), tick=False)
def test_the_bulk_action_runs_as_a_job_with_its_count_and_result(client, people, red_warnings):  # noqa: F811
    one, two, _three = red_warnings
    client.force_login(people["city"])
    started = client.post(reverse("supervision:order_bulk"), FORM)
    job = Job.objects.get()
    assert started.status_code == 302
    assert started["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.owner, job.state) == (
        "supervision.bulk_orders",
        people["city"],
        JobState.DONE,
    )
    assert (job.total, job.done) == (2, 2)
    assert job.title == "批量督办：2 件案件"
    assert {o.case.number for o in SupervisionOrder.objects.all()} == {one.number, two.number}
    page = client.get(started["Location"]).content.decode()
    assert "已批量下发督办单 2 份。" in page
    assert f'href="{reverse("supervision:orders")}"' in page
    assert "下发督办单" in page  # the stage counted
    # The same filter again: nothing new to issue, and the job says so.
    again = client.post(reverse("supervision:order_bulk"), FORM)
    assert "已批量下发督办单 0 份。" in client.get(again["Location"]).content.decode()
    assert SupervisionOrder.objects.count() == 2


@time_machine.travel(at("2025-04-03 10:00"), tick=False)
def test_a_supervisor_without_a_scope_is_refused_on_the_form(client, make_user, red_warnings):  # noqa: F811
    from fazhi.core.roles import Role

    client.force_login(make_user(Role.SUPERVISOR, None))
    response = client.post(reverse("supervision:order_bulk"), FORM)
    assert response.status_code == 200  # the form again, with the reason
    assert "您的账号没有数据范围，不能督办。" in response.content.decode()
    assert not Job.objects.exists()
    assert not SupervisionOrder.objects.exists()

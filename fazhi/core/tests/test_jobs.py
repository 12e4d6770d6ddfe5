"""Long actions (fazhi.core.jobs): run as tasks, their progress and result on a page only their
owner sees; their runs counted for /metrics (issue 16)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils.translation import gettext_noop
from huey import signals
from huey.contrib.djhuey import HUEY

from fazhi.core import jobs, progress
from fazhi.core.errors import FazhiError
from fazhi.core.models import Job, JobState, TaskStat, beat
from fazhi.core.roles import Role

SEEN: list[tuple[str, int | None, int]] = []


def _count_to_three(job: Job) -> jobs.Done:
    progress.stage("数一数")
    progress.count("条目", 3)
    for _ in range(3):
        progress.advance()
        row = Job.objects.get(pk=job.pk)  # what the page reads while the job runs
        SEEN.append((row.stage, row.total, row.done))
    return jobs.Done(gettext_noop("已批量下发督办单 %(n)d 份。"), {"n": job.params["n"]}, "/done/")


def _refuse(job: Job) -> jobs.Done:
    progress.count("条目", 5)
    progress.advance(2)
    raise FazhiError("答复期限早于今天，不能下发。")


def _crash(job: Job) -> jobs.Done:
    raise KeyError("甲某 110101199001011234")  # personal data must not reach the page


@pytest.fixture(autouse=True)
def kinds(monkeypatch):
    monkeypatch.setattr(jobs, "SAVE_EVERY", 0)
    monkeypatch.setattr(jobs, "_KINDS", dict(jobs._KINDS))
    jobs.register(jobs.Kind("test.count", "数数", _count_to_three))
    jobs.register(jobs.Kind("test.refuse", "拒绝", _refuse))
    jobs.register(jobs.Kind("test.crash", "出错", _crash))
    SEEN.clear()


@pytest.mark.django_db
def test_a_job_runs_reports_its_progress_and_its_result(make_user):
    owner = make_user(Role.SUPERVISOR)
    assert HUEY.immediate  # the tests run tasks at once (conftest.py)
    job = jobs.start("test.count", owner=owner, params={"n": 3}, title="数三件")
    job.refresh_from_db()
    assert SEEN == [("数一数", 3, 1), ("数一数", 3, 2), ("数一数", 3, 3)]
    assert (job.state, job.total, job.done, job.title) == (JobState.DONE, 3, 3, "数三件")
    assert job.started_at is not None
    assert job.finished_at >= job.started_at
    assert job.result == {"msgid": "已批量下发督办单 %(n)d 份。", "args": {"n": 3}}
    assert jobs.result_text(job) == "已批量下发督办单 3 份。"
    assert job.result_url == "/done/"


@pytest.mark.django_db
def test_a_refusal_is_shown_and_an_internal_error_is_not(make_user):
    owner = make_user(Role.SUPERVISOR)
    refused = jobs.start("test.refuse", owner=owner, params={})
    refused.refresh_from_db()
    assert (refused.state, refused.error) == (JobState.FAILED, "答复期限早于今天，不能下发。")
    assert (refused.total, refused.done) == (5, 2)  # how far it got
    crashed = jobs.start("test.crash", owner=owner, params={})
    crashed.refresh_from_db()
    assert crashed.state == JobState.FAILED
    assert "KeyError" in crashed.error
    assert "1101" not in crashed.error
    assert "甲某" not in crashed.error


@pytest.mark.django_db
def test_a_job_runs_once_even_if_delivered_twice(make_user):
    job = jobs.start("test.count", owner=make_user(Role.SUPERVISOR), params={"n": 1})
    SEEN.clear()
    jobs.execute(job.pk)
    assert SEEN == []


@pytest.mark.django_db
def test_without_immediate_mode_the_job_is_queued_when_the_transaction_commits(
    make_user, monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[int] = []
    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(jobs, "run_job", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start("test.count", owner=make_user(Role.SUPERVISOR), params={"n": 1})
        assert queued == []  # not before the row is committed: the worker must see it
    assert queued == [job.pk]
    job.refresh_from_db()
    assert job.state == JobState.QUEUED


# --------------------------------------------------------------------------- the page


@pytest.mark.django_db
def test_only_the_owner_sees_the_job_page(client, make_user):
    owner, other = make_user(Role.SUPERVISOR), make_user(Role.SUPERVISOR)
    job = jobs.start("test.count", owner=owner, params={"n": 2}, title="数两件")
    url = f"/jobs/{job.pk}/"
    assert client.get(url).status_code == 302  # to the login
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(owner)
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "数两件" in html
    assert 'data-state="done"' in html
    assert "已批量下发督办单 2 份。" in html
    assert 'href="/done/"' in html
    assert "hx-trigger" not in html  # finished: no more polling
    assert "已处理 3 / 3" in html


@pytest.mark.django_db
def test_a_running_job_is_polled_and_shows_its_count(client, make_user):
    owner = make_user(Role.SUPERVISOR)
    job = Job.objects.create(
        kind="test.count", title="数", owner=owner, state=JobState.RUNNING, stage="核对", total=40,
        done=10,
    )  # fmt: skip
    client.force_login(owner)
    fragment = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<html" not in html  # the fragment only
    assert f'hx-get="/jobs/{job.pk}/"' in html
    assert 'hx-trigger="every 1s"' in html
    assert 'value="10"' in html
    assert 'max="40"' in html
    assert "已处理 10 / 40" in html
    assert "核对" in html


@pytest.mark.django_db
def test_a_job_waiting_without_a_worker_says_so(client, make_user):
    owner = make_user(Role.SUPERVISOR)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    job = Job.objects.create(kind="test.count", title="数", owner=owner, created_at=long_ago)
    client.force_login(owner)
    assert 'data-testid="job-no-worker"' in client.get(f"/jobs/{job.pk}/").content.decode()
    beat("worker")  # a live worker: it is only waiting its turn
    assert 'data-testid="job-no-worker"' not in client.get(f"/jobs/{job.pk}/").content.decode()


# --------------------------------------------------------------------------- task runs


@pytest.mark.django_db
def test_each_finished_task_is_counted_with_its_duration():
    from fazhi.core import tasks

    task = SimpleNamespace(name="periodic_sweep", id="t1", retries=0)
    tasks.on_task_signal(signals.SIGNAL_EXECUTING, task)
    tasks.on_task_signal(signals.SIGNAL_COMPLETE, task)
    tasks.on_task_signal(
        signals.SIGNAL_LOCKED, SimpleNamespace(name="periodic_sweep", id="t2", retries=0)
    )
    tasks.on_task_signal(
        signals.SIGNAL_EXECUTING, SimpleNamespace(name="periodic_sweep", id="t3", retries=0)
    )
    tasks.on_task_signal(
        signals.SIGNAL_ERROR,
        SimpleNamespace(name="periodic_sweep", id="t3", retries=0),
        ValueError("x"),
    )
    row = TaskStat.objects.get(name="periodic_sweep")
    assert (row.completed, row.failed, row.locked) == (1, 1, 1)
    assert row.last_state == "error"
    assert row.seconds >= row.last_seconds >= 0


@pytest.mark.django_db
def test_a_job_run_by_huey_is_counted(make_user):
    from fazhi.core import tasks  # noqa: F401 - the worker's signal handlers

    jobs.start("test.count", owner=make_user(Role.SUPERVISOR), params={"n": 1})
    assert TaskStat.objects.get(name="run_job").completed == 1

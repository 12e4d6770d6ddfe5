"""/metrics: Prometheus figures, only to the allowed addresses (issue 16)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from prometheus_client.parser import text_string_to_metric_families

from fazhi.core.models import beat
from fazhi.core.monitoring import allowed, parse_allow


@pytest.mark.django_db
def test_metrics_to_localhost_by_default(client):
    client.get("/healthz")
    response = client.get("/metrics")  # the test client connects from 127.0.0.1
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert (
        'django_http_requests_total_by_view_transport_method_total{method="GET",transport="http",view="healthz"}'
        in body
    )
    assert "django_http_requests_latency_seconds_by_view_method_bucket{" in body
    assert 'fazhi_warnings_open{level="alarm"} 0.0' in body


@pytest.mark.django_db
def test_sweep_and_worker_figures(client):
    start = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
    beat("sweep", started_at=start, finished_at=start + dt.timedelta(seconds=12.5))
    beat("worker", finished_at=start)
    body = client.get("/metrics").content.decode()
    values = {
        sample.name: sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name.startswith("fazhi_")
    }
    assert values["fazhi_sweep_duration_seconds"] == 12.5
    assert values["fazhi_sweep_last_finished_timestamp_seconds"] == start.timestamp() + 12.5
    assert values["fazhi_worker_last_beat_timestamp_seconds"] == start.timestamp()


@pytest.mark.django_db
def test_any_other_address_gets_404(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    # A forwarded header does not make an address allowed.
    forged = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert forged.status_code == 404
    settings.FAZHI_METRICS_ALLOW = ["10.0.0.0/8", "::1/128"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


def test_the_allow_list():
    networks = parse_allow(["127.0.0.1/32", "192.168.0.0/16"])
    assert allowed("192.168.4.5", networks)
    assert not allowed("192.169.0.1", networks)
    assert not allowed("not-an-ip", networks)
    with pytest.raises(ImproperlyConfigured, match="FAZHI_METRICS_ALLOW"):
        parse_allow(["10.0.0.0/33"])


def _values(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


@pytest.mark.django_db
def test_task_runs_durations_and_open_jobs(client, make_user):
    from fazhi.core.models import Job, JobState, TaskStat
    from fazhi.core.roles import Role

    finished = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
    TaskStat.objects.create(
        name="periodic_sweep", completed=12, failed=1, locked=2, seconds=40.5, last_seconds=3.5,
        last_state="complete", last_finished_at=finished,
    )  # fmt: skip
    owner = make_user(Role.SUPERVISOR)
    Job.objects.create(kind="x", title="x", owner=owner)  # queued
    Job.objects.create(kind="x", title="x", owner=owner, state=JobState.DONE)
    values = _values(client.get("/metrics").content.decode())
    task = ("task", "periodic_sweep")
    assert values[("fazhi_task_runs_total", (("state", "completed"), task))] == 12
    assert values[("fazhi_task_runs_total", (("state", "failed"), task))] == 1
    assert values[("fazhi_task_runs_total", (("state", "locked"), task))] == 2
    assert values[("fazhi_task_duration_seconds_total", (task,))] == 40.5
    assert values[("fazhi_task_last_duration_seconds", (task,))] == 3.5
    assert values[("fazhi_task_last_finished_timestamp_seconds", (task,))] == finished.timestamp()
    assert values[("fazhi_jobs", (("state", "queued"),))] == 1
    assert values[("fazhi_jobs", (("state", "running"),))] == 0


@pytest.mark.django_db
def test_with_a_multiprocess_folder_every_web_process_is_summed(client, tmp_path, monkeypatch):
    """gunicorn -w N: each process writes its counters under PROMETHEUS_MULTIPROC_DIR and
    /metrics reads them all (here: two other processes that counted 2 and 3 requests)."""
    import subprocess
    import sys

    script = (
        "from prometheus_client import Counter\n"
        "import sys\n"
        "Counter('fazhi_test_requests', 'x', ['view']).labels('home').inc(int(sys.argv[1]))\n"
    )
    for n in ("2", "3"):
        subprocess.run(  # noqa: S603 - the test's own interpreter
            [sys.executable, "-c", script, n],
            env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
            check=True,
        )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    values = _values(client.get("/metrics").content.decode())
    assert values[("fazhi_test_requests_total", (("view", "home"),))] == 5
    assert ("fazhi_warnings_open", (("level", "alarm"),)) in values  # the database's figures too
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="PROMETHEUS_MULTIPROC_DIR"):
        client.get("/metrics")

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

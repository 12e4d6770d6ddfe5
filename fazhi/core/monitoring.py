"""Prometheus metrics at ``/metrics`` (issue 16; docs/operations/first-hour.md).

Requests: django-prometheus's middleware counts requests and measures latency by view
(``django_http_requests_total_by_view_transport_method``,
``django_http_requests_latency_seconds_by_view_method``). Fazhi adds, read from the database at
each scrape: the last full warning sweep's duration and age (``fazhi_sweep_duration_seconds``,
``fazhi_sweep_last_finished_timestamp_seconds``), the task worker's last heartbeat
(``fazhi_worker_last_beat_timestamp_seconds``) and the warnings open by level
(``fazhi_warnings_open{level=…}``).

Only the addresses in FAZHI_METRICS_ALLOW (comma-separated CIDRs, default 127.0.0.1/32) get an
answer; any other gets 404, as if there were no such page. The address is the connection's
(REMOTE_ADDR), never a forwarded header a client could forge.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allow(value: Iterable[str]) -> tuple[Network, ...]:
    """The CIDRs of FAZHI_METRICS_ALLOW; a malformed one stops start-up, naming it."""
    out = []
    for part in value:
        try:
            out.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"FAZHI_METRICS_ALLOW: {part!r} is not an address or network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(out)


def allowed(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)


class FazhiCollector(Collector):
    """The figures of the installation, read at each scrape (a failed read exports nothing)."""

    def describe(self) -> list[Any]:  # lets registration skip a first collect (no database yet)
        return [
            GaugeMetricFamily("fazhi_sweep_duration_seconds", "Duration of the last full sweep"),
            GaugeMetricFamily(
                "fazhi_sweep_last_finished_timestamp_seconds", "End of the last full sweep"
            ),
            GaugeMetricFamily(
                "fazhi_worker_last_beat_timestamp_seconds", "Last heartbeat of the task worker"
            ),
            GaugeMetricFamily("fazhi_warnings_open", "Warnings open, by level", labels=["level"]),
        ]

    def collect(self) -> Iterator[Any]:
        try:
            yield from self._collect()
        except Exception:
            logger.warning("metrics: the installation's figures could not be read", exc_info=True)

    def _collect(self) -> Iterator[Any]:
        from fazhi.core.models import Heartbeat
        from fazhi.core.status import open_warnings_by_level

        rows = {row.name: row for row in Heartbeat.objects.filter(name__in=["sweep", "worker"])}
        sweep = rows.get("sweep")
        if sweep is not None:
            if sweep.seconds is not None:
                yield GaugeMetricFamily(
                    "fazhi_sweep_duration_seconds",
                    "Duration of the last full sweep",
                    value=sweep.seconds,
                )
            yield GaugeMetricFamily(
                "fazhi_sweep_last_finished_timestamp_seconds",
                "End of the last full sweep",
                value=sweep.finished_at.timestamp(),
            )
        worker = rows.get("worker")
        if worker is not None:
            yield GaugeMetricFamily(
                "fazhi_worker_last_beat_timestamp_seconds",
                "Last heartbeat of the task worker",
                value=worker.finished_at.timestamp(),
            )
        family = GaugeMetricFamily(
            "fazhi_warnings_open", "Warnings open, by level", labels=["level"]
        )
        for level, count in open_warnings_by_level().items():
            family.add_metric([level], count)
        yield family


_collector: FazhiCollector | None = None


def install() -> None:
    """Register the collector once per process (at the first scrape)."""
    global _collector
    if _collector is None:
        _collector = FazhiCollector()
        REGISTRY.register(_collector)


def metrics(request: HttpRequest) -> HttpResponse:
    networks = parse_allow(settings.FAZHI_METRICS_ALLOW)
    if not allowed(request.META.get("REMOTE_ADDR", ""), networks):
        raise Http404
    install()
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)

"""Prometheus metrics at ``/metrics`` (issue 16; docs/operations/first-hour.md).

Requests: django-prometheus's middleware counts requests and measures latency by view
(``django_http_requests_total_by_view_transport_method``,
``django_http_requests_latency_seconds_by_view_method``). Fazhi adds, read from the database at
each scrape: the last full warning sweep's duration and age (``fazhi_sweep_duration_seconds``,
``fazhi_sweep_last_finished_timestamp_seconds``), the task worker's last heartbeat
(``fazhi_worker_last_beat_timestamp_seconds``), the warnings open by level
(``fazhi_warnings_open{level=…}``), the worker's task runs and their durations, counted in the
database by the worker itself (``fazhi_task_runs_total{task,state}``,
``fazhi_task_duration_seconds_total{task}``, ``fazhi_task_last_duration_seconds{task}``,
``fazhi_task_last_finished_timestamp_seconds{task}``) and the long actions by state
(``fazhi_jobs{state=queued|running}``) — the same in every web process.

With several web processes (gunicorn ``-w N``) the request counters of django-prometheus live in
each process: set PROMETHEUS_MULTIPROC_DIR to an empty folder before they start and /metrics
sums every process's files (prometheus-client's multiprocess mode; ADR 0026).

Only the addresses in FAZHI_METRICS_ALLOW (comma-separated CIDRs, default 127.0.0.1/32) get an
answer; any other gets 404, as if there were no such page. The address is the connection's
(REMOTE_ADDR), never a forwarded header a client could forge.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
TASK_LABELS = ["task", "state"]  # state: completed, failed, locked (skipped: the last still ran)


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
            *self._task_families(),
        ]

    @staticmethod
    def _task_families() -> list[Any]:
        return [
            CounterMetricFamily(
                "fazhi_task_runs", "Worker task runs, by task and end state", labels=TASK_LABELS
            ),
            CounterMetricFamily(
                "fazhi_task_duration_seconds", "Time spent in worker tasks", labels=["task"]
            ),
            GaugeMetricFamily(
                "fazhi_task_last_duration_seconds", "Duration of a task's last run", labels=["task"]
            ),
            GaugeMetricFamily(
                "fazhi_task_last_finished_timestamp_seconds",
                "End of a task's last run",
                labels=["task"],
            ),
            GaugeMetricFamily(
                "fazhi_jobs", "Long actions not finished, by state", labels=["state"]
            ),
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
        yield from self._tasks()

    def _tasks(self) -> Iterator[Any]:
        from django.db.models import Count

        from fazhi.core.models import Job, JobState, TaskStat

        runs, seconds, last, finished, pending = self._task_families()
        for row in TaskStat.objects.order_by("name"):
            task = row.name  # huey's name of the task: its function's
            for state in ("completed", "failed", "locked"):
                runs.add_metric([task, state], getattr(row, state))
            seconds.add_metric([task], row.seconds)
            if row.last_seconds is not None:
                last.add_metric([task], row.last_seconds)
            if row.last_finished_at is not None:
                finished.add_metric([task], row.last_finished_at.timestamp())
        counts = dict.fromkeys([JobState.QUEUED.value, JobState.RUNNING.value], 0)
        open_jobs = (
            Job.objects.filter(state__in=list(counts)).values("state").annotate(n=Count("pk"))
        )
        for item in open_jobs:
            counts[item["state"]] = item["n"]
        for state, n in counts.items():
            pending.add_metric([state], n)
        yield from (runs, seconds, last, finished, pending)


_collector: FazhiCollector | None = None


def install() -> None:
    """Register the collector once per process (at the first scrape)."""
    global _collector
    if _collector is None:
        _collector = FazhiCollector()
        REGISTRY.register(_collector)


def registry() -> CollectorRegistry:
    """The figures to export: this process's (django-prometheus) and the installation's; with
    PROMETHEUS_MULTIPROC_DIR, every web process's files summed instead of this one's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        install()
        return REGISTRY
    if not os.path.isdir(folder):
        raise ImproperlyConfigured(
            f"PROMETHEUS_MULTIPROC_DIR={folder!r} is not a folder: create it (empty) before "
            "the web processes start"
        )
    from prometheus_client import multiprocess

    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined, path=folder)  # type: ignore[no-untyped-call]
    combined.register(FazhiCollector())
    return combined


def metrics(request: HttpRequest) -> HttpResponse:
    networks = parse_allow(settings.FAZHI_METRICS_ALLOW)
    if not allowed(request.META.get("REMOTE_ADDR", ""), networks):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)

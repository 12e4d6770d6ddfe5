"""The periodic warning sweep, run by the huey worker (`fazhi run_huey`; docs/operations/worker.md).

Deadlines pass while nobody touches a case or an application: every FAZHI_SCAN_MINUTES minutes
the worker runs ``fazhi.core.warnings.sweep`` — the very run ``fazhi scan`` makes: every
registered source's rules, each in its own transaction, then the registered sweep steps (e.g.
escalating unanswered 督办 orders). ``lock_task`` keeps two sweeps from overlapping when one runs
long; a sweep killed mid-way is repaired by the next (docs/decisions/0014-one-warning-engine.md).

The worker also runs the long actions users start from a page (fazhi.core.jobs.run_job), and
counts every task's runs and durations in the database for /metrics (docs/decisions/0026).
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from huey import crontab, signals
from huey.contrib.djhuey import HUEY, db_periodic_task, lock_task

from fazhi.core import jobs, logs, warnings

logger = logging.getLogger(__name__)
__all__ = ["heartbeat", "jobs", "periodic_sweep"]  # jobs: its run_job task, for the worker

# huey's state → the TaskStat column it counts in.
COUNTED = {
    signals.SIGNAL_COMPLETE: "completed",
    signals.SIGNAL_ERROR: "failed",
    signals.SIGNAL_LOCKED: "locked",
}


def record_task(name: str, signal: str, seconds: float | None) -> None:
    """Count one finished run of task NAME in its TaskStat row (read by /metrics).

    One UPDATE of F() sums (an INSERT the first time), so runs are never lost to a race; a
    database that does not answer costs the figure, never the task.
    """
    from django.db.models import F

    from fazhi.core.models import TaskStat

    column = COUNTED.get(signal)
    if column is None:
        return
    changes: dict[str, Any] = {
        column: F(column) + 1,
        "last_state": signal,
        "last_finished_at": timezone.now(),
    }
    if seconds is not None:
        changes.update(seconds=F("seconds") + seconds, last_seconds=seconds)
    try:
        if not TaskStat.objects.filter(name=name).update(**changes):
            TaskStat.objects.get_or_create(name=name)
            TaskStat.objects.filter(name=name).update(**changes)
    except DatabaseError:
        logger.warning("task statistics: the run of %s was not counted", name, exc_info=True)


def on_task_signal(signal: str, task: Any, exc: BaseException | None = None) -> None:
    """One log line per finished task (fazhi.core.logs; JSON with FAZHI_LOG_FORMAT=json) and
    its count and duration in the database (fazhi.core.monitoring, /metrics)."""
    seconds = logs.task_signal(signal, task, exc)
    if signal != signals.SIGNAL_EXECUTING:
        record_task(task.name, signal, seconds)


HUEY.signal(
    signals.SIGNAL_EXECUTING,
    signals.SIGNAL_COMPLETE,
    signals.SIGNAL_ERROR,
    signals.SIGNAL_LOCKED,
)(on_task_signal)


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Say the worker is alive, once a minute (``fazhi status``: the worker's last heartbeat)."""
    from fazhi.core.models import beat

    beat("worker", host=socket.gethostname(), pid=os.getpid())


@db_periodic_task(crontab(minute=f"*/{settings.FAZHI_SCAN_MINUTES}"))
@lock_task("warning-sweep")
def periodic_sweep() -> dict[str, int]:
    """Run the sweep now and log what it changed."""
    result = warnings.sweep(timezone.now())
    out = {"opened": result.opened, "closed": result.closed, "escalated": result.escalated}
    for name, counts in sorted(result.sources.items()):
        out[f"{name}_opened"], out[f"{name}_closed"], out[f"{name}_escalated"] = (
            counts.opened,
            counts.closed,
            counts.escalated,
        )
    out.update(result.steps)
    logger.info("warning sweep: %s", " ".join(f"{k}={v}" for k, v in out.items()))
    return out

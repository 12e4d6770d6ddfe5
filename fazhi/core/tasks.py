"""The periodic warning sweep, run by the huey worker (`fazhi run_huey`; docs/operations/worker.md).

Deadlines pass while nobody touches a case or an application: every FAZHI_SCAN_MINUTES minutes
the worker runs ``fazhi.core.warnings.sweep`` — the very run ``fazhi scan`` makes: every
registered source's rules, each in its own transaction, then the registered sweep steps (e.g.
escalating unanswered 督办 orders). ``lock_task`` keeps two sweeps from overlapping when one runs
long; a sweep killed mid-way is repaired by the next (docs/decisions/0014-one-warning-engine.md).
"""

from __future__ import annotations

import logging
import os
import socket

from django.conf import settings
from django.utils import timezone
from huey import crontab, signals
from huey.contrib.djhuey import HUEY, db_periodic_task, lock_task

from fazhi.core import logs, warnings

logger = logging.getLogger(__name__)

# One log line per finished task (fazhi.core.logs; JSON with FAZHI_LOG_FORMAT=json).
HUEY.signal(
    signals.SIGNAL_EXECUTING,
    signals.SIGNAL_COMPLETE,
    signals.SIGNAL_ERROR,
    signals.SIGNAL_LOCKED,
)(logs.task_signal)


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

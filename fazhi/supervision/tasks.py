"""The periodic full scan, run by the huey worker (`fazhi run_huey`; docs/operations/worker.md).

Deadlines pass while nobody touches a case: every FAZHI_SCAN_MINUTES minutes the worker
evaluates every rule over all cases. ``lock_task`` keeps two scans from overlapping when one
runs long; a scan killed mid-way is repaired by the next (fazhi.supervision.scan).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from fazhi.supervision import orders, scan

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute=f"*/{settings.FAZHI_SCAN_MINUTES}"))
@lock_task("supervision-full-scan")
def periodic_scan() -> dict[str, int]:
    """Run the full scan now and log what it changed."""
    now = timezone.now()
    result = scan.run(now)
    orders_escalated = orders.escalate_unanswered(now)
    logger.info(
        "supervision scan: opened=%d closed=%d escalated=%d orders_escalated=%d",
        result.opened,
        result.closed,
        result.escalated,
        orders_escalated,
    )
    return {
        "opened": result.opened,
        "closed": result.closed,
        "escalated": result.escalated,
        "orders_escalated": orders_escalated,
    }

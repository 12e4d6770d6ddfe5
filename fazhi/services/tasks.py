"""The periodic service-deadline scan, run by the huey worker beside the supervision scan (ADR 0011)."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from fazhi.services import alerts

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute=f"*/{settings.FAZHI_SCAN_MINUTES}"))
@lock_task("services-deadline-scan")
def periodic_service_scan() -> dict[str, int]:
    """Open, close and escalate the 警快办 deadline warnings of all applications now."""
    result = alerts.run()
    logger.info(
        "services scan: opened=%d closed=%d escalated=%d",
        result.opened,
        result.closed,
        result.escalated,
    )
    return {"opened": result.opened, "closed": result.closed, "escalated": result.escalated}

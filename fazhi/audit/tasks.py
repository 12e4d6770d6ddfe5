"""The worker verifies the audit chain once a day (``fazhi status`` shows the last result)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

logger = logging.getLogger(__name__)


# 19:17 UTC (HUEY utc=True) is 03:17 in Shanghai, when nobody works.
@db_periodic_task(crontab(minute="17", hour="19"))
@lock_task("audit-verify")
def verify_audit_chain() -> bool:
    from fazhi.audit.status import verify_and_record

    result = verify_and_record()
    if not result.ok:
        logger.error("audit chain broken at entry #%s: %s", result.first_broken_id, result.reason)
    return result.ok

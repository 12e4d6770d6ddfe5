"""An applicant's identity number is shown masked; a full number is revealed only to a holder of
REVEAL_ID_NUMBER whose scope holds the application, and each reveal is written to the audit log
(action ``pii.reveal``, like a case party's or an officer's number).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from fazhi.audit import log as audit
from fazhi.core.access import require_capability
from fazhi.core.errors import PermissionDeniedError
from fazhi.core.roles import Capability
from fazhi.services.models import Application


@transaction.atomic
def reveal_id_number(application: Application, *, actor: Any, ip_address: str | None = None) -> str:
    """Return the applicant's full ID number and record that ACTOR saw it (``pii.reveal``)."""
    require_capability(actor, Capability.REVEAL_ID_NUMBER)
    if not Application.objects.visible_to(actor).filter(pk=application.pk).exists():
        raise PermissionDeniedError(gettext("该办件不在您的管辖范围内。"))
    audit.record(
        actor,
        "pii.reveal",
        application,
        changes={"field": "applicant_id_number", "receipt": application.receipt},
        ip_address=ip_address,
    )
    return application.applicant_id_number

"""Parties (当事人) of a case: their identity numbers are shown masked; a full number is revealed
only to a holder of REVEAL_ID_NUMBER, and each reveal is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from fazhi.audit import log as audit
from fazhi.cases.models import Party
from fazhi.core.access import require_capability
from fazhi.core.errors import PermissionDeniedError
from fazhi.core.roles import Capability


@transaction.atomic
def reveal_id_number(party: Party, *, actor: Any, ip_address: str | None = None) -> str:
    """Return PARTY's full identity number and record that ACTOR saw it (action ``pii.reveal``)."""
    require_capability(actor, Capability.REVEAL_ID_NUMBER)
    if not Party.objects.visible_to(actor).filter(pk=party.pk).exists():
        raise PermissionDeniedError(gettext("该当事人不在您的数据范围内。"))
    audit.record(
        actor,
        "pii.reveal",
        party,
        changes={"field": "id_number", "case": party.case.number},
        ip_address=ip_address,
    )
    return party.id_number

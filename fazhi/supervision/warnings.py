"""What people do with warnings: find those of their scope, and acknowledge one (签收)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.cases.models import Deadline
from fazhi.core.access import require_capability
from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import FazhiError, PermissionDeniedError
from fazhi.core.roles import Capability
from fazhi.org.models import Unit
from fazhi.supervision.models import (
    CaseWarning,
    SupervisionOrder,
    WarningEvent,
    WarningEventKind,
    WarningState,
)
from fazhi.supervision.rules import OrderUnanswered, WarningLevel, registry


class AlreadyAcknowledged(FazhiError):
    code = "already_acknowledged"


@dataclass(frozen=True)
class WarningFilter:
    level: str = ""
    rule: str = ""
    unit: str = ""  # a unit code: that unit and its subtree
    own: bool = False  # with UNIT: that unit's own cases only, not those of the units below it
    state: str = WarningState.OPEN
    escalated: str = ""
    handler_id: int | None = None  # warnings on the cases this officer handles ("my cases")
    since: dt.date | None = None  # opened or escalated on this local day or later (new ones)


def find_warnings(user: Any, f: WarningFilter) -> QuerySet[CaseWarning]:
    """Return the warnings USER may see that pass F, with their case, unit and due time."""
    qs = CaseWarning.objects.visible_to(user)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.rule:
        qs = qs.filter(rule=f.rule)
    if f.unit:
        # The subtree by tree path: unit codes need not share a prefix with their units' codes.
        unit = Unit.objects.filter(code=f.unit).first()
        if unit is None:
            qs = qs.none()
        elif f.own:
            qs = qs.filter(case__unit=unit)
        else:
            qs = qs.filter(case__unit__path__startswith=unit.path)
    if f.escalated:
        qs = qs.filter(escalated_level=f.escalated)
    if f.handler_id is not None:
        qs = qs.filter(case__handler_links__officer_id=f.handler_id)
    if f.since is not None:
        start = dt.datetime.combine(f.since, dt.time.min, SHANGHAI)
        qs = qs.filter(Q(opened_at__gte=start) | Q(escalated_at__gte=start))
    due = Deadline.objects.filter(
        case_id=OuterRef("case_id"), code=OuterRef("deadline_code"), key=OuterRef("subject_key")
    ).values("due_at")[:1]
    # An order warning's subject is the order (its id in subject_key): show its reply deadline.
    order_rules = [r.code for r in registry().all() if isinstance(r.condition, OrderUnanswered)]
    order = SupervisionOrder.objects.filter(pk=Cast(OuterRef("subject_key"), BigIntegerField()))
    is_order = Q(rule__in=order_rules, deadline_code="")
    qs = qs.select_related("case", "case__unit", "acknowledged_by").annotate(
        due_at=Case(
            When(is_order, then=Subquery(order.values("reply_due_at")[:1])),
            default=Subquery(due),
        ),
        order_number=Case(
            When(is_order, then=Subquery(order.values("number")[:1])),
            default=Value(""),
            output_field=CharField(),
        ),
    )
    found: QuerySet[CaseWarning] = qs.filter(level=f.level) if f.level else qs
    return found


def counts_by_level(qs: QuerySet[CaseWarning]) -> dict[str, int]:
    """Return {level: count} over QS (every level present, zero when none)."""
    found = dict(qs.order_by().values_list("level").annotate(n=Count("id")))
    return {level: found.get(level, 0) for level in WarningLevel.values}


@transaction.atomic
def acknowledge(warning: CaseWarning, *, actor: Any, at: dt.datetime) -> CaseWarning:
    """Record that the unit (or a supervisor) has seen the warning (签收); audited."""
    require_capability(actor, Capability.VIEW_SCOPED_DATA)
    if not (
        actor.has_capability(Capability.HANDLE_CASES) or actor.has_capability(Capability.SUPERVISE)
    ):
        raise PermissionDeniedError(_("您的角色无权签收预警。"))
    row: CaseWarning | None = (
        CaseWarning.objects.visible_to(actor).select_for_update().filter(pk=warning.pk).first()
    )
    if row is None:
        raise PermissionDeniedError(_("该预警不在您的数据范围内。"))
    if row.acknowledged_at is not None:
        raise AlreadyAcknowledged(
            _("该预警已于 %(at)s 签收。") % {"at": row.acknowledged_at}, field="warning"
        )
    row.acknowledged_at = at
    row.acknowledged_by = actor
    row.save(update_fields=["acknowledged_at", "acknowledged_by"])
    WarningEvent.objects.create(
        warning=row,
        kind=WarningEventKind.ACKNOWLEDGED,
        at=at,
        actor=actor,
        actor_label=actor.get_username(),
        escalated_level=row.escalated_level,
    )
    audit.record(
        actor,
        "supervision.warning.acknowledge",
        row,
        changes={"case": row.case.number, "rule": row.rule, "at": at},
    )
    return row

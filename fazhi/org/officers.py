"""Officers: find them within a user's scope, reveal a full ID number, correct a record.

Officer records are reference data maintained by the 系统管理员 (imports, or ``update_officer``
from a command); no business role edits them in the UI, which only reads
(docs/decisions/0008-accounts-and-officer-records.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fazhi.audit import log as audit
from fazhi.core.access import require_capability
from fazhi.core.errors import FazhiError, PermissionDeniedError
from fazhi.core.identity import mask_id, validate_citizen_id
from fazhi.core.roles import Capability
from fazhi.org.models import (
    Officer,
    OfficerQuerySet,
    OfficerStatus,
    QualificationLevel,
    Unit,
)

DEFAULT_EXPIRING_DAYS = 90


class QualificationState(models.TextChoices):  # 执法资格状态
    VALID = "valid", _("有效")
    EXPIRING = "expiring", _("即将到期")
    EXPIRED = "expired", _("已过期")
    NONE = "none", _("无资格")


class InvalidOfficerChange(FazhiError):
    code = "invalid_officer_change"


@dataclass(frozen=True)
class OfficerFilter:
    """What the officers list and ``GET /api/v1/org/officers`` may filter by."""

    unit_code: str = ""  # the unit and its subtree, within the user's scope
    qualification_level: int | None = None
    status: str = ""
    qualification_state: str = ""
    within_days: int = DEFAULT_EXPIRING_DAYS  # "expiring": expires within this many days
    search: str = ""  # name or 警号


def qualification_state(
    officer: Officer, on: dt.date, within_days: int = DEFAULT_EXPIRING_DAYS
) -> QualificationState:
    """Return the state of OFFICER's enforcement qualification on ON."""
    if officer.qualification_level is None:
        return QualificationState.NONE
    expires_on = officer.qualification_expires_on
    if officer.qualification_valid_on(on):
        if expires_on is not None and expires_on < on + dt.timedelta(days=within_days):
            return QualificationState.EXPIRING
        return QualificationState.VALID
    if officer.qualification_expires_on is not None and officer.qualification_expires_on < on:
        return QualificationState.EXPIRED
    return QualificationState.NONE  # granted in the future: not yet in force


def _by_state(officers: OfficerQuerySet, state: str, on: dt.date, days: int) -> OfficerQuerySet:
    valid = officers.qualification_valid_on(on)
    if state == QualificationState.VALID:
        return valid.exclude(qualification_expires_on__lt=on + dt.timedelta(days=days))
    if state == QualificationState.EXPIRING:
        return valid.qualification_expiring(on, days)
    if state == QualificationState.EXPIRED:
        return officers.filter(qualification_level__isnull=False, qualification_expires_on__lt=on)
    if state == QualificationState.NONE:
        return officers.filter(
            Q(qualification_level__isnull=True) | Q(qualification_granted_on__gt=on)
        )
    return officers


def find_officers(user: Any, filters: OfficerFilter, *, on: dt.date) -> OfficerQuerySet:
    """Return the officers USER may see that match FILTERS, ordered by 警号.

    A unit outside the user's scope matches nobody: the filter never widens the scope.
    """
    officers = Officer.objects.visible_to(user).select_related("unit")
    if filters.unit_code:
        unit = Unit.objects.visible_to(user).filter(code=filters.unit_code).first()
        if unit is None:
            return officers.none()
        officers = officers.filter(unit__path__startswith=unit.path)
    if filters.qualification_level is not None:
        officers = officers.filter(qualification_level=filters.qualification_level)
    if filters.status:
        officers = officers.filter(status=filters.status)
    if filters.qualification_state:
        officers = _by_state(officers, filters.qualification_state, on, filters.within_days)
    term = filters.search.strip()
    if term:
        officers = officers.filter(Q(name__icontains=term) | Q(police_number__icontains=term))
    return officers.order_by("police_number")


@transaction.atomic
def reveal_id_number(officer: Officer, *, actor: Any, ip_address: str | None = None) -> str:
    """Return OFFICER's full ID number and record that ACTOR saw it (action ``pii.reveal``).

    Every display of a full ID number is written to the audit log, in the same transaction.
    """
    require_capability(actor, Capability.REVEAL_ID_NUMBER)
    if not Officer.objects.visible_to(actor).filter(pk=officer.pk).exists():
        raise PermissionDeniedError(gettext("该民警不在您的数据范围内。"))
    audit.record(
        actor, "pii.reveal", officer, changes={"field": "id_number"}, ip_address=ip_address
    )
    return officer.id_number


EDITABLE_FIELDS = (
    "name",
    "id_number",
    "unit",
    "status",
    "qualification_level",
    "qualification_granted_on",
    "qualification_expires_on",
)

QUALIFICATION_FIELDS = (
    "qualification_level",
    "qualification_granted_on",
    "qualification_expires_on",
)


def _snapshot(officer: Officer) -> dict[str, Any]:
    # The audit log never holds a full ID number: it records the masked form.
    return {
        "name": officer.name,
        "id_number": mask_id(officer.id_number),
        "unit": officer.unit.code,
        "status": officer.status,
        "qualification_level": officer.qualification_level,
        "qualification_granted_on": officer.qualification_granted_on,
        "qualification_expires_on": officer.qualification_expires_on,
    }


def _invalid(field: str, value: Any, why: str) -> InvalidOfficerChange:
    return InvalidOfficerChange(
        gettext("%(field)s 的值 %(value)s 无效：%(why)s")
        % {"field": field, "value": value, "why": why},
        field=field,
    )


def _validate(officer: Officer, changes: dict[str, Any]) -> None:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise _invalid(unknown[0], changes[unknown[0]], gettext("该字段不能修改。"))
    if "id_number" in changes:
        changes["id_number"] = validate_citizen_id(changes["id_number"]).number
    if "status" in changes and changes["status"] not in OfficerStatus.values:
        raise _invalid("status", changes["status"], gettext("不是有效的民警状态。"))
    level = changes.get("qualification_level", officer.qualification_level)
    if level is not None and level not in QualificationLevel.values:
        raise _invalid("qualification_level", level, gettext("不是有效的执法资格等级。"))
    if "unit" in changes and not isinstance(changes["unit"], Unit):
        raise _invalid("unit", changes["unit"], gettext("应为一个单位。"))
    granted = changes.get("qualification_granted_on", officer.qualification_granted_on)
    expires = changes.get("qualification_expires_on", officer.qualification_expires_on)
    if level is not None and (granted is None or expires is None):
        raise _invalid(
            "qualification_expires_on" if granted else "qualification_granted_on",
            None,
            gettext("有执法资格等级时，资格取得日期和有效期都必须填写。"),
        )
    if granted is not None and expires is not None and expires < granted:
        raise _invalid(
            "qualification_expires_on",
            expires.isoformat(),
            gettext("资格有效期不能早于资格取得日期 %(granted)s。")
            % {"granted": granted.isoformat()},
        )


@transaction.atomic
def update_officer(officer: Officer, changes: dict[str, Any], *, actor: Any) -> Officer:
    """Apply CHANGES to OFFICER after validating them, and audit the fields before/after.

    Only the 系统管理员 (Capability.IMPORT_REFERENCE_DATA) maintains officer records; the
    training department (Capability.MANAGE_TRAINING) may change the qualification fields alone,
    which is how a published exam result grants or renews a level (fazhi.training.exams).
    """
    qualification_only = bool(changes) and set(changes) <= set(QUALIFICATION_FIELDS)
    if not (
        qualification_only
        and actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.has_capability(Capability.MANAGE_TRAINING)
    ):
        require_capability(actor, Capability.IMPORT_REFERENCE_DATA)
    changes = dict(changes)
    _validate(officer, changes)
    before = _snapshot(officer)
    for field, value in changes.items():
        setattr(officer, field, value)
    try:
        officer.full_clean(validate_unique=True, validate_constraints=True)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise _invalid(field, changes.get(field, ""), " ".join(messages)) from exc
    officer.save()
    diff = audit.diff_fields(before, _snapshot(officer))
    if diff:
        audit.record(actor, "officer.update", officer, changes=diff)
    return officer

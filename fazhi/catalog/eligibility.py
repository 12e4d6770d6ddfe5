"""Who may exercise an enforcement item, and where.

``can_enforce`` answers whether an officer may act on an item on a given day: only officers on
duty who hold a 行政执法资格 in force that day, of at least the level the item needs, may act
(《中华人民共和国行政处罚法》第四十二条); an officer of a township (乡镇/街道) may act only on
items delegated to that township on that day (赋权乡镇, 《中华人民共和国行政处罚法》第二十四条).
``item_allowed_at_unit`` answers whether a unit may handle cases of an item (应进必进).

Both return an ``Eligibility`` listing every reason for a refusal, not only the first, so the
officer sees all that must be fixed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fazhi.catalog.models import Delegation, EnforcementItem
from fazhi.law.citations import format_citation
from fazhi.org.models import Officer, OfficerStatus, QualificationLevel, Unit, UnitKind

PENALTY_LAW = "中华人民共和国行政处罚法"
QUALIFICATION_BASIS = format_citation(PENALTY_LAW, 42)  # 行政执法资格
TOWNSHIP_BASIS = format_citation(PENALTY_LAW, 24)  # 乡镇、街道承接行政处罚权
# 应进必进 is a working requirement of the bureau's case-handling centres (seed report), not a
# statute; the document that imposes it has not been identified, so it is marked unverified.
CENTRE_BASIS = gettext_lazy("“应进必进”执法办案管理中心工作要求（依据文件未核实）")


@dataclass(frozen=True)
class Eligibility:
    """The answer to "may this be done?": ``ok``, every reason against, and the legal basis."""

    ok: bool
    reasons: list[str] = field(default_factory=list)
    basis: str = ""

    def __bool__(self) -> bool:
        return self.ok


def _delegated_on(item: EnforcementItem, township: Unit, on: dt.date) -> bool:
    return (
        Delegation.objects.filter(township=township, item=item, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .exists()
    )


def can_enforce(officer: Officer, item: EnforcementItem, on: dt.date) -> Eligibility:
    """Return whether OFFICER may exercise ITEM on the day ON, with every reason if not.

    Implements 《中华人民共和国行政处罚法》第四十二条 (only officers holding a 行政执法资格
    act) and, for township officers, 第二十四条 (only the delegated powers). The validity
    dates of a qualification are inclusive: it is in force on its grant and expiry days.
    """
    reasons: list[str] = []
    names = {"officer": str(officer), "on": on.isoformat(), "item": str(item)}
    if not item.is_active:
        reasons.append(_("执法事项“%(item)s”已停用，不能实施。") % names)
    if officer.status != OfficerStatus.ON_DUTY:
        reasons.append(
            _("%(officer)s 当前状态为“%(status)s”，只有在岗民警才能执法。")
            % {**names, "status": officer.get_status_display()}
        )
    if officer.qualification_level is None:
        reasons.append(_("%(officer)s 未取得行政执法资格。") % names)
    else:
        granted, expires = officer.qualification_granted_on, officer.qualification_expires_on
        if granted is not None and on < granted:
            reasons.append(
                _("%(officer)s 的执法资格自 %(granted)s 起取得，%(on)s 尚未取得。")
                % {**names, "granted": granted.isoformat()}
            )
        if expires is not None and on > expires:
            reasons.append(
                _("%(officer)s 的执法资格已于 %(expires)s 到期，%(on)s 不在有效期内。")
                % {**names, "expires": expires.isoformat()}
            )
        if officer.qualification_level < item.required_qualification:
            reasons.append(
                _("%(officer)s 的执法资格等级为%(level)s，该事项需要%(required)s或以上。")
                % {
                    **names,
                    "level": officer.get_qualification_level_display(),
                    "required": QualificationLevel(item.required_qualification).label,
                }
            )
    basis = QUALIFICATION_BASIS
    unit = officer.unit
    if unit.kind == UnitKind.TOWNSHIP:
        basis = f"{QUALIFICATION_BASIS}；{TOWNSHIP_BASIS}"
        township = {**names, "unit": str(unit)}
        if not item.delegable_to_township:
            reasons.append(
                _("执法事项“%(item)s”不可赋权乡镇（街道），%(unit)s 不能实施。") % township
            )
        elif not _delegated_on(item, unit, on):
            reasons.append(_("执法事项“%(item)s”在 %(on)s 未赋权给 %(unit)s。") % township)
    return Eligibility(ok=not reasons, reasons=reasons, basis=basis)


def item_allowed_at_unit(item: EnforcementItem, unit: Unit) -> Eligibility:
    """Return whether cases of ITEM may be handled at UNIT (应进必进: centre items in a centre)."""
    reasons: list[str] = []
    if item.must_use_centre and not unit.is_case_centre:
        reasons.append(
            _(
                "执法事项“%(item)s”的案件须进执法办案管理中心办理（应进必进），%(unit)s 不是执法办案管理中心。"
            )
            % {"item": str(item), "unit": str(unit)}
        )
    return Eligibility(ok=not reasons, reasons=reasons, basis=str(CENTRE_BASIS))

"""Confirm unverified discretion rules from the official text (法制员), and read the confirmations.

The engine stays free of the database: a caller loads ``confirmed_rule_keys()`` once and passes
it to ``decide(..., confirmed=...)``.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.audit import log as audit
from fazhi.core.access import require_capability
from fazhi.core.errors import FazhiError
from fazhi.core.roles import Capability
from fazhi.discretion.models import RuleConfirmation
from fazhi.discretion.packs import Library, load_library


class ConfirmationError(FazhiError):
    code = "rule_confirmation"


@transaction.atomic
def confirm_rule(
    actor: Any,
    pack: str,
    rule_id: str,
    *,
    source: str,
    note: str = "",
    library: Library | None = None,
) -> RuleConfirmation:
    """Record that ACTOR checked rule RULE_ID of PACK against SOURCE; the mark goes away.

    Only holders of ``Capability.REVIEW_CASES`` (法制员) may confirm. The rule must exist and be
    unverified; SOURCE (e.g. 全国人大常委会公报2025年第X号) is required. Audited.
    """
    require_capability(actor, Capability.REVIEW_CASES)
    if not source.strip():
        raise ConfirmationError(_("请写明核实所依据的官方文本（如公报期号）。"), field="source")
    lib = library or load_library()
    found = next((p for p in lib.packs if p.name == pack), None)
    if found is None:
        raise ConfirmationError(
            _("没有名为“%(pack)s”的裁量规则包。") % {"pack": pack}, field="pack"
        )
    rule = next((r for r in found.rules() if r.id == rule_id), None)
    if rule is None:
        raise ConfirmationError(
            _("规则包 %(pack)s 中没有规则“%(rule)s”。") % {"pack": pack, "rule": rule_id},
            field="rule_id",
        )
    if not rule.unverified:
        raise ConfirmationError(
            _("规则 %(rule)s 并未标记为未核实，无需核实。") % {"rule": rule.key}, field="rule_id"
        )
    try:
        with transaction.atomic():
            row = RuleConfirmation.objects.create(
                pack=pack,
                rule_id=rule_id,
                version_label=found.version,
                rule_digest=rule.digest,
                confirmed_by=actor,
                confirmed_at=timezone.now(),
                source=source.strip(),
                note=note,
            )
    except IntegrityError:
        raise ConfirmationError(
            _("规则 %(rule)s 的当前内容已经核实过。") % {"rule": rule.key}, field="rule_id"
        ) from None
    audit.record(
        actor,
        "discretion.rule.confirm",
        row,
        changes={
            "pack": pack,
            "rule": rule_id,
            "version": found.version,
            "digest": rule.digest,
            "citation": rule.citation,
            "source": row.source,
        },
    )
    return row


def confirmed_rule_keys() -> frozenset[str]:
    """Return the ``Rule.confirmation_key`` of every confirmation (pass it to ``decide``)."""
    return frozenset(
        f"{pack}#{rule_id}@{digest}"
        for pack, rule_id, digest in RuleConfirmation.objects.values_list(
            "pack", "rule_id", "rule_digest"
        )
    )

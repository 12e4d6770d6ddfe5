"""Clean-up campaigns (清理): select the documents, assign reviewers, record each outcome with its
reason, and publish the list of documents continued, amended and repealed.

A campaign of the documents "resting on a changed law" reuses the impact report: the documents
whose basis cites a provision the change touched (fazhi.rulebook.impact).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core import auditing, warnings
from fazhi.core.errors import FazhiError
from fazhi.rulebook import impact, lifecycle
from fazhi.rulebook.alerts import DOCUMENTS
from fazhi.rulebook.models import (
    CampaignScope,
    CleanupCampaign,
    CleanupEntry,
    EndKind,
    LawChange,
    NormativeDocument,
)

OUTCOMES = (EndKind.CONTINUED, EndKind.AMENDED, EndKind.REPEALED)


class CleanupError(FazhiError):
    code = "cleanup"


def documents_resting_on(change: LawChange, day: dt.date) -> list[int]:
    """The documents in force on DAY whose basis cites a provision CHANGE touched."""
    rep = impact.report(change.law, change.from_version, change.to_version)
    ids = {
        int(citer.owner_id)
        for touched in rep.touched
        for citer in touched.citers
        if citer.kind == "rulebook.document"
    }
    return list(
        NormativeDocument.objects.in_force(day).filter(pk__in=ids).values_list("pk", flat=True)
    )


@transaction.atomic
def start(
    *,
    title: str,
    scope: str,
    started_on: dt.date,
    due_on: dt.date,
    reviewers: Sequence[Any] = (),
    law_change: LawChange | None = None,
    actor: Any,
) -> CleanupCampaign:
    """Open a campaign over the documents of SCOPE, the reviewers assigned in turn."""
    if not title.strip():
        raise CleanupError(_("请填写清理名称。"), field="title")
    if due_on < started_on:
        raise CleanupError(_("完成期限不能早于开始日期。"), field="due_on")
    if scope == CampaignScope.LAW_CHANGE:
        if law_change is None:
            raise CleanupError(_("请选择所依据的法律修改。"), field="law_change")
        ids = documents_resting_on(law_change, started_on)
    elif scope == CampaignScope.ALL:
        ids = list(NormativeDocument.objects.in_force(started_on).values_list("pk", flat=True))
    else:
        raise CleanupError(_("清理范围不正确。"), field="scope")
    if not ids:
        raise CleanupError(_("所选范围内没有现行有效的文件。"), field="scope")
    campaign = CleanupCampaign.objects.create(
        title=title.strip(),
        scope=scope,
        law_change=law_change if scope == CampaignScope.LAW_CHANGE else None,
        started_on=started_on,
        due_on=due_on,
        created_at=timezone.now(),
    )
    people = list(reviewers)
    CleanupEntry.objects.bulk_create(
        CleanupEntry(
            campaign=campaign,
            document_id=pk,
            reviewer=people[index % len(people)] if people else None,
        )
        for index, pk in enumerate(sorted(ids))
    )
    auditing.record(actor, "rulebook.cleanup.start", campaign, changes={"documents": len(ids)})
    return campaign


@transaction.atomic
def decide(
    entry: CleanupEntry, *, outcome: str, reason: str, actor: Any, on: dt.date | None = None
) -> CleanupEntry:
    """Record the outcome of one document with its reason."""
    if entry.campaign.published_on is not None:
        raise CleanupError(_("清理结果已公布，不能再修改。"), field="outcome")
    if outcome not in OUTCOMES:
        raise CleanupError(_("请选择清理结论：继续有效、修改或废止。"), field="outcome")
    if not reason.strip():
        raise CleanupError(_("请写明清理理由。"), field="reason")
    entry.outcome, entry.reason = outcome, reason.strip()
    entry.decided_on = on or timezone.localdate()
    if entry.reviewer_id is None and getattr(actor, "is_authenticated", False):
        entry.reviewer = actor
    entry.save(update_fields=["outcome", "reason", "decided_on", "reviewer"])
    auditing.record(actor, "rulebook.cleanup.decide", entry, changes={"outcome": outcome})
    warnings.refresh(DOCUMENTS, [entry.document_id], at=timezone.now())
    return entry


@transaction.atomic
def publish(campaign: CleanupCampaign, *, on: dt.date | None = None, actor: Any) -> CleanupCampaign:
    """Publish the campaign's list; the repealed documents end on the day of publication."""
    if campaign.published_on is not None:
        raise CleanupError(_("清理结果已公布。"), field="published_on")
    open_count = campaign.entries.filter(outcome="").count()
    if open_count:
        raise CleanupError(
            _("还有 %(count)d 件文件没有清理结论，不能公布。") % {"count": open_count},
            field="published_on",
        )
    on = on or timezone.localdate()
    for entry in campaign.entries.filter(outcome=EndKind.REPEALED).select_related("document"):
        lifecycle.record_step(
            entry.document,
            "end",
            outcome=EndKind.REPEALED,
            data={
                "reason": _("经清理废止（%(title)s）：%(reason)s")
                % {"title": campaign.title, "reason": entry.reason}
            },
            on=on,
            actor=actor,
        )
    campaign.published_on = on
    campaign.save(update_fields=["published_on"])
    auditing.record(actor, "rulebook.cleanup.publish", campaign, changes={"on": on.isoformat()})
    warnings.refresh(
        DOCUMENTS, list(campaign.entries.values_list("document_id", flat=True)), at=timezone.now()
    )
    return campaign


def published_list(campaign: CleanupCampaign) -> dict[str, list[CleanupEntry]]:
    """The entries by outcome, in the order the published list gives them."""
    rows = campaign.entries.select_related("document", "reviewer")
    return {str(EndKind(o).label): [e for e in rows if e.outcome == o] for o in OUTCOMES}

"""The rulebook's warnings through the one engine (fazhi.core.warnings, ADR 0014): documents
(validity ending, filing overdue, clean-up overdue) and review tasks after a change of law.

Each condition is one queryset; the rules are the ``warnings:`` of rules/rulebook/*.yaml, whose
examples are written as rows of the examples' database and run through the same writer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Cast

from fazhi.core import warnings
from fazhi.core.clock import SHANGHAI
from fazhi.core.rulepacks import ExampleResult, expect_of, line_of, read_yaml
from fazhi.core.warnings import WarningState
from fazhi.rulebook.models import (
    CleanupEntry,
    DocumentWarning,
    DocumentWarningEvent,
    ImpactTask,
    ImpactWarning,
    ImpactWarningEvent,
    NormativeDocument,
    TaskStatus,
)
from fazhi.rulebook.packs import (
    CleanupDue,
    FilingOverdue,
    RulebookPack,
    TaskOpen,
    ValidityEnding,
    WarningRule,
    example_refusal,
    load_pack,
    warning_rules,
)

BLANK = Value("", output_field=CharField())


def add_months(day: dt.date, months: int) -> dt.date:
    """DAY moved MONTHS calendar months on (the 31st becomes the month's last day).

    >>> add_months(dt.date(2026, 8, 31), 6)
    datetime.date(2027, 2, 28)
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _day(at: dt.datetime) -> dt.date:
    return at.astimezone(SHANGHAI).date()


def documents_matching(rule: WarningRule, at: dt.datetime) -> QuerySet[Any]:
    """(document, key) rows for which RULE holds at AT."""
    today = _day(at)
    c = rule.condition
    docs = NormativeDocument.objects.filter(published_on__isnull=False, ended_on__isnull=True)
    rows: QuerySet[Any]
    if isinstance(c, ValidityEnding):
        horizon = add_months(today, c.months)
        rows = docs.filter(valid_until__gte=today, valid_until__lte=horizon).annotate(
            w_subject=F("pk"), w_code=BLANK, w_key=BLANK
        )
    elif isinstance(c, FilingOverdue):
        rows = docs.filter(
            filed_on__isnull=True, published_on__lt=today - dt.timedelta(days=c.days)
        ).annotate(w_subject=F("pk"), w_code=BLANK, w_key=BLANK)
    elif isinstance(c, CleanupDue):  # one warning per (document, campaign)
        rows = CleanupEntry.objects.filter(
            outcome="", campaign__due_on__lt=today, campaign__published_on__isnull=True
        ).annotate(
            w_subject=F("document_id"),
            w_code=BLANK,
            w_key=Cast("campaign_id", output_field=CharField()),
        )
    else:
        raise TypeError(f"{c!r} is not a document condition")
    return rows


def document_condition(
    rule: WarningRule, at: dt.datetime, ids: list[int] | None, using: str
) -> tuple[str, list[Any]]:
    qs = documents_matching(rule, at)
    if ids is not None:
        field = "document_id" if qs.model is CleanupEntry else "pk"
        qs = qs.filter(**{f"{field}__in": ids})
    return warnings.compiled(qs.order_by().values("w_subject", "w_code", "w_key"), using)


def task_condition(
    rule: WarningRule, at: dt.datetime, ids: list[int] | None, using: str
) -> tuple[str, list[Any]]:
    c = rule.condition
    if not isinstance(c, TaskOpen):
        raise TypeError(f"{c!r} is not a review-task condition")
    qs = ImpactTask.objects.filter(
        status=TaskStatus.OPEN, still_cites=True, opened_at__lte=at - dt.timedelta(days=c.days)
    )
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    qs = qs.order_by().annotate(w_subject=F("pk"), w_code=BLANK, w_key=BLANK)
    return warnings.compiled(qs.values("w_subject", "w_code", "w_key"), using)


DOCUMENTS = warnings.Source(
    name="rulebook.document",
    warning=DocumentWarning,
    history=DocumentWarningEvent,
    subject="document",
    rules=lambda at: warning_rules("document", _day(at)),
    condition=document_condition,
    actor="system:rulebook-scan",
    audit_action="rulebook.scan",
    audit_target="rulebook.rule",
)
TASKS = warnings.Source(
    name="rulebook.impact",
    warning=ImpactWarning,
    history=ImpactWarningEvent,
    subject="task",
    rules=lambda at: warning_rules("impact", _day(at)),
    condition=task_condition,
    actor="system:rulebook-scan",
    audit_action="rulebook.scan",
    audit_target="rulebook.rule",
)


def open_warnings(model: type[Any]) -> QuerySet[Any]:
    rows: QuerySet[Any] = model.objects.filter(state=WarningState.OPEN).order_by(
        "-level", "opened_at"
    )
    return rows


# --------------------------------------------------------------------------- examples


def _date(value: Any) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value))


def _warning_example(pack: RulebookPack, given: dict[str, Any]) -> set[str]:
    noon = dt.datetime.combine(_date(given["today"]) or dt.date.min, dt.time(12), tzinfo=SHANGHAI)
    source = DOCUMENTS if pack.subject == "document" else TASKS
    with warnings.example_database() as using:
        if pack.subject == "document":
            doc = given.get("document") or {}
            subject = warnings.row(
                NormativeDocument,
                using,
                title="example",
                published_on=_date(doc.get("published_on")),
                effective_from=_date(doc.get("effective_from") or doc.get("published_on")),
                valid_until=_date(doc.get("valid_until")),
                filed_on=_date(doc.get("filed_on")),
                ended_on=_date(doc.get("ended_on")),
                created_at=noon,
            )
            if "campaign" in given:
                from fazhi.rulebook.models import CleanupCampaign

                camp = given["campaign"]
                campaign = warnings.row(
                    CleanupCampaign,
                    using,
                    title="example",
                    scope="all",
                    started_on=_date(camp["started_on"]),
                    due_on=_date(camp["due_on"]),
                    created_at=noon,
                )
                warnings.row(
                    CleanupEntry,
                    using,
                    campaign_id=campaign.pk,
                    document_id=subject.pk,
                    outcome=camp.get("outcome", ""),
                    reason=camp.get("reason", ""),
                    decided_on=_date(camp.get("decided_on")),
                )
        else:
            task = given.get("task") or {}
            subject = warnings.row(
                ImpactTask,
                using,
                change_id=1,
                owner_kind="example",
                owner_id="example",
                status=task.get("status", TaskStatus.OPEN),
                still_cites=task.get("still_cites", True),
                opened_at=dt.datetime.combine(
                    _date(task["opened_on"]) or dt.date.min, dt.time(9), tzinfo=SHANGHAI
                ),
                done_at=noon if task.get("status") == TaskStatus.DONE else None,
            )
        warnings.run_source(source, noon, rules=list(pack.warnings), using=using)
        return set(
            source.warning._default_manager.using(using)
            .filter(**{source.subject + "_id": subject.pk}, state=WarningState.OPEN)
            .values_list("rule", flat=True)
        )


def run_examples(path: Path) -> list[ExampleResult]:
    """Run the file's examples: a step tried after the steps done, or a warning on a row."""
    pack = load_pack(path)
    results = []
    for index, raw in enumerate(read_yaml(path).get("examples") or []):
        name, given, expect = expect_of(path, raw, index)
        try:
            if "try" in given:
                got: Any = example_refusal(pack, given)
                want: Any = dict(expect)
            else:
                got = sorted(_warning_example(pack, given))
                want = sorted(expect.get("open") or [])
        except (KeyError, ValueError, TypeError) as error:
            results.append(ExampleResult(path.name, name, False, f"given: {error}"))
            continue
        ok = got == want
        detail = "" if ok else f"line {line_of(raw, [])}: expected {want}, got {got}"
        results.append(ExampleResult(path.name, name, ok, detail))
    return results

"""A normative document or a major decision through its procedure: drafts, basis, comments and
steps, each step checked against the pack in force (rules/rulebook/document.yaml, decision.yaml).

Every write is one transaction with its audit entry; a refused step raises ``StepRefused`` with
the pack's message and basis (422 at the API, the reason beside the disabled button on the page).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core import auditing, warnings
from fazhi.core.errors import FazhiError, LegalRuleViolation
from fazhi.law.citations import ProvisionNotFound, find_law, parse_citation, resolve_citation
from fazhi.law.models import Provision
from fazhi.rulebook import packs
from fazhi.rulebook.alerts import DOCUMENTS
from fazhi.rulebook.models import (
    Comment,
    DocumentBasis,
    DocumentStep,
    DocumentVersion,
    EndKind,
    MajorDecision,
    NormativeDocument,
)

NUMBER_RE = re.compile(r"^\S+〔(?P<year>\d{4})〕\d+号$")


class StepRefused(LegalRuleViolation):
    """A step the procedure does not allow now; ``basis`` is the provision of the refusal."""

    code = "step_refused"


class InvalidStep(FazhiError):
    code = "invalid_step"


Subject = NormativeDocument | MajorDecision


def _kind(subject: Subject) -> str:
    return "document" if isinstance(subject, NormativeDocument) else "decision"


def pack_of(subject: Subject, day: dt.date | None = None) -> packs.RulebookPack:
    return packs.pack_for(_kind(subject), day or timezone.localdate())


def done(subject: Subject) -> list[packs.Done]:
    return [packs.Done(s.step, s.outcome) for s in subject.steps.all()]


def checks(subject: Subject, day: dt.date | None = None) -> list[packs.Check]:
    """Every step of the procedure with whether it may be recorded now (and why not)."""
    pack = pack_of(subject, day)
    history = done(subject)
    return [packs.check(pack, history, step.code) for step in pack.steps]


@transaction.atomic
def create_document(
    *,
    title: str,
    unit: Any,
    text: str,
    summary: str = "",
    actor: Any,
    at: dt.datetime | None = None,
) -> NormativeDocument:
    at = at or timezone.now()
    if not title.strip():
        raise InvalidStep(_("请填写文件名称。"), field="title")
    if unit is None:
        raise InvalidStep(_("您的账号没有所属单位，不能起草文件。"), field="unit")
    if not text.strip():
        raise InvalidStep(_("请填写起草稿文本。"), field="text")
    doc = NormativeDocument.objects.create(
        title=title.strip(), unit=unit, summary=summary, created_at=at
    )
    DocumentVersion.objects.create(
        document=doc, number=1, label=_("起草稿"), text=text, created_at=at, created_by=_user(actor)
    )
    DocumentStep.objects.create(
        document=doc, step="draft", on=timezone.localdate(at), at=at, actor=_user(actor)
    )
    auditing.record(actor, "rulebook.document.create", doc, changes={"title": doc.title})
    return doc


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def add_version(doc: NormativeDocument, *, label: str, text: str, actor: Any) -> DocumentVersion:
    if doc.published_on is not None:
        raise InvalidStep(_("文件已公布，修改须另行起草修改文件。"), field="text")
    if not text.strip():
        raise InvalidStep(_("请填写稿本文本。"), field="text")
    last = doc.versions.order_by("-number").first()
    version = DocumentVersion.objects.create(
        document=doc,
        number=(last.number + 1) if last else 1,
        label=label.strip() or _("修改稿"),
        text=text,
        created_at=timezone.now(),
        created_by=_user(actor),
    )
    auditing.record(actor, "rulebook.document.version", doc, changes={"number": version.number})
    return version


def diff(old: DocumentVersion, new: DocumentVersion) -> list[tuple[str, str]]:
    """The lines of the two versions' texts with their change: ' ', '-' or '+'."""
    lines = difflib.ndiff(old.text.splitlines(), new.text.splitlines())
    return [(line[0], line[2:]) for line in lines if line[:1] in " -+"]


@dataclass(frozen=True)
class BasisResult:
    row: DocumentBasis
    resolved: bool
    problem: str


def resolve_basis(text: str, on: dt.date) -> Provision:
    """The provision TEXT cites in the version in force ON; where that version is only a summary
    (its official text not loaded, e.g. the 2025 治安管理处罚法) and lacks it, the provision of
    the latest verified version (the citation then rests on an unverified number)."""
    try:
        return resolve_citation(text, on)
    except ProvisionNotFound as error:
        citation = parse_citation(text)
        law = find_law(citation.law)
        current = law.version_on(on)
        if current is None or current.is_verified:
            raise
        for version in law.versions.filter(is_verified=True).order_by("-effective_from"):
            try:
                return resolve_citation(replace(citation, version=version.label), on)
            except ProvisionNotFound:
                continue
        raise error from None


@transaction.atomic
def add_basis(
    doc: NormativeDocument, citation: str, *, actor: Any, on: dt.date | None = None
) -> BasisResult:
    """Record a provision the document rests on, resolved against the law in force ON (the
    publication day, else today)."""
    text = re.sub(r"\s+", "", citation or "")
    if not text:
        raise InvalidStep(_("请填写依据条款。"), field="citation")
    day = on or doc.published_on or timezone.localdate()
    try:
        provision = resolve_basis(text, day)
    except (ProvisionNotFound, ValueError) as error:
        raise InvalidStep(str(error), field="citation") from None
    row, _created = DocumentBasis.objects.get_or_create(
        document=doc, citation=text, defaults={"provision": provision}
    )
    auditing.record(actor, "rulebook.document.basis", doc, changes={"citation": text})
    return BasisResult(row, provision.is_confirmed, "")


@transaction.atomic
def add_comment(
    subject: Subject, *, commenter: str, text: str, received_on: dt.date, actor: Any
) -> Comment:
    if not text.strip():
        raise InvalidStep(_("请填写意见内容。"), field="text")
    key = "document" if isinstance(subject, NormativeDocument) else "decision"
    comment = Comment.objects.create(
        **{key: subject},
        commenter=commenter.strip() or _("匿名"),
        text=text,
        received_on=received_on,
    )
    auditing.record(actor, "rulebook.comment", subject, changes={"commenter": comment.commenter})
    return comment


@transaction.atomic
def answer_comment(
    comment: Comment, *, answer: str, adopted: bool, publish: bool, actor: Any
) -> Comment:
    if not answer.strip():
        raise InvalidStep(_("请填写答复内容。"), field="answer")
    comment.answer, comment.adopted, comment.published = answer.strip(), adopted, publish
    comment.answered_on = timezone.localdate()
    comment.save(update_fields=["answer", "adopted", "published", "answered_on"])
    auditing.record(actor, "rulebook.comment.answer", comment, changes={"adopted": adopted})
    return comment


def _date_of(data: dict[str, Any], name: str) -> dt.date:
    value = data.get(name)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidStep(
            _("“%(value)s”不是日期（应为 YYYY-MM-DD）。") % {"value": value}, field=name
        ) from None


@transaction.atomic
def record_step(
    subject: Subject,
    code: str,
    *,
    outcome: str = "",
    data: dict[str, Any] | None = None,
    on: dt.date | None = None,
    actor: Any,
    at: dt.datetime | None = None,
) -> DocumentStep:
    """Record step CODE of SUBJECT's procedure, if the pack allows it now; apply its effect."""
    at = at or timezone.now()
    on = on or timezone.localdate(at)
    pack = pack_of(subject, on)
    try:
        spec = pack.step(code)
    except KeyError:
        raise InvalidStep(_("程序中没有环节“%(code)s”。") % {"code": code}, field="step") from None
    result = packs.check(pack, done(subject), code)
    if not result.allowed:
        raise StepRefused(_(result.message), basis=result.basis, field="step")
    outcomes = {o.code for o in spec.outcomes}
    if outcomes and outcome not in outcomes:
        names = "、".join(o.name for o in spec.outcomes)
        raise InvalidStep(_("请选择结论：%(names)s。") % {"names": names}, field="outcome")
    data = {k: v for k, v in (data or {}).items() if v not in (None, "")}
    for f in spec.fields:
        if f.required and not str(data.get(f.name, "")).strip():
            raise InvalidStep(_("请填写“%(label)s”。") % {"label": _(f.label)}, field=f.name)
        if f.type == "date" and f.name in data:
            data[f.name] = _date_of(data, f.name).isoformat()
    if isinstance(subject, NormativeDocument):
        _apply(subject, code, outcome, data, on)
    key = "document" if isinstance(subject, NormativeDocument) else "decision"
    step = DocumentStep.objects.create(
        **{key: subject}, step=code, outcome=outcome, on=on, data=data, at=at, actor=_user(actor)
    )
    auditing.record(
        actor, f"rulebook.{key}.step", subject, changes={"step": code, "outcome": outcome, **data}
    )
    if isinstance(subject, NormativeDocument):
        warnings.refresh(DOCUMENTS, [subject.pk], at=at)
    return step


def _apply(
    doc: NormativeDocument, code: str, outcome: str, data: dict[str, Any], on: dt.date
) -> None:
    """What a step establishes on the document row (publication number, filing, end)."""
    if code == "publication":
        number = str(data.get("number", "")).strip()
        match = NUMBER_RE.match(number)
        if not match:
            raise InvalidStep(
                _("文号“%(number)s”格式不对，应如 渝公规〔2026〕1号。") % {"number": number},
                field="number",
            )
        if NormativeDocument.objects.filter(number=number).exclude(pk=doc.pk).exists():
            raise InvalidStep(_("文号 %(number)s 已被使用。") % {"number": number}, field="number")
        effective = _date_of(data, "effective_from")
        if effective < on:
            raise InvalidStep(_("施行日期不能早于公布日期。"), field="effective_from")
        valid = _date_of(data, "valid_until") if data.get("valid_until") else None
        if valid is not None and valid < effective:
            raise InvalidStep(_("有效期不能早于施行日期。"), field="valid_until")
        doc.number, doc.published_on = number, on
        doc.published_where = str(data.get("where", ""))
        doc.effective_from, doc.valid_until = effective, valid
        doc.save(
            update_fields=[
                "number",
                "published_on",
                "published_where",
                "effective_from",
                "valid_until",
            ]
        )
    elif code == "filing":
        doc.filed_with, doc.filed_on = str(data.get("body", "")), on
        doc.save(update_fields=["filed_with", "filed_on"])
    elif code == "end":
        if outcome not in (EndKind.REPEALED, EndKind.EXPIRED):
            return
        doc.ended_on, doc.end_kind = on, outcome
        doc.save(update_fields=["ended_on", "end_kind"])


def history(subject: Subject) -> list[dict[str, Any]]:
    """The steps recorded, with their names and outcomes from the pack, for display."""
    pack = pack_of(subject)
    names = {s.code: s for s in pack.steps}
    rows = []
    for step in subject.steps.select_related("actor"):
        spec = names.get(step.step)
        outcome = (
            next((o.name for o in spec.outcomes if o.code == step.outcome), "") if spec else ""
        )
        fields = {f.name: f.label for f in spec.fields} if spec else {}
        rows.append(
            {
                "step": step,
                "name": spec.name if spec else step.step,
                "outcome": outcome,
                "data": [(fields.get(k, k), v) for k, v in step.data.items()],
            }
        )
    return rows

"""案卷评查: checklists from ``rules/review/*.yaml``, reproducible samples, scores and grades.

A checklist has veto items (any failure makes the file 不合格 and scores it the file's
``veto.score``) and point items (content and form, 100 points together) from which points are
deducted per defect; an item never goes below zero. The grade follows from the file's
thresholds, so changing them is an edit of the YAML, not of code. ``score_grade`` is pure and
is what the file's ``examples:`` run; ``score_case`` stores a review and audits it.

What to review is drawn from the closed cases of a unit's subtree and period: a random,
reproducible sample (``draw_sample``), or every case of the listed kinds (``draw_kinds``: cases
with a detention, a hearing, a seizure …, of a procedure pack, or of an enforcement item).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import model_validator

from fazhi.audit import log as audit
from fazhi.cases import packs
from fazhi.cases.models import Case, CaseStatus, ProceduralEvent
from fazhi.catalog.models import EnforcementItem
from fazhi.core.access import require_capability
from fazhi.core.clock import local_day
from fazhi.core.errors import FazhiError, PermissionDeniedError
from fazhi.core.roles import Capability
from fazhi.core.rulepacks import Basis, ExampleResult, PackHeader, Strict, expect_of, load_file
from fazhi.core.rulepacks import registry as pack_registry
from fazhi.org.models import Unit
from fazhi.supervision.models import (
    CaseReview,
    ReviewFinding,
    ReviewGrade,
    ReviewSample,
    SampleMode,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Threshold(Strict):
    grade: ReviewGrade
    min_score: Decimal
    unverified: bool = False


class Veto(Strict):
    grade: ReviewGrade = ReviewGrade.FAIL
    score: Decimal = Decimal(0)


class Item(Strict):
    code: str
    section: Literal["veto", "content", "form"]
    text: str
    basis: Basis  # citations resolved on load (rules/README.md)
    points: Decimal = Decimal(0)
    unverified: bool = False

    @property
    def is_veto(self) -> bool:
        return self.section == "veto"


class Checklist(PackHeader):
    """A review checklist: the header (rules/README.md; its version a whole number, stored with
    each review), the checklist's basis, its grades, its veto rule and its items."""

    basis: Basis
    grades: tuple[Threshold, ...]
    veto: Veto = Veto()
    items: tuple[Item, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Checklist:
        if not self.version.isdigit():
            raise ValueError(
                f"version {self.version!r}: a checklist's version is a whole number (1, 2, …)"
            )
        codes = [item.code for item in self.items]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"item codes appear twice: {', '.join(twice)}")
        total = sum(item.points for item in self.items if not item.is_veto)
        if total != 100:
            raise ValueError(f"the point items add up to {total}, not 100")
        for item in self.items:
            if item.is_veto and item.points:
                raise ValueError(f"veto item {item.code} carries points; a veto item has none")
            if not item.is_veto and item.points <= 0:
                raise ValueError(f"item {item.code} has no points")
        floors = [t.min_score for t in self.grades]
        if floors != sorted(floors, reverse=True) or not floors or floors[-1] != 0:
            raise ValueError("grades go from the highest min_score down to a last one of 0")
        return self

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise FazhiError(
            _("评查标准 %(list)s 没有项目 %(code)s。") % {"list": self.id, "code": code},
            field="item",
        )

    def section(self, name: str) -> list[Item]:
        return [item for item in self.items if item.section == name]


@dataclass(frozen=True)
class Outcome:
    score: Decimal
    grade: ReviewGrade
    veto_failed: tuple[str, ...]


def score_grade(
    checklist: Checklist, deductions: dict[str, Decimal], vetoes: frozenset[str] | set[str]
) -> Outcome:
    """Return the score and grade of a file with DEDUCTIONS (item → points) and failed VETOES.

    Raises FazhiError naming the item when a deduction is negative, exceeds the item's points,
    or names a veto item (and when a veto names a point item).
    """
    for code, points in deductions.items():
        item = checklist.item(code)
        points = Decimal(points)
        if item.is_veto:
            raise FazhiError(_("%(code)s 是否决项，不扣分。") % {"code": code}, field=code)
        if points < 0 or points > item.points:
            raise FazhiError(
                _("%(code)s 扣分 %(points)s 不在 0 至该项分值 %(max)s 之间。")
                % {"code": code, "points": points, "max": item.points},
                field=code,
            )
    for code in vetoes:
        if not checklist.item(code).is_veto:
            raise FazhiError(_("%(code)s 不是否决项。") % {"code": code}, field=code)
    if vetoes:
        return Outcome(checklist.veto.score, checklist.veto.grade, tuple(sorted(vetoes)))
    score = Decimal(100) - sum((Decimal(p) for p in deductions.values()), Decimal(0))
    grade = next(t.grade for t in checklist.grades if score >= t.min_score)
    return Outcome(score, ReviewGrade(grade), ())


def load_checklist(path: Path) -> Checklist:
    """Return the validated checklist of PATH, or raise RulePackError (file, line, item)."""
    return load_file(path, Checklist, what="a review checklist")[0]


def checklists(rules_dir: Path | None = None) -> dict[str, Checklist]:
    """Every review checklist under rules/review/, by id: of several versions, the latest."""
    found: dict[str, Checklist] = {}
    for item in sorted(pack_registry.packs("review", rules_dir), key=lambda c: c.effective_from):
        found[item.id] = item
    return found


def checklist(
    checklist_id: str, *, on: dt.date | None = None, version: int | str | None = None
) -> Checklist:
    """Return checklist CHECKLIST_ID in force ON (default today), or its VERSION if given.

    A stored review names the version it was scored with; a new review uses the checklist in
    force on its day (effective_from ≤ day ≤ effective_to).
    """
    versions: list[Checklist] = [c for c in pack_registry.packs("review") if c.id == checklist_id]
    if not versions:
        raise FazhiError(_("没有评查标准 %(id)s。") % {"id": checklist_id}, field="checklist")
    if version is not None:
        found = next((c for c in versions if c.version == str(version)), None)
        if found is None:
            raise FazhiError(
                _("评查标准 %(id)s 没有第 %(version)s 版。")
                % {"id": checklist_id, "version": version},
                field="checklist",
            )
        return found
    day = on or local_day(timezone.now())
    in_force = [c for c in versions if c.in_force_on(day)]
    if not in_force:
        raise FazhiError(
            _("评查标准 %(id)s 在 %(day)s 不在施行期内。") % {"id": checklist_id, "day": day},
            field="checklist",
        )
    return max(in_force, key=lambda c: c.effective_from)


def run_review_examples(path: Path) -> list[ExampleResult]:
    """Run a checklist file's examples in memory: deductions and vetoes in, score and grade out."""
    checklist_ = load_checklist(path)
    results = []
    for index, example in enumerate(checklist_.examples):
        name, given, expect = expect_of(path, example, index)
        try:
            outcome = score_grade(
                checklist_,
                {k: Decimal(str(v)) for k, v in (given.get("deductions") or {}).items()},
                frozenset(given.get("vetoes") or ()),
            )
        except FazhiError as exc:
            results.append(ExampleResult(path.name, name, False, str(exc)))
            continue
        got = {"score": outcome.score, "grade": str(outcome.grade)}
        want = {"score": Decimal(str(expect.get("score"))), "grade": str(expect.get("grade"))}
        passed = got == want
        detail = "" if passed else f"expected {want}, got {got}"
        results.append(ExampleResult(path.name, name, passed, detail))
    return results


def may_review(user: Any) -> bool:
    return bool(
        user
        and user.is_authenticated
        and (
            user.has_capability(Capability.SUPERVISE)
            or user.has_capability(Capability.REVIEW_CASES)
        )
    )


def _require_reviewer(user: Any) -> None:
    if not may_review(user):
        raise PermissionDeniedError(_("您的角色无权进行案卷评查。"))


def sample_candidates(unit: Unit, start: dt.date, end: dt.date) -> QuerySet[Case]:
    """The closed cases of UNIT's subtree closed between START and END (inclusive), by id."""
    tz = dt.timezone(dt.timedelta(hours=8))  # the bureau's day (Asia/Shanghai, no DST)
    low = dt.datetime.combine(start, dt.time.min, tz)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz)
    return Case.objects.filter(
        unit__path__startswith=unit.path,
        status=CaseStatus.CLOSED,
        closed_at__gte=low,
        closed_at__lt=high,
    ).order_by("id")


def _check_draw(unit: Unit, start: dt.date, end: dt.date, actor: Any) -> None:
    _require_reviewer(actor)
    require_capability(actor, Capability.VIEW_SCOPED_DATA)
    if not Unit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise PermissionDeniedError(_("单位 %(unit)s 不在您的数据范围内。") % {"unit": unit})
    if end < start:
        raise FazhiError(
            _("结案截止日 %(end)s 早于起始日 %(start)s。") % {"end": end, "start": start},
            field="period_end",
        )


@transaction.atomic
def draw_sample(
    unit: Unit,
    start: dt.date,
    end: dt.date,
    size: int,
    seed: int,
    *,
    actor: Any,
    at: dt.datetime,
) -> ReviewSample:
    """Draw SIZE closed cases of UNIT's subtree closed in [START, END] with random.Random(SEED).

    The draw runs over the candidates' ids in ascending order, so the same inputs (and the same
    cases in the database) always give the same cases. Fewer candidates than SIZE: all of them.
    """
    _check_draw(unit, start, end, actor)
    if size < 1:
        raise FazhiError(_("抽样数量 %(size)s 应至少为 1。") % {"size": size}, field="size")
    ids = list(sample_candidates(unit, start, end).values_list("id", flat=True))
    chosen = sorted(random.Random(seed).sample(ids, min(size, len(ids))))  # noqa: S311 - not crypto
    sample = ReviewSample.objects.create(
        unit=unit,
        period_start=start,
        period_end=end,
        seed=seed,
        size=size,
        created_by=actor,
        created_at=at,
    )
    sample.cases.set(chosen)
    audit.record(
        actor,
        "supervision.review_sample.draw",
        sample,
        changes={
            "unit": unit.code,
            "period": [start.isoformat(), end.isoformat()],
            "seed": seed,
            "size": size,
            "candidates": len(ids),
            "cases": chosen,
        },
        at=at,
    )
    return sample


# --- 按类别全部评查 (every closed case of the listed kinds) -------------------------------------


def _has_event(kind: str, **data: Any) -> Q:
    """A case has an event of KIND in force (not replaced by a correction) with DATA lookups."""
    corrected = ProceduralEvent.objects.filter(corrects=OuterRef("pk"))
    events = ProceduralEvent.objects.filter(case_id=OuterRef("pk"), kind=kind, **data)
    return Q(Exists(events.filter(~Exists(corrected))))


@dataclass(frozen=True)
class CaseKind:  # 评查案件类别
    """A kind of case a reviewer may review in full: a code, its label, and its condition."""

    code: str
    label: str
    condition: Q


# Kinds read from the case's events in force, the same events the procedure packs check.
EVENT_KINDS: dict[str, tuple[StrOrPromise, str, dict[str, Any]]] = {
    "detention": (gettext_lazy("决定行政拘留的案件"), "decide", {"data__detention_days__gt": 0}),
    "hearing": (gettext_lazy("举行听证的案件"), "hearing", {}),
    "seizure": (gettext_lazy("扣押财物的案件"), "seize", {}),
    "legal_review": (gettext_lazy("经法制审核的案件"), "legal_review", {}),
    "mediation": (gettext_lazy("调解结案的案件"), "mediation_agreed", {}),
}
PROCEDURE_PREFIX = "procedure:"
ITEM_PREFIX = "item:"
# Kinds the apps above contribute (a label and a function returning the condition on cases),
# e.g. the litigation app's cases whose act a reconsideration or a court corrected.
CONTRIBUTED_KINDS: dict[str, tuple[StrOrPromise, Callable[[], Q]]] = {}


def register_kind(code: str, label: StrOrPromise, condition: Callable[[], Q]) -> None:
    """Offer the kind CODE to the review (from the contributing app's AppConfig.ready)."""
    CONTRIBUTED_KINDS[code] = (label, condition)


def _procedure_names() -> dict[str, str]:
    return {pack.id: pack.name for pack in sorted(packs.registry().packs, key=lambda p: p.id)}


def kind_choices() -> list[tuple[str, str]]:
    """Return the (code, label) of every kind the form offers (items are typed as codes)."""
    fixed = [(code, str(label)) for code, (label, _kind, _data) in EVENT_KINDS.items()]
    fixed += [(code, str(label)) for code, (label, _cond) in CONTRIBUTED_KINDS.items()]
    procedures = [
        (f"{PROCEDURE_PREFIX}{pid}", _("办案程序：%(name)s") % {"name": name})
        for pid, name in _procedure_names().items()
    ]
    return fixed + procedures


def case_kinds(codes: Iterable[str]) -> list[CaseKind]:
    """Return the kinds named by CODES, sorted by code; raise naming a code that is unknown.

    A code is one of EVENT_KINDS, ``procedure:<pack id>`` or ``item:<enforcement item code>``.
    """
    out: dict[str, CaseKind] = {}
    procedures = _procedure_names()
    for raw in codes:
        code = str(raw).strip()
        if not code or code in out:
            continue
        if code in EVENT_KINDS:
            label, event, data = EVENT_KINDS[code]
            out[code] = CaseKind(code, str(label), _has_event(event, **data))
        elif code in CONTRIBUTED_KINDS:
            label, condition = CONTRIBUTED_KINDS[code]
            out[code] = CaseKind(code, str(label), condition())
        elif code.startswith(PROCEDURE_PREFIX) and code[len(PROCEDURE_PREFIX) :] in procedures:
            pid = code[len(PROCEDURE_PREFIX) :]
            label = _("办案程序：%(name)s") % {"name": procedures[pid]}
            out[code] = CaseKind(code, label, Q(procedure=pid))
        elif code.startswith(ITEM_PREFIX):
            item = EnforcementItem.objects.filter(code=code[len(ITEM_PREFIX) :]).first()
            if item is None:
                raise FazhiError(
                    _("执法事项编码“%(code)s”不存在。") % {"code": code[len(ITEM_PREFIX) :]},
                    field="items",
                )
            label = _("执法事项：%(name)s") % {"name": item.name}
            out[code] = CaseKind(code, label, Q(item=item))
        else:
            raise FazhiError(_("没有案件类别“%(code)s”。") % {"code": code}, field="kinds")
    if not out:
        raise FazhiError(_("请至少选择一个案件类别。"), field="kinds")
    return [out[code] for code in sorted(out)]


def kind_candidates(
    unit: Unit, start: dt.date, end: dt.date, kinds: list[CaseKind]
) -> QuerySet[Case]:
    """The closed cases of UNIT's subtree closed in [START, END] of ANY of KINDS, by id."""
    condition = Q()
    for kind in kinds:
        condition |= kind.condition
    return sample_candidates(unit, start, end).filter(condition)


@transaction.atomic
def draw_kinds(
    unit: Unit,
    start: dt.date,
    end: dt.date,
    kinds: Iterable[str],
    *,
    actor: Any,
    at: dt.datetime,
) -> ReviewSample:
    """Select for review every closed case of UNIT's subtree closed in [START, END] of KINDS.

    The same unit, period and kinds name one review task: drawing it again returns the same
    sample, adding (never removing) the cases that have come to qualify since — a case closed
    late with its closing date in the period — and writes nothing when there are none.
    """
    _check_draw(unit, start, end, actor)
    chosen_kinds = case_kinds(kinds)
    codes = [kind.code for kind in chosen_kinds]
    Unit.objects.select_for_update().filter(pk=unit.pk).first()  # one task per unit at a time
    ids = list(kind_candidates(unit, start, end, chosen_kinds).values_list("id", flat=True))
    existing: ReviewSample | None = next(
        (
            sample
            for sample in ReviewSample.objects.filter(
                mode=SampleMode.KINDS, unit=unit, period_start=start, period_end=end
            ).order_by("id")
            if sample.kinds == codes
        ),
        None,
    )
    if existing is not None:
        have = set(existing.cases.values_list("id", flat=True))
        added = sorted(set(ids) - have)
        if added:
            existing.cases.add(*added)
            existing.size = len(have) + len(added)
            existing.save(update_fields=["size"])
            audit.record(
                actor,
                "supervision.review_sample.add",
                existing,
                changes={"kinds": codes, "added": added, "cases": existing.size},
                at=at,
            )
        return existing
    sample = ReviewSample.objects.create(
        unit=unit,
        period_start=start,
        period_end=end,
        mode=SampleMode.KINDS,
        kinds=codes,
        seed=None,
        size=len(ids),
        created_by=actor,
        created_at=at,
    )
    sample.cases.set(ids)
    audit.record(
        actor,
        "supervision.review_sample.draw",
        sample,
        changes={
            "unit": unit.code,
            "period": [start.isoformat(), end.isoformat()],
            "mode": SampleMode.KINDS,
            "kinds": codes,
            "cases": ids,
        },
        at=at,
    )
    return sample


def kind_labels(sample: ReviewSample) -> list[str]:
    """Return the labels of SAMPLE's kinds (the code itself for one no longer known)."""
    labels = []
    for code in sample.kinds:
        try:
            labels.append(case_kinds([code])[0].label)
        except FazhiError:
            labels.append(code)
    return labels


@dataclass(frozen=True)
class Finding:
    item: str
    deducted: Decimal = Decimal(0)
    veto_failed: bool = False
    note: str = ""


@transaction.atomic
def score_case(
    case: Case,
    checklist_: Checklist,
    findings: list[Finding],
    *,
    actor: Any,
    at: dt.datetime,
    sample: ReviewSample | None = None,
) -> CaseReview:
    """Store a review of CASE against CHECKLIST_ with FINDINGS; the grade follows from the file.

    The checklist must be in force on the day of AT (effective_from ≤ day ≤ effective_to).
    """
    _require_reviewer(actor)
    if not checklist_.in_force_on(local_day(at)):
        raise FazhiError(
            _("评查标准 %(id)s 在 %(day)s 不在施行期内。")
            % {"id": checklist_.id, "day": local_day(at)},
            field="checklist",
        )
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDeniedError(_("案件 %(n)s 不在您的数据范围内。") % {"n": case.number})
    if sample is not None and not sample.cases.filter(pk=case.pk).exists():
        raise FazhiError(
            _("案件 %(n)s 不在抽样 #%(s)s 中。") % {"n": case.number, "s": sample.pk},
            field="sample",
        )
    seen: set[str] = set()
    for finding in findings:
        if finding.item in seen:
            raise FazhiError(_("项目 %(code)s 重复。") % {"code": finding.item}, field="item")
        seen.add(finding.item)
    deductions = {f.item: f.deducted for f in findings if f.deducted}
    vetoes = frozenset(f.item for f in findings if f.veto_failed)
    outcome = score_grade(checklist_, deductions, vetoes)
    review = CaseReview.objects.create(
        case=case,
        checklist=checklist_.id,
        checklist_version=int(checklist_.version),
        reviewer=actor,
        reviewed_at=at,
        score=outcome.score,
        grade=outcome.grade,
        sample=sample,
    )
    kept = [f for f in findings if f.deducted or f.veto_failed or f.note]
    ReviewFinding.objects.bulk_create(
        ReviewFinding(
            review=review,
            item=f.item,
            deducted=f.deducted,
            veto_failed=f.veto_failed,
            note=f.note,
        )
        for f in kept
    )
    audit.record(
        actor,
        "supervision.case_review.score",
        review,
        changes={
            "case": case.number,
            "checklist": f"{checklist_.id}@{checklist_.version}",
            "score": str(outcome.score),
            "grade": str(outcome.grade),
            "deductions": {k: str(v) for k, v in sorted(deductions.items())},
            "vetoes": sorted(vetoes),
        },
        at=at,
    )
    return review

"""Qualification exams: sittings, the paper, registration, the attempt, marking and publication.

Every write is one transaction with its audit entry. The integrity rules of issue 15:

- the paper is drawn from the bank by the sitting's blueprint with the sitting's recorded seed
  (``draw_paper``: the same bank and seed give the same paper) and frozen as ``PaperQuestion``
  copies, so a later edit of the bank never changes a result;
- each candidate sees the questions and the options in an order drawn from the candidate's own
  recorded seed (``candidate_paper``); answers are stored as indexes into the ORIGINAL options;
- one attempt per candidate per sitting (a unique pair, and ``start`` refuses a second start);
- the deadline is the server's: the earlier of start + duration and the window's end;
- answers and marks are append-only rows; the last answer per question given before the
  deadline counts, and the result is recomputed from them by one pure function (``score``);
- publication grants the level (``QualificationGrant``), applied to the officer's record through
  ``fazhi.org.officers.update_officer`` on the day after publication (``apply_due_grants``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core import auditing as audit
from fazhi.core.access import require_capability
from fazhi.core.clock import SHANGHAI, local_day
from fazhi.core.errors import FazhiError, PermissionDeniedError
from fazhi.core.roles import Capability
from fazhi.org.models import Officer, Unit
from fazhi.training import rules as exam_rules
from fazhi.training.models import (
    OBJECTIVE,
    Answer,
    Candidate,
    CandidateStatus,
    CaseMark,
    PaperQuestion,
    QualificationGrant,
    Question,
    QuestionKind,
    ServiceStart,
    Sitting,
    SittingStatus,
    level_label,
)

KIND_ORDER = [
    QuestionKind.SINGLE,
    QuestionKind.MULTIPLE,
    QuestionKind.TRUE_FALSE,
    QuestionKind.CASE,
]


class ExamError(FazhiError):
    code = "exam"


# --- citations of questions and courses ---------------------------------------------------------


def check_citations(citations: Iterable[str], on: dt.date) -> list[str]:
    """Return CITATIONS checked against the law data in force ON (syntax and existence).

    Raises ExamError naming the first citation that names no provision.
    """
    from fazhi.core.rulepacks import Citation, citation_resolver

    checked = []
    resolver = citation_resolver()
    for text in citations:
        text = str(text).strip()
        if not text:
            continue
        try:
            citation = Citation._validate(text)
        except ValueError as error:
            raise ExamError(str(error), field="citations") from None
        problem = resolver(citation, on, None) if resolver is not None else None
        if problem:
            raise ExamError(
                _("条款 %(citation)s 无效：%(why)s") % {"citation": text, "why": problem},
                field="citations",
            )
        checked.append(str(citation))
    return checked


# --- sittings and papers -------------------------------------------------------------------------


@dataclass(frozen=True)
class BlueprintRow:
    subject: str
    kind: str
    count: int


def parse_blueprint(rows: Sequence[dict[str, Any]]) -> list[BlueprintRow]:
    from fazhi.training.models import Subject

    parsed = []
    seen = set()
    for index, row in enumerate(rows, start=1):
        subject, kind, count = row.get("subject"), row.get("kind"), row.get("count")
        if subject not in Subject.values:
            raise ExamError(
                _("组卷方案第 %(n)s 行：科目 %(value)s 无效。") % {"n": index, "value": subject},
                field="blueprint",
            )
        if kind not in QuestionKind.values:
            raise ExamError(
                _("组卷方案第 %(n)s 行：题型 %(value)s 无效。") % {"n": index, "value": kind},
                field="blueprint",
            )
        if not isinstance(count, int) or count < 1:
            raise ExamError(
                _("组卷方案第 %(n)s 行：题量应为正整数。") % {"n": index}, field="blueprint"
            )
        if (subject, kind) in seen:
            raise ExamError(
                _("组卷方案第 %(n)s 行：科目与题型重复。") % {"n": index}, field="blueprint"
            )
        seen.add((subject, kind))
        parsed.append(BlueprintRow(str(subject), str(kind), count))
    if not parsed:
        raise ExamError(_("组卷方案至少要有一行。"), field="blueprint")
    return parsed


@transaction.atomic
def create_sitting(
    *,
    code: str,
    title: str,
    level: int,
    organiser: Unit,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    duration_minutes: int,
    blueprint: Sequence[dict[str, Any]],
    actor: Any,
    paper_seed: int | None = None,
) -> Sitting:
    """Create a sitting of LEVEL; its pass mark comes from the rules in force on its first day."""
    require_capability(actor, Capability.MANAGE_TRAINING)
    if closes_at <= opens_at:
        raise ExamError(_("截止时间应晚于开考时间。"), field="closes_at")
    if duration_minutes < 1:
        raise ExamError(_("考试时长应为正整数分钟。"), field="duration_minutes")
    rows = parse_blueprint(blueprint)
    pack = exam_rules.pack_on(local_day(opens_at))
    rule = pack.level(level)
    seed = paper_seed if paper_seed is not None else random.SystemRandom().randrange(2**48)
    sitting = Sitting.objects.create(
        code=code,
        title=title,
        level=level,
        organiser=organiser,
        opens_at=opens_at,
        closes_at=closes_at,
        duration_minutes=duration_minutes,
        pass_mark=rule.pass_mark,
        rules_version=f"{pack.id}@{pack.version}",
        blueprint=[{"subject": r.subject, "kind": r.kind, "count": r.count} for r in rows],
        paper_seed=seed,
    )
    audit.record(
        actor,
        "training.sitting.create",
        sitting,
        changes={"level": level, "pass_mark": str(rule.pass_mark), "seed": seed},
    )
    return sitting


def draw(bank: Sequence[Question], rows: Sequence[BlueprintRow], seed: int) -> list[Question]:
    """Return the paper drawn from BANK by ROWS with SEED: per row, COUNT questions sampled from
    the row's questions ordered by code, with a generator seeded by (seed, subject, kind);
    grouped by kind (single, multiple, true/false, case). Same bank and seed: same paper."""
    by_row: dict[tuple[str, str], list[Question]] = defaultdict(list)
    for question in sorted(bank, key=lambda q: q.code):
        by_row[(question.subject, question.kind)].append(question)
    chosen: list[Question] = []
    for row in rows:
        pool = by_row[(row.subject, row.kind)]
        if len(pool) < row.count:
            raise ExamError(
                _("题库中“%(subject)s · %(kind)s”只有 %(have)s 题，组卷方案需要 %(need)s 题。")
                % {
                    "subject": _label("subject", row.subject),
                    "kind": _label("kind", row.kind),
                    "have": len(pool),
                    "need": row.count,
                },
                field="blueprint",
            )
        rng = random.Random(f"{seed}:{row.subject}:{row.kind}")  # noqa: S311 - reproducible draw
        chosen.extend(rng.sample(pool, row.count))
    return sorted(chosen, key=lambda q: KIND_ORDER.index(QuestionKind(q.kind)))


def _label(what: str, value: str) -> str:
    from fazhi.training.models import Subject

    choices = Subject if what == "subject" else QuestionKind
    return str(choices(value).label)


@transaction.atomic
def draw_paper(sitting: Sitting, *, actor: Any) -> list[PaperQuestion]:
    """Draw and freeze SITTING's paper from the active questions of its level (once)."""
    require_capability(actor, Capability.MANAGE_TRAINING)
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    if sitting.status != SittingStatus.DRAFT:
        raise ExamError(_("该场次已组卷，试卷不能重新抽取。"), field="status")
    bank = list(Question.objects.filter(level=sitting.level, is_active=True, needs_review=False))
    questions = draw(bank, parse_blueprint(sitting.blueprint), sitting.paper_seed)
    paper = PaperQuestion.objects.bulk_create(
        PaperQuestion(
            sitting=sitting,
            question=q,
            position=index,
            kind=q.kind,
            subject=q.subject,
            stem=q.stem,
            options=q.options,
            answer=q.answer,
            marking_guide=q.marking_guide,
            points=q.points,
            citations=q.citations,
        )
        for index, q in enumerate(questions, start=1)
    )
    sitting.status = SittingStatus.READY
    sitting.save(update_fields=["status"])
    audit.record(
        actor,
        "training.sitting.paper",
        sitting,
        changes={"seed": sitting.paper_seed, "questions": [q.code for q in questions]},
    )
    return paper


# --- registration ------------------------------------------------------------------------------


def candidate_facts(officer: Officer, on: dt.date) -> exam_rules.CandidateFacts:
    start = ServiceStart.objects.filter(officer=officer).first()
    return exam_rules.CandidateFacts(
        on=on,
        joined_on=start.joined_on if start else None,
        held_level=officer.qualification_level,
        held_granted_on=officer.qualification_granted_on,
        held_expires_on=officer.qualification_expires_on,
    )


def check_eligibility(sitting: Sitting, officer: Officer) -> list[exam_rules.Refusal]:
    """Every reason OFFICER may not sit SITTING, read on its first day (empty: eligible)."""
    on = local_day(sitting.opens_at)
    pack = exam_rules.pack_on(on)
    return exam_rules.eligibility(
        pack.level(sitting.level), candidate_facts(officer, on), pack.renewal_window_days
    )


def candidate_seed(sitting: Sitting, officer: Officer) -> int:
    digest = hashlib.sha256(f"{sitting.paper_seed}:{officer.police_number}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


@dataclass
class Registration:
    registered: list[Candidate] = field(default_factory=list)
    refused: dict[int, list[exam_rules.Refusal]] = field(default_factory=dict)  # officer id →
    already: list[int] = field(default_factory=list)


@transaction.atomic
def register(
    sitting: Sitting, officers: Iterable[Officer], *, actor: Any, at: dt.datetime | None = None
) -> Registration:
    """Register the eligible OFFICERS (of ACTOR's scope) for SITTING; report every refusal."""
    require_capability(actor, Capability.MANAGE_TRAINING)
    at = at or timezone.now()
    if sitting.status == SittingStatus.PUBLISHED or at >= sitting.opens_at:
        raise ExamError(_("考试已开考或已结束，不能再报名。"), field="sitting")
    visible = set(Officer.objects.visible_to(actor).values_list("pk", flat=True))
    out = Registration()
    pack = exam_rules.pack_on(local_day(sitting.opens_at))
    for officer in officers:
        if officer.pk not in visible:
            raise PermissionDeniedError(gettext_scope(officer))
        if Candidate.objects.filter(sitting=sitting, officer=officer).exists():
            out.already.append(officer.pk)
            continue
        facts = candidate_facts(officer, local_day(sitting.opens_at))
        refusals = exam_rules.eligibility(
            pack.level(sitting.level), facts, pack.renewal_window_days
        )
        if refusals:
            out.refused[officer.pk] = refusals
            continue
        candidate = Candidate.objects.create(
            sitting=sitting,
            officer=officer,
            unit=officer.unit,
            seed=candidate_seed(sitting, officer),
            registered_at=at,
            registered_by=actor,
            eligibility={
                "on": facts.on.isoformat(),
                "joined_on": facts.joined_on.isoformat() if facts.joined_on else None,
                "held_level": facts.held_level,
                "held_expires_on": (
                    facts.held_expires_on.isoformat() if facts.held_expires_on else None
                ),
                "rules": sitting.rules_version,
            },
        )
        out.registered.append(candidate)
    if out.registered:
        audit.record(
            actor,
            "training.candidates.register",
            sitting,
            changes={"officers": [c.officer.police_number for c in out.registered]},
        )
    return out


def gettext_scope(officer: Officer) -> str:
    return _("%(officer)s 不在您的数据范围内。") % {"officer": officer}


# --- the attempt ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownQuestion:
    number: int  # the number the candidate sees
    question: PaperQuestion
    option_order: list[int]  # indexes into question.options, in the order shown


def candidate_paper(candidate: Candidate, paper: Sequence[PaperQuestion]) -> list[ShownQuestion]:
    """The paper as CANDIDATE sees it: questions shuffled within each kind, and the options of
    choice questions shuffled, all from the candidate's recorded seed (reproducible)."""
    rng = random.Random(candidate.seed)  # noqa: S311 - a recorded, reproducible order
    ordered: list[PaperQuestion] = []
    for kind in KIND_ORDER:
        group = [q for q in sorted(paper, key=lambda q: q.position) if q.kind == kind]
        rng.shuffle(group)
        ordered.extend(group)
    shown = []
    for number, q in enumerate(ordered, start=1):
        order = list(range(len(q.options)))
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            rng.shuffle(order)
        shown.append(ShownQuestion(number, q, order))
    return shown


def _own(candidate: Candidate, actor: Any) -> None:
    require_capability(actor, Capability.TAKE_EXAMS)
    if getattr(actor, "officer_id", None) != candidate.officer_id:
        raise PermissionDeniedError(_("只有考生本人可以作答。"))


@transaction.atomic
def start(candidate: Candidate, *, actor: Any, at: dt.datetime | None = None) -> Candidate:
    """Start CANDIDATE's one attempt: the deadline is the earlier of now + duration and the
    window's end (the server's clock decides; a reload never restarts it)."""
    _own(candidate, actor)
    return begin(candidate, actor=actor, at=at or timezone.now())


@transaction.atomic
def begin(candidate: Candidate, *, actor: Any, at: dt.datetime) -> Candidate:
    """``start`` without the candidate check: for the demo's recorded sittings and benchmarks."""
    candidate = Candidate.objects.select_for_update().select_related("sitting").get(pk=candidate.pk)
    sitting = candidate.sitting
    if candidate.status != CandidateStatus.REGISTERED:
        if candidate.status == CandidateStatus.STARTED:
            return candidate  # a reload: the same attempt, the same deadline
        raise ExamError(_("每场考试只能作答一次，您已交卷。"), field="status")
    if not sitting.is_open(at):
        raise ExamError(
            _("不在考试时间内（%(opens)s 至 %(closes)s）。")
            % {
                "opens": sitting.opens_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                "closes": sitting.closes_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            },
            field="sitting",
        )
    candidate.status = CandidateStatus.STARTED
    candidate.started_at = at
    candidate.deadline_at = min(
        at + dt.timedelta(minutes=sitting.duration_minutes), sitting.closes_at
    )
    candidate.save(update_fields=["status", "started_at", "deadline_at"])
    audit.record(
        actor,
        "training.exam.start",
        candidate,
        changes={"deadline_at": candidate.deadline_at, "seed": candidate.seed},
    )
    return candidate


@transaction.atomic
def give_answer(
    candidate: Candidate,
    question: PaperQuestion,
    *,
    choice: Sequence[int] = (),
    text: str = "",
    actor: Any,
    at: dt.datetime | None = None,
) -> Answer:
    """Store one answer as given (append-only, audited); refused after the deadline."""
    _own(candidate, actor)
    return record_answer(
        candidate, question, choice=choice, text=text, actor=actor, at=at or timezone.now()
    )


@transaction.atomic
def record_answer(
    candidate: Candidate,
    question: PaperQuestion,
    *,
    choice: Sequence[int] = (),
    text: str = "",
    actor: Any,
    at: dt.datetime,
) -> Answer:
    """``give_answer`` without the candidate check (the demo's recorded sittings)."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if question.sitting_id != candidate.sitting_id:
        raise ExamError(_("该题不属于本场考试。"), field="question")
    if not candidate.can_answer(at):
        raise ExamError(_("已交卷或考试时间已到，不能再作答。"), field="status")
    picked: list[int] = []
    if question.kind in OBJECTIVE:
        try:
            picked = sorted({int(c) for c in choice})
        except (TypeError, ValueError):
            raise ExamError(_("所选选项无效。"), field="choice") from None
        if any(c < 0 or c >= len(question.options) for c in picked):
            raise ExamError(_("所选选项无效。"), field="choice")
        if question.kind != QuestionKind.MULTIPLE and len(picked) > 1:
            raise ExamError(_("单选题和判断题只能选择一项。"), field="choice")
        text = ""
    else:
        text = text.strip()[:5000]
    row = Answer.objects.create(
        candidate=candidate, question=question, choice=picked, text=text, at=at
    )
    audit.record(
        actor,
        "training.exam.answer",
        candidate,
        changes={"question": question.position, "choice": picked, "text_length": len(text)},
    )
    return row


@transaction.atomic
def submit(candidate: Candidate, *, actor: Any, at: dt.datetime | None = None) -> Candidate:
    """Hand in the paper: the objective questions are marked at once."""
    _own(candidate, actor)
    return hand_in(candidate, actor=actor, at=at or timezone.now())


@transaction.atomic
def hand_in(candidate: Candidate, *, actor: Any, at: dt.datetime) -> Candidate:
    """``submit`` without the candidate check (the demo's recorded sittings)."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.STARTED:
        raise ExamError(_("尚未开始作答或已交卷。"), field="status")
    deadline = candidate.deadline_at or at
    candidate.status = CandidateStatus.SUBMITTED
    candidate.submitted_at = min(at, deadline)
    candidate.save(update_fields=["status", "submitted_at"])
    audit.record(actor, "training.exam.submit", candidate, changes={"at": candidate.submitted_at})
    return recompute(candidate, at=at)


@transaction.atomic
def close_overdue(sitting: Sitting, at: dt.datetime) -> int:
    """Hand in, at their deadline, the attempts whose time ran out without a submission."""
    late = list(
        Candidate.objects.select_for_update().filter(
            sitting=sitting, status=CandidateStatus.STARTED, deadline_at__lte=at
        )
    )
    for candidate in late:
        candidate.status = CandidateStatus.SUBMITTED
        candidate.submitted_at = candidate.deadline_at
        candidate.save(update_fields=["status", "submitted_at"])
        audit.record(
            "system:exam-clock",
            "training.exam.timeout",
            candidate,
            changes={"at": candidate.deadline_at},
        )
        recompute(candidate, at=at)
    return len(late)


# --- marking --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    objective: Decimal
    case: Decimal | None  # None while a case answer awaits its mark
    full: int

    @property
    def total(self) -> Decimal | None:
        return None if self.case is None else self.objective + self.case


def final_answers(
    answers: Iterable[tuple[int, int, list[int], str, dt.datetime]], deadline: dt.datetime | None
) -> dict[int, tuple[list[int], str]]:
    """The answer that counts per question: the last (by time, then by row id) given before
    DEADLINE. ANSWERS are (row id, question id, choice, text, at) rows, in any order."""
    last: dict[int, tuple[dt.datetime, int, list[int], str]] = {}
    for row_id, question_id, choice, text, at in answers:
        if deadline is not None and at >= deadline:
            continue
        if question_id not in last or (at, row_id) > last[question_id][:2]:
            last[question_id] = (at, row_id, list(choice), text)
    return {qid: (choice, text) for qid, (_at, _id, choice, text) in last.items()}


def score(
    paper: Sequence[tuple[int, str, list[int], int]],
    answers: dict[int, tuple[list[int], str]],
    case_marks: dict[int, Decimal],
) -> Score:
    """The result of one candidate, from the paper (id, kind, right options, points), the answers
    that count and the markers' last scores of the case answers. Objective questions score all
    or nothing (a multiple choice must name exactly the right options); an unanswered case
    question scores 0 without a marker; an answered one waits for its mark."""
    objective = Decimal(0)
    case: Decimal | None = Decimal(0)
    full = 0
    for question_id, kind, right, points in paper:
        full += points
        given = answers.get(question_id)
        if kind == QuestionKind.CASE:
            if question_id in case_marks:
                mark = min(Decimal(points), max(Decimal(0), case_marks[question_id]))
                case = None if case is None else case + mark
            elif given is not None and given[1].strip():
                case = None
            continue
        if given is not None and sorted(given[0]) == sorted(right):
            objective += points
    return Score(objective, case, full)


def _paper_rows(sitting_id: int) -> list[tuple[int, str, list[int], int]]:
    return [
        (q.pk, q.kind, list(q.answer), q.points)
        for q in PaperQuestion.objects.filter(sitting_id=sitting_id).order_by("position")
    ]


def _marks(candidate_ids: Iterable[int]) -> dict[int, dict[int, Decimal]]:
    marks: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for cid, qid, points in (
        CaseMark.objects.filter(candidate_id__in=list(candidate_ids))
        .order_by("at", "id")
        .values_list("candidate_id", "question_id", "points")
    ):
        marks[cid][qid] = points  # the last mark counts
    return marks


def result_of(candidate: Candidate) -> Score:
    """CANDIDATE's result recomputed from the stored paper, answers and marks alone."""
    answers = final_answers(
        Answer.objects.filter(candidate=candidate).values_list(
            "pk", "question_id", "choice", "text", "at"
        ),
        candidate.deadline_at,
    )
    return score(_paper_rows(candidate.sitting_id), answers, _marks([candidate.pk])[candidate.pk])


def _apply(candidate: Candidate, result: Score, at: dt.datetime) -> None:
    values = _outcome(result, candidate.sitting.pass_mark)
    for name, value in zip(OUTCOME_FIELDS, values, strict=True):
        setattr(candidate, name, value)
    candidate.marked_at = at if candidate.status == CandidateStatus.MARKED else None


def recompute(candidate: Candidate, *, at: dt.datetime | None = None) -> Candidate:
    """Store CANDIDATE's result as recomputed from the stored answers and marks."""
    at = at or timezone.now()
    candidate = Candidate.objects.select_related("sitting").get(pk=candidate.pk)
    _apply(candidate, result_of(candidate), at)
    candidate.save(
        update_fields=[
            "objective_score",
            "case_score",
            "score",
            "full_marks",
            "passed",
            "status",
            "marked_at",
        ]
    )
    return candidate


@transaction.atomic
def mark_case(
    candidate: Candidate,
    question: PaperQuestion,
    points: Decimal,
    *,
    actor: Any,
    note: str = "",
    at: dt.datetime | None = None,
) -> Candidate:
    """Record a marker's score of one case answer (a correction is a new row) and recompute."""
    require_capability(actor, Capability.MANAGE_TRAINING)
    at = at or timezone.now()
    if candidate.sitting.status == SittingStatus.PUBLISHED:
        raise ExamError(_("成绩已公布，不能再评分。"), field="sitting")
    if question.sitting_id != candidate.sitting_id or question.kind != QuestionKind.CASE:
        raise ExamError(_("只能为本场考试的案例分析题评分。"), field="question")
    if candidate.status not in (CandidateStatus.SUBMITTED, CandidateStatus.MARKED):
        raise ExamError(_("考生尚未交卷。"), field="status")
    if not Decimal(0) <= points <= question.points:
        raise ExamError(
            _("得分应在 0 至 %(max)s 之间。") % {"max": question.points}, field="points"
        )
    CaseMark.objects.create(
        candidate=candidate, question=question, points=points, note=note, marker=actor, at=at
    )
    audit.record(
        actor,
        "training.exam.mark",
        candidate,
        changes={"question": question.position, "points": str(points)},
    )
    return recompute(candidate, at=at)


def _outcome(result: Score, pass_mark: Decimal) -> tuple[Any, ...]:
    """(objective, case, total, full, passed, status) of a result, as stored on the candidate."""
    if result.total is None:
        return (result.objective, None, None, result.full, None, CandidateStatus.SUBMITTED)
    passed = bool(result.full and result.total * 100 >= pass_mark * result.full)
    return (
        result.objective,
        result.case,
        result.total,
        result.full,
        passed,
        CandidateStatus.MARKED,
    )


OUTCOME_FIELDS = ("objective_score", "case_score", "score", "full_marks", "passed", "status")


def mark_sitting(sitting: Sitting, *, at: dt.datetime | None = None) -> int:
    """Recompute every submitted candidate of SITTING from the stored answers, set-wise.

    The paper once; the answers that count in one read ordered by (candidate, question, time,
    row id) and limited to each candidate's deadline in SQL — so the last row per question is the
    one ``final_answers`` picks, without converting a timestamp per row —, each distinct answer
    text parsed once; ``score()`` per candidate; one UPDATE per distinct result. Returns the
    number of candidates marked.
    """
    at = at or timezone.now()
    close_overdue(sitting, at)
    paper = _paper_rows(sitting.pk)
    ids = list(
        Candidate.objects.filter(
            sitting=sitting, status__in=[CandidateStatus.SUBMITTED, CandidateStatus.MARKED]
        ).values_list("pk", flat=True)
    )
    last: dict[int, dict[int, tuple[list[int], str]]] = defaultdict(dict)
    parsed: dict[str, list[int]] = {}
    for cid, qid, choice, text in (
        Answer.objects.filter(
            candidate__sitting=sitting,
            candidate__status__in=[CandidateStatus.SUBMITTED, CandidateStatus.MARKED],
            at__lt=F("candidate__deadline_at"),
        )
        .order_by("candidate_id", "question_id", "at", "id")
        .values_list("candidate_id", "question_id", Cast("choice", TextField()), "text")
        .iterator(chunk_size=20_000)
    ):
        picked = parsed.get(choice)
        if picked is None:
            picked = parsed[choice] = list(json.loads(choice))
        last[cid][qid] = (picked, text)
    marks = _marks(ids)
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for cid in ids:
        result = score(paper, last.get(cid, {}), marks.get(cid, {}))
        groups[_outcome(result, sitting.pass_mark)].append(cid)
    # One UPDATE per distinct result (a few dozen score values), not a CASE per row.
    with transaction.atomic():
        for values, members in groups.items():
            changes: dict[str, Any] = dict(zip(OUTCOME_FIELDS, values, strict=True))
            changes["marked_at"] = at if changes["status"] == CandidateStatus.MARKED else None
            for chunk in range(0, len(members), 2000):
                Candidate.objects.filter(pk__in=members[chunk : chunk + 2000]).update(**changes)
    return len(ids)


# --- publication and the qualification -------------------------------------------------------------


@transaction.atomic
def publish(
    sitting: Sitting, *, actor: Any, at: dt.datetime | None = None
) -> list[QualificationGrant]:
    """Publish SITTING's results. Every candidate who passed is granted the level from the day
    after publication, valid per the rules in force on the publication day (applied to the
    officer's record on that day by ``apply_due_grants``). A candidate who failed or did not
    sit keeps only what the record already holds, with its own expiry: nothing is extended."""
    require_capability(actor, Capability.MANAGE_TRAINING)
    at = at or timezone.now()
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    if sitting.status != SittingStatus.READY:
        raise ExamError(_("只有已组卷、未公布的场次才能公布成绩。"), field="status")
    if at < sitting.closes_at:
        raise ExamError(_("考试截止后才能公布成绩。"), field="status")
    mark_sitting(sitting, at=at)
    waiting = Candidate.objects.filter(sitting=sitting, status=CandidateStatus.SUBMITTED).count()
    if waiting:
        raise ExamError(
            _("还有 %(n)s 名考生的案例分析题未评分，不能公布成绩。") % {"n": waiting},
            field="status",
        )
    day = local_day(at)
    pack = exam_rules.pack_on(day)
    rule = pack.level(sitting.level)
    granted_on, expires_on = exam_rules.validity(rule, day)
    grants = []
    for candidate in Candidate.objects.filter(sitting=sitting).select_related("officer"):
        officer = candidate.officer
        previous = {
            "level": officer.qualification_level,
            "granted_on": _iso(officer.qualification_granted_on),
            "expires_on": _iso(officer.qualification_expires_on),
        }
        if candidate.status == CandidateStatus.REGISTERED:  # never started: absent (缺考)
            candidate.passed = False
            candidate.status = CandidateStatus.MARKED
            candidate.marked_at = at
        if candidate.passed:
            grants.append(
                QualificationGrant.objects.create(
                    candidate=candidate,
                    officer=officer,
                    level=sitting.level,
                    granted_on=granted_on,
                    expires_on=expires_on,
                    basis=str(rule.basis),
                    published_by=actor,
                    previous=previous,
                )
            )
            candidate.outcome = {
                "result": "granted",
                "level": sitting.level,
                "granted_on": granted_on.isoformat(),
                "expires_on": expires_on.isoformat(),
                "previous": previous,
            }
        else:
            candidate.outcome = {"result": "not_granted", "previous": previous}
        candidate.save(update_fields=["passed", "status", "marked_at", "outcome"])
    sitting.status = SittingStatus.PUBLISHED
    sitting.published_at = at
    sitting.save(update_fields=["status", "published_at"])
    audit.record(
        actor,
        "training.results.publish",
        sitting,
        changes={
            "passed": [g.officer.police_number for g in grants],
            "granted_on": granted_on.isoformat(),
            "expires_on": expires_on.isoformat(),
            "rules": f"{pack.id}@{pack.version}",
        },
    )
    return grants


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def apply_due_grants(at: dt.datetime | None = None) -> int:
    """Write every published grant whose day has come onto the officer's record, through
    ``update_officer`` (audited as an officer update by the person who published the results).

    Runs in the warning sweep (``fazhi scan`` and the periodic task) and after publication.
    A grant never lowers a higher level that is still in force on its day.
    """
    from fazhi.org.officers import update_officer

    at = at or timezone.now()
    today = local_day(at)
    done = 0
    for grant in (
        QualificationGrant.objects.filter(applied_at__isnull=True, granted_on__lte=today)
        .select_related("officer", "published_by")
        .order_by("granted_on", "id")
    ):
        with transaction.atomic():
            officer = Officer.objects.select_for_update().get(pk=grant.officer_id)
            higher = (
                officer.qualification_level is not None
                and officer.qualification_level > grant.level
                and officer.qualification_valid_on(grant.granted_on)
            )
            if not higher:
                update_officer(
                    officer,
                    {
                        "qualification_level": grant.level,
                        "qualification_granted_on": grant.granted_on,
                        "qualification_expires_on": grant.expires_on,
                    },
                    actor=grant.published_by,
                )
            grant.applied_at = at
            grant.save(update_fields=["applied_at"])
            audit.record(
                grant.published_by,
                "training.qualification.grant",
                officer,
                changes={
                    "level": level_label(grant.level),
                    "granted_on": grant.granted_on,
                    "expires_on": grant.expires_on,
                    "kept_higher_level": higher,
                    "candidate": grant.candidate_id,
                },
            )
            done += 1
    return done


def mine(officer: Officer) -> Any:
    """OFFICER's sittings, newest first."""
    return (
        Candidate.objects.filter(officer=officer)
        .select_related("sitting")
        .order_by("-sitting__opens_at")
    )


def visible_sittings(user: Any) -> Any:
    return Sitting.objects.filter(
        Q(pk__in=Sitting.objects.visible_to(user).values("pk"))
        | Q(candidates__unit__in=Unit.objects.visible_to(user))
    ).distinct()

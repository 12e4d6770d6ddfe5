"""Benchmark: marking a qualification exam sitting of 5,000 candidates (issue 15) against its
bare-SQL floor.

A sitting with a 50-question objective paper (30 single, 10 multiple, 10 true/false choice) and
``BENCH_CANDIDATES`` (default 5,000) submitted candidates, each with one answer per question and
a corrected answer on one question in ten (~275,000 append-only answer rows), is written to its
own SQLite database (``bench/data/training-marking.sqlite3``, rebuilt each run unless
``BENCH_REUSE=1``). Measured, medians
of ``BENCH_ROUNDS`` (default 3) rounds:

- **floor**: ONE SQL statement that does the same work set-wise — the last answer per candidate
  and question before the candidate's deadline (a window function), compared with the paper's
  answer, summed per candidate, written back as the objective score (``WITH … UPDATE``);
- **mark_sitting**: ``fazhi.training.exams.mark_sitting`` — what publication runs: the paper
  once, the answers in one ordered read, ``score()`` per candidate (the function the property
  test checks), one bulk update of scores, totals, pass flags and status.

Both leave the same objective scores (checked). Results: bench/results/training_marking.json.

    .venv/bin/python -m bench.training_marking
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "5000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DB = ROOT / "bench" / "data" / "training-marking.sqlite3"
REUSE = os.environ.get("BENCH_REUSE") == "1"  # keep the database of the last run

FLOOR = """
WITH last AS (
  SELECT a.candidate_id, a.question_id, a.choice,
         ROW_NUMBER() OVER (PARTITION BY a.candidate_id, a.question_id
                            ORDER BY a.at DESC, a.id DESC) AS rn
  FROM training_answer a JOIN training_candidate c ON c.id = a.candidate_id
  WHERE c.sitting_id = %s AND a.at < c.deadline_at
), scored AS (
  SELECT l.candidate_id, SUM(p.points) AS s
  FROM last l JOIN training_paperquestion p ON p.id = l.question_id
  WHERE l.rn = 1 AND l.choice = p.answer
  GROUP BY l.candidate_id
)
UPDATE training_candidate
SET objective_score = COALESCE((SELECT s FROM scored WHERE scored.candidate_id = training_candidate.id), 0)
WHERE sitting_id = %s
"""


def setup() -> None:
    DB.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm") if not REUSE else ():
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhi.settings")
    os.environ.setdefault("FAZHI_VAR_DIR", str(DB.parent / "var"))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build() -> int:
    """Write the sitting, its paper, the candidates and their answers; return the sitting id."""
    from django.db import transaction

    from fazhi.core.clock import SHANGHAI
    from fazhi.org.models import Officer, Unit
    from fazhi.training.models import (
        Answer,
        Candidate,
        CandidateStatus,
        PaperQuestion,
        Question,
        Sitting,
        SittingStatus,
    )

    rng = random.Random(15)
    opens = dt.datetime(2026, 9, 10, 9, tzinfo=SHANGHAI)
    with transaction.atomic():
        unit = Unit.objects.add_root(
            {"code": "500000", "name": "示例市公安局", "kind": "city_bureau"}
        )
        sitting = Sitting.objects.create(
            code="BENCH",
            title="基准",
            level=2,
            organiser=unit,
            opens_at=opens,
            closes_at=opens + dt.timedelta(hours=3),
            duration_minutes=90,
            pass_mark=70,
            rules_version="bench",
            blueprint=[],
            paper_seed=1,
            status=SittingStatus.READY,
        )
        kinds = ["single"] * 30 + ["multiple"] * 10 + ["true_false"] * 10
        paper = []
        for n, kind in enumerate(kinds, 1):
            options = ["正确", "错误"] if kind == "true_false" else ["甲", "乙", "丙", "丁"]
            answer = (
                sorted(rng.sample(range(4), 2))
                if kind == "multiple"
                else [rng.randrange(len(options))]
            )
            q = Question.objects.create(
                code=f"B-{n:03d}",
                level=2,
                subject="law",
                kind=kind,
                stem=f"第{n}题",
                options=options,
                answer=answer,
                points=2,
                citations=[],
            )
            paper.append(
                PaperQuestion(
                    sitting=sitting,
                    question=q,
                    position=n,
                    kind=kind,
                    subject="law",
                    stem=q.stem,
                    options=options,
                    answer=answer,
                    points=2,
                    citations=[],
                )
            )
        paper = PaperQuestion.objects.bulk_create(paper)
        officers = Officer.objects.bulk_create(
            Officer(police_number=f"B{i:06d}", name=f"考生{i}", id_number=f"B{i:017d}", unit=unit)
            for i in range(CANDIDATES)
        )
        started = opens + dt.timedelta(minutes=5)
        candidates = Candidate.objects.bulk_create(
            Candidate(
                sitting=sitting,
                officer=o,
                unit=unit,
                seed=i,
                registered_at=opens,
                status=CandidateStatus.SUBMITTED,
                started_at=started,
                deadline_at=started + dt.timedelta(minutes=90),
                submitted_at=started + dt.timedelta(minutes=80),
            )
            for i, o in enumerate(officers)
        )
        rows = []
        for c in candidates:
            ability = rng.uniform(0.4, 0.98)
            for n, q in enumerate(paper):
                at = started + dt.timedelta(minutes=1 + n)
                right = rng.random() < ability
                choice = q.answer if right else [(q.answer[0] + 1) % len(q.options)]
                rows.append(Answer(candidate=c, question=q, choice=choice, at=at))
                if rng.random() < 0.1:  # a corrected answer, later
                    rows.append(
                        Answer(
                            candidate=c,
                            question=q,
                            choice=q.answer,
                            at=at + dt.timedelta(seconds=30),
                        )
                    )
            if len(rows) > 50_000:
                Answer.objects.bulk_create(rows, batch_size=5000)
                rows = []
        Answer.objects.bulk_create(rows, batch_size=5000)
    return sitting.pk


def scores(sitting_id: int) -> list[tuple[int, object]]:
    from fazhi.training.models import Candidate

    return list(
        Candidate.objects.filter(sitting_id=sitting_id)
        .order_by("pk")
        .values_list("pk", "objective_score")
    )


def reset(sitting_id: int) -> None:
    from fazhi.training.models import Candidate

    Candidate.objects.filter(sitting_id=sitting_id).update(
        objective_score=None,
        case_score=None,
        score=None,
        passed=None,
        status="submitted",
        marked_at=None,
    )


def main() -> None:
    setup()
    from django.db import connection, transaction

    from fazhi.training import exams
    from fazhi.training.models import Answer, Sitting

    t0 = time.perf_counter()
    existing = Sitting.objects.filter(code="BENCH").first() if REUSE else None
    sitting_id = existing.pk if existing else build()
    print(
        f"data: {CANDIDATES} candidates, {Answer.objects.count()} answers, built in {time.perf_counter() - t0:.1f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    floor_times, mark_times = [], []
    for _round in range(ROUNDS):
        reset(sitting_id)
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(FLOOR, [sitting_id, sitting_id])
        floor_times.append(time.perf_counter() - start)
        floor_scores = scores(sitting_id)
        reset(sitting_id)
        sitting = Sitting.objects.get(pk=sitting_id)
        start = time.perf_counter()
        marked = exams.mark_sitting(sitting, at=sitting.closes_at)
        mark_times.append(time.perf_counter() - start)
        assert marked == CANDIDATES
        got = scores(sitting_id)
        assert [(pk, float(s)) for pk, s in got] == [(pk, float(s)) for pk, s in floor_scores], (
            "scores differ"
        )
    floor, value = statistics.median(floor_times), statistics.median(mark_times)
    out = [
        {
            "name": f"mark a sitting of {CANDIDATES} candidates",
            "value": round(value, 4),
            "baseline": round(floor, 4),
            "ratio": round(value / floor, 2),
            "candidates": CANDIDATES,
            "answers": Answer.objects.count(),
            "rounds": {
                "mark_sitting": [round(t, 4) for t in mark_times],
                "floor": [round(t, 4) for t in floor_times],
            },
        }
    ]
    print(f"mark_sitting {value:.3f} s   floor {floor:.3f} s   ratio {value / floor:.2f}")
    path = ROOT / "bench" / "results" / "training_marking.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

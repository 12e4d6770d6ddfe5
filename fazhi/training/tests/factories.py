"""Factories for the question bank and exams."""

from __future__ import annotations

import datetime as dt

import factory

from fazhi.core.clock import SHANGHAI
from fazhi.org.models import QualificationLevel
from fazhi.training.models import Question, QuestionKind, Subject

CITATION = "《中华人民共和国行政处罚法》第四十二条"


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"Q-{n:05d}")
    level = QualificationLevel.INTERMEDIATE
    subject = Subject.LAW
    kind = QuestionKind.SINGLE
    stem = factory.Sequence(lambda n: f"第{n}题：行政处罚由具有行政执法资格的执法人员实施吗？")
    options = factory.LazyFunction(lambda: ["甲", "乙", "丙", "丁"])
    answer = factory.LazyFunction(lambda: [1])
    points = 2
    citations = factory.LazyFunction(lambda: [CITATION])

    class Params:
        multiple = factory.Trait(kind=QuestionKind.MULTIPLE, answer=[0, 2])
        true_false = factory.Trait(
            kind=QuestionKind.TRUE_FALSE, options=["正确", "错误"], answer=[0]
        )
        case = factory.Trait(
            kind=QuestionKind.CASE,
            options=[],
            answer=[],
            points=20,
            marking_guide="指出执法人员资格与人数要求（8分）；说明法律后果（12分）。",
        )


def local(day: str, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=SHANGHAI)


def bank(
    level: int = QualificationLevel.INTERMEDIATE,
    singles: int = 6,
    multiples: int = 3,
    true_false: int = 3,
    cases: int = 1,
) -> list[Question]:
    made = []
    made += QuestionFactory.create_batch(singles, level=level)
    made += QuestionFactory.create_batch(multiples, level=level, multiple=True)
    made += QuestionFactory.create_batch(true_false, level=level, true_false=True)
    made += QuestionFactory.create_batch(cases, level=level, case=True)
    return made


BLUEPRINT = [
    {"subject": "law", "kind": "single", "count": 4},
    {"subject": "law", "kind": "multiple", "count": 2},
    {"subject": "law", "kind": "true_false", "count": 2},
]

"""Import the question bank from XLSX or CSV (``fazhi import questions FILE``): one row per
question, every rejected row reported with its field and reason, idempotent by 试题编号.

Columns: 试题编号, 等级 (基本级/中级/高级), 科目 (交通执法, 户政, 治安, 法律适用, …), 题型 (单选/多选/
判断/案例), 题干, 选项 (separated by | or a line break; 判断题 may leave it empty: 正确|错误),
答案 (letters A, B, … — several for 多选, e.g. ACD; 正确/错误 for 判断题; empty for 案例题), 分值,
评分要点 (required for 案例题), 考查条款 (one or more, separated by ；, each checked against the
law data), 可用 (是/否).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.core.errors import FazhiError
from fazhi.core.importing import (
    Column,
    Importer,
    Outcome,
    RowError,
    apply_values,
    parse_bool,
    parse_choice,
    register_importer,
    required_text,
)
from fazhi.org.models import QualificationLevel
from fazhi.training.exams import check_citations
from fazhi.training.models import Question, QuestionKind, Subject

LEVEL_WORDS = {str(label): value for value, label in QualificationLevel.choices}
SUBJECT_WORDS = {str(label): value for value, label in Subject.choices}
KIND_WORDS = {
    **{str(label): value for value, label in QuestionKind.choices},
    "单选": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTIPLE,
    "判断": QuestionKind.TRUE_FALSE,
    "案例": QuestionKind.CASE,
    "案例分析": QuestionKind.CASE,
}
TRUE_FALSE = ["正确", "错误"]
SEPARATORS = re.compile(r"\s*(?:\||\n)\s*")


@register_importer("questions")
class QuestionImporter(Importer):
    kind = "question"
    columns = (
        Column("code", "试题编号"),
        Column("level", "等级"),
        Column("subject", "科目"),
        Column("kind", "题型"),
        Column("stem", "题干"),
        Column("options", "选项", required=False),
        Column("answer", "答案", required=False),
        Column("points", "分值", required=False),
        Column("marking_guide", "评分要点", required=False),
        Column("citations", "考查条款"),
        Column("active", "可用", required=False),
    )
    unique_in_file = ("code",)

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        kind = parse_choice(raw, "kind", KIND_WORDS)
        values: dict[str, Any] = {
            "code": required_text(raw, "code", 40),
            "level": parse_choice(raw, "level", LEVEL_WORDS),
            "subject": parse_choice(raw, "subject", SUBJECT_WORDS),
            "kind": kind,
            "stem": required_text(raw, "stem", 4000),
            "marking_guide": raw.get("marking_guide", "").strip(),
            "points": _points(raw.get("points", "")),
            "is_active": parse_bool(raw, "active") if raw.get("active") else True,
        }
        options = [o for o in SEPARATORS.split(raw.get("options", "").strip()) if o]
        if kind == QuestionKind.TRUE_FALSE and not options:
            options = list(TRUE_FALSE)
        values["options"] = options if kind != QuestionKind.CASE else []
        values["answer"] = _answer(kind, options, raw.get("answer", "").strip())
        if kind == QuestionKind.CASE and not values["marking_guide"]:
            raise RowError("marking_guide", _("案例分析题须填写评分要点。"))
        cited = [c for c in re.split(r"[；;\n]", raw.get("citations", "")) if c.strip()]
        if not cited:
            raise RowError("citations", _("须写明所考查的条款。"))
        try:
            values["citations"] = check_citations(cited, timezone.localdate())
        except FazhiError as error:
            raise RowError("citations", "%(why)s", why=str(error)) from None
        return values

    def upsert(self, values: dict[str, Any]) -> Outcome:
        question = Question.objects.filter(code=values["code"]).first()
        if question is None:
            question = Question.objects.create(**values)
            self.record_audit(
                Outcome.CREATED, question, {key: [None, val] for key, val in values.items()}
            )
            return Outcome.CREATED
        changes = apply_values(question, values)
        if not changes:
            return Outcome.UNCHANGED
        question.save()
        self.record_audit(Outcome.UPDATED, question, changes)
        return Outcome.UPDATED


def _points(text: str) -> int:
    text = text.strip()
    if not text:
        return 1
    if not text.isdigit() or not 0 < int(text) <= 100:
        raise RowError("points", _("分值 %(value)s 应为 1 至 100 的整数。"), value=text)
    return int(text)


def _answer(kind: str, options: list[str], text: str) -> list[int]:
    if kind == QuestionKind.CASE:
        return []
    if kind == QuestionKind.TRUE_FALSE and text in options:
        return [options.index(text)]
    if len(options) < 2:
        raise RowError("options", _("选择题至少要有两个选项。"))
    letters = [c for c in text.upper() if not c.isspace() and c not in ",，、"]
    if not letters:
        raise RowError("answer", _("须填写答案。"))
    picked = []
    for letter in letters:
        index = ord(letter) - ord("A")
        if not 0 <= index < len(options):
            raise RowError(
                "answer",
                _("答案 %(value)s 不是选项 A 至 %(last)s 之一。"),
                value=letter,
                last=chr(ord("A") + len(options) - 1),
            )
        picked.append(index)
    picked = sorted(set(picked))
    if kind != QuestionKind.MULTIPLE and len(picked) != 1:
        raise RowError("answer", _("单选题和判断题只能有一个答案。"))
    if kind == QuestionKind.MULTIPLE and len(picked) < 2:
        raise RowError("answer", _("多选题至少要有两个正确答案。"))
    return picked

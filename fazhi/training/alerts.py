"""Qualification and training-plan warnings: the officer source of the one warning engine
(fazhi.core.warnings, ADR 0014), with the rules of rules/training/*.yaml.

A warning is about one officer: the qualification expires within N days (QUAL_EXPIRING), has
expired while a level is still recorded (QUAL_EXPIRED: the officer may not act, 《行政处罚法》
第四十二条 — the record never silently keeps an expired level), or a course of the unit's
training plan was due before today and is not completed (PLAN_BEHIND, one warning per plan
course: ``subject_key`` is the plan item). The officer sees the warnings on 我的培训与考试; the
unit and the centres above it see them in their scope.

Each condition type is one SQL query over all officers; the rule file's examples are written as
rows of the in-memory examples database and run through the same writer (``run_examples``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db import connections
from django.db.models import CharField, F, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from fazhi.core import warnings
from fazhi.core.clock import SHANGHAI
from fazhi.core.rulepacks import registry as pack_registry
from fazhi.core.warnings import WarningState
from fazhi.org.models import Officer, OfficerStatus, Unit
from fazhi.training.models import (
    Course,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    PlanItem,
    Question,
    TrainingPlan,
    TrainingWarning,
    TrainingWarningEvent,
)
from fazhi.training.rules import (
    BehindPlan,
    Expired,
    ExpiringWithin,
    TrainingPack,
    WarningRule,
)

ACTOR = "system:training-scan"


def rules_in_force(at: dt.datetime) -> list[WarningRule]:
    day = at.astimezone(SHANGHAI).date()
    return [rule for pack in pack_registry.in_force("training", day) for rule in pack.warnings]


def _officers(today: dt.date, rule: WarningRule) -> QuerySet[Officer]:
    c = rule.condition
    officers = Officer.objects.filter(
        status=OfficerStatus.ON_DUTY, qualification_level__isnull=False
    )
    if isinstance(c, ExpiringWithin):
        return officers.filter(
            qualification_granted_on__lte=today,
            qualification_expires_on__gte=today,
            qualification_expires_on__lt=today + dt.timedelta(days=c.days),
        )
    if isinstance(c, Expired):
        return officers.filter(qualification_expires_on__lt=today)
    raise TypeError(f"unknown condition {c!r}")


def _behind_plan_sql(today: dt.date, ids: list[int] | None, using: str) -> tuple[str, list[Any]]:
    q = connections[using].ops.quote_name
    officer, unit = q(Officer._meta.db_table), q(Unit._meta.db_table)
    plan, item = q(TrainingPlan._meta.db_table), q(PlanItem._meta.db_table)
    enrol, session = q(Enrolment._meta.db_table), q(CourseSession._meta.db_table)
    scope = ""
    params: list[Any] = ["%", today, OfficerStatus.ON_DUTY, EnrolmentStatus.COMPLETED]
    if ids is not None:
        scope = f" AND o.id IN ({', '.join(['%s'] * len(ids))})"
        params += list(ids)
    # Table names are the models' own, quoted; every value is a parameter.
    sql = (
        f"SELECT o.id AS w_subject, '' AS w_code, CAST(pi.id AS VARCHAR(40)) AS w_key"  # noqa: S608
        f" FROM {officer} o"
        f" JOIN {unit} u ON u.id = o.unit_id"
        f" JOIN {plan} p ON 1 = 1"
        f" JOIN {unit} pu ON pu.id = p.unit_id AND u.path LIKE pu.path || %s"
        f" JOIN {item} pi ON pi.plan_id = p.id AND pi.due_on < %s"
        f" WHERE o.status = %s AND NOT EXISTS ("
        f"SELECT 1 FROM {enrol} e JOIN {session} s ON s.id = e.session_id"
        f" WHERE e.officer_id = o.id AND s.course_id = pi.course_id AND e.status = %s"
        f" AND e.completed_on >= p.starts_on){scope}"
    )
    return sql, params


def condition_sql(
    rule: WarningRule, at: dt.datetime, ids: list[int] | None, using: str
) -> tuple[str, list[Any]]:
    """ONE SELECT of (w_subject, w_code, w_key) for the officers RULE holds for at AT."""
    today = at.astimezone(SHANGHAI).date()
    if isinstance(rule.condition, BehindPlan):
        return _behind_plan_sql(today, ids, using)
    qs = _officers(today, rule)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    blank = Value("", output_field=CharField())
    qs = qs.order_by().annotate(w_subject=F("pk"), w_code=blank, w_key=blank)
    return warnings.compiled(qs.values("w_subject", "w_code", "w_key"), using)


SOURCE = warnings.Source(
    name="officer",
    warning=TrainingWarning,
    history=TrainingWarningEvent,
    subject="officer",
    rules=rules_in_force,
    condition=condition_sql,
    actor=ACTOR,
    audit_action="training.scan",
    audit_target="training.rule",
)


def visible_warnings(user: Any) -> QuerySet[TrainingWarning]:
    """The open training warnings of the user's scope, loudest and oldest first."""
    return (
        TrainingWarning.objects.filter(
            state=WarningState.OPEN, officer__in=Officer.objects.visible_to(user)
        )
        .select_related("officer", "officer__unit")
        .order_by("-level", "opened_at")
    )


def officer_warnings(officer: Officer) -> QuerySet[TrainingWarning]:
    return TrainingWarning.objects.filter(state=WarningState.OPEN, officer=officer).order_by(
        "-level", "opened_at"
    )


# --- the rule file's examples --------------------------------------------------------------------


def _day(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value))


def open_rules_for_example(pack: TrainingPack, given: dict[str, Any]) -> set[str]:
    """The codes of PACK's warning rules the engine opens for the example's officer at noon of
    ``today``: the rows written to the in-memory database, the writer's real SQL run."""
    noon = dt.datetime.combine(_day(given["today"]), dt.time(12), tzinfo=SHANGHAI)
    with warnings.example_database() as using:
        unit = cast(Unit, warnings.row(Unit, using, path="0001", depth=1, code="U1", name="单位"))
        officer = warnings.row(
            Officer,
            using,
            unit_id=unit.pk,
            police_number="000001",
            id_number="X",
            status=OfficerStatus.ON_DUTY,
            qualification_level=given.get("level"),
            qualification_granted_on=_day(given["granted_on"]),
            qualification_expires_on=_day(given["expires_on"]),
        )
        if given.get("plan_due_on"):
            due = _day(given["plan_due_on"])
            course = warnings.row(Course, using, code="C1", title="课程", hours=4)
            plan = warnings.row(
                TrainingPlan,
                using,
                year=due.year,
                unit_id=unit.pk,
                title="计划",
                starts_on=dt.date(due.year, 1, 1),
            )
            warnings.row(PlanItem, using, plan_id=plan.pk, course_id=course.pk, due_on=due)
            if given.get("completed"):
                session = warnings.row(
                    CourseSession,
                    using,
                    course_id=course.pk,
                    starts_on=due,
                    ends_on=due,
                    trainer="T",
                    capacity=10,
                    organiser_id=unit.pk,
                )
                warnings.row(
                    Enrolment,
                    using,
                    session_id=session.pk,
                    officer_id=officer.pk,
                    enrolled_at=noon,
                    status=EnrolmentStatus.COMPLETED,
                    completed_on=due,
                )
        warnings.run_source(SOURCE, noon, rules=pack.warnings, using=using)
        return set(
            TrainingWarning.objects.using(using)
            .filter(officer_id=officer.pk, state=WarningState.OPEN)
            .values_list("rule", flat=True)
        )


# --- citations of questions and courses (the law-change impact report) ----------------------------


def _question_citations(laws: frozenset[str] | None) -> Any:
    from fazhi.core.citations import Cited, mentions

    for code, pk, citations in Question.objects.filter(is_active=True).values_list(
        "code", "pk", "citations"
    ):
        for text in citations or []:
            if mentions(text, laws):
                yield Cited(
                    kind="training.question",
                    owner_id=code,
                    owner_label=str(_("试题 %(code)s") % {"code": code}),
                    unit=str(_("执法资格考试题库")),
                    citation=text,
                    where="citations",
                    url=f"/training/questions/{pk}/",
                )


def _course_citations(laws: frozenset[str] | None) -> Any:
    from fazhi.core.citations import Cited, mentions

    for code, title, citations in Course.objects.values_list("code", "title", "citations"):
        for text in citations or []:
            if mentions(text, laws):
                yield Cited(
                    kind="training.course",
                    owner_id=code,
                    owner_label=f"{code} {title}",
                    unit=str(_("培训课程")),
                    citation=text,
                    where="citations",
                    url=f"/training/courses/{code}/",
                )


def register_citations() -> None:
    """Register the bank's and the courses' citations with the citers' registry, if present."""
    try:
        from fazhi.core import citations
    except ImportError:  # pragma: no cover - the registry is not in this installation
        return
    citations.register(
        citations.Provider("training.question", _("执法资格考试试题"), _question_citations, 60)
    )
    citations.register(citations.Provider("training.course", _("培训课程"), _course_citations, 61))

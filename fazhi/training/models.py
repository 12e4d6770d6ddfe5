"""Training and qualification exams: the question bank, sittings and their papers, candidates,
answers and marks (append-only), courses, sessions, enrolments, training plans, and the
training warnings of the one engine (ADR 0014, 0023)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fazhi.core.append_only import AppendOnly
from fazhi.core.warnings import AbstractWarning, AbstractWarningEvent
from fazhi.org.models import Officer, QualificationLevel, ScopedQuerySet, Unit


class Subject(models.TextChoices):  # 科目 / 课程类别
    TRAFFIC = "traffic", _("交通执法")
    HOUSEHOLD = "household", _("户政")
    PUBLIC_ORDER = "public_order", _("治安")
    LAW = "law", _("法律适用")
    PROCEDURE = "procedure", _("执法程序")
    CRIMINAL = "criminal", _("刑事执法")
    EVIDENCE = "evidence", _("证据与文书")
    ETHICS = "ethics", _("执法规范与监督")


class QuestionKind(models.TextChoices):  # 题型
    SINGLE = "single", _("单项选择题")
    MULTIPLE = "multiple", _("多项选择题")
    TRUE_FALSE = "true_false", _("判断题")
    CASE = "case", _("案例分析题")


OBJECTIVE = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE)


class Question(models.Model):  # 试题
    """One question of the bank. ``answer`` holds the indexes of the right options (objective
    questions); a case-analysis question has a marking guide and is scored by a marker.
    ``citations`` are the provisions it tests, in legal form, checked against the law data."""

    code = models.CharField(_("试题编号"), max_length=40, unique=True)
    level = models.PositiveSmallIntegerField(_("等级"), choices=QualificationLevel.choices)
    subject = models.CharField(_("科目"), max_length=16, choices=Subject.choices)
    kind = models.CharField(_("题型"), max_length=12, choices=QuestionKind.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list, blank=True)
    answer = models.JSONField(_("答案"), default=list, blank=True)
    marking_guide = models.TextField(_("评分要点"), blank=True)
    points = models.PositiveSmallIntegerField(_("分值"), default=1)
    citations = models.JSONField(_("考查条款"), default=list)
    is_active = models.BooleanField(_("可用"), default=True)
    needs_review = models.BooleanField(_("待复核"), default=False)  # a cited provision changed
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("试题")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "subject", "kind", "is_active"])]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="training_question_points"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.stem[:30]}"

    @property
    def is_objective(self) -> bool:
        return self.kind in OBJECTIVE


class SittingStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    READY = "ready", _("已组卷")
    PUBLISHED = "published", _("成绩已公布")


class SittingQuerySet(ScopedQuerySet):
    unit_field = "organiser"


class Sitting(models.Model):  # 考试场次
    """One exam of one level: its window, its duration, its pass mark and its paper's blueprint."""

    code = models.CharField(_("场次编号"), max_length=40, unique=True)
    title = models.CharField(_("考试名称"), max_length=200)
    level = models.PositiveSmallIntegerField(_("等级"), choices=QualificationLevel.choices)
    organiser = models.ForeignKey(
        Unit, models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    opens_at = models.DateTimeField(_("开考时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    duration_minutes = models.PositiveSmallIntegerField(_("考试时长（分钟）"))
    pass_mark = models.DecimalField(_("合格线（%）"), max_digits=5, decimal_places=2)
    rules_version = models.CharField(_("考试规则版本"), max_length=40)
    blueprint = models.JSONField(_("组卷方案"), default=list)  # [{subject, kind, count}]
    paper_seed = models.BigIntegerField(_("组卷种子"))
    status = models.CharField(
        _("状态"), max_length=12, choices=SittingStatus.choices, default=SittingStatus.DRAFT
    )
    published_at = models.DateTimeField(_("成绩公布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = SittingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("考试场次")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="training_sitting_window"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="training_sitting_duration"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, at: dt.datetime) -> bool:
        return self.status == SittingStatus.READY and self.opens_at <= at < self.closes_at


class PaperQuestion(models.Model):  # 试卷试题
    """One question of a sitting's paper, frozen when the paper is drawn: marking reads this
    copy, so a later edit of the bank never changes a result."""

    sitting = models.ForeignKey(Sitting, models.PROTECT, related_name="paper")
    question = models.ForeignKey(Question, models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("题号"))
    kind = models.CharField(_("题型"), max_length=12, choices=QuestionKind.choices)
    subject = models.CharField(_("科目"), max_length=16, choices=Subject.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list)
    answer = models.JSONField(_("答案"), default=list)
    marking_guide = models.TextField(_("评分要点"), blank=True)
    points = models.PositiveSmallIntegerField(_("分值"))
    citations = models.JSONField(_("考查条款"), default=list)

    class Meta:
        verbose_name = verbose_name_plural = _("试卷试题")
        ordering = ["sitting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "position"], name="training_paper_position"),
            models.UniqueConstraint(
                fields=["sitting", "question"], name="training_paper_question_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sitting_id}#{self.position}"


class CandidateStatus(models.TextChoices):
    REGISTERED = "registered", _("已报名")
    STARTED = "started", _("作答中")
    SUBMITTED = "submitted", _("已交卷")
    MARKED = "marked", _("已评分")


class CandidateQuerySet(ScopedQuerySet):
    unit_field = "unit"


class Candidate(models.Model):  # 考生
    """One officer registered for one sitting: one attempt (a unique pair), the seed its
    questions and options are shuffled with, the server-side deadline, and the stored result."""

    sitting = models.ForeignKey(Sitting, models.PROTECT, related_name="candidates")
    officer = models.ForeignKey(Officer, models.PROTECT, related_name="exam_candidacies")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("报名单位"))
    seed = models.BigIntegerField(_("乱序种子"))
    eligibility = models.JSONField(_("资格审核"), default=dict)  # facts read at registration
    registered_at = models.DateTimeField(_("报名时间"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=CandidateStatus.choices,
        default=CandidateStatus.REGISTERED,
    )
    started_at = models.DateTimeField(_("开始作答"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("交卷期限"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    objective_score = models.DecimalField(
        _("客观题得分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    case_score = models.DecimalField(
        _("案例题得分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(_("总分"), max_digits=7, decimal_places=2, null=True, blank=True)
    full_marks = models.PositiveIntegerField(_("满分"), default=0)
    passed = models.BooleanField(_("合格"), null=True, blank=True)
    marked_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    outcome = models.JSONField(_("资格处理结果"), default=dict, blank=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("考生")
        ordering = ["sitting", "officer__police_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "officer"], name="training_one_attempt_per_sitting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer} @ {self.sitting_id}"

    def remaining_seconds(self, at: dt.datetime) -> int:
        if self.deadline_at is None:
            return 0
        return max(0, int((self.deadline_at - at).total_seconds()))

    def can_answer(self, at: dt.datetime) -> bool:
        return (
            self.status == CandidateStatus.STARTED
            and self.deadline_at is not None
            and at < self.deadline_at
        )


class Answer(AppendOnly, models.Model):  # 作答记录
    """One answer as given (append-only): the last one per question before the deadline counts.
    ``choice`` holds indexes into the question's ORIGINAL options (shuffling is display only)."""

    update_refused = _("作答记录只能追加，不能修改。")
    delete_refused = _("作答记录只能追加，不能删除。")

    candidate = models.ForeignKey(Candidate, models.PROTECT, related_name="answers")
    question = models.ForeignKey(PaperQuestion, models.PROTECT, related_name="+")
    choice = models.JSONField(_("所选"), default=list)
    text = models.TextField(_("作答"), blank=True)
    at = models.DateTimeField(_("作答时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("作答记录")
        ordering = ["candidate", "question", "at", "id"]
        indexes = [models.Index(fields=["candidate", "question", "at"])]

    def __str__(self) -> str:
        return f"{self.candidate_id}:{self.question_id}"


class CaseMark(AppendOnly, models.Model):  # 阅卷评分
    """A marker's score of one case-analysis answer (append-only: a correction is a new row)."""

    update_refused = _("评分记录只能追加，不能修改。")
    delete_refused = _("评分记录只能追加，不能删除。")

    candidate = models.ForeignKey(Candidate, models.PROTECT, related_name="case_marks")
    question = models.ForeignKey(PaperQuestion, models.PROTECT, related_name="+")
    points = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    note = models.CharField(_("评语"), max_length=300, blank=True)
    marker = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(_("评分时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("阅卷评分")
        ordering = ["candidate", "question", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="training_mark_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id}:{self.question_id}={self.points}"


class QualificationGrant(models.Model):  # 执法资格授予
    """The qualification a published pass gives: recorded at publication, applied to the
    officer's record (through org's ``update_officer``) on ``granted_on``, the day after."""

    candidate = models.OneToOneField(Candidate, models.PROTECT, related_name="grant")
    officer = models.ForeignKey(Officer, models.PROTECT, related_name="qualification_grants")
    level = models.PositiveSmallIntegerField(_("等级"), choices=QualificationLevel.choices)
    granted_on = models.DateField(_("资格取得日期"))
    expires_on = models.DateField(_("资格有效期至"))
    basis = models.CharField(_("依据"), max_length=300)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(_("登记时间"), null=True, blank=True)
    previous = models.JSONField(_("原资格"), default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("执法资格授予")
        ordering = ["granted_on", "id"]
        indexes = [models.Index(fields=["applied_at", "granted_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("granted_on")),
                name="training_grant_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer_id}:{self.level}@{self.granted_on}"


class ServiceStart(models.Model):  # 参加公安工作时间
    """When an officer joined the police (for 从警年限); kept here so org needs no migration."""

    officer = models.OneToOneField(Officer, models.PROTECT, related_name="service_start")
    joined_on = models.DateField(_("参加公安工作时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("参加公安工作时间")

    def __str__(self) -> str:
        return f"{self.officer_id}:{self.joined_on}"


# --- courses and plans -------------------------------------------------------------------------


class Course(models.Model):  # 课程
    code = models.CharField(_("课程编号"), max_length=40, unique=True)
    title = models.CharField(_("课程名称"), max_length=200)
    subject = models.CharField(_("类别"), max_length=16, choices=Subject.choices)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    description = models.TextField(_("简介"), blank=True)
    citations = models.JSONField(_("相关条款"), default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("课程")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_course_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CourseMaterial(models.Model):  # 课程资料
    course = models.ForeignKey(Course, models.PROTECT, related_name="materials")
    title = models.CharField(_("资料名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to="training/materials/%Y/")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("课程资料")
        ordering = ["course", "title"]

    def __str__(self) -> str:
        return self.title


class CourseSession(models.Model):  # 培训班次
    course = models.ForeignKey(Course, models.PROTECT, related_name="sessions")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    online = models.BooleanField(_("线上"), default=False)
    trainer = models.CharField(_("授课人"), max_length=100)
    capacity = models.PositiveIntegerField(_("名额"))
    organiser = models.ForeignKey(
        Unit, models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("培训班次")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="training_session_dates"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="training_session_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} {self.starts_on}"


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("已报名")
    ABSENT = "absent", _("缺训")
    COMPLETED = "completed", _("已结业")


class EnrolmentQuerySet(ScopedQuerySet):
    unit_field = "officer__unit"


class Enrolment(models.Model):  # 参训
    session = models.ForeignKey(CourseSession, models.PROTECT, related_name="enrolments")
    officer = models.ForeignKey(Officer, models.PROTECT, related_name="enrolments")
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    enrolled_at = models.DateTimeField(_("报名时间"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
    )
    completed_on = models.DateField(_("结业日期"), null=True, blank=True)
    hours_credited = models.DecimalField(
        _("认定学时"), max_digits=5, decimal_places=1, default=Decimal(0)
    )

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("参训")
        ordering = ["session", "officer__police_number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "officer"], name="training_enrol_once"),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_on__isnull=False),
                name="training_completed_has_day",
            ),
        ]
        indexes = [models.Index(fields=["officer", "status"])]

    def __str__(self) -> str:
        return f"{self.officer_id}@{self.session_id}"


class PlanQuerySet(ScopedQuerySet):
    unit_field = "unit"


class TrainingPlan(models.Model):  # 年度培训计划
    """The courses every officer of a unit (and its subtree) must complete in a year."""

    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("单位"))
    title = models.CharField(_("计划名称"), max_length=200)
    # Completions from this day count (1 January of the year, or the day the plan started).
    starts_on = models.DateField(_("计划起始日"))

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("年度培训计划")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["year", "unit"], name="training_one_plan_per_year")
        ]

    def __str__(self) -> str:
        return self.title


class PlanItem(models.Model):  # 计划课程
    plan = models.ForeignKey(TrainingPlan, models.PROTECT, related_name="items")
    course = models.ForeignKey(Course, models.PROTECT, related_name="+")
    due_on = models.DateField(_("完成期限"))

    class Meta:
        verbose_name = verbose_name_plural = _("计划课程")
        ordering = ["plan", "due_on", "course__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "course"], name="training_plan_course_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.course_id}"


# --- warnings (one engine) -----------------------------------------------------------------------


class TrainingWarning(AbstractWarning):  # 资格与培训预警
    """One warning about one officer: a qualification expiring or expired, or a plan course
    overdue (``subject_key`` = the plan item)."""

    officer = models.ForeignKey(Officer, models.PROTECT, related_name="training_warnings")

    class Meta:
        verbose_name = verbose_name_plural = _("资格与培训预警")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "officer", "deadline_code", "subject_key"],
                condition=Q(state="open"),
                name="training_one_open_warning",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(closed_at__isnull=False),
                name="training_warning_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["rule", "state"], name="training_warning_rule_state"),
            models.Index(fields=["run_token"], name="training_warning_run_token"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.officer_id}"


class TrainingWarningEvent(AbstractWarningEvent):
    warning = models.ForeignKey(TrainingWarning, models.PROTECT, related_name="events")

    class Meta:
        ordering = ["warning", "at", "id"]


def level_label(level: Any) -> str:
    return str(QualificationLevel(level).label) if level else ""

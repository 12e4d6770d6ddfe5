"""Case warnings (预警) and their append-only history: the case source of the one warning engine.

A warning is one (case, rule, subject) whose condition holds: the subject is the deadline it
watches (its code and key), for a handler rule the officer, for an order rule the 督办单. At most
one OPEN warning exists per (rule, case, subject) — a partial unique constraint — so a rescan can
never duplicate it. The fields, states, levels and close reasons are fazhi.core.warnings'.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fazhi.core.warnings import (
    LEVEL_CSS,
    AbstractWarning,
    AbstractWarningEvent,
    CloseReason,
    Escalated,
    StepRecord,
    WarningEventKind,
    WarningLevel,
    WarningState,
)
from fazhi.org.models import ScopedQuerySet

__all__ = [
    "LEVEL_CSS",
    "CloseReason",
    "Escalated",
    "StepRecord",
    "WarningEventKind",
    "WarningLevel",
    "WarningState",
]


class CaseWarningQuerySet(ScopedQuerySet):
    unit_field = "case__unit"

    def open(self) -> CaseWarningQuerySet:
        return self.filter(state=WarningState.OPEN)


class CaseWarning(AbstractWarning):  # 预警
    """One warning of one rule about one case (and the deadline or officer it is about)."""

    case = models.ForeignKey(
        "cases.Case", models.PROTECT, related_name="warnings", verbose_name=_("案件")
    )

    objects = CaseWarningQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("预警")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "case", "deadline_code", "subject_key"],
                condition=Q(state="open"),
                name="warning_one_open_per_subject",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(closed_at__isnull=False),
                name="warning_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "state"]),
            models.Index(fields=["run_token"], name="warning_run_token"),
            models.Index(fields=["state", "level", "opened_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.case_id}"


class WarningEvent(AbstractWarningEvent):  # 预警记录
    """One step in a case warning's life. Append-only."""

    warning = models.ForeignKey(
        CaseWarning, models.PROTECT, related_name="events", verbose_name=_("预警")
    )

    class Meta:
        verbose_name = verbose_name_plural = _("预警记录")
        ordering = ["at", "id"]


# --- Supervision orders (督办) ---------------------------------------------------------------------


class OrderStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复待核验")
    RETURNED = "returned", _("已退回待重新答复")
    VERIFIED = "verified", _("已核验办结")


# Statuses in which the target unit still owes a reply.
AWAITING_REPLY = (OrderStatus.OPEN, OrderStatus.RETURNED)


class OrderLevel(models.TextChoices):  # 督办层级
    UNIT = "unit", _("单位督办")
    DISTRICT = "district", _("区县局督办")
    CITY = "city", _("市局督办")


class SupervisionOrderQuerySet(models.QuerySet["SupervisionOrder"]):
    """Orders are seen by the target unit's scope (receivers) and the issuing unit's (issuers)."""

    def visible_to(self, user: Any) -> SupervisionOrderQuerySet:
        from fazhi.org.models import scope_filter

        received = scope_filter(user, "target_unit")
        issued = scope_filter(user, "issuing_unit")
        if received is None or issued is None:
            return self.none()
        return self.filter(received | issued)

    def awaiting_reply(self) -> SupervisionOrderQuerySet:
        return self.filter(status__in=AWAITING_REPLY)

    def overdue(self, at: dt.datetime) -> SupervisionOrderQuerySet:
        return self.awaiting_reply().filter(reply_due_at__lt=at)


class SupervisionOrder(models.Model):  # 督办单
    """One order from a supervising unit to a unit about one case or a set of warnings."""

    number = models.CharField(_("督办单编号"), max_length=60, unique=True)
    issuing_unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="orders_issued", verbose_name=_("督办单位")
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("督办人")
    )
    target_unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="orders_received", verbose_name=_("被督办单位")
    )
    case = models.ForeignKey(
        "cases.Case",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_orders",
        verbose_name=_("案件"),
    )
    warnings = models.ManyToManyField(
        CaseWarning, blank=True, related_name="orders", verbose_name=_("预警")
    )
    problem = models.TextField(_("存在问题"))
    demand = models.TextField(_("督办要求"))
    reply_due_at = models.DateTimeField(_("答复期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    level = models.CharField(_("督办层级"), max_length=8, choices=OrderLevel.choices)
    created_at = models.DateTimeField(_("督办时间"))
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)

    objects = SupervisionOrderQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("督办单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "answered", "returned", "verified"]),
                name="order_status_known",
            ),
            models.CheckConstraint(
                condition=Q(level__in=["unit", "district", "city"]), name="order_level_known"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["answered", "verified"]) | Q(answered_at__isnull=False),
                name="order_answered_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_at__isnull=False),
                name="order_verified_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "reply_due_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status == OrderStatus.VERIFIED

    def is_overdue(self, at: dt.datetime) -> bool:
        return self.status in AWAITING_REPLY and self.reply_due_at < at


class OrderEventKind(models.TextChoices):
    ISSUED = "issued", _("下发督办")
    ANSWERED = "answered", _("答复整改")
    RETURNED = "returned", _("退回")
    VERIFIED = "verified", _("核验办结")
    ESCALATED = "escalated", _("逾期升级")


class OrderEvent(StepRecord):  # 督办记录
    """One step in an order's life. Append-only."""

    update_refused = _("督办记录只能追加。")
    delete_refused = _("督办记录只能追加，不能删除。")

    order = models.ForeignKey(
        SupervisionOrder, models.PROTECT, related_name="events", verbose_name=_("督办单")
    )
    kind = models.CharField(_("事项"), max_length=10, choices=OrderEventKind.choices)
    text = models.TextField(_("内容"), blank=True)  # rectification, or the reason sent back
    evidence = models.TextField(_("佐证材料"), blank=True)
    reply_due_at = models.DateTimeField(_("答复期限"), null=True, blank=True)
    level = models.CharField(_("督办层级"), max_length=8, choices=OrderLevel.choices, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("督办记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.kind}"


# --- 案卷评查 (case-quality review) -------------------------------------------------------


class ReviewGrade(models.TextChoices):  # 案卷等级; thresholds live in rules/review/*.yaml
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class ReviewSampleQuerySet(ScopedQuerySet):
    unit_field = "unit"


class SampleMode(models.TextChoices):  # 评查方式
    RANDOM = "random", _("随机抽样")
    KINDS = "kinds", _("按类别全部评查")


class ReviewSample(models.Model):  # 评查抽样
    """The closed cases of a unit's subtree and period to review: a reproducible random sample
    (same inputs, same cases), or every case of the listed kinds (fazhi.supervision.review).
    """

    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="review_samples", verbose_name=_("被评查单位")
    )
    period_start = models.DateField(_("结案起始日"))
    period_end = models.DateField(_("结案截止日"))
    mode = models.CharField(
        _("评查方式"), max_length=8, choices=SampleMode.choices, default=SampleMode.RANDOM
    )
    kinds = models.JSONField(_("案件类别"), default=list, blank=True)  # codes, sorted (mode kinds)
    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)  # mode random only
    size = models.PositiveIntegerField(_("抽样数量"))
    cases = models.ManyToManyField("cases.Case", related_name="+", verbose_name=_("抽中案件"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("抽样人")
    )
    created_at = models.DateTimeField(_("抽样时间"))

    objects = ReviewSampleQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("评查抽样")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode="random", seed__isnull=False) | Q(mode="kinds", seed__isnull=True),
                name="review_sample_seed_iff_random",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.period_start}–{self.period_end} #{self.pk}"


class CaseReviewQuerySet(ScopedQuerySet):
    unit_field = "case__unit"


class CaseReview(models.Model):  # 案卷评查
    case = models.ForeignKey(
        "cases.Case", models.PROTECT, related_name="reviews", verbose_name=_("案件")
    )
    checklist = models.CharField(_("评查标准"), max_length=60)
    checklist_version = models.PositiveIntegerField(_("评查标准版本"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("评查人")
    )
    reviewed_at = models.DateTimeField(_("评查时间"))
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    grade = models.CharField(_("等级"), max_length=12, choices=ReviewGrade.choices)
    sample = models.ForeignKey(
        ReviewSample,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("所属抽样"),
    )

    objects = CaseReviewQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("案卷评查")
        ordering = ["-reviewed_at", "-id"]
        indexes = [models.Index(fields=["reviewed_at", "grade"])]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_grade_display()} {self.score}"


class ReviewFinding(models.Model):  # 评查扣分项
    review = models.ForeignKey(
        CaseReview, models.CASCADE, related_name="findings", verbose_name=_("评查")
    )
    item = models.CharField(_("评查项目"), max_length=20)
    deducted = models.DecimalField(_("扣分"), max_digits=5, decimal_places=1, default=0)
    veto_failed = models.BooleanField(_("否决项不通过"), default=False)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("评查扣分项")
        ordering = ["review", "item"]
        constraints = [
            models.UniqueConstraint(fields=["review", "item"], name="review_finding_once_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item} -{self.deducted}"

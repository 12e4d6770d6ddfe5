"""Warnings (预警) opened and closed by the supervision scan, with their append-only history.

A warning is one (case, rule, subject) whose condition holds: the subject is the deadline it
watches (its code and key) or, for a handler rule, the officer. At most one OPEN warning exists
per (rule, case, subject) — a partial unique constraint — so a rescan can never duplicate it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fazhi.core.append_only import AppendOnly
from fazhi.org.models import ScopedQuerySet
from fazhi.supervision.rules import LEVEL_CSS, WarningLevel


class WarningState(models.TextChoices):
    OPEN = "open", _("未消除")
    CLOSED = "closed", _("已消除")


class Escalated(models.TextChoices):  # 推送层级
    UNIT = "unit", _("办案单位")
    DISTRICT = "district", _("区县局执法办案管理中心")
    CITY = "city", _("市局执法监督管理中心")


class CloseReason(models.TextChoices):  # why the condition no longer holds
    CASE_CLOSED = "case_closed", _("案件已结案")
    DEADLINE_MET = "deadline_met", _("期限内已登记相应环节")
    DEADLINE_MET_LATE = "deadline_met_late", _("已登记相应环节（已超期）")
    DEADLINE_STOPPED = "deadline_stopped", _("期限中止计算或不再适用")
    DEADLINE_EXTENDED = "deadline_extended", _("期限已延长")
    DEADLINE_PASSED = "deadline_passed", _("期限已届满，转为超期告警")
    DEADLINE_REDATED = "deadline_redated", _("期限已重新计算")
    DEADLINE_GONE = "deadline_gone", _("期限已不存在（环节已更正）")
    EVENT_RECORDED = "event_recorded", _("已登记应有的环节")
    HANDLER_QUALIFIED = "handler_qualified", _("办案民警执法资格和在岗状态已恢复正常")
    NO_LONGER_APPLIES = "no_longer_applies", _("情形已不存在")
    ORDER_ANSWERED = "order_answered", _("督办单已答复")
    RULE_RETIRED = "rule_retired", _("预警规则已停用")


class CaseWarningQuerySet(ScopedQuerySet):
    unit_field = "case__unit"

    def open(self) -> CaseWarningQuerySet:
        return self.filter(state=WarningState.OPEN)


class CaseWarning(models.Model):  # 预警
    """One warning of one rule about one case (and the deadline or officer it is about)."""

    case = models.ForeignKey(
        "cases.Case", models.PROTECT, related_name="warnings", verbose_name=_("案件")
    )
    rule = models.CharField(_("预警规则"), max_length=40)
    name = models.CharField(_("预警名称"), max_length=100)
    level = models.CharField(_("等级"), max_length=8, choices=WarningLevel.choices)
    basis = models.CharField(_("依据"), max_length=300)
    deadline_code = models.CharField(_("期限"), max_length=40, blank=True)
    subject_key = models.CharField(_("对象"), max_length=40, blank=True)  # deadline key, officer id
    state = models.CharField(
        _("状态"), max_length=8, choices=WarningState.choices, default=WarningState.OPEN
    )
    opened_at = models.DateTimeField(_("预警时间"))
    escalated_level = models.CharField(
        _("推送层级"), max_length=8, choices=Escalated.choices, default=Escalated.UNIT
    )
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签收人"),
    )
    closed_at = models.DateTimeField(_("消除时间"), null=True, blank=True)
    closed_reason = models.CharField(
        _("消除原因"), max_length=24, choices=CloseReason.choices, blank=True
    )
    # The scan step that last wrote the row: lets one INSERT … SELECT write the history of
    # exactly the rows that one set-based statement changed.
    run_token = models.CharField(max_length=32, blank=True, editable=False)

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

    @property
    def css(self) -> str:
        return LEVEL_CSS.get(self.level, "")


class StepRecord(AppendOnly, models.Model):
    """When and by whom a step of a warning's or an order's life happened. Append-only."""

    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作方"), max_length=150)  # username or "system:scan"

    class Meta:
        abstract = True


class WarningEventKind(models.TextChoices):
    OPENED = "opened", _("预警")
    ESCALATED = "escalated", _("升级推送")
    ACKNOWLEDGED = "acknowledged", _("签收")
    CLOSED = "closed", _("消除")


class WarningEvent(StepRecord):  # 预警记录
    """One step in a warning's life. Append-only."""

    update_refused = _("预警记录只能追加。")
    delete_refused = _("预警记录只能追加，不能删除。")

    warning = models.ForeignKey(
        CaseWarning, models.PROTECT, related_name="events", verbose_name=_("预警")
    )
    kind = models.CharField(_("事项"), max_length=16, choices=WarningEventKind.choices)
    escalated_level = models.CharField(
        _("推送层级"), max_length=8, choices=Escalated.choices, blank=True
    )
    reason = models.CharField(_("原因"), max_length=24, choices=CloseReason.choices, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("预警记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.warning_id}:{self.kind}"


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


class SupervisionOrderQuerySet(models.QuerySet):
    """Orders are seen by the target unit's scope (receivers) and the issuing unit's (issuers)."""

    def visible_to(self, user) -> SupervisionOrderQuerySet:
        from fazhi.org.models import scope_filter

        received = scope_filter(user, "target_unit")
        issued = scope_filter(user, "issuing_unit")
        if received is None or issued is None:
            return self.none()
        return self.filter(received | issued)

    def awaiting_reply(self) -> SupervisionOrderQuerySet:
        return self.filter(status__in=AWAITING_REPLY)

    def overdue(self, at) -> SupervisionOrderQuerySet:
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

    def is_overdue(self, at) -> bool:
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

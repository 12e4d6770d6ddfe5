from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fazhi.org.models import ScopedQuerySet


class RuleConfirmation(models.Model):  # 裁量规则核实记录
    """A legal officer's confirmation of one unverified pack rule against the official text.

    It holds for the rule's content as it was confirmed (``rule_digest``): editing the rule in
    the pack brings the unverified mark back until someone confirms it again. Append-only.
    """

    pack = models.CharField(_("规则包"), max_length=100)  # file stem, e.g. zaglcff-2025
    rule_id = models.CharField(_("规则"), max_length=200)
    version_label = models.CharField(_("版本"), max_length=50)
    rule_digest = models.CharField(_("规则内容摘要"), max_length=64)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name=_("核实人"), related_name="+"
    )
    confirmed_at = models.DateTimeField(_("核实时间"))
    source = models.CharField(_("核实依据"), max_length=300)  # 全国人大常委会公报2025年第X号
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("裁量规则核实记录")
        constraints = [
            models.UniqueConstraint(
                fields=["pack", "rule_id", "version_label", "rule_digest"],
                name="discretion_confirmation_once_per_content",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pack}#{self.rule_id} ({self.version_label})"

    @property
    def confirmation_key(self) -> str:
        return f"{self.pack}#{self.rule_id}@{self.rule_digest}"


class DecisionReviewQuerySet(ScopedQuerySet):
    unit_field = "unit"


class DecisionReview(models.Model):  # 裁量基准比对记录
    """The engine's recommendation recorded beside a case's decision (同案同罚).

    Written by ``fazhi.discretion.review.review_decision`` in the transaction that records the
    decide event; append-only, except that a corrected decision's review stops being current.
    ``within_range`` is False for a decision outside the recommended range, which needs a
    written ``deviation_reason`` (《中华人民共和国行政处罚法》第三十四条).
    """

    case = models.ForeignKey(
        "cases.Case", models.PROTECT, related_name="discretion_reviews", verbose_name=_("案件")
    )
    event = models.OneToOneField(
        "cases.ProceduralEvent",
        models.PROTECT,
        related_name="discretion_review",
        verbose_name=_("决定环节"),
    )
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("办案单位")
    )  # the case's unit, copied so that the audit reads one table
    offence_code = models.CharField(_("违法行为"), max_length=40)
    act_on = models.DateField(_("违法行为日期"))
    decided_on = models.DateField(_("决定日期"))
    facts = models.JSONField(_("裁量事实"), default=dict)
    recommendation = models.JSONField(_("基准建议"), default=dict)  # Decision.to_dict(), trimmed
    version_applied = models.CharField(_("适用版本"), max_length=50)
    recommended_outcome = models.CharField(_("建议结果"), max_length=16)
    tier = models.CharField(_("情节档次"), max_length=50, blank=True)
    unverified = models.BooleanField(_("含未核实规则"), default=False)
    decided_outcome = models.CharField(_("决定结果"), max_length=16)
    decided_warning = models.BooleanField(_("警告"), default=False)
    decided_fine = models.DecimalField(
        _("罚款（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    decided_detention_days = models.PositiveIntegerField(_("行政拘留（日）"), null=True, blank=True)
    within_range = models.BooleanField(_("在基准幅度内"))
    deviation_reason = models.TextField(_("偏离理由"), blank=True)
    is_current = models.BooleanField(_("现行决定"), default=True)  # False once corrected
    created_at = models.DateTimeField(_("记录时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("记录人")
    )

    objects = DecisionReviewQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("裁量基准比对记录")
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["is_current", "unit", "offence_code"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(within_range=True) | ~Q(deviation_reason=""),
                name="discretion_review_deviation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.offence_code} ({self.recommended_outcome})"

"""The rulebook: normative documents (行政规范性文件) and major decisions (重大行政决策) through
their procedure, clean-up campaigns (清理), the legislative reserve (立法储备库) and proposals, and
what a change of law touches (review tasks on every citer of a changed provision).

Rows and their invariants only; the operations live in ``lifecycle.py`` (steps of a document or
a decision, checked against the pack rules/rulebook/*.yaml), ``impact.py`` (a change of law and
its citers), ``cleanup.py`` and ``alerts.py`` (the warning source).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fazhi.core.append_only import AppendOnly
from fazhi.core.warnings import AbstractWarning, AbstractWarningEvent
from fazhi.org.models import ScopedQuerySet

# --------------------------------------------------------------------------- a change of law


class LawChange(models.Model):  # 法律修改
    """A new version of a law compared with an earlier one: the reason for review tasks."""

    law = models.ForeignKey("law.Law", models.PROTECT, related_name="+", verbose_name=_("法律"))
    from_version = models.ForeignKey(
        "law.LawVersion", models.PROTECT, related_name="+", verbose_name=_("原版本")
    )
    to_version = models.ForeignKey(
        "law.LawVersion", models.PROTECT, related_name="+", verbose_name=_("新版本")
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The report's counts when it was last refreshed (changed, removed, unresolved, citers).
    summary = models.JSONField(_("影响概况"), default=dict)

    class Meta:
        verbose_name = verbose_name_plural = _("法律修改")
        constraints = [
            models.UniqueConstraint(
                fields=["from_version", "to_version"], name="rulebook_change_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.law} {self.from_version.label} → {self.to_version.label}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待复核")
    DONE = "done", _("已复核")


class ImpactTask(models.Model):  # 引用复核任务
    """One owner (a rule, an item, a document …) citing provisions a change of law touched."""

    change = models.ForeignKey(
        LawChange, models.PROTECT, related_name="tasks", verbose_name=_("法律修改")
    )
    owner_kind = models.CharField(_("引用来源"), max_length=40)
    owner_id = models.CharField(_("引用者"), max_length=200)
    owner_label = models.CharField(_("名称"), max_length=300)
    unit = models.CharField(_("所属单位或规则包"), max_length=200, blank=True)
    url = models.CharField(max_length=300, blank=True)
    citations = models.JSONField(_("受影响的引用"), default=list)
    still_cites = models.BooleanField(_("仍在引用"), default=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    opened_at = models.DateTimeField(_("生成时间"))
    done_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("复核说明"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("引用复核任务")
        ordering = ["change", "owner_kind", "owner_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "owner_kind", "owner_id"], name="rulebook_task_unique"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(done_at__isnull=False),
                name="rulebook_task_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.owner_label


class ImpactWarning(AbstractWarning):  # 引用失效预警
    task = models.ForeignKey(ImpactTask, models.PROTECT, related_name="warnings")

    class Meta:
        verbose_name = verbose_name_plural = _("引用失效预警")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "task", "deadline_code", "subject_key"],
                condition=Q(state="open"),
                name="rulebook_impact_one_open_warning",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(closed_at__isnull=False),
                name="rulebook_impact_warning_closed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["run_token"], name="rulebook_impact_warning_token")]


class ImpactWarningEvent(AbstractWarningEvent):
    warning = models.ForeignKey(ImpactWarning, models.PROTECT, related_name="events")

    class Meta:
        ordering = ["warning", "at", "id"]


# --------------------------------------------------------------------------- normative documents


class DocumentQuerySet(ScopedQuerySet):
    unit_field = "unit"

    def in_force(self, day: Any) -> DocumentQuerySet:
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            published_on__isnull=False,
            effective_from__lte=day,
            ended_on__isnull=True,
        )


class EndKind(models.TextChoices):  # 清理结论 / 失效
    CONTINUED = "continued", _("继续有效")
    AMENDED = "amended", _("修改")
    REPEALED = "repealed", _("废止")
    EXPIRED = "expired", _("有效期届满失效")


class Promotion(models.TextChoices):  # 推广
    NONE = "", _("无")
    PROVINCIAL = "provincial", _("省级推广")
    NATIONAL = "national", _("全国推广")


class NormativeDocument(models.Model):  # 行政规范性文件
    """A normative document from drafting to its end. Its steps are ``DocumentStep`` rows; the
    fields below are what the steps established (the publication's number, the filing …)."""

    title = models.CharField(_("文件名称"), max_length=200)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("起草单位")
    )
    summary = models.TextField(_("主要内容"), blank=True)
    number = models.CharField(_("文号"), max_length=60, blank=True)  # 渝公规〔2026〕1号
    published_on = models.DateField(_("公布日期"), null=True, blank=True)
    published_where = models.CharField(_("公布载体"), max_length=200, blank=True)
    effective_from = models.DateField(_("施行日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    filed_with = models.CharField(_("备案机关"), max_length=100, blank=True)
    filed_on = models.DateField(_("报送备案日期"), null=True, blank=True)
    ended_on = models.DateField(_("失效日期"), null=True, blank=True)
    end_kind = models.CharField(_("失效方式"), max_length=12, choices=EndKind.choices, blank=True)
    promoted = models.CharField(
        _("推广"), max_length=12, choices=Promotion.choices, blank=True, default=""
    )
    promoted_note = models.CharField(_("推广说明"), max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改前文件"),
    )
    created_at = models.DateTimeField(_("创建时间"))

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("行政规范性文件")
        ordering = ["-published_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="rulebook_document_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(valid_until__gte=models.F("effective_from")),
                name="rulebook_document_validity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）" if self.number else self.title

    def is_in_force(self, day: Any) -> bool:
        return (
            self.published_on is not None
            and self.effective_from is not None
            and self.effective_from <= day
            and self.ended_on is None
            and (self.valid_until is None or day <= self.valid_until)
        )


class DocumentVersion(models.Model):  # 文件稿本
    document = models.ForeignKey(
        NormativeDocument, models.PROTECT, related_name="versions", verbose_name=_("文件")
    )
    number = models.PositiveSmallIntegerField(_("稿次"))
    label = models.CharField(_("稿本说明"), max_length=100)  # 征求意见稿, 送审稿, 公布稿
    text = models.TextField(_("文本"))
    created_at = models.DateTimeField(_("形成时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = _("文件稿本")
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="rulebook_version_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.title} 第{self.number}稿（{self.label}）"


class DocumentBasis(models.Model):  # 制定依据
    """A provision the document rests on, as written, and the provision it resolved to."""

    document = models.ForeignKey(
        NormativeDocument, models.PROTECT, related_name="basis", verbose_name=_("文件")
    )
    citation = models.CharField(_("引用"), max_length=200)
    provision = models.ForeignKey(
        "law.Provision", models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = _("制定依据")
        constraints = [
            models.UniqueConstraint(fields=["document", "citation"], name="rulebook_basis_unique"),
        ]

    def __str__(self) -> str:
        return self.citation


class DocumentStep(AppendOnly, models.Model):  # 制定环节记录
    """One step of a document's or a decision's procedure (rules/rulebook/*.yaml). Append-only:
    a correction is a new step."""

    update_refused = _("程序环节记录只能追加。")
    delete_refused = _("程序环节记录只能追加，不能删除。")

    document = models.ForeignKey(
        NormativeDocument, models.PROTECT, null=True, blank=True, related_name="steps"
    )
    decision = models.ForeignKey(
        "MajorDecision", models.PROTECT, null=True, blank=True, related_name="steps"
    )
    step = models.CharField(_("环节"), max_length=40)
    outcome = models.CharField(_("结论"), max_length=40, blank=True)
    on = models.DateField(_("日期"))
    data = models.JSONField(_("内容"), default=dict)
    at = models.DateTimeField(_("登记时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = _("程序环节记录")
        ordering = ["on", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(document__isnull=False, decision__isnull=True)
                | Q(document__isnull=True, decision__isnull=False),
                name="rulebook_step_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} {self.on}"


class Comment(models.Model):  # 征求意见及答复
    document = models.ForeignKey(
        NormativeDocument, models.PROTECT, null=True, blank=True, related_name="comments"
    )
    decision = models.ForeignKey(
        "MajorDecision", models.PROTECT, null=True, blank=True, related_name="comments"
    )
    received_on = models.DateField(_("收到日期"))
    commenter = models.CharField(_("意见人"), max_length=100)
    text = models.TextField(_("意见"))
    answer = models.TextField(_("答复"), blank=True)
    adopted = models.BooleanField(_("采纳"), null=True, blank=True)
    answered_on = models.DateField(_("答复日期"), null=True, blank=True)
    published = models.BooleanField(_("答复已公开"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("征求意见")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.commenter} {self.received_on}"


class DocumentWarning(AbstractWarning):  # 规范性文件预警
    document = models.ForeignKey(NormativeDocument, models.PROTECT, related_name="warnings")

    class Meta:
        verbose_name = verbose_name_plural = _("规范性文件预警")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "document", "deadline_code", "subject_key"],
                condition=Q(state="open"),
                name="rulebook_document_one_open_warning",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(closed_at__isnull=False),
                name="rulebook_document_warning_closed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["run_token"], name="rulebook_doc_warning_token")]


class DocumentWarningEvent(AbstractWarningEvent):
    warning = models.ForeignKey(DocumentWarning, models.PROTECT, related_name="events")

    class Meta:
        ordering = ["warning", "at", "id"]


# --------------------------------------------------------------------------- clean-up


class CampaignScope(models.TextChoices):
    ALL = "all", _("全部现行有效文件")
    LAW_CHANGE = "law_change", _("依据的法律已修改的文件")


class CleanupCampaign(models.Model):  # 清理
    title = models.CharField(_("清理名称"), max_length=200)
    scope = models.CharField(_("清理范围"), max_length=12, choices=CampaignScope.choices)
    law_change = models.ForeignKey(
        LawChange,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("法律修改"),
    )
    started_on = models.DateField(_("开始日期"))
    due_on = models.DateField(_("完成期限"))
    published_on = models.DateField(_("清理结果公布日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("文件清理")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("started_on")), name="rulebook_campaign_dates"
            ),
            models.CheckConstraint(
                condition=~Q(scope="law_change") | Q(law_change__isnull=False),
                name="rulebook_campaign_law_change",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CleanupEntryQuerySet(ScopedQuerySet):
    unit_field = "document__unit"  # an entry is seen where its document's drafting unit is


class CleanupEntry(models.Model):  # 清理事项
    campaign = models.ForeignKey(
        CleanupCampaign, models.PROTECT, related_name="entries", verbose_name=_("清理")
    )
    document = models.ForeignKey(
        NormativeDocument, models.PROTECT, related_name="cleanups", verbose_name=_("文件")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审查人"),
    )
    outcome = models.CharField(_("清理结论"), max_length=12, choices=EndKind.choices, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    decided_on = models.DateField(_("结论日期"), null=True, blank=True)

    objects = CleanupEntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("清理事项")
        ordering = ["campaign", "document__number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "document"], name="rulebook_entry_unique"),
            models.CheckConstraint(
                condition=Q(outcome="") | (~Q(reason="") & Q(decided_on__isnull=False)),
                name="rulebook_entry_outcome_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="expired"), name="rulebook_entry_outcome_not_expiry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.document}"


# --------------------------------------------------------------------------- legislative reserve


class ProjectStage(models.TextChoices):  # 立法项目阶段
    RESEARCH = "research", _("调研")
    DRAFTING = "drafting", _("起草")
    ARGUMENT = "argument", _("论证")
    SUBMITTED = "submitted", _("报送")
    PLANNED = "planned", _("列入计划")
    ADOPTED = "adopted", _("通过")


class ProjectQuerySet(ScopedQuerySet):
    unit_field = "sponsor"


class LegislativeProject(models.Model):  # 立法储备项目
    title = models.CharField(_("项目名称"), max_length=200)
    kind = models.CharField(_("立法形式"), max_length=40)  # 地方性法规 / 政府规章
    stage = models.CharField(
        _("阶段"), max_length=12, choices=ProjectStage.choices, default=ProjectStage.RESEARCH
    )
    sponsor = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("承办单位")
    )
    entered_on = models.DateField(_("入库日期"))
    note = models.TextField(_("说明"), blank=True)
    evaluated = models.TextField(_("立法后评估"), blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("立法储备项目")
        ordering = ["entered_on", "id"]

    def __str__(self) -> str:
        return self.title


class ProjectRecord(models.Model):  # 项目材料
    class Kind(models.TextChoices):
        STAGE = "stage", _("阶段变更")
        DRAFT = "draft", _("草案")
        REPORT = "report", _("调研论证报告")

    project = models.ForeignKey(
        LegislativeProject, models.PROTECT, related_name="records", verbose_name=_("项目")
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"), blank=True)
    stage = models.CharField(_("阶段"), max_length=12, choices=ProjectStage.choices, blank=True)
    on = models.DateField(_("日期"))

    class Meta:
        verbose_name = verbose_name_plural = _("项目材料")
        ordering = ["project", "on", "id"]

    def __str__(self) -> str:
        return self.title


class LegislativeProposal(models.Model):  # 立法建议
    title = models.CharField(_("建议名称"), max_length=200)
    sent_to = models.CharField(_("报送机关"), max_length=100)
    sent_on = models.DateField(_("报送日期"))
    text = models.TextField(_("建议内容"), blank=True)
    reply = models.TextField(_("答复"), blank=True)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("提出单位")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("立法建议")
        ordering = ["sent_on", "id"]

    def __str__(self) -> str:
        return self.title


# --------------------------------------------------------------------------- major decisions


class MajorDecision(models.Model):  # 重大行政决策
    title = models.CharField(_("决策事项"), max_length=200)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("承办单位")
    )
    summary = models.TextField(_("决策草案要点"), blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("重大行政决策")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Evaluation(models.Model):  # 评估
    """A post-implementation evaluation of a document, a decision or an adopted project."""

    document = models.ForeignKey(
        NormativeDocument, models.PROTECT, null=True, blank=True, related_name="evaluations"
    )
    decision = models.ForeignKey(
        MajorDecision, models.PROTECT, null=True, blank=True, related_name="evaluations"
    )
    project = models.ForeignKey(
        LegislativeProject, models.PROTECT, null=True, blank=True, related_name="evaluations"
    )
    evaluated_on = models.DateField(_("评估日期"))
    evaluator = models.CharField(_("评估单位"), max_length=100)
    conclusion = models.TextField(_("评估结论"))

    class Meta:
        verbose_name = verbose_name_plural = _("实施后评估")
        ordering = ["-evaluated_on", "id"]

    def __str__(self) -> str:
        return f"{self.evaluator} {self.evaluated_on}"

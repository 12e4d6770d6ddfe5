"""Reconsideration and litigation (复议诉讼) where a unit of the bureau answers: the matter, its
deadlines, hearings with who appeared, documents, outcome; and the warnings on them.

A matter's deadlines are rows (like a case's), derived from the matter's dates by
fazhi.litigation.deadlines with the rule pack rules/litigation/ and stored with the facts of
their counting (ADR 0018); the warning source (fazhi.litigation.alerts) reads them with SQL.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fazhi.cases.models import IdType, PartyKind
from fazhi.core.identity import mask_id
from fazhi.core.warnings import AbstractWarning, AbstractWarningEvent
from fazhi.org.models import ScopedQuerySet
from fazhi.services.storage import private_storage


class MatterKind(models.TextChoices):  # 案件类别
    RECONSIDERATION = "reconsideration", _("行政复议")
    FIRST_INSTANCE = "first_instance", _("行政诉讼一审")
    APPEAL = "appeal", _("行政诉讼二审")
    RETRIAL = "retrial", _("行政诉讼再审")


LAWSUITS = (MatterKind.FIRST_INSTANCE, MatterKind.APPEAL, MatterKind.RETRIAL)


class Outcome(models.TextChoices):  # 审结结果
    UPHELD = "upheld", _("维持")
    DISMISSED = "dismissed", _("驳回")
    REVOKED = "revoked", _("撤销")
    PARTLY_REVOKED = "partly_revoked", _("部分撤销")
    CONFIRMED_ILLEGAL = "confirmed_illegal", _("确认违法")
    CONFIRMED_VOID = "confirmed_void", _("确认无效")
    VARIED = "varied", _("变更")
    ORDERED_TO_PERFORM = "ordered_to_perform", _("责令履行")
    MEDIATED = "mediated", _("调解")
    SETTLED = "settled", _("和解")
    WITHDRAWN = "withdrawn", _("撤回申请/撤诉")
    TERMINATED = "terminated", _("终止")
    OTHER = "other", _("其他")


# The outcomes that correct the bureau's act (败诉 / 被纠错): the correction loop runs for them.
LOSSES = frozenset(
    {
        Outcome.REVOKED,
        Outcome.PARTLY_REVOKED,
        Outcome.CONFIRMED_ILLEGAL,
        Outcome.CONFIRMED_VOID,
        Outcome.VARIED,
        Outcome.ORDERED_TO_PERFORM,
    }
)


class RulingForm(models.TextChoices):  # 裁判文书形式
    JUDGMENT = "judgment", _("判决")
    RULING = "ruling", _("裁定")
    DECISION = "decision", _("复议决定")
    MEDIATION = "mediation", _("调解书")
    OTHER = "other", _("其他")


class MatterQuerySet(ScopedQuerySet):
    unit_field = "unit"

    def open(self) -> MatterQuerySet:
        return self.filter(outcome="")


class Matter(models.Model):  # 复议诉讼案件
    """One reconsideration or lawsuit in which a unit of the bureau is respondent or defendant."""

    number = models.CharField(_("登记编号"), max_length=40, unique=True)
    kind = models.CharField(_("类别"), max_length=16, choices=MatterKind.choices)
    body = models.CharField(_("复议机关/法院"), max_length=100)
    docket_number = models.CharField(_("案号"), max_length=60, blank=True)
    unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        related_name="litigation_matters",
        verbose_name=_("被申请人/被告单位"),
    )
    agent = models.ForeignKey(
        "org.Officer",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="litigation_matters",
        verbose_name=_("承办人"),
    )
    previous = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="next_instances",
        verbose_name=_("前审案件"),
    )
    # The applicant / plaintiff (申请人/原告); the identity number is validated on entry and shown
    # masked; the full number is revealed only to REVEAL_ID_NUMBER, audited (as case parties).
    claimant_kind = models.CharField(_("申请人/原告类别"), max_length=16, choices=PartyKind.choices)
    claimant_name = models.CharField(_("申请人/原告"), max_length=100)
    claimant_id_type = models.CharField(_("证件类型"), max_length=16, choices=IdType.choices)
    claimant_id_number = models.CharField(_("证件号码"), max_length=40)
    claimant_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    # The contested act (被复议/被诉行政行为): a case of the platform and its decision, or typed in.
    case = models.ForeignKey(
        "cases.Case",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="litigation_matters",
        verbose_name=_("关联案件"),
    )
    decision_event = models.ForeignKey(
        "cases.ProceduralEvent",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("被诉决定"),
    )
    act = models.CharField(_("被复议/被诉行政行为"), max_length=200)
    act_document = models.CharField(_("行政行为文书号"), max_length=60, blank=True)
    claims = models.TextField(_("请求事项"), blank=True)
    received_on = models.DateField(
        _("收到副本日期"), help_text=_("收到复议申请书副本（笔录复印件）或起诉状副本之日。")
    )
    accepted_on = models.DateField(_("复议机关受理/法院立案日期"), null=True, blank=True)
    simplified = models.BooleanField(_("适用简易程序"), default=False)  # 行政复议法 第五十三条
    decision_extended = models.BooleanField(_("复议决定期限已延长"), default=False)
    replied_on = models.DateField(_("答复/答辩提交日期"), null=True, blank=True)
    evidence_submitted = models.BooleanField(_("已提交证据、依据"), default=False)
    outcome = models.CharField(_("审结结果"), max_length=20, choices=Outcome.choices, blank=True)
    ruling_form = models.CharField(
        _("文书形式"), max_length=12, choices=RulingForm.choices, blank=True
    )
    outcome_on = models.DateField(_("决定/裁判日期"), null=True, blank=True)
    served_on = models.DateField(_("文书送达日期"), null=True, blank=True)
    outcome_note = models.TextField(_("结果说明"), blank=True)
    # The correction loop (败诉整改): the order issued to the case's unit, and when the case was
    # put forward for case-quality review (评查).
    correction_order = models.ForeignKey(
        "supervision.SupervisionOrder",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("整改督办单"),
    )
    review_flagged_at = models.DateTimeField(_("列入案件评查时间"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("最近期限届满时间"), null=True, blank=True)
    next_deadline_name = models.CharField(_("最近期限"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("登记时间"))
    created_by = models.ForeignKey(  # empty: imported by the system (fazhi import litigation)
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    objects = MatterQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("复议诉讼案件")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimant_kind="organisation", claimant_id_type="uscc")
                | Q(
                    claimant_kind="person", claimant_id_type__in=["citizen_id", "passport", "other"]
                ),
                name="litigation_claimant_id_type_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome_on__isnull=False),
                name="litigation_outcome_has_day",
            ),
            models.CheckConstraint(
                condition=Q(replied_on__isnull=True) | Q(replied_on__gte=models.F("received_on")),
                name="litigation_reply_after_receipt",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "outcome"]),
            models.Index(fields=["kind", "outcome_on"]),
            models.Index(
                fields=["next_due_at"],
                condition=Q(next_due_at__isnull=False),
                name="litigation_next_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.claimant_name}"

    @property
    def masked_id_number(self) -> str:
        return mask_id(self.claimant_id_number)

    @property
    def is_lawsuit(self) -> bool:
        return self.kind in LAWSUITS

    @property
    def is_open(self) -> bool:
        return not self.outcome

    @property
    def is_loss(self) -> bool:
        return self.outcome in LOSSES

    @property
    def claimant_label(self) -> str:
        return str(_("原告") if self.is_lawsuit else _("申请人"))

    @property
    def respondent_label(self) -> str:
        return str(_("被告") if self.is_lawsuit else _("被申请人"))


class HeadPost(models.TextChoices):  # 负责人职务
    PRINCIPAL = "principal", _("正职负责人")
    DEPUTY = "deputy", _("副职负责人")


class AgencyHeadQuerySet(ScopedQuerySet):
    unit_field = "unit"

    def serving_on(self, day: dt.date) -> AgencyHeadQuerySet:
        return self.filter(Q(until__isnull=True) | Q(until__gte=day), since__lte=day)


class AgencyHead(models.Model):  # 行政机关负责人
    """A leader of a unit who may appear in court as its head (行政诉讼法 第三条第三款).

    The org tree has no leadership posts yet; this roll names, per unit, the officers who are its
    正职 or 副职 负责人 and since when, so that a hearing's appearance names one of them.
    """

    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="agency_heads", verbose_name=_("单位")
    )
    officer = models.ForeignKey(
        "org.Officer", models.PROTECT, related_name="head_posts", verbose_name=_("负责人")
    )
    post = models.CharField(_("职务"), max_length=12, choices=HeadPost.choices)
    title = models.CharField(_("职务名称"), max_length=50, blank=True)  # 局长, 副局长, 所长 …
    since = models.DateField(_("任职日期"))
    until = models.DateField(_("免职日期"), null=True, blank=True)

    objects = AgencyHeadQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("机关负责人")
        ordering = ["unit", "post", "since"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "officer", "since"], name="litigation_head_unique"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="litigation_head_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer.name}（{self.title or self.get_post_display()}）"

    def serves_on(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)


class HearingStatus(models.TextChoices):
    PLANNED = "planned", _("待开庭")
    HELD = "held", _("已开庭")
    CANCELLED = "cancelled", _("取消/延期")


class Appearance(models.TextChoices):  # 出庭情况
    HEAD = "head", _("负责人出庭")
    ENTRUSTED = "entrusted", _("委托工作人员出庭")
    NONE = "none", _("无人出庭")


class HearingQuerySet(ScopedQuerySet):
    unit_field = "matter__unit"


class Hearing(models.Model):  # 开庭
    """One hearing of a lawsuit (or an oral hearing of a reconsideration) and who appeared."""

    matter = models.ForeignKey(
        Matter, models.PROTECT, related_name="hearings", verbose_name=_("案件")
    )
    scheduled_at = models.DateTimeField(_("开庭时间"))
    place = models.CharField(_("法庭/地点"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=12, choices=HearingStatus.choices, default=HearingStatus.PLANNED
    )
    # Planned before, confirmed after the hearing: the head, or an entrusted official and why.
    appearance = models.CharField(
        _("出庭情况"), max_length=12, choices=Appearance.choices, blank=True
    )
    head = models.ForeignKey(
        AgencyHead,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="hearings",
        verbose_name=_("出庭负责人"),
    )
    entrusted = models.ForeignKey(
        "org.Officer",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受委托出庭人员"),
    )
    absence_reason = models.CharField(_("负责人不能出庭的理由"), max_length=300, blank=True)
    record_document = models.ForeignKey(
        "MatterDocument",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("庭审笔录"),
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"))

    objects = HearingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("开庭")
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(appearance="head") | Q(head__isnull=False),
                name="litigation_head_appearance_names_head",
            ),
            models.CheckConstraint(
                condition=~Q(appearance="entrusted")
                | (Q(entrusted__isnull=False) & ~Q(absence_reason="")),
                name="litigation_entrusted_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | ~Q(appearance=""),
                name="litigation_held_hearing_has_appearance",
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self) -> str:
        return f"{self.matter.number} {self.scheduled_at:%Y-%m-%d %H:%M}"


class DocumentKind(models.TextChoices):  # 文书材料
    APPLICATION_COPY = "application_copy", _("复议申请书副本")
    COMPLAINT_COPY = "complaint_copy", _("起诉状副本")
    REPLY = "reply", _("行政复议答复书")
    DEFENCE = "defence", _("行政诉讼答辩状")
    EVIDENCE_LIST = "evidence_list", _("证据清单")
    AUTHORISATION = "authorisation", _("授权委托书")
    HEARING_RECORD = "hearing_record", _("庭审笔录")
    RULING = "ruling", _("复议决定书/裁判文书")
    OTHER = "other", _("其他材料")


def _document_path(instance: MatterDocument, filename: str) -> str:
    # Never the uploader's file name: a random token under the private root (as 警快办 uploads).
    return f"litigation/{instance.token[:2]}/{instance.token}"


class MatterDocument(models.Model):  # 文书材料
    matter = models.ForeignKey(
        Matter, models.PROTECT, related_name="documents", verbose_name=_("案件")
    )
    kind = models.CharField(_("类别"), max_length=20, choices=DocumentKind.choices)
    token = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to=_document_path, storage=private_storage, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=80)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("上传人")
    )

    class Meta:
        verbose_name = verbose_name_plural = _("文书材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    MET = "met", _("已完成")
    STOPPED = "stopped", _("已终止")


class MatterDeadline(models.Model):  # 期限
    """A period of one matter counted by the litigation pack, with the facts of its counting."""

    matter = models.ForeignKey(
        Matter, models.CASCADE, related_name="deadlines", verbose_name=_("案件")
    )
    code = models.CharField(_("期限"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    is_ours = models.BooleanField(_("本局应办"), default=True)  # False: the body's, for follow-up
    start_on = models.DateField(_("起算日"))
    due_at = models.DateTimeField(_("届满时间"))  # half-open: missed when now >= due_at
    status = models.CharField(
        _("状态"), max_length=8, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    met_on = models.DateField(_("完成日期"), null=True, blank=True)
    basis = models.CharField(_("依据"), max_length=300)
    consequence = models.CharField(_("逾期后果"), max_length=300, blank=True)
    facts = models.JSONField(_("计算依据"), default=dict, blank=True)
    is_provisional = models.BooleanField(_("暂定"), default=False)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("期限")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "code"], name="litigation_deadline_unique"),
            models.CheckConstraint(
                condition=~Q(status="met") | Q(met_on__isnull=False),
                name="litigation_deadline_met_has_day",
            ),
        ]
        indexes = [
            models.Index(
                fields=["code", "due_at"], condition=Q(status="open"), name="litigation_open_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}:{self.code} {self.due_at:%Y-%m-%d}"

    @property
    def explanation(self) -> str:
        from fazhi.litigation.deadlines import explain

        return explain(self.facts)

    def is_late(self, at: dt.datetime) -> bool:
        return self.status == DeadlineStatus.OPEN and at >= self.due_at


class MatterWarning(AbstractWarning):  # 复议诉讼预警 (fazhi/litigation/alerts.py)
    """One warning of one rule about one matter; ``deadline_code`` names the deadline watched,
    ``subject_key`` the hearing (CHUTING_UNPLANNED)."""

    matter = models.ForeignKey(Matter, models.PROTECT, related_name="warnings")

    class Meta:
        verbose_name = verbose_name_plural = _("复议诉讼预警")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "matter", "deadline_code", "subject_key"],
                condition=Q(state="open"),
                name="litigation_one_open_warning",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(closed_at__isnull=False),
                name="litigation_warning_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["rule", "state"], name="litigation_warning_rule_state"),
            models.Index(fields=["run_token"], name="litigation_warning_run_token"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.matter_id}"


class MatterWarningEvent(AbstractWarningEvent):  # 预警经过
    warning = models.ForeignKey(MatterWarning, models.PROTECT, related_name="events")

    class Meta:
        ordering = ["warning", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"

"""Petitions (信访事项) and their claims, deadlines and warnings; mediations of disputes.

A petition is received at a unit (登记) from one of the channels, its claims (诉求) are each
classified by the 诉访分离 pack (rules/petitions/routing.yaml) into a statutory channel or kept as
a petition, the petitioner is told in writing, and what stays a petition is accepted, handled
within the period of 《信访工作条例》第三十四条 and answered; the answer may be reviewed (复查) and
reviewed again (复核). Every write goes through fazhi/petitions/petitions.py (or mediation.py),
which audits it in the same transaction; the deadlines are rows refreshed by
fazhi/petitions/deadlines.py, each with its explanation as facts (ADR 0018).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fazhi.core.append_only import AppendOnly
from fazhi.core.identity import mask_id
from fazhi.core.roles import Capability
from fazhi.core.warnings import AbstractWarning, AbstractWarningEvent
from fazhi.org.models import ScopedQuerySet
from fazhi.services.storage import private_storage


class Channel(models.TextChoices):  # 信访渠道
    VISIT = "visit", _("走访（窗口接待）")
    LETTER = "letter", _("来信")
    PHONE = "phone", _("来电")
    ONLINE = "online", _("网上信访（警快办）")
    TRANSFERRED = "transferred", _("信访部门转送")
    ASSIGNED = "assigned", _("信访部门交办")


DIRECT_CHANNELS = (Channel.VISIT, Channel.LETTER, Channel.PHONE, Channel.ONLINE)
FORWARDED_CHANNELS = (Channel.TRANSFERRED, Channel.ASSIGNED)


class Status(models.TextChoices):  # 办理状态
    RECEIVED = "received", _("已登记，待甄别")
    ROUTED = "routed", _("已导入法定途径")
    ACCEPTED = "accepted", _("已受理，办理中")
    REPLIED = "replied", _("已出具处理意见")
    REVIEW = "review", _("复查中")
    RE_REVIEW = "re_review", _("复核中")
    CLOSED = "closed", _("已办结")
    RETURNED = "returned", _("已提出异议退回")


OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED, Status.REVIEW, Status.RE_REVIEW)


class Track(models.TextChoices):  # 诉访分离的去向（指标按此分组）
    RECONSIDERATION = "reconsideration", _("行政复议")
    LITIGATION = "litigation", _("行政诉讼")
    CRIMINAL = "criminal", _("刑事立案")
    CASE = "case", _("行政案件办理程序")
    MEDIATION = "mediation", _("调解")
    ARBITRATION = "arbitration", _("仲裁")
    ACCUSATION = "accusation", _("检举控告")
    PETITION = "petition", _("作为信访事项办理")


STATUTORY_TRACKS = tuple(t for t in Track if t != Track.PETITION)


class Outcome(models.TextChoices):  # 信访处理意见（第三十二条第一款）
    SUPPORTED = "supported", _("予以支持")
    EXPLAINED = "explained", _("解释说明")
    NOT_SUPPORTED = "not_supported", _("不予支持")


class PetitionQuerySet(ScopedQuerySet):
    """The handling unit's scope sees the petition (and the units above it, who supervise)."""

    unit_field = "unit"
    scope_capabilities = (Capability.VIEW_SCOPED_DATA, Capability.HANDLE_PETITIONS)

    def open(self) -> PetitionQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Petition(models.Model):  # 信访事项
    number = models.CharField(_("信访编号"), max_length=32, unique=True)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="petitions", verbose_name=_("承办单位")
    )
    units_concerned = models.ManyToManyField(
        "org.Unit", related_name="petitions_concerning", blank=True, verbose_name=_("涉及单位")
    )
    channel = models.CharField(_("信访渠道"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("登记时间"))
    received_on = models.DateField(
        _("收到日期")
    )  # Shanghai day; a transferred one: the day it arrived
    sender = models.CharField(_("转送、交办机关"), max_length=100, blank=True)
    sent_on = models.DateField(_("转送、交办日期"), null=True, blank=True)
    sender_reference = models.CharField(_("转送、交办文号"), max_length=60, blank=True)
    citizen = models.ForeignKey(
        "services.Citizen",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("警快办账号"),
    )
    petitioner_name = models.CharField(_("信访人"), max_length=50)
    petitioner_id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    petitioner_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    petitioner_address = models.CharField(_("住址"), max_length=200, blank=True)
    petitioner_count = models.PositiveSmallIntegerField(_("信访人数"), default=1)
    matter = models.TextField(_("信访事项"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    repeat_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name=_("重复信访（前次事项）"),
    )
    notice_sent_on = models.DateField(_("书面告知日期"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    objected_on = models.DateField(_("提出异议日期"), null=True, blank=True)
    objection_reason = models.TextField(_("异议理由"), blank=True)
    extension_days = models.PositiveSmallIntegerField(_("延长天数"), default=0)
    outcome = models.CharField(_("处理意见"), max_length=16, choices=Outcome.choices, blank=True)
    reply = models.TextField(_("信访处理意见书"), blank=True)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("信访事项")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "received_on"], name="petition_unit_received"),
            models.Index(fields=["status"], name="petition_status"),
            models.Index(fields=["received_on"], name="petition_received_on"),
            models.Index(fields=["accepted_on"], name="petition_accepted_on"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel__in=["transferred", "assigned"]) | ~Q(sender=""),
                name="petition_forwarded_has_sender",
            ),
            models.CheckConstraint(
                condition=Q(replied_on__isnull=True) | ~Q(outcome=""),
                name="petition_reply_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(extension_days__lte=30), name="petition_extension_at_most_30"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_id_number(self) -> str:
        return mask_id(self.petitioner_id_number)

    @property
    def masked_phone(self) -> str:
        phone = self.petitioner_phone
        return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "*" * len(phone)

    @property
    def is_forwarded(self) -> bool:
        return self.channel in FORWARDED_CHANNELS

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ClaimQuerySet(ScopedQuerySet):
    unit_field = "petition__unit"
    scope_capabilities = (Capability.VIEW_SCOPED_DATA, Capability.HANDLE_PETITIONS)


class Claim(models.Model):  # 诉求
    """One claim of a petition and where the 诉访分离 pack sent it (stored with its basis)."""

    petition = models.ForeignKey(Petition, models.PROTECT, related_name="claims")
    text = models.TextField(_("诉求内容"))
    answers = models.JSONField(_("甄别问答"), default=dict, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("涉及案件"),
    )
    route = models.CharField(_("甄别结果"), max_length=40, blank=True)  # a route code of the pack
    route_name = models.CharField(_("去向"), max_length=60, blank=True)
    track = models.CharField(_("途径"), max_length=16, choices=Track.choices, blank=True)
    is_petition = models.BooleanField(_("作为信访事项办理"), default=False)
    reason = models.TextField(_("理由"), blank=True)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    tell = models.TextField(_("告知内容"), blank=True)
    windows = models.JSONField(_("法定期限"), default=dict, blank=True)
    unverified = models.CharField(_("未核实说明"), max_length=200, blank=True)
    pack_version = models.CharField(_("规则版本"), max_length=60, blank=True)
    classified_on = models.DateField(_("甄别日期"), null=True, blank=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("诉求")
        ordering = ["petition", "id"]
        indexes = [
            models.Index(fields=["track", "classified_on"], name="claim_track_day"),
            models.Index(fields=["classified_on"], name="claim_classified_on"),
        ]

    def __str__(self) -> str:
        return self.text[:30]


class NoticeKind(models.TextChoices):  # 告知书
    ACCEPTANCE = "acceptance", _("受理告知书")
    ROUTING = "routing", _("导入法定途径告知书")
    EXTENSION = "extension", _("延期办理告知书")


class Notice(AppendOnly, models.Model):  # 书面告知
    """A written notice to the petitioner: its kind, day and what it said. Append-only."""

    update_refused = _("书面告知已送达，不能修改。")
    delete_refused = _("书面告知已送达，不能删除。")

    petition = models.ForeignKey(Petition, models.PROTECT, related_name="notices")
    kind = models.CharField(_("告知书"), max_length=16, choices=NoticeKind.choices)
    sent_on = models.DateField(_("告知日期"))
    method = models.CharField(_("送达方式"), max_length=30)
    body = models.TextField(_("告知内容"))
    recorded_at = models.DateTimeField(_("登记时间"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = _("书面告知")
        ordering = ["petition", "sent_on", "id"]

    def __str__(self) -> str:
        return f"{self.petition_id}:{self.kind}"


class Extension(AppendOnly, models.Model):  # 延期
    update_refused = _("延期批准记录只能追加。")
    delete_refused = _("延期批准记录不能删除。")

    petition = models.ForeignKey(Petition, models.PROTECT, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延长天数"))
    reason = models.TextField(_("延期理由"))
    approved_by = models.CharField(_("批准负责人"), max_length=50)
    approved_on = models.DateField(_("批准日期"))
    recorded_at = models.DateTimeField(_("登记时间"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = _("延期办理")

    def __str__(self) -> str:
        return f"{self.petition_id}+{self.days}"


class ReviewKind(models.TextChoices):
    REVIEW = "review", _("复查")
    RE_REVIEW = "re_review", _("复核")


class Review(models.Model):  # 复查、复核
    petition = models.ForeignKey(Petition, models.PROTECT, related_name="reviews")
    kind = models.CharField(_("类别"), max_length=16, choices=ReviewKind.choices)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("复查（复核）机关")
    )
    requested_on = models.DateField(_("收到请求日期"))
    answered_on = models.DateField(_("答复日期"), null=True, blank=True)
    outcome = models.CharField(_("意见"), max_length=16, choices=Outcome.choices, blank=True)
    opinion = models.TextField(_("复查（复核）意见"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("复查、复核")
        constraints = [
            models.UniqueConstraint(fields=["petition", "kind"], name="petition_one_review_each")
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}:{self.kind}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"petitions/{instance.petition_id}/{filename}"


class Attachment(models.Model):  # 附件
    petition = models.ForeignKey(Petition, models.PROTECT, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=120)
    file = models.FileField(
        _("文件"), upload_to=_attachment_path, storage=private_storage, max_length=200
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("计时中")
    MET = "met", _("已完成")
    STOPPED = "stopped", _("不再适用")


class Deadline(models.Model):  # 信访期限
    """One period of a petition (rules/petitions/deadlines.yaml), with its explanation facts."""

    petition = models.ForeignKey(Petition, models.PROTECT, related_name="deadlines")
    code = models.CharField(_("期限"), max_length=32)
    name = models.CharField(_("名称"), max_length=60)  # the pack's name (a catalogue key)
    start_on = models.DateField(_("起算日"))
    due_on = models.DateField(_("期满日"))
    due_at = models.DateTimeField(_("届满时刻"))  # half-open: missed when at >= due_at
    status = models.CharField(_("状态"), max_length=8, choices=DeadlineStatus.choices)
    met_on = models.DateField(_("完成日期"), null=True, blank=True)
    basis = models.CharField(_("依据"), max_length=300)
    facts = models.JSONField(_("计算依据"), default=dict)

    class Meta:
        verbose_name = verbose_name_plural = _("信访期限")
        constraints = [
            models.UniqueConstraint(fields=["petition", "code"], name="petition_deadline_once")
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="petition_deadline_due"),
            models.Index(fields=["code", "due_on"], name="petition_deadline_code_due"),
            models.Index(fields=["code", "met_on"], name="petition_deadline_code_met"),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}:{self.code}"

    @property
    def is_late(self) -> bool:
        return self.met_on is not None and self.met_on > self.due_on

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == DeadlineStatus.OPEN and today > self.due_on


class PetitionWarning(AbstractWarning):  # 信访期限预警 (fazhi/petitions/alerts.py)
    petition = models.ForeignKey(Petition, models.PROTECT, related_name="warnings")

    class Meta:
        verbose_name = verbose_name_plural = _("信访期限预警")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "petition", "deadline_code", "subject_key"],
                condition=Q(state="open"),
                name="petitions_one_open_warning",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(closed_at__isnull=False),
                name="petitions_warning_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["rule", "state"], name="petitions_warning_rule_state"),
            models.Index(fields=["run_token"], name="petitions_warning_run_token"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.petition_id}"


class PetitionWarningEvent(AbstractWarningEvent):  # 预警经过
    warning = models.ForeignKey(PetitionWarning, models.PROTECT, related_name="events")

    class Meta:
        ordering = ["warning", "at", "id"]


# --- Mediation ----------------------------------------------------------------------------------


class MediationKind(models.TextChoices):
    PUBLIC_ORDER = "public_order", _("治安调解")
    PEOPLES = "peoples", _("人民调解（驻所调解室）")


class MediatorKind(models.TextChoices):
    OFFICER = "officer", _("民警")
    PEOPLES_MEDIATOR = "peoples_mediator", _("人民调解员")
    LAWYER = "lawyer", _("律师")


class MediationStatus(models.TextChoices):
    OPEN = "open", _("调解中")
    AGREED = "agreed", _("达成协议，待履行")
    PERFORMED = "performed", _("协议已履行")
    FAILED = "failed", _("调解不成")
    BREACHED = "breached", _("协议未履行")


MEDIATION_ENDED = (MediationStatus.PERFORMED, MediationStatus.FAILED, MediationStatus.BREACHED)


class MediationQuerySet(ScopedQuerySet):
    unit_field = "unit"
    scope_capabilities = (Capability.VIEW_SCOPED_DATA, Capability.HANDLE_PETITIONS)


class Mediation(models.Model):  # 矛盾纠纷调解
    number = models.CharField(_("调解编号"), max_length=32, unique=True)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("调解单位")
    )
    kind = models.CharField(_("调解类别"), max_length=16, choices=MediationKind.choices)
    petition = models.ForeignKey(
        Petition, models.PROTECT, null=True, blank=True, related_name="mediations"
    )
    case = models.ForeignKey(
        "cases.Case",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("案件"),
    )
    dispute = models.TextField(_("纠纷情况"))
    parties = models.CharField(_("当事人"), max_length=200)
    mediator_name = models.CharField(_("调解员"), max_length=50)
    mediator_kind = models.CharField(_("调解员身份"), max_length=20, choices=MediatorKind.choices)
    started_on = models.DateField(_("开始日期"))
    status = models.CharField(_("状态"), max_length=16, choices=MediationStatus.choices)
    agreement = models.TextField(_("调解协议"), blank=True)
    agreed_on = models.DateField(_("达成协议日期"), null=True, blank=True)
    perform_by = models.DateField(_("约定履行期限"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    failure_reason = models.TextField(_("调解不成的原因"), blank=True)
    referral = models.TextField(_("转入程序"), blank=True)

    objects = MediationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("矛盾纠纷调解")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="public_order") | Q(case__isnull=False),
                name="mediation_public_order_has_case",
            ),
            models.CheckConstraint(
                condition=Q(agreed_on__isnull=True) | ~Q(agreement=""),
                name="mediation_agreed_has_text",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_success(self) -> bool:
        return self.status == MediationStatus.PERFORMED


class MediationSession(AppendOnly, models.Model):  # 调解记录
    update_refused = _("调解记录只能追加。")
    delete_refused = _("调解记录不能删除。")

    mediation = models.ForeignKey(Mediation, models.PROTECT, related_name="sessions")
    held_on = models.DateField(_("调解日期"))
    mediator_name = models.CharField(_("调解员"), max_length=50)
    notes = models.TextField(_("调解情况"))
    recorded_at = models.DateTimeField(_("登记时间"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = _("调解记录")
        ordering = ["mediation", "held_on", "id"]

    def __str__(self) -> str:
        return f"{self.mediation_id}:{self.held_on}"

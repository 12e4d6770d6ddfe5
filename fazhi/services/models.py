"""警快办 public services: service items, bundles (一件事), applications and their steps.

The figures the annual report quotes (全程网办率, 当场办结率, …) are computed from these records by the
metrics in fazhi/services/metrics.py; nothing here stores a rate. An application's state, deadline and
the two flags the rates count (``fully_online``, ``on_the_spot``) are set only by the operations in
fazhi/services/applications.py, each of which appends an ApplicationEvent and an audit entry.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fazhi.core.append_only import AppendOnly
from fazhi.core.clock import SHANGHAI
from fazhi.core.identity import mask_id
from fazhi.core.roles import Capability
from fazhi.core.warnings import AbstractWarning, AbstractWarningEvent
from fazhi.org.models import ScopedQuerySet
from fazhi.services.storage import private_storage


class ServiceCategory(models.TextChoices):  # 业务类别
    HOUSEHOLD = "household", _("户政")
    EXIT_ENTRY = "exit_entry", _("出入境")
    TRAFFIC = "traffic", _("交通管理")
    PUBLIC_ORDER = "public_order", _("治安管理")
    CYBER = "cyber", _("网安")
    OTHER = "other", _("其他")


class HandlingMode(models.TextChoices):  # 办理方式
    ONLINE = "online", _("全程网办")
    ONLINE_WINDOW = "online_window", _("网上申请、窗口领取")
    WINDOW = "window", _("窗口办理")


class LimitUnit(models.TextChoices):  # 时限单位 (the values are fazhi.core.periods.PeriodUnit's)
    WORKDAYS = "workdays", _("个工作日")
    DAYS = "days", _("日")
    HOURS = "hours", _("小时")


def limit_text(amount: int | None, unit: str) -> str:
    """Return "15 个工作日", "15 日" or "24 小时" (the unit as the statute writes it); "" if no limit."""
    if amount is None:
        return ""
    return f"{amount} {LimitUnit(unit).label}"


class ClockFrom(models.TextChoices):  # 时限起算
    ACCEPTED = "accepted", _("自受理之日起")  # 行政许可法 第四十二条: 自受理行政许可申请之日起
    RECEIVED = (
        "received",
        _("自收到申请之时（日）起"),
    )  # e.g. 程序规定 第二百二十三条: 收到申请之时起


class Channel(models.TextChoices):  # 申请渠道
    ONLINE = "online", _("网上")
    WINDOW = "window", _("窗口")
    SELF_SERVICE = "self_service", _("自助终端")


class ServiceItemQuerySet(models.QuerySet["ServiceItem"]):
    def online(self) -> ServiceItemQuerySet:
        """Items a citizen can apply for on the public site (published and not window-only)."""
        return self.filter(is_active=True, is_online=True)

    def visible_to(self, user: Any) -> ServiceItemQuerySet:
        """The catalogue is public: every user sees every item (metric drill-downs read this)."""
        return self.all()


class ServiceItem(models.Model):  # 政务服务事项
    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    category = models.CharField(_("业务类别"), max_length=16, choices=ServiceCategory.choices)
    department = models.CharField(
        _("实施部门"), max_length=100, default="公安局"
    )  # other departments take part in bundles (一件事)
    basis_text = models.TextField(_("设定依据"))
    basis = models.ManyToManyField(
        "law.Provision", blank=True, related_name="service_items", verbose_name=_("依据条款")
    )
    levels = models.JSONField(_("办理层级"), default=list)  # ExerciseLevel values
    fee = models.CharField(_("收费标准"), max_length=200, default="不收费")
    # A limit is an amount (the columns keep their historical "_days" names) in a unit: working
    # days, calendar days (日) or hours, as the statute writes it (fazhi/services/data/README.md).
    statutory_days = models.PositiveSmallIntegerField(_("法定办结时限"), null=True, blank=True)
    statutory_unit = models.CharField(
        _("法定时限单位"), max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS
    )
    promised_days = models.PositiveSmallIntegerField(_("承诺办结时限"))
    promised_unit = models.CharField(
        _("承诺时限单位"), max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS
    )
    clock_from = models.CharField(
        _("时限起算"), max_length=8, choices=ClockFrom.choices, default=ClockFrom.ACCEPTED
    )  # the statute's start: acceptance (受理) or receipt of the application (收到申请)
    limit_unverified = models.TextField(
        _("时限未核实的原因"), blank=True
    )  # empty: both limits checked against a statute text the platform holds
    modes = models.JSONField(_("办理方式"), default=list)  # HandlingMode values
    on_the_spot = models.BooleanField(_("可当场办结"), default=False)
    is_online = models.BooleanField(_("网上可办"), default=True)
    form = models.JSONField(_("申请表字段"), default=list)  # see fazhi/services/forms_schema.py
    needs_roster = models.BooleanField(_("需提交团队名单"), default=False)  # 口岸团队旅游签证
    guide = models.TextField(_("办事指南补充说明"), blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("服务事项")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_days__gte=0), name="services_item_promised_days_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def statutory_limit(self) -> str:
        return limit_text(self.statutory_days, self.statutory_unit)

    @property
    def promised_limit(self) -> str:
        return limit_text(self.promised_days, self.promised_unit)

    @property
    def fully_online_capable(self) -> bool:
        return HandlingMode.ONLINE in self.modes


class Material(models.Model):  # 申请材料
    item = models.ForeignKey(
        ServiceItem, models.CASCADE, related_name="materials", verbose_name=_("服务事项")
    )
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("材料名称"), max_length=200)
    original = models.BooleanField(_("需原件"), default=False)
    fetched = models.BooleanField(
        _("系统自动获取（免提交）"), default=False
    )  # e.g. the ID card photo or household record the system reads itself
    required = models.BooleanField(_("必须提交"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("申请材料")
        ordering = ["item", "order"]
        constraints = [
            models.UniqueConstraint(fields=["item", "order"], name="services_material_order")
        ]

    def __str__(self) -> str:
        return self.name


class Bundle(models.Model):  # 一件事
    code = models.CharField(_("一件事编码"), max_length=40, unique=True)
    name = models.CharField(_("一件事名称"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    items = models.ManyToManyField(
        ServiceItem, through="BundleItem", related_name="bundles", verbose_name=_("包含事项")
    )
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("一件事")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, models.CASCADE, related_name="entries")
    item = models.ForeignKey(ServiceItem, models.PROTECT, related_name="bundle_entries")
    order = models.PositiveSmallIntegerField(_("序号"))

    class Meta:
        ordering = ["bundle", "order"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "item"], name="services_bundle_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.order}"


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已替代")


class ServiceEdition(models.Model):  # 服务事项目录版本
    number = models.PositiveIntegerField(_("版次"), unique=True)
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=EditionStatus.choices, default=EditionStatus.DRAFT
    )
    note = models.TextField(_("调整说明"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("服务事项目录版本")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="published"),
                name="services_one_published_edition",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.number}版）"


class EditionEntry(models.Model):  # 目录中的事项（发布后冻结）
    edition = models.ForeignKey(ServiceEdition, models.CASCADE, related_name="entries")
    item = models.ForeignKey(ServiceItem, models.PROTECT, related_name="edition_entries")
    code = models.CharField(_("事项编码"), max_length=40)
    name = models.CharField(_("事项名称"), max_length=200)
    category = models.CharField(_("业务类别"), max_length=16, choices=ServiceCategory.choices)
    snapshot = models.JSONField(_("发布内容"))  # the guide as published: materials, modes, limits
    # Not stored: the guide's badges, set on a listed entry by guide_views._badges.
    fully_online: bool
    on_the_spot: bool

    class Meta:
        ordering = ["edition", "code"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="services_entry_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Citizen(models.Model):  # 群众账号（手机号验证）
    """A member of the public. Not a staff User: a citizen session never carries a staff role."""

    phone = models.CharField(_("手机号"), max_length=11, unique=True)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("群众账号")

    def __str__(self) -> str:
        return mask_phone(self.phone)


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else "*" * len(phone)


class PhoneCode(models.Model):  # 短信验证码（只存摘要）
    phone = models.CharField(_("手机号"), max_length=11, db_index=True)
    digest = models.CharField(max_length=64)  # sha256 of the code and SECRET_KEY
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "created_at"], name="services_code_phone")]

    def __str__(self) -> str:
        return mask_phone(self.phone)


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    SUPPLEMENT = "supplement", _("待补正")
    APPROVED = "approved", _("已准予")
    REJECTED = "rejected", _("不予许可")
    REFUSED = "refused", _("不予受理")
    COMPLETED = "completed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.SUPPLEMENT,
    ApplicationStatus.APPROVED,
)
ENDED_STATUSES = (
    ApplicationStatus.REJECTED,
    ApplicationStatus.REFUSED,
    ApplicationStatus.COMPLETED,
    ApplicationStatus.WITHDRAWN,
)


class ApplicationQuerySet(ScopedQuerySet):
    """Window staff (HANDLE_SERVICES) see their scope's applications, as supervisors do."""

    unit_field = "unit"
    scope_capabilities = (Capability.VIEW_SCOPED_DATA, Capability.HANDLE_SERVICES)

    def open(self) -> ApplicationQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class BundleApplication(models.Model):  # 一件事申请
    receipt = models.CharField(_("受理回执号"), max_length=24, unique=True)
    bundle = models.ForeignKey(Bundle, models.PROTECT, related_name="applications")
    citizen = models.ForeignKey(
        Citizen, models.PROTECT, null=True, blank=True, related_name="bundle_applications"
    )
    applicant_name = models.CharField(_("申请人"), max_length=100)
    form_data = models.JSONField(_("合并申请表"), default=dict)
    submitted_at = models.DateTimeField(_("提交时间"))
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("一件事申请")

    def __str__(self) -> str:
        return self.receipt


class Application(models.Model):  # 办件
    receipt = models.CharField(_("受理回执号"), max_length=24, unique=True)
    item = models.ForeignKey(
        ServiceItem, models.PROTECT, related_name="applications", verbose_name=_("服务事项")
    )
    bundle_application = models.ForeignKey(
        BundleApplication,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="parts",
        verbose_name=_("一件事申请"),
    )
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="service_applications", verbose_name=_("办理单位")
    )
    channel = models.CharField(_("申请渠道"), max_length=16, choices=Channel.choices)
    mode = models.CharField(_("办理方式"), max_length=16, choices=HandlingMode.choices)
    citizen = models.ForeignKey(
        Citizen,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("群众账号"),
    )
    applicant_name = models.CharField(_("申请人"), max_length=100)
    applicant_id_type = models.CharField(_("证件类型"), max_length=16, default="id_card")
    applicant_id_number = models.CharField(_("证件号码"), max_length=40)
    applicant_phone = models.CharField(_("联系电话"), max_length=11)
    form_data = models.JSONField(_("申请表"), default=dict)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    due_on = models.DateField(_("办结期限"), null=True, blank=True)  # the last day
    due_at = models.DateTimeField(
        _("办结期限（时刻）"), null=True, blank=True
    )  # the instant from which it is late: the end of due_on, or the exact hour of an hour limit
    days_used = models.PositiveSmallIntegerField(
        _("已用时限"), default=0
    )  # units of the item's promised limit counted before the clock stopped (补正)
    clock_stopped_at = models.DateTimeField(_("计时中止于"), null=True, blank=True)
    visits = models.PositiveSmallIntegerField(_("到窗口次数"), default=0)
    fully_online = models.BooleanField(_("全程网办"), null=True)  # set on completion
    on_the_spot = models.BooleanField(_("当场办结"), null=True)  # set on completion
    # Also fixed on completion, so that the metrics page sums columns instead of parsing
    # 1,000,000 timestamps (fazhi/services/metrics.py, docs/metrics.md):
    handling_seconds = models.PositiveIntegerField(
        _("办理用时（秒）"), null=True, blank=True
    )  # completed_at − submitted_at
    handling_days = models.PositiveSmallIntegerField(
        _("办理用时（工作日）"), null=True, blank=True
    )  # working days after the submission day up to and including the completion day
    completed_late = models.BooleanField(_("超期办结"), null=True)  # completed_at >= due_at
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )  # the window clerk, for a walk-in applicant
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("办件")
        indexes = [
            models.Index(fields=["unit", "status"], name="services_app_unit_status"),
            models.Index(fields=["submitted_at"], name="services_app_submitted"),
            models.Index(fields=["completed_at"], name="services_app_completed"),
            models.Index(
                fields=["due_on"],
                condition=Q(status__in=["accepted", "approved"]),
                name="services_app_running_due",
            ),
            # The queue, the home panel and the overdue metric compare the due instant with now
            # (a limit counted from receipt runs before acceptance: submitted with a due_at).
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["submitted", "accepted", "approved"]),
                name="services_app_running_due_at",
            ),
            # The metrics page reads these two ranges from the index alone (fazhi/services/metrics).
            models.Index(
                fields=[
                    "status",
                    "completed_at",
                    "unit",
                    "item",
                    "fully_online",
                    "on_the_spot",
                    "completed_late",
                    "handling_seconds",
                    "handling_days",
                ],
                name="services_app_metrics_completed",
            ),
            models.Index(
                fields=["submitted_at", "channel", "unit"], name="services_app_metrics_made"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True)
                | Q(accepted_at__gte=models.F("submitted_at")),
                name="services_app_accepted_after_submitted",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True)
                | Q(completed_at__gte=models.F("submitted_at")),
                name="services_app_completed_after_submitted",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt

    @property
    def masked_id_number(self) -> str:
        return mask_id(self.applicant_id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.applicant_phone)

    @property
    def due_text(self) -> str:
        """The last day ("2026-06-02"), or the exact minute of an hour limit ("2026-06-02 08:00")."""
        if self.due_at is not None and self.item.promised_unit == LimitUnit.HOURS:
            return f"{self.due_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
        return self.due_on.isoformat() if self.due_on else ""


class Step(models.TextChoices):
    SUBMIT = "submit", _("提交申请")
    ACCEPT = "accept", _("受理")
    REFUSE = "refuse", _("不予受理")
    ASK_SUPPLEMENT = "ask_supplement", _("一次性告知补正")
    SUPPLEMENT = "supplement", _("补正材料")
    APPROVE = "approve", _("准予")
    REJECT = "reject", _("不予许可")
    COMPLETE = "complete", _("办结")
    WITHDRAW = "withdraw", _("撤回")
    VISIT = "visit", _("到窗口")


class ApplicationEvent(AppendOnly, models.Model):  # 办件环节
    application = models.ForeignKey(Application, models.PROTECT, related_name="events")
    step = models.CharField(_("环节"), max_length=16, choices=Step.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.CharField(_("操作人"), max_length=150)  # username, or "citizen:<id>"
    reason = models.TextField(_("理由/说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    update_refused = _("办件环节只能追加，不能修改。")
    delete_refused = _("办件环节只能追加，不能删除。")

    class Meta:
        verbose_name = verbose_name_plural = _("办件环节")
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.at:%Y-%m-%d %H:%M}"


def _upload_path(instance: Upload, filename: str) -> str:
    # Never the applicant's file name: a random token under a private root (not MEDIA_URL).
    return f"services/{instance.token[:2]}/{instance.token}"


class Upload(models.Model):  # 上传材料
    application = models.ForeignKey(Application, models.PROTECT, related_name="uploads")
    material = models.ForeignKey(Material, models.PROTECT, null=True, blank=True, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to=_upload_path, storage=private_storage, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=80)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("上传材料")

    def __str__(self) -> str:
        return self.original_name


class GroupRoster(models.Model):  # 口岸团队旅游签证：团队名单
    application = models.OneToOneField(Application, models.PROTECT, related_name="roster")
    agency = models.CharField(_("组团旅行社"), max_length=200)
    port = models.CharField(_("入境口岸"), max_length=100)
    planned_entry = models.DateField(_("计划入境日期"))
    planned_exit = models.DateField(_("计划出境日期"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("团队名单")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_exit__gte=models.F("planned_entry")),
                name="services_roster_exit_after_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.planned_entry}"


class RosterMember(models.Model):  # 团队成员
    roster = models.ForeignKey(GroupRoster, models.CASCADE, related_name="members")
    row = models.PositiveIntegerField(_("行号"))
    name = models.CharField(_("姓名"), max_length=100)
    nationality = models.CharField(_("国籍"), max_length=3)  # ISO 3166-1 alpha-3
    passport_number = models.CharField(_("护照号码"), max_length=20)
    birth_date = models.DateField(_("出生日期"))
    sex = models.CharField(_("性别"), max_length=1)  # M / F
    passport_expiry = models.DateField(_("护照有效期至"))

    class Meta:
        ordering = ["roster", "row"]
        constraints = [
            models.UniqueConstraint(
                fields=["roster", "nationality", "passport_number"],
                name="services_roster_passport_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.row}. {self.name}"

    @property
    def masked_passport(self) -> str:
        number = self.passport_number
        return f"{number[:2]}{'*' * (len(number) - 4)}{number[-2:]}" if len(number) > 4 else "****"


class ServiceWarning(AbstractWarning):  # 办件时限预警 (fazhi/services/alerts.py, rules/services/)
    """One warning of one rule about one application: the application source of the one warning
    engine (fazhi.core.warnings). ``deadline_code``/``subject_key`` are blank (one time limit)."""

    application = models.ForeignKey(Application, models.PROTECT, related_name="warnings")

    class Meta:
        verbose_name = verbose_name_plural = _("办件时限预警")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "application", "deadline_code", "subject_key"],
                condition=Q(state="open"),
                name="services_one_open_warning",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(closed_at__isnull=False),
                name="services_warning_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["rule", "state"], name="services_warning_rule_state"),
            models.Index(fields=["run_token"], name="services_warning_run_token"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.application_id}"


class ServiceWarningEvent(AbstractWarningEvent):  # 预警经过
    """One step in an application warning's life. Append-only."""

    warning = models.ForeignKey(ServiceWarning, models.PROTECT, related_name="events")

    class Meta:
        ordering = ["warning", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"

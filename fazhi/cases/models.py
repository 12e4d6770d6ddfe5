"""Administrative cases (行政案件): parties, append-only procedural events, deadlines, property.

A case's status and its deadlines are derived from its events by fazhi.cases.procedure and
fazhi.cases.deadlines; they are stored (denormalised) so that lists and the supervision scan
read them with plain indexed SQL.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fazhi.core.append_only import AppendOnly
from fazhi.core.identity import mask_id
from fazhi.org.models import ScopedQuerySet


class CaseSource(models.TextChoices):  # 案件来源
    CALL = "call", _("报警")
    REPORT = "report", _("举报")
    DISCOVERED = "discovered", _("自行发现")
    TRANSFERRED = "transferred", _("移送")


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("已接报")
    ACCEPTED = "accepted", _("已受案")
    INVESTIGATING = "investigating", _("调查中")
    NOTIFIED = "notified", _("已告知")
    DECIDED = "decided", _("已决定")
    EXECUTED = "executed", _("已执行")
    CLOSED = "closed", _("已结案")


class CaseQuerySet(ScopedQuerySet):
    unit_field = "unit"

    def open(self) -> CaseQuerySet:
        return self.exclude(status=CaseStatus.CLOSED)


class Case(models.Model):  # 行政案件
    number = models.CharField(_("案件编号"), max_length=40, unique=True)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="cases", verbose_name=_("办案单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("序号"))
    procedure = models.CharField(_("办案程序"), max_length=40)  # a procedure pack id
    # The version of that pack the case follows, chosen once when the case is opened (the pack in
    # force on the day of its first event); every later step reads this one (fazhi.cases.packs).
    procedure_version = models.CharField(_("办案程序版本"), max_length=50, blank=True)
    item = models.ForeignKey(
        "catalog.EnforcementItem", models.PROTECT, related_name="cases", verbose_name=_("执法事项")
    )
    offence_code = models.CharField(
        _("违法行为"), max_length=40, blank=True
    )  # a discretion offence
    title = models.CharField(_("案由"), max_length=200)
    source = models.CharField(_("案件来源"), max_length=16, choices=CaseSource.choices)
    act_at = models.DateTimeField(_("违法行为时间"))
    act_place = models.CharField(_("违法行为地点"), max_length=200)
    summary = models.TextField(_("简要案情"), blank=True)
    handlers = models.ManyToManyField(
        "org.Officer", through="CaseHandler", related_name="cases", verbose_name=_("办案民警")
    )
    legal_officer = models.ForeignKey(
        "org.Officer",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_cases",
        verbose_name=_("法制员"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.REPORTED
    )
    accepted_at = models.DateTimeField(_("受案时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    outside_centre = models.BooleanField(
        _("应进未进"),
        default=False,
        help_text=_("应进必进的事项在执法办案管理中心以外受理（按局设置允许并预警）。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    # The nearest running deadline, copied from the Deadline rows by fazhi.cases.deadlines (the
    # one place they are written), so that the case list sorts and filters by an index of cases.
    next_due_at = models.DateTimeField(_("最近期限届满时间"), null=True, blank=True, editable=False)
    next_deadline_name = models.CharField(_("最近期限"), max_length=100, blank=True, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("行政案件")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "sequence"], name="case_sequence_per_unit_year"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["status", "created_at"]),
            # The case list: running cases by nearest deadline; unit_id makes the scope check
            # read the index alone, and only the page's rows are read from the table.
            models.Index(
                fields=["next_due_at", "id", "unit"],
                condition=Q(next_due_at__isnull=False),
                name="case_running_next_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class HandlerRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class CaseHandler(models.Model):  # 办案民警
    case = models.ForeignKey(Case, models.CASCADE, related_name="handler_links")
    officer = models.ForeignKey("org.Officer", models.PROTECT, related_name="+")
    role = models.CharField(_("分工"), max_length=8, choices=HandlerRole.choices)

    class Meta:
        verbose_name = verbose_name_plural = _("办案民警")
        constraints = [
            models.UniqueConstraint(fields=["case", "officer"], name="case_handler_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number}: {self.officer}"


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("单位")


class PartyRole(models.TextChoices):
    SUSPECT = "suspect", _("违法嫌疑人")
    VICTIM = "victim", _("被侵害人")
    WITNESS = "witness", _("证人")


class IdType(models.TextChoices):
    CITIZEN_ID = "citizen_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    OTHER = "other", _("其他证件")
    USCC = "uscc", _("统一社会信用代码")


class PartyQuerySet(ScopedQuerySet):
    unit_field = "case__unit"


class Party(models.Model):  # 当事人
    case = models.ForeignKey(Case, models.PROTECT, related_name="parties", verbose_name=_("案件"))
    kind = models.CharField(_("类别"), max_length=16, choices=PartyKind.choices)
    role = models.CharField(_("身份"), max_length=16, choices=PartyRole.choices)
    name = models.CharField(_("姓名/名称"), max_length=100)
    id_type = models.CharField(_("证件类型"), max_length=16, choices=IdType.choices)
    id_number = models.CharField(_("证件号码"), max_length=40)
    nationality = models.CharField(_("国籍"), max_length=3, default="CHN")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    is_minor_at_act = models.BooleanField(_("行为时未成年"), default=False)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("当事人")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="organisation", id_type="uscc")
                | Q(kind="person", id_type__in=["citizen_id", "passport", "other"]),
                name="party_id_type_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id(self.id_number)


class EventQuerySet(ScopedQuerySet):
    unit_field = "case__unit"


class ProceduralEvent(AppendOnly, models.Model):  # 办案环节
    """One procedural step. Append-only: a correction is a new event that names the old one."""

    update_refused = _("办案环节只能追加；更正请登记一条新的更正环节。")
    delete_refused = _("办案环节只能追加，不能删除。")

    case = models.ForeignKey(Case, models.PROTECT, related_name="events", verbose_name=_("案件"))
    kind = models.CharField(_("环节"), max_length=32)  # an event code of the case's procedure pack
    occurred_at = models.DateTimeField(_("发生时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)  # 传唤 end, 鉴定 end …
    data = models.JSONField(_("内容"), default=dict, blank=True)
    corrects = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("更正的环节"),
    )
    correction_reason = models.CharField(_("更正理由"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("登记人")
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("办案环节")
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["case", "kind"]),
            models.Index(fields=["kind", "occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                name="event_correction_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("occurred_at")),
                name="event_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}@{self.occurred_at:%Y-%m-%d %H:%M}"


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    MET = "met", _("已完成")
    MISSED = "missed", _("已超期")
    STOPPED = "stopped", _("已终止")


class DeadlineQuerySet(ScopedQuerySet):
    unit_field = "case__unit"

    def running(self) -> DeadlineQuerySet:
        return self.filter(status=DeadlineStatus.OPEN)


class Deadline(models.Model):  # 期限
    """A statutory period of one case, derived from its events by the procedure pack."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="deadlines", verbose_name=_("案件"))
    code = models.CharField(_("期限"), max_length=40)  # the pack's deadline code
    name = models.CharField(_("名称"), max_length=100)
    key = models.CharField(_("对象"), max_length=40, blank=True)  # e.g. the event or property id
    start_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("届满时间"))  # half-open: missed when now >= due_at
    status = models.CharField(
        _("状态"), max_length=8, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    basis = models.CharField(_("依据"), max_length=300)
    # How it was counted, as data (start, amount, unit, days skipped, pauses, extensions, …); the
    # sentence is rendered in the reader's language by fazhi.cases.explain (ADR 0018).
    facts = models.JSONField(_("计算依据"), default=dict, blank=True)
    is_provisional = models.BooleanField(_("暂定"), default=False)
    is_liberty = models.BooleanField(_("限制人身自由"), default=False)
    paused_days = models.PositiveIntegerField(_("不计入天数"), default=0)
    extended = models.BooleanField(_("已延长"), default=False)
    unverified = models.BooleanField(_("依据未核实"), default=False)
    computed_at = models.DateTimeField(_("计算时间"))

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("期限")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "code", "key"], name="deadline_unique_per_case"
            ),
            models.CheckConstraint(
                condition=~Q(status="met") | Q(met_at__isnull=False), name="deadline_met_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="open"), name="deadline_open_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.code} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def explanation(self) -> str:
        """How the deadline was counted, in the active language (rendered from ``facts``)."""
        from fazhi.cases.explain import render

        return render(self.facts)


class PropertyStatus(models.TextChoices):  # 涉案财物状态
    SEIZED = "seized", _("已扣押")
    STORED = "stored", _("已入库")
    RETURNED = "returned", _("已返还")
    CONFISCATED = "confiscated", _("已没收")
    DESTROYED = "destroyed", _("已销毁")


class SeizedProperty(models.Model):  # 涉案财物
    case = models.ForeignKey(
        Case, models.PROTECT, related_name="properties", verbose_name=_("案件")
    )
    description = models.CharField(_("名称"), max_length=200)
    quantity = models.CharField(_("数量"), max_length=40, blank=True)
    seized_by_event = models.ForeignKey(
        ProceduralEvent, models.PROTECT, related_name="+", verbose_name=_("扣押环节")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=PropertyStatus.choices, default=PropertyStatus.SEIZED
    )

    class Meta:
        verbose_name = verbose_name_plural = _("涉案财物")

    def __str__(self) -> str:
        return self.description


class CaseDocument(models.Model):  # 法律文书
    case = models.ForeignKey(Case, models.PROTECT, related_name="documents", verbose_name=_("案件"))
    kind = models.CharField(_("文书"), max_length=40)
    number = models.CharField(_("文号"), max_length=80, unique=True)
    event = models.ForeignKey(
        ProceduralEvent, models.PROTECT, null=True, blank=True, related_name="documents"
    )
    file = models.FileField(_("文件"), upload_to="documents/%Y/")
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = _("法律文书")
        ordering = ["generated_at"]

    def __str__(self) -> str:
        return self.number

"""The organisation tree, the people who act in it, and the one scoping rule.

Scope: a user sees the subtree of their ``scope_unit`` (an officer their unit, a district
bureau its subtree, the city supervision centre everything, because its scope unit is the city
bureau). Every scoped queryset goes through ``visible_to(user)``; nothing filters by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from fazhi.core.identity import mask_id
from fazhi.core.roles import Capability, Role, capabilities_of


class UnitKind(models.TextChoices):
    CITY_BUREAU = "city_bureau", _("市局")
    SUPERVISION_CENTRE = "supervision_centre", _("执法监督管理中心")
    DISTRICT_BUREAU = "district_bureau", _("区县局")
    CASE_CENTRE = "case_centre", _("执法办案管理中心")
    STATION = "station", _("派出所")
    CASE_ROOM = "case_room", _("基层案管室")
    BRANCH = "branch", _("其他警种")
    TOWNSHIP = "township", _("乡镇/街道")


# Units that handle cases in a case-handling centre (应进必进 is satisfied there).
CENTRE_KINDS = frozenset({UnitKind.CASE_CENTRE})


def scope_filter(
    user: Any,
    unit_field: str,
    capabilities: tuple[Capability, ...] = (Capability.VIEW_SCOPED_DATA,),
) -> Q | None:
    """Return the Q that limits rows to USER's scope through UNIT_FIELD, or None for no rows.

    ``unit_field`` is the lookup from the scoped model to its org.Unit ("unit",
    "case__unit", or "" for Unit itself). The user needs one of CAPABILITIES to see any row.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not any(user.has_capability(capability) for capability in capabilities):
        return None
    root = user.scope_unit
    if root is None:
        return None
    prefix = f"{unit_field}__" if unit_field else ""
    return Q(**{f"{prefix}path__startswith": root.path})


class ScopedQuerySet(models.QuerySet[Any]):
    """A queryset whose rows belong to a unit; ``unit_field`` names the path to it."""

    unit_field = "unit"
    scope_capabilities: tuple[Capability, ...] = (Capability.VIEW_SCOPED_DATA,)

    def visible_to(self, user: Any) -> Self:
        condition = scope_filter(user, self.unit_field, self.scope_capabilities)
        return self.none() if condition is None else self.filter(condition)


class UnitQuerySet(MP_NodeQuerySet):  # type: ignore[misc]  # treebeard is untyped
    def visible_to(self, user: Any) -> UnitQuerySet:
        condition = scope_filter(user, "")
        rows: UnitQuerySet = self.none() if condition is None else self.filter(condition)
        return rows


class UnitManager(MP_NodeManager):  # type: ignore[misc]  # treebeard is untyped
    def get_queryset(self) -> UnitQuerySet:
        rows: UnitQuerySet = UnitQuerySet(self.model).order_by("path")
        return rows

    def visible_to(self, user: Any) -> UnitQuerySet:
        return self.get_queryset().visible_to(user)


class Unit(MP_Node):  # type: ignore[misc]  # 单位; treebeard is untyped
    """A unit of the bureau: 市局, 区县局, 派出所, 执法办案管理中心, 基层案管室, 乡镇 …"""

    code = models.CharField(_("单位代码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("单位类型"), max_length=24, choices=UnitKind.choices)
    is_active = models.BooleanField(_("启用"), default=True)

    node_order_by = ["code"]
    objects = UnitManager()

    class Meta:
        verbose_name = verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> int:
        """Return 1 for the city bureau, 2 for a district bureau, 3 for the grassroots."""
        depth: int = self.depth
        return depth

    @property
    def is_case_centre(self) -> bool:
        kind: str = self.kind
        return kind in CENTRE_KINDS

    def contains(self, other: Unit) -> bool:
        inside: bool = other.path.startswith(self.path)
        return inside


class OfficerStatus(models.TextChoices):
    ON_DUTY = "on_duty", _("在岗")
    OFF_DUTY = "off_duty", _("离岗")
    SUSPENDED = "suspended", _("停止执法")


class QualificationLevel(models.IntegerChoices):  # 执法资格等级
    BASIC = 1, _("基本级")
    INTERMEDIATE = 2, _("中级")
    ADVANCED = 3, _("高级")


class OfficerQuerySet(ScopedQuerySet):
    unit_field = "unit"

    def qualification_expiring(self, on: dt.date, within_days: int) -> OfficerQuerySet:
        return self.filter(
            qualification_expires_on__gte=on,
            qualification_expires_on__lt=on + dt.timedelta(days=within_days),
        )

    def qualification_valid_on(self, on: dt.date) -> OfficerQuerySet:
        return self.filter(
            qualification_level__isnull=False,
            qualification_granted_on__lte=on,
            qualification_expires_on__gte=on,
        )


class Officer(models.Model):  # 民警
    """A police officer registered on the platform, with their enforcement qualification."""

    police_number = models.CharField(_("警号"), max_length=16, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="officers", verbose_name=_("单位"))
    status = models.CharField(
        _("状态"), max_length=16, choices=OfficerStatus.choices, default=OfficerStatus.ON_DUTY
    )
    qualification_level = models.PositiveSmallIntegerField(
        _("执法资格等级"), choices=QualificationLevel.choices, null=True, blank=True
    )
    qualification_granted_on = models.DateField(_("资格取得日期"), null=True, blank=True)
    qualification_expires_on = models.DateField(_("资格有效期至"), null=True, blank=True)

    objects = OfficerQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("民警")
        ordering = ["police_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(qualification_level__isnull=True)
                | Q(qualification_granted_on__isnull=False, qualification_expires_on__isnull=False),
                name="officer_qualification_has_dates",
            ),
            models.CheckConstraint(
                condition=Q(qualification_expires_on__isnull=True)
                | Q(qualification_expires_on__gte=models.F("qualification_granted_on")),
                name="officer_qualification_expires_after_grant",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["qualification_expires_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.police_number}）"

    @property
    def masked_id_number(self) -> str:
        return mask_id(self.id_number)

    def qualification_valid_on(self, on: dt.date) -> bool:
        """Return whether the officer holds a qualification that is in force on ON."""
        return (
            self.qualification_level is not None
            and self.qualification_granted_on is not None
            and self.qualification_expires_on is not None
            and self.qualification_granted_on <= on <= self.qualification_expires_on
        )


class User(AbstractUser):
    """A person's account. Business users act as one officer; administrators have no officer."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices, default=Role.OFFICER)
    scope_unit = models.ForeignKey(
        Unit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("数据范围"),
        help_text=_("用户可见数据的范围：该单位及其下级单位。"),
    )
    officer = models.OneToOneField(
        Officer,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("对应民警"),
    )

    # 演示账号: created by `fazhi demo` with the documented demo password. `fazhi demo` refuses
    # to run on a database holding any account that is not one (docs/decisions/0024).
    is_demo = models.BooleanField(_("演示账号"), default=False)
    # Set when someone other than the owner knew the password (accounts created before ADR 0024):
    # the owner must choose a new one before doing anything else.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码设置时间"), null=True, blank=True)

    objects: ClassVar[UserManager[Self]] = UserManager()

    class Meta:
        verbose_name = verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self.password_changed_at = None

    @property
    def is_pending_activation(self) -> bool:
        """An account whose owner has not chosen a password yet (new, or reset)."""
        return not self.has_usable_password()

    @property
    def capabilities(self) -> frozenset[Capability]:
        if not self.is_active:
            return frozenset()
        return capabilities_of(self.role)

    def has_capability(self, capability: Capability) -> bool:
        return capability in self.capabilities


class ApiToken(models.Model):  # API 访问令牌
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("用途"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("API 访问令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords, so that none of the last N is chosen again."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="password_history", verbose_name=_("用户")
    )
    password = models.CharField(_("密码哈希"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = _("历史密码")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class ActivationPart(models.TextChoices):
    SYSTEM = "system", _("系统管理员部分")
    SECURITY = "security", _("安全管理员部分")


class ActivationCode(models.Model):
    """One half of a one-time activation: issued by one administrator, stored as a keyed hash.

    The owner needs both halves (the 系统管理员's and the 安全管理员's) to choose a password,
    so neither administrator alone can activate an account and act as its owner.
    """

    user = models.ForeignKey(
        User, models.CASCADE, related_name="activation_codes", verbose_name=_("账号")
    )
    part = models.CharField(_("部分"), max_length=16, choices=ActivationPart.choices)
    code_hash = models.CharField(_("激活码哈希"), max_length=64)
    issued_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("签发人"))
    issued_at = models.DateTimeField(_("签发时间"))
    expires_at = models.DateTimeField(_("有效期至"))

    class Meta:
        verbose_name = verbose_name_plural = _("激活码")
        constraints = [
            models.UniqueConstraint(fields=["user", "part"], name="one_activation_code_per_part")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.part}"

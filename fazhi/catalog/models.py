"""Enforcement items (执法事项) and the published lists built from them.

``EnforcementItem`` is the working catalogue that cases point at. The 权责清单 (power and
responsibility list) and the 许可事项清单 (permit list) are *editions*: a draft is edited beside
the live edition; publishing freezes it for good and ends the previous one (DESIGN principle 8).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fazhi.core.errors import FrozenRecord
from fazhi.org.models import QualificationLevel


class ItemKind(models.TextChoices):
    PENALTY = "penalty", _("行政处罚")
    COERCION = "coercion", _("行政强制")
    INSPECTION = "inspection", _("行政检查")
    PERMIT = "permit", _("行政许可")
    CONFIRMATION = "confirmation", _("行政确认")
    OTHER = "other", _("其他")


class ExerciseLevel(models.TextChoices):  # 行使层级
    CITY = "city", _("市级")
    DISTRICT = "district", _("区县级")
    STATION = "station", _("派出所")
    TOWNSHIP = "township", _("乡镇（街道）")


class EnforcementItemQuerySet(models.QuerySet["EnforcementItem"]):
    def active(self) -> EnforcementItemQuerySet:
        return self.filter(is_active=True)


class EnforcementItem(models.Model):  # 执法事项
    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    kind = models.CharField(_("事项类型"), max_length=16, choices=ItemKind.choices)
    basis_text = models.TextField(
        _("实施依据"),
        help_text=_("法律依据的条文引用，如“《中华人民共和国治安管理处罚法》第二十三条”。"),
    )
    basis = models.ManyToManyField(
        "law.Provision", blank=True, related_name="enforcement_items", verbose_name=_("依据条款")
    )
    levels = models.JSONField(_("行使层级"), default=list)
    delegable_to_township = models.BooleanField(_("可赋权乡镇（街道）"), default=False)
    must_use_centre = models.BooleanField(
        _("应进必进"), default=False, help_text=_("该事项的案件须在执法办案管理中心办理。")
    )
    required_qualification = models.PositiveSmallIntegerField(
        _("所需执法资格"), choices=QualificationLevel.choices, default=QualificationLevel.BASIC
    )
    is_active = models.BooleanField(_("有效"), default=True)

    objects = EnforcementItemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("执法事项")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Delegation(models.Model):  # 赋权乡镇
    """An enforcement item delegated to a township (乡镇/街道) from a date, by a document."""

    township = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="delegations", verbose_name=_("乡镇（街道）")
    )
    item = models.ForeignKey(
        EnforcementItem, models.PROTECT, related_name="delegations", verbose_name=_("执法事项")
    )
    effective_from = models.DateField(_("起始日期"))
    effective_to = models.DateField(_("终止日期"), null=True, blank=True)
    document = models.CharField(_("赋权文件"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("赋权事项")
        constraints = [
            models.UniqueConstraint(
                fields=["township", "item", "effective_from"], name="delegation_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="delegation_effective_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.township} ← {self.item}"


class ListKind(models.TextChoices):
    POWER = "power", _("权责清单")
    PERMIT = "permit", _("许可事项清单")


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("现行")
    SUPERSEDED = "superseded", _("已废止")


class ListEdition(models.Model):  # 清单版本
    list_kind = models.CharField(_("清单"), max_length=16, choices=ListKind.choices)
    number = models.PositiveIntegerField(_("版次"))
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=EditionStatus.choices, default=EditionStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("底稿版本")
    )
    note = models.TextField(_("调整说明"), blank=True)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    effective_to = models.DateField(_("废止日期"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("清单版本")
        ordering = ["list_kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["list_kind", "number"], name="edition_number_unique"),
            models.UniqueConstraint(
                fields=["list_kind"], condition=Q(status="draft"), name="edition_one_draft"
            ),
            models.UniqueConstraint(
                fields=["list_kind"], condition=Q(status="published"), name="edition_one_published"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(published_at__isnull=False, effective_from__isnull=False),
                name="edition_published_has_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_list_kind_display()} 第{self.number}版（{self.get_status_display()}）"

    # The only change a frozen edition accepts: the live edition is ended by its successor.
    _ENDING_FIELDS = frozenset({"status", "effective_to"})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).first()
            if stored is not None and stored.is_frozen:
                changed = {
                    field.attname
                    for field in self._meta.concrete_fields
                    if getattr(stored, field.attname) != getattr(self, field.attname)
                }
                is_ending = (
                    stored.status == EditionStatus.PUBLISHED
                    and self.status == EditionStatus.SUPERSEDED
                    and changed <= self._ENDING_FIELDS
                )
                if changed and not is_ending:
                    raise FrozenRecord(
                        _("已发布的清单版本不能修改，请新建版本。"), field=min(changed)
                    )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if (
            self.pk is not None
            and not type(self).objects.filter(pk=self.pk, status="draft").exists()
        ):
            raise FrozenRecord(_("已发布的清单版本不能删除。"))
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.status != EditionStatus.DRAFT


class ListEntry(models.Model):  # 清单事项
    """One item as it stands in one edition: a snapshot, so later catalogue edits change nothing."""

    edition = models.ForeignKey(
        ListEdition, models.PROTECT, related_name="entries", verbose_name=_("清单版本")
    )
    item = models.ForeignKey(
        EnforcementItem,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("执法事项"),
    )
    code = models.CharField(_("事项编码"), max_length=40)
    name = models.CharField(_("事项名称"), max_length=200)
    kind = models.CharField(_("事项类型"), max_length=16, choices=ItemKind.choices)
    basis_text = models.TextField(_("实施依据"))
    levels = models.JSONField(_("行使层级"), default=list)
    delegable_to_township = models.BooleanField(_("可赋权乡镇（街道）"), default=False)
    must_use_centre = models.BooleanField(_("应进必进"), default=False)
    responsibility = models.TextField(_("责任事项"), blank=True)

    # The fields compared between editions, in display order.
    COMPARED_FIELDS = (
        "name",
        "kind",
        "basis_text",
        "levels",
        "delegable_to_township",
        "must_use_centre",
        "responsibility",
    )

    class Meta:
        verbose_name = verbose_name_plural = _("清单事项")
        ordering = ["edition", "code"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="list_entry_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._edition_is_frozen():
            raise FrozenRecord(_("已发布的清单版本不能修改，请新建版本。"))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._edition_is_frozen():
            raise FrozenRecord(_("已发布的清单版本不能修改，请新建版本。"))
        return super().delete(*args, **kwargs)

    def _edition_is_frozen(self) -> bool:
        # Ask the database, not the cached ``self.edition``: the edition may have been
        # published since this entry was loaded.
        return not ListEdition.objects.filter(pk=self.edition_id, status="draft").exists()

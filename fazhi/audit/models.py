"""The audit log: append-only and hash-chained (网络安全法 第二十一条; 等保 level 3 audit).

Each entry carries the SHA-256 of its own content and of the previous entry, so a changed,
removed or reordered row breaks the chain at that row; ``fazhi audit verify`` finds it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fazhi.core.append_only import AppendOnly


class AuditEntry(AppendOnly, models.Model):  # 审计记录
    update_refused = _("审计记录只能追加，不能修改。")
    delete_refused = _("审计记录只能追加，不能删除。")
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    # Who acted, as shown: the person's username, or "system:<task>" for the platform itself.
    actor_label = models.CharField(_("操作人标识"), max_length=150)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    entry_hash = models.CharField(_("本条哈希"), max_length=64, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = _("审计记录")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor_label", "at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """One row holding the hash of the last entry; locking it serialises appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"{self.count} entries, last {self.last_hash[:12]}"


class AuditAnchor(AppendOnly, models.Model):  # 审计链锚点
    """Where the verified chain starts after old entries were pruned.

    Pruning removes the oldest entries (网络安全法 第二十一条第三项 keeps network logs at least six
    months, so only older ones may go). The first kept entry still carries the hash of the last
    pruned one; the anchor stores that hash so ``verify()`` can start there. The prune itself is
    an entry of the chain (action ``audit.prune``) repeating the anchor, so a forged anchor does
    not verify.
    """

    created_at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    pruned_before = models.DateField(_("清理此日期之前的记录"))
    last_pruned_id = models.BigIntegerField(_("最后清理的记录编号"), unique=True)
    last_pruned_hash = models.CharField(_("最后清理的记录哈希"), max_length=64)
    pruned_count = models.PositiveBigIntegerField(_("本次清理条数"))
    pruned_total = models.PositiveBigIntegerField(_("累计清理条数"))

    update_refused = _("审计链锚点只能追加，不能修改。")
    delete_refused = _("审计链锚点只能追加，不能删除。")

    class Meta:
        verbose_name = verbose_name_plural = _("审计链锚点")
        ordering = ["last_pruned_id"]

    def __str__(self) -> str:
        return f"anchor after #{self.last_pruned_id} ({self.pruned_total} pruned)"

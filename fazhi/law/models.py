"""Laws, their versions and provisions (条/款/项), with effective dates.

Several versions of one law coexist (治安管理处罚法 2012 and the 2025 revision in force from
2026-01-01); a provision belongs to one version. A version whose text could not be checked
against the official source is ``is_verified=False`` and says so wherever it is shown.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LawKind(models.TextChoices):
    LAW = "law", _("法律")
    ADMINISTRATIVE_REGULATION = "regulation", _("行政法规")
    DEPARTMENTAL_RULE = "rule", _("部门规章")
    LOCAL = "local", _("地方性法规规章")
    JUDICIAL = "judicial", _("司法解释")
    NORMATIVE = "normative", _("规范性文件")


class Law(models.Model):  # 法律法规
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    title = models.CharField(_("全称"), max_length=120)  # 中华人民共和国行政处罚法
    short_title = models.CharField(_("简称"), max_length=60)  # 行政处罚法
    kind = models.CharField(_("位阶"), max_length=16, choices=LawKind.choices)
    issuer = models.CharField(_("制定机关"), max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("法律法规")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.short_title

    def version_on(self, day: dt.date) -> LawVersion | None:
        """Return the version in force on DAY, if any."""
        return (
            self.versions.filter(effective_from__lte=day)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
            .order_by("-effective_from")
            .first()
        )


class LawVersion(models.Model):  # 法律文本版本
    law = models.ForeignKey(Law, models.PROTECT, related_name="versions", verbose_name=_("法律"))
    label = models.CharField(_("版本"), max_length=40)  # e.g. "2012-10-26"
    adopted_on = models.DateField(_("通过/修订日期"))
    effective_from = models.DateField(_("施行日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    is_verified = models.BooleanField(
        _("已核对官方文本"),
        default=True,
        help_text=_("未核对的版本在所有显示处标注“未核实，请以官方文本为准”。"),
    )
    source = models.CharField(_("来源"), max_length=300, blank=True)
    effective_from_source = models.CharField(_("施行日期依据"), max_length=300, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("法律文本版本")
        ordering = ["law__code", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["law", "label"], name="law_version_label_unique"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="law_version_effective_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.law.short_title}（{self.label}）"

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class Provision(models.Model):  # 条款
    """One 条, 款 or 项. ``paragraph``/``item`` are 0 for the article (or paragraph) itself.

    0 rather than NULL keeps the unique constraint portable (NULLs are distinct in SQL).
    """

    version = models.ForeignKey(
        LawVersion, models.PROTECT, related_name="provisions", verbose_name=_("版本")
    )
    article = models.PositiveSmallIntegerField(_("条"))
    paragraph = models.PositiveSmallIntegerField(_("款"), default=0)
    item = models.PositiveSmallIntegerField(_("项"), default=0)
    chapter = models.CharField(_("章"), max_length=100, blank=True)
    section = models.CharField(_("节"), max_length=100, blank=True)
    text = models.TextField(_("条文"))
    # How many paragraphs (款) the article has: an article of one paragraph is cited without
    # "第一款" (第十九条第（四）项, not 第十九条第一款第（四）项).
    article_paragraphs = models.PositiveSmallIntegerField(_("本条款数"), default=1)
    is_verified = models.BooleanField(_("已核对"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("条款")
        ordering = ["version", "article", "paragraph", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "article", "paragraph", "item"],
                name="provision_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(item=0) | Q(paragraph__gt=0),
                name="provision_item_needs_paragraph",
            ),
        ]

    def __str__(self) -> str:
        from fazhi.law.citations import render_citation

        return render_citation(self)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(
            "law:provision",
            kwargs={
                "code": self.version.law.code,
                "label": self.version.label,
                "article": self.article,
            },
        )

    @property
    def is_confirmed(self) -> bool:
        """Return True when both this provision and its version were checked against the
        official text; anything else is shown with the "未核实" mark."""
        return self.is_verified and self.version.is_verified

    @property
    def anchor(self) -> str:
        """Return the HTML id of the article on the law page (#a33)."""
        return f"a{self.article}"

"""The foundation's one table: when background work last ran (issue 16, ``fazhi status``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):  # 运行记录
    """The last run of one kind of background work, one row per NAME, overwritten each run.

    ``worker``: the task worker's periodic beat; ``sweep``: the last full warning sweep (start,
    end, what it changed); ``audit_verify``: the last walk of the audit chain and its result.
    Not an audit record (the audit log records what people and the platform did to data).
    """

    name = models.CharField(_("名称"), max_length=40, primary_key=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"))
    ok = models.BooleanField(_("成功"), default=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("运行记录")

    def __str__(self) -> str:
        return f"{self.name} {self.finished_at:%Y-%m-%d %H:%M:%S}"

    @property
    def seconds(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def beat(
    name: str,
    *,
    started_at: dt.datetime | None = None,
    finished_at: dt.datetime | None = None,
    ok: bool = True,
    using: str = "default",
    **detail: Any,
) -> Heartbeat:
    """Record that NAME just ran (from STARTED_AT to FINISHED_AT, now by default)."""
    row, _created = Heartbeat.objects.using(using).update_or_create(
        name=name,
        defaults={
            "started_at": started_at,
            "finished_at": finished_at or timezone.now(),
            "ok": ok,
            "detail": detail,
        },
    )
    return row


def last(name: str) -> Heartbeat | None:
    return Heartbeat.objects.filter(name=name).first()

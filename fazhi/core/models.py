"""The foundation's tables: when background work last ran and how often (issue 16, ``fazhi status``,
/metrics), and the long actions users start from a page (fazhi.core.jobs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
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


class TaskStat(models.Model):  # 任务运行统计
    """How often one kind of worker task ran and how long it took, one row per task NAME.

    Written by the worker after each task (fazhi.core.tasks, huey's signals) with one UPDATE of
    F() sums, and read by /metrics in the web processes (fazhi.core.monitoring): the counts live
    in the database, so they survive restarts and are the same whichever gunicorn process answers
    the scrape (docs/decisions/0026-operators.md).
    """

    name = models.CharField(_("任务"), max_length=200, primary_key=True)
    completed = models.PositiveBigIntegerField(_("完成次数"), default=0)
    failed = models.PositiveBigIntegerField(_("失败次数"), default=0)
    locked = models.PositiveBigIntegerField(_("因上次未结束而跳过"), default=0)
    seconds = models.FloatField(_("累计用时（秒）"), default=0.0)
    last_seconds = models.FloatField(_("最近用时（秒）"), null=True, blank=True)
    last_state = models.CharField(_("最近结果"), max_length=20, blank=True)
    last_finished_at = models.DateTimeField(_("最近结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("任务运行统计")

    def __str__(self) -> str:
        return self.name


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("未完成")


class Job(models.Model):  # 后台办理
    """A long action a user started from a page (a bulk 督办, …), run by the task worker.

    fazhi.core.jobs starts it, runs it and keeps its progress here (stage, done of total) for
    the page /jobs/<id>/ that only its owner sees. RESULT is a fact rendered in the reader's
    language: ``{"msgid": …, "args": {…}}`` (ADR 0018).
    """

    kind = models.CharField(_("类型"), max_length=60)
    title = models.CharField(_("名称"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    stage = models.CharField(_("当前步骤"), max_length=200, blank=True)
    total = models.PositiveIntegerField(_("总数"), null=True, blank=True)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    result_url = models.CharField(_("结果链接"), max_length=300, blank=True)
    error = models.TextField(_("未完成原因"), blank=True)
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("后台办理")
        indexes = [models.Index(fields=["owner", "-created_at"], name="core_job_owner_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in {JobState.DONE, JobState.FAILED}

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))

    @property
    def seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        return (end - self.started_at).total_seconds()

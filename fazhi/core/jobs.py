"""Long actions started from a page, run by the task worker with their progress visible (issue 16).

A bulk 督办 over thousands of warnings, a re-dating of every running deadline, a large export:
too long for one request. The app registers the work once, from its ``AppConfig.ready``::

    jobs.register(jobs.Kind("supervision.bulk_orders", _("批量督办"), run_bulk_orders))

and the view starts it and sends the user to its page::

    job = jobs.start("supervision.bulk_orders", owner=request.user, title=…, params={…})
    return redirect(job_url(job))               # /jobs/<id>/

The work is RUN(job) → ``Done(msgid, args, url)``. It reads its parameters from ``job.params``
(JSON), acts as ``job.owner`` (its scope and capabilities are checked again: the user may have
lost them since), reports progress with fazhi.core.progress (``progress.stage``, ``count``,
``advance`` — the calls the ``fazhi`` commands show as bars) and raises ``FazhiError`` for a
refusal the user should read. The result is a fact in the reader's language (ADR 0018).

Where it runs: the huey worker (``fazhi run_huey``; the job is queued when the starting
transaction commits); in the tests and wherever huey is *immediate*, at once, in the request.
The job's page (fazhi.core.job_views) shows its state, its stage and done-of-total, polls every
second while it runs, and says so when no worker has been seen for minutes. See
docs/decisions/0026-operators.md.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import HUEY, db_task

from fazhi.core import progress
from fazhi.core.errors import FazhiError
from fazhi.core.models import Job, JobState

logger = logging.getLogger(__name__)

SAVE_EVERY = 0.5  # seconds between two writes of a running job's progress


@dataclass(frozen=True)
class Done:
    """What a job did: MSGID % ARGS in the reader's language, and where to see it (URL)."""

    msgid: str  # marked with gettext_noop where it is written
    args: dict[str, Any] = field(default_factory=dict)
    url: str = ""


@dataclass(frozen=True)
class Kind:
    name: str  # "supervision.bulk_orders"
    label: str | Promise  # 批量督办
    run: Callable[[Job], Done]


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Declare a kind of job (from the app's ``AppConfig.ready``; the worker loads it too)."""
    _KINDS[kind.name] = kind


def kinds() -> dict[str, Kind]:
    return dict(_KINDS)


def start(name: str, *, owner: Any, params: dict[str, Any], title: str = "") -> Job:
    """Record a job of kind NAME for OWNER and have it run; return it (its page: ``url``)."""
    kind = _KINDS[name]
    job = Job.objects.create(kind=name, title=title or str(kind.label), owner=owner, params=params)
    if HUEY.immediate:
        run_job(job.pk)  # huey runs it here and now (tests; a DEBUG server without worker)
    else:
        pk = job.pk
        transaction.on_commit(lambda: run_job(pk))  # the worker must see the row
    return job


class JobReporter(progress.Silent):
    """fazhi.core.progress for a job: the stage and the counts go to its row (at most every
    SAVE_EVERY seconds while counting; always at a new stage and at the end)."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._saved = 0.0

    def _save(self, *fields: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._saved < SAVE_EVERY:
            return
        self._saved = now
        Job.objects.filter(pk=self.job.pk).update(**{f: getattr(self.job, f) for f in fields})

    def stage(self, name: str) -> None:
        self.job.stage = name[:200]
        self.job.total, self.job.done = None, 0
        self._save("stage", "total", "done", force=True)

    def count(self, name: str, total: int) -> None:
        if not self.job.stage:
            self.job.stage = name[:200]
        self.job.total, self.job.done = total, 0
        self._save("stage", "total", "done", force=True)

    def advance(self, n: int = 1) -> None:
        self.job.done += n
        self._save("done")

    def close(self) -> None:
        if self.job.total is not None:
            self._save("done", force=True)


def execute(job_id: int) -> Job | None:
    """Run the queued job JOB_ID once (a second delivery of the same job does nothing)."""
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now()
    )
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if not claimed or job is None:
        return job
    kind = _KINDS.get(job.kind)
    try:
        if kind is None:
            raise FazhiError(_("此类后台办理已不再提供：%(kind)s") % {"kind": job.kind})
        with progress.reporting(JobReporter(job)):
            done = kind.run(job)
    except FazhiError as exc:
        job.state, job.error = JobState.FAILED, str(exc)
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job.state = JobState.FAILED
        job.error = str(
            _("办理中出现内部错误（%(type)s），已记入日志；请联系系统管理员。")
            % {"type": type(exc).__name__}
        )
    else:
        job.state = JobState.DONE
        job.result = {"msgid": done.msgid, "args": done.args}
        job.result_url = done.url
    job.finished_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        state=job.state,
        error=job.error,
        result=job.result,
        result_url=job.result_url,
        finished_at=job.finished_at,
        stage=job.stage,
        total=job.total,
        done=job.done,
    )
    return job


@db_task()  # type: ignore[untyped-decorator]  # huey's decorators are untyped
def run_job(job_id: int) -> None:
    """The worker's side of ``start`` (huey task ``fazhi.core.jobs.run_job``)."""
    execute(job_id)


def result_text(job: Job) -> str:
    """The job's result in the reader's language (''  while it runs)."""
    from django.utils.translation import gettext

    if not job.result:
        return ""
    try:
        return str(gettext(job.result["msgid"]) % job.result.get("args", {}))
    except (KeyError, TypeError, ValueError):
        return str(job.result.get("msgid", ""))

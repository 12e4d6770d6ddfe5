"""The page of a long action (fazhi.core.jobs): only its owner sees it; htmx polls its status."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from fazhi.core import jobs, status
from fazhi.core.models import Job, JobState

POLL_SECONDS = 1
STALE_QUEUE_SECONDS = 30  # a queued job this old with no live worker: say so


def _context(job: Job) -> dict[str, object]:
    now = timezone.now()
    waiting = job.state == JobState.QUEUED and (now - job.created_at).total_seconds() > (
        STALE_QUEUE_SECONDS
    )
    no_worker = waiting and status.check_worker(now).state != status.OK
    return {
        "job": job,
        "kind": jobs.kinds().get(job.kind),
        "result_text": jobs.result_text(job),
        "no_worker": no_worker,
        "poll": POLL_SECONDS,
    }


@never_cache
@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """/jobs/<id>/: the job's state; with HX-Request only the status fragment (polled)."""
    job = get_object_or_404(Job, pk=pk, owner=request.user)  # another's job: as if none
    template = "core/_job_status.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(request, template, _context(job))

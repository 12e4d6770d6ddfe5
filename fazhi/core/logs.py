"""Structured logs (issue 16; docs/operations/logs.md): with FAZHI_LOG_FORMAT=json every log line
is one JSON object, and each request and each worker task writes one line (logger
``fazhi.request`` / ``fazhi.task``, level INFO).

A request's line names the view, the method, the status, the duration and the user's id — never
the path, the query, a name or an ID number (personal data stays out of the logs). An error's
line carries the exception's type and the code's stack, not its message (which may quote data).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import traceback
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

request_log = logging.getLogger("fazhi.request")
task_log = logging.getLogger("fazhi.task")

# The extra fields a line may carry; anything else a caller passes is left out.
FIELDS = (
    "method",
    "view",
    "status",
    "duration_ms",
    "user_id",
    "task",
    "task_id",
    "state",
    "retries",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            line["exc_type"] = record.exc_info[0].__name__
            line["stack"] = "".join(traceback.format_tb(record.exc_info[2])).rstrip()
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    """One line per request on ``fazhi.request`` (only when INFO is enabled for it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request_log.isEnabledFor(logging.INFO):
            return self.get_response(request)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            match = getattr(request, "resolver_match", None)
            view = match.view_name if match is not None else "-"
            request_log.info(
                "%s %s %s",
                request.method,
                view,
                status,
                extra={
                    "method": request.method,
                    "view": view,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": _user_id(request),
                },
            )


def _user_id(request: HttpRequest) -> int | None:
    """The user's id if the request already read its user (never a session lookup of its own)."""
    from django.utils.functional import empty

    user = getattr(request, "user", None)
    user = getattr(user, "_wrapped", user)
    if user is None or user is empty or not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


_task_started: dict[str, float] = {}


def task_signal(signal: str, task: Any, exc: BaseException | None = None) -> float | None:
    """huey's signals → one line per finished task on ``fazhi.task`` (fazhi.core.tasks); return
    the task's duration in seconds (None at its start, or when its start was not seen)."""
    if signal == "executing":
        _task_started[task.id] = time.perf_counter()
        return None
    started = _task_started.pop(task.id, None)
    seconds = time.perf_counter() - started if started else None
    duration = round(seconds * 1000, 1) if seconds is not None else None
    fields = {
        "task": task.name,
        "task_id": task.id,
        "state": signal,
        "duration_ms": duration,
        "retries": task.retries,
    }
    if signal == "error":
        exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
        task_log.error("task %s %s", task.name, signal, extra=fields, exc_info=exc_info)
    else:
        task_log.info("task %s %s", task.name, signal, extra=fields)
    return seconds

"""Structured logs: one JSON line per request and per task, without personal data (issue 16)."""

from __future__ import annotations

import json
import logging

import pytest

from fazhi.core import logs
from fazhi.core.roles import Role


@pytest.fixture
def lines(caplog):
    """The JSON lines the production formatter makes of what the request and task loggers log."""
    caplog.set_level(logging.INFO, logger="fazhi.request")
    caplog.set_level(logging.INFO, logger="fazhi.task")
    formatter = logs.JsonFormatter()

    def made(logger: str) -> list[dict]:
        return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger]

    return made


@pytest.mark.django_db
def test_one_line_per_request_with_view_status_duration_and_user_id(client, make_user, lines):
    user = make_user(Role.OFFICER, full_name="张三", username="zhangsan")
    client.force_login(user)
    client.get("/?q=张三&id=110101199003074514")
    (line,) = lines("fazhi.request")
    assert line["level"] == "INFO"
    assert line["view"] == "core:home"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["user_id"] == user.pk
    text = json.dumps(line, ensure_ascii=False)
    for personal in ("张三", "zhangsan", "110101199003074514", "q="):
        assert personal not in text


def test_a_probe_logs_without_reading_the_session(client, lines):
    client.get("/healthz")  # no django_db mark: a session or user lookup would raise
    (line,) = lines("fazhi.request")
    assert (line["view"], line["status"], line["user_id"]) == ("healthz", 200, None)


def test_an_unknown_url_logs_404_without_its_path(client, lines):
    client.get("/no/such/page/110101199003074514")
    (line,) = lines("fazhi.request")
    assert line["status"] == 404
    assert "110101199003074514" not in json.dumps(line)


def test_one_line_per_task_and_an_error_without_its_message(lines):
    class Task:
        id = "t1"
        name = "periodic_sweep"
        retries = 0

    logs.task_signal("executing", Task())
    logs.task_signal("complete", Task())
    try:
        raise ValueError("张三 " + "1101011990" + "03074514")  # the stack shows code lines
    except ValueError as exc:
        logs.task_signal("executing", Task())
        logs.task_signal("error", Task(), exc)
    done, failed = lines("fazhi.task")
    assert done["task"] == "periodic_sweep"
    assert done["state"] == "complete"
    assert done["duration_ms"] >= 0
    assert failed["level"] == "ERROR"
    assert failed["exc_type"] == "ValueError"
    assert "test_logs.py" in failed["stack"]
    assert "110101199003074514" not in json.dumps(failed, ensure_ascii=False)


def test_huey_emits_to_the_task_log(lines):
    from huey import signals
    from huey.contrib.djhuey import HUEY

    from fazhi.core.tasks import heartbeat

    task = heartbeat.s()
    HUEY._emit(signals.SIGNAL_EXECUTING, task)
    HUEY._emit(signals.SIGNAL_COMPLETE, task)
    (line,) = lines("fazhi.task")
    assert line["task"] == task.name
    assert line["state"] == "complete"

"""The audit hook of the foundation (ADR 0017).

Core code that must leave an audit entry (the import framework) records through ``record``;
the audit app installs its hash-chained log here when Django starts (``AuditConfig.ready``),
so ``core`` never imports ``fazhi.audit``. ``diff_fields`` is the one way to describe a change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

Recorder = Callable[..., object]

_recorder: Recorder | None = None


def install(recorder: Recorder) -> None:
    """Make RECORDER the function every ``record`` call goes to (the audit app's log)."""
    global _recorder  # one process-wide hook, set once at start-up
    _recorder = recorder


def record(actor: Any, action: str, obj: Any = None, *, changes: dict[str, Any]) -> object:
    """Append one audit entry through the installed log; refuse if no log is installed."""
    if _recorder is None:
        raise RuntimeError("no audit log installed: add fazhi.audit to INSTALLED_APPS")
    return _recorder(actor, action, obj, changes=changes)


def canonical(value: Any) -> Any:
    """Return VALUE as JSON-able data: dates as ISO text, tuples as lists, others as text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): canonical(val) for key, val in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(val) for val in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Return {field: [before, after]} for the fields whose value changed."""
    return {
        key: [canonical(before.get(key)), canonical(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }

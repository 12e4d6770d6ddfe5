"""The audit hook: core records through it, the audit app installs its log (ADR 0017)."""

import datetime as dt

import pytest

from fazhi.core import auditing


def test_the_audit_app_installs_its_log_at_start_up():
    from fazhi.audit import log

    assert auditing._recorder is log.record


def test_core_records_through_the_installed_log(monkeypatch):
    calls = []
    monkeypatch.setattr(auditing, "_recorder", lambda *args, **kwargs: calls.append((args, kwargs)))
    auditing.record("system:test", "thing.import.created", None, changes={"name": [None, "x"]})
    assert calls == [
        (("system:test", "thing.import.created", None), {"changes": {"name": [None, "x"]}})
    ]


def test_without_an_audit_log_core_refuses_to_act_unaudited(monkeypatch):
    monkeypatch.setattr(auditing, "_recorder", None)
    with pytest.raises(RuntimeError, match=r"fazhi\.audit"):
        auditing.record("system:test", "thing.import.created", None, changes={})


def test_a_diff_names_only_the_changed_fields_in_json_form():
    before = {"name": "a", "on": dt.date(2026, 1, 1), "same": 1}
    after = {"name": "b", "on": dt.date(2026, 1, 2), "same": 1, "new": (1, 2)}
    assert auditing.diff_fields(before, after) == {
        "name": ["a", "b"],
        "new": [None, [1, 2]],
        "on": ["2026-01-01", "2026-01-02"],
    }

"""``fazhi status`` and the 系统管理员's status page: is this installation healthy? (issue 16)

Each check answers ``ok``, ``warn`` or ``fail`` with a reason and its figures: the database and
its migrations, the rule packs in force today, the calendar years with an official notice and
the years running deadlines reach into without one (ADR 0019), the task worker's heartbeat, the
last full warning sweep, the warnings open by level, the long actions waiting or running, the disk
used by uploads — and what the apps
register (``register``; the audit chain's check comes from fazhi.audit, since core imports no
app). The overall state is the worst one; ``fazhi status`` exits 0 (ok), 1 (warn) or 2 (fail).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

OK, WARN, FAIL = "ok", "warn", "fail"
_RANK = {OK: 0, WARN: 1, FAIL: 2}
EXIT_CODES = {OK: 0, WARN: 1, FAIL: 2}

# A worker beats every minute (fazhi.core.tasks.heartbeat).
WORKER_WARN = dt.timedelta(minutes=3)
WORKER_FAIL = dt.timedelta(minutes=15)
AUDIT_VERIFY_WARN = dt.timedelta(days=8)  # the worker verifies the chain daily
DISK_FREE_WARN = 0.10
DISK_FREE_FAIL = 0.02
YEARS_AHEAD = 10  # how far the calendar check looks for deadlines in years without a notice


# What each check is called on the page (the name stays the key of --json and the scripts).
LABELS: dict[str, Any] = {
    "database": gettext_lazy("数据库"),
    "rule_packs": gettext_lazy("规则包"),
    "calendar": gettext_lazy("工作日历"),
    "worker": gettext_lazy("任务进程"),
    "sweep": gettext_lazy("预警扫描"),
    "warnings": gettext_lazy("未消除的预警"),
    "jobs": gettext_lazy("后台办理"),
    "uploads": gettext_lazy("上传文件与磁盘"),
    "audit": gettext_lazy("审计链"),
}
JOB_QUEUED_WARN = dt.timedelta(
    minutes=5
)  # a long action waiting longer: the worker is not taking it


@dataclass
class Check:
    name: str
    state: str
    reason: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(LABELS.get(self.name, self.name))

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state, "reason": self.reason, "data": self.data}


@dataclass
class Report:
    at: dt.datetime
    checks: list[Check]

    @property
    def state(self) -> str:
        return max((c.state for c in self.checks), key=_RANK.__getitem__, default=OK)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.state]

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.state,
            "at": self.at.isoformat(),
            "checks": [c.as_dict() for c in self.checks],
        }


_CHECKS: dict[str, Callable[[dt.datetime], Check]] = {}


def register(name: str, check: Callable[[dt.datetime], Check], label: Any = None) -> None:
    """Add an app's check (from its AppConfig.ready); CHECK(now) returns a ``Check``; LABEL is
    its name on the page (a lazy translation)."""
    _CHECKS[name] = check
    if label is not None:
        LABELS[name] = label


def age_text(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return _("%(n)s 秒前") % {"n": seconds}
    if seconds < 2 * 3600:
        return _("%(n)s 分钟前") % {"n": seconds // 60}
    if seconds < 2 * 86400:
        return _("%(n)s 小时前") % {"n": seconds // 3600}
    return _("%(n)s 天前") % {"n": seconds // 86400}


# --------------------------------------------------------------------------- the database


def unapplied_migrations(using: str = "default") -> list[str]:
    """``app.name`` of every migration the database USING has not applied (in plan order).

    Cheap: the migration files are listed, not imported; only when some look missing does
    Django's own plan confirm it (``fazhi`` runs this before every command, /readyz per probe).
    """
    from importlib.util import find_spec

    from django.apps import apps
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    recorder = MigrationRecorder(connection)
    applied = set(recorder.applied_migrations()) if recorder.has_table() else set()
    missing = False
    for config in apps.get_app_configs():
        spec = find_spec(f"{config.name}.migrations")
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            for path in Path(folder).glob("[0-9][0-9][0-9][0-9]_*.py"):
                if (config.label, path.stem) not in applied:
                    missing = True
    if not missing:
        return []
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


def check_database(now: dt.datetime) -> Check:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder
    from django.db.utils import Error

    data: dict[str, Any] = {"engine": connection.vendor}
    try:
        connection.ensure_connection()
        missing = unapplied_migrations()
        applied = len(MigrationRecorder(connection).applied_migrations())
    except Error as exc:
        return Check("database", FAIL, _("数据库无法连接：%(reason)s") % {"reason": exc}, data)
    data.update(applied=applied, unapplied=len(missing))
    if missing:
        return Check(
            "database",
            FAIL,
            _("%(count)s 个迁移未执行，请运行 fazhi migrate") % {"count": len(missing)},
            data | {"unapplied_names": missing},
        )
    return Check(
        "database",
        OK,
        _("%(engine)s，%(count)s 个迁移均已执行") % {"engine": connection.vendor, "count": applied},
        data,
    )


# --------------------------------------------------------------------------- law as data


def check_rule_packs(now: dt.datetime) -> Check:
    from fazhi.core.rulepacks import RulePackError, registered_kinds, registry

    today = timezone.localdate(now)
    kinds: dict[str, list[dict[str, str]]] = {}
    errors: list[str] = []
    for kind in sorted(registered_kinds()):
        try:
            packs = registry.in_force(kind, today)
        except RulePackError as exc:
            errors.append(str(exc))
            continue
        kinds[kind] = [
            {"id": str(getattr(p, "id", "")), "version": str(getattr(p, "version", ""))}
            for p in packs
        ]
    data = {"in_force": kinds, "errors": errors}
    if errors:
        return Check(
            "rule_packs",
            FAIL,
            _("规则文件无法加载：%(error)s（fazhi rules test）") % {"error": errors[0]},
            data,
        )
    count = sum(len(p) for p in kinds.values())
    return Check(
        "rule_packs",
        OK,
        _("%(packs)s 个规则包今日有效（%(kinds)s 类）") % {"packs": count, "kinds": len(kinds)},
        data,
    )


def check_calendar(now: dt.datetime) -> Check:
    from fazhi.core import calendar as cal
    from fazhi.core.rulepacks import RulePackError

    today = timezone.localdate(now)
    try:
        calendar = cal.default_calendar()
    except RulePackError as exc:
        return Check("calendar", FAIL, _("工作日历无法加载：%(error)s") % {"error": exc})
    known = sorted(y for y in calendar.known_years if y >= today.year - 1)
    uncovered: dict[str, int] = {}
    year = calendar.first_missing_year(today.year)
    for _step in range(YEARS_AHEAD):
        if calendar.is_known(year):
            year += 1
            continue
        pending = cal.pending_from(dt.date(year, 1, 1))
        if not pending:
            break
        uncovered[str(year)] = pending
        year += 1
    data = {"years_with_notice": known, "deadlines_in_years_without_notice": uncovered}
    if uncovered:
        first = min(uncovered)
        return Check(
            "calendar",
            WARN,
            _(
                "%(year)s 年放假安排尚未录入，%(count)s 个进行中的期限为暂定；"
                "请运行 fazhi calendar import"
            )
            % {"year": first, "count": uncovered[first]},
            data,
        )
    if today.year not in calendar.known_years:
        return Check(
            "calendar",
            WARN,
            _("%(year)s 年放假安排尚未录入") % {"year": today.year},
            data,
        )
    return Check(
        "calendar",
        OK,
        _("已录入放假安排的年份：%(years)s") % {"years": "、".join(map(str, known))},
        data,
    )


# --------------------------------------------------------------------------- background work


def check_worker(now: dt.datetime) -> Check:
    from fazhi.core.models import last

    row = last("worker")
    if row is None:
        return Check(
            "worker", FAIL, _("任务进程从未运行，请启动 fazhi run_huey"), {"last_beat": None}
        )
    age = now - row.finished_at
    data = {"last_beat": row.finished_at.isoformat(), "age_seconds": int(age.total_seconds())}
    data.update({k: v for k, v in row.detail.items() if k in {"host", "pid"}})
    text = _("任务进程最近心跳：%(age)s") % {"age": age_text(age)}
    if age > WORKER_FAIL:
        return Check("worker", FAIL, text + _("，请检查 fazhi run_huey"), data)
    if age > WORKER_WARN:
        return Check("worker", WARN, text, data)
    return Check("worker", OK, text, data)


def check_sweep(now: dt.datetime) -> Check:
    from fazhi.core.models import last

    row = last("sweep")
    if row is None:
        return Check("sweep", WARN, _("尚未进行过全量预警扫描"), {"last_finished": None})
    age = now - row.finished_at
    seconds = row.seconds
    data = {
        "last_started": row.started_at.isoformat() if row.started_at else None,
        "last_finished": row.finished_at.isoformat(),
        "duration_seconds": round(seconds, 3) if seconds is not None else None,
        "opened": row.detail.get("opened"),
        "closed": row.detail.get("closed"),
    }
    interval = dt.timedelta(minutes=settings.FAZHI_SCAN_MINUTES)
    text = _("最近一次全量预警扫描：%(age)s，用时 %(seconds)s 秒") % {
        "age": age_text(age),
        "seconds": f"{seconds:.1f}" if seconds is not None else "—",
    }
    if age > 3 * interval:
        return Check("sweep", WARN, text + _("（已超过扫描间隔的三倍）"), data)
    if seconds is not None and seconds > interval.total_seconds():
        return Check("sweep", WARN, text + _("（长于扫描间隔）"), data)
    return Check("sweep", OK, text, data)


def open_warnings_by_level() -> dict[str, int]:
    from django.db.models import Count

    from fazhi.core import warnings

    counts = dict.fromkeys(warnings.WarningLevel.values, 0)
    for source in warnings.sources().values():
        rows = (
            source.warning._default_manager.filter(state=warnings.WarningState.OPEN)
            .values("level")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            counts[row["level"]] = counts.get(row["level"], 0) + row["n"]
    return counts


def check_warnings(now: dt.datetime) -> Check:
    counts = open_warnings_by_level()
    from fazhi.core.warnings import WarningLevel

    text = "，".join(f"{WarningLevel(k).label} {v}" for k, v in counts.items())
    return Check("warnings", OK, _("未消除的预警：%(counts)s") % {"counts": text}, counts)


def check_jobs(now: dt.datetime) -> Check:
    """The long actions users started (fazhi.core.jobs): waiting, running, failed today."""
    from django.db.models import Count, Min

    from fazhi.core.models import Job, JobState

    rows: dict[str, dict[str, Any]] = {
        row["state"]: dict(row)
        for row in Job.objects.filter(state__in=[JobState.QUEUED, JobState.RUNNING])
        .values("state")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
    }
    queued = rows.get(JobState.QUEUED, {"n": 0, "oldest": None})
    running = rows.get(JobState.RUNNING, {"n": 0})
    failed = Job.objects.filter(
        state=JobState.FAILED, finished_at__gte=now - dt.timedelta(days=1)
    ).count()
    data = {"queued": queued["n"], "running": running["n"], "failed_last_day": failed}
    text = _("后台办理：排队 %(queued)s，进行中 %(running)s，近一天未完成 %(failed)s") % {
        "queued": queued["n"],
        "running": running["n"],
        "failed": failed,
    }
    oldest: dt.datetime | None = queued["oldest"]
    if oldest is not None and now - oldest > JOB_QUEUED_WARN:
        data["oldest_queued_at"] = oldest.isoformat()
        return Check(
            "jobs",
            WARN,
            text
            + _("；最早一项已排队 %(age)s，请检查 fazhi run_huey")
            % {"age": age_text(now - oldest)},
            data,
        )
    return Check("jobs", OK, text, data)


def _folder_bytes(folder: Path) -> tuple[int, int]:
    total = files = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                continue
            files += 1
    return total, files


def check_uploads(now: dt.datetime) -> Check:
    folders = {"media": Path(settings.MEDIA_ROOT)}
    private = getattr(settings, "FAZHI_PRIVATE_MEDIA_ROOT", None)
    if private:
        folders["private"] = Path(private)
    data: dict[str, Any] = {}
    used = 0
    for key, folder in folders.items():
        size, files = _folder_bytes(folder) if folder.exists() else (0, 0)
        data[key] = {"bytes": size, "files": files}
        used += size
    probe = next((f for f in folders.values() if f.exists()), Path(settings.VAR_DIR))
    disk = shutil.disk_usage(probe)
    free = disk.free / disk.total if disk.total else 1.0
    data["disk_free_ratio"] = round(free, 4)
    text = _("上传文件共 %(mb)s MB，磁盘剩余 %(free)s%%") % {
        "mb": f"{used / 1024 / 1024:.1f}",
        "free": f"{free * 100:.0f}",
    }
    if free < DISK_FREE_FAIL:
        return Check("uploads", FAIL, text, data)
    if free < DISK_FREE_WARN:
        return Check("uploads", WARN, text, data)
    return Check("uploads", OK, text, data)


CORE_CHECKS: dict[str, Callable[[dt.datetime], Check]] = {
    "database": check_database,
    "rule_packs": check_rule_packs,
    "calendar": check_calendar,
    "worker": check_worker,
    "sweep": check_sweep,
    "warnings": check_warnings,
    "jobs": check_jobs,
    "uploads": check_uploads,
}


def report(now: dt.datetime | None = None) -> Report:
    """Run every check; a check that raises is failed with its error (the others still run)."""
    now = now or timezone.now()
    checks: list[Check] = []
    database_ok = True
    for name, check in {**CORE_CHECKS, **_CHECKS}.items():
        if not database_ok and name not in {"rule_packs"}:
            checks.append(Check(name, FAIL, _("数据库不可用，无法检查")))
            continue
        try:
            result = check(now)
        except Exception as exc:  # one broken check must not hide the others
            result = Check(name, FAIL, f"{type(exc).__name__}: {exc}")
        if name == "database" and result.state == FAIL:
            database_ok = False
        checks.append(result)
    return Report(now, checks)

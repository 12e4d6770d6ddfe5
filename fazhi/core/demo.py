"""The demo data set of 示例市公安局 (a fictional city): deterministic and idempotent.

This module is the frame only (ADR 0017): it knows the size of the data set and runs the steps
the apps register, in their order; it imports no app. Each app that contributes demo data
registers its step(s) in its ``demo`` module (``fazhi/<app>/demo.py``) with ``@step(order,
name)``; the modules are imported when ``load`` runs. Today's steps, in order: the laws (law,
10), units, officers and accounts (org, 20), enforcement items, their legal basis, delegations
to townships and the published editions (catalog, 30–33), the 警快办 catalogue (services, 40),
the cases (cases, 50), orders and reviews with the warning scan (supervision, 60), and the
警快办 applications (services, 70).

Every step writes through the same importers and domain functions as the product (so the demo
is audited and idempotent the same way). Running it twice on the same day changes nothing.
Dates are relative to ON (the day of the run), so that "expiring within 90 days" and
"expired" stay true in the demo.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fazhi.core import progress
from fazhi.core.discovery import import_app_modules
from fazhi.core.importing import ImportReport, Table, import_table

ACTOR = "system:demo"
SEED = 20260101
DEMO_PASSWORD = "Fazhi-demo-2026"  # noqa: S105 - the documented password of the demo accounts


@dataclass(frozen=True)
class DemoSize:
    districts: int = 6
    stations: tuple[int, ...] = (6, 5, 7, 6, 5, 6)  # stations per district (35)
    officers_per_station: tuple[int, int] = (5, 7)
    cases: int = 3000  # demo cases (fazhi.cases.demo)
    applications: int = 100_000  # 警快办 demo applications (fazhi.services.demo)


FULL = DemoSize()
TINY = DemoSize(
    districts=2, stations=(2, 1), officers_per_station=(2, 3), cases=150, applications=2000
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    scope: str
    officer: str


@dataclass
class DemoResult:
    reports: dict[str, ImportReport] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)  # delegations, accounts, editions
    notes: list[str] = field(default_factory=list)
    accounts: list[DemoAccount] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(r.accepted for r in self.reports.values()) or any(self.created.values())


@dataclass
class DemoRun:
    """What a step is given: the size, the day, the options, and the result to add to."""

    size: DemoSize
    on: dt.date
    laws: bool
    cases: bool
    result: DemoResult


StepFunction = Callable[[DemoRun], None]
Needs = Literal["", "laws", "cases"]


@dataclass(frozen=True)
class Step:
    """One registered demo step: its place in the run, its name, and what it needs."""

    order: int
    name: str
    run: StepFunction
    needs: Needs = ""  # "laws": skipped by load(laws=False); "cases": by load(cases=False)


_steps: dict[str, Step] = {}


def step(order: int, name: str, *, needs: Needs = "") -> Callable[[StepFunction], StepFunction]:
    """Register the decorated function as the demo step NAME, run in ORDER (lowest first)."""

    def decorator(run: StepFunction) -> StepFunction:
        _steps[name] = Step(order, name, run, needs)
        return run

    return decorator


def discover() -> None:
    """Import the ``demo`` module of every Fazhi app, which registers its parts (once)."""
    import_app_modules("demo")


def steps() -> list[Step]:
    """Return the registered steps in the order they run."""
    discover()
    return sorted(_steps.values(), key=lambda s: (s.order, s.name))


def load(
    size: DemoSize = FULL, *, on: dt.date, laws: bool = True, cases: bool = True
) -> DemoResult:
    """Write the demo data set; return what was created or changed (nothing on a second run)."""
    run = DemoRun(size=size, on=on, laws=laws, cases=cases, result=DemoResult())
    chosen = [
        registered
        for registered in steps()
        if not (registered.needs == "laws" and not laws)
        and not (registered.needs == "cases" and not cases)
    ]
    from django.contrib.auth import get_user_model
    from django.db.models import Max

    users = get_user_model().objects
    last_before = users.aggregate(last=Max("pk"))["last"] or 0
    progress.plan(len(chosen))  # fazhi demo: a bar on a terminal, a line per step elsewhere
    for registered in chosen:
        progress.stage(registered.name)
        registered.run(run)
    # Every account a step created carries the published demo password: mark it (ADR 0024).
    users.filter(pk__gt=last_before, is_demo=False).update(is_demo=True)
    result = run.result
    for name, report in result.reports.items():
        if report.rejected:
            first = report.as_rejections()[0]
            result.notes.append(
                f"{name}: {len(report.rejected)} rejected, e.g. row {first.row} {first.field}: {first.reason}"
            )
    return result


DEMO_ENV = "FAZHI_DEMO"


def refusal(environ: Mapping[str, str] | None = None) -> str | None:
    """Return why ``fazhi demo`` must not run here, or None.

    The demo creates accounts with a published password, so it runs only on a database whose
    every account is a demo account (``is_demo``), and only when asked for explicitly with
    FAZHI_DEMO=1 (``make demo`` sets it): never by accident on a bureau's database.
    """
    from django.contrib.auth import get_user_model
    from django.utils.translation import gettext as _

    others = get_user_model().objects.filter(is_demo=False)
    count = others.count()
    if count:
        names = "、".join(others.order_by("username").values_list("username", flat=True)[:3])
        return _(
            "拒绝加载演示数据：数据库中有 %(count)d 个非演示账号（%(names)s 等）。演示数据带有公开"
            "的演示密码，只能加载到只含演示账号的数据库。"
        ) % {"count": count, "names": names}
    if (os.environ if environ is None else environ).get(DEMO_ENV) != "1":
        return _(
            "拒绝加载演示数据：请明确要求，设置环境变量 FAZHI_DEMO=1 后再运行（make demo 已设置）。"
        )
    return None


def import_rows(importer: type, headers: list[str], rows: list[list[Any]]) -> ImportReport:
    """Import ROWS (any cell type) under HEADERS with IMPORTER, acting as the demo."""
    table = Table(headers=headers, rows=[[str(cell) for cell in row] for row in rows])
    return import_table(importer(ACTOR), table)

"""``fazhi status [--json]``: is this installation healthy? (fazhi.core.status)

Exit code: 0 every check ok, 1 some check warns, 2 some check fails.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from fazhi.core import status

MARK = {status.OK: "ok  ", status.WARN: "WARN", status.FAIL: "FAIL"}


class Command(BaseCommand):
    help = (
        "Show the installation's health: database, rule packs, calendar, worker, last sweep, "
        "warnings, long actions, audit chain, uploads. Exit 0 ok, 1 warn, 2 fail."
    )
    requires_system_checks = ()  # a status must run anyway

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON object on stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        report = status.report()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            width = max(len(c.name) for c in report.checks)
            for check in report.checks:
                self.stdout.write(f"{MARK[check.state]}  {check.name:<{width}}  {check.reason}")
            self.stdout.write(
                _("总体状态：%(state)s（退出码 %(code)s）")
                % {"state": report.state, "code": report.exit_code}
            )
        sys.stdout.flush()
        sys.exit(report.exit_code)

"""`fazhi demo`: load the demo data set of 示例市公安局 and print the demo accounts."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core import demo, progress


class Command(BaseCommand):
    help = (
        "Load the deterministic demo data set (idempotent) and print the demo accounts. "
        "Runs only with FAZHI_DEMO=1 and on a database holding demo accounts only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tiny", action="store_true", help="A tiny tree (2 districts), for quick tries."
        )
        parser.add_argument("--no-laws", action="store_true", help="Do not run load_laws.")
        parser.add_argument(
            "--applications",
            type=int,
            default=None,
            metavar="N",
            help="How many 警快办 demo applications (default 100000; 2000 with --tiny; 0: none).",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="No progress on stderr (a bar on a terminal)."
        )
        parser.add_argument(
            "--json", action="store_true", help="Print what was loaded and the accounts as JSON."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        refused = demo.refusal()
        if refused:
            raise CommandError(refused)
        size = demo.TINY if options["tiny"] else demo.FULL
        if options["applications"] is not None:
            size = dataclasses.replace(size, applications=max(options["applications"], 0))
        with progress.reporting(progress.for_command(quiet=options["quiet"])):
            result = demo.load(size, on=timezone.localdate(), laws=not options["no_laws"])
        if options["json"]:
            self.stdout.write(json.dumps(as_json(result), ensure_ascii=False, default=str))
            return
        for name, report in result.reports.items():
            self.stdout.write(
                f"{name}: accepted={report.accepted} unchanged={report.unchanged} "
                f"rejected={len(report.rejected)}"
            )
        for name, count in result.created.items():
            self.stdout.write(f"{name}: created={count}")
        for note in result.notes:
            self.stderr.write(note)
        if not result.changed:
            self.stdout.write(_("演示数据已是最新，未作任何修改。"))
        self.stdout.write("")
        self.stdout.write(
            _("演示账号（密码均为 %(password)s）：") % {"password": demo.DEMO_PASSWORD}
        )
        rows = [(_("用户名"), _("角色"), _("数据范围"), _("对应民警"), _("密码"))]
        rows += [
            (a.username, a.role, a.scope, a.officer, demo.DEMO_PASSWORD) for a in result.accounts
        ]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row))
            )


def as_json(result: demo.DemoResult) -> dict[str, Any]:
    """What ``fazhi demo --json`` prints (the demo password is in docs/demo.md, not repeated)."""
    return {
        "reports": {name: report.as_dict() for name, report in result.reports.items()},
        "created": result.created,
        "notes": result.notes,
        "changed": result.changed,
        "accounts": [dataclasses.asdict(account) for account in result.accounts],
    }


def _width(text: str) -> int:
    """Return the display width of TEXT in a terminal (CJK characters take two columns)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

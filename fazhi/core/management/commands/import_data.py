"""`fazhi import units|officers|items FILE` and `fazhi import template KIND FILE`."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fazhi.core import progress
from fazhi.core.importing import (
    SYSTEM_ACTOR,
    ImportFileError,
    ImportReport,
    import_file,
    importers,
)
from fazhi.core.importing import write_template as write_template_file
from fazhi.core.roles import Capability

# Exit codes: 0 the import ran, 1 --strict and a row was rejected, 2 the file could not be used.
EXIT_REJECTED = 1
EXIT_FILE = 2


class Command(BaseCommand):
    help = (
        "Import units, officers or enforcement items from CSV/XLSX (idempotent; every rejected "
        "row is reported). `template KIND FILE` writes an empty file with the Chinese headers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=[*importers(), "template"])
        parser.add_argument("paths", nargs="+", metavar="FILE", help="FILE, or KIND FILE")
        parser.add_argument("--dry-run", action="store_true", help="Write nothing; report.")
        parser.add_argument(
            "--strict", action="store_true", help="Write nothing when any row is rejected."
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument(
            "--quiet", action="store_true", help="No progress on stderr (a bar on a terminal)."
        )
        parser.add_argument(
            "--actor",
            metavar="USERNAME",
            help="The person who runs the import, named in the audit log (default system:import).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "template":
            return self.write_template(options["paths"])
        if len(options["paths"]) != 1:
            raise CommandError(_("请只给出一个文件。"), returncode=EXIT_FILE)
        importer = importers()[options["what"]](actor_named(options["actor"]))
        try:
            with progress.reporting(progress.for_command(quiet=options["quiet"])):
                progress.stage(_("导入 %(path)s") % {"path": options["paths"][0]})
                report = import_file(
                    importer,
                    options["paths"][0],
                    dry_run=options["dry_run"],
                    strict=options["strict"],
                )
        except ImportFileError as error:
            raise CommandError(str(error), returncode=EXIT_FILE) from error

        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self.print_table(report, dry_run=options["dry_run"])
        if options["strict"] and report.rejected:
            raise CommandError(
                _("有%(count)d行被拒绝，按 --strict 未写入任何数据。")
                % {"count": len(report.rejected)},
                returncode=EXIT_REJECTED,
            )

    def print_table(self, report: ImportReport, *, dry_run: bool) -> None:
        self.stdout.write(
            _("接受 %(accepted)d 行，未变化 %(unchanged)d 行，拒绝 %(rejected)d 行。")
            % {
                "accepted": report.accepted,
                "unchanged": report.unchanged,
                "rejected": len(report.rejected),
            }
        )
        if dry_run:
            self.stdout.write(_("试运行（--dry-run）：未写入任何数据。"))
        if not report.rejected:
            return
        rows = [(_("行"), _("字段"), _("原因"))] + [
            (str(r.row), r.field or "-", r.reason) for r in report.as_rejections()
        ]
        width = [max(len(row[i]) for row in rows) for i in range(2)]
        for row in rows:
            self.stdout.write(f"{row[0]:>{width[0]}}  {row[1]:<{width[1]}}  {row[2]}")

    def write_template(self, paths: list[str]) -> None:
        known = importers()
        if len(paths) != 2 or paths[0] not in known:
            raise CommandError(
                _("用法：fazhi import template units|officers|items FILE"), returncode=EXIT_FILE
            )
        importer = known[paths[0]]
        try:
            write_template_file(importer.columns, paths[1])
        except ImportFileError as error:
            raise CommandError(str(error), returncode=EXIT_FILE) from error
        self.stdout.write(_("已写入模板 %(path)s。") % {"path": paths[1]})


def actor_named(username: str | None) -> Any:
    """Return the user named USERNAME who may import reference data, or the system actor."""
    if not username:
        return SYSTEM_ACTOR
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(
            _("用户 %(username)s 不存在或已停用。") % {"username": username}, returncode=EXIT_FILE
        )
    if not user.has_capability(Capability.IMPORT_REFERENCE_DATA):
        raise CommandError(
            _("用户 %(username)s 无权导入基础数据。") % {"username": username},
            returncode=EXIT_FILE,
        )
    return user

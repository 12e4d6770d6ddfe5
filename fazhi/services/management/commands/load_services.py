"""`fazhi load_services [--items FILE] [--bundles FILE]`: load the 警快办 catalogue (idempotent)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fazhi.services.catalogue import (
    BUNDLES_FILE,
    ITEMS_FILE,
    CatalogueFileError,
    load_catalogue,
)

EXIT_REJECTED = 1
EXIT_FILE = 2


class Command(BaseCommand):
    help = (
        "Load the 警快办 service items and 一件事 bundles from YAML (idempotent; every rejected "
        "entry is reported with its field and reason)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--items", default=str(ITEMS_FILE), metavar="FILE")
        parser.add_argument("--bundles", default=str(BUNDLES_FILE), metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="Write nothing; report.")
        parser.add_argument("--strict", action="store_true", help="Write nothing on a rejection.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_catalogue(
                "system:import",
                items_path=options["items"],
                bundles_path=options["bundles"] or None,
                dry_run=options["dry_run"],
                strict=options["strict"],
            )
        except CatalogueFileError as error:
            raise CommandError(str(error), returncode=EXIT_FILE) from error
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            for label, part in ((_("事项"), report.items), (_("一件事"), report.bundles)):
                self.stdout.write(
                    _(
                        "%(label)s：接受 %(accepted)d 条，未变化 %(unchanged)d 条，拒绝 %(rejected)d 条。"
                    )
                    % {
                        "label": label,
                        "accepted": part.accepted,
                        "unchanged": part.unchanged,
                        "rejected": len(part.rejected),
                    }
                )
                for r in part.as_rejections():
                    self.stdout.write(f"  {r.row:>4}  {r.field or '-'}  {r.reason}")
            self.stdout.write(
                _("依据条款：关联 %(linked)d 处，仅文字 %(text)d 处，无法解析 %(unresolved)d 处。")
                % {
                    "linked": report.linked,
                    "text": report.text_only,
                    "unresolved": len(report.unresolved),
                }
            )
        rejected = report.items.rejected or report.bundles.rejected
        if options["strict"] and rejected:
            raise CommandError(
                _("有条目被拒绝，按 --strict 未写入任何数据。"), returncode=EXIT_REJECTED
            )

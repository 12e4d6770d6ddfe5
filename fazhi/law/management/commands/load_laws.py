"""`fazhi load_laws [FILE] [--label LABEL] [--dry-run]`: load the laws, or one official text.

Without FILE: every law, version and provision of the manifest (fazhi/law/data/laws.yaml).
With FILE: one official statute text (Markdown statute format, fazhi/law/statutes.py) as the
text of its version — the first step of verifying a version known only from a summary, such as
the 2025 治安管理处罚法 (rules/discretion/README.md, "Verifying the 2025 text").
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fazhi.law import loader


class Command(BaseCommand):
    help = "Load the laws the product ships (fazhi/law/data/laws.yaml), or one statute FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            type=Path,
            help="an official statute text (Markdown) for a version listed in the manifest",
        )
        parser.add_argument(
            "--label",
            help="the version label of FILE (default: the date in its name)",
        )
        parser.add_argument(
            "--manifest", type=Path, default=loader.MANIFEST, help="the law manifest (YAML)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count, then write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = "[dry run] " if options["dry_run"] else ""
        try:
            if options["file"] is not None:
                report, code, label = loader.load_statute_file(
                    options["file"],
                    label=options["label"],
                    manifest=options["manifest"],
                    dry_run=options["dry_run"],
                )
                self.stdout.write(
                    f"{prefix}{code} {label}: verified text from {options['file'].name}"
                )
            else:
                if options["label"]:
                    raise CommandError("--label goes with FILE")
                report = loader.load_laws(options["manifest"], dry_run=options["dry_run"])
        except loader.ManifestError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{prefix}laws: {report.laws}")
        self.stdout.write(f"{prefix}versions: {report.versions}")
        self.stdout.write(f"{prefix}provisions: {report.provisions}")
        for stale in report.stale:
            self.stderr.write(f"stale (kept, no longer in the data): {stale}")

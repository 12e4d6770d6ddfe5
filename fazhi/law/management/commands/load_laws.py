"""`fazhi load_laws [--dry-run]`: load the shipped laws, versions and provisions."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhi.law import loader


class Command(BaseCommand):
    help = "Load the laws the product ships (fazhi/law/data/laws.yaml); idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--manifest", type=Path, default=loader.MANIFEST, help="the law manifest (YAML)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count, then write nothing")

    def handle(self, *args, **options):
        try:
            report = loader.load_laws(options["manifest"], dry_run=options["dry_run"])
        except loader.ManifestError as exc:
            raise CommandError(str(exc)) from exc
        prefix = "[dry run] " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}laws: {report.laws}")
        self.stdout.write(f"{prefix}versions: {report.versions}")
        self.stdout.write(f"{prefix}provisions: {report.provisions}")
        for stale in report.stale:
            self.stderr.write(f"stale (kept, no longer in the data): {stale}")

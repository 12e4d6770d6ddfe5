"""`fazhi scan`: the warning sweep now — exactly what the periodic task runs (ADR 0014)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from fazhi.core import warnings


class Command(BaseCommand):
    help = (
        "Run the warning sweep now: every warning rule over all cases and applications (open,"
        " close and escalate warnings, each rule in its own transaction), then escalate"
        " unanswered supervision orders."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            # The same sweep inside one transaction that is rolled back (each rule's own
            # transaction becomes a savepoint).
            with transaction.atomic():
                result = warnings.sweep(timezone.now())
                transaction.set_rollback(True)
        else:
            result = warnings.sweep(timezone.now())
        prefix = "dry run: " if options["dry_run"] else ""
        for name, counts in sorted(result.sources.items()):
            for code, (opened, closed, escalated) in sorted(counts.by_rule.items()):
                self.stdout.write(
                    f"  {name} {code}: opened={opened} closed={closed} escalated={escalated}"
                )
            for note in counts.skipped:
                self.stdout.write(f"  {name} skipped {note}")
            self.stdout.write(
                f"{prefix}{name}: opened={counts.opened} closed={counts.closed}"
                f" escalated={counts.escalated}"
            )
        for step, count in sorted(result.steps.items()):
            self.stdout.write(f"{prefix}{step}={count}")

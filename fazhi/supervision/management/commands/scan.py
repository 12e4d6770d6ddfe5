"""`fazhi scan`: the warning sweep now — exactly what the periodic task runs (ADR 0014).

Progress on stderr (fazhi.core.progress: a bar on a terminal, a line per source elsewhere,
nothing with ``--quiet``); ``--json`` prints what changed as one JSON object on stdout.
"""

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from fazhi.core import progress, warnings


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
        parser.add_argument(
            "--json", action="store_true", help="Print what changed as JSON on stdout."
        )
        parser.add_argument(
            "--quiet", action="store_true", help="No progress on stderr (a bar on a terminal)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with progress.reporting(progress.for_command(quiet=options["quiet"])):
            if options["dry_run"]:
                # The same sweep inside one transaction that is rolled back (each rule's own
                # transaction becomes a savepoint).
                with transaction.atomic():
                    result = warnings.sweep(timezone.now())
                    transaction.set_rollback(True)
            else:
                result = warnings.sweep(timezone.now())
        if options["json"]:
            self.stdout.write(
                json.dumps(as_json(result, options["dry_run"], time.monotonic() - started))
            )
            return
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


def as_json(result: warnings.SweepResult, dry_run: bool, seconds: float) -> dict[str, Any]:
    """What ``fazhi scan --json`` prints: the totals, each source by rule, the steps."""
    return {
        "dry_run": dry_run,
        "seconds": round(seconds, 3),
        "opened": result.opened,
        "closed": result.closed,
        "escalated": result.escalated,
        "sources": {
            name: {
                "opened": counts.opened,
                "closed": counts.closed,
                "escalated": counts.escalated,
                "by_rule": {
                    code: {"opened": o, "closed": c, "escalated": e}
                    for code, (o, c, e) in sorted(counts.by_rule.items())
                },
                "skipped": counts.skipped,
            }
            for name, counts in sorted(result.sources.items())
        },
        "steps": dict(sorted(result.steps.items())),
    }

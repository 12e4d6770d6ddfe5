"""`fazhi rules test`: load every rule pack under rules/, resolve its citations, run its examples."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fazhi.core.rulepacks import run_all


class Command(BaseCommand):
    help = "Run the example cases of every rule file under rules/ (fazhi rules test)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        test = sub.add_parser("test", help="Run every example; exit 1 on any failure or error.")
        test.add_argument(
            "--verbose", action="store_true", help="print every example, not only failures"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = run_all(settings.RULES_DIR)
        for result in run.results:
            if options["verbose"] or not result.passed:
                mark = "PASS" if result.passed else "FAIL"
                self.stdout.write(
                    f"{mark} {result.file} · {result.name}"
                    + (f" — {result.detail}" if not result.passed else "")
                )
        for error in run.errors:
            self.stderr.write(f"ERROR {error}")
        width = max((len(folder) for folder in run.kinds), default=0)
        for folder, count in sorted(run.kinds.items()):
            self.stdout.write(
                f"{folder:<{width}}  files {count.files:>2} · rules {count.rules:>4} · "
                f"citations {count.citations:>4} · examples {count.passed:>3} passed, "
                f"{count.failed} failed"
                + (f" · {count.errors} file error(s)" if count.errors else "")
                + f"  ({count.title})"
            )
        self.stdout.write(f"rules: {run.passed} passed, {run.failed} failed")
        if not run.results and not run.errors:
            raise CommandError("no rule examples found: a rule pack without examples is not tested")
        if not run.ok:
            raise CommandError(f"{run.failed} example(s) failed, {len(run.errors)} file error(s)")

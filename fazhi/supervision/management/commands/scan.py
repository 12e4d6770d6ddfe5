from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from fazhi.supervision import scan


class Command(BaseCommand):
    help = "Evaluate every warning rule over all cases now; open, close and escalate warnings."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change, write nothing"
        )

    def handle(self, *args, **options) -> None:
        from fazhi.services import alerts  # the 警快办 deadline warnings, on the same schedule

        with transaction.atomic():
            result = scan.run(timezone.now())
            services = alerts.run()
            if options["dry_run"]:
                transaction.set_rollback(True)
        for code, (opened, closed, escalated) in sorted(result.by_rule.items()):
            self.stdout.write(f"  {code}: opened={opened} closed={closed} escalated={escalated}")
        for note in result.skipped:
            self.stdout.write(f"  skipped {note}")
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}opened={result.opened} closed={result.closed} escalated={result.escalated}"
        )
        self.stdout.write(
            f"{prefix}services: opened={services.opened} closed={services.closed}"
            f" escalated={services.escalated}"
        )

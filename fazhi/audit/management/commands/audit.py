"""``fazhi audit verify`` and ``fazhi audit prune --before YYYY-MM-DD --by USERNAME``."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fazhi.audit import retention
from fazhi.core.errors import FazhiError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--before {value!r} is not a date in the form YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Verify the audit chain, or prune entries older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("verify", help="Check the whole hash chain; exit 1 when it is broken.")
        prune = sub.add_parser(
            "prune", help="Remove entries dated before a day at least the retention period ago."
        )
        prune.add_argument("--before", required=True, help="YYYY-MM-DD (Asia/Shanghai)")
        prune.add_argument(
            "--by", required=True, help="username of the 审计管理员 who orders the prune"
        )
        prune.add_argument("--dry-run", action="store_true", help="count, remove nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "verify":
            self.verify()
        else:
            self.prune(_date(options["before"]), options["by"], options["dry_run"])

    def verify(self) -> None:
        from fazhi.audit.status import verify_and_record

        result = verify_and_record()  # fazhi status shows when and with what result
        if result.ok:
            self.stdout.write(f"ok: {result.checked} entries")
            return
        self.stdout.write(f"BROKEN at entry #{result.first_broken_id}: {result.reason}")
        sys.exit(1)

    def prune(self, before: dt.date, username: str, dry_run: bool) -> None:
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"--by {username!r}: no active user with that username")
        try:
            result = retention.prune(before, actor=actor, dry_run=dry_run)
        except FazhiError as exc:
            basis = f" ({exc.basis})" if exc.basis else ""
            raise CommandError(f"{exc}{basis}") from exc
        verb = "would prune" if dry_run else "pruned"
        self.stdout.write(f"{verb}={result.pruned} before={before.isoformat()}")

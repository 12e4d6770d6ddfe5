"""``fazhi token issue USERNAME --name NAME [--by ADMIN]``: issue an API token, printed once."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fazhi.core.roles import Capability
from fazhi.org.models import User
from fazhi.org.tokens import issue_token


def _active_user(username: str, option: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"{option} {username!r}: no active user with that username")
    return user


class Command(BaseCommand):
    help = "Issue an API token for a user and print it once (only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        issue = sub.add_parser("issue", help="Issue a token for USERNAME.")
        issue.add_argument("username")
        issue.add_argument("--name", required=True, help="what the token is for")
        issue.add_argument(
            "--by",
            help="the person issuing it (a 系统管理员, or USERNAME itself), recorded in the "
            "audit log; without it the log records the operating-system account that ran "
            "the command, as system:cli:<account>.",
        )
        issue.add_argument("--days", type=int, default=90, help="validity; 0 = no expiry")

    def handle(self, *args: Any, **options: Any) -> None:
        user = _active_user(options["username"], "USERNAME")
        actor: User | str = f"system:cli:{getpass.getuser()}"
        if options["by"]:
            actor = _active_user(options["by"], "--by")
            if actor.pk != user.pk and not actor.has_capability(Capability.MANAGE_ACCOUNTS):
                raise CommandError(
                    f"--by {actor.username!r}: only a 系统管理员 issues tokens for another user"
                )
        if options["days"] < 0:
            raise CommandError(f"--days {options['days']}: must be 0 (no expiry) or more")
        token = issue_token(user, options["name"], actor=actor, valid_days=options["days"] or None)
        self.stdout.write(token)

"""`fazhi calendar`: which years the working-day calendar knows; `fazhi calendar add`: count a
period; `fazhi calendar refresh`: re-date every running deadline after the calendar data changed."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fazhi.core.calendar import CalendarFileError, WorkCalendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.periods import PeriodUnit, add_period


def _parse_start(raw: str) -> dt.date | dt.datetime:
    try:
        if "T" in raw or " " in raw.strip():
            value = dt.datetime.fromisoformat(raw)
            return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(
            f"--from {raw!r} is neither a date (YYYY-MM-DD) nor a date-time (YYYY-MM-DDTHH:MM)"
        ) from None


class Command(BaseCommand):
    help = "Show the years the working-day calendar knows, or count a period: calendar add --from …"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action")
        add = sub.add_parser(
            "add", help="Count AMOUNT units from a date and print the end and the rule."
        )
        add.add_argument(
            "--from", dest="start", required=True, help="YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        )
        add.add_argument("--amount", type=int, required=True)
        add.add_argument("--unit", choices=[u.value for u in PeriodUnit], required=True)
        add.add_argument(
            "--liberty", action="store_true", help="a period restricting personal liberty"
        )
        add.add_argument("--json", action="store_true")
        refresh = sub.add_parser(
            "refresh",
            help="Re-date every running deadline on the current calendar data (after a new "
            "rules/calendar/YYYY.yaml) and audit each change.",
        )
        refresh.add_argument(
            "--dry-run", action="store_true", help="Show what would move; write nothing."
        )
        refresh.add_argument(
            "--by", metavar="USERNAME", help="The account the change is audited under."
        )

    def handle(self, *args, **options):
        try:
            calendar = WorkCalendar.load()
        except CalendarFileError as exc:
            raise CommandError(str(exc)) from None
        if options.get("action") == "add":
            return self._add(calendar, options)
        if options.get("action") == "refresh":
            return self._refresh(calendar, options)
        this_year = timezone.localdate().year
        known = sorted(calendar.known_years)
        self.stdout.write(f"known years: {known[0]}–{known[-1]}" if known else "known years: none")
        self.stdout.write("sources: " + ", ".join(calendar.sources))
        missing = [y for y in (this_year, this_year + 1) if not calendar.is_known(y)]
        for year in missing:
            self.stdout.write(
                f"MISSING: {year} — deadlines reaching {year} are counted on weekends alone and "
                f"marked provisional; add rules/calendar/{year}.yaml from the State Council notice."
            )
        return None

    def _add(self, calendar: WorkCalendar, options) -> None:
        if options["amount"] < 1:
            raise CommandError(f"--amount must be at least 1, not {options['amount']}")
        start = _parse_start(options["start"])
        try:
            period = add_period(
                start,
                options["amount"],
                options["unit"],
                liberty=options["liberty"],
                calendar=calendar,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        end = period.end.isoformat()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "end": end,
                        "due_at": period.due_at.isoformat(),
                        "rule": period.explain(),
                        "basis": period.basis,
                        "provisional": period.is_provisional,
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(f"end: {end}" + ("  (PROVISIONAL)" if period.is_provisional else ""))
        self.stdout.write(f"rule: {period.explain()}")

    def _refresh(self, calendar: WorkCalendar, options) -> None:
        from fazhi.cases.deadlines import redate_all
        from fazhi.core import calendar as calendar_module
        from fazhi.org.models import User

        actor: User | str = "system:calendar"
        if options["by"]:
            actor = User.objects.filter(username=options["by"], is_active=True).first()
            if actor is None:
                raise CommandError(f"--by {options['by']!r}: no active account of that name")
        calendar_module.default_calendar.cache_clear()
        result = redate_all(
            actor=actor, at=timezone.now(), calendar=calendar, dry_run=options["dry_run"]
        )
        for number, code, before, after in result.moves[:50]:
            self.stdout.write(
                f"{number} {code}: {before.astimezone(SHANGHAI):%Y-%m-%d %H:%M} → "
                f"{after.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
            )
        if len(result.moves) > 50:
            self.stdout.write(f"… and {len(result.moves) - 50} more")
        verb = "would move" if options["dry_run"] else "moved"
        self.stdout.write(
            f"{result.cases} open cases with running deadlines checked; {result.moved} deadlines "
            f"{verb}, {result.settled} no longer provisional, {result.changed} changed in all"
            + (" (dry run: nothing written)" if options["dry_run"] else "")
        )

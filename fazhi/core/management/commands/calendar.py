"""`fazhi calendar`: which years the working-day calendar knows; `fazhi calendar add`: count a
period; `fazhi calendar import FILE`: enter a year's State Council notice and re-date every running
deadline; `fazhi calendar refresh`: re-date every running deadline after the calendar data changed.

The re-dating is done by the apps that own deadlines (``fazhi.core.calendar.on_calendar_change``);
this command only lists what they moved.
"""

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fazhi.core import calendar as calendar_module
from fazhi.core import progress
from fazhi.core.calendar import CalendarFileError, Redating, WorkCalendar
from fazhi.core.clock import SHANGHAI
from fazhi.core.periods import PeriodUnit, add_period

SHOWN = 50  # moves listed per app; the rest are counted


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


def _output_options(parser: CommandParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="Print what moved as JSON on stdout (every move)."
    )
    parser.add_argument(
        "--quiet", action="store_true", help="No progress on stderr (a bar on a terminal)."
    )


def _redating_json(part: Redating) -> dict[str, Any]:
    return {
        "label": str(part.label),
        "checked": part.checked,
        "moved": len(part.moves),
        "settled": part.settled,
        "changed": part.changed,
        "moves": [
            {
                "kind": m.kind,
                "ref": m.ref,
                "what": m.what,
                "before": m.before_text,
                "after": m.after_text,
            }
            for m in part.moves
        ],
    }


class Command(BaseCommand):
    help = (
        "Show the years the working-day calendar knows, count a period (calendar add --from …), "
        "enter a year's holiday notice (calendar import FILE) or re-date every running deadline "
        "(calendar refresh)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
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
        imp = sub.add_parser(
            "import",
            help="Check a year's notice (YAML in the rules/calendar format), write it as "
            "rules/calendar/YYYY.yaml, audit it and re-date every running deadline.",
        )
        imp.add_argument("file", help="the notice as YAML (year, holidays, workdays)")
        imp.add_argument("--number", help="the notice's number, e.g. 国办发明电〔2026〕12号")
        imp.add_argument("--date", dest="issued", help="the day the notice was issued (YYYY-MM-DD)")
        imp.add_argument(
            "--replace", action="store_true", help="replace the year's notice entered before"
        )
        imp.add_argument(
            "--dry-run", action="store_true", help="Check and show what would move; write nothing."
        )
        imp.add_argument(
            "--by", metavar="USERNAME", help="The account the import is audited under."
        )
        _output_options(imp)
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
        _output_options(refresh)

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") == "import":
            self._import(options)
            return
        try:
            calendar = WorkCalendar.load()
        except CalendarFileError as exc:
            raise CommandError(str(exc)) from None
        if options.get("action") == "add":
            self._add(calendar, options)
            return
        if options.get("action") == "refresh":
            self._refresh(calendar, options)
            return
        this_year = timezone.localdate().year
        known = sorted(calendar.known_years)
        self.stdout.write(f"known years: {known[0]}–{known[-1]}" if known else "known years: none")
        self.stdout.write("sources: " + ", ".join(calendar.sources))
        for year, notice in sorted(calendar.notices.items()):
            if notice.number:
                self.stdout.write(f"{year}: {notice.number} ({notice.date}) — {notice.file}")
        missing = [y for y in (this_year, this_year + 1) if not calendar.is_known(y)]
        for year in missing:
            self.stdout.write(
                f"MISSING: {year} — deadlines reaching {year} count the statutory holidays of "
                f"全国年节及纪念日放假办法 and weekends, not the year's 调休, and are marked "
                f"provisional; enter the State Council notice with `fazhi calendar import FILE` "
                f"(or the calendar screen)."
            )
        return None

    def _add(self, calendar: WorkCalendar, options: dict[str, Any]) -> None:
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

    def _actor(self, username: str | None) -> Any:
        from django.contrib.auth import get_user_model

        if not username:
            return "system:calendar"
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"--by {username!r}: no active account of that name")
        return actor

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot be read: {exc}") from None
        issued = None
        if options["issued"]:
            try:
                issued = dt.date.fromisoformat(options["issued"])
            except ValueError:
                raise CommandError(
                    f"--date {options['issued']!r} is not a date (YYYY-MM-DD)"
                ) from None
        actor = self._actor(options["by"])
        try:
            parsed = calendar_module.read_notice(
                text, path.name, number=options["number"], issued=issued
            )
            with progress.reporting(progress.for_command(quiet=options["quiet"])):
                result = calendar_module.import_notice(
                    parsed,
                    actor=actor,
                    at=timezone.now(),
                    replace=options["replace"],
                    dry_run=options["dry_run"],
                )
        except CalendarFileError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "year": parsed.year,
                        "path": str(result.path),
                        "replaced": result.replaced,
                        "dry_run": result.dry_run,
                        "redated": [_redating_json(part) for part in result.redated],
                    },
                    ensure_ascii=False,
                )
            )
            return
        if result.dry_run:
            self.stdout.write(f"{path.name}: {parsed.year} checked (dry run: nothing written)")
        else:
            verb = "replaced" if result.replaced else "written"
            self.stdout.write(f"{result.path}: {verb}; the {parsed.year} notice is in force")
        self._report(result.redated, options["dry_run"])

    def _refresh(self, calendar: WorkCalendar, options: dict[str, Any]) -> None:
        actor = self._actor(options["by"])
        calendar_module.default_calendar.cache_clear()
        with progress.reporting(progress.for_command(quiet=options["quiet"])):
            redated = calendar_module.redate_everything(
                actor=actor, at=timezone.now(), calendar=calendar, dry_run=options["dry_run"]
            )
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "dry_run": options["dry_run"],
                        "redated": [_redating_json(part) for part in redated],
                    },
                    ensure_ascii=False,
                )
            )
            return
        self._report(redated, options["dry_run"])

    def _report(self, redated: list[Redating], dry_run: bool) -> None:
        verb = "would move" if dry_run else "moved"
        for part in redated:
            for move in part.moves[:SHOWN]:
                self.stdout.write(f"{move.ref} {move.what}: {move.before_text} → {move.after_text}")
            if len(part.moves) > SHOWN:
                self.stdout.write(f"… and {len(part.moves) - SHOWN} more")
            self.stdout.write(
                f"{part.label}: {part.checked} with running deadlines checked; "
                f"{len(part.moves)} deadlines {verb}, {part.settled} no longer provisional, "
                f"{part.changed} changed in all"
                + (" (dry run: nothing written)" if dry_run else "")
            )

"""`fazhi i18n extract-data`: write the strings of the rule files that are translated at render
time into fazhi/core/data_msgids.py, for `fazhi makemessages` (fazhi.core.data_i18n);
`--check` only says whether the module is out of date (exit 1 when it is)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fazhi.core import data_i18n


class Command(BaseCommand):
    help = (
        "extract-data: write the rule files' names and messages that the UI translates into "
        "fazhi/core/data_msgids.py, for makemessages (--check: fail when it is out of date)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["extract-data"])
        parser.add_argument("--check", action="store_true", help="only check, write nothing")

    def handle(self, *args: object, **options: object) -> None:
        path = data_i18n.GENERATED.relative_to(data_i18n.GENERATED.parents[2])
        if options["check"]:
            if data_i18n.render() != _current():
                raise CommandError(f"{path} is out of date: run `fazhi i18n extract-data`.")
            self.stdout.write(f"{path} is up to date.")
            return
        count = sum(len(m) for _s, m in data_i18n.collect())
        changed = data_i18n.write()
        self.stdout.write(f"{path}: {count} msgids{'' if changed else ' (unchanged)'}.")
        if changed:
            self.stdout.write("Next: fazhi makemessages -l en --no-obsolete, then translate.")


def _current() -> str:
    path = data_i18n.GENERATED
    return path.read_text(encoding="utf-8") if path.exists() else ""

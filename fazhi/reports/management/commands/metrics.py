"""``fazhi metrics list [--json]`` and ``fazhi metrics show CODE [--from …] [--to …] [--unit …]
[--as USERNAME] [--json]``: the registered metrics, and one figure with its numerator,
denominator and written formula (docs/metrics.md).

Without ``--as`` the command is the operator's: it sees the whole city. With ``--as USERNAME``
it sees what that user's scope shows (``visible_to``). Bad input (an unknown code, user or unit,
a bad day, an end before the start, a day outside 1949-10-01..2100-12-31) prints one line on
stderr, in Chinese or English after the environment's locale, and exits with status 2.
"""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fazhi.core.errors import FazhiError
from fazhi.reports import figures

EXIT_BAD_INPUT = 2


def language_of_environment(environ: Mapping[str, str] | None = None) -> str:
    """The UI language the shell asks for: LANGUAGE, LC_ALL, LC_MESSAGES, LANG (in that order,
    as gettext reads them); "en…" gives English, "zh…" Chinese, anything else the default."""
    variables = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = (variables.get(name) or "").strip().lower()
        if not value:
            continue
        if value.startswith("en"):
            return "en"
        if value.startswith("zh"):
            return "zh-hans"
        if name != "LANGUAGE":  # "C", "POSIX": the first locale variable set decides
            break
    return str(settings.LANGUAGE_CODE)


def _width(text: str) -> int:
    """The display width of TEXT in a terminal (CJK characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(rows: list[list[str]]) -> list[str]:
    """ROWS as lines of columns padded to their widest cell."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


class BadInput(Exception):
    """One line for stderr; the command exits with status 2."""


class Command(BaseCommand):
    help = (
        "List the registered metrics, or show one metric's figure for a period and a unit "
        "(numerator, denominator, written formula)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        listing = sub.add_parser("list", help="Every registered metric: code, name, formula.")
        listing.add_argument("--json", action="store_true", help="Print a JSON list.")
        show = sub.add_parser("show", help="One metric's figure for a period and a unit.")
        show.add_argument("code", metavar="CODE", help="the metric's code (see `metrics list`)")
        show.add_argument(
            "--from", dest="start", metavar="YYYY-MM-DD", help="first day (default: 1 January)"
        )
        show.add_argument(
            "--to", dest="end", metavar="YYYY-MM-DD", help="last day (default: today)"
        )
        show.add_argument(
            "--unit",
            metavar="UNIT_CODE",
            help="the unit (with its subtree); default the city, or the --as user's scope unit",
        )
        show.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="compute within this user's scope (default: the operator, city-wide)",
        )
        show.add_argument("--json", action="store_true", help="Print the figure as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(language_of_environment()):
            try:
                if options["verb"] == "list":
                    self.list(options["json"])
                else:
                    self.show(options)
            except (BadInput, FazhiError) as exc:
                self.stderr.write(str(exc).replace("\n", " "))
                sys.exit(EXIT_BAD_INPUT)

    def list(self, as_json: bool) -> None:
        rows = figures.catalogue()
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        head = [_("代码"), _("名称"), _("计量单位"), _("所属应用"), _("公式")]
        body = [[r["code"], r["name"], r["unit"], r["app"], r["formula"]] for r in rows]
        for line in table([head, *body]):
            self.stdout.write(line)

    def show(self, options: dict[str, Any]) -> None:
        user = self._user(options["as_user"]) if options["as_user"] else None
        result = figures.figure(
            options["code"],
            start=options["start"],
            end=options["end"],
            unit_code=options["unit"],
            user=user,
            today=timezone.localdate(),
        ).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        if result["value"] is None:
            value = _("—（分母为 0，无数值）")
        else:
            value = f"{result['value']} {result['unit']}"
        rows = [
            [_("指标"), f"{result['code']}  {result['name']}"],
            [_("数值"), value],
            [_("分子"), str(result["numerator"])],
            [_("分母"), str(result["denominator"])],
            [_("公式"), result["formula"]],
            [_("期间"), f"{result['period']['from']} — {result['period']['to']}"],
            [_("范围"), f"{result['scope']['code']}  {result['scope']['name']}"],
            [_("明细"), result["records"]],
        ]
        for line in table(rows):
            self.stdout.write(line)

    def _user(self, username: str) -> Any:
        from fazhi.org.models import User

        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise BadInput(_("没有启用的用户 %(username)s。") % {"username": username})
        return user

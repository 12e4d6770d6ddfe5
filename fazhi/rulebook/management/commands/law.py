"""`fazhi law impact LAW --from VERSION --to VERSION [--json] [--open-tasks]`: what a change of
law touches — every citer of a changed, removed or (new text unverified) unresolved provision,
with the old and the new text (fazhi/rulebook/impact.py)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fazhi.core.errors import FazhiError
from fazhi.rulebook import impact

WIDTH = 60


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= WIDTH else flat[: WIDTH - 1] + "…"


class Command(BaseCommand):
    help = "What a change of law touches: `law impact LAW --from VERSION --to VERSION`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "impact",
            help="List every citer of a provision changed or removed between two versions.",
        )
        imp.add_argument("law", help="the law's code, full or short title (治安管理处罚法)")
        imp.add_argument("--from", dest="old", required=True, help="the old version's label")
        imp.add_argument("--to", dest="new", required=True, help="the new version's label")
        imp.add_argument("--json", action="store_true")
        imp.add_argument(
            "--open-tasks",
            action="store_true",
            help="record the change and open one review task per owner (idempotent)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rep = impact.report_for(options["law"], options["old"], options["new"])
        except FazhiError as error:
            raise CommandError(str(error)) from None
        opened = None
        if options["open_tasks"]:
            opened = impact.open_tasks(rep, actor="system:cli")
        if options["json"]:
            data = rep.as_dict()
            if opened is not None:
                data["tasks"] = {
                    "opened": opened.opened,
                    "kept": opened.kept,
                    "settled": opened.settled,
                }
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self._print(rep)
        if opened is not None:
            self.stdout.write(
                f"tasks: opened={opened.opened} kept={opened.kept} settled={opened.settled}"
            )

    def _print(self, rep: impact.Report) -> None:
        w = self.stdout.write
        mark = "" if rep.new.is_verified else "  [新版本未核实 / new text unverified]"
        w(f"《{rep.law.title}》 {rep.old.label} → {rep.new.label}{mark}")
        for status in (impact.CHANGED, impact.REMOVED, impact.UNRESOLVED):
            rows = rep.of(status)
            if not rows:
                continue
            w("")
            w(f"== {impact.STATUS_LABELS[status]} ({status}): {len(rows)} provisions")
            for touched in rows:
                w(f"- {touched.old.citation}")
                w(f"    old: {_short(touched.old.text)}")
                if touched.new is not None:
                    flag = "" if touched.new.verified else " [未核实]"
                    w(f"    new: {_short(touched.new.text)}{flag}")
                for citer in touched.citers:
                    w(f"    · {citer.owner_label} — {citer.unit} — {citer.where}")
        w("")
        counts = " ".join(f"{s}={len(rep.of(s))}" for s in impact.STATUS_LABELS)
        w(
            f"citations read={rep.citations_read} of this law={rep.of_law} {counts} "
            f"unchanged={rep.unchanged} other_version={rep.other_version} "
            f"ended_before={rep.ended_before} not_in_old={len(rep.not_in_old)} "
            f"owners={len(rep.owners)}"
        )

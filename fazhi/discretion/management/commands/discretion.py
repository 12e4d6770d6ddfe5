"""`fazhi discretion`: decide a case from its facts, list the offences, confirm a rule."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fazhi.core.errors import FazhiError
from fazhi.core.rulepacks import RulePackError
from fazhi.discretion import engine
from fazhi.discretion.confirmations import confirm_rule, confirmed_rule_keys


def _date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Recommend a penalty from the discretion packs, list offences, confirm a rule."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        decide = sub.add_parser("decide", help="Recommend the penalty for one case's facts.")
        decide.add_argument("offence", help="offence code (fazhi discretion offences)")
        decide.add_argument("--facts", required=True, help="a JSON file of facts, or - for stdin")
        decide.add_argument("--act-date", required=True, help="YYYY-MM-DD")
        decide.add_argument("--decision-date", required=True, help="YYYY-MM-DD")
        decide.add_argument("--json", action="store_true", help="print the decision as JSON")
        listing = sub.add_parser("offences", help="List the offence codes, versions and facts.")
        listing.add_argument("--json", action="store_true")
        confirm = sub.add_parser("confirm", help="Record a legal officer's confirmation of a rule.")
        confirm.add_argument("pack", help="pack file name without .yaml, e.g. zaglcff-2025")
        confirm.add_argument("rule", help="rule id, e.g. za.beat/一般 or penalised-within-1-year")
        confirm.add_argument("--user", required=True, help="the legal officer's username")
        confirm.add_argument("--source", required=True, help="the official text checked")
        confirm.add_argument("--note", default="")
        audit = sub.add_parser(
            "audit", help="Re-evaluate every decided case; outside-range decisions and spreads."
        )
        audit.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except RulePackError as exc:
            raise CommandError(str(exc)) from None
        except FazhiError as exc:
            field = f"{exc.field}: " if exc.field else ""
            raise CommandError(f"{field}{exc}") from None

    def _decide(self, options: dict[str, Any]) -> None:
        source = options["facts"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
            facts = json.loads(text)
        except OSError as exc:
            raise CommandError(f"facts: cannot read {source}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"facts: not valid JSON ({exc.msg}, line {exc.lineno})") from None
        if not isinstance(facts, dict):
            raise CommandError("facts: the JSON must be an object of fact names and values")
        decision = engine.decide(
            options["offence"],
            facts,
            _date(options["act_date"], "act-date"),
            _date(options["decision_date"], "decision-date"),
            confirmed=confirmed_rule_keys(),
        )
        if options["json"]:
            self.stdout.write(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{decision.offence} {decision.offence_name}\n"
            f"{decision.law} {decision.version_applied} ({decision.pack})\n"
            f"outcome: {decision.outcome}" + (f" · tier: {decision.tier}" if decision.tier else "")
        )
        if decision.discretionary:
            self.stdout.write("discretionary: the law permits (does not oblige) this outcome")
        for penalty in decision.penalties:
            self.stdout.write(f"  {penalty}")
        if decision.detention_executable is False:
            self.stdout.write("detention: decided but not executed (不执行行政拘留)")
        self.stdout.write("basis: " + "；".join(decision.basis))
        self.stdout.write("trace:")
        for index, step in enumerate(decision.trace, 1):
            marks = " [unverified]" if step.unverified else ""
            marks += " [benchmark: local]" if step.benchmark else ""
            detail = f" — {step.detail}" if step.detail else ""
            self.stdout.write(f"  {index}. {step.effect}: {step.citation}{detail}{marks}")
        if decision.unverified:
            self.stdout.write(
                f"{decision.unverified_message} ({', '.join(decision.unverified_rules)})"
            )

    def _offences(self, options: dict[str, Any]) -> None:
        listing = engine.offences()
        if options["json"]:
            self.stdout.write(json.dumps(listing, ensure_ascii=False, indent=2))
            return
        for offence in listing:
            versions = ", ".join(
                v["version"] + (" (unverified)" if v["unverified"] else "")
                for v in offence["versions"]
            )
            self.stdout.write(f"{offence['code']}\t{offence['name']}\t[{versions}]")

    def _confirm(self, options: dict[str, Any]) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"user: no account named {options['user']!r}")
        row = confirm_rule(
            user, options["pack"], options["rule"], source=options["source"], note=options["note"]
        )
        self.stdout.write(f"confirmed {row} by {user.get_username()} from {row.source}")

    def _audit(self, options: dict[str, Any]) -> None:
        from fazhi.discretion.audit import run_audit

        started = time.perf_counter()
        report = run_audit()
        elapsed = time.perf_counter() - started
        rows: list[dict[str, Any]] = [
            {
                "unit": row.unit_id,
                "offence": row.offence_code,
                "count": row.count,
                "outside_range": row.outside,
                "not_evaluable": row.not_evaluable,
                "tiers": [spread.__dict__ for spread in row.spreads],
            }
            for row in report.rows
        ]
        if options["json"]:
            body = {"decided": report.total, "outside_range": report.outside, "rows": rows}
            self.stdout.write(json.dumps(body, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(
                f"unit {row['unit']} {row['offence']}: {row['count']} decided, "
                f"{row['outside_range']} outside the range"
            )
            for spread in row["tiers"]:
                if spread["fined"]:
                    self.stdout.write(
                        f"  {spread['tier']}: {spread['fined']} fined, "
                        f"min {spread['min']:g} median {spread['median']:g} "
                        f"max {spread['max']:g} sd {spread['stddev']:.1f}"
                    )
        self.stdout.write(
            f"decided={report.total} outside_range={report.outside} seconds={elapsed:.2f}"
        )

"""The pack a case follows is stored once; a deadline's explanation is stored as facts (ADR 0018).

1. ``Case.procedure_version``: filled in SQL, one UPDATE per pack version, with the version
   ``pack_of`` chose until now (the one in force on the case's 受案 day, or its creation day).
2. ``Deadline.facts``: every stored deadline is recomputed from its case's events by the pure
   functions of fazhi.cases.derive (the same ``record_event`` uses), CHUNK cases at a time — three
   reads per chunk, the writes batched. Where the recount moves a deadline (extensions now run from
   the rolled expiry; a hearing whose notice cannot fit is due on the earliest lawful day), the row
   takes the new values and the case gets one audit entry (``case.deadlines.redate``), as
   ``fazhi calendar refresh`` does. Measured on SQLite: 100,000 cases (360,000 deadlines) in
   about the time printed at the end of the run (see the ADR for the figure).
3. ``Deadline.explanation`` (text in the language of whoever triggered the last recompute) goes.

Reversing drops the new fields and restores an empty ``explanation`` column (no text comes back).
"""

import datetime as dt
import json
import sys
import time

from django.db import migrations, models
from django.db.models import Q

CHUNK = 2000
ACTOR = "system:migration"


def fill_pack_versions(apps, schema_editor):
    from fazhi.cases.packs import registry
    from fazhi.cases.procedure import pack_version
    from fazhi.core.clock import start_of_day

    Case = apps.get_model("cases", "Case")
    for pack in sorted(registry().packs, key=lambda p: p.effective_from):
        since = start_of_day(pack.effective_from)
        started = Q(accepted_at__gte=since) | Q(accepted_at__isnull=True, created_at__gte=since)
        cases = Case.objects.filter(started, procedure=pack.id)
        if pack.effective_to is not None:
            until = start_of_day(pack.effective_to + dt.timedelta(days=1))
            cases = cases.filter(
                Q(accepted_at__lt=until) | Q(accepted_at__isnull=True, created_at__lt=until)
            )
        cases.update(procedure_version=pack_version(pack))  # later packs overwrite earlier ones


def fill_facts(apps, schema_editor):
    from fazhi.audit import log as audit
    from fazhi.cases.deadlines import nearest_running, stored_values
    from fazhi.cases.derive import Ev, compute_deadlines
    from fazhi.cases.procedure import stored_pack
    from fazhi.core.calendar import WorkCalendar
    from fazhi.core.clock import SHANGHAI

    connection = schema_editor.connection
    Case = apps.get_model("cases", "Case")
    Deadline = apps.get_model("cases", "Deadline")
    Event = apps.get_model("cases", "ProceduralEvent")
    calendar = WorkCalendar.load()
    started = time.monotonic()
    set_facts = (
        "UPDATE cases_deadline SET facts = %s::jsonb WHERE id = %s"
        if connection.vendor == "postgresql"
        else "UPDATE cases_deadline SET facts = %s WHERE id = %s"
    )
    ids = list(Deadline.objects.values_list("case_id", flat=True).distinct().order_by("case_id"))
    moved = 0
    columns = ("due_at", "status", "met_at", "basis", "is_provisional", "unverified", "extended")
    for index in range(0, len(ids), CHUNK):
        part = ids[index : index + CHUNK]
        cases = {
            row[0]: row
            for row in Case.objects.filter(pk__in=part).values_list(
                "pk",
                "number",
                "procedure",
                "procedure_version",
                "accepted_at",
                "created_at",
                "next_due_at",
                "next_deadline_name",
            )
        }
        events: dict[int, list] = {pk: [] for pk in part}
        for row in (
            Event.objects.filter(case_id__in=part)
            .order_by("occurred_at", "id")
            .values_list("case_id", "id", "kind", "occurred_at", "ended_at", "data", "corrects_id")
        ):
            events[row[0]].append(Ev(row[1], row[2], row[3], row[4], row[5] or {}, row[6]))
        stored: dict[int, dict] = {pk: {} for pk in part}
        for row in Deadline.objects.filter(case_id__in=part).values_list(
            "case_id", "id", "code", "key", *columns
        ):
            stored[row[0]][(row[2], row[3])] = row[1:2] + row[4:]
        facts_rows, changed_rows, case_rows = [], [], []
        for pk in part:
            _, number, pack_id, version, accepted, created, next_due, next_name = cases[pk]
            try:
                pack = stored_pack(pack_id, version)
            except KeyError:
                continue  # a pack no longer shipped: its deadlines keep empty facts
            day = (accepted or created).astimezone(SHANGHAI).date()
            computed = compute_deadlines(
                pack, events[pk], calendar, unverified=pack.unverified_on(day)
            )
            changes = {}
            for item in computed:
                row = stored[pk].get((item.code, item.key))
                if row is None:
                    continue
                values = stored_values(item)
                facts_rows.append((json.dumps(values["facts"], ensure_ascii=False), row[0]))
                new = tuple(values[name] for name in columns)
                if new != tuple(row[1:]):
                    changed_rows.append((*new, row[0]))
                    label = f"{item.code}:{item.key}" if item.key else item.code
                    changes[label] = {
                        name: [old, value]
                        for name, old, value in zip(columns, row[1:], new, strict=True)
                        if old != value
                    }
            if changes:
                moved += len(changes)
                due, name = nearest_running(computed)
                if (due, name) != (next_due, next_name):
                    case_rows.append((due, name, pk))
                audit.record(
                    ACTOR,
                    "case.deadlines.redate",
                    ("cases.case", pk, number),
                    changes={**changes, "reason": "migration cases 0003 (ADR 0018)"},
                )
        with connection.cursor() as cursor:
            cursor.executemany(set_facts, facts_rows)
            if changed_rows:
                adapt = connection.ops.adapt_datetimefield_value
                cursor.executemany(
                    "UPDATE cases_deadline SET due_at = %s, status = %s, met_at = %s, basis = %s, "
                    "is_provisional = %s, unverified = %s, extended = %s WHERE id = %s",
                    [(adapt(r[0]), r[1], adapt(r[2]), *r[3:]) for r in changed_rows],
                )
            if case_rows:
                cursor.executemany(
                    "UPDATE cases_case SET next_due_at = %s, next_deadline_name = %s WHERE id = %s",
                    [
                        (connection.ops.adapt_datetimefield_value(d), n, pk)
                        for d, n, pk in case_rows
                    ],
                )
    if ids and "pytest" not in sys.modules:
        print(
            f"\n  deadline facts: {len(ids):,} cases in {time.monotonic() - started:.1f} s, "
            f"{moved} deadline(s) moved (audited)",
            end="",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_case_next_deadline"),
        ("audit", "0003_add_audit_anchor"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="procedure_version",
            field=models.CharField(blank=True, max_length=50, verbose_name="办案程序版本"),
        ),
        migrations.AddField(
            model_name="deadline",
            name="facts",
            field=models.JSONField(blank=True, default=dict, verbose_name="计算依据"),
        ),
        migrations.RunPython(fill_pack_versions, migrations.RunPython.noop),
        migrations.RunPython(fill_facts, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="deadline",
            name="explanation",
        ),
    ]

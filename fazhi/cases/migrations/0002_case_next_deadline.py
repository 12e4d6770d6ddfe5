"""Add each case's nearest running deadline (next_due_at, next_deadline_name) and fill it.

The case list sorts a million cases by it through the partial index ``case_running_next_due``;
fazhi.cases.deadlines keeps it up to date whenever it writes a case's deadlines.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_next_deadline(apps, schema_editor):
    """Copy each case's earliest open deadline (by due time, then name) onto the case, in SQL."""
    Case = apps.get_model("cases", "Case")
    Deadline = apps.get_model("cases", "Deadline")
    nearest = Deadline.objects.filter(case_id=OuterRef("pk"), status="open").order_by(
        "due_at", "name"
    )
    Case.objects.filter(pk__in=Deadline.objects.filter(status="open").values("case_id")).update(
        next_due_at=Subquery(nearest.values("due_at")[:1]),
        next_deadline_name=Subquery(nearest.values("name")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="next_deadline_name",
            field=models.CharField(
                blank=True, editable=False, max_length=100, verbose_name="最近期限"
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="next_due_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="最近期限届满时间"
            ),
        ),
        migrations.RunPython(fill_next_deadline, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("next_due_at__isnull", False)),
                fields=["next_due_at", "id", "unit"],
                name="case_running_next_due",
            ),
        ),
    ]

"""A limit counted from receipt is due from the submission: fill ``due_on``/``due_at`` of the
applications of such items submitted but not accepted yet (they had none until acceptance)."""

from django.db import migrations


def fill_receipt_due(apps, schema_editor):
    from fazhi.services.applications import due_after

    Application = apps.get_model("services", "Application")
    waiting = Application.objects.filter(
        status="submitted", item__clock_from="received", due_at__isnull=True
    ).select_related("item")
    for application in waiting.iterator():
        item = application.item
        due = due_after(application.submitted_at, item.promised_days, item.promised_unit)
        application.due_on, application.due_at = due.on, due.at
        application.save(update_fields=["due_on", "due_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0009_running_due_at_index"),
    ]

    operations = [
        migrations.RunPython(fill_receipt_due, migrations.RunPython.noop),
    ]

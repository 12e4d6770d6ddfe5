"""The 警快办 warnings join the one warning engine (fazhi.core.warnings, ADR 0014).

ServiceWarning gets the fields every warning has (deadline code and subject key — blank here —,
签收, the close reason, the writer's run token) and the same partial unique constraint over
(rule, application, deadline code, subject key); its history gets the fields every history has
(actor, escalated level, reason). Every row, every rule code and every history row is kept: the
free-text ``note`` the old scan wrote is turned into the structured fields — an escalation's note
was the level it went to, a closing's note "条件不再成立" is the reason ``no_longer_applies`` —
and a note of any other text stops the migration, naming the row, rather than be lost.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_ACTOR = "system:service-scan"
LEVELS = ("unit", "district", "city")
NO_LONGER_APPLIES = "no_longer_applies"


def forwards(apps, schema_editor):
    Warning = apps.get_model("services", "ServiceWarning")
    Event = apps.get_model("services", "ServiceWarningEvent")
    odd = (
        Event.objects.exclude(note="")
        .exclude(kind="escalated", note__in=LEVELS)
        .exclude(kind="closed", note="条件不再成立")
        .values_list("pk", "kind", "note")
        .first()
    )
    if odd is not None:
        raise RuntimeError(
            f"services.ServiceWarningEvent {odd[0]} ({odd[1]}) has a note this migration cannot"
            f" keep: {odd[2]!r}"
        )
    for level in LEVELS:
        Event.objects.filter(kind="escalated", note=level).update(escalated_level=level)
    Event.objects.filter(kind="opened").update(escalated_level="unit")
    Event.objects.filter(kind="closed").update(reason=NO_LONGER_APPLIES)
    # A closed warning always had its time; the constraint below makes it so for good.
    Warning.objects.filter(state="closed", closed_at__isnull=True).update(
        closed_at=models.F("opened_at")
    )
    Warning.objects.filter(state="closed", closed_reason="").update(closed_reason=NO_LONGER_APPLIES)


def backwards(apps, schema_editor):
    Event = apps.get_model("services", "ServiceWarningEvent")
    for level in LEVELS:
        Event.objects.filter(kind="escalated", escalated_level=level).update(note=level)
    Event.objects.filter(kind="closed").update(note="条件不再成立")


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0006_item_limit_units"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="servicewarning", name="services_one_open_warning"),
        migrations.AddField(
            model_name="servicewarning",
            name="deadline_code",
            field=models.CharField(blank=True, max_length=40, verbose_name="期限", default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="servicewarning",
            name="subject_key",
            field=models.CharField(blank=True, max_length=40, verbose_name="对象", default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="servicewarning",
            name="acknowledged_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="签收时间"),
        ),
        migrations.AddField(
            model_name="servicewarning",
            name="acknowledged_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="签收人",
            ),
        ),
        migrations.AddField(
            model_name="servicewarning",
            name="closed_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("case_closed", "案件已结案"),
                    ("deadline_met", "期限内已登记相应环节"),
                    ("deadline_met_late", "已登记相应环节（已超期）"),
                    ("deadline_stopped", "期限中止计算或不再适用"),
                    ("deadline_extended", "期限已延长"),
                    ("deadline_passed", "期限已届满，转为超期告警"),
                    ("deadline_redated", "期限已重新计算"),
                    ("deadline_gone", "期限已不存在（环节已更正）"),
                    ("event_recorded", "已登记应有的环节"),
                    ("handler_qualified", "办案民警执法资格和在岗状态已恢复正常"),
                    ("no_longer_applies", "情形已不存在"),
                    ("order_answered", "督办单已答复"),
                    ("rule_retired", "预警规则已停用"),
                ],
                max_length=24,
                verbose_name="消除原因",
                default="",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="servicewarning",
            name="run_token",
            field=models.CharField(blank=True, editable=False, max_length=32, default=""),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="servicewarning",
            name="escalated_level",
            field=models.CharField(
                choices=[
                    ("unit", "办案单位"),
                    ("district", "区县局执法办案管理中心"),
                    ("city", "市局执法监督管理中心"),
                ],
                default="unit",
                max_length=8,
                verbose_name="推送层级",
            ),
        ),
        migrations.AlterField(
            model_name="servicewarning",
            name="level",
            field=models.CharField(
                choices=[("hint", "提示"), ("warning", "预警"), ("alarm", "告警")],
                max_length=8,
                verbose_name="等级",
            ),
        ),
        migrations.AlterField(
            model_name="servicewarning",
            name="state",
            field=models.CharField(
                choices=[("open", "未消除"), ("closed", "已消除")],
                default="open",
                max_length=8,
                verbose_name="状态",
            ),
        ),
        migrations.AddField(
            model_name="servicewarningevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="操作人",
            ),
        ),
        migrations.AddField(
            model_name="servicewarningevent",
            name="actor_label",
            field=models.CharField(max_length=150, verbose_name="操作方", default=OLD_ACTOR),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="servicewarningevent",
            name="escalated_level",
            field=models.CharField(
                blank=True,
                choices=[
                    ("unit", "办案单位"),
                    ("district", "区县局执法办案管理中心"),
                    ("city", "市局执法监督管理中心"),
                ],
                max_length=8,
                verbose_name="推送层级",
                default="",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="servicewarningevent",
            name="reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("case_closed", "案件已结案"),
                    ("deadline_met", "期限内已登记相应环节"),
                    ("deadline_met_late", "已登记相应环节（已超期）"),
                    ("deadline_stopped", "期限中止计算或不再适用"),
                    ("deadline_extended", "期限已延长"),
                    ("deadline_passed", "期限已届满，转为超期告警"),
                    ("deadline_redated", "期限已重新计算"),
                    ("deadline_gone", "期限已不存在（环节已更正）"),
                    ("event_recorded", "已登记应有的环节"),
                    ("handler_qualified", "办案民警执法资格和在岗状态已恢复正常"),
                    ("no_longer_applies", "情形已不存在"),
                    ("order_answered", "督办单已答复"),
                    ("rule_retired", "预警规则已停用"),
                ],
                max_length=24,
                verbose_name="原因",
                default="",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="servicewarningevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("opened", "预警"),
                    ("escalated", "升级推送"),
                    ("acknowledged", "签收"),
                    ("closed", "消除"),
                ],
                max_length=16,
                verbose_name="事项",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="servicewarningevent", name="note"),
        migrations.AddIndex(
            model_name="servicewarning",
            index=models.Index(fields=["run_token"], name="services_warning_run_token"),
        ),
        migrations.AddConstraint(
            model_name="servicewarning",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "open")),
                fields=("rule", "application", "deadline_code", "subject_key"),
                name="services_one_open_warning",
            ),
        ),
        migrations.AddConstraint(
            model_name="servicewarning",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("state", "open"), ("closed_at__isnull", False), _connector="OR"
                ),
                name="services_warning_closed_has_time",
            ),
        ),
    ]

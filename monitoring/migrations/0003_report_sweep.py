"""When a report was sent to the queue, and the beat entry of the sweep that sends waiting reports again."""

from django.db import migrations, models


def create_schedule(apps, schema_editor):
    from monitoring.reports import SWEEP_TASK
    from portal.queueing import ensure_sweep_schedule

    ensure_sweep_schedule(apps, name=SWEEP_TASK, task="monitoring.sweep_pending_reports")


def remove_schedule(apps, schema_editor):
    from monitoring.reports import SWEEP_TASK

    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP_TASK).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0002_quarterly_report"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="quarterlyreport",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="отправлен в очередь"),
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]

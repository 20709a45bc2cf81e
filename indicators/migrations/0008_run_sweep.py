"""When a run was sent to the queue, and the beat entry of the sweep that sends waiting runs again."""

from django.db import migrations, models


def create_schedule(apps, schema_editor):
    from indicators.runs import SWEEP_TASK
    from portal.queueing import ensure_sweep_schedule

    ensure_sweep_schedule(apps, name=SWEEP_TASK, task="indicators.sweep_pending_runs")


def remove_schedule(apps, schema_editor):
    from indicators.runs import SWEEP_TASK

    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP_TASK).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0007_methodology_presets"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="classificationrun",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="отправлен в очередь"),
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]

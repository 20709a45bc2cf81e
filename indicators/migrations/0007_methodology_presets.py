"""Methodology presets and the nightly recompute schedule (django-celery-beat)."""

from django.db import migrations


def create(apps, schema_editor):
    from indicators.presets import ensure_presets

    ensure_presets(apps, update=True)


def remove(apps, schema_editor):
    from indicators.presets import NIGHTLY_TASK, PRESETS

    apps.get_model("indicators", "Methodology").objects.filter(name__in=[p["name"] for p in PRESETS]).delete()
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NIGHTLY_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0006_classification"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]

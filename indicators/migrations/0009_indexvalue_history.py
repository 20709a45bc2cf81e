"""History of ОИП/ИСБШ values (who changed which value, when, from what), read by the audit page.

Values and methodologies stored before (the presets come from a data migration, which leaves no history) get one
«+» record with their current state, so that the first change after this migration shows the old value.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

BASELINE_REASON = "состояние на момент включения журнала"


def baseline(apps, schema_editor):
    for name, only in (("IndexValue", {"source": "imported"}), ("Methodology", {})):
        model = apps.get_model("indicators", name)
        history = apps.get_model("indicators", f"Historical{name}")
        attnames = {f.attname for f in model._meta.concrete_fields} & {f.attname for f in history._meta.fields}
        recorded = history.objects.values("id")
        rows = [history(**{a: getattr(obj, a) for a in attnames}, history_date=obj.updated_at, history_type="+",
                        history_change_reason=BASELINE_REASON)
                for obj in model.objects.filter(**only).exclude(pk__in=recorded).iterator()]
        history.objects.bulk_create(rows, batch_size=1000)


def remove_baseline(apps, schema_editor):
    apps.get_model("indicators", "HistoricalMethodology").objects.filter(history_change_reason=BASELINE_REASON).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0008_run_sweep'),
        ('schools', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalIndexValue',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('kind', models.CharField(choices=[('oip', 'ОИП'), ('isbs', 'ИСБШ')], max_length=10, verbose_name='индекс')),
                ('source', models.CharField(choices=[('imported', 'опубликованный (импорт)'), ('computed', 'рассчитанный порталом')], max_length=10, verbose_name='источник')),
                ('value', models.DecimalField(decimal_places=2, max_digits=7, verbose_name='значение')),
                ('components', models.JSONField(blank=True, default=dict, verbose_name='составляющие')),
                ('source_note', models.CharField(blank=True, max_length=300, verbose_name='откуда взято')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('academic_year', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='schools.academicyear', verbose_name='учебный год')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('school', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='schools.school', verbose_name='школа')),
            ],
            options={
                'verbose_name': 'historical значение индекса',
                'verbose_name_plural': 'historical значения индексов',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(baseline, remove_baseline),
    ]

from django.db import migrations


def load(apps, schema_editor):
    from indicators.reference import load_reference

    load_reference(apps)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0003_results")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

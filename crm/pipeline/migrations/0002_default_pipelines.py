"""The shipped pipelines (crm.pipeline.reference)."""

from django.db import migrations

from crm.pipeline import reference


def seed(apps, schema_editor):
    reference.load(
        apps.get_model("pipeline", "Pipeline"),
        apps.get_model("pipeline", "Stage"),
        apps.get_model("pipeline", "Gate"),
    )


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

from django.db import migrations


def load_reference(apps, schema_editor):
    from crm.customers import reference

    reference.load(
        apps.get_model("customers", "Industry"),
        apps.get_model("customers", "Region"),
        apps.get_model("customers", "Source"),
    )


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(load_reference, migrations.RunPython.noop)]

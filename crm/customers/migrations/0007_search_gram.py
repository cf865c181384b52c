import django.db.models.deletion
from django.db import migrations, models


def build(apps, schema_editor):
    from crm.customers import search_index

    search_index.rebuild(apps=apps)


def empty(apps, schema_editor):
    apps.get_model("customers", "SearchGram").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_follow_up_discipline"),
        ("contacts", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchGram",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "gram",
                        "customer",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("gram", models.CharField(max_length=2)),
                (
                    "customer",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
            ],
            options={
                "verbose_name": "搜索片段",
                "verbose_name_plural": "搜索片段",
                "indexes": [models.Index(fields=["customer"], name="searchgram_customer")],
            },
        ),
        migrations.RunPython(build, empty, elidable=True),
    ]

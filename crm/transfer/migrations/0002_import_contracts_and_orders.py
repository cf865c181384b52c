# Contracts and orders join the import kinds (choices only: no schema change).

from django.db import migrations, models

KINDS = [
    ("customers", "客户"),
    ("records", "维护记录"),
    ("contracts", "合同"),
    ("orders", "订单"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("transfer", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importjob",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=12, verbose_name="导入对象"),
        ),
        migrations.AlterField(
            model_name="mappingtemplate",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=12, verbose_name="导入对象"),
        ),
    ]

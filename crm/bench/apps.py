from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Holds the `crm bench` command, its middleware and its floor views (no models)."""

    name = "crm.bench"
    verbose_name = "基准测试"

from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "crm.needs"
    label = "needs"
    verbose_name = "需求分析与需求变化"

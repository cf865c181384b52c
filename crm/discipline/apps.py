from django.apps import AppConfig


class DisciplineConfig(AppConfig):
    name = "crm.discipline"
    label = "discipline"
    verbose_name = "跟进纪律"

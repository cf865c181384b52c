from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "crm.records"
    label = "records"
    verbose_name = "维护记录与待办"

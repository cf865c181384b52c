from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "crm.transfer"
    label = "transfer"
    verbose_name = "导入导出"

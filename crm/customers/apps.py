from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "crm.customers"
    label = "customers"
    verbose_name = "客户档案"

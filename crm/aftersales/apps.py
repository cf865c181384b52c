from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "crm.aftersales"
    label = "aftersales"
    verbose_name = "售后与长期维护"

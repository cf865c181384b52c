from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "crm.records"
    label = "records"
    verbose_name = "维护记录与待办"

    def ready(self) -> None:
        from crm.core.navigation import NavItem, register

        register(NavItem("agenda", _("我的待办"), "records:agenda", order=5))

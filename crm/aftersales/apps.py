from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "crm.aftersales"
    label = "aftersales"
    verbose_name = "售后与长期维护"

    def ready(self) -> None:
        from crm.core.navigation import NavItem, register

        register(NavItem("cases", _("案例库"), "aftersales:cases", order=25))

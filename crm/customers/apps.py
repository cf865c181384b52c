from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "crm.customers"
    label = "customers"
    verbose_name = "客户档案"

    def ready(self) -> None:
        from crm.core.navigation import NavItem, register

        register(NavItem("customers", _("客户列表"), "customers:list", order=10))
        register(NavItem("overview", _("客户概览"), "customers:overview", order=15))
        register(
            NavItem(
                "customer_new",
                _("新建客户"),
                "customers:create",
                capability="customer.create",
                order=20,
            )
        )
        register(NavItem("claims", _("查重申请"), "customers:claims", order=30))

from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "crm.transfer"
    label = "transfer"
    verbose_name = "导入导出"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy

        from crm.core.navigation import NavItem, register

        register(
            NavItem(
                "imports",
                gettext_lazy("导入"),
                "transfer:imports",
                capability="customer.create",
                order=25,
            )
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfigurationConfig(AppConfig):
    """The admin settings pages (系统设置): teams, users, numbering, fields, sources, tags."""

    name = "crm.configuration"
    label = "configuration"
    verbose_name = "系统设置"

    def ready(self) -> None:
        from crm.core.navigation import NavItem, register

        register(
            NavItem(
                "settings",
                _("系统设置"),
                "configuration:index",
                capability="settings.manage",
                order=90,
            )
        )

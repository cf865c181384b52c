from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "crm.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from . import middleware  # noqa: F401 - connects the login signal that starts the slide

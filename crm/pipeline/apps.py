from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "crm.pipeline"
    label = "pipeline"
    verbose_name = "商机、合同与订单"

    def ready(self) -> None:
        from crm.core.navigation import NavItem, register

        register(NavItem("pipeline", _("商机看板"), "pipeline:board", order=20))

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SALES = "sales", _("销售")
    SALES_MANAGER = "sales_manager", _("销售经理")
    SERVICE = "service", _("客服")
    CUSTOMER_SUCCESS = "customer_success", _("客户成功")
    ADMIN = "admin", _("管理员")

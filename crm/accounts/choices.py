from django.db import models


class Role(models.TextChoices):
    SALES = "sales", "销售"
    SALES_MANAGER = "sales_manager", "销售经理"
    SERVICE = "service", "客服"
    CUSTOMER_SUCCESS = "customer_success", "客户成功"
    ADMIN = "admin", "管理员"

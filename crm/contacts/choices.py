from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("决策人")
    INFLUENCER = "influencer", _("影响者")
    USER = "user", _("使用者")
    OTHER = "other", _("其他")


SENSITIVE_FIELDS = {"id_number": "证件号码", "bank_account": "银行账户"}
PERSONAL_FIELDS = {"mobile": "手机", "email": "邮箱"}

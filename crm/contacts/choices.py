from django.db import models


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "决策人"
    INFLUENCER = "influencer", "影响者"
    USER = "user", "使用者"
    OTHER = "other", "其他"


SENSITIVE_FIELDS = {"id_number": "证件号码", "bank_account": "银行账户"}
PERSONAL_FIELDS = {"mobile": "手机", "email": "邮箱"}

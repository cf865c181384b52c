"""Choice lists of the after-sales loop (DOMAIN §5 step 5 and the paragraph after it)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    """Derived from the dates: no delivery date yet, delivered, accepted."""

    IN_PROGRESS = "in_progress", _("交付中")
    DELIVERED = "delivered", _("待验收")
    ACCEPTED = "accepted", _("已验收")


class SurveyMethod(models.TextChoices):
    """How the survey was run (seed 002: 问卷星或电话回访)."""

    QUESTIONNAIRE = "questionnaire", _("问卷")
    PHONE = "phone", _("电话回访")
    VISIT = "visit", _("上门回访")
    OTHER = "other", _("其他")


class ReferralIntent(models.TextChoices):
    """是否有合作意向或推荐需求."""

    YES = "yes", _("有")
    NO = "no", _("无")
    UNDECIDED = "undecided", _("待定")


class FeedbackKind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    PRAISE = "praise", _("表扬")
    SUGGESTION = "suggestion", _("建议")


class FeedbackCategory(models.TextChoices):
    PRODUCT = "product", _("产品功能")
    QUALITY = "quality", _("交付质量")
    SCHEDULE = "schedule", _("交付进度")
    SERVICE = "service", _("服务响应")
    PRICE = "price", _("价格费用")
    OTHER = "other", _("其他")


class FeedbackStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    RESOLVED = "resolved", _("已解决")


class ReferralStatus(models.TextChoices):
    """pending → approved → paid, in that order only."""

    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已审批")
    PAID = "paid", _("已发放")


class RiskKind(models.TextChoices):
    COMPETITION = "competition", _("竞争风险")
    PRICE = "price", _("价格敏感度")
    DECISION_CHAIN = "decision_chain", _("决策链变动")
    SATISFACTION = "satisfaction", _("服务满意度")
    OTHER = "other", _("其他")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("处理中")
    CLOSED = "closed", _("已关闭")


class RiskOutcome(models.TextChoices):
    EFFECTIVE = "effective", _("有效")
    INEFFECTIVE = "ineffective", _("无效")


class CaseKind(models.TextChoices):
    WON = "won", _("成交案例")
    RETAINED = "retained", _("挽留案例")
    LOST = "lost", _("流失案例")

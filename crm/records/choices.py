from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    """沟通目的 (DOMAIN §3)."""

    REGULAR_VISIT = "regular_visit", _("定期回访")
    ISSUE_FOLLOW_UP = "issue_follow_up", _("问题跟进")
    NEEDS_DISCOVERY = "needs_discovery", _("需求挖掘")
    HOLIDAY_GREETING = "holiday_greeting", _("节日问候")
    COMPLAINT = "complaint", _("投诉处理")
    OTHER = "other", _("其他")


class Sentiment(models.TextChoices):
    """态度倾向."""

    SATISFIED = "satisfied", _("满意")
    WORRIED = "worried", _("担忧")
    EXPECTANT = "expectant", _("期待")
    NEUTRAL = "neutral", _("中性")
    DISSATISFIED = "dissatisfied", _("不满")


class RecordKind(models.TextChoices):
    """Sales follow-ups and service records; service staff see service records only (§6)."""

    SALES = "sales", _("销售跟进")
    SERVICE = "service", _("服务记录")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a notification is about. Escalations go to the owner's team manager."""

    FOLLOW_UP_OVERDUE = "follow_up_overdue", _("跟进逾期")
    FOLLOW_UP_ESCALATED = "follow_up_escalated", _("跟进逾期升级")
    TASK_OVERDUE = "task_overdue", _("待办逾期")
    TASK_ESCALATED = "task_escalated", _("待办逾期升级")


ESCALATIONS = frozenset({Kind.FOLLOW_UP_ESCALATED, Kind.TASK_ESCALATED})
TASK_KINDS = frozenset({Kind.TASK_OVERDUE, Kind.TASK_ESCALATED})

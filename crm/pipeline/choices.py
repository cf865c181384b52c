from django.db import models
from django.utils.translation import gettext_lazy as _


class StageKind(models.TextChoices):
    """What reaching a stage means for the opportunity: still open, won or lost."""

    OPEN = "open", _("进行中")
    WON = "won", _("赢单")
    LOST = "lost", _("输单")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    WON = "won", _("赢单")
    LOST = "lost", _("输单")


class ContractStatus(models.TextChoices):
    """合同状态: a draft is not signed yet; active and expired contracts count as business."""

    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("履行中")
    EXPIRED = "expired", _("已到期")
    TERMINATED = "terminated", _("已终止")


SIGNED_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED)

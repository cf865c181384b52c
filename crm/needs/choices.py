from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")

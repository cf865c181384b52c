"""The follow-up discipline rules: one settings row, written only by crm.discipline.services."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from . import rules

DAYS = [MinValueValidator(1), MaxValueValidator(250)]
OPTIONAL_DAYS = [MinValueValidator(1), MaxValueValidator(250)]
MONTHS = [MinValueValidator(1), MaxValueValidator(60)]
DEFAULTS = rules.Cadence()


class DisciplineRules(models.Model):
    """跟进纪律规则 (pk 1). Cadences in working days; empty level cadences do not apply."""

    intent_high_days = models.PositiveSmallIntegerField(
        "高意向跟进周期(工作日)", default=DEFAULTS.intent_high_days, validators=DAYS
    )
    intent_medium_days = models.PositiveSmallIntegerField(
        "中意向跟进周期(工作日)", default=DEFAULTS.intent_medium_days, validators=DAYS
    )
    intent_low_days = models.PositiveSmallIntegerField(
        "低意向跟进周期(工作日)", default=DEFAULTS.intent_low_days, validators=DAYS
    )
    potential_days = models.PositiveSmallIntegerField(
        "潜在客户默认跟进周期(工作日)", default=DEFAULTS.potential_days, validators=DAYS
    )
    intent_stage_days = models.PositiveSmallIntegerField(
        "意向客户跟进周期(工作日)", default=DEFAULTS.intent_stage_days, validators=DAYS
    )
    cooperating_days = models.PositiveSmallIntegerField(
        "合作中客户跟进周期(工作日)", default=DEFAULTS.cooperating_days, validators=DAYS
    )
    dormant_days = models.PositiveSmallIntegerField(
        "沉睡客户回顾周期(工作日)", default=DEFAULTS.dormant_days, validators=DAYS
    )
    lost_days = models.PositiveSmallIntegerField(
        "流失客户回顾周期(工作日)", default=DEFAULTS.lost_days, validators=DAYS
    )
    level_a_days = models.PositiveSmallIntegerField(
        "A类客户跟进周期(工作日)",
        null=True,
        blank=True,
        default=DEFAULTS.level_a_days,
        validators=OPTIONAL_DAYS,
    )
    level_b_days = models.PositiveSmallIntegerField(
        "B类客户跟进周期(工作日)", null=True, blank=True, validators=OPTIONAL_DAYS
    )
    level_c_days = models.PositiveSmallIntegerField(
        "C类客户跟进周期(工作日)", null=True, blank=True, validators=OPTIONAL_DAYS
    )
    dormant_months = models.PositiveSmallIntegerField(
        "无合作标记长期无合作(月)", default=DEFAULTS.dormant_months, validators=MONTHS
    )
    info_check_months = models.PositiveSmallIntegerField(
        "信息核实周期(月)", default=DEFAULTS.info_check_months, validators=MONTHS
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        "逾期升级至经理(工作日)",
        default=DEFAULTS.escalate_after_days,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "跟进纪律规则"
        verbose_name_plural = "跟进纪律规则"

    def __str__(self) -> str:
        return "跟进纪律规则"

    def cadence(self) -> rules.Cadence:
        return rules.Cadence(**{name: getattr(self, name) for name in RULE_FIELDS})


RULE_FIELDS = tuple(rules.Cadence.__dataclass_fields__)


class CalendarFeed(models.Model):
    """A user's secret calendar address (ICS): only the SHA-256 of the token is stored; the
    address is shown once when it is made. Resetting makes a new one; revoking deletes it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近访问", null=True, blank=True)

    class Meta:
        verbose_name = "日历订阅"
        verbose_name_plural = "日历订阅"

    def __str__(self) -> str:
        return f"日历订阅 {self.prefix}…"

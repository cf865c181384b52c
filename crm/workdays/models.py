"""Admin corrections to the working-day calendar; a row here wins over chinese-calendar."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CalendarOverride(models.Model):
    """One day's status set by an administrator: a make-up working day, an extra day off, or a
    year's holiday schedule that chinese-calendar has not published yet.

    Written only through crm.workdays.services (which also invalidates the calendar cache).
    """

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班")
    note = models.CharField("说明", max_length=100, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "工作日调整"
        verbose_name_plural = "工作日调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {'上班' if self.is_workday else '休息'}"

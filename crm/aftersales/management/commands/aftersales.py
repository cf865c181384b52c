"""`crm aftersales run [--date YYYY-MM-DD]`: the daily after-sales run (crm.aftersales.tasks):
this quarter's deep-visit to-dos for the core pool, and the open SLA clocks' due dates.

Idempotent: run it twice for the same day and the second run changes nothing. For catch-up
and tests a past or future day may be given; the default is today (Asia/Shanghai).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from crm.aftersales import services, tasks


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD: {value}") from exc


def report(summary: services.DaySummary, day: datetime.date) -> str:
    return (
        f"{day:%Y-%m-%d} 售后日常任务完成: 新建深度回访待办 {summary.visits_scheduled} 条, "
        f"跳过 {summary.visits_skipped} 个客户, 更新时限 {summary.clocks_refreshed} 条"
    )


class Command(BaseCommand):
    help = "售后: 核心客户季度深度回访待办与售后时限 (run [--date YYYY-MM-DD])"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="执行当天的售后任务")
        run.add_argument("--date", dest="day", default=None, help="执行日期, 默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        day = _day(options["day"]) if options.get("day") else timezone.localdate()
        self.stdout.write(report(tasks.run_day(day), day))

"""`crm discipline run [--date YYYY-MM-DD]`: evaluate every customer's follow-up discipline
and raise the day's overdue and escalation notifications (crm.discipline.alerts).

Idempotent: run it twice for the same day and the second run changes nothing. For catch-up
and tests a past or future day may be given; the default is today (Asia/Shanghai).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from crm.discipline import alerts, engine, tasks


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD: {value}") from exc


def report(summary: engine.Summary, day: datetime.date) -> str:
    return (
        f"{day:%Y-%m-%d} 跟进纪律评估完成: 评估客户 {summary.evaluated} 个, "
        f"待跟进 {summary.due} 个, 逾期 {summary.overdue} 个, 已升级 {summary.escalated} 个, "
        f"长期无合作 {summary.dormant} 个, 信息待核实 {summary.info_to_verify} 个, "
        f"本次更新 {summary.changed} 个"
    )


def report_alerts(raised: alerts.AlertSummary) -> str:
    return (
        f"新提醒: 跟进逾期 {raised.follow_ups} 条, 待办逾期 {raised.tasks} 条, "
        f"升级至经理 {raised.escalations} 条, 发送提醒邮件 {raised.emails} 封"
    )


class Command(BaseCommand):
    help = "跟进纪律: 按规则评估所有客户的下次跟进日期、逾期与升级 (run [--date YYYY-MM-DD])"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="评估所有客户")
        run.add_argument("--date", dest="day", default=None, help="评估日期, 默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        day = _day(options["day"]) if options.get("day") else timezone.localdate()
        summary, raised = tasks.run_day(day)
        self.stdout.write(report(summary, day))
        self.stdout.write(report_alerts(raised))

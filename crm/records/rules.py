"""Pure rules for record cards and to-dos (no database access)."""

from __future__ import annotations

import datetime
import re

LATE_AFTER = datetime.timedelta(hours=24)  # seed 000: filed within 24 h of the interaction
# A client clock a little ahead of the server's is tolerated; more is a typo.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)
# Cards older than this are refused (a typo in the year, or history that belongs in an import);
# imports (actor source "import") may backfill.
MAX_BACKDATE = datetime.timedelta(days=90)

# Vague phrases the seed warns against ("避免模糊表述(如“正常沟通”“无特殊反馈”)").
FILLER = frozenset(
    {
        "正常沟通",
        "沟通正常",
        "一切正常",
        "正常",
        "无",
        "没有",
        "暂无",
        "无特殊",
        "无特殊反馈",
        "无特殊情况",
        "无异常",
        "无反馈",
        "同上",
        "略",
        "已沟通",
        "沟通",
        "回访",
        "ok",
        "na",
        "n/a",
        "none",
        "nil",
        "无内容",
    }
)
# A to-do's result says what happened ("已提供报价单,客户已确认"), not only that it is done.
RESULT_FILLER = FILLER | {
    "已完成",
    "完成",
    "已处理",
    "处理完毕",
    "已解决",
    "已办",
    "已办结",
    "好的",
    "好",
    "done",
    "finished",
}
_SEPARATORS = re.compile(r"[\s,.;:!?，。;:!?、…·\-—_/\\()()\[\]【】“”\"'‘’0-9]+")

CONTENT_MESSAGE = (
    "请分点写明沟通要点(例如「客户反馈系统操作复杂,希望简化流程」),"
    "不要只写「正常沟通」「无」之类的笼统表述"
)
RESULT_MESSAGE = "请写明处理结果(例如「已提供报价单,客户已确认」),不能只写「已完成」「无」"


def _only(text: str, vague: frozenset[str]) -> bool:
    parts = [p for p in _SEPARATORS.split(text.strip().lower()) if p]
    return all(part in vague for part in parts)


def is_filler(text: str) -> bool:
    """Empty, or nothing but vague phrases ("正常沟通", "无", "正常沟通,无特殊反馈")."""
    return _only(text, FILLER)


def is_filler_result(text: str) -> bool:
    return _only(text, RESULT_FILLER)


def is_late(occurred_at: datetime.datetime, filed_at: datetime.datetime) -> bool:
    """Filed more than 24 h after the interaction: exactly 24 h is still on time."""
    return filed_at - occurred_at > LATE_AFTER


def occurred_at_error(
    occurred_at: datetime.datetime, now: datetime.datetime, *, backfill: bool = False
) -> str | None:
    """Why an interaction time is refused, or None."""
    if occurred_at > now + FUTURE_TOLERANCE:
        return "维护时间不能晚于当前时间"
    if not backfill and occurred_at < now - MAX_BACKDATE:
        return "维护时间不能早于 90 天前;更早的历史记录请通过导入补录"
    return None


def sees_sales_records(role: str, is_admin: bool) -> bool:
    """Service staff see service records only (DOMAIN §6); everyone else sees both kinds."""
    return is_admin or role != "service"


def is_overdue(status: str, due: datetime.date, today: datetime.date) -> bool:
    return status == "open" and due < today

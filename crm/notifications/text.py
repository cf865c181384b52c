"""What a notification says, rendered when it is shown, in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .choices import Kind

if TYPE_CHECKING:
    from crm.accounts.models import User

    from .models import Notification


def message(n: Notification) -> str:
    """One line: what is overdue, since when, and for escalations whose it is."""
    facts = {
        "customer": n.customer.name,
        "due": f"{n.due:%Y-%m-%d}",
        "days": n.overdue_days,
        "owner": str(n.subject) if n.subject_id else "",
        "task": n.task.description if n.task_id and n.task else "",
    }
    if n.kind == Kind.FOLLOW_UP_OVERDUE:
        return _("客户「%(customer)s」应于 %(due)s 跟进,已逾期 %(days)d 个工作日") % facts
    if n.kind == Kind.FOLLOW_UP_ESCALATED:
        return (
            _("%(owner)s 负责的客户「%(customer)s」应于 %(due)s 跟进,已逾期 %(days)d 个工作日")
            % facts
        )
    if n.kind == Kind.TASK_OVERDUE:
        return (
            _("待办「%(task)s」(客户「%(customer)s」)完成时限 %(due)s,已逾期 %(days)d 个工作日")
            % facts
        )
    escalated = _(
        "%(owner)s 的待办「%(task)s」(客户「%(customer)s」)"
        "完成时限 %(due)s,已逾期 %(days)d 个工作日"
    )
    return escalated % facts


def digest_subject(count: int) -> str:
    return ngettext("【CRM】%(n)d 条逾期提醒", "【CRM】%(n)d 条逾期提醒", count) % {"n": count}


def digest_body(recipient: User, items: Sequence[Notification], total: int) -> str:
    site = getattr(settings, "CRM_SITE_URL", "").rstrip("/")
    lines = [_("%(name)s,您好:") % {"name": recipient}, ""]
    lines += [f"· {message(n)}" for n in items]
    if total > len(items):
        lines.append(_("…… 另有 %(n)d 条") % {"n": total - len(items)})
    lines.append("")
    if site:
        lines.append(_("查看我的待办: %(url)s") % {"url": f"{site}/agenda/"})
        lines.append(_("查看全部提醒: %(url)s") % {"url": f"{site}/notifications/"})
    else:
        lines.append(_("请登录系统查看「我的待办」和「消息提醒」。"))
    return "\n".join(lines) + "\n"

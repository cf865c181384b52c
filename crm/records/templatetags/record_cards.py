"""The customer page's 维护记录 and 待办事项 cards, rendered where detail.html includes them.

Inclusion tags keep the customer page's view (crm.customers) unaware of records: the cards
read through crm.records.views' contexts, as their out-of-band refreshes do.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from crm.customers.models import Customer

register = template.Library()


@register.inclusion_tag("records/_records_card.html", takes_context=True)
def records_card(context: template.Context, customer: Customer) -> dict[str, Any]:
    from crm.records.views import records_context

    return records_context(context["request"].user, customer)


@register.inclusion_tag("records/_tasks_card.html", takes_context=True)
def tasks_card(context: template.Context, customer: Customer) -> dict[str, Any]:
    from crm.records.views import tasks_context

    return tasks_context(context["request"].user, customer)


COMPLETE = (
    '<button class="btn btn-sm btn-success" type="button" id="complete-task-{pk}" '
    'hx-get="{url}{origin}" hx-target="#crm-dialog-body" aria-label="{aria}">{label}</button>'
)
CANCEL = (
    '<button class="btn btn-sm btn-outline-secondary" type="button" id="cancel-task-{pk}" '
    'hx-get="{url}{origin}" hx-target="#crm-dialog-body" aria-label="{aria}">{label}</button>'
)


@register.simple_tag
def task_actions(task: Any, origin: str = "") -> SafeString:
    """A to-do's 完成 / 取消 buttons (as its row may: can_close, can_cancel), rendered in
    Python: the agenda shows dozens of rows, and an include per row cost it ~8 ms."""
    from crm.core.templatetags.crm import row_url

    buttons = []
    if getattr(task, "can_close", False):
        buttons.append(
            format_html(
                COMPLETE,
                pk=task.pk,
                url=row_url("records:task_complete", task.pk),
                origin=origin or "",
                aria=_("完成待办 %(task)s") % {"task": task.description},
                label=_("完成"),
            )
        )
    if getattr(task, "can_cancel", False):
        buttons.append(
            format_html(
                CANCEL,
                pk=task.pk,
                url=row_url("records:task_cancel", task.pk),
                origin=origin or "",
                aria=_("取消待办 %(task)s") % {"task": task.description},
                label=_("取消"),
            )
        )
    return format_html('<div class="btn-list flex-nowrap">{}</div>', SafeString("".join(buttons)))

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
from django.utils.translation import gettext_noop

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


BUTTON = (
    '<button class="btn btn-sm {css}" type="button" id="{verb}-task-{pk}" '
    'hx-get="{url}{origin}" hx-target="#crm-dialog-body" aria-label="{aria}">{label}</button>'
)
# (the row's permission flag, id verb, URL name, CSS, aria-label msgid, label msgid)
ACTIONS = (
    (
        "can_close",
        "complete",
        "records:task_complete",
        "btn-success",
        gettext_noop("完成待办 %(task)s"),
        gettext_noop("完成"),
    ),
    (
        "can_cancel",
        "cancel",
        "records:task_cancel",
        "btn-outline-secondary",
        gettext_noop("取消待办 %(task)s"),
        gettext_noop("取消"),
    ),
)


@register.simple_tag
def task_actions(task: Any, origin: str = "") -> SafeString:
    """A to-do's 完成 / 取消 buttons (as its row may: can_close, can_cancel), rendered in
    Python: the agenda shows dozens of rows, and an include per row cost it ~8 ms."""
    from crm.core.templatetags.crm import row_url

    buttons = [
        format_html(
            BUTTON,
            css=css,
            verb=verb,
            pk=task.pk,
            url=row_url(name, task.pk),
            origin=origin or "",
            aria=_(aria) % {"task": task.description},
            label=_(label),
        )
        for flag, verb, name, css, aria, label in ACTIONS
        if getattr(task, flag, False)
    ]
    return format_html('<div class="btn-list flex-nowrap">{}</div>', SafeString("".join(buttons)))

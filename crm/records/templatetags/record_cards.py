"""The customer page's 维护记录 and 待办事项 cards, rendered where detail.html includes them.

Inclusion tags keep the customer page's view (crm.customers) unaware of records: the cards
read through crm.records.views' contexts, as their out-of-band refreshes do.
"""

from __future__ import annotations

from typing import Any

from django import template

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

"""The customer page's 需求分析 card (rendered where customers/detail.html includes it).

The tag renders a shell only (no query): the card's body loads from crm.needs.views.card once
the page is shown, as the 服务时限 and 售后服务 cards do, so the customer page keeps its query
budget (docs/performance.md).
"""

from __future__ import annotations

from typing import Any

from django import template

from crm.customers.models import Customer

register = template.Library()


@register.inclusion_tag("needs/_card_shell.html")
def needs_card(customer: Customer) -> dict[str, Any]:
    return {"customer": customer}

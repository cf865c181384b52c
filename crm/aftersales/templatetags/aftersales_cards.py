"""The customer page's 售后服务 card (rendered where customers/detail.html includes it).

The tag renders a shell only (no query): the card's body loads from crm.aftersales.views.card
once the page is shown, so the customer page keeps its query budget whatever the after-sales
history of the customer.
"""

from __future__ import annotations

from typing import Any

from django import template

from crm.customers.models import Customer

register = template.Library()


@register.inclusion_tag("aftersales/_card_shell.html")
def aftersales_card(customer: Customer) -> dict[str, Any]:
    return {"customer": customer}

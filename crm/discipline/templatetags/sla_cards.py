"""The customer page's 服务时限 card: a shell that loads the card (views.customer_clocks) once
the page is shown, so the page itself pays no query for it (the card costs six)."""

from __future__ import annotations

from typing import Any

from django import template

from crm.customers.models import Customer

register = template.Library()


@register.inclusion_tag("discipline/_sla_card_shell.html")
def sla_card(customer: Customer) -> dict[str, Any]:
    return {"customer": customer}

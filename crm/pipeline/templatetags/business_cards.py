"""The customer page's 合同与订单 card (rendered where customers/detail.html includes it).

The inclusion tag keeps the customer page's view (crm.customers) unaware of contracts: the card
reads through crm.pipeline.business_views' context, as its out-of-band refreshes do.
"""

from __future__ import annotations

from typing import Any

from django import template

from crm.customers.models import Customer

register = template.Library()


@register.inclusion_tag("pipeline/_business_card.html", takes_context=True)
def business_card(context: template.Context, customer: Customer) -> dict[str, Any]:
    from crm.pipeline.business_views import business_context

    return business_context(context["request"].user, customer)

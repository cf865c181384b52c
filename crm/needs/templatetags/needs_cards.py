"""The customer page's 需求分析 card (rendered where customers/detail.html includes it)."""

from __future__ import annotations

from typing import Any

from django import template

from crm.customers.models import Customer

register = template.Library()


@register.inclusion_tag("needs/_needs_card.html", takes_context=True)
def needs_card(context: template.Context, customer: Customer) -> dict[str, Any]:
    from crm.needs.views import needs_context

    return needs_context(context["request"].user, customer)

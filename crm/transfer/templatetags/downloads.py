"""Download buttons of the customer pages: the list's 导出 menu, the customer page's 打印档案,
the contacts card's vCard links. Tags, so the customer views need not know about transfer."""

from __future__ import annotations

from typing import Any

from django import template

from crm.accounts.choices import Role
from crm.customers.models import Customer
from crm.transfer import personal

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


def offers_full_export(user: Any) -> bool:
    """Whether the export menu offers 含完整联系方式: to everyone who may see some customer's
    contacts in full (service staff read every customer but edit none: only with the grant)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_admin or user.grant_personal or user.role != Role.SERVICE)


@register.inclusion_tag("transfer/_export_menu.html", takes_context=True)
def export_menu(context: template.Context, query: str) -> dict[str, Any]:
    """The list's 导出 dropdown; `query` is the list's filters and sort (kept in the links)."""
    return {"query": query, "offers_full": offers_full_export(_user(context))}


@register.inclusion_tag("transfer/_print_customer.html", takes_context=True)
def print_customer_button(context: template.Context, customer: Customer) -> dict[str, Any]:
    return {"customer": customer, "full": personal.may_see_full(_user(context), customer)}


@register.inclusion_tag("transfer/_vcard_all.html", takes_context=True)
def vcard_all_button(context: template.Context, customer: Customer) -> dict[str, Any]:
    return {"customer": customer, "full": personal.may_see_full(_user(context), customer)}

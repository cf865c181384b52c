"""The customer page's 商机 card (rendered where customers/detail.html includes it) and the
board's cards, rendered in Python: a column shows up to 50 cards, six columns a page, and an
include or {% url %} per card would cost the board tens of milliseconds."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from crm.core.templatetags.crm import amount, row_url
from crm.customers.models import Customer

register = template.Library()


@register.inclusion_tag("pipeline/_opportunities_card.html", takes_context=True)
def opportunities_card(context: template.Context, customer: Customer) -> dict[str, Any]:
    from crm.pipeline.views import card_context

    return card_context(context["request"].user, customer)


@register.simple_tag
def gate_badges(badges: list[tuple[str, bool]]) -> SafeString:
    """[(gate name, passed)] as badges: green ✓ when passed, grey while still to pass."""
    passed, pending = _("已通过"), _("待通过")
    return format_html_join(
        "",
        '<span class="badge {}" data-gate="{}" title="{}">{}{}'
        '<span class="visually-hidden">({})</span></span>',
        (
            (
                "bg-green-lt" if ok else "bg-secondary-lt",
                "passed" if ok else "pending",
                passed if ok else pending,
                "✓ " if ok else "",
                name,
                passed if ok else pending,
            )
            for name, ok in badges
        ),
    )


CARD = (
    '<article class="card card-sm crm-board-card" id="opportunity-{pk}" data-opportunity="{pk}"'
    ' data-version="{version}" data-status="{status}" data-move-url="{move_url}"{movable}'
    ' aria-label="{name}">'
    '<div class="card-body">'
    '<div class="crm-board-card-name">{name}</div>'
    '<a class="small crm-wrap" href="{customer_url}">{customer}</a>'
    '<div class="d-flex flex-wrap justify-content-between gap-1 mt-1 small">'
    '<strong class="crm-nowrap" data-amount>¥{amount}</strong>'
    '<span class="crm-nowrap{date_css}" title="{date_title}"{overdue}>{date}</span></div>'
    '<div class="small text-secondary" data-owner>{owner}</div>'
    "{lost}{badges}{actions}"
    "</div></article>"
)
ACTION = (
    '<button class="btn btn-sm btn-ghost-primary px-1 py-0" type="button" id="{verb}-{pk}"'
    ' hx-get="{url}?{query}" hx-target="#crm-dialog-body" aria-label="{aria}">{label}</button>'
)


def _actions(card: Any, query: str) -> SafeString:
    if not getattr(card, "can_move", False):
        return SafeString("")
    buttons = [
        format_html(
            ACTION,
            verb="move-opportunity",
            pk=card.pk,
            url=row_url("pipeline:move", card.pk),
            query=query,
            aria=_("变更阶段:%(name)s") % {"name": card.name},
            label=_("变更阶段"),
        )
    ]
    if any(not ok for _name, ok in getattr(card, "gate_badges", [])):
        buttons.append(
            format_html(
                ACTION,
                verb="pass-gate",
                pk=card.pk,
                url=row_url("pipeline:pass_gate", card.pk),
                query=query,
                aria=_("通过关卡:%(name)s") % {"name": card.name},
                label=_("通过关卡"),
            )
        )
    return format_html('<div class="crm-board-card-actions">{}</div>', SafeString("".join(buttons)))


def _card(card: Any, query: str) -> SafeString:
    overdue = bool(getattr(card, "overdue", False))
    lost = ""
    if card.lost_reason:
        lost = format_html(
            '<div class="small text-secondary crm-wrap">{}:{}</div>',
            _("输单原因"),
            card.lost_reason,
        )
    badges = gate_badges(getattr(card, "gate_badges", []))
    return format_html(
        CARD,
        pk=card.pk,
        version=card.version,
        status=card.status,
        move_url=row_url("pipeline:move", card.pk),
        movable=SafeString(" data-movable") if getattr(card, "can_move", False) else "",
        name=card.name,
        customer_url=row_url("customers:detail", card.customer_id),
        customer=card.customer.name,
        amount=amount(card.amount),
        date_css=" text-danger" if overdue else " text-secondary",
        date_title=_("预计成交日期") + (_("(已过期)") if overdue else ""),
        overdue=SafeString(" data-overdue") if overdue else "",
        date=_date(card.expected_close_on),
        owner=str(card.owner),
        lost=lost,
        badges=format_html('<div class="mt-1 d-flex flex-wrap gap-1">{}</div>', badges)
        if badges
        else "",
        actions=_actions(card, query),
    )


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else "—"


@register.simple_tag
def board_cards(column: Any, query: str = "") -> SafeString:
    """A board column's cards (name, customer, amount, expected close, owner, gate badges)."""
    return SafeString("".join(_card(card, query) for card in column.cards))

"""合同与订单 on the customer page: the card, its 显示全部 partial and the dialogs that add and
change contracts and orders and set the customer's level by hand.

Thin adapters over crm.pipeline.services (which authorise, validate, derive the customer's
cooperation facts and level, and audit): GET renders a dialog into #crm-dialog-body; a refused
write re-renders it with the service's Chinese messages and everything typed; a done write
closes it and swaps, out of band, the card, the customer header (level badge, 合同到期 flag),
the 合作概况 values, the timeline and the messages.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.accounts import policy
from crm.accounts.models import User
from crm.core.actor import Actor
from crm.core.errors import PreconditionFailed
from crm.core.forms import apply_errors
from crm.customers import selectors as customer_selectors
from crm.customers import services as customer_services
from crm.customers.choices import Level
from crm.customers.models import Customer
from crm.customers.views.archive import page_context, timeline_context
from crm.workdays import sla

from . import rules, services
from .business_forms import (
    ChangeReasonForm,
    ContractForm,
    LevelClearForm,
    LevelForm,
    OrderDeleteForm,
    OrderForm,
)
from .choices import SIGNED_STATUSES, ContractStatus
from .models import Contract, Opportunity, Order, TierRules

SHOWN = 10  # contracts and orders the card shows before 显示全部
ALL_CAP = 500  # 显示全部 stops here (the newest)
CHOICES_CAP = 200  # contracts / opportunities offered in a dialog's select
BADGES: dict[str, str] = {
    ContractStatus.DRAFT: "bg-yellow-lt",
    ContractStatus.ACTIVE: "bg-green-lt",
    ContractStatus.EXPIRED: "bg-secondary-lt",
    ContractStatus.TERMINATED: "bg-red-lt",
}
TIER_FIELDS = ("strategic_threshold", "key_threshold", "expiry_warning_days")


def _actor(request: HttpRequest) -> Actor:
    return Actor(request.user, "web")  # type: ignore[arg-type]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _posted(request: HttpRequest) -> Any:
    """The POST data (even when empty), or None for a GET: the form is then unbound."""
    return request.POST if request.method == "POST" else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- the card --------------------------------------------------------------------------------


def _per_customer(model: Any, total: Any, **filters: Any) -> Any:
    rows = model.objects.filter(customer=OuterRef("pk"), **filters).order_by()
    return rows.values("customer").annotate(total=total).values("total")


def _facts(customer: Customer, today: datetime.date) -> dict[str, Any]:
    """How many contracts and orders, the trailing-12-month signed contract amount and the
    tier rules (their defaults until an administrator saves them), in one query."""
    money = DecimalField(max_digits=16, decimal_places=2)
    signed = _per_customer(
        Contract,
        Sum("amount"),
        status__in=SIGNED_STATUSES,
        signed_on__gte=rules.year_ago(today),
        signed_on__lte=today,
    )
    values: dict[str, Any] = {
        "contract_total": Coalesce(
            Subquery(_per_customer(Contract, Count("pk")), output_field=IntegerField()), 0
        ),
        "order_total": Coalesce(
            Subquery(_per_customer(Order, Count("pk")), output_field=IntegerField()), 0
        ),
        "trailing": Coalesce(
            Subquery(signed, output_field=money), Value(Decimal(0)), output_field=money
        ),
    }
    tier = TierRules.objects.filter(pk=1)
    for name in TIER_FIELDS:
        field: Any = IntegerField() if name == "expiry_warning_days" else money
        default = TierRules._meta.get_field(name).get_default()  # type: ignore[union-attr]
        values[name] = Coalesce(
            Subquery(tier.values(name), output_field=field), Value(default), output_field=field
        )
    rows: Any = Customer.objects.filter(pk=customer.pk).values(**values)
    return dict(rows.get())


def _contracts(customer: Customer, limit: int) -> list[Contract]:
    rows = Contract.objects.filter(customer=customer).only(
        "pk",
        "number",
        "title",
        "amount",
        "signed_on",
        "starts_on",
        "ends_on",
        "status",
        "handover_on",
    )
    return list(rows.order_by(F("signed_on").desc(nulls_first=True), "-pk")[:limit])


def _orders(customer: Customer, limit: int) -> list[Order]:
    rows = Order.objects.filter(customer=customer).select_related("contract")
    rows = rows.only("pk", "number", "ordered_on", "amount", "summary", "contract__number")
    return list(rows.order_by("-ordered_on", "-pk")[:limit])


def _handover(contract: Contract, today: datetime.date) -> tuple[datetime.date, str] | None:
    """The internal-handover clock of a signed contract not handed over yet: (due, status)."""
    if contract.handover_on or not contract.signed_on:
        return None
    if contract.status not in SIGNED_STATUSES:
        return None
    due = sla.due_on(sla.HANDOVER, contract.signed_on)
    return due, sla.status(due, None, today)


def business_context(user: User, customer: Customer, *, every: bool = False) -> dict[str, Any]:
    """The card: the customer's contracts (with 即将到期 where an active one ends within the
    warning days) and newest orders, bounded unless `every`, and the level line."""
    today = timezone.localdate()
    facts = _facts(customer, today)
    limit = ALL_CAP if every else SHOWN
    contracts = _contracts(customer, limit) if facts["contract_total"] else []
    orders = _orders(customer, limit) if facts["order_total"] else []
    days = facts["expiry_warning_days"]
    for contract in contracts:
        active = contract.status == ContractStatus.ACTIVE
        contract.badge = BADGES.get(contract.status, "bg-secondary-lt")  # type: ignore[attr-defined]
        contract.expiring = active and rules.is_expiring(contract.ends_on, today, days)  # type: ignore[attr-defined]
        contract.overdue = active and rules.is_expired(contract.ends_on, today)  # type: ignore[attr-defined]
        contract.handover = _handover(contract, today)  # type: ignore[attr-defined]
    if getattr(customer, "can_edit", None) is None:  # the customer page annotated it already
        customer.can_edit = policy.can_edit_customer(user, customer)  # type: ignore[attr-defined]
    auto = rules.tier_for(facts["trailing"], facts["strategic_threshold"], facts["key_threshold"])
    return {
        "customer": customer,
        "contracts": contracts,
        "orders": orders,
        "more": facts["contract_total"] > len(contracts) or facts["order_total"] > len(orders),
        "every": every,
        "cap": ALL_CAP,
        "auto_level": Level(auto).label,
        "can_edit": customer.can_edit,  # type: ignore[attr-defined]
        **facts,
    }


@login_required
@require_GET
def customer_business(request: HttpRequest, pk: int) -> HttpResponse:
    """The card with every contract and order (显示全部, up to ALL_CAP of each)."""
    customer = customer_services.get_visible(_actor(request), pk)
    context = business_context(_user(request), customer, every=True)
    return render(request, "pipeline/_business_card.html", context)


def _refreshed(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    """Close the dialog; swap the card, the header, the 合作概况 values and the timeline."""
    user = _user(request)
    fresh = customer_selectors.customer_detail(user, customer.pk)
    context = {
        **timeline_context(user, fresh, None),
        **page_context(user, fresh),
        **business_context(user, fresh),
        "oob": True,
        "message": message,
    }
    return render(request, "pipeline/_business_refresh.html", context)


def _dialog(
    request: HttpRequest,
    template: str,
    customer: Customer,
    form: forms.Form,
    title: str,
    **extra: Any,
) -> HttpResponse:
    context = {"customer": customer, "form": form, "title": title, "action": request.path}
    return render(request, template, {**context, **extra})


def _stale(form: forms.Form, label: str) -> None:
    form.add_error(
        None,
        _("该%(label)s刚被他人修改过;您填写的内容已保留,核对后再次保存将以您填写的为准。")
        % {"label": label},
    )


# --- contracts -------------------------------------------------------------------------------


def _opportunities(customer: Customer, keep: int | None = None) -> list[tuple[int, str]]:
    rows = Opportunity.objects.filter(customer=customer).order_by("-pk")
    found = [(pk, name) for pk, name in rows.values_list("pk", "name")[:CHOICES_CAP]]
    if keep and keep not in {pk for pk, _name in found}:
        found += list(Opportunity.objects.filter(pk=keep).values_list("pk", "name"))
    return found


def _contract_dialog(
    request: HttpRequest, customer: Customer, form: ContractForm, **extra: Any
) -> HttpResponse:
    title = _("修改合同") if extra.get("contract") else _("新增合同")
    return _dialog(request, "pipeline/dialogs/contract.html", customer, form, title, **extra)


@login_required
@require_http_methods(["GET", "POST"])
def contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = customer_services.get_editable(actor, pk)
    form = ContractForm(_posted(request), opportunities=_opportunities(customer))
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.create_contract(actor, customer=customer, **form.service_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            message = _("已新增合同 %(number)s") % {"number": contract.number}
            return _refreshed(request, customer, message)
    return _contract_dialog(request, customer, form)


def _editable_contract(request: HttpRequest, pk: int) -> Contract:
    contract = services.get_visible_contract(_actor(request), pk)  # hidden: 404
    policy.require_edit_customer(_user(request), contract.customer)  # read only: 403
    return contract


CONTRACT_INITIAL = (
    "number",
    "title",
    "amount",
    "status",
    "signed_on",
    "starts_on",
    "ends_on",
    "handover_on",
)


@login_required
@require_http_methods(["GET", "POST"])
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改合同: the service audits each changed field and tiers the customer again; a contract
    someone else saved meanwhile is refused once, keeping what was typed."""
    actor, contract = _actor(request), _editable_contract(request, pk)
    customer = contract.customer
    initial = {name: getattr(contract, name) for name in CONTRACT_INITIAL}
    initial.update(opportunity=contract.opportunity_id or "", notes=contract.notes)
    data = _posted(request)
    choices = _opportunities(customer, keep=contract.opportunity_id)
    form = ContractForm(data, opportunities=choices, initial=initial)
    note = ChangeReasonForm(data)
    # a missing or tampered version counts as stale: refused once, never a silent overwrite
    version = (_int(request.POST.get("version")) or 0) if data is not None else contract.version
    if data is not None and form.is_valid() and note.is_valid():
        try:
            saved = services.update_contract(
                actor,
                contract,
                expected_version=version,
                reason=note.cleaned_data["reason"],
                **form.service_fields(),
            )
        except PreconditionFailed as exc:
            _stale(form, _("合同"))
            version = exc.details.get("current_version", version)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if saved.version == version:
                return _refreshed(request, customer, _("没有需要保存的修改"))
            message = _("已修改合同 %(number)s") % {"number": saved.number}
            return _refreshed(request, customer, message)
    return _contract_dialog(request, customer, form, contract=contract, version=version, note=note)


# --- orders ----------------------------------------------------------------------------------


def _contract_choices(customer: Customer) -> list[tuple[int, str]]:
    rows = Contract.objects.filter(customer=customer).order_by(
        F("signed_on").desc(nulls_first=True), "-pk"
    )
    return [
        (pk, f"{number} {title}".strip())
        for pk, number, title in rows.values_list("pk", "number", "title")[:CHOICES_CAP]
    ]


def _order_dialog(
    request: HttpRequest, customer: Customer, form: OrderForm, **extra: Any
) -> HttpResponse:
    title = _("修改订单") if extra.get("order") else _("新增订单")
    return _dialog(request, "pipeline/dialogs/order.html", customer, form, title, **extra)


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = customer_services.get_editable(actor, pk)
    initial = {"ordered_on": timezone.localdate()}
    form = OrderForm(_posted(request), contracts=_contract_choices(customer), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.create_order(actor, customer=customer, **form.service_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            message = _("已新增订单 %(number)s") % {"number": order.number}
            return _refreshed(request, customer, message)
    return _order_dialog(request, customer, form)


def _editable_order(request: HttpRequest, pk: int) -> Order:
    order = services.get_visible_order(_actor(request), pk)  # hidden: 404
    policy.require_edit_customer(_user(request), order.customer)  # read only: 403
    return order


ORDER_INITIAL = ("number", "ordered_on", "amount", "summary")


@login_required
@require_http_methods(["GET", "POST"])
def order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor, order = _actor(request), _editable_order(request, pk)
    customer = order.customer
    initial = {name: getattr(order, name) for name in ORDER_INITIAL}
    initial["contract"] = order.contract_id or ""
    data = _posted(request)
    form = OrderForm(data, contracts=_contract_choices(customer), initial=initial)
    note = ChangeReasonForm(data)
    version = (_int(request.POST.get("version")) or 0) if data is not None else order.version
    if data is not None and form.is_valid() and note.is_valid():
        try:
            saved = services.update_order(
                actor,
                order,
                expected_version=version,
                reason=note.cleaned_data["reason"],
                **form.service_fields(),
            )
        except PreconditionFailed as exc:
            _stale(form, _("订单"))
            version = exc.details.get("current_version", version)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if saved.version == version:
                return _refreshed(request, customer, _("没有需要保存的修改"))
            message = _("已修改订单 %(number)s") % {"number": saved.number}
            return _refreshed(request, customer, message)
    return _order_dialog(request, customer, form, order=order, version=version, note=note)


@login_required
@require_http_methods(["GET", "POST"])
def order_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """删除订单 (one entered by mistake) with a reason; the timeline keeps what it was."""
    actor, order = _actor(request), _editable_order(request, pk)
    form = OrderDeleteForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_order(actor, order, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            message = _("已删除订单 %(number)s") % {"number": order.number}
            return _refreshed(request, order.customer, message)
    return _dialog(
        request,
        "pipeline/dialogs/order_delete.html",
        order.customer,
        form,
        _("删除订单"),
        order=order,
    )


# --- the level -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def level_override(request: HttpRequest, pk: int) -> HttpResponse:
    """手动指定等级: held against the automatic tiering until 恢复自动分级; logged with why."""
    actor = _actor(request)
    customer = customer_services.get_editable(actor, pk)
    form = LevelForm(_posted(request), initial={"level": customer.level})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_level_override(actor, customer, level=data["level"], reason=data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            label = Level(data["level"]).label
            message = _("客户等级已手动指定为 %(level)s") % {"level": label}
            return _refreshed(request, customer, message)
    return _dialog(request, "pipeline/dialogs/level.html", customer, form, _("手动指定客户等级"))


@login_required
@require_http_methods(["GET", "POST"])
def level_clear(request: HttpRequest, pk: int) -> HttpResponse:
    """恢复自动分级: the level follows the trailing-12-month signed contract amount again."""
    actor = _actor(request)
    customer = customer_services.get_editable(actor, pk)
    form = LevelClearForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            fresh = services.clear_level_override(
                actor, customer, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            message = _("已恢复自动分级,当前等级 %(level)s") % {"level": Level(fresh.level).label}
            return _refreshed(request, customer, message)
    facts = _facts(customer, timezone.localdate())
    auto = rules.tier_for(facts["trailing"], facts["strategic_threshold"], facts["key_threshold"])
    return _dialog(
        request,
        "pipeline/dialogs/level_clear.html",
        customer,
        form,
        _("恢复自动分级"),
        trailing=facts["trailing"],
        auto_level=Level(auto).label,
    )

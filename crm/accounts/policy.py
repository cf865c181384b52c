"""The one place that answers "may this actor do X" and "which rows may this actor see".

Row scope is expressed as Q objects over Customer, so every read can start restricted
(`Customer.objects.filter(customer_scope(user))`) and every object check is the same rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q

from .choices import Role

if TYPE_CHECKING:
    from crm.customers.models import Customer

    from .models import User

# capability -> roles that hold it (admins hold every capability)
CAPABILITIES: dict[str, frozenset[str]] = {
    "customer.create": frozenset({Role.SALES, Role.SALES_MANAGER, Role.CUSTOMER_SUCCESS}),
    "customer.transfer": frozenset({Role.SALES_MANAGER}),
    "duplicate.resolve": frozenset({Role.SALES_MANAGER}),
    "settings.manage": frozenset(),
    "user.manage": frozenset(),
    "team.manage": frozenset(),
    "audit.read": frozenset(),
}
READ_ALL_ROLES = frozenset({Role.SERVICE, Role.CUSTOMER_SUCCESS})


def has(user: User | None, capability: str) -> bool:
    if user is None or not user.is_active:
        return False
    if user.is_admin:
        return True
    return user.role in CAPABILITIES[capability]


def require(user: User | None, capability: str) -> None:
    if not has(user, capability):
        raise PermissionDenied("您没有执行此操作的权限")


def managed_team_ids(user: User) -> set[int]:
    """Teams whose customers this user manages (cached on the user object)."""
    cached: set[int] | None = getattr(user, "_managed_team_ids", None)
    if cached is None:
        cached = set()
        if user.role == Role.SALES_MANAGER:  # only sales managers manage a team's customers
            cached = set(user.managed_teams.values_list("pk", flat=True))
            if user.team_id:
                cached.add(user.team_id)
        user._managed_team_ids = cached  # type: ignore[attr-defined]
    return cached


def _own_or_collaborator(user: User, prefix: str = "") -> Q:
    from crm.customers.models import Collaborator

    ref = f"{prefix}pk" if prefix else "pk"
    collab = Collaborator.objects.filter(customer=OuterRef(ref), user=user)
    return Q(**{f"{prefix}owner": user}) | Q(Exists(collab))


def customer_edit_scope(user: User | None, prefix: str = "") -> Q:
    """Customers this user may edit. `prefix` ("customer__") applies it to related models."""
    if user is None or not user.is_active:
        return Q(pk__in=[])
    if user.is_admin:
        return Q()
    if user.role == Role.SERVICE:
        return Q(pk__in=[])
    scope = _own_or_collaborator(user, prefix)
    teams = managed_team_ids(user)
    if teams:
        scope |= Q(**{f"{prefix}owner__team__in": teams})
    return scope


def customer_scope(user: User | None, prefix: str = "") -> Q:
    """Customers this user may see."""
    if user is None or not user.is_active:
        return Q(pk__in=[])
    if user.is_admin or user.role in READ_ALL_ROLES:
        return Q()
    return customer_edit_scope(user, prefix)


def visible_customers(user: User | None):  # type: ignore[no-untyped-def]
    from crm.customers.models import Customer

    return Customer.objects.filter(customer_scope(user))


def can_edit_customer(user: User | None, customer: Customer) -> bool:
    from crm.customers.models import Customer

    annotated = getattr(customer, "can_edit", None)
    if annotated is not None:
        return bool(annotated)
    return Customer.objects.filter(customer_edit_scope(user), pk=customer.pk).exists()


def require_edit_customer(user: User | None, customer: Customer) -> None:
    if not can_edit_customer(user, customer):
        raise PermissionDenied("您只能查看该客户,不能修改")


def can_transfer_customer(user: User | None, customer: Customer) -> bool:
    if user is None or not has(user, "customer.transfer"):
        return False
    return user.is_admin or customer.owner.team_id in managed_team_ids(user)


def can_manage_collaborators(user: User | None, customer: Customer) -> bool:
    """The owner, the owner's team manager or an admin; collaborators do not add others."""
    if user is None or not user.is_active:
        return False
    if user.is_admin or customer.owner_id == user.pk:
        return True
    return customer.owner.team_id in managed_team_ids(user)


def can_see_personal(user: User | None, customer: Customer) -> bool:
    """Mobile and email in full: editors of the customer, or holders of the personal grant."""
    if user is None:
        return False
    return user.is_admin or user.grant_personal or can_edit_customer(user, customer)


def can_reveal_sensitive(user: User | None) -> bool:
    return user is not None and user.is_active and user.grant_sensitive


# --- record cards and to-dos (crm.records) -------------------------------------------------

# May file service records 服务记录 on any customer they can see, without editing the customer.
SERVICE_RECORD_ROLES = frozenset({Role.SERVICE, Role.CUSTOMER_SUCCESS})


def record_scope(user: User | None, prefix: str = "") -> Q:
    """Record cards this user may see: those of visible customers; service staff see service
    records only (DOMAIN §6)."""
    scope = customer_scope(user, prefix=f"{prefix}customer__")
    if user is not None and not user.is_admin and user.role == Role.SERVICE:
        scope &= Q(**{f"{prefix}kind": "service"})
    return scope


def can_file_record(user: User | None, customer: Customer, kind: str) -> bool:
    """Editors of the customer file either kind; service staff and customer success file
    service records on any customer they can see (the caller fetched it through visible_to)."""
    if user is None or not user.is_active:
        return False
    if kind == "service" and user.role in SERVICE_RECORD_ROLES:
        return True
    return can_edit_customer(user, customer)


def require_file_record(user: User | None, customer: Customer, kind: str) -> None:
    if not can_file_record(user, customer, kind):
        if kind == "sales" and user is not None and user.role in SERVICE_RECORD_ROLES:
            raise PermissionDenied("您只能为该客户填写服务记录")
        raise PermissionDenied("您没有为该客户填写维护记录的权限")


def can_change_record(
    user: User | None, maintainer_id: int, created_by_id: int | None, customer: Customer
) -> bool:
    """Correct or void a card: its maintainer, whoever filed it, the customer's editors."""
    if user is None or not user.is_active:
        return False
    if user.pk in {maintainer_id, created_by_id}:
        return True
    return can_edit_customer(user, customer)


def task_scope(user: User | None) -> Q:
    """To-dos this user may see: their own (owner or collaborator) and those of visible
    customers."""
    if user is None or not user.is_active:
        return Q(pk__in=[])
    customers = customer_scope(user, prefix="customer__")
    if not customers:  # an empty Q means every customer (and Q(x) | Q() would be just Q(x))
        return customers
    return Q(owner=user) | Q(collaborator=user) | customers


def can_create_task(user: User | None, customer: Customer) -> bool:
    """Whoever may file some card on the customer may also add a to-do to it."""
    return can_file_record(user, customer, "service")


def can_close_task(
    user: User | None, owner_id: int, collaborator_id: int | None, customer: Customer
) -> bool:
    """Complete or reopen: the owner, the collaborator, the customer's editors."""
    if user is None or not user.is_active:
        return False
    if user.pk in {owner_id, collaborator_id}:
        return True
    return can_edit_customer(user, customer)


def can_change_task(
    user: User | None, owner_id: int, created_by_id: int | None, customer: Customer
) -> bool:
    """Edit or cancel: the owner, whoever created it, the customer's editors."""
    if user is None or not user.is_active:
        return False
    if user.pk in {owner_id, created_by_id}:
        return True
    return can_edit_customer(user, customer)

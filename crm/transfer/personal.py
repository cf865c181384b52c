"""Who may carry a contact's full mobile and email away (an export, a printout, a vCard), and
the access log it leaves.

The rule, one place for the three doors:

- full values only where the viewer may see them in full (`policy.can_see_personal`: the
  customer's editors, admins, holders of the personal grant), and only when asked for
  (the export's 含完整联系方式, the printout's 含完整联系方式; a vCard always asks, since a
  masked number is useless in an address book — it leaves the mobile out instead);
- the customer's editors already read those values on the edit form and through the API, so
  their copies are not logged one by one (the export's own DataExport row and audit event
  still say what was taken);
- a viewer allowed by the grant alone (not an editor of the customer) reads someone else's
  customer: each full value is logged in the same access log as the contacts' 查看 button
  (`SensitiveAccess`, crm.contacts.services.reveal), one row per contact and field;
- ID numbers (sensitive) need the sensitive grant and are logged every time, for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from crm.accounts import policy
from crm.audit import services as audit
from crm.core.actor import Actor
from crm.customers.rules import mask_personal

if TYPE_CHECKING:
    from crm.contacts.models import Contact
    from crm.customers.models import Customer

PERSONAL = ("mobile", "email", "emergency_phone")


def may_see_full(user: Any, customer: Customer) -> bool:
    return user is not None and policy.can_see_personal(user, customer)


def logged_by_grant(user: Any, customer: Customer) -> bool:
    """Whether full personal values shown to `user` go into the access log: allowed by the
    personal grant only, not as an editor of the customer."""
    return not policy.can_edit_customer(user, customer)


def personal_values(contact: Contact, *, full: bool) -> dict[str, str]:
    """The contact's mobile, email and emergency phone, in full or masked as on the page."""
    values = {name: str(getattr(contact, name) or "") for name in PERSONAL}
    return values if full else mask_personal(values)


def shown_in_full(contact: Contact, fields: Iterable[str] = PERSONAL) -> list[tuple[Contact, str]]:
    """(contact, field) for each of `fields` the contact has a value in: what a log row names."""
    return [(contact, name) for name in fields if getattr(contact, name, "")]


def log_access(actor: Actor, items: list[tuple[Contact, str]], *, reason: str) -> int:
    """The access-log rows of full values carried away (nothing when `items` is empty)."""
    if not items:
        return 0
    return audit.record_sensitive_accesses(actor, items, reason=reason)

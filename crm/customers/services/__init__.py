"""The one write path for customers. Adapters import from here: crm.customers.services."""

from .archive import (
    AUDITED_FIELDS,
    EDITABLE_FIELDS,
    OWNER_ROLES,
    add_address,
    add_collaborator,
    change_stage,
    create_customer,
    get_editable,
    get_visible,
    remove_address,
    remove_collaborator,
    transfer_owner,
    update_address,
    update_customer,
)
from .duplicates import (
    check_duplicate,
    claims_for,
    duplicate_hint,
    find_duplicate,
    get_claim,
    request_claim,
    resolve_claim,
)
from .numbers import allocate_number, current_pattern, set_number_pattern
from .settings import save_custom_field, save_industry_code, save_source

__all__ = [
    "AUDITED_FIELDS",
    "EDITABLE_FIELDS",
    "OWNER_ROLES",
    "add_address",
    "add_collaborator",
    "allocate_number",
    "change_stage",
    "check_duplicate",
    "claims_for",
    "create_customer",
    "current_pattern",
    "duplicate_hint",
    "find_duplicate",
    "get_claim",
    "get_editable",
    "get_visible",
    "remove_address",
    "remove_collaborator",
    "request_claim",
    "resolve_claim",
    "save_custom_field",
    "save_industry_code",
    "save_source",
    "set_number_pattern",
    "transfer_owner",
    "update_address",
    "update_customer",
]

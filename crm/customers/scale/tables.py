"""Where each generated table goes, and the values of the columns a generator leaves alone.

A column the rows do not carry gets one value for the whole load: the model field's default
(timezone.now → the moment of the run, {} → '{}', False → 0), NULL for a nullable field, ''
otherwise; `OVERRIDES` names run-level values (the audit actor …). Constants travel as SQL
literals on SQLite and as temporary column defaults on PostgreSQL, not in every row.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from crm.audit.models import AuditEvent
from crm.contacts.models import Contact
from crm.customers.models import Address, Customer, StageTransition
from crm.pipeline.models import Contract, Opportunity, Order
from crm.records.models import Record, Task

from .rows import COLUMNS, CUSTOMER_COLUMNS

AUDIT_COLUMNS = ("at", "object_id", "object_repr", "customer_id", "changes")
MODELS: dict[str, type[models.Model]] = {
    "customers": Customer,
    "contacts": Contact,
    "addresses": Address,
    "tags": Customer.tags.through,
    "transitions": StageTransition,
    "records": Record,
    "tasks": Task,
    "opportunities": Opportunity,
    "contracts": Contract,
    "orders": Order,
    "audit": AuditEvent,
}
# Tables whose ids the generator sets (others take the database's own ids, in order).
EXPLICIT_IDS = ("customers", "contacts", "records", "tasks", "opportunities", "contracts", "orders")
LABELS = {
    "customers": "客户", "contacts": "联系人", "addresses": "地址", "tags": "客户标签",
    "transitions": "阶段记录", "records": "维护记录", "tasks": "待办事项",
    "opportunities": "商机", "contracts": "合同", "orders": "订单", "audit": "审计日志",
    "search": "搜索索引",
}  # fmt: skip


def columns(table: str) -> tuple[str, ...]:
    if table == "customers":
        return CUSTOMER_COLUMNS
    if table == "audit":
        return AUDIT_COLUMNS
    return COLUMNS[table]


@dataclass(frozen=True)
class Table:
    name: str
    db_table: str
    columns: tuple[str, ...]  # db column names the rows carry, in row order
    constants: dict[str, Any]  # db column → value for the rest


def _value(field: models.Field[Any, Any], now: str) -> Any:
    if field.has_default():
        value = field.get_default()
    elif field.null:
        return None
    else:
        value = ""
    if isinstance(value, datetime.datetime):
        return now
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def table(name: str, now: str, overrides: dict[str, Any]) -> Table:
    model = MODELS[name]
    meta = model._meta
    carried = columns(name)
    constants = {}
    for field in meta.concrete_fields:
        column = str(field.column)
        if column in carried or field.primary_key:
            continue
        constants[column] = overrides.get(column, _value(field, now))
    return Table(name, meta.db_table, carried, constants)


def audit_overrides(actor_id: int, label: str) -> dict[str, Any]:
    return {
        "actor_id": actor_id,
        "actor_label": label,
        "source": "cli",
        "action": "customer.create",
        "object_type": "customers.customer",
        "reason": "",
    }

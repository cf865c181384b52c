"""The customer list as a spreadsheet: exactly the rows the list shows for the same filters and
sort, every page of them, in the columns our importer reads back with no mapping.

Rows are read in keyset chunks in the list's own order (`selectors.list_chunks`; the table-walk
helper `crm.core.chunks.keyset_chunks` walks primary-key order only), each chunk with its tags,
addresses and main contacts in one query apiece, and written out as they come: xlsx through
xlsxwriter in constant-memory mode, CSV through a text wrapper over the caller's binary file.
Personal values follow crm.transfer.personal; every text cell goes through `cells.neutralise`.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from operator import attrgetter, methodcaller
from typing import Any, BinaryIO, Literal, Protocol

import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from crm.accounts import policy
from crm.accounts.models import User
from crm.audit import services as audit
from crm.contacts.models import Contact
from crm.core.actor import Actor
from crm.customers import selectors
from crm.customers.models import Address, Customer, CustomFieldDefinition, Tag

from . import personal
from .cells import neutralise
from .choices import ExportFormat
from .models import DataExport
from .targets import CUSTOMER_TARGETS, Target

FileFormat = Literal["xlsx", "csv", "csv_gbk"]
Kind = Literal["text", "date", "amount", "number"]
CHUNK = 500  # customers per keyset chunk: four queries each, whatever the total
LIST_SEPARATOR = "、"
XLSX_TEXT_LIMIT = 32767  # the longest text an Excel cell holds
FORMAT_ERROR = "导出格式只能是 xlsx、csv 或 csv_gbk"
# Query-string keys that are not filters (the list's paging, the export's own options).
NOT_FILTERS = frozenset({"format", "include_personal", "after", "before", "page_size"})
CONTENT_TYPES: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "csv_gbk": "text/csv; charset=gb18030",
}
EXTENSIONS: dict[str, str] = {"xlsx": "xlsx", "csv": "csv", "csv_gbk": "csv"}
# UTF-8 with a byte-order mark, which Excel needs to read UTF-8; GB18030 (a superset of GBK
# that encodes every Unicode character) for old Excel and WPS.
CSV_ENCODINGS: dict[str, str] = {"csv": "utf-8-sig", "csv_gbk": "gb18030"}
WIDTHS: dict[str, int] = {
    "客户编号": 20,
    "客户名称": 34,
    "统一社会信用代码": 22,
    "客户等级": 14,
    "标签": 24,
    "主营产品": 24,
    "合作产品/服务": 24,
    "订单记录摘要": 30,
    "备注": 40,
    "邮箱": 24,
    "证件号码": 22,
    "总部地址": 40,
    "分支机构地址": 40,
}
KIND_OF_TARGET: dict[str, Kind] = {"date": "date", "amount": "amount", "int": "number"}
KIND_OF_CUSTOM: dict[str, Kind] = {"integer": "number", "decimal": "number", "date": "date"}


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = "text"


def export_customers(
    actor: Actor,
    *,
    params: Mapping[str, Any],
    file_format: str,
    out: BinaryIO,
    include_personal: bool = False,
) -> DataExport:
    """Write the actor's customer list (filters and sort from `params`, as the list page reads
    its query string) to `out`, log it (DataExport + audit event) and return the log row.

    Bad input raises ValidationError before anything is written."""
    user = actor.user
    if user is None or not user.is_active:
        raise PermissionDenied("请先登录")
    if file_format not in CONTENT_TYPES:
        raise ValidationError({"format": FORMAT_ERROR})
    customers = selectors.filtered_customers(user, params)
    sort = selectors.parse_sort(str(params.get("sort") or ""))
    definitions = list(CustomFieldDefinition.objects.filter(is_active=True).order_by("position"))
    columns = customer_columns(definitions)
    rows = CustomerRows(actor, definitions, include_personal=include_personal)
    sheet = open_sheet(file_format, out, columns)
    for chunk in selectors.list_chunks(rows.prepare(customers), sort, CHUNK):
        for values in rows.chunk(chunk):
            sheet.row(values)
    sheet.close()
    return _log(actor, user, file_format, params, columns, rows)


def _log(
    actor: Actor,
    user: User,
    file_format: str,
    params: Mapping[str, Any],
    columns: Sequence[Column],
    rows: CustomerRows,
) -> DataExport:
    """The export's log row and its audit event, in one transaction."""
    with transaction.atomic():
        export = DataExport.objects.create(
            kind="customers",
            file_format=file_format,
            created_by=user,
            filters=filters_of(params),
            columns=[column.label for column in columns],
            row_count=rows.count,
            sensitive=rows.full_values,
        )
        logged = audit.snapshot(export, ("file_format", "row_count", "filters", "sensitive"))
        audit.record(actor, "export.customers", export, changes=audit.diff({}, logged))
    return export


def customer_columns(definitions: Sequence[CustomFieldDefinition]) -> list[Column]:
    """The canonical headers of CUSTOMER_TARGETS in order, then one per active custom field."""
    columns = [Column(t.label, KIND_OF_TARGET.get(t.type, "text")) for t in CUSTOMER_TARGETS]
    return columns + [Column(d.label, KIND_OF_CUSTOM.get(d.type, "text")) for d in definitions]


def filters_of(params: Mapping[str, Any]) -> dict[str, Any]:
    """The filters and sort of an export as its log keeps them (one value, or a list)."""
    lists = getattr(params, "lists", None)
    items = lists() if callable(lists) else ((k, [v]) for k, v in params.items())
    kept: dict[str, Any] = {}
    for key, values in items:
        values = [str(v) for v in (values if isinstance(values, list) else [values])]
        values = [v for v in values if v != ""]
        if key not in NOT_FILTERS and values:
            kept[str(key)] = values[0] if len(values) == 1 else values
    return kept


# --- rows -----------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _first_address(customer: Customer, kind: str) -> str:
    """The head office, or the first branch: region name and detail (广东省 深圳市 南山区…)."""
    for address in customer.export_addresses:  # type: ignore[attr-defined]
        if address.kind == kind:
            region = str(address.region) if address.region_id else ""
            return " ".join(part for part in (region, address.detail) if part)
    return ""


# Customer fields written as their Chinese label (get_<field>_display).
CHOICES = ("kind", "level", "stage", "status", "intent", "headcount", "preferred_channel")
# Values that are not plain attributes of the customer, by target key.
DERIVED: dict[str, Callable[[Customer], Any]] = {
    "industry": lambda c: c.industry_id or "",
    "source": lambda c: c.source.name if c.source_id and c.source else "",
    "region": lambda c: c.region_id or "",
    "owner": lambda c: c.owner.username,
    # prefetched into plain lists (CustomerRows.prepare): no queryset per row
    "tags": lambda c: LIST_SEPARATOR.join(t.name for t in c.export_tags),  # type: ignore[attr-defined]
    "address_hq": lambda c: _first_address(c, "hq"),
    "address_branch": lambda c: _first_address(c, "branch"),
}
CONTACT_FIELDS = (
    "customer_id",
    "name",
    "title",
    "department",
    "phone",
    "mobile",
    "email",
    "wechat",
    "decision_role",
    "emergency_contact",
    "emergency_phone",
)


def _getter(target: Target) -> Callable[[Customer], Any]:
    """How a customer target's value is read, in the form the importer reads it back."""
    key = target.key
    if key in DERIVED:
        return DERIVED[key]
    if key in CHOICES:
        return methodcaller(f"get_{key}_display")
    if target.type == "bool":
        return lambda c: _yes_no(bool(getattr(c, key)))
    if not hasattr(Customer, key):  # order_summary, contract_numbers: not kept (yet)
        return lambda c: None
    return attrgetter(key)


@cache
def _getters() -> tuple[Callable[[Customer], Any] | None, ...]:
    """Per column of CUSTOMER_TARGETS: its customer getter (None: a contact column)."""
    return tuple(None if t.group == "contact" else _getter(t) for t in CUSTOMER_TARGETS)


def custom_value(definition: CustomFieldDefinition, value: Any) -> Any:
    """A stored custom-field value in the cell type of its column (text if it is malformed)."""
    if value is None or value == "":
        return None
    try:
        if definition.type == "boolean":
            return _yes_no(bool(value))
        if definition.type == "integer" and not isinstance(value, bool):
            return int(value)
        if definition.type == "decimal":
            return Decimal(str(value))
        if definition.type == "date":
            return datetime.date.fromisoformat(str(value))
    except (ValueError, TypeError, InvalidOperation):
        return str(value)
    return str(value)


class CustomerRows:
    """Turns chunks of customers into rows of cell values, logging full personal values."""

    def __init__(
        self, actor: Actor, definitions: Sequence[CustomFieldDefinition], *, include_personal: bool
    ) -> None:
        self.actor = actor
        self.user = actor.user
        self.definitions = definitions
        self.include_personal = include_personal
        self.sensitive = include_personal and policy.can_reveal_sensitive(self.user)
        self.count = 0
        self.full_values = False  # whether any unmasked personal or sensitive value was written

    def prepare(self, customers: QuerySet[Customer]) -> QuerySet[Customer]:
        """The list's rows with what a row writes: one query per chunk for each relation."""
        main = Contact.objects.filter(customer=OuterRef("pk")).order_by("-is_primary", "pk")
        return (
            customers.with_list_data()  # type: ignore[attr-defined]
            .with_permissions(self.user)
            .annotate(main_contact_id=Subquery(main.values("pk")[:1]))
            .prefetch_related(
                Prefetch("tags", queryset=Tag.objects.only("name"), to_attr="export_tags"),
                Prefetch(
                    "addresses",
                    queryset=Address.objects.select_related("region__parent"),
                    to_attr="export_addresses",
                ),
            )
        )

    def _contacts(self, chunk: Sequence[Customer]) -> dict[int, Contact]:
        ids = [c.main_contact_id for c in chunk if c.main_contact_id]  # type: ignore[attr-defined]
        if not ids:
            return {}
        fields = CONTACT_FIELDS + (("id_number",) if self.sensitive else ())
        return Contact.objects.only(*fields).in_bulk(ids)

    def chunk(self, chunk: Sequence[Customer]) -> Iterator[list[Any]]:
        contacts = self._contacts(chunk)
        logged: list[tuple[Contact, str]] = []
        for customer in chunk:
            contact = contacts.get(customer.main_contact_id)  # type: ignore[attr-defined]
            yield self.row(customer, contact, logged)
            self.count += 1
        personal.log_access(self.actor, logged, reason="导出客户列表")

    def _contact_values(
        self, customer: Customer, contact: Contact | None, logged: list[tuple[Contact, str]]
    ) -> dict[str, Any]:
        if contact is None:
            return {}
        full = self.include_personal and personal.may_see_full(self.user, customer)
        values: dict[str, Any] = {
            f"contact_{name}": getattr(contact, name)
            for name in ("name", "title", "department", "phone", "wechat", "emergency_contact")
        }
        values["contact_decision_role"] = contact.get_decision_role_display()
        shown = personal.personal_values(contact, full=full)
        values.update({f"contact_{name}": value for name, value in shown.items()})
        fields: list[str] = list(personal.PERSONAL) if full else []
        if self.sensitive:
            values["contact_id_number"] = contact.id_number
            fields.append("id_number")
        seen = personal.shown_in_full(contact, fields)
        self.full_values = self.full_values or bool(seen)
        if full and not personal.logged_by_grant(self.user, customer):
            seen = [item for item in seen if item[1] == "id_number"]
        logged.extend(seen)
        return values

    def row(
        self, customer: Customer, contact: Contact | None, logged: list[tuple[Contact, str]]
    ) -> list[Any]:
        contact_values = self._contact_values(customer, contact, logged)
        row = [
            contact_values.get(t.key) if get is None else get(customer)
            for t, get in zip(CUSTOMER_TARGETS, _getters(), strict=True)
        ]
        custom = customer.custom or {}
        return row + [custom_value(d, custom.get(d.key)) for d in self.definitions]


# --- writers --------------------------------------------------------------------------------


class Sheet(Protocol):
    def row(self, values: Sequence[Any]) -> None: ...

    def close(self) -> None: ...


def _number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _width(column: Column) -> int:
    if column.label in WIDTHS:
        return WIDTHS[column.label]
    wide = sum(2 if ord(ch) > 0x2E7F else 1 for ch in column.label)
    return max(wide + 2, 12 if column.kind == "date" else 10, 16 if column.kind == "amount" else 0)


class XlsxSheet:
    """One worksheet written row by row (constant memory: each row is flushed as it ends)."""

    def __init__(self, out: BinaryIO, columns: Sequence[Column]) -> None:
        self.book = xlsxwriter.Workbook(out, {"constant_memory": True})
        self.sheet = self.book.add_worksheet("客户")
        self.columns = columns
        self.formats = {
            "date": self.book.add_format({"num_format": "yyyy-mm-dd"}),
            "amount": self.book.add_format({"num_format": "#,##0.00"}),
            "number": None,
        }
        header = self.book.add_format({"bold": True, "bg_color": "#F1F3F5", "border": 1})
        for index, column in enumerate(columns):
            self.sheet.set_column(index, index, _width(column))
        self.sheet.freeze_panes(1, 0)
        for index, column in enumerate(columns):
            self.sheet.write_string(0, index, neutralise(column.label), header)
        self.next = 1

    def row(self, values: Sequence[Any]) -> None:
        for index, (column, value) in enumerate(zip(self.columns, values, strict=True)):
            if value is None or value == "":
                continue
            if column.kind == "date" and isinstance(value, datetime.date):
                self.sheet.write_datetime(self.next, index, value, self.formats["date"])
            elif column.kind in ("amount", "number") and _number(value):
                self.sheet.write_number(self.next, index, value, self.formats[column.kind])
            else:
                text = neutralise(str(value))[:XLSX_TEXT_LIMIT]
                self.sheet.write_string(self.next, index, text)
        self.next += 1

    def close(self) -> None:
        self.book.close()


class CsvSheet:
    """CSV over the caller's binary file: dates in ISO form, numbers as plain digits."""

    def __init__(self, out: BinaryIO, columns: Sequence[Column], encoding: str) -> None:
        self.text = io.TextIOWrapper(out, encoding=encoding, newline="")  # type: ignore[type-var]
        self.writer = csv.writer(self.text)
        self.columns = columns
        self.writer.writerow([neutralise(column.label) for column in columns])

    def row(self, values: Sequence[Any]) -> None:
        self.writer.writerow(
            [self._cell(column, value) for column, value in zip(self.columns, values, strict=True)]
        )

    @staticmethod
    def _cell(column: Column, value: Any) -> str:
        if value is None:
            return ""
        if column.kind == "date" and isinstance(value, datetime.date):
            return value.isoformat()
        if column.kind in ("amount", "number") and _number(value):
            return str(value)
        return str(neutralise(str(value)))

    def close(self) -> None:
        self.text.flush()
        self.text.detach()  # the caller's file stays open


def open_sheet(file_format: str, out: BinaryIO, columns: Sequence[Column]) -> Sheet:
    if file_format == ExportFormat.XLSX:
        return XlsxSheet(out, columns)
    return CsvSheet(out, columns, CSV_ENCODINGS[file_format])


def file_name(kind_label: str, file_format: str, day: datetime.date) -> str:
    """客户_20261202.xlsx"""
    return f"{kind_label}_{day:%Y%m%d}.{EXTENSIONS[file_format]}"

"""Contract 合同 and order 订单 import: one row is a contract (or an order) of a customer the
actor may edit, named by 客户编号 or, failing that, by its name (the archive's normalised name
key; a name two customers share needs the number).

Every write goes through `crm.pipeline.services` (create_contract / update_contract,
create_order / update_order) as an `Actor(source="import")`: the pipeline's checks, its audit
rows and the customer's derived cooperation dates, cumulative amount and level apply as on
the web. Rows are written a hundred at a time, each part in one transaction with its
`ImportRow` outcomes (each row in its own savepoint, so a refused row never takes the good ones
with it): a killed run resumes where it stopped. A dry run goes through the same service calls
and rolls them back.

Rows are known by their number (合同编号 / 订单编号), so importing a file again changes nothing:
a row whose number exists with the same values is 无需更新 (empty cells never count as a
difference, nor erase); with other values it is skipped, or updated when the job's (or the
row's) resolution says 更新. A row without a number is refused: the archive would generate one,
and a second run of the same file could not know the row was imported already.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from crm.core.errors import Conflict, NotFound
from crm.customers.models import Customer
from crm.customers.rules import normalise_name
from crm.pipeline import services as pipeline
from crm.pipeline.choices import ContractStatus
from crm.pipeline.models import Contract, Order

from . import headers, values
from .choices import Resolution, RowOutcome
from .importer import CustomerImport, ImportFailed, Outcome, Progress, Row
from .models import ImportJob, ImportRow
from .targets import by_key

WRITE_ROWS = 100  # rows written in one transaction (a few service calls each)
AMBIGUOUS: Any = object()  # a name that more than one editable customer has


@dataclass(frozen=True)
class Spec:
    """What one import kind writes (its model) and what a row and the mapping need."""

    kind: str
    label: str  # 合同 / 订单
    model: type[models.Model]
    required: tuple[str, ...]  # model fields a row must fill
    columns: tuple[tuple[frozenset[str], str], ...]  # target keys the mapping must name

    def field_label(self, name: str) -> str:
        if name == "contract":
            return "合同编号"
        return str(getattr(self.model._meta.get_field(name), "verbose_name", name))


_CUSTOMER_COLUMN = (frozenset({"customer_number", "customer_name"}), "客户编号或客户名称")
CONTRACTS = Spec(
    "contracts",
    "合同",
    Contract,
    ("amount",),
    (
        _CUSTOMER_COLUMN,
        (frozenset({"number"}), "合同编号"),
        (frozenset({"amount"}), "合同金额"),
    ),
)
ORDERS = Spec(
    "orders",
    "订单",
    Order,
    ("ordered_on", "amount"),
    (
        _CUSTOMER_COLUMN,
        (frozenset({"number"}), "订单编号"),
        (frozenset({"ordered_on"}), "订单日期"),
        (frozenset({"amount"}), "订单金额"),
    ),
)
SPECS = {spec.kind: spec for spec in (CONTRACTS, ORDERS)}


def missing_columns(kind: str, chosen: set[str]) -> list[str]:
    """The columns a mapping of a contracts or orders file lacks, as labels."""
    return [label for keys, label in SPECS[kind].columns if not keys & chosen]


def customer_ids(job: ImportJob) -> models.QuerySet[Any]:
    """The customers whose contracts or orders the job created or changed."""
    written = ImportRow.objects.filter(
        job=job, outcome__in=[RowOutcome.CREATED, RowOutcome.UPDATED]
    ).values("object_id")
    manager: Any = SPECS[job.kind].model._default_manager
    return cast(
        models.QuerySet[Any], manager.filter(pk__in=written).values("customer_id").distinct()
    )


# --- one row --------------------------------------------------------------------------------


@dataclass
class DealRow(Row):
    customer_number: str = ""
    customer_name: str = ""
    contract_number: str = ""  # an order's contract
    term: tuple[Any, Any] | None = None  # 合同期限: (start, end)
    label: str = ""  # what the preview shows: number and customer

    @property
    def name(self) -> str:
        return self.label


class DealRows:
    """Sheet rows into the fields of a contract or an order (no writes, no queries)."""

    def __init__(self, spec: Spec, mapping: dict[int, str]) -> None:
        self.spec = spec
        self.mapping = mapping
        self.targets = by_key(spec.kind)

    def parse(self, row_no: int, cells: list[Any]) -> DealRow:
        row = DealRow(row_no, cells)
        for index, key in self.mapping.items():
            raw = cells[index] if index < len(cells) else ""
            try:
                self._take(row, key, raw)
            except ValueError as exc:
                label = self.targets[key].label if key in self.targets else key
                message = str(exc)
                row.errors.append(message if label in message else f"{label}: {message}")
        if row.term is not None:  # 开始日期 / 到期日期 columns win over 合同期限
            row.fields.setdefault("starts_on", row.term[0])
            row.fields.setdefault("ends_on", row.term[1])
        self._require(row)
        row.label = " ".join(filter(None, [row.number, row.customer_name or row.customer_number]))
        return row

    def _take(self, row: DealRow, key: str, raw: Any) -> None:
        target = self.targets.get(key)
        if target is None:
            return
        if target.type == "date":
            day = values.parse_date(raw)
            if day is not None:
                row.fields[key] = day
            return
        if target.type == "amount":
            amount = values.parse_amount(raw)
            if amount is not None:
                row.fields[key] = amount
            return
        text = values.clean_text(raw) if target.type == "longtext" else values.clean_line(raw)
        if not text:
            return
        if key == "term":
            row.term = values.parse_date_range(text)
        elif key == "contract_status":
            row.fields["status"] = values.parse_choice(
                text, ContractStatus, headers.CHOICE_SYNONYMS["contract_status"]
            )
        elif key in ("customer_number", "customer_name", "number", "contract_number"):
            setattr(row, key, text)
        else:
            row.fields[key] = text

    def _require(self, row: DealRow) -> None:
        label = self.spec.label
        if not row.customer_number and not row.customer_name:
            row.errors.insert(0, "客户编号和客户名称都为空")
        if not row.number:
            row.errors.append(
                f"{label}编号为空: 导入的{label}须填写{label}编号"
                f"(再次导入同一表格时按编号识别,不会重复建档)"
            )
        for name in self.spec.required:
            wanted = self.spec.field_label(name).removesuffix("(元)")
            if name not in row.fields and not any(wanted in e for e in row.errors):
                row.errors.append(f"{wanted}为空")

    def prepare(self, row: Row, default_owner: Any) -> None:
        """Checked by the pipeline's services themselves, at write time."""


# --- a job ----------------------------------------------------------------------------------


@dataclass
class Context:
    """What a batch needs from the archive, read once for the whole batch."""

    customers: dict[str, Any] = field(default_factory=dict)  # "n:<number>" / "k:<name key>"
    view_only: dict[str, Customer] = field(default_factory=dict)  # visible, not editable
    existing: dict[str, Any] = field(default_factory=dict)  # number → Contract / Order
    contracts: dict[str, Contract] = field(default_factory=dict)  # orders: their contracts


class BusinessImport(CustomerImport):
    """One run of a contracts or orders job (dry or real)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = SPECS[self.job.kind]
        mapping = {int(k): v for k, v in self.job.mapping.items()}
        self.rows = DealRows(self.spec, mapping)  # type: ignore[assignment]
        self.numbers: dict[str, tuple[int, Any]] = {}  # number → (first row, its values)
        self.today = timezone.localdate()

    def check_mapping(self) -> None:
        missing = missing_columns(self.job.kind, set(self.job.mapping.values()))
        if missing:
            raise ImportFailed(f"请在列映射中指定: {'、'.join(missing)}")

    def _pipelined(self) -> bool:
        return False  # written row by row through the services: the database is the work

    def _batch(self, batch: list[Row], progress: Progress, *, may_defer: bool = True) -> None:
        """The batch read from the archive at once, written WRITE_ROWS at a time: each part
        with its outcomes in one transaction, short enough not to keep other writers (and,
        on SQLite, the whole database) waiting while a service call per row runs."""
        rows = cast(list[DealRow], batch)
        context = self._context(rows)
        for start in range(0, len(rows), WRITE_ROWS):
            with transaction.atomic():
                outcomes = [self._row(row, context) for row in rows[start : start + WRITE_ROWS]]
                if self.dry_run:
                    transaction.set_rollback(True)  # a dry run writes nothing
                else:
                    self._record(outcomes)
            if self.dry_run:
                self.keep(outcomes)
            progress.done += len(outcomes)
            progress.counts.update(o.outcome for o in outcomes)
            if self.on_progress:
                self.on_progress(progress)

    # what the batch needs -----------------------------------------------------------------

    def _context(self, rows: list[DealRow]) -> Context:
        context = Context()
        self._customers(rows, context)
        numbers = {r.number for r in rows if r.number}
        manager: Any = self.spec.model._default_manager
        context.existing = {obj.number: obj for obj in manager.filter(number__in=numbers)}
        linked = {r.contract_number for r in rows if r.contract_number}
        if linked:
            context.contracts = {
                c.number: c
                for c in Contract.objects.filter(number__in=linked).only("number", "customer_id")
            }
        return context

    def _customers(self, rows: list[DealRow], context: Context) -> None:
        """The customers the batch names, by number and by normalised name; the ones the
        actor may edit apart from the ones it may only see."""
        numbers = {r.customer_number for r in rows if r.customer_number}
        names = {
            normalise_name(r.customer_name)
            for r in rows
            if r.customer_name and not r.customer_number
        }
        if not numbers and not names:
            return
        user = self.actor.user
        found = (
            Customer.objects.visible_to(user)
            .with_permissions(user)
            .filter(Q(number__in=numbers) | Q(name_key__in=names))
            .only("pk", "number", "name", "name_key")
        )
        for customer in found:
            keys = (f"n:{customer.number}", f"k:{customer.name_key}")
            if not getattr(customer, "can_edit", False):
                for key in keys:
                    context.view_only.setdefault(key, customer)
                continue
            context.customers[keys[0]] = customer
            ambiguous = keys[1] in context.customers  # 张伟 and 张伟: which one?
            context.customers[keys[1]] = AMBIGUOUS if ambiguous else customer

    def _customer(self, row: DealRow, context: Context) -> Customer | str:
        """The row's customer, or why there is none (Chinese)."""
        if row.customer_number:
            key, missing = f"n:{row.customer_number}", f"编号为“{row.customer_number}”的客户"
        else:
            key, missing = f"k:{normalise_name(row.customer_name)}", f"客户“{row.customer_name}”"
        customer = context.customers.get(key)
        if customer is AMBIGUOUS:
            return f"有多个名为“{row.customer_name}”的客户,请填写客户编号以指明是哪一个"
        if customer is not None:
            return cast(Customer, customer)
        seen = context.view_only.get(key)
        if seen is not None:
            return f"您只能查看客户“{seen.name}”,不能为其导入{self.spec.label}"
        return f"找不到{missing},或您无权查看该客户"

    # one row ---------------------------------------------------------------------------------

    def _row(self, row: DealRow, context: Context) -> Outcome:
        if row.errors:
            return self._refuse(row, "; ".join(row.errors))
        found = self._customer(row, context)
        if isinstance(found, str):
            return self._refuse(row, found)
        customer = found
        row.label = f"{row.number} {customer.name}"
        fields = dict(row.fields)
        if row.contract_number:
            contract = context.contracts.get(row.contract_number)
            if contract is None or contract.customer_id != customer.pk:
                return self._refuse(
                    row,
                    f"合同编号“{row.contract_number}”不是客户“{customer.name}”的合同"
                    f"(请先导入该合同)",
                )
            fields["contract"] = contract.pk
        key = (customer.pk, tuple(sorted(fields.items())))
        earlier = self.numbers.get(row.number)
        if earlier is not None:
            return self._again(row, earlier, key)
        existing = context.existing.get(row.number)
        if existing is None:
            outcome = self._add(row, customer, fields)
        else:
            outcome = self._compare(row, customer, existing, fields)
        if outcome.outcome != RowOutcome.REFUSED:  # later rows of this number: the same?
            self.numbers[row.number] = (row.row_no, key)
        return outcome

    def _again(self, row: DealRow, earlier: tuple[int, Any], key: Any) -> Outcome:
        """A number an earlier row of this file had."""
        first, kept = earlier
        if kept == key:
            return Outcome(
                row.row_no, RowOutcome.SKIPPED, f"与第 {first} 行重复,已跳过", name=row.label
            )
        label = self.spec.label
        return self._refuse(row, f"与第 {first} 行的{label}编号相同但内容不同,请核对后只保留一行")

    def _add(self, row: DealRow, customer: Customer, fields: dict[str, Any]) -> Outcome:
        message = ""
        if self.spec is CONTRACTS and "status" not in fields:
            ends_on = fields.get("ends_on")
            if ends_on is not None and ends_on < self.today:
                fields["status"] = ContractStatus.EXPIRED
                message = "到期日期已过,合同状态记为已到期"
        create = pipeline.create_contract if self.spec is CONTRACTS else pipeline.create_order
        try:
            with transaction.atomic():
                made = create(self.actor, customer=customer, number=row.number, **fields)
        except (ValidationError, PermissionDenied, NotFound, Conflict) as exc:
            return self._refuse(row, self._error(exc))
        return Outcome(row.row_no, RowOutcome.CREATED, message, made.pk, row.label)

    def _compare(
        self, row: DealRow, customer: Customer, existing: Any, fields: dict[str, Any]
    ) -> Outcome:
        """A number already in the archive: unchanged, skipped, refused or updated."""
        label = self.spec.label
        if existing.customer_id != customer.pk:
            return self._refuse(row, self._taken(row.number, existing.customer_id))
        changes = {
            name: value
            for name, value in fields.items()
            if getattr(existing, "contract_id" if name == "contract" else name) != value
        }
        if not changes:
            return Outcome(
                row.row_no,
                RowOutcome.UNCHANGED,
                f"与已有{label}一致,无需更新",
                existing.pk,
                row.label,
            )
        named = "、".join(self.spec.field_label(name) for name in changes)
        resolution = self.resolution(row.row_no)
        if resolution == Resolution.NEW:
            return self._refuse(
                row, f"{label}编号“{row.number}”已存在,编号不能重复,不能作为新{label}导入"
            )
        if resolution != Resolution.UPDATE:
            return Outcome(
                row.row_no,
                RowOutcome.SKIPPED,
                f"{label}编号已存在,{named}与系统中不同,已跳过(选择“按表格更新”可更新)",
                existing.pk,
                row.label,
            )
        update = pipeline.update_contract if self.spec is CONTRACTS else pipeline.update_order
        try:
            with transaction.atomic():
                update(self.actor, existing, reason=self.reason, **changes)
        except (ValidationError, PermissionDenied, NotFound, Conflict) as exc:
            return self._refuse(row, self._error(exc))
        done = "将更新" if self.dry_run else "已更新"
        return Outcome(row.row_no, RowOutcome.UPDATED, f"{done}: {named}", existing.pk, row.label)

    def _taken(self, number: str, customer_id: int) -> str:
        """A number another customer's contract (order) has: named only if visible."""
        label = self.spec.label
        other = (
            Customer.objects.visible_to(self.actor.user)
            .filter(pk=customer_id)
            .values_list("number", "name")
            .first()
        )
        whose = f"客户“{other[1]}”({other[0]})" if other else "另一客户"
        return f"{label}编号“{number}”已是{whose}的{label},不能用于本行的客户"

    def _error(self, exc: Exception) -> str:
        """A service's refusal as one line, naming the fields as the pipeline labels them."""
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            parts: list[str] = []
            for name, errors in exc.message_dict.items():
                label = "" if name == "__all__" else self._label(name)
                parts += [m if not label or label in m else f"{label}: {m}" for m in errors]
            return "; ".join(parts)
        if isinstance(exc, ValidationError):
            return "; ".join(exc.messages)
        if isinstance(exc, NotFound | Conflict):
            return exc.message
        return str(exc.args[0] if exc.args else exc)

    def _label(self, name: str) -> str:
        try:
            return self.spec.field_label(name)
        except FieldDoesNotExist:
            return name

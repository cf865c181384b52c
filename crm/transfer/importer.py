"""Customer import: an actor like any other, calling the archive's services row by row, in
batches.

A job reads its stored file, turns each row into the arguments of
`crm.customers.services.prepare_customer` (values as people type them), finds duplicates
inside the file and against the archive (the spine's rules: same USCC, same normalised
enterprise name; for individuals the same name and mobile), applies the row's resolution
(skip / update / new) and writes a batch of rows in one transaction together with the
`ImportRow` outcomes. A crash loses at most the batch in flight and leaves nothing half
written; running the job again skips the rows it recorded. A dry run goes through the same
steps and writes nothing.
"""

from __future__ import annotations

import ctypes
import datetime
import logging
import multiprocessing
import os
import pickle
import signal
import time
from collections import Counter
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from queue import Empty, Full
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, transaction
from django.db.models import Q, TextChoices
from django.utils import timezone

from crm.accounts import policy
from crm.contacts import services as contact_services
from crm.contacts.choices import DecisionRole
from crm.contacts.models import Contact
from crm.core import bulk
from crm.core.actor import Actor
from crm.core.errors import Conflict
from crm.core.formats import grouped_amount
from crm.core.validators import validate_cn_mobile, validate_cn_phone
from crm.customers import services as customer_services
from crm.customers.choices import (
    AddressKind,
    Channel,
    Headcount,
    Intent,
    Kind,
    Level,
    Stage,
    Status,
)
from crm.customers.models import Customer
from crm.customers.rules import normalise_name
from crm.customers.services.archive import NewCustomer, create_prepared, prepare_customer
from crm.customers.services.duplicates import duplicate_hint, normal_uscc
from crm.records.models import Record

from . import headers, values
from .choices import Resolution, RowOutcome
from .models import ImportJob, ImportRow
from .readers import FileRefused, Sheet, open_sheet
from .references import References
from .targets import CUSTOM_PREFIX, by_key

log = logging.getLogger(__name__)

BATCH = 1000
PIPELINE_ROWS = 5000  # from this many rows, reading and checking run in a second process
PREVIEW_ROWS = 50  # rows of each outcome kept for the preview page
CHOICES: dict[str, type[TextChoices]] = {
    "kind": Kind,
    "level": Level,
    "stage": Stage,
    "status": Status,
    "intent": Intent,
    "headcount": Headcount,
    "preferred_channel": Channel,
    "contact_decision_role": DecisionRole,
}
SENSITIVE_TARGETS = ("contact_id_number",)
MASK = "****"
MASKABLE = ("contact_mobile", "contact_email", "contact_phone", "contact_emergency_phone")
# Kept on the customer's notes: the archive derives them (from contracts and orders).
NOTE_TARGETS = ("cumulative_amount", "order_summary", "contract_numbers")
FLAG_TARGETS = (
    "flag_complaint",
    "flag_contract_expiring",
    "flag_churn_risk",
    "flag_to_verify",
    "flag_long_inactive",
)
CONTACT_FIELDS = {
    "contact_name": "name",
    "contact_title": "title",
    "contact_department": "department",
    "contact_phone": "phone",
    "contact_mobile": "mobile",
    "contact_email": "email",
    "contact_wechat": "wechat",
    "contact_decision_role": "decision_role",
    "contact_id_number": "id_number",
    "contact_emergency_contact": "emergency_contact",
    "contact_emergency_phone": "emergency_phone",
}
FIELD_LABELS = {
    **{
        f.name: str(f.verbose_name)
        for model in (Record, Customer)
        for f in model._meta.get_fields()
        if hasattr(f, "verbose_name")
    },
    "tasks": "待办事项",
    "contacts[0]": "联系人",
    "addresses": "地址",
    "owner": "主责人",
    "custom": "自定义字段",
}


def header_score(kind: str) -> Callable[[list[str]], int]:
    """How header-like a row is: recognised headers first, then filled cells (so that, with
    no header recognised, the title row above a header does not win)."""
    return lambda cells: headers.score(cells, kind) * 1000 + sum(1 for cell in cells if cell)


class ImportFailed(Exception):
    """The job cannot go on (unreadable file, no name column …); message in Chinese."""


# --- one row ------------------------------------------------------------------------------


@dataclass
class Row:
    row_no: int
    cells: list[Any]
    errors: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)  # Customer fields
    owner: Any = None
    stage: str = ""
    number: str = ""
    tags: list[str] = field(default_factory=list)
    contact: dict[str, Any] = field(default_factory=dict)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    prepared: NewCustomer | None = None
    prepare_error: str | None = None  # the archive's refusal, kept apart until it matters
    notes_extra: list[str] = field(default_factory=list)  # derived values kept on the notes

    @property
    def name(self) -> str:
        return str(self.fields.get("name", ""))

    @property
    def kind(self) -> str:
        return str(self.fields.get("kind") or Kind.ENTERPRISE)

    def duplicate_keys(self) -> list[tuple[str, str]]:
        """The duplicate keys of this row, strongest first."""
        found = []
        if self.number:
            found.append(("number", self.number))
        uscc = normal_uscc(str(self.fields.get("uscc", "")))
        if uscc:
            found.append(("uscc", uscc))
        if self.kind == Kind.ENTERPRISE and self.name:
            found.append(("name", normalise_name(self.name)))
        elif self.contact.get("mobile"):
            found.append(("person", f"{normalise_name(self.name)}|{self.contact['mobile']}"))
        return found


@dataclass
class Outcome:
    row_no: int
    outcome: str
    message: str = ""
    object_id: int | None = None
    name: str = ""
    cells: list[Any] = field(default_factory=list)


def _json_cells(cells: list[Any]) -> list[Any]:
    out: list[Any] = []
    for cell in cells:
        if isinstance(cell, datetime.datetime | datetime.date | datetime.time):
            out.append(cell.isoformat())
        elif isinstance(cell, str | int | float | bool) or cell is None:
            out.append(cell)
        else:  # Decimal, timedelta (an [h]:mm cell) and whatever else a sheet holds
            out.append(str(cell))
    return out


def error_text(exc: Exception) -> str:
    """A validation or permission error as one line naming the fields (Chinese)."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        parts = []
        for name, errors in exc.message_dict.items():
            label = FIELD_LABELS.get(name, "" if name == "__all__" else name)
            text = "; ".join(errors)
            parts.append(f"{label}: {text}" if label else text)
        return "; ".join(parts)
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    if isinstance(exc, Conflict | PermissionDenied | ValueError):
        return str(exc.args[0] if exc.args else exc) if not isinstance(exc, Conflict) else str(exc)
    return str(exc)


class CustomerRows:
    """Turns sheet rows into prepared customers (no writes)."""

    def __init__(self, actor: Actor, mapping: Mapping[int, str], refs: References) -> None:
        self.actor = actor
        self.mapping = dict(mapping)
        self.refs = refs
        self.targets = by_key("customers")
        self.custom = {f"{CUSTOM_PREFIX}{d.key}": d for d in refs.definitions}

    def parse(self, row_no: int, cells: list[Any]) -> Row:
        row = Row(row_no, cells)
        notes_extra: list[str] = []
        custom: dict[str, Any] = {}
        for index, key in self.mapping.items():
            raw = cells[index] if index < len(cells) else ""
            try:
                self._take(row, key, raw, notes_extra, custom)
            except ValueError as exc:
                label = self._label(key)
                message = str(exc)
                row.errors.append(message if label in message else f"{label}: {message}")
        if not row.fields.get("name"):
            row.errors.insert(0, "客户名称为空")
        if custom:
            row.fields["custom"] = custom
        row.notes_extra = notes_extra  # on a new customer's notes only (prepare)
        if row.contact and not row.contact.get("name"):
            row.errors.append("联系人姓名为空,但填写了联系人的其他信息")
        if not row.fields.get("region"):
            for address in row.addresses:
                if address.get("region") is not None:
                    row.fields["region"] = address["region"]
                    break
        return row

    def _label(self, key: str) -> str:
        if key in self.custom:
            return self.custom[key].label
        target = self.targets.get(key)
        return target.label if target else key

    def _take(
        self, row: Row, key: str, raw: Any, notes_extra: list[str], custom: dict[str, Any]
    ) -> None:
        if key in self.custom:
            text = values.clean_text(raw)
            if text:
                custom[key[len(CUSTOM_PREFIX) :]] = text
            return
        target = self.targets.get(key)
        if target is None:
            return
        if target.type == "date":
            value: Any = values.parse_date(raw)
            if value is not None:
                row.fields[key] = value
            return
        if target.type == "amount":
            amount = values.parse_amount(raw)
            if amount is None:
                return
            if key == "cumulative_amount":
                if amount:  # our own export writes the derived 0 of an archive without orders
                    notes_extra.append(f"{target.label}: {grouped_amount(amount)}")
            else:
                row.fields[key] = amount
            return
        if target.type == "bool":
            flag = values.parse_bool(raw)
            if flag is not None:
                row.fields[key] = flag
            return
        text = values.clean_line(raw) if target.type != "longtext" else values.clean_text(raw)
        if not text or (key in MASKABLE and MASK in text):
            return  # a masked value (an export without the grant) is no value: nothing erased
        if key in NOTE_TARGETS:
            notes_extra.append(f"{target.label}: {text}")
        elif key == "kind":
            self._kind(row, text)
        elif key in CHOICES:
            self._choice(row, key, text, notes_extra)
        elif key == "number":
            row.number = text
        elif key == "industry":
            row.fields["industry"] = self.refs.industry(text)
        elif key == "source":
            row.fields["source"] = self.refs.source(text)
        elif key == "region":
            row.fields["region"] = self.refs.region(text)
        elif key == "owner":
            row.owner = self.refs.user(text)
        elif key == "tags":
            row.tags = values.split_list(text)
        elif key in CONTACT_FIELDS:
            self._contact(row, CONTACT_FIELDS[key], text)
        elif key in ("address_hq", "address_branch"):
            region, rest = self.refs.region_prefix(text)
            kind = AddressKind.HQ if key == "address_hq" else AddressKind.BRANCH
            row.addresses.append({"kind": kind, "region": region, "detail": rest or text})
        else:
            row.fields[key] = text

    def _kind(self, row: Row, text: str) -> None:
        """客户类型 holds 企业/个人, or in the seed archive table a stage (成交客户)."""
        try:
            row.fields["kind"] = values.parse_choice(
                text, Kind, headers.CHOICE_SYNONYMS.get("kind")
            )
        except ValueError:
            try:
                stage = values.parse_choice(text, Stage, headers.CHOICE_SYNONYMS.get("stage"))
            except ValueError:
                raise ValueError(f"客户类型“{text}”无法识别,可选: 企业、个人") from None
            row.stage = row.stage or str(stage)

    def _choice(self, row: Row, key: str, text: str, notes_extra: list[str]) -> None:
        try:
            value = values.parse_choice(text, CHOICES[key], headers.CHOICE_SYNONYMS.get(key))
        except ValueError:
            if key == "preferred_channel":  # a free text preference (沟通+周报): keep it
                notes_extra.append(f"{self.targets[key].label}: {text}")
                return
            raise
        if key == "stage":
            row.stage = str(value)
        elif key == "contact_decision_role":
            row.contact["decision_role"] = value
        else:
            row.fields[key] = value

    def _contact(self, row: Row, name: str, text: str) -> None:
        if name == "mobile":
            try:
                row.contact["mobile"] = validate_cn_mobile(text)
            except ValidationError:
                try:  # a landline typed in 联系电话
                    phone = validate_cn_phone(text)
                except ValidationError:
                    raise ValueError(f"手机号“{text}”格式不正确") from None
                row.contact.setdefault("phone", phone)
            return
        row.contact[name] = text

    def prepare(self, row: Row, default_owner: Any) -> None:
        """Run the archive's checks: `row.prepared`, or the refusal in `row.prepare_error`."""
        if row.errors or row.prepared is not None or row.prepare_error is not None:
            return
        fields = {k: v for k, v in row.fields.items() if k not in ("kind", "churn_reason")}
        if row.notes_extra:
            note = fields.get("notes", "")
            fields["notes"] = "\n".join(filter(None, [note, "导入时记录:", *row.notes_extra]))
        try:
            row.prepared = prepare_customer(
                self.actor,
                owner=row.owner or default_owner,
                tags=row.tags,
                addresses=row.addresses,
                contacts=[{**row.contact, "is_primary": True}] if row.contact else [],
                stage=row.stage,
                churn_reason=str(row.fields.get("churn_reason", "")),
                number=row.number,
                definitions=self.refs.definitions,
                kind=row.kind,
                **fields,
            )
        except (ValidationError, PermissionDenied, Conflict) as exc:
            row.prepare_error = error_text(exc)


# --- a job ----------------------------------------------------------------------------------


@dataclass
class Existing:
    pk: int
    number: str
    name: str
    visible: bool
    customer: Customer | None = None  # loaded when it may be updated
    hint: str = ""  # for a customer the importer may not see: the masked duplicate hint


@dataclass
class Progress:
    total: int
    done: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)


class CustomerImport:
    """One run of a job (dry or real)."""

    def __init__(
        self,
        job: ImportJob,
        actor: Actor,
        *,
        dry_run: bool,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.job = job
        self.actor = actor
        self.dry_run = dry_run
        self.on_progress = on_progress
        self.refs = References.load()
        self.rows = CustomerRows(actor, {int(k): v for k, v in job.mapping.items()}, self.refs)
        self.seen: dict[tuple[str, str], int] = {}  # duplicate key → first row number
        self.outcomes: list[Outcome] = []  # a dry run's first PREVIEW_ROWS of each outcome
        self._shown: Counter[str] = Counter()
        self.reason = f"导入 {job.file_name}(任务 #{job.pk})"

    def resolution(self, row_no: int) -> str:
        return str(self.job.resolutions.get(str(row_no), self.job.default_resolution))

    # the sheet, and the rows already done ---------------------------------------------------

    def sheet(self) -> Sheet:
        return open_sheet(
            Path(self.job.file_path),
            file_name=self.job.file_name,
            score=header_score(self.job.kind),
            checked_format=self.job.file_format,
        )

    def check_mapping(self) -> None:
        if "name" not in self.job.mapping.values():
            raise ImportFailed("没有映射到“客户名称”的列,请在列映射中指定客户名称所在的列")

    def run(self) -> Progress:
        self.check_mapping()
        done: set[int] = set()
        progress = Progress(total=self.job.total_rows)
        if not self.dry_run:
            done = set(ImportRow.objects.filter(job=self.job).values_list("row_no", flat=True))
            progress.done = len(done)
        batches = self._parallel(done) if self._pipelined() else self._batches(done, prepare=False)
        try:
            for batch in batches:
                self._batch(batch, progress)
        finally:
            batches.close()  # stops the reader process of a pipelined run
        return progress

    def _batches(self, done: set[int], *, prepare: bool) -> Generator[list[Row]]:
        """The rows not done yet, parsed (and, for the pipeline, prepared), BATCH at a time."""
        batch: list[Row] = []
        for row_no, cells in self.sheet().rows():
            if row_no in done:
                continue
            batch.append(self.rows.parse(row_no, cells))
            if len(batch) >= BATCH:
                yield self._prepare_new(batch) if prepare else batch
                batch = []
        if batch:
            yield self._prepare_new(batch) if prepare else batch

    def _prepare_new(self, batch: list[Row]) -> list[Row]:
        """The archive's checks of the rows that will be new customers (the reader process
        does this; rows matching the archive are left to the writer's decision)."""
        found, _ = _matches(batch)
        for row in batch:
            if not any(key in found for key in row.duplicate_keys()):
                self.rows.prepare(row, self.job.created_by)
        return batch

    # two cores: one reads and checks the rows, the other writes them ---------------------------

    def keep(self, outcomes: list[Outcome]) -> None:
        """A dry run keeps the first rows of each outcome for its preview (and only those:
        a 100,000-row preview stays small)."""
        for outcome in outcomes:
            if self._shown[outcome.outcome] < PREVIEW_ROWS:
                self._shown[outcome.outcome] += 1
                self.outcomes.append(outcome)

    def _pipelined(self) -> bool:
        return (
            not self.dry_run
            and self.job.total_rows >= PIPELINE_ROWS
            and (os.cpu_count() or 1) > 1
            and "fork" in multiprocessing.get_all_start_methods()
            and not transaction.get_connection().in_atomic_block  # (tests wrap one around)
        )

    def _parallel(self, done: set[int]) -> Generator[list[Row]]:
        """Batches read, parsed and prepared by a forked reader process (CPU work without the
        database) while this process decides and writes: an import uses both cores. Nothing
        is written by the reader; it dies with this process."""
        context = multiprocessing.get_context("fork")
        queue: Any = context.Queue(maxsize=4)  # bounded: the reader waits for the writer
        connections.close_all()  # the reader must not share this process's connections
        reader = context.Process(target=self._read, args=(done, queue, os.getpid()), daemon=True)
        reader.start()
        try:
            while True:
                try:
                    item = queue.get(timeout=5)
                except Empty:
                    if not reader.is_alive():
                        raise ImportFailed("读取表格的进程意外退出,请重新运行导入") from None
                    continue
                if item is None:
                    return
                if isinstance(item, str):
                    raise ImportFailed(item)
                yield pickle.loads(item)  # noqa: S301 - our own reader's batches
        finally:
            if reader.is_alive():
                reader.terminate()
            reader.join(timeout=10)
            if reader.is_alive():
                reader.kill()
                reader.join(timeout=10)

    def _read(self, done: set[int], queue: Any, parent: int) -> None:
        """In the reader process: put batches on the queue, then None (or an error text)."""
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the worker's own shutdown handler
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _die_with_parent()  # and so never waits at exit for a writer that is gone
        try:
            for batch in self._batches(done, prepare=True):
                _put(queue, pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL), parent)
            _put(queue, None, parent)
        except FileRefused as exc:
            _put(queue, exc.message, parent)
        except Exception as exc:
            log.exception("import reader of job %s failed", self.job.pk)
            _put(queue, f"读取表格时出错: {exc}", parent)
        queue.close()
        queue.join_thread()  # everything put reaches the writer before this process ends

    # a batch ----------------------------------------------------------------------------------

    def _batch(self, batch: list[Row], progress: Progress, *, may_defer: bool = True) -> None:
        existing = self._existing(batch)
        self._updating: set[int] = set()  # customers this pass updates
        outcomes: list[Outcome] = []
        creates: list[Row] = []
        updates: list[tuple[Row, Existing]] = []
        deferred: list[Row] = []
        for row in batch:
            decision = self._decide(row, existing, may_defer=may_defer)
            if isinstance(decision, Outcome):
                outcomes.append(decision)
            elif isinstance(decision, Existing):
                updates.append((row, decision))
            elif decision == "create":
                if self._prepared(row):
                    creates.append(row)
                else:
                    outcomes.append(self._refuse(row, "; ".join(row.errors)))
            else:
                deferred.append(row)
        if self.dry_run:
            outcomes += [Outcome(r.row_no, RowOutcome.CREATED, name=r.name) for r in creates]
            outcomes += [self._update(row, found, dry=True) for row, found in updates]
            outcomes += [
                Outcome(
                    r.row_no,
                    RowOutcome.UPDATED,
                    "与本文件前面的行是同一客户,将依次更新该客户",
                    name=r.name,
                )
                for r in deferred
            ]
            self.keep(outcomes)
        else:
            outcomes += self._write(creates, updates, outcomes)
        progress.done += len(outcomes)
        progress.counts.update(o.outcome for o in outcomes)
        if deferred and not self.dry_run:
            # rows that update a customer an earlier row of this batch created: now it exists
            self._batch(deferred, progress, may_defer=False)
        elif self.on_progress:
            self.on_progress(progress)

    def _existing(self, batch: list[Row]) -> dict[tuple[str, str], Existing]:
        """Archive customers matching any key of the batch (a few queries per batch)."""
        found, rows = _matches(batch)
        if not rows:
            return {}
        visible = set(
            Customer.objects.visible_to(self.actor.user)
            .filter(pk__in=list(rows))
            .values_list("pk", flat=True)
        )
        wanted: set[int] = {
            pk
            for row in batch
            if self.resolution(row.row_no) == Resolution.UPDATE
            for key in row.duplicate_keys()
            if (pk := found.get(key, 0)) in visible
        }
        loaded = {}
        if wanted:
            loaded = {
                c.pk: c
                for c in Customer.objects.filter(pk__in=wanted)
                .select_related("owner", "industry", "source", "region")
                .prefetch_related("tags", "contacts", "addresses")
            }
        hidden = [pk for pk in rows if pk not in visible]
        hints = {
            c.pk: duplicate_hint(c)
            for c in Customer.objects.filter(pk__in=hidden).select_related("owner")
        }
        by_pk = {
            pk: Existing(
                pk, data["number"], data["name"], pk in visible, loaded.get(pk), hints.get(pk, "")
            )
            for pk, data in rows.items()
        }
        return {key: by_pk[pk] for key, pk in found.items()}

    def _earlier(self, row: Row) -> int | None:
        """The row number of an earlier row of this file with the same customer."""
        return next(
            (
                self.seen[k]
                for k in row.duplicate_keys()
                if self.seen.get(k, row.row_no) != row.row_no
            ),
            None,
        )

    def _decide(
        self, row: Row, existing: dict[tuple[str, str], Existing], *, may_defer: bool
    ) -> Outcome | Existing | str:
        """An outcome (refused, skipped), "create", "defer" (update a customer an earlier
        row of this batch is about to create) or the existing customer to update."""
        if row.errors:
            return self._refuse(row, "; ".join(row.errors))
        resolution = self.resolution(row.row_no)
        keys = row.duplicate_keys()
        match = next(((k, existing[k]) for k in keys if k in existing), None)
        earlier = self._earlier(row)
        if match is None and earlier is None:
            self._remember(row)
            return "create"
        if match is None:  # an earlier row of this file, not in the archive (yet)
            key = next(k for k in keys if self.seen.get(k, row.row_no) != row.row_no)
            where = f"与第 {earlier} 行{_why(key[0])}"
            if resolution == Resolution.NEW and key[0] == "person":
                return "create"
            if resolution == Resolution.NEW:
                return self._refuse(row, f"{where},不能作为新客户导入(一个客户只能有一个档案)")
            if resolution == Resolution.UPDATE and (may_defer or self.dry_run):
                return "defer"
            if resolution == Resolution.UPDATE:
                return self._refuse(row, f"{where},但该行未能导入,无法合并")
            return Outcome(row.row_no, RowOutcome.SKIPPED, f"{where},已跳过", name=row.name)
        key, found = match
        who = f"{found.number} {found.name}" if found.visible else found.hint
        where = f"与已有客户 {who} {_why(key[0])}"
        if resolution == Resolution.NEW and key[0] == "person":
            self._remember(row)
            return "create"
        if resolution == Resolution.NEW:
            return self._refuse(row, f"{where},不能作为新客户导入(一个客户只能有一个档案)")
        if resolution == Resolution.UPDATE:
            customer = found.customer
            if customer is None or not policy.can_edit_customer(self.actor.user, customer):
                return self._refuse(row, f"{where},您无权修改该客户")
            if found.pk in self._updating:  # a second row for it: after the first is written
                return "defer"
            self._updating.add(found.pk)
            self._remember(row)
            return found
        return Outcome(
            row.row_no,
            RowOutcome.SKIPPED,
            f"{where},已跳过",
            object_id=found.pk if found.visible else None,
            name=row.name,
        )

    def _prepared(self, row: Row) -> bool:
        """The archive's checks of a row to create (only then: a skipped row costs nothing)."""
        self.rows.prepare(row, self.job.created_by)
        if row.prepared is not None:
            return True
        row.errors.append(row.prepare_error or "")
        self._forget(row)
        return False

    def _forget(self, row: Row) -> None:
        """A refused row is no customer for later rows to duplicate."""
        for key in row.duplicate_keys():
            if self.seen.get(key) == row.row_no:
                del self.seen[key]

    def _remember(self, row: Row) -> None:
        for key in row.duplicate_keys():
            self.seen.setdefault(key, row.row_no)

    @staticmethod
    def _refuse(row: Row, message: str) -> Outcome:
        return Outcome(row.row_no, RowOutcome.REFUSED, message, name=row.name, cells=row.cells)

    # writes ----------------------------------------------------------------------------------

    def _write(
        self, creates: list[Row], updates: list[tuple[Row, Existing]], decided: list[Outcome]
    ) -> list[Outcome]:
        """Write the creates in bulk and the updates through the services, with the outcomes
        of the whole batch, in one transaction; a batch that a concurrent writer broke is
        written again row by row."""
        try:
            with transaction.atomic():
                outcomes = self._create(creates)
                outcomes += [self._update(row, found, dry=False) for row, found in updates]
                self._record([*decided, *outcomes])
        except IntegrityError:
            log.info("import batch of job %s raced a concurrent writer; row by row", self.job.pk)
            self.job.refresh_from_db()  # the counters as committed
            return self._write_row_by_row(creates, updates, decided)
        return outcomes

    def _write_row_by_row(
        self, creates: list[Row], updates: list[tuple[Row, Existing]], decided: list[Outcome]
    ) -> list[Outcome]:
        """Each row's write together with its outcome in one transaction (a crash still
        leaves no row written without its outcome)."""
        with transaction.atomic():
            self._record(decided)
        outcomes = [self._create_one(row) for row in creates]
        for row, found in updates:
            with transaction.atomic():
                outcome = self._update(row, found, dry=False)
                self._record([outcome])
            outcomes.append(outcome)
        return outcomes

    def _create(self, rows: list[Row]) -> list[Outcome]:
        items = [row.prepared for row in rows if row.prepared is not None]
        if not items:
            return []
        create_prepared(self.actor, items, reason=self.reason)
        return [
            Outcome(
                row.row_no, RowOutcome.CREATED, object_id=row.prepared.customer.pk, name=row.name
            )
            for row in rows
            if row.prepared is not None
        ]

    def _create_one(self, row: Row) -> Outcome:
        assert row.prepared is not None
        if not row.number:
            row.prepared.customer.number = ""
        row.prepared.customer.pk = None
        try:
            with transaction.atomic():
                create_prepared(self.actor, [row.prepared], reason=self.reason)
                outcome = Outcome(
                    row.row_no,
                    RowOutcome.CREATED,
                    object_id=row.prepared.customer.pk,
                    name=row.name,
                )
                self._record([outcome])
        except IntegrityError:
            self.job.refresh_from_db()
            self._forget(row)
            outcome = self._refuse(row, "与已有客户重复(刚被他人建档)或客户编号已被占用")
            with transaction.atomic():
                self._record([outcome])
            return outcome
        return outcome

    def _update(self, row: Row, found: Existing, *, dry: bool) -> Outcome:
        customer = found.customer
        assert customer is not None
        changes = _changed_fields(customer, row)
        tags = sorted(set(row.tags) - {t.name for t in customer.tags.all()})
        contact_change = _contact_change(customer, row.contact)
        address_changes = _address_changes(customer, row.addresses)
        if not (
            changes or tags or contact_change or address_changes or _stage_change(customer, row)
        ):
            return Outcome(
                row.row_no, RowOutcome.UNCHANGED, "与已有客户一致,无需更新", customer.pk, row.name
            )
        if dry:
            named = [FIELD_LABELS.get(k, k) for k in changes] + (["标签"] if tags else [])
            named += ["联系人"] if contact_change else []
            named += ["地址"] if address_changes else []
            return Outcome(
                row.row_no,
                RowOutcome.UPDATED,
                "将更新: " + "、".join(named or ["合作阶段"]),
                customer.pk,
                row.name,
            )
        try:
            with transaction.atomic():
                if changes or tags:
                    customer_services.update_customer(
                        self.actor,
                        customer,
                        reason=self.reason,
                        tags=[*(t.name for t in customer.tags.all()), *tags] if tags else None,
                        **changes,
                    )
                if _stage_change(customer, row):
                    customer_services.change_stage(
                        self.actor,
                        customer,
                        stage=row.stage,
                        reason=self.reason,
                        churn_reason=str(row.fields.get("churn_reason", "")),
                    )
                if contact_change is not None:
                    contact, fields = contact_change
                    if contact is None:
                        contact_services.create_contact(self.actor, customer=customer, **fields)
                    else:
                        contact_services.update_contact(
                            self.actor, contact, reason=self.reason, **fields
                        )
                for address, data in address_changes:
                    if address is None:
                        customer_services.add_address(
                            self.actor, customer, reason=self.reason, **data
                        )
                    else:
                        customer_services.update_address(
                            self.actor, customer, address_id=address.pk, reason=self.reason, **data
                        )
        except (ValidationError, PermissionDenied, Conflict) as exc:
            return Outcome(
                row.row_no, RowOutcome.REFUSED, error_text(exc), name=row.name, cells=row.cells
            )
        return Outcome(row.row_no, RowOutcome.UPDATED, "", customer.pk, row.name)

    def _kept_cells(self, outcome: Outcome) -> list[Any]:
        """A refused row as kept for its workbook: sensitive columns (证件号码) left out, as
        the archive keeps them only encrypted; the user types them again."""
        cells = _json_cells(outcome.cells)
        for index, key in self.rows.mapping.items():
            if key in SENSITIVE_TARGETS and index < len(cells):
                cells[index] = ""
        return cells

    def _record(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        bulk.insert(
            [
                ImportRow(
                    job=self.job,
                    row_no=o.row_no,
                    outcome=o.outcome,
                    object_id=o.object_id,
                    message=o.message[:2000],
                    values=self._kept_cells(o) if o.outcome == RowOutcome.REFUSED else [],
                )
                for o in outcomes
            ]
        )
        counts = Counter(o.outcome for o in outcomes)
        job = self.job
        job.processed_rows += len(outcomes)
        job.created_count += counts[RowOutcome.CREATED]
        job.updated_count += counts[RowOutcome.UPDATED]
        job.unchanged_count += counts[RowOutcome.UNCHANGED]
        job.skipped_count += counts[RowOutcome.SKIPPED]
        job.refused_count += counts[RowOutcome.REFUSED]
        job.heartbeat_at = timezone.now()
        job.save(
            update_fields=[
                "heartbeat_at",
                "processed_rows",
                "created_count",
                "updated_count",
                "unchanged_count",
                "skipped_count",
                "refused_count",
            ]
        )


def _matches(batch: list[Row]) -> tuple[dict[tuple[str, str], int], dict[int, Any]]:
    """Archive customers matching any duplicate key of the batch: key → customer id, and
    id → its number and name (two queries at most)."""
    keys = [key for row in batch if not row.errors for key in row.duplicate_keys()]
    numbers = {v for k, v in keys if k == "number"}
    usccs = {v for k, v in keys if k == "uscc"}
    names = {v for k, v in keys if k == "name"}
    people = {v for k, v in keys if k == "person"}
    found: dict[tuple[str, str], int] = {}
    rows: dict[int, Any] = {}
    if numbers or usccs or names:
        condition = Q(number__in=numbers)
        if usccs:
            condition |= Q(uscc__in=usccs)
        if names:
            condition |= Q(kind=Kind.ENTERPRISE, name_key__in=names)
        matches: Any = Customer.objects.filter(condition).values(
            "pk", "number", "name", "uscc", "name_key", "kind"
        )
        for data in matches:
            rows[data["pk"]] = data
            found[("number", data["number"])] = data["pk"]
            if data["uscc"]:
                found[("uscc", data["uscc"])] = data["pk"]
            if data["kind"] == Kind.ENTERPRISE:
                found[("name", data["name_key"])] = data["pk"]
    if people:
        mobiles = {key.split("|", 1)[1] for key in people}
        people_rows: Any = Contact.objects.filter(
            mobile__in=mobiles, customer__kind=Kind.INDIVIDUAL
        ).values(
            "mobile", "customer_id", "customer__number", "customer__name", "customer__name_key"
        )
        for data in people_rows:
            pk = data["customer_id"]
            found[("person", f"{data['customer__name_key']}|{data['mobile']}")] = pk
            rows[pk] = {"number": data["customer__number"], "name": data["customer__name"]}
    return found, rows


def _put(queue: Any, item: Any, parent: int) -> None:
    """Put, waiting for the writer; stop at once if the writer is gone."""
    while True:
        try:
            queue.put(item, timeout=1)
            return
        except Full:
            if os.getppid() != parent:
                os._exit(1)


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent dies (even by kill -9)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _why(key: str) -> str:
    return {
        "number": "客户编号相同",
        "uscc": "统一社会信用代码相同",
        "name": "客户名称相同",
        "person": "姓名和手机号相同",
    }[key]


def _changed_fields(customer: Customer, row: Row) -> dict[str, Any]:
    """Fields of the row that are filled in and differ from the archive (an empty cell never
    erases a value)."""
    changes: dict[str, Any] = {}
    for name, value in row.fields.items():
        if name in ("kind", "churn_reason"):  # churn_reason goes with a stage change
            continue
        if name == "custom":
            merged = {**(customer.custom or {}), **value}
            if merged != customer.custom:
                changes["custom"] = value
            continue
        current = getattr(customer, name)
        if name == "uscc":
            value = normal_uscc(str(value))
        if isinstance(current, Decimal) and value is not None:
            value = Decimal(value)
        if current != value:
            changes[name] = value
    return changes


def _stage_change(customer: Customer, row: Row) -> bool:
    return bool(row.stage) and row.stage != customer.stage


def _contact_change(
    customer: Customer, data: Mapping[str, Any]
) -> tuple[Contact | None, dict[str, Any]] | None:
    if not data:
        return None
    contacts = list(customer.contacts.all())
    same = next(
        (c for c in contacts if data.get("mobile") and c.mobile == data["mobile"]),
        None,
    ) or next((c for c in contacts if c.name == data.get("name")), None)
    if same is None:
        return None, dict(data)
    fields = {k: v for k, v in data.items() if getattr(same, k) != v}
    return (same, fields) if fields else None


def _address_changes(
    customer: Customer, addresses: list[dict[str, Any]]
) -> list[tuple[Any, dict[str, Any]]]:
    stored = list(customer.addresses.all())
    changes: list[tuple[Any, dict[str, Any]]] = []
    for data in addresses:
        wanted = _address_text(data["region"], data["detail"])
        if any(_address_text(a.region, a.detail) == wanted for a in stored):
            continue
        if data["kind"] == AddressKind.HQ:
            hq = next((a for a in stored if a.kind == AddressKind.HQ), None)
            changes.append(
                (hq, {"region": data["region"], "detail": data["detail"]} if hq else data)
            )
        else:
            changes.append((None, data))
    return changes


def _address_text(region: Any, detail: str) -> str:
    """An address as read (重庆市渝中区解放碑1号), however it is split into region and detail."""
    return "".join(f"{region or ''}{detail}".split())

"""Record-card import (维护记录卡 and tracking sheets): one row is a card of a customer the
actor can see, with at most one to-do (待办事项 / 负责人 / 完成时限) and its result (跟进记录,
which closes the to-do). Each card goes through `crm.records.services.file_record`, so every
rule of a card applies (no filler content, the channel, the maintainer …); imported history
is back-filled (older than 90 days is allowed) and not counted as filed late. A card already
in the archive (same customer, time, channel and content) is not filed twice: running the
same file again changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from crm.core.errors import Conflict
from crm.customers.choices import Channel
from crm.customers.models import Customer
from crm.customers.rules import normalise_name
from crm.records import services as record_services
from crm.records.choices import Purpose, Sentiment
from crm.records.models import Record

from . import headers, values
from .choices import RowOutcome
from .importer import CustomerImport, Outcome, Progress, Row, error_text
from .targets import by_key

CHOICES: dict[str, Any] = {
    "channel": Channel,
    "next_channel": Channel,
    "purpose": Purpose,
    "sentiment": Sentiment,
}
REQUIRED = (("occurred_at", "维护日期"), ("channel", "维护方式"), ("content", "沟通核心内容"))
AMBIGUOUS: Any = object()  # a name that more than one visible customer has
TITLE_SPLIT = re.compile(r"[\s/／、,，]+")


class RecordRows:
    """Sheet rows into the arguments of file_record (no writes)."""

    def __init__(self, mapping: dict[int, str], refs: Any) -> None:
        self.mapping = mapping
        self.refs = refs
        self.targets = by_key("records")

    def parse(self, row_no: int, cells: list[Any]) -> Row:
        row = Row(row_no, cells)
        for index, key in self.mapping.items():
            raw = cells[index] if index < len(cells) else ""
            try:
                self._take(row, key, raw)
            except ValueError as exc:
                label = self.targets[key].label if key in self.targets else key
                message = str(exc)
                row.errors.append(message if label in message else f"{label}: {message}")
        if not row.fields.get("customer_number") and not row.fields.get("customer_name"):
            row.errors.insert(0, "客户名称和客户编号都为空")
        for key, label in (
            ("occurred_at", "维护日期"),
            ("channel", "维护方式"),
            ("content", "沟通核心内容"),
        ):
            if not row.fields.get(key) and not any(label in e for e in row.errors):
                row.errors.append(f"{label}为空")
        feedback = row.fields.get("feedback", "")
        if feedback and not row.fields.get("sentiment"):  # 客户反馈与情绪 holding just 满意
            with contextlib.suppress(ValueError):
                row.fields["sentiment"] = values.parse_choice(feedback, Sentiment)
        task = row.contact  # the to-do's fields (Row.contact reused as the to-do spec)
        if task and not task.get("description"):
            row.errors.append("填写了负责人、完成时限或跟进记录,但待办事项为空")
        if task.get("description") and not task.get("due"):
            if task.get("result") and row.fields.get("occurred_at"):
                task["due"] = row.fields["occurred_at"].date()  # a closed to-do: due that day
            else:
                row.errors.append("待办事项缺少完成时限")
        return row

    def _take(self, row: Row, key: str, raw: Any) -> None:
        target = self.targets.get(key)
        if target is None:
            return
        if key == "occurred_at":
            moment = values.parse_datetime(raw)
            if moment is not None:
                row.fields[key] = moment
            return
        if target.type == "date":
            day = values.parse_date(raw)
            if day is not None:
                (row.contact if key == "task_due" else row.fields)[
                    "due" if key == "task_due" else key
                ] = day
            return
        text = values.clean_text(raw) if target.type == "longtext" else values.clean_line(raw)
        if not text:
            return
        if key in CHOICES:
            row.fields[key] = values.parse_choice(
                text, CHOICES[key], headers.CHOICE_SYNONYMS.get(key)
            )
        elif key == "maintainer":
            row.fields["maintainer"] = self.refs.user(text, "维护人")
        elif key == "task_owner":
            row.contact["owner"] = self.refs.user(text, "负责人")
        elif key == "task_description":
            row.contact["description"] = text
        elif key == "task_result":
            row.contact["result"] = text
        elif key == "contact":
            row.fields["contact"] = text
        else:
            row.fields[key] = text

    def prepare(self, row: Row, default_owner: Any) -> None:
        """Cards are checked by file_record itself, at write time."""


class RecordImport(CustomerImport):
    """One run of a record-card job: cards one by one through the records service, a batch
    of rows in one transaction with its outcomes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mapping = {int(k): v for k, v in self.job.mapping.items()}
        self.rows = RecordRows(mapping, self.refs)  # type: ignore[assignment]

    def check_mapping(self) -> None:
        chosen = set(self.job.mapping.values())
        missing = [
            label
            for keys, label in (
                ({"customer_name", "customer_number"}, "客户名称或客户编号"),
                ({"occurred_at"}, "维护日期"),
                ({"channel"}, "维护方式"),
                ({"content"}, "沟通核心内容"),
            )
            if not keys & chosen
        ]
        if missing:
            from .importer import ImportFailed

            raise ImportFailed(f"请在列映射中指定: {'、'.join(missing)}")

    def _pipelined(self) -> bool:
        return False  # the cards are written one by one: the database is the work

    def _batch(self, batch: list[Row], progress: Progress, *, may_defer: bool = True) -> None:
        customers = self._customers(batch)
        filed = self._filed(batch, customers)
        outcomes: list[Outcome] = []
        with transaction.atomic():
            for row in batch:
                outcomes.append(self._card(row, customers, filed))
            if not self.dry_run:
                self._record(outcomes)
            else:
                transaction.set_rollback(True)  # a dry run files nothing
        if self.dry_run:
            self.keep(outcomes)
        progress.done += len(outcomes)
        progress.counts.update(o.outcome for o in outcomes)
        if self.on_progress:
            self.on_progress(progress)

    def _customers(self, batch: list[Row]) -> dict[str, Any]:
        """The actor's customers named by the batch: by number and by normalised name."""
        numbers = {r.fields["customer_number"] for r in batch if r.fields.get("customer_number")}
        names = {
            normalise_name(r.fields["customer_name"])
            for r in batch
            if r.fields.get("customer_name")
        }
        found: dict[str, Any] = {}
        if not numbers and not names:
            return found
        visible = Customer.objects.visible_to(self.actor.user).filter(
            Q(number__in=numbers) | Q(name_key__in=names)
        )
        for customer in visible.select_related("owner"):
            found[f"n:{customer.number}"] = customer
            key = f"k:{customer.name_key}"
            found[key] = AMBIGUOUS if key in found else customer  # 张伟 and 张伟: which one?
        return found

    @staticmethod
    def _customer_of(row: Row, customers: dict[str, Any]) -> Any:
        if row.fields.get("customer_number"):
            return customers.get(f"n:{row.fields['customer_number']}")
        return customers.get(f"k:{normalise_name(row.fields.get('customer_name', ''))}")

    def _filed(self, batch: list[Row], customers: dict[str, Any]) -> set[tuple[Any, ...]]:
        """Cards of these customers already in the archive, as (customer, time, channel,
        content) keys."""
        ids = {c.pk for c in customers.values() if c is not AMBIGUOUS}
        if not ids:
            return set()
        return {
            (r["customer_id"], r["occurred_at"], r["channel"], r["content"].strip())
            for r in Record.objects.filter(customer_id__in=ids, voided=False).values(
                "customer_id", "occurred_at", "channel", "content"
            )
        }

    def _card(
        self, row: Row, customers: dict[str, Customer], filed: set[tuple[Any, ...]]
    ) -> Outcome:
        if row.errors:
            return self._refuse(row, "; ".join(row.errors))
        customer = self._customer_of(row, customers)
        if customer is AMBIGUOUS:
            return self._refuse(row, "有多个同名客户,请填写客户编号以指明是哪一个")
        if customer is None:
            shown = row.fields.get("customer_number") or row.fields.get("customer_name")
            return self._refuse(row, f"找不到客户“{shown}”,或您无权查看该客户")
        fields = {"purpose": Purpose.OTHER, **row.fields}  # the seed's card has no 沟通目的
        for name in ("customer_number", "customer_name", "contact"):
            fields.pop(name, None)
        occurred = (
            timezone.make_aware(fields["occurred_at"])
            if timezone.is_naive(fields["occurred_at"])
            else fields["occurred_at"]
        )
        fields["occurred_at"] = occurred
        card_key = (
            customer.pk,
            occurred.astimezone(datetime.UTC),
            fields["channel"],
            fields["content"].strip(),
        )
        if card_key in filed:
            return Outcome(
                row.row_no, RowOutcome.UNCHANGED, "这条维护记录已导入过", customer.pk, customer.name
            )
        contacts = self._contacts(customer, row.fields.get("contact", ""))
        task = dict(row.contact)
        result = task.pop("result", "")
        try:
            with transaction.atomic():
                record = record_services.file_record(
                    self.actor,
                    customer=customer,
                    contacts=contacts,
                    tasks=[task] if task else [],
                    **fields,
                )
                if result:
                    todo = record.tasks.get()
                    record_services.complete_task(self.actor, todo, result)
        except (ValidationError, PermissionDenied, Conflict, IntegrityError) as exc:
            return self._refuse(row, error_text(exc))
        filed.add(card_key)
        return Outcome(row.row_no, RowOutcome.CREATED, "", record.pk, customer.name)

    @staticmethod
    def _contacts(customer: Customer, text: str) -> list[Any]:
        """联系人及职务 ("李经理 采购总监"): the customer's contact of that name, if any."""
        if not text:
            return []
        name = TITLE_SPLIT.split(text.strip())[0]
        return list(customer.contacts.filter(name=name)[:1])

"""The web forms for filing a card (with inline to-do rows) and closing a to-do.

They parse and check shapes only; the rules (filler content, time window, late marking, who may
file which kind) are the service's, shown back on the form through apply_errors.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.customers.choices import Channel

from .choices import Purpose, RecordKind, Sentiment

BLANK: list[tuple[str, Any]] = [("", "—")]
MIN_TASK_ROWS = 3
MAX_TASK_ROWS = 20
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def now_local() -> str:
    return timezone.localtime(timezone.now()).strftime(DATETIME_LOCAL)


class RecordForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=gettext_lazy("维护时间"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    kind = forms.ChoiceField(label=gettext_lazy("记录类型"), choices=RecordKind.choices)
    channel = forms.ChoiceField(label=gettext_lazy("维护方式"), choices=Channel.choices)
    purpose = forms.ChoiceField(label=gettext_lazy("沟通目的"), choices=BLANK + Purpose.choices)
    contacts = forms.MultipleChoiceField(label=gettext_lazy("沟通对象"), required=False)
    content = forms.CharField(
        label=gettext_lazy("沟通核心内容"),
        max_length=4000,
        error_messages={"required": gettext_lazy("请填写沟通核心内容")},
    )
    feedback = forms.CharField(label=gettext_lazy("客户反馈"), max_length=4000, required=False)
    sentiment = forms.ChoiceField(
        label=gettext_lazy("态度倾向"), choices=BLANK + Sentiment.choices, required=False
    )
    next_contact_on = forms.DateField(label=gettext_lazy("下次沟通时间"), required=False)
    next_channel = forms.ChoiceField(
        label=gettext_lazy("下次沟通方式"), choices=BLANK + Channel.choices, required=False
    )
    next_focus = forms.CharField(label=gettext_lazy("重点方向"), max_length=200, required=False)

    def __init__(
        self,
        data: Any,
        *,
        kinds: list[tuple[str, Any]],
        contacts: list[tuple[int, str]],
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        self.fields["contacts"].choices = contacts  # type: ignore[attr-defined]
        self.fields["purpose"].error_messages["required"] = _("请选择沟通目的")

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["contacts"] = [int(c) for c in data["contacts"]]
        return data


@dataclass
class TaskRow:
    """One inline to-do row as typed, and what was wrong with it."""

    description: str = ""
    due: str = ""
    owner: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.description.strip() and not self.due.strip()


def task_rows(data: Any, default_owner: str) -> list[TaskRow]:
    """The to-do rows of a POST (or empty rows for a GET), at least MIN_TASK_ROWS of them."""
    rows: list[TaskRow] = []
    if data is not None:
        columns = zip(
            data.getlist("task_description"),
            data.getlist("task_due"),
            data.getlist("task_owner"),
            strict=False,
        )
        rows = [TaskRow(d[:500], u[:10], o[:12]) for d, u, o in columns][:MAX_TASK_ROWS]
    while len(rows) < MIN_TASK_ROWS:
        rows.append(TaskRow(owner=default_owner))
    for row in rows:
        if not row.owner:
            row.owner = default_owner
    return rows


def task_specs(rows: list[TaskRow], owners: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The service's task dicts for the filled rows; None when a row has a problem (marked)."""
    specs: list[dict[str, Any]] = []
    for row in rows:
        if row.empty:
            continue
        if not row.description.strip():
            row.errors.append(_("请填写待办内容"))
        due = _date(row.due)
        if due is None:
            row.errors.append(_("请填写有效的完成时限"))
        owner = owners.get(row.owner)
        if owner is None:
            row.errors.append(_("请选择负责人"))
        if not row.errors:
            specs.append({"description": row.description, "due": due, "owner": owner})
    return None if any(r.errors for r in rows) else specs


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _text_form(name: str, label: Any, required: Any) -> type[forms.Form]:
    """A dialog's one required text box (a to-do's result, a cancel or void reason)."""
    field = forms.CharField(
        label=label,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": required},
    )
    return type(f"{name.title()}Form", (forms.Form,), {name: field})


TaskResultForm = _text_form(
    "result", gettext_lazy("处理结果"), gettext_lazy("请写明处理结果(事事有回应)")
)
TaskCancelForm = _text_form("reason", gettext_lazy("取消原因"), gettext_lazy("请填写取消原因"))
RecordVoidForm = _text_form("reason", gettext_lazy("作废原因"), gettext_lazy("请填写作废原因"))

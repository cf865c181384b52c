"""The web forms of the 合同与订单 card's dialogs: contracts, orders and the customer's level.

They parse and check shapes only (a number, a date, a choice from the list); the rules (a signed
contract needs its signed date, numbers are unique, an order's contract is the customer's, a
manual level needs a reason) are crm.pipeline.services', shown back through apply_errors.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from crm.customers.choices import Level

from .choices import ContractStatus

NONE_LABEL = gettext_lazy("(无)")
GROUPING = re.compile(r"[,，\s¥￥元]")
CENT = Decimal("0.01")
DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class DialogBoundField(forms.BoundField):
    """Tabler classes on the widget, `is-invalid` when the field has errors, and the error and
    hint lines (`<name>-error`, `<name>-hint`) as the description screen readers announce."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if self.errors:
            css += " is-invalid"
        attrs["class"] = f"{attrs.get('class', '')} {css}".strip()
        described = [f"{self.html_name}-{kind}" for kind in ("error", "hint")]
        attrs["aria-describedby"] = " ".join(described)
        return attrs


class DialogForm(forms.Form):
    bound_field_class = DialogBoundField
    use_required_attribute = False  # the server answers in Chinese, not the browser


class AmountField(forms.DecimalField):
    """A CNY amount as people type it: 1,000,000 / 1 000 000 / ¥1000000.00 / 5000元."""

    def __init__(self, label: Any, **kwargs: Any) -> None:
        super().__init__(
            label=label,
            max_digits=16,
            decimal_places=2,
            min_value=Decimal(0),
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            error_messages={
                "required": gettext_lazy("请填写金额"),
                "invalid": gettext_lazy("请填写有效的金额,如 600000 或 600,000.00"),
            },
            **kwargs,
        )

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = GROUPING.sub("", value)
        return super().to_python(value)

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        """Cents, as stored (600000 is 600000.00): the audit compares like with like."""
        amount = super().clean(value)
        return None if amount is None else amount.quantize(CENT)


def _date(
    label: Any, *, required: bool = True, missing: Any = "", help_text: Any = ""
) -> forms.DateField:
    messages = {"invalid": gettext_lazy("请填写有效的日期")}
    if missing:
        messages["required"] = missing
    return forms.DateField(
        label=label,
        widget=DATE_INPUT,
        required=required,
        error_messages=messages,
        help_text=help_text,
    )


def _reason(label: Any, *, rows: int = 2, placeholder: Any = "") -> forms.CharField:
    attrs: dict[str, Any] = {"rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    # required by the service (its message), not here: the reason is checked in one place
    return forms.CharField(
        label=label, max_length=200, required=False, widget=forms.Textarea(attrs=attrs)
    )


def _choices(rows: list[tuple[Any, str]]) -> list[tuple[Any, Any]]:
    return [("", NONE_LABEL), *rows]


class ContractForm(DialogForm):
    number = forms.CharField(
        label=gettext_lazy("合同编号"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("留空则自动生成,如 HT-20260302-001"),
    )
    title = forms.CharField(label=gettext_lazy("合同名称"), max_length=120, required=False)
    amount = AmountField(gettext_lazy("合同金额(元)"))
    status = forms.ChoiceField(
        label=gettext_lazy("合同状态"), choices=ContractStatus.choices, initial="active"
    )
    signed_on = _date(gettext_lazy("签订日期"), required=False)
    starts_on = _date(gettext_lazy("开始日期"), required=False)
    ends_on = _date(gettext_lazy("到期日期"), required=False)
    handover_on = _date(
        gettext_lazy("内部交接日期"),
        required=False,
        help_text=gettext_lazy("签订后 1 个工作日内完成销售与交付团队的内部交接"),
    )
    opportunity = forms.ChoiceField(label=gettext_lazy("来源商机"), required=False)
    notes = forms.CharField(
        label=gettext_lazy("备注"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data: Any, *, opportunities: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["opportunity"].choices = _choices(opportunities)  # type: ignore[attr-defined]
        self.fields["amount"].error_messages["required"] = gettext_lazy("请填写合同金额")

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["opportunity"] = int(data["opportunity"]) if data.get("opportunity") else None
        return data


class OrderForm(DialogForm):
    number = forms.CharField(
        label=gettext_lazy("订单编号"),
        max_length=60,
        error_messages={"required": gettext_lazy("请填写订单编号")},
    )
    ordered_on = _date(gettext_lazy("订单日期"), missing=gettext_lazy("请填写订单日期"))
    amount = AmountField(gettext_lazy("订单金额(元)"))
    summary = forms.CharField(
        label=gettext_lazy("订单摘要"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": gettext_lazy("如:年度运维服务")}),
    )
    contract = forms.ChoiceField(
        label=gettext_lazy("所属合同"),
        required=False,
        help_text=gettext_lazy("属于某份合同的订单已计入该合同金额,累计合作金额不重复计算"),
    )

    def __init__(self, data: Any, *, contracts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["contract"].choices = _choices(contracts)  # type: ignore[attr-defined]
        self.fields["amount"].error_messages["required"] = gettext_lazy("请填写订单金额")

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["contract"] = int(data["contract"]) if data.get("contract") else None
        return data


class ChangeReasonForm(DialogForm):
    """The optional 修改原因 of an edit dialog (recorded on the timeline)."""

    reason = forms.CharField(
        label=gettext_lazy("修改原因(选填,记入动态)"), max_length=200, required=False
    )


class OrderDeleteForm(DialogForm):
    reason = _reason(gettext_lazy("删除原因"), placeholder=gettext_lazy("如:重复录入"))


class LevelForm(DialogForm):
    level = forms.ChoiceField(label=gettext_lazy("客户等级"), choices=Level.choices)
    reason = _reason(
        gettext_lazy("原因"), rows=3, placeholder=gettext_lazy("如:集团框架协议,按战略客户维护")
    )


class LevelClearForm(DialogForm):
    reason = _reason(gettext_lazy("原因(选填)"))

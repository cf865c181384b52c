"""The web forms of the opportunity dialogs: new / edit, change stage, pass a gate.

They parse and check shapes only; the rules (owner roles, gates, the lost reason, the reason to
reopen, stale versions) are the service's, shown back on the form through apply_errors.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

AMOUNT_MAX = Decimal("99999999999999.99")


class AmountField(forms.Field):
    """CNY with two decimals; "1,200,000" and "¥ 1200000" are read as 1200000.00."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = str(value or "").strip().replace(",", "").replace("\uff0c", "")
        text = text.lstrip("\u00a5\uffe5").strip()  # ¥ and the full-width ￥
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise ValidationError(gettext_lazy("请输入金额数字,如 120000.00")) from exc
        if not amount.is_finite() or amount < 0 or amount > AMOUNT_MAX:
            raise ValidationError(gettext_lazy("金额须在 0 到 99,999,999,999,999.99 元之间"))
        if amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValidationError(gettext_lazy("金额最多保留两位小数"))
        return amount.quantize(Decimal("0.01"))


class OpportunityForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("商机名称"),
        max_length=120,
        error_messages={"required": gettext_lazy("请填写商机名称")},
    )
    amount = AmountField(
        label=gettext_lazy("预计金额(元)"),
        error_messages={"required": gettext_lazy("请填写预计金额")},
    )
    expected_close_on = forms.DateField(
        label=gettext_lazy("预计成交日期"),
        error_messages={"required": gettext_lazy("请填写预计成交日期")},
    )
    owner = forms.ChoiceField(
        label=gettext_lazy("负责人"), error_messages={"required": gettext_lazy("请选择负责人")}
    )
    needs_confirmed_on = forms.DateField(label=gettext_lazy("需求确认日期"), required=False)
    notes = forms.CharField(
        label=gettext_lazy("备注"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, data: Any, *, owners: list[tuple[int, str]], initial: dict[str, Any] | None = None
    ) -> None:
        super().__init__(data, initial=initial)
        self.fields["owner"].choices = [(str(pk), name) for pk, name in owners]  # type: ignore[attr-defined]


class MoveForm(forms.Form):
    stage = forms.ChoiceField(
        label=gettext_lazy("目标阶段"), error_messages={"required": gettext_lazy("请选择阶段")}
    )
    reason = forms.CharField(label=gettext_lazy("变更原因"), max_length=200, required=False)
    lost_reason = forms.CharField(label=gettext_lazy("输单原因"), max_length=200, required=False)

    def __init__(self, data: Any, *, stages: list[tuple[int, str]], initial: Any = None) -> None:
        super().__init__(data, initial=initial)
        self.fields["stage"].choices = [(str(pk), name) for pk, name in stages]  # type: ignore[attr-defined]


class GateForm(forms.Form):
    gate = forms.ChoiceField(
        label=gettext_lazy("关卡"), error_messages={"required": gettext_lazy("请选择关卡")}
    )
    note = forms.CharField(
        label=gettext_lazy("审核说明"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写审核说明(核对了哪些材料、结论)")},
    )

    def __init__(self, data: Any, *, gates: list[tuple[int, str]]) -> None:
        super().__init__(data)
        self.fields["gate"].choices = [(str(pk), name) for pk, name in gates]  # type: ignore[attr-defined]


class ObjectionForm(forms.Form):
    """记录异议: what the customer objected to and when (now when left empty)."""

    content = forms.CharField(
        label=gettext_lazy("异议内容"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写客户的异议内容")},
    )
    raised_at = forms.DateTimeField(
        label=gettext_lazy("提出时间"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": gettext_lazy("请填写有效的时间")},
        help_text=gettext_lazy("留空为现在;须在提出后 24 小时内答复"),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("处理与答复"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("请填写处理与答复")},
    )

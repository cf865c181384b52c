"""The web forms of the 售后服务 card's dialogs and of the case library 案例库.

They parse and check shapes only (a date, a score from the list, a number); the rules (an
acceptance needs a delivery date and is not before it, a vague resolution is refused, a reward
is approved by a manager …) are crm.aftersales.services', shown back through apply_errors.
Each field may carry a `col` (the Bootstrap column of the dialog's grid).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from crm.pipeline.business_forms import DATE_INPUT, AmountField, DialogForm

from .choices import (
    CaseKind,
    FeedbackCategory,
    FeedbackKind,
    ReferralIntent,
    RiskKind,
    RiskLevel,
    RiskOutcome,
    SurveyMethod,
)

NONE_LABEL = gettext_lazy("(无)")
CHOOSE = gettext_lazy("请选择")
NOT_LINKED = gettext_lazy("(不关联客户档案)")
TAG_SPLIT = re.compile(r"[,，、;；\s]+")
SCORES_5 = [("", CHOOSE), *((str(n), str(n)) for n in range(5, 0, -1))]


def _col(field: forms.Field, col: str) -> forms.Field:
    field.col = col  # type: ignore[attr-defined]
    return field


def _date(label: Any, *, required: bool = False, col: str = "col-sm-6") -> forms.Field:
    messages = {"invalid": gettext_lazy("请填写有效的日期"), "required": gettext_lazy("请填写日期")}
    field = forms.DateField(
        label=label, widget=DATE_INPUT, required=required, error_messages=messages
    )
    return _col(field, col)


def _text(
    label: Any,
    *,
    rows: int = 3,
    max_length: int = 2000,
    required: bool = False,
    placeholder: Any = "",
    missing: Any = "",
) -> forms.CharField:
    """A text; with `missing` it is required, and that is the message when it is empty."""
    attrs: dict[str, Any] = {"rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    messages = {"required": missing} if missing else {}
    field = forms.CharField(
        label=label,
        max_length=max_length,
        required=required or bool(missing),
        widget=forms.Textarea(attrs=attrs),
        error_messages=messages,
    )
    return field


def _choice(label: Any, choices: Any, *, missing: Any, col: str = "col-sm-6") -> forms.Field:
    field = forms.ChoiceField(
        label=label, choices=[("", CHOOSE), *choices], error_messages={"required": missing}
    )
    return _col(field, col)


def _pk(value: Any) -> int | None:
    return int(value) if value else None


def require(form: forms.Form, *names: str) -> None:
    """An edit dialog needs the dates a new row defaults to today."""
    for name in names:
        form.fields[name].required = True


# --- deliveries -------------------------------------------------------------------------------


class DeliveryForm(DialogForm):
    title = forms.CharField(
        label=gettext_lazy("交付内容"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如:一期系统上线")}),
        error_messages={"required": gettext_lazy("请填写交付内容")},
    )
    contract = _col(forms.ChoiceField(label=gettext_lazy("所属合同"), required=False), "col-12")
    delivered_on = _date(gettext_lazy("交付日期"))
    accepted_on = _date(gettext_lazy("验收日期"))
    notes = _text(gettext_lazy("备注"), rows=2)

    def __init__(self, data: Any, *, contracts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["contract"].choices = [("", NONE_LABEL), *contracts]  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["contract"] = _pk(data.get("contract"))
        return data


class DeliverForm(DialogForm):
    delivered_on = _date(gettext_lazy("交付日期"), required=True, col="col-12")


class AcceptForm(DialogForm):
    accepted_on = _date(gettext_lazy("验收日期"), required=True, col="col-12")


class ProgressForm(DialogForm):
    noted_on = _date(gettext_lazy("进度日期"), required=True, col="col-12")
    content = _text(
        gettext_lazy("进度内容"),
        placeholder=gettext_lazy("如:本周已完成模块开发,预计下周进入测试阶段"),
        missing=gettext_lazy("请填写进度内容"),
    )


# --- surveys and improvement plans ------------------------------------------------------------


class SurveyForm(DialogForm):
    delivery = _col(forms.ChoiceField(label=gettext_lazy("所属交付"), required=False), "col-12")
    surveyed_on = _date(gettext_lazy("调查日期"), required=True)
    method = _col(
        forms.ChoiceField(
            label=gettext_lazy("调查方式"),
            required=False,
            choices=[("", NONE_LABEL), *SurveyMethod.choices],
        ),
        "col-sm-6",
    )
    response_speed = _choice(
        gettext_lazy("服务响应速度(1-5分)"),
        SCORES_5[1:],
        missing=gettext_lazy("请为服务响应速度打分(1-5分)"),
        col="col-sm-4",
    )
    deliverable = _choice(
        gettext_lazy("交付成果(1-5分)"),
        SCORES_5[1:],
        missing=gettext_lazy("请为交付成果打分(1-5分)"),
        col="col-sm-4",
    )
    overall = _col(
        forms.IntegerField(
            label=gettext_lazy("综合满意度(0-100分)"),
            min_value=0,
            max_value=100,
            widget=forms.NumberInput(attrs={"min": 0, "max": 100, "inputmode": "numeric"}),
            error_messages={
                "required": gettext_lazy("请填写综合满意度(0-100分)"),
                "invalid": gettext_lazy("综合满意度请填写 0-100 的整数"),
                "min_value": gettext_lazy("综合满意度请填写 0-100 的整数"),
                "max_value": gettext_lazy("综合满意度请填写 0-100 的整数"),
            },
        ),
        "col-sm-4",
    )
    suggestions = _text(
        gettext_lazy("改进建议"),
        rows=2,
        placeholder=gettext_lazy("客户提出的改进建议;有建议时需在 15 个工作日内反馈优化方案"),
    )
    referral_intent = _choice(
        gettext_lazy("合作或推荐意向"),
        ReferralIntent.choices,
        missing=gettext_lazy("请选择合作或推荐意向"),
        col="col-12",
    )

    def __init__(self, data: Any, *, deliveries: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["delivery"].choices = [("", NONE_LABEL), *deliveries]  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["delivery"] = _pk(data.get("delivery"))
        data["response_speed"] = int(data["response_speed"])
        data["deliverable"] = int(data["deliverable"])
        return data


class PlanForm(DialogForm):
    plan = _text(
        gettext_lazy("优化方案"),
        rows=4,
        placeholder=gettext_lazy("如:每月5日前提供运维报告,响应时间缩短至 2 小时"),
        missing=gettext_lazy("请填写优化方案"),
    )
    planned_on = _date(gettext_lazy("反馈日期"), col="col-12")


# --- feedback ---------------------------------------------------------------------------------


class FeedbackForm(DialogForm):
    kind = _choice(
        gettext_lazy("反馈类型"), FeedbackKind.choices, missing=gettext_lazy("请选择反馈类型")
    )
    category = _choice(
        gettext_lazy("反馈类别"),
        FeedbackCategory.choices,
        missing=gettext_lazy("请选择反馈类别"),
    )
    content = _text(gettext_lazy("反馈内容"), missing=gettext_lazy("请填写反馈内容"))
    received_on = _date(gettext_lazy("反馈日期"), col="col-12")


class ResolveForm(DialogForm):
    resolution = _text(
        gettext_lazy("处理结果"),
        placeholder=gettext_lazy("写明做了什么,如:已更换故障设备并回访确认恢复正常"),
        missing=gettext_lazy("请填写处理结果"),
    )
    resolved_on = _date(gettext_lazy("解决日期"), col="col-12")


class ReasonForm(DialogForm):
    """A reason the service requires (重新打开, 撤下案例): its message when empty."""

    reason = _text(gettext_lazy("原因"), rows=2, max_length=500)

    def __init__(self, data: Any, *, label: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["reason"].required_mark = True  # type: ignore[attr-defined]
        if label:
            self.fields["reason"].label = label


# --- referrals --------------------------------------------------------------------------------


class ReferredField(forms.ChoiceField):
    """The referred customer, picked from the search box's results (the options come from
    views.picker.referral_candidates): any customer id is taken here; the service checks that
    it is a customer the user sees, not the referrer, and not referred before."""

    template = "aftersales/_referred_picker.html"

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class ReferralForm(DialogForm):
    referred = _col(
        ReferredField(
            label=gettext_lazy("被推荐客户(已建档)"),
            required=False,
            error_messages={"invalid_choice": gettext_lazy("请从搜索结果中选择被推荐客户")},
            help_text=gettext_lazy(
                "输入名称、编号或拼音搜索已建档的客户;未建档的填写下方名称,审批奖励前须关联客户档案"
            ),
        ),
        "col-12",
    )
    referred_name = _col(
        forms.CharField(label=gettext_lazy("被推荐客户名称"), max_length=200, required=False),
        "col-sm-6",
    )
    referred_on = _date(gettext_lazy("推荐日期"))
    reward_amount = _col(AmountField(gettext_lazy("奖励金额(元)"), required=False), "col-sm-6")
    reward_text = _col(
        forms.CharField(
            label=gettext_lazy("奖励说明"),
            max_length=200,
            required=False,
            widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如:服务费 9 折")}),
        ),
        "col-12",
    )
    notes = _text(gettext_lazy("备注"), rows=2)

    def __init__(
        self, data: Any, *, referred: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        """`referred`: the option of the customer linked now (the one typed or saved)."""
        super().__init__(data, **kwargs)
        self.fields["referred"].choices = [("", NOT_LINKED), *(referred or [])]  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["referred"] = _pk(data.get("referred"))
        return data


class PayForm(DialogForm):
    paid_on = _date(gettext_lazy("发放日期"), col="col-12")
    reason = _text(gettext_lazy("备注(选填,记入动态)"), rows=2, max_length=200)


class ApproveForm(DialogForm):
    reason = _text(gettext_lazy("审批意见(选填,记入动态)"), rows=2, max_length=200)


# --- risks ------------------------------------------------------------------------------------


class RiskForm(DialogForm):
    kind = _choice(
        gettext_lazy("风险类型"), RiskKind.choices, missing=gettext_lazy("请选择风险类型")
    )
    level = _choice(
        gettext_lazy("风险等级"), RiskLevel.choices, missing=gettext_lazy("请选择风险等级")
    )
    description = _text(
        gettext_lazy("风险描述"),
        placeholder=gettext_lazy("如:竞争对手报价低 15%,客户采购部在比价"),
        missing=gettext_lazy("请填写风险描述"),
    )
    countermeasure = _text(
        gettext_lazy("应对措施"),
        placeholder=gettext_lazy("如:本周内安排技术交流,突出售后响应优势"),
        missing=gettext_lazy("请填写应对措施"),
    )
    owner = _choice(gettext_lazy("负责人"), [], missing=gettext_lazy("请选择负责人"))
    due_on = _date(gettext_lazy("处理期限"), required=True)
    raised_on = _date(gettext_lazy("预警日期"), col="col-12")

    def __init__(self, data: Any, *, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["owner"].choices = [("", CHOOSE), *owners]  # type: ignore[attr-defined]


class CloseRiskForm(DialogForm):
    outcome = _choice(
        gettext_lazy("应对结果"),
        RiskOutcome.choices,
        missing=gettext_lazy("关闭风险预警需要选择应对结果(有效或无效)"),
    )
    closed_on = _date(gettext_lazy("关闭日期"))
    note = _text(gettext_lazy("结果说明"), rows=2)


# --- the case library -------------------------------------------------------------------------


class TagsField(forms.CharField):
    """Tags as typed: 华东,制造业 价格战 (commas, 、 or spaces); the service trims and checks."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [t for t in TAG_SPLIT.split(text) if t]


class CaseForm(DialogForm):
    kind = _choice(
        gettext_lazy("案例类型"), CaseKind.choices, missing=gettext_lazy("请选择案例类型")
    )
    title = _col(
        forms.CharField(
            label=gettext_lazy("案例标题"),
            max_length=120,
            error_messages={"required": gettext_lazy("请填写案例标题")},
        ),
        "col-sm-6",
    )
    story = _text(
        gettext_lazy("案例经过"), rows=5, max_length=10000, missing=gettext_lazy("请写明案例经过")
    )
    lessons = _text(gettext_lazy("经验总结"), rows=3, max_length=5000)
    tags = _col(
        TagsField(
            label=gettext_lazy("标签"),
            max_length=300,
            required=False,
            help_text=gettext_lazy("用逗号或空格分隔,如:华东 制造业 价格战"),
        ),
        "col-12",
    )


class CaseFilterForm(forms.Form):
    """The 案例库 filters: kind, tag, words of the title, and the keyset cursor."""

    kind = forms.ChoiceField(
        label=gettext_lazy("案例类型"),
        required=False,
        choices=[("", gettext_lazy("全部类型")), *CaseKind.choices],
    )
    tag = forms.CharField(label=gettext_lazy("标签"), max_length=20, required=False)
    q = forms.CharField(label=gettext_lazy("标题"), max_length=60, required=False)
    before = forms.IntegerField(min_value=1, max_value=2**31 - 1, required=False)

"""Web forms for needs analyses and demand changes: shapes only, the rules are the service's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from crm.contacts.choices import DecisionRole
from crm.customers.choices import Intent
from crm.records.forms import BLANK, DATETIME_LOCAL

from .choices import Priority


def _points(label: Any) -> forms.CharField:
    # not required here: the service answers 请至少填写一条核心痛点 with its other messages
    return forms.CharField(
        label=label, required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnalysisForm(forms.Form):
    interviewed_at = forms.DateTimeField(
        label=gettext_lazy("访谈时间"), input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"]
    )
    intent = forms.ChoiceField(
        label=gettext_lazy("意向等级"),
        choices=BLANK + Intent.choices,
        required=False,  # the service says 请选择意向等级, beside its other messages
    )
    pain_points = _points(gettext_lazy("核心痛点(按优先级)"))
    explicit_needs = _points(gettext_lazy("明确需求(可量化)"))
    latent_needs = _points(gettext_lazy("潜在需求"))
    budget_min = forms.DecimalField(
        label=gettext_lazy("预算下限(元)"), required=False, max_digits=16, decimal_places=2
    )
    budget_max = forms.DecimalField(
        label=gettext_lazy("预算上限(元)"), required=False, max_digits=16, decimal_places=2
    )
    budget_negotiable = forms.BooleanField(label=gettext_lazy("预算可协商"), required=False)
    budget_note = forms.CharField(label=gettext_lazy("预算说明"), max_length=100, required=False)

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


ROLE_CHOICES = [("", gettext_lazy("不在决策链")), *DecisionRole.choices]


def chain_rows(data: Any, contacts: list[Any], initial: dict[int, tuple[str, str]]) -> list[Any]:
    """One row per contact of the customer: its role in the chain and its concerns."""
    rows = []
    for contact in contacts:
        if data is not None:
            role = str(data.get(f"role_{contact.pk}", ""))[:16]
            concerns = str(data.get(f"concerns_{contact.pk}", ""))[:200]
        else:
            role, concerns = initial.get(contact.pk, (contact.decision_role, contact.concerns))
        rows.append({"contact": contact, "role": role, "concerns": concerns})
    return rows


def chain_specs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"contact": row["contact"], "role": row["role"], "concerns": row["concerns"]}
        for row in rows
        if row["role"]
    ]


class ChangeForm(forms.Form):
    original_need = forms.CharField(
        label=gettext_lazy("原需求"),
        max_length=300,
        error_messages={"required": gettext_lazy("请填写原需求")},
    )
    current_need = forms.CharField(
        label=gettext_lazy("现需求"),
        max_length=300,
        error_messages={"required": gettext_lazy("请填写现需求")},
    )
    trigger = forms.CharField(label=gettext_lazy("触发点"), max_length=200, required=False)
    priority = forms.ChoiceField(label=gettext_lazy("优先级"), choices=Priority.choices)
    changed_on = forms.DateField(
        label=gettext_lazy("变化日期"), error_messages={"required": gettext_lazy("请填写变化日期")}
    )

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

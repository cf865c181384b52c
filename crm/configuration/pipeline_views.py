"""The sales settings pages: 销售流程 (pipelines, their stages and gates, industry variants) and
客户分级规则 (the level thresholds and the contract expiry warning).

Thin adapters over crm.pipeline.services: save_pipeline / save_stage / save_gate validate and
audit one settings row; save_tier_rules audits the thresholds and tiers every customer with
contracts or orders again at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from crm.core.forms import apply_errors
from crm.customers.models import Customer, Industry
from crm.pipeline import services
from crm.pipeline.business_forms import AmountField
from crm.pipeline.choices import StageKind
from crm.pipeline.models import Contract, Gate, Order, Pipeline, Stage

from .forms import SettingsForm
from .views import _actor, _data, requires

CODE_SEPARATORS = re.compile(r"[,，、;；\s]+")
POSITION = [MinValueValidator(0), MaxValueValidator(32767)]
CODE_HELP = gettext_lazy("英文字母、数字、下划线或连字符,如 site_survey;同一流程内不能重复")


# --- forms ---------------------------------------------------------------------------------


class PipelineForm(SettingsForm):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=60)
    industries = forms.CharField(
        label=gettext_lazy("适用行业"),
        max_length=300,
        required=False,
        help_text=gettext_lazy(
            "GB/T 4754 门类字母或大类代码,多个用逗号分隔,如 J(金融业)或 84, 27(医疗);"
            "客户行业匹配大类的流程优先于匹配门类的,都不匹配时用默认流程。留空为通用流程"
        ),
    )
    is_default = forms.BooleanField(
        label=gettext_lazy("默认流程(只能有一个,设为默认后其他流程自动取消默认)"), required=False
    )
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False)
    position = forms.IntegerField(label=gettext_lazy("排序"), validators=POSITION)

    def clean_industries(self) -> list[str]:
        text = self.cleaned_data.get("industries", "")
        return [code for code in CODE_SEPARATORS.split(text) if code]


class StageForm(SettingsForm):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=30)
    code = forms.SlugField(label=gettext_lazy("代码"), max_length=30, help_text=CODE_HELP)
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=StageKind.choices,
        help_text=gettext_lazy("进入“赢单”类阶段即成交,进入“输单”类阶段须填写输单原因"),
    )
    position = forms.IntegerField(label=gettext_lazy("排序"), validators=POSITION)
    probability = forms.IntegerField(
        label=gettext_lazy("赢单概率(%)"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("启用"),
        required=False,
        help_text=gettext_lazy("停用的阶段不再出现在看板上,已在该阶段的商机不受影响"),
    )


class GateForm(SettingsForm):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=30)
    code = forms.SlugField(label=gettext_lazy("代码"), max_length=30, help_text=CODE_HELP)
    description = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TierRulesForm(SettingsForm):
    strategic_threshold = AmountField(gettext_lazy("战略客户(A类)年合同额下限(元)"))
    key_threshold = AmountField(gettext_lazy("重点客户(B类)年合同额下限(元)"))
    expiry_warning_days = forms.IntegerField(
        label=gettext_lazy("合同到期提前提醒(天)"),
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    reason = forms.CharField(label=gettext_lazy("修改原因(选填)"), max_length=200, required=False)


# --- 销售流程 ------------------------------------------------------------------------------


def _list_url(anchor: str = "") -> str:
    return reverse("configuration:pipelines") + (f"#{anchor}" if anchor else "")


def _industry_names(pipelines: list[Pipeline]) -> dict[str, str]:
    codes = {code for p in pipelines for code in p.industries or []}
    if not codes:
        return {}
    return dict(Industry.objects.filter(code__in=codes).values_list("code", "name"))


@requires("settings.manage")
def pipeline_list(request: HttpRequest) -> HttpResponse:
    stages = Stage.objects.order_by("position", "pk").prefetch_related("gates")
    rows = Pipeline.objects.order_by("position", "pk").prefetch_related(
        Prefetch("stages", queryset=stages)
    )
    pipelines = list(rows)
    names = _industry_names(pipelines)
    for pipeline in pipelines:
        pipeline.industry_labels = [  # type: ignore[attr-defined]
            (code, names.get(code, "")) for code in pipeline.industries or []
        ]
    return render(request, "configuration/pipelines.html", {"pipelines": pipelines})


def _form_page(request: HttpRequest, form: forms.Form, title: str, **context: Any) -> HttpResponse:
    context = {"form": form, "title": title, "back_url": _list_url(), **context}
    return render(request, "configuration/pipeline_form.html", context)


def _next_position(rows: Any) -> int:
    last = rows.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else min(last + 1, 32767)


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def pipeline_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, pk=pk) if pk else None
    if pipeline is not None:
        initial: dict[str, Any] = {
            name: getattr(pipeline, name)
            for name in ("name", "is_default", "is_active", "position")
        }
        initial["industries"] = ", ".join(pipeline.industries or [])
    else:
        initial = {"is_active": True, "position": _next_position(Pipeline.objects.all())}
    form = PipelineForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _saved(
            request, form, lambda: services.save_pipeline(_actor(request), pipeline, **data)
        )
        if saved is not None:
            return redirect(_list_url(f"pipeline-{saved.pk}"))
    title = _("编辑销售流程") if pipeline else _("新建销售流程")
    return _form_page(request, form, title, obj=pipeline)


def _stage_form(request: HttpRequest, stage: Stage | None, pipeline: Pipeline) -> StageForm:
    if stage is not None:
        names = ("name", "code", "kind", "position", "probability", "is_active")
        initial: dict[str, Any] = {name: getattr(stage, name) for name in names}
    else:
        position = _next_position(pipeline.stages.all())
        initial = {"kind": StageKind.OPEN, "position": position, "probability": 0}
        initial["is_active"] = True
    return StageForm(_data(request), initial=initial)


def _save_stage(request: HttpRequest, stage: Stage | None, pipeline: Pipeline) -> HttpResponse:
    form = _stage_form(request, stage, pipeline)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if stage is None:
            data["pipeline"] = pipeline
        if _saved(request, form, lambda: services.save_stage(_actor(request), stage, **data)):
            return redirect(_list_url(f"pipeline-{pipeline.pk}"))
    if stage is not None:
        title = _("编辑阶段:%(pipeline)s · %(stage)s") % {"pipeline": pipeline, "stage": stage}
    else:
        title = _("新增阶段:%(pipeline)s") % {"pipeline": pipeline}
    return _form_page(request, form, title, pipeline=pipeline)


def _saved[M](request: HttpRequest, form: forms.Form, write: Callable[[], M]) -> M | None:
    """Run a service write; its ValidationError lands on the form in Chinese. A stage or gate
    code already used in its pipeline (stage) fails the model's unique constraint, a non-field
    error: it is shown on the code field."""
    try:
        saved = write()
    except ValidationError as exc:
        errors = dict(getattr(exc, "error_dict", {}))
        if NON_FIELD_ERRORS in errors and "code" in form.fields:
            del errors[NON_FIELD_ERRORS]
            form.add_error("code", _("该代码已被使用,请换一个"))
            exc = ValidationError(errors) if errors else None  # type: ignore[assignment]
        if exc is not None:
            apply_errors(form, exc)
        return None
    messages.success(request, _("已保存"))
    return saved


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def stage_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_stage(request, None, get_object_or_404(Pipeline, pk=pk))


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=pk)
    return _save_stage(request, stage, stage.pipeline)


def _save_gate(request: HttpRequest, gate: Gate | None, stage: Stage) -> HttpResponse:
    initial = None
    if gate is not None:
        initial = {name: getattr(gate, name) for name in ("name", "code", "description")}
    form = GateForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if gate is None:
            data["stage"] = stage
        if _saved(request, form, lambda: services.save_gate(_actor(request), gate, **data)):
            return redirect(_list_url(f"pipeline-{stage.pipeline_id}"))
    names = {"pipeline": stage.pipeline, "stage": stage}
    title = _("编辑关卡") if gate else _("新增关卡:%(pipeline)s · %(stage)s") % names
    hint = _("商机进入“%(stage)s”前,须逐项通过该阶段的全部关卡(由负责人填写审核说明)。") % {
        "stage": stage
    }
    return _form_page(request, form, title, hint=hint)


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def gate_create(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=pk)
    return _save_gate(request, None, stage)


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def gate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    gate = get_object_or_404(Gate.objects.select_related("stage__pipeline"), pk=pk)
    return _save_gate(request, gate, gate.stage)


# --- 客户分级规则 --------------------------------------------------------------------------

TIER_FIELDS = ("strategic_threshold", "key_threshold", "expiry_warning_days")


def _customers_with_business() -> int:
    contracts = Contract.objects.filter(customer=OuterRef("pk"))
    orders = Order.objects.filter(customer=OuterRef("pk"))
    return Customer.objects.filter(Q(Exists(contracts)) | Q(Exists(orders))).count()


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def tier_rules(request: HttpRequest) -> HttpResponse:
    config = services.tier_rules()
    initial = {name: getattr(config, name) for name in TIER_FIELDS}
    form = TierRulesForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            services.save_tier_rules(_actor(request), reason=reason, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存客户分级规则,并已按新规则重新评定客户等级"))
            return redirect("configuration:tier_rules")
    context = {
        "form": form,
        "rules": config,
        "saved": config.updated_by_id is not None,
        "customer_count": _customers_with_business(),
    }
    return render(request, "configuration/tier_rules.html", context)

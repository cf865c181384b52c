"""The 售后服务 card's dialogs: deliveries, surveys, feedback, referrals, risks and 收录为案例."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.accounts.choices import Role
from crm.accounts.models import User
from crm.customers import services as customer_services
from crm.customers.models import Collaborator, Customer
from crm.pipeline.business_forms import ChangeReasonForm
from crm.pipeline.models import Contract

from .. import services
from ..forms import (
    AcceptForm,
    ApproveForm,
    CaseForm,
    CloseRiskForm,
    DeliverForm,
    DeliveryForm,
    FeedbackForm,
    PayForm,
    PlanForm,
    ProgressForm,
    ReasonForm,
    ReferralForm,
    ResolveForm,
    RiskForm,
    SurveyForm,
)
from ..models import Delivery
from .card import (
    CHOICES_CAP,
    _actor,
    _changed,
    _dialog,
    _editable,
    _posted,
    _user,
    _version,
)
from .picker import picker_url, referred_option

# --- deliveries -------------------------------------------------------------------------------


def _contracts(customer: Customer) -> list[tuple[int, str]]:
    rows = Contract.objects.filter(customer=customer).order_by("-pk")
    found = rows.values_list("pk", "number", "title")[:CHOICES_CAP]
    return [(pk, f"{number} {title}".strip()) for pk, number, title in found]


@login_required
@require_http_methods(["GET", "POST"])
def delivery_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = customer_services.get_editable(actor, pk)
    form = DeliveryForm(_posted(request), contracts=_contracts(customer))

    def save(data: dict[str, Any]) -> str:
        made = services.create_delivery(actor, customer=customer, **form.service_fields())
        return _("已新建交付「%(title)s」") % {"title": made.title}

    return _dialog(request, customer, form, save, title=_("新建交付"), submit=_("保存交付"))


DELIVERY_INITIAL = ("title", "delivered_on", "accepted_on", "notes")


@login_required
@require_http_methods(["GET", "POST"])
def delivery_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    delivery = _editable(request, services.get_visible_delivery, pk)
    initial: dict[str, Any] = {n: getattr(delivery, n) for n in DELIVERY_INITIAL}
    initial["contract"] = delivery.contract_id or ""
    data = _posted(request)
    form = DeliveryForm(data, contracts=_contracts(delivery.customer), initial=initial)
    note, version = ChangeReasonForm(data), _version(request, delivery)

    def save(fields: dict[str, Any]) -> str:
        reason = fields.pop("reason", "")
        fields["contract"] = int(fields["contract"]) if fields.get("contract") else None
        saved = services.update_delivery(
            actor, delivery, expected_version=version, reason=reason, **fields
        )
        return _changed(saved, version, _("已修改交付「%(title)s」") % {"title": saved.title})

    return _dialog(
        request,
        delivery.customer,
        form,
        save,
        label=_("交付"),
        version=version,
        note=note,
        title=_("修改交付"),
        submit=_("保存修改"),
    )


def _delivery_step(
    request: HttpRequest, pk: int, form_class: type[forms.Form], step: str
) -> HttpResponse:
    """确认交付 (the acceptance clock starts) or 确认验收 (the survey clock starts)."""
    actor = _actor(request)
    delivery = _editable(request, services.get_visible_delivery, pk)
    version = _version(request, delivery)
    form = form_class(_posted(request), initial={f"{step}_on": timezone.localdate()})
    call = services.mark_delivered if step == "delivered" else services.accept_delivery
    done = _("已确认交付「%(title)s」") if step == "delivered" else _("已确认验收「%(title)s」")

    def save(data: dict[str, Any]) -> str:
        call(actor, delivery, expected_version=version, **data)
        return done % {"title": delivery.title}

    return _dialog(
        request,
        delivery.customer,
        form,
        save,
        label=_("交付"),
        version=version,
        title=_("确认交付") if step == "delivered" else _("确认验收"),
        submit=_("确认"),
        summary=delivery.title,
        hint=_("交付后 3 个工作日内完成验收确认;验收后 7 个工作日内完成满意度调查。"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def delivery_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    return _delivery_step(request, pk, DeliverForm, "delivered")


@login_required
@require_http_methods(["GET", "POST"])
def delivery_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _delivery_step(request, pk, AcceptForm, "accepted")


@login_required
@require_http_methods(["GET", "POST"])
def delivery_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """记录进度: a weekly progress note (每周向客户同步进度)."""
    actor = _actor(request)
    delivery = _editable(request, services.get_visible_delivery, pk)
    form = ProgressForm(_posted(request), initial={"noted_on": timezone.localdate()})

    def save(data: dict[str, Any]) -> str:
        services.add_progress(actor, delivery, **data)
        return _("已记录「%(title)s」的交付进度") % {"title": delivery.title}

    return _dialog(
        request,
        delivery.customer,
        form,
        save,
        title=_("记录进度"),
        submit=_("保存进度"),
        summary=delivery.title,
    )


# --- surveys ----------------------------------------------------------------------------------


def _accepted_deliveries(customer: Customer) -> list[tuple[int, str]]:
    rows = Delivery.objects.filter(customer=customer, accepted_on__isnull=False).order_by("-pk")
    found = rows.values_list("pk", "title", "accepted_on")[:CHOICES_CAP]
    return [(pk, _("%(t)s(%(d)s 验收)") % {"t": t, "d": f"{d:%Y-%m-%d}"}) for pk, t, d in found]


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = customer_services.get_editable(actor, pk)
    initial = {"surveyed_on": timezone.localdate(), "delivery": request.GET.get("delivery", "")}
    form = SurveyForm(_posted(request), deliveries=_accepted_deliveries(customer), initial=initial)

    def save(data: dict[str, Any]) -> str:
        made = services.record_survey(actor, customer=customer, **form.service_fields())
        return _("已记录满意度调查,综合满意度 %(n)s 分") % {"n": made.overall}

    return _dialog(
        request,
        customer,
        form,
        save,
        title=_("记录满意度调查"),
        submit=_("保存调查"),
        hint=_("综合满意度 ≥ 90 分的客户进入核心客户池,每季度安排一次深度回访。"),
    )


def _plan_dialog(
    request: HttpRequest, row: Any, call: Callable[..., Any], label: str, summary: str
) -> HttpResponse:
    actor = _actor(request)
    version = _version(request, row)
    initial = {"plan": row.improvement_plan, "planned_on": row.improvement_planned_on}
    form = PlanForm(_posted(request), initial=initial)

    def save(data: dict[str, Any]) -> str:
        saved = call(actor, row, expected_version=version, **data)
        return _changed(saved, version, _("已反馈优化方案"))

    return _dialog(
        request,
        row.customer,
        form,
        save,
        label=label,
        version=version,
        title=_("优化方案"),
        submit=_("保存优化方案"),
        summary=summary,
        hint=_("对提出改进建议的客户,15 个工作日内反馈优化方案。"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_plan(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _editable(request, services.get_visible_survey, pk)
    summary = _("改进建议:%(s)s") % {"s": survey.suggestions or "—"}
    return _plan_dialog(request, survey, services.plan_survey_improvement, _("满意度调查"), summary)


# --- feedback ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def feedback_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = customer_services.get_editable(actor, pk)
    form = FeedbackForm(_posted(request), initial={"received_on": timezone.localdate()})

    def save(data: dict[str, Any]) -> str:
        made = services.record_feedback(actor, customer=customer, **data)
        return _("已记录客户反馈(%(kind)s)") % {"kind": made.get_kind_display()}

    return _dialog(request, customer, form, save, title=_("记录客户反馈"), submit=_("保存反馈"))


@login_required
@require_http_methods(["GET", "POST"])
def feedback_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    feedback = _editable(request, services.get_visible_feedback, pk)
    version = _version(request, feedback)
    form = ResolveForm(_posted(request), initial={"resolved_on": timezone.localdate()})

    def save(data: dict[str, Any]) -> str:
        services.resolve_feedback(actor, feedback, expected_version=version, **data)
        return _("已处理客户反馈")

    return _dialog(
        request,
        feedback.customer,
        form,
        save,
        label=_("客户反馈"),
        version=version,
        title=_("处理客户反馈"),
        submit=_("标记为已解决"),
        summary=str(feedback),
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    feedback = _editable(request, services.get_visible_feedback, pk)
    version = _version(request, feedback)
    form = ReasonForm(_posted(request), label=_("重新打开原因"))

    def save(data: dict[str, Any]) -> str:
        services.reopen_feedback(actor, feedback, expected_version=version, **data)
        return _("已重新打开客户反馈")

    return _dialog(
        request,
        feedback.customer,
        form,
        save,
        label=_("客户反馈"),
        version=version,
        title=_("重新打开客户反馈"),
        submit=_("重新打开"),
        summary=str(feedback),
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_plan(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = _editable(request, services.get_visible_feedback, pk)
    return _plan_dialog(
        request, feedback, services.plan_feedback_improvement, _("客户反馈"), str(feedback)
    )


# --- referrals --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = customer_services.get_editable(actor, pk)
    data = _posted(request)
    chosen = referred_option(actor.user, data.get("referred") if data is not None else None)  # type: ignore[arg-type]
    form = ReferralForm(data, referred=chosen, initial={"referred_on": timezone.localdate()})

    def save(_data: dict[str, Any]) -> str:
        made = services.create_referral(actor, customer=customer, **form.service_fields())
        name = made.referred.name if made.referred_id else made.referred_name  # type: ignore[union-attr]
        return _("已登记转介绍:%(name)s") % {"name": name}

    return _dialog(
        request,
        customer,
        form,
        save,
        picker_url=picker_url(customer),
        title=_("登记转介绍"),
        submit=_("保存"),
        hint=_("成功推荐 1 位合作客户,可获得服务折扣或现金奖励;奖励由销售经理审批后发放。"),
    )


def _approvable(request: HttpRequest, pk: int) -> Any:
    """A referral whose reward the user may approve and pay: hidden 404, others 403."""
    referral = _editable(request, services.get_visible_referral, pk)
    if not services.can_approve(_user(request), referral.customer):
        raise PermissionDenied(_("转介绍奖励须由销售经理或管理员审批和发放"))
    return referral


def _reward(referral: Any) -> str:
    parts = [str(referral)]
    if referral.reward_amount is not None:
        parts.append(f"¥{referral.reward_amount:,.2f}")
    if referral.reward_text:
        parts.append(referral.reward_text)
    return " · ".join(parts)


@login_required
@require_http_methods(["GET", "POST"])
def referral_approve(request: HttpRequest, pk: int) -> HttpResponse:
    actor, referral = _actor(request), _approvable(request, pk)
    version = _version(request, referral)
    form = ApproveForm(_posted(request))

    def save(data: dict[str, Any]) -> str:
        services.approve_referral(actor, referral, expected_version=version, **data)
        return _("已审批转介绍奖励")

    return _dialog(
        request,
        referral.customer,
        form,
        save,
        label=_("转介绍"),
        version=version,
        title=_("审批转介绍奖励"),
        submit=_("审批通过"),
        summary=_reward(referral),
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_pay(request: HttpRequest, pk: int) -> HttpResponse:
    actor, referral = _actor(request), _approvable(request, pk)
    version = _version(request, referral)
    form = PayForm(_posted(request), initial={"paid_on": timezone.localdate()})

    def save(data: dict[str, Any]) -> str:
        services.pay_referral(actor, referral, expected_version=version, **data)
        return _("已发放转介绍奖励")

    return _dialog(
        request,
        referral.customer,
        form,
        save,
        label=_("转介绍"),
        version=version,
        title=_("发放转介绍奖励"),
        submit=_("确认已发放"),
        summary=_reward(referral),
    )


# --- risks ------------------------------------------------------------------------------------


def _owners(user: User, customer: Customer) -> list[tuple[int, str]]:
    """Who may be responsible and sees the customer: its owner and collaborators, the user,
    the managers of the owner's team, customer success and administrators (the service checks
    the one chosen again)."""
    collaborators = Collaborator.objects.filter(customer=customer).values("user_id")
    near = Q(pk__in=collaborators) | Q(pk=customer.owner_id) | Q(pk=user.pk)
    near |= Q(role__in=(Role.CUSTOMER_SUCCESS, Role.ADMIN))
    if team := customer.owner.team_id:
        near |= Q(role=Role.SALES_MANAGER) & (Q(team_id=team) | Q(managed_teams=team))
    qs = User.objects.filter(near, is_active=True, role__in=customer_services.OWNER_ROLES)
    rows = qs.distinct().only("id", "full_name", "username").order_by("full_name", "username")
    return [(u.pk, str(u)) for u in rows[:CHOICES_CAP]]


@login_required
@require_http_methods(["GET", "POST"])
def risk_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = customer_services.get_editable(actor, pk)
    owners = _owners(actor.user, customer)  # type: ignore[arg-type]
    mine = actor.user.pk if actor.user.pk in {pk for pk, _n in owners} else customer.owner_id  # type: ignore[union-attr]
    today = timezone.localdate()
    initial = {"raised_on": today, "owner": mine}
    form = RiskForm(_posted(request), owners=owners, initial=initial)

    def save(data: dict[str, Any]) -> str:
        data["owner"] = User.objects.filter(pk=int(data["owner"])).first()
        made = services.raise_risk(actor, customer=customer, **data)
        return _("已发出风险预警(%(kind)s,%(level)s)") % {
            "kind": made.get_kind_display(),
            "level": made.get_level_display(),
        }

    return _dialog(request, customer, form, save, title=_("发出风险预警"), submit=_("发出预警"))


@login_required
@require_http_methods(["GET", "POST"])
def risk_close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    risk = _editable(request, services.get_visible_risk, pk)
    version = _version(request, risk)
    form = CloseRiskForm(_posted(request), initial={"closed_on": timezone.localdate()})

    def save(data: dict[str, Any]) -> str:
        closed = services.close_risk(actor, risk, expected_version=version, **data)
        return _("已关闭风险预警,应对结果:%(o)s") % {"o": closed.get_outcome_display()}

    return _dialog(
        request,
        risk.customer,
        form,
        save,
        label=_("风险预警"),
        version=version,
        title=_("关闭风险预警"),
        submit=_("关闭预警"),
        summary=str(risk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    risk = _editable(request, services.get_visible_risk, pk)
    version = _version(request, risk)
    form = ReasonForm(_posted(request), label=_("重新打开原因"))

    def save(data: dict[str, Any]) -> str:
        services.reopen_risk(actor, risk, expected_version=version, **data)
        return _("已重新打开风险预警")

    return _dialog(
        request,
        risk.customer,
        form,
        save,
        label=_("风险预警"),
        version=version,
        title=_("重新打开风险预警"),
        submit=_("重新打开"),
        summary=str(risk),
    )


# --- 收录为案例 (into the case library) ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest, pk: int) -> HttpResponse:
    """收录为案例: the customer's story into the library."""
    actor = _actor(request)
    customer = customer_services.get_editable(actor, pk)
    form = CaseForm(_posted(request), initial={"kind": request.GET.get("kind", "")})

    def save(data: dict[str, Any]) -> str:
        made = services.create_case(actor, customer=customer, **data)
        return _("已收录为案例「%(title)s」") % {"title": made.title}

    return _dialog(request, customer, form, save, title=_("收录为案例"), submit=_("收录"))

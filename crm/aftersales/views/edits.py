"""修改 dialogs of the 售后服务 card's rows (surveys, feedback, referrals, risks), like the
delivery's: the row's values to start from, its version (a row saved meanwhile is refused once,
keeping what was typed), an optional 修改原因 for the timeline, the service's rules shown back.
Only an open feedback or risk and a pending referral can be changed (the service says so)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.accounts.models import User
from crm.customers.models import Customer
from crm.pipeline.business_forms import ChangeReasonForm

from .. import services
from ..forms import FeedbackForm, ReferralForm, RiskForm, SurveyForm, require
from .card import Save, _actor, _changed, _dialog, _editable, _posted, _user, _version
from .dialogs import _accepted_deliveries, _owners
from .picker import picker_url, referred_option


def _edit(
    request: HttpRequest,
    row: Any,
    form: forms.Form,
    save: Save,
    label: str,
    **shown: Any,
) -> HttpResponse:
    """Run a 修改 dialog of `row` (its version and the 修改原因 come from the request)."""
    return _dialog(
        request,
        row.customer,
        form,
        save,
        label=label,
        version=_version(request, row),
        note=ChangeReasonForm(_posted(request)),
        title=_("修改%(label)s") % {"label": label},
        submit=_("保存修改"),
        **shown,
    )


def _update(request: HttpRequest, call: Any, row: Any, fields: dict[str, Any]) -> Any:
    """The service's update at the version the dialog was opened at, with the reason."""
    reason = fields.pop("reason", "")
    version = _version(request, row)
    return call(_actor(request), row, expected_version=version, reason=reason, **fields)


# --- surveys ----------------------------------------------------------------------------------

SURVEY_INITIAL = ("surveyed_on", "method", "overall", "suggestions", "referral_intent")


def _with(choices: list[tuple[int, str]], pk: int | None, label: Any) -> list[tuple[int, str]]:
    """The choices with the row's current one, should it be past the cap or out of the list."""
    if pk is None or any(value == pk for value, _n in choices):
        return choices
    return [(pk, str(label)), *choices]


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _editable(request, services.get_visible_survey, pk)
    initial: dict[str, Any] = {n: getattr(survey, n) for n in SURVEY_INITIAL}
    initial |= {"delivery": survey.delivery_id or "", "response_speed": survey.response_speed}
    initial["deliverable"] = survey.deliverable
    deliveries = _with(_accepted_deliveries(survey.customer), survey.delivery_id, survey.delivery)
    form = SurveyForm(_posted(request), deliveries=deliveries, initial=initial)
    version = _version(request, survey)

    def save(fields: dict[str, Any]) -> str:
        data = {**form.service_fields(), "reason": fields.get("reason", "")}
        saved = _update(request, services.update_survey, survey, data)
        done = _("已修改满意度调查,综合满意度 %(n)s 分") % {"n": saved.overall}
        return _changed(saved, version, done)

    return _edit(request, survey, form, save, _("满意度调查"))


# --- feedback ---------------------------------------------------------------------------------

FEEDBACK_INITIAL = ("kind", "category", "content", "received_on")


@login_required
@require_http_methods(["GET", "POST"])
def feedback_edit(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = _editable(request, services.get_visible_feedback, pk)
    initial = {n: getattr(feedback, n) for n in FEEDBACK_INITIAL}
    form = FeedbackForm(_posted(request), initial=initial)
    require(form, "received_on")
    version = _version(request, feedback)

    def save(fields: dict[str, Any]) -> str:
        saved = _update(request, services.update_feedback, feedback, fields)
        done = _("已修改客户反馈(%(kind)s)") % {"kind": saved.get_kind_display()}
        return _changed(saved, version, done)

    return _edit(request, feedback, form, save, _("客户反馈"))


# --- referrals --------------------------------------------------------------------------------

REFERRAL_INITIAL = ("referred_name", "referred_on", "reward_amount", "reward_text", "notes")


def _referred(user: User, referral: Any, data: Any) -> list[tuple[int, str]]:
    """The option of the referred customer: the one picked, else the one linked (masked when
    it is another team's customer the user may not see, and then kept as it is)."""
    chosen = data.get("referred") if data is not None else referral.referred_id
    if str(chosen or "") != str(referral.referred_id or ""):
        return referred_option(user, chosen)
    option = referred_option(user, chosen)
    if referral.referred_id is not None and not option:
        option = [(referral.referred_id, _("(其他团队的客户)"))]
    return option


@login_required
@require_http_methods(["GET", "POST"])
def referral_edit(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _editable(request, services.get_visible_referral, pk)
    initial: dict[str, Any] = {n: getattr(referral, n) for n in REFERRAL_INITIAL}
    initial["referred"] = referral.referred_id or ""
    data = _posted(request)
    form = ReferralForm(data, referred=_referred(_user(request), referral, data), initial=initial)
    require(form, "referred_on")
    version = _version(request, referral)

    def save(fields: dict[str, Any]) -> str:
        data = {**form.service_fields(), "reason": fields.get("reason", "")}
        if data["referred"] == referral.referred_id:  # the link stays: nothing to check again
            del data["referred"]
        saved = _update(request, services.update_referral, referral, data)
        return _changed(saved, version, _("已修改转介绍"))

    return _edit(
        request,
        referral,
        form,
        save,
        _("转介绍"),
        picker_url=picker_url(referral.customer),
    )


# --- risks ------------------------------------------------------------------------------------

RISK_INITIAL = ("kind", "level", "description", "countermeasure", "due_on", "raised_on")


def _risk_owners(user: User, customer: Customer, owner_id: int | None, owner: Any) -> Any:
    return _with(_owners(user, customer), owner_id, owner)


@login_required
@require_http_methods(["GET", "POST"])
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _editable(request, services.get_visible_risk, pk)
    initial: dict[str, Any] = {n: getattr(risk, n) for n in RISK_INITIAL}
    initial["owner"] = risk.owner_id
    owners = _risk_owners(_user(request), risk.customer, risk.owner_id, risk.owner)
    form = RiskForm(_posted(request), owners=owners, initial=initial)
    require(form, "raised_on")
    version = _version(request, risk)

    def save(fields: dict[str, Any]) -> str:
        fields["owner"] = User.objects.filter(pk=int(fields["owner"])).first()
        saved = _update(request, services.update_risk, risk, fields)
        done = _("已修改风险预警(%(kind)s,%(level)s)") % {
            "kind": saved.get_kind_display(),
            "level": saved.get_level_display(),
        }
        return _changed(saved, version, done)

    return _edit(request, risk, form, save, _("风险预警"))

"""查重申请: ask for access to a customer refused as a duplicate, and the page to resolve it.

Thin adapters over crm.customers.services (request_claim, claims_for, get_claim, resolve_claim):
the requester only ever holds the opaque claim token and sees the masked hint, never the
customer's id or full name until a manager approves; the services authorise and audit.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.accounts import policy
from crm.accounts.models import User
from crm.core.actor import Actor
from crm.core.forms import apply_errors

from .. import services
from ..choices import ClaimStatus
from ..models import DuplicateClaim
from ..rules import mask_customer_name, mask_person_name
from ..selectors import cursor_param

PAGE = 50  # rows per keyset page
RESOLVED_SHOWN = 50  # the resolved tab shows the most recent ones only
TABS = {
    "open": gettext_lazy("待处理"),
    "resolved": gettext_lazy("已处理"),
    "mine": gettext_lazy("我的申请"),
}
TOKEN_MAX = 400


class ClaimRequestForm(forms.Form):
    claim_token = forms.CharField(
        max_length=TOKEN_MAX,
        widget=forms.HiddenInput,
        error_messages={
            "required": gettext_lazy("申请凭证无效或已过期,请重新检查客户是否存在"),
            "max_length": gettext_lazy("申请凭证无效或已过期,请重新检查客户是否存在"),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("申请说明"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("说明您与该客户的接触情况,便于经理判断"),
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=gettext_lazy("处理意见"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _actor(request: HttpRequest) -> Actor:
    return Actor(request.user, "web")  # type: ignore[arg-type]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- the requester: 申请协作 on the create page ------------------------------------------------


@login_required
@require_POST
def claim_request(request: HttpRequest) -> HttpResponse:
    """The dialog behind the masked duplicate hint. The token is always posted (never in a URL,
    so it stays out of access logs): `open` renders the empty dialog, a note submits the claim."""
    policy.require(_user(request), "customer.create")  # the service's own rule, checked early
    opening = "open" in request.POST
    if opening:
        form = ClaimRequestForm(initial={"claim_token": request.POST.get("claim_token", "")})
    else:
        form = ClaimRequestForm(request.POST)
    if not opening and form.is_valid():
        try:
            claim = services.request_claim(_actor(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            owner = mask_person_name(str(claim.customer.owner))
            message = _("已提交申请,等待 %(owner)s 的经理处理") % {"owner": owner}
            return render(request, "customers/claims.html#claim-done", {"message": message})
    context = {"form": form, "title": _("申请协作"), "action": request.path}
    return render(request, "customers/dialogs/claim_request.html", context)


# --- the list ---------------------------------------------------------------------------------


def _claims(user: User) -> Any:
    return services.claims_for(user).select_related(
        "customer__owner", "requester__team", "resolved_by"
    )


def _resolvable(user: User, qs: Any) -> Any:
    """Of the user's claims, those on customers of the teams the user manages (admins: all)."""
    if user.is_admin:
        return qs
    return qs.filter(customer__owner__team__in=policy.managed_team_ids(user))


def _shown(claim: DuplicateClaim) -> DuplicateClaim:
    """What a row may show of a customer the viewer cannot see: the masked hint only."""
    visible = bool(getattr(claim, "customer_visible", False))
    if not visible:
        claim.masked_name = mask_customer_name(claim.customer.name)  # type: ignore[attr-defined]
        owner = mask_person_name(str(claim.customer.owner))
        claim.masked_owner = owner  # type: ignore[attr-defined]
    return claim


def _keyset(qs: Any, after: int | None) -> tuple[list[DuplicateClaim], int | None]:
    """Newest first, PAGE rows after the cursor (an id), and the next page's cursor."""
    if after is not None:
        qs = qs.filter(id__lt=after)
    rows = list(qs.order_by("-id")[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return rows, (rows[-1].pk if more and rows else None)


def _tab_rows(user: User, tab: str, after: int | None) -> tuple[list[DuplicateClaim], int | None]:
    qs = _claims(user)
    if tab == "open":
        return _keyset(_resolvable(user, qs).filter(status=ClaimStatus.OPEN), after)
    if tab == "resolved":
        done = _resolvable(user, qs).exclude(status=ClaimStatus.OPEN)
        return list(done.order_by("-resolved_at", "-id")[:RESOLVED_SHOWN]), None
    return _keyset(qs.filter(requester=user), after)


@login_required
@require_GET
def claim_list(request: HttpRequest) -> HttpResponse:
    """查重申请: managers resolve their teams' open claims; everyone sees their own."""
    user = _user(request)
    can_resolve = policy.has(user, "duplicate.resolve")
    tabs = list(TABS) if can_resolve else ["mine"]
    tab = request.GET.get("tab", "")
    if tab not in tabs:
        tab = tabs[0]
    after = cursor_param(request.GET, "after")
    rows, next_cursor = _tab_rows(user, tab, after)
    context = {
        "tabs": [(key, TABS[key]) for key in tabs],
        "tab": tab,
        "claims": [_shown(c) for c in rows],
        "next_cursor": next_cursor,
        "paged": after is not None,
        "actions": tab == "open",
        "show_requester": tab != "mine",
    }
    return render(request, "customers/claims.html", context)


# --- the manager: 同意 / 拒绝 -------------------------------------------------------------------


def _may_resolve(user: User, claim: DuplicateClaim) -> bool:
    """The service's rule (resolve_claim), asked before showing the dialog."""
    return policy.has(user, "duplicate.resolve") and policy.can_transfer_customer(
        user, claim.customer
    )


def _resolve(request: HttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    actor = _actor(request)
    claim = services.get_claim(actor, pk)  # 404 for claims outside the user's scope
    if not _may_resolve(_user(request), claim):
        raise PermissionDenied(_("只有该客户所在团队的销售经理或管理员可以处理申请"))
    form = ResolveForm(request.POST if request.method == "POST" else None)
    if claim.status != ClaimStatus.OPEN:
        form.add_error(None, _("该申请已处理"))
    elif request.method == "POST" and form.is_valid():
        resolution = form.cleaned_data["resolution"]
        if not approve and not resolution.strip():
            form.add_error("resolution", _("拒绝申请时请填写原因"))
        else:
            try:
                services.resolve_claim(actor, claim, approve=approve, resolution=resolution)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return _resolved(request, claim.pk, approve=approve)
    title = _("同意协作申请") if approve else _("拒绝协作申请")
    context = {
        "form": form,
        "claim": _shown(claim),
        "customer": claim.customer,
        "approve": approve,
        "title": title,
        "action": request.path,
    }
    return render(request, "customers/dialogs/claim_resolve.html", context)


def _resolved(request: HttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    """Close the dialog, swap the claim's row in place and say what happened."""
    claim = _claims(_user(request)).get(pk=pk)
    if approve:
        message = _("已同意,%(name)s 已成为该客户的协办人") % {"name": claim.requester}
    else:
        message = _("已拒绝 %(name)s 的申请") % {"name": claim.requester}
    context = {
        "message": message,
        "claim": _shown(claim),
        "oob": True,
        "actions": True,
        "show_requester": True,
    }
    return render(request, "customers/claims.html#claim-done", context)


@login_required
@require_http_methods(["GET", "POST"])
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _resolve(request, pk, approve=True)


@login_required
@require_http_methods(["GET", "POST"])
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _resolve(request, pk, approve=False)

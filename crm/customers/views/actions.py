"""Small dialogs on the customer page (stage, owner, collaborators, reveal) and bulk actions.

Each dialog is a form htmx loads into the page's <dialog>; a refused write re-renders the form
with the service's Chinese message and what the user typed; a done write closes the dialog and
swaps the changed parts of the page (header, people, timeline) out of band: no page reload.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from crm.accounts import policy
from crm.accounts.models import User
from crm.contacts import services as contact_services
from crm.contacts.models import Contact
from crm.core.actor import Actor
from crm.core.errors import Conflict, NotFound
from crm.core.forms import apply_errors

from .. import selectors, services
from ..choices import Stage
from ..models import Customer
from .archive import page_context, timeline_context


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=gettext_lazy("新阶段"), choices=Stage.choices)
    reason = forms.CharField(
        label=gettext_lazy("变更原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    churn_reason = forms.CharField(label=gettext_lazy("流失原因"), max_length=200, required=False)


class TransferForm(forms.Form):
    owner = forms.ModelChoiceField(label=gettext_lazy("新主责人"), queryset=User.objects.none())
    reason = forms.CharField(label=gettext_lazy("转移原因"), max_length=500)
    keep_as_collaborator = forms.BooleanField(
        label=gettext_lazy("原主责人保留为协办人"), required=False
    )


class CollaboratorForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("协办人"), queryset=User.objects.none())


def _actor(request: HttpRequest) -> Actor:
    return Actor(request.user, "web")  # type: ignore[arg-type]


def _refreshed(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    """Close the dialog and swap the changed parts of the customer page."""
    fresh = selectors.customer_detail(request.user, customer.pk)  # type: ignore[arg-type]
    context = {
        **timeline_context(request.user, fresh, None),
        **page_context(request.user, fresh),
        "oob": True,
        "message": message,
    }
    return render(request, "customers/_refresh.html", context)


def _dialog(
    request: HttpRequest,
    template: str,
    customer: Customer,
    form: forms.Form,
    title: str,
    **extra: Any,
) -> HttpResponse:
    context = {"customer": customer, "form": form, "title": title, "action": request.path}
    return render(request, template, {**context, **extra})


@login_required
@require_http_methods(["GET", "POST"])
def stage(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = services.get_editable(actor, pk)
    form = StageForm(request.POST or None, initial={"stage": customer.stage})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_stage(actor, customer, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            label = Stage(form.cleaned_data["stage"]).label
            return _refreshed(request, customer, _("阶段已变更为“%(stage)s”") % {"stage": label})
    return _dialog(request, "customers/dialogs/stage.html", customer, form, _("变更合作阶段"))


@login_required
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = services.get_visible(actor, pk)
    if not policy.can_transfer_customer(request.user, customer):  # type: ignore[arg-type]
        raise PermissionDenied(_("只有该团队的销售经理或管理员可以转移客户"))
    form = TransferForm(request.POST or None)
    owners = selectors.assignable_owners(request.user).exclude(pk=customer.owner_id)  # type: ignore[arg-type]
    form.fields["owner"].queryset = owners  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_owner(actor, customer, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            name = str(form.cleaned_data["owner"])
            return _refreshed(request, customer, _("已将客户转给 %(name)s") % {"name": name})
    return _dialog(request, "customers/dialogs/transfer.html", customer, form, _("转移主责人"))


@login_required
@require_http_methods(["GET", "POST"])
def collaborators(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = services.get_visible(actor, pk)
    if not policy.can_manage_collaborators(request.user, customer):  # type: ignore[arg-type]
        raise PermissionDenied(_("只有主责人、团队经理或管理员可以调整协办人"))
    current = list(customer.collaborators.order_by("full_name", "username"))
    candidates = User.objects.filter(is_active=True).exclude(pk=customer.owner_id)
    form = CollaboratorForm(request.POST or None)
    form.fields["user"].queryset = candidates.exclude(  # type: ignore[attr-defined]
        pk__in=[u.pk for u in current]
    ).order_by("full_name", "username")
    if request.method == "POST":
        remove = request.POST.get("remove", "")
        if remove:
            try:
                user = next(u for u in current if str(u.pk) == remove)
                services.remove_collaborator(actor, customer, user=user)
            except (StopIteration, NotFound):
                form.add_error(None, _("该用户不是此客户的协办人"))
            else:
                return _refreshed(request, customer, _("已移除协办人 %(name)s") % {"name": user})
        elif form.is_valid():
            try:
                services.add_collaborator(actor, customer, user=form.cleaned_data["user"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                name = str(form.cleaned_data["user"])
                return _refreshed(request, customer, _("已添加协办人 %(name)s") % {"name": name})
    return _dialog(
        request,
        "customers/dialogs/collaborators.html",
        customer,
        form,
        _("协办人"),
        current=current,
    )


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    """The full value of one masked contact field, or the refusal, as a fragment (audited)."""
    field = request.POST.get("field", "")
    context: dict[str, Any] = {"field": field, "value": None}
    contact = Contact.objects.filter(pk=contact_id, customer_id=pk).first()
    try:
        if contact is None:
            raise NotFound()
        context["value"] = contact_services.reveal(_actor(request), contact, field=field)
    except PermissionDenied as exc:
        context["error"] = str(exc) or _("您没有查看该信息的权限")
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
    except NotFound as exc:
        context["error"] = exc.message
    return render(request, "customers/_reveal.html", context)


BULK_LIMIT = 200


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Tag, or assign an owner for, the selected customers: each row through the service."""
    actor = _actor(request)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/customers/"
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()][:BULK_LIMIT]
    action = request.POST.get("action", "")
    if not ids:
        messages.error(request, _("请先勾选客户"))
        return redirect(target)
    done, refused = 0, []
    if action == "tag":
        tag = " ".join(request.POST.get("tag", "").split())[:30]
        if not tag:
            messages.error(request, _("请填写要添加的标签"))
            return redirect(target)
        rows = Customer.objects.visible_to(request.user).filter(pk__in=ids)  # type: ignore[arg-type]
        for customer in rows.prefetch_related("tags"):
            names = [t.name for t in customer.tags.all()]
            if tag in names:
                done += 1
                continue
            try:
                services.update_customer(
                    actor, customer, tags=[*names, tag], reason=_("批量添加标签")
                )
            except (PermissionDenied, ValidationError, Conflict) as exc:
                refused.append(f"{customer.name}({_reason(exc)})")
            else:
                done += 1
        verb = _("已为 %(n)d 个客户添加标签“%(tag)s”") % {"n": done, "tag": tag}
    elif action == "assign":
        owner = User.objects.filter(pk=request.POST.get("owner") or 0).first()
        reason = request.POST.get("reason", "").strip()
        if owner is None or not reason:
            messages.error(request, _("请选择新主责人并填写转移原因"))
            return redirect(target)
        rows = Customer.objects.visible_to(request.user).select_related("owner")  # type: ignore[arg-type]
        for customer in rows.filter(pk__in=ids):
            if customer.owner_id == owner.pk:
                done += 1
                continue
            try:
                services.transfer_owner(actor, customer, owner=owner, reason=reason)
            except (PermissionDenied, ValidationError, Conflict) as exc:
                refused.append(f"{customer.name}({_reason(exc)})")
            else:
                done += 1
        verb = _("已将 %(n)d 个客户分配给 %(name)s") % {"n": done, "name": owner}
    else:
        messages.error(request, _("未知的批量操作"))
        return redirect(target)
    missing = len(ids) - done - len(refused)
    if done:
        messages.success(request, verb)
    if refused:
        shown = "、".join(refused[:5]) + ("…" if len(refused) > 5 else "")
        messages.warning(
            request, _("%(n)d 个客户未处理:%(rows)s") % {"n": len(refused), "rows": shown}
        )
    if missing > 0:
        messages.warning(request, _("%(n)d 个客户不存在或您无权查看") % {"n": missing})
    return redirect(target)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, Conflict):
        return exc.message
    return str(exc) or _("无权修改")

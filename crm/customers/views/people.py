"""Contacts and addresses on the customer page, in small dialogs.

GET renders the dialog (a form htmx loads into #crm-dialog-body); POST parses and calls
crm.contacts.services / crm.customers.services, which authorise, validate, write and audit.
A refused write re-renders the form with the service's Chinese messages and what was typed; a
done write closes the dialog and swaps the contacts card, the addresses card and the timeline
out of band. Stored ID and bank account numbers are never put into a page: on edit those inputs
start empty and are sent to the service only when something is typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from crm.contacts import services as contact_services
from crm.contacts.choices import DecisionRole
from crm.contacts.models import Contact
from crm.core.actor import Actor
from crm.core.errors import Conflict, NotFound, PreconditionFailed
from crm.core.forms import apply_errors

from .. import selectors, services
from ..choices import AddressKind
from ..models import Address, Customer, Region
from .archive import page_context, timeline_context
from .edit import region_options

SENSITIVE = ("id_number", "bank_account")
STALE_PAGE = gettext_lazy("页面已过期,请关闭对话框后重新打开")
# Contact fields whose saved value a stale edit compares with what was typed (not the secrets).
COMPARED = (
    "name",
    "title",
    "department",
    "mobile",
    "phone",
    "email",
    "wechat",
    "decision_role",
    "concerns",
    "emergency_contact",
    "emergency_phone",
    "notes",
)


def _text(label: Any, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=60)
    title = _text(gettext_lazy("职务"), 60)
    department = _text(gettext_lazy("部门"), 60)
    mobile = _text(gettext_lazy("手机"), 30)
    phone = _text(gettext_lazy("办公电话"), 30)
    email = _text(gettext_lazy("邮箱"), 120)
    wechat = _text(gettext_lazy("微信"), 60)
    decision_role = forms.ChoiceField(
        label=gettext_lazy("决策链角色"), choices=DecisionRole.choices, initial=DecisionRole.OTHER
    )
    concerns = _text(gettext_lazy("关注点"), 200)
    is_primary = forms.BooleanField(label=gettext_lazy("设为主要联系人"), required=False)
    id_number = _text(gettext_lazy("证件号码"), 40)
    bank_account = _text(gettext_lazy("银行账户"), 40)
    emergency_contact = _text(gettext_lazy("紧急联系人"), 60)
    emergency_phone = _text(gettext_lazy("紧急联系人电话"), 30)
    notes = _text(gettext_lazy("备注"), 2000, widget=forms.Textarea(attrs={"rows": 3}))

    def service_fields(self) -> dict[str, Any]:
        """The service's keyword arguments: blank secrets keep what is stored, and the primary
        flag is only ever set (it moves to another contact by ticking it there)."""
        data = {k: v for k, v in self.cleaned_data.items() if k in contact_services.EDITABLE_FIELDS}
        for name in SENSITIVE:
            if not data.get(name):
                data.pop(name, None)
        if not data.get("is_primary"):
            data.pop("is_primary", None)
        return data


class ContactEditForm(ContactForm):
    version = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE, "min_value": STALE_PAGE},
    )


class AddressForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=AddressKind.choices)
    label = _text(gettext_lazy("名称(如 上海分公司)"), 60)
    province = _text(gettext_lazy("省份"), 6)
    city = _text(gettext_lazy("城市"), 6)
    detail = forms.CharField(label=gettext_lazy("详细地址"), max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        province_code, city_code = data.get("province") or "", data.get("city") or ""
        codes = [c for c in (province_code, city_code) if c]
        found = {r.code: r for r in Region.objects.filter(code__in=codes)} if codes else {}
        province, city = found.get(province_code), found.get(city_code)
        if province_code and (province is None or province.parent_id):
            self.add_error("province", _("请选择有效的省份"))
        elif city_code and not province_code:
            self.add_error("city", _("请先选择省份"))
        elif city_code and (city is None or city.parent_id != province_code):
            self.add_error("city", _("所选城市不属于该省份"))
        data["region"] = city or province
        return data

    def service_fields(self) -> dict[str, Any]:
        keep = ("kind", "label", "region", "detail")
        return {k: self.cleaned_data[k] for k in keep}


class DeleteForm(forms.Form):
    reason = _text(gettext_lazy("删除原因(选填)"), 500, widget=forms.Textarea(attrs={"rows": 2}))


# --- helpers --------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor(request.user, "web")  # type: ignore[arg-type]


def _posted(request: HttpRequest) -> Any:
    """The POST data (even when empty), or None for a GET: the form is then unbound."""
    return request.POST if request.method == "POST" else None


def _refreshed(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    """Close the dialog (empty body) and swap the contacts, addresses and timeline."""
    fresh = selectors.customer_detail(request.user, customer.pk)  # type: ignore[arg-type]
    context = {
        **timeline_context(request.user, fresh, None),
        **page_context(request.user, fresh),
        "oob": True,
        "message": message,
    }
    return render(request, "customers/_refresh_people.html", context)


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


def _contact(customer: Customer, contact_id: int) -> Contact:
    contact = Contact.objects.filter(customer=customer, pk=contact_id).first()
    if contact is None:
        raise NotFound(_("该客户没有这个联系人"))
    return contact


def _address(customer: Customer, address_id: int) -> Address:
    address = Address.objects.select_related("region").filter(customer=customer, pk=address_id)
    found = address.first()
    if found is None:
        raise NotFound(_("该客户没有这个地址"))
    return found


# --- contacts -------------------------------------------------------------------------------


def _contact_dialog(
    request: HttpRequest,
    customer: Customer,
    form: ContactForm,
    contact: Contact | None,
    **extra: Any,
) -> HttpResponse:
    stored = {"id_number": False, "bank_account": False}
    if contact is not None:
        stored = {n: bool(getattr(contact, f"{n}_bidx")) for n in SENSITIVE}
    title = _("编辑联系人") if contact else _("添加联系人")
    return _dialog(
        request,
        "customers/dialogs/contact.html",
        customer,
        form,
        title,
        contact=contact,
        sensitive=[(form[n], stored[n]) for n in SENSITIVE],
        **extra,
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = services.get_editable(actor, pk)
    form = ContactForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_services.create_contact(
                actor, customer=customer, **form.service_fields()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            message = _("已添加联系人 %(name)s") % {"name": contact.name}
            if contact.is_primary:
                message = _("已添加联系人 %(name)s(主要联系人)") % {"name": contact.name}
            return _refreshed(request, customer, message)
    return _contact_dialog(request, customer, form, None)


def _show_conflict(form: ContactForm, contact: Contact) -> int:
    """Mark the fields someone else changed meanwhile; the saved version to write over next."""
    fresh = Contact.objects.filter(pk=contact.pk).first()
    if fresh is None:
        raise NotFound(_("该联系人已被删除"))
    typed = dict(form.cleaned_data)
    form.add_error(
        None,
        _(
            "该联系人已被他人修改,您填写的内容已保留。与当前保存内容不同的字段已标出,"
            "核对后再次点击“确定”将以您填写的为准。"
        ),
    )
    for name in COMPARED:
        now = getattr(fresh, name)
        if str(now) != str(typed.get(name, "")):
            shown = fresh.get_decision_role_display() if name == "decision_role" else now
            form.add_error(name, _("他人已改为:%(value)s") % {"value": shown or _("(空)")})
    return fresh.version


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    actor = _actor(request)
    customer = services.get_editable(actor, pk)
    contact = _contact(customer, contact_id)
    initial = {n: getattr(contact, n) for n in ContactForm.base_fields if n not in SENSITIVE}
    form = ContactEditForm(_posted(request), initial={**initial, "version": contact.version})
    version: Any = form["version"].value()
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data["version"]
        try:
            saved = contact_services.update_contact(
                actor, contact, expected_version=expected, **form.service_fields()
            )
        except PreconditionFailed:
            version = _show_conflict(form, contact)
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            if saved.version == expected:
                return _refreshed(request, customer, _("没有需要保存的修改"))
            message = _("联系人 %(name)s 已保存") % {"name": saved.name}
            return _refreshed(request, customer, message)
    return _contact_dialog(request, customer, form, contact, version=version)


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    actor = _actor(request)
    customer = services.get_editable(actor, pk)
    contact = _contact(customer, contact_id)
    form = DeleteForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        contact_services.delete_contact(actor, contact, reason=form.cleaned_data["reason"])
        return _refreshed(request, customer, _("已删除联系人 %(name)s") % {"name": contact.name})
    warning = ""
    if contact.is_primary and customer.contacts.exclude(pk=contact.pk).exists():
        warning = _("这是主要联系人。删除后,请编辑另一位联系人并设为主要联系人。")
    question = _("确定删除联系人“%(name)s”吗?删除后不能恢复,操作会记入动态。")
    return _dialog(
        request,
        "customers/dialogs/confirm_delete.html",
        customer,
        form,
        _("删除联系人"),
        question=question % {"name": contact.name},
        warning=warning,
    )


# --- addresses ------------------------------------------------------------------------------


def _address_dialog(
    request: HttpRequest, customer: Customer, form: AddressForm, address: Address | None
) -> HttpResponse:
    province = form["province"].value() or ""
    provinces, cities = region_options(province)
    return _dialog(
        request,
        "customers/dialogs/address.html",
        customer,
        form,
        _("编辑地址") if address else _("添加地址"),
        address=address,
        provinces=provinces,
        cities=cities.get(str(province), []),
    )


def _save_address(request: HttpRequest, form: AddressForm, save: Any) -> bool:
    """Call the service; False (with the messages on the form) when it refuses."""
    try:
        save(_actor(request), **form.service_fields())
    except ValidationError as exc:
        apply_errors(form, exc, rename={"region": "city"})
    except IntegrityError:  # a head office added by someone else at the same moment
        form.add_error(None, _("地址已被他人同时修改,请重试"))
    else:
        return True
    return False


def _saving(request: HttpRequest) -> bool:
    """A POST that saves; the no-JS "更新城市列表" button only re-renders what was typed."""
    return request.method == "POST" and "refresh" not in request.POST


@login_required
@require_http_methods(["GET", "POST"])
def address_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = services.get_editable(_actor(request), pk)
    has_hq = customer.addresses.filter(kind=AddressKind.HQ).exists()
    initial = {"kind": AddressKind.BRANCH if has_hq else AddressKind.HQ}
    form = AddressForm(_posted(request), initial=initial)
    if _saving(request) and form.is_valid():

        def save(actor: Actor, **data: Any) -> Address:
            return services.add_address(actor, customer, **data)

        if _save_address(request, form, save):
            return _refreshed(request, customer, _("已添加地址"))
    return _address_dialog(request, customer, form, None)


def _address_initial(address: Address) -> dict[str, Any]:
    region = address.region
    province = (region.parent_id or region.code) if region else ""
    city = region.code if region and region.parent_id else ""
    return {
        "kind": address.kind,
        "label": address.label,
        "province": province,
        "city": city,
        "detail": address.detail,
    }


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, pk: int, address_id: int) -> HttpResponse:
    customer = services.get_editable(_actor(request), pk)
    address = _address(customer, address_id)
    form = AddressForm(_posted(request), initial=_address_initial(address))
    if _saving(request) and form.is_valid():

        def save(actor: Actor, **data: Any) -> Address:
            return services.update_address(actor, customer, address_id=address.pk, **data)

        if _save_address(request, form, save):
            return _refreshed(request, customer, _("地址已保存"))
    return _address_dialog(request, customer, form, address)


@login_required
@require_http_methods(["GET", "POST"])
def address_delete(request: HttpRequest, pk: int, address_id: int) -> HttpResponse:
    actor = _actor(request)
    customer = services.get_editable(actor, pk)
    address = _address(customer, address_id)
    form = DeleteForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        services.remove_address(actor, customer, address_id=address.pk, reason=reason)
        return _refreshed(request, customer, _("已删除地址"))
    shown = f"{address.get_kind_display()} {address.label} {address.detail}".strip()
    question = _("确定删除地址“%(address)s”吗?删除后不能恢复,操作会记入动态。")
    return _dialog(
        request,
        "customers/dialogs/confirm_delete.html",
        customer,
        form,
        _("删除地址"),
        question=question % {"address": " ".join(shown.split())},
        warning="",
    )

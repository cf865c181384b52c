"""Create and edit forms for a customer (pages, inline validation, duplicate hint, cascades).

Thin adapters: the forms parse, crm.customers.services authorises, validates, writes and audits.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.accounts import policy
from crm.audit import labels
from crm.audit.api.serializers import mask_changes
from crm.audit.models import AuditEvent
from crm.audit.selectors import customer_timeline
from crm.core.actor import Actor
from crm.core.errors import Duplicate, PreconditionFailed
from crm.core.forms import apply_errors
from crm.core.validators import validate_cn_mobile, validate_email_address, validate_uscc
from crm.pipeline.models import Contract, Order

from .. import services
from ..choices import Kind
from ..forms import CustomerCreateForm, CustomerEditForm, CustomerForm, as_posted, initial_for
from ..models import Customer, CustomFieldDefinition, Industry, Region

# Service error keys that name a form field of another name (the address's, the region's).
RENAMES = {"detail": "hq_detail", "region": "city"}
# /customers/validate/<check>/: the posted field it reads and the validator the services use.
CHECKS = {
    "uscc": ("uscc", validate_uscc),
    "mobile": ("contact_mobile", validate_cn_mobile),
    "email": ("contact_email", validate_email_address),
}
INDIVIDUAL_USCC = "个人客户不填写统一社会信用代码"
CONFLICT_EVENTS = 30


def _actor(request: HttpRequest) -> Actor:
    return Actor(request.user, "web")  # type: ignore[arg-type]


def _definitions() -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(is_active=True))


def _saving(request: HttpRequest) -> bool:
    """A POST that saves; the no-JS "refresh" buttons only re-render with the typed values."""
    return request.method == "POST" and "refresh" not in request.POST


def _typed(request: HttpRequest) -> dict[str, Any]:
    """A refresh re-renders what the user typed, unvalidated, as the form's initial values."""
    return {key: request.POST.get(key) for key in request.POST if key != "csrfmiddlewaretoken"}


# --- option lists ---------------------------------------------------------------------------


def region_options(*provinces: Any) -> tuple[list[Region], dict[str, list[Region]]]:
    """All provinces and the cities of the chosen ones, in one query."""
    chosen = [str(p) for p in provinces if p]
    rows = Region.objects.filter(Q(parent__isnull=True) | Q(parent_id__in=chosen)).order_by("code")
    tops: list[Region] = []
    cities: dict[str, list[Region]] = {code: [] for code in chosen}
    for row in rows:
        if row.parent_id:
            cities[row.parent_id].append(row)
        else:
            tops.append(row)
    return tops, cities


def _hit(industry: Industry, needle: str) -> bool:
    return industry.code.casefold().startswith(needle) or needle in industry.name.casefold()


def industry_groups(q: str = "", keep: Any = "") -> list[dict[str, Any]]:
    """Industries grouped by 门类, filtered by code prefix or name; `keep` always stays listed."""
    rows = list(Industry.objects.order_by("code"))
    needle, keep = " ".join(q.split()).casefold(), str(keep or "")
    groups: dict[str, dict[str, Any]] = {
        r.code: {"section": r, "divisions": [], "hit": not needle or _hit(r, needle)}
        for r in rows
        if not r.parent_id
    }
    for row in rows:
        group = groups.get(row.parent_id or "")
        if group and (group["hit"] or _hit(row, needle) or row.code == keep):
            group["divisions"].append(row)
    return [g for g in groups.values() if g["hit"] or g["divisions"] or g["section"].code == keep]


def _value(form: CustomerForm, name: str) -> str:
    value = form[name].value()
    return "" if value is None else str(value)


def _options(form: CustomerForm, q: str = "") -> dict[str, Any]:
    names = ("province", "hq_province") if "hq_province" in form.fields else ("province",)
    provinces, cities = region_options(*(_value(form, n) for n in names))
    return {
        "provinces": provinces,
        "cities": cities.get(_value(form, "province"), []),
        "hq_cities": cities.get(_value(form, "hq_province"), []) if len(names) > 1 else [],
        "industry_groups": industry_groups(q, _value(form, "industry")),
        "industry_q": q,
        "custom_fields": [form[name] for name in form.custom_field_names()],
    }


def _render(request: HttpRequest, form: CustomerForm, **context: Any) -> HttpResponse:
    q = request.POST.get("q", "") if request.method == "POST" else ""
    context = {"form": form, **_options(form, q[:60]), **context}
    return render(request, "customers/form.html", context)


def _show_duplicate(form: CustomerForm, exc: Duplicate) -> None:
    form.add_error("uscc" if exc.details.get("match") == "uscc" else "name", exc.message)


# --- create ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "customer.create")  # type: ignore[arg-type]
    definitions = _definitions()
    duplicate = None
    if _saving(request):
        form = CustomerCreateForm(request.POST, definitions=definitions)
        if form.is_valid():
            try:
                customer = services.create_customer(_actor(request), **form.service_kwargs())
            except Duplicate as exc:
                _show_duplicate(form, exc)
                duplicate = {"exists": True, **exc.details}  # the hint, with 申请协作 if hidden
            except ValidationError as exc:
                apply_errors(form, exc, rename=RENAMES)
            else:
                messages.success(request, _("已新建客户 %(name)s") % {"name": customer.name})
                return redirect("customers:detail", pk=customer.pk)
    else:
        initial = _typed(request) if request.method == "POST" else {}
        form = CustomerCreateForm(initial=initial, definitions=definitions)
    return _render(request, form, duplicate=duplicate)


# --- edit -----------------------------------------------------------------------------------


def _newest_event_id(customer: Customer) -> int:
    return customer_timeline(customer).values_list("id", flat=True).first() or 0


def _when(at: Any) -> str:
    local = timezone.localtime(at)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _conflict(request: HttpRequest, customer: Customer, seen: int | None) -> dict[str, Any]:
    """What others changed since the page was loaded (newest first), and the new lock values."""
    qs = customer_timeline(customer, request.user).filter(id__gt=seen or 0)
    qs = qs.select_related("actor")
    events: list[AuditEvent] = list(qs[:CONFLICT_EVENTS])
    full = policy.can_see_personal(request.user, customer)  # type: ignore[arg-type]
    for event in events:
        event.label = labels.action_label(event.action)  # type: ignore[attr-defined]
        shown = event.changes if full else mask_changes(event.changes)
        event.rows = labels.describe(event, shown)  # type: ignore[attr-defined]
    if events:
        message = _("该客户已被 %(who)s 于 %(when)s 修改,您填写的内容已保留。") % {
            "who": events[0].actor_label,
            "when": _when(events[0].at),
        }
    else:
        message = _("该客户已被他人修改,您填写的内容已保留。")
    seen_now = events[0].pk if events else _newest_event_id(customer)
    return {"message": message, "events": events, "seen": seen_now}


def _save_edit(
    request: HttpRequest, customer: Customer, form: CustomerEditForm
) -> HttpResponse | dict[str, Any] | None:
    """Save; a redirect on success, the conflict on a stale version, None on errors."""
    kwargs = form.service_kwargs()
    try:
        saved = services.update_customer(_actor(request), customer, **kwargs)
    except PreconditionFailed as exc:
        conflict = _conflict(request, customer, form.cleaned_data.get("seen"))
        return {**conflict, "version": exc.details.get("current_version")}
    except Duplicate as exc:
        _show_duplicate(form, exc)
    except ValidationError as exc:
        apply_errors(form, exc, rename=RENAMES)
    else:
        if saved.version == kwargs["expected_version"]:
            messages.info(request, _("没有需要保存的修改"))
        else:
            messages.success(request, _("客户信息已保存"))
        return redirect("customers:detail", pk=customer.pk)
    return None


def _edit_form(request: HttpRequest, customer: Customer, **kwargs: Any) -> CustomerEditForm:
    if _saving(request):
        return CustomerEditForm(request.POST, **kwargs)
    if request.method == "POST":
        return CustomerEditForm(initial=_typed(request), **kwargs)
    tags = [t.name for t in customer.tags.all()]
    start = initial_for(customer, tags)
    original = signing.dumps(as_posted(start), salt=MERGE_SALT, compress=True)
    initial = {**start, "version": customer.version, "original": original}
    return CustomerEditForm(initial={**initial, "seen": _newest_event_id(customer)}, **kwargs)


def _with_business(customer: Customer) -> Customer:
    """The customer again with its region (the form's province and city) and whether it has
    contracts or orders, which then derive its cooperation dates (one query)."""
    rows = Customer.objects.select_related("region").annotate(
        has_contracts=Exists(Contract.objects.filter(customer=OuterRef("pk"))),
        has_orders=Exists(Order.objects.filter(customer=OuterRef("pk"))),
    )
    return rows.get(pk=customer.pk)


def _derived(customer: Customer) -> bool:
    return bool(getattr(customer, "has_contracts", False) or getattr(customer, "has_orders", False))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _with_business(services.get_editable(_actor(request), pk))
    derived = _derived(customer)
    form = _edit_form(
        request,
        customer,
        definitions=_definitions(),
        source_id=customer.source_id,
        derived_cooperation=derived,
    )
    conflict = None
    original = _value(form, "original")
    if _saving(request) and form.is_valid():
        answer = _save_edit(request, customer, form)
        if isinstance(answer, HttpResponse):
            return answer
        conflict = answer
    lock = {"version": _value(form, "version"), "seen": _value(form, "seen"), "original": original}
    if conflict:
        fresh = Customer.objects.select_related("region").get(pk=customer.pk)
        current = as_posted(initial_for(fresh, [t.name for t in fresh.tags.all()]))
        data, conflict["taken"], conflict["kept"] = _merge(form, request.POST, original, current)
        form = CustomerEditForm(
            data,
            definitions=_definitions(),
            source_id=fresh.source_id,
            derived_cooperation=derived,
        )
        form.is_valid()  # bound again, so the page shows the merged values
        lock = {
            "version": str(conflict["version"]),
            "seen": str(conflict["seen"]),
            "original": signing.dumps(current, salt=MERGE_SALT, compress=True),
        }
    return _render(request, form, customer=customer, conflict=conflict, lock=lock)


MERGE_SALT = "customers.edit.original"


def _merge(
    form: CustomerEditForm, posted: Any, original: str, current: dict[str, str]
) -> tuple[Any, list[str], list[str]]:
    """Three-way merge after a lost race: the page's starting values, what the user posted and
    what is stored now. A field only the other person changed takes their value; a field both
    changed keeps the user's. Returns the merged data and the labels of both kinds of field."""
    try:
        base: dict[str, str] = signing.loads(original, salt=MERGE_SALT)
    except signing.BadSignature:
        return posted, [], []
    data = posted.copy()
    taken, kept = [], []
    for key in sorted(set(base) | set(current)):
        before, now = base.get(key, ""), current.get(key, "")
        if before == now or key not in form.fields:
            continue  # nobody else changed it
        label = str(form.fields[key].label or key)
        mine = posted.get(key, "")
        if mine == before:
            data[key] = now
            taken.append(label)
        elif mine != now:
            kept.append(label)
    return data, taken, kept


# --- htmx helpers ---------------------------------------------------------------------------


@login_required
@require_POST
def validate(request: HttpRequest, check: str) -> HttpResponse:
    """Feedback for one field while it is typed: the validator's Chinese message, or OK."""
    if check not in CHECKS:
        raise Http404
    name, validator = CHECKS[check]
    value = request.POST.get(name, request.POST.get("value", ""))[:200]
    context: dict[str, Any] = {"errors": [], "ok": ""}
    if value.strip():
        try:
            validator(value)
        except ValidationError as exc:
            context["errors"] = exc.messages
        else:
            context["errors"] = _uscc_problems(request, value) if check == "uscc" else []
            context["ok"] = "" if context["errors"] else _("格式正确")
    return render(request, "customers/_form_feedback_state.html", context)


def _uscc_problems(request: HttpRequest, value: str) -> list[str]:
    """A valid USCC can still be refused: on an individual, or when another customer has it."""
    if request.POST.get("kind") == Kind.INDIVIDUAL:
        return [INDIVIDUAL_USCC]
    found = services.check_duplicate(_actor(request), uscc=value)
    if not found["exists"] or str(found["existing_id"]) == request.POST.get("exclude"):
        return []
    return [_("统一社会信用代码与已有客户重复。%(hint)s") % {"hint": found["hint"]}]


@login_required
@require_POST
def duplicate(request: HttpRequest) -> HttpResponse:
    """The masked "已存在: …" hint under the name while it is typed (enterprises only)."""
    name = request.POST.get("name", "")[:200]
    found: dict[str, Any] = {"exists": False}
    if name.strip() and request.POST.get("kind", Kind.ENTERPRISE) == Kind.ENTERPRISE:
        found = services.check_duplicate(_actor(request), name=name)
        if str(found["existing_id"]) == request.POST.get("exclude"):
            found = {"exists": False}  # the customer being edited
    return render(request, "customers/_form_duplicate.html", {"duplicate": found})


@login_required
@require_GET
def regions(request: HttpRequest) -> HttpResponse:
    """The <option>s of a province's cities (`parent`, or the province select's own name)."""
    names = ("parent", "province", "hq_province")
    parent = next((request.GET[n] for n in names if request.GET.get(n)), "")[:6]
    cities = list(Region.objects.filter(parent_id=parent).order_by("code")) if parent else []
    return render(request, "customers/_form_city_options.html", {"cities": cities, "chosen": ""})


@login_required
@require_GET
def industries(request: HttpRequest) -> HttpResponse:
    """The industry select's options filtered by `q` (code or name), grouped by 门类."""
    q, chosen = request.GET.get("q", "")[:60], request.GET.get("industry", "")[:4]
    context = {"industry_groups": industry_groups(q, chosen), "chosen": chosen, "industry_q": q}
    return render(request, "customers/_form_industry_options.html", context)


urlpatterns = [
    path("new/", create, name="create"),
    path("<int:pk>/edit/", edit, name="edit"),
    path("validate/<str:check>/", validate, name="validate"),
    path("check-duplicate/", duplicate, name="check_duplicate"),
    path("regions/", regions, name="regions"),
    path("industries/", industries, name="industries"),
]

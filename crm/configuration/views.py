"""The admin settings pages: thin adapters over the accounts and customers services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.accounts import policy
from crm.accounts import services as accounts
from crm.accounts.models import Team, User
from crm.core.actor import Actor
from crm.core.forms import apply_errors
from crm.customers import numbering
from crm.customers import services as customers
from crm.customers.models import CustomFieldDefinition, Industry, NumberSequence, Source, Tag

from . import forms as settings_forms

View = Callable[..., HttpResponse]
TAGS_PER_PAGE = 100
SAMPLE_IND = "TEC"


def requires(capability: str) -> Callable[[View], View]:
    """Signed-in users holding `capability`; others get 403 (anonymous: the login page)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            policy.require(_user(request), capability)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate


def _user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


def _actor(request: HttpRequest) -> Actor:
    return Actor(_user(request), "web")


def _save(request: HttpRequest, form: forms.Form, write: Callable[[], object]) -> bool:
    """Run a service write; its ValidationError lands on the form in Chinese."""
    try:
        write()
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    messages.success(request, _("已保存"))
    return True


def _data(request: HttpRequest) -> Any:
    """The submitted form data on POST (even when empty, so the form is bound), else None."""
    return request.POST if request.method == "POST" else None


def _search(request: HttpRequest, limit: int) -> str:
    """The ?q= search text: trimmed, bounded, without NUL (which PostgreSQL refuses)."""
    return request.GET.get("q", "").replace("\x00", "").strip()[:limit]


def _form_page(request: HttpRequest, form: forms.Form, **context: Any) -> HttpResponse:
    return render(request, "configuration/form.html", {"form": form, **context})


@requires("settings.manage")
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "configuration/index.html")


# --- teams ----------------------------------------------------------------------------------


@requires("team.manage")
def team_list(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.select_related("manager").annotate(member_count=Count("members"))
    return render(request, "configuration/teams.html", {"teams": teams.order_by("name")})


@requires("team.manage")
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    team = get_object_or_404(Team.objects.select_related("manager"), pk=pk) if pk else None
    initial = {"name": team.name, "manager": team.manager} if team else None
    form = settings_forms.TeamForm(_data(request), initial=initial, team=team)
    write = lambda: _save_team(_actor(request), team, form.cleaned_data)  # noqa: E731
    if request.method == "POST" and form.is_valid() and _save(request, form, write):
        return redirect("configuration:teams")
    title = _("编辑团队") if team else _("新建团队")
    return _form_page(request, form, title=title, back="configuration:teams", obj=team)


def _save_team(actor: Actor, team: Team | None, data: dict[str, Any]) -> Team:
    if team is None:
        return accounts.create_team(actor, **data)
    return accounts.update_team(actor, team, **data)


# --- users ----------------------------------------------------------------------------------


@requires("user.manage")
def user_list(request: HttpRequest) -> HttpResponse:
    filters = settings_forms.UserFilterForm(request.GET)
    users = User.objects.select_related("team").filter(filters.filters()).order_by("username")
    context = {"users": users, "filters": filters, "teams": Team.objects.order_by("name")}
    return render(request, "configuration/users.html", context)


@requires("user.manage")
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    form = settings_forms.UserCreateForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _save(request, form, lambda: accounts.create_user(_actor(request), **data)):
            return redirect("configuration:users")
    return _form_page(request, form, title=_("新建用户"), back="configuration:users")


@requires("user.manage")
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    initial = {name: getattr(user, name) for name in settings_forms.UserEditForm.base_fields}
    form = settings_forms.UserEditForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _save(request, form, lambda: accounts.update_user(_actor(request), user, **data)):
            return redirect("configuration:users")
    title = _("编辑用户:%(name)s") % {"name": user.username}
    return _form_page(request, form, title=title, back="configuration:users", obj=user)


# --- customer numbers and industry codes ----------------------------------------------------


def _preview(pattern: str) -> str:
    """The number the next customer would get (with a sample industry code for {IND})."""
    today = timezone.localdate()
    key = numbering.sequence_key(pattern, today=today, ind=SAMPLE_IND)
    last = NumberSequence.objects.filter(key=key).values_list("value", flat=True).first() or 0
    return numbering.render(pattern, today=today, ind=SAMPLE_IND, seq=last + 1)


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def numbering_rule(request: HttpRequest) -> HttpResponse:
    pattern = customers.current_pattern()
    form = settings_forms.NumberPatternForm(_data(request), initial={"pattern": pattern})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _save(request, form, lambda: _set_pattern(_actor(request), **data)):
            return redirect("configuration:numbering")
    context = {"form": form, "pattern": pattern, "preview": _preview(pattern)}
    context.update(presets=numbering.PRESETS, sample_ind=SAMPLE_IND)
    return render(request, "configuration/numbering.html", context)


def _set_pattern(actor: Actor, *, pattern: str, reason: str) -> None:
    try:
        customers.set_number_pattern(actor, pattern=pattern, reason=reason)
    except ValidationError as exc:  # the pattern's own errors belong to its field
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"pattern": exc.messages}) from exc


@requires("settings.manage")
def industry_list(request: HttpRequest) -> HttpResponse:
    q = _search(request, 60)
    industries = Industry.objects.select_related("parent").order_by("code")
    if q:
        industries = industries.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(short_code__icontains=q)
        )
    return render(request, "configuration/industries.html", {"industries": industries, "q": q})


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def industry_edit(request: HttpRequest, code: str) -> HttpResponse:
    industry = get_object_or_404(Industry.objects.select_related("parent"), code=code)
    initial = {"short_code": industry.short_code}
    form = settings_forms.IndustryCodeForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        code_ = form.cleaned_data["short_code"]
        write = lambda: customers.save_industry_code(_actor(request), industry, short_code=code_)  # noqa: E731
        if _save(request, form, write):
            q = request.POST.get("q", "")[:60]
            return redirect(_url("configuration:industries", q=q))
    title = _("行业编号简码:%(name)s") % {"name": industry}
    return _form_page(request, form, title=title, back="configuration:industries", obj=industry)


def _url(name: str, **query: str) -> str:
    params = {k: v for k, v in query.items() if v}
    return reverse(name) + (f"?{urlencode(params)}" if params else "")


# --- custom fields --------------------------------------------------------------------------


@requires("settings.manage")
def custom_field_list(request: HttpRequest) -> HttpResponse:
    definitions = CustomFieldDefinition.objects.order_by("position", "pk")
    return render(request, "configuration/custom_fields.html", {"definitions": definitions})


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def custom_field_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    definition = get_object_or_404(CustomFieldDefinition, pk=pk) if pk else None
    initial = None
    if definition is not None:
        initial = {n: getattr(definition, n) for n in ("label", "type", "required", "position")}
        initial["choices"] = "\n".join(str(c) for c in definition.choices or [])
    form = settings_forms.CustomFieldForm(
        _data(request), initial=initial, editing=definition is not None
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        if _save(
            request, form, lambda: customers.save_custom_field(_actor(request), definition, **data)
        ):
            return redirect("configuration:custom_fields")
    title = _("编辑自定义字段") if definition else _("新建自定义字段")
    return _form_page(request, form, title=title, back="configuration:custom_fields")


@requires("settings.manage")
@require_POST
def custom_field_active(request: HttpRequest, pk: int) -> HttpResponse:
    definition = get_object_or_404(CustomFieldDefinition, pk=pk)
    active = request.POST.get("active") == "1"
    _toggle(
        request,
        lambda: customers.save_custom_field(_actor(request), definition, is_active=active),
        active,
    )
    return redirect("configuration:custom_fields")


def _toggle(request: HttpRequest, write: Callable[[], object], active: bool) -> None:
    try:
        write()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已启用") if active else _("已停用"))


# --- sources --------------------------------------------------------------------------------


@requires("settings.manage")
def source_list(request: HttpRequest) -> HttpResponse:
    sources = Source.objects.order_by("position", "pk")
    return render(request, "configuration/sources.html", {"sources": sources})


@requires("settings.manage")
@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk) if pk else None
    if source is not None:
        initial = {"name": source.name, "position": source.position}
    else:
        last = Source.objects.order_by("-position").values_list("position", flat=True).first()
        initial = {"position": 0 if last is None else min(last + 1, 32767)}
    form = settings_forms.SourceForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _save(request, form, lambda: customers.save_source(_actor(request), source, **data)):
            return redirect("configuration:sources")
    title = _("编辑客户来源") if source else _("新建客户来源")
    return _form_page(request, form, title=title, back="configuration:sources")


@requires("settings.manage")
@require_POST
def source_active(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    active = request.POST.get("active") == "1"
    _toggle(
        request, lambda: customers.save_source(_actor(request), source, is_active=active), active
    )
    return redirect("configuration:sources")


# --- tags -----------------------------------------------------------------------------------


@requires("settings.manage")
def tag_list(request: HttpRequest) -> HttpResponse:
    q = _search(request, 30)
    tags = Tag.objects.annotate(customer_count=Count("customers")).order_by("name", "pk")
    if q:
        tags = tags.filter(name__icontains=q)
    page = Paginator(tags, TAGS_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({"q": q}) if q else ""
    return render(request, "configuration/tags.html", {"page": page, "q": q, "query": query})


def _tag_page(request: HttpRequest, tag: Tag, **forms_: forms.Form) -> HttpResponse:
    context: dict[str, Any] = {
        "tag": tag,
        "customer_count": tag.customers.count(),
        "rename_form": settings_forms.TagRenameForm(initial={"name": tag.name}),
        "merge_form": settings_forms.TagMergeForm(),
        **forms_,
    }
    return render(request, "configuration/tag.html", context)


@requires("settings.manage")
@require_http_methods(["GET"])
def tag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _tag_page(request, get_object_or_404(Tag, pk=pk))


@requires("settings.manage")
@require_POST
def tag_rename(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    form = settings_forms.TagRenameForm(request.POST)
    if form.is_valid():
        name = form.cleaned_data["name"]
        if _save(request, form, lambda: customers.rename_tag(_actor(request), tag, name=name)):
            return redirect("configuration:tags")
    return _tag_page(request, tag, rename_form=form)


@requires("settings.manage")
@require_POST
def tag_merge(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    form = settings_forms.TagMergeForm(request.POST)
    if form.is_valid():
        into = Tag.objects.filter(name=form.cleaned_data["into"]).first()
        if into is None:
            form.add_error(
                "into", _("没有名为「%(name)s」的标签") % {"name": form.cleaned_data["into"]}
            )
        elif _save(request, form, lambda: customers.merge_tags(_actor(request), tag, into=into)):
            return redirect("configuration:tags")
    return _tag_page(request, tag, merge_form=form)


@requires("settings.manage")
@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    try:
        customers.delete_tag(_actor(request), tag)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("标签「%(name)s」已删除") % {"name": tag.name})
    return redirect("configuration:tags")

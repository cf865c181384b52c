"""Opportunities 商机 in the web app: the board (/pipeline/) and the opportunity dialogs.

Thin adapters over crm.pipeline.services and selectors, as the API is:

- the board shows one column per active stage of a pipeline; dragging a card to another column
  POSTs to the move endpoint (static/js/pipeline.js), which calls services.move_opportunity with
  the card's version and answers with the board's columns re-rendered out of band (a refused
  move shows the card back where it was) and the service's message;
- a drop into 输单, and reopening a won or lost card, first loads the 变更阶段 dialog (the
  reason), as the customer page's 变更阶段 button does;
- a dialog's refused write re-renders it with the service's Chinese messages and what was
  typed; a done write closes it and swaps the changed parts out of band: the board when the
  dialog came from it (?origin=board), else the customer page's 商机 card and timeline.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.accounts import policy
from crm.accounts.models import User
from crm.core.actor import Actor
from crm.core.errors import PreconditionFailed
from crm.core.forms import apply_errors
from crm.customers import selectors as customer_selectors
from crm.customers import services as customer_services
from crm.customers.models import Customer
from crm.customers.views.archive import timeline_context

from . import selectors, services
from .choices import OpportunityStatus, StageKind
from .forms import AnswerForm, GateForm, MoveForm, ObjectionForm, OpportunityForm
from .models import Opportunity

BOARD_PARAMS = ("pipeline", "scope", "owner")


def _actor(request: HttpRequest) -> Actor:
    return Actor(request.user, "web")  # type: ignore[arg-type]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _from_board(request: HttpRequest) -> bool:
    return request.GET.get("origin") == "board"


# --- the board -------------------------------------------------------------------------------


def _link(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def board_context(request: HttpRequest) -> dict[str, Any]:
    """The board for the request's ?pipeline=&scope=&owner=, with its tab and filter links."""
    today = timezone.localdate()
    found = selectors.board(_user(request), request.GET, today)
    params = {
        "pipeline": found.pipeline.pk if found.pipeline else None,
        "scope": found.scope,
        "owner": found.owner,
    }
    tabs = [
        {"pipeline": p, "url": _link(params, pipeline=p.pk), "active": p == found.pipeline}
        for p in found.pipelines
    ]
    scopes = [
        {"key": key, "label": label, "url": _link(params, scope=key), "active": key == found.scope}
        for key, label in ((selectors.MINE, _("我的")), (selectors.ALL, _("全部可见")))
    ]
    return {
        "board": found,
        "columns": found.columns,
        "tabs": tabs,
        "scopes": scopes,
        "board_query": _link(params, origin="board")[1:],
        "per_column": selectors.CARDS_PER_COLUMN,
        "closed_days": selectors.CLOSED_DAYS,
    }


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    return render(request, "pipeline/board.html", board_context(request))


def _board_refresh(request: HttpRequest, message: str, level: str = "success") -> HttpResponse:
    context = {**board_context(request), "oob": True, "message": message, "level": level}
    return render(request, "pipeline/_board_refresh.html", context)


# --- the customer page's card ----------------------------------------------------------------


def card_context(user: User, customer: Customer, *, every: bool = False) -> dict[str, Any]:
    today = timezone.localdate()
    limit = None if every else selectors.CUSTOMER_CARD_SHOWN
    rows, total = selectors.customer_opportunities(user, customer, limit)
    selectors.mark_customer_cards(rows, today)
    return {
        "customer": customer,
        "opportunities": rows,
        "opportunities_total": total,
        "can_work": policy.can_edit_customer(user, customer),
    }


@login_required
@require_GET
def customer_opportunities(request: HttpRequest, pk: int) -> HttpResponse:
    """The 商机 card with every opportunity of the customer (显示全部)."""
    customer = customer_services.get_visible(_actor(request), pk)
    context = card_context(_user(request), customer, every=True)
    return render(request, "pipeline/_opportunities_card.html", context)


def _customer_refresh(
    request: HttpRequest, customer_pk: int, message: str, *, header: bool = False
) -> HttpResponse:
    user = _user(request)
    fresh = customer_selectors.customer_detail(user, customer_pk)
    context: dict[str, Any] = {
        **timeline_context(user, fresh, None),
        **card_context(user, fresh),
        "oob": True,
        "message": message,
    }
    if header:  # winning made the customer 合作中: its header's stage badge changes
        context |= {
            "header": True,
            "can_edit": policy.can_edit_customer(user, fresh),
            "can_transfer": policy.can_transfer_customer(user, fresh),
            "can_collaborate": policy.can_manage_collaborators(user, fresh),
        }
    return render(request, "pipeline/_opportunities_refresh.html", context)


def _refreshed(
    request: HttpRequest, customer_pk: int, message: str, *, header: bool = False
) -> HttpResponse:
    """Close the dialog; swap what changed on the page it was opened from."""
    if _from_board(request):
        return _board_refresh(request, message)
    return _customer_refresh(request, customer_pk, message, header=header)


def _dialog(request: HttpRequest, template: str, opp: Any, **context: Any) -> HttpResponse:
    customer = opp.customer if isinstance(opp, Opportunity) else opp
    base = {"customer": customer, "opportunity": opp, "action": request.get_full_path()}
    return render(request, template, {**base, **context})


# --- new / edit ------------------------------------------------------------------------------


def _workable(request: HttpRequest, pk: int) -> Opportunity:
    """A visible opportunity whose customer the user may edit (404 hidden, 403 read-only)."""
    opp = services.get_visible_opportunity(_actor(request), pk)
    if not policy.can_edit_customer(_user(request), opp.customer):
        raise PermissionDenied(_("您只能查看该商机,不能修改"))
    return opp


def _owner(form: OpportunityForm) -> User | None:
    pk = _int(form.cleaned_data["owner"])
    return None if pk is None else User.objects.filter(pk=pk).first()


def _fields(form: OpportunityForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["owner"] = _owner(form)
    return data


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = customer_services.get_editable(actor, pk)
    owners = selectors.opportunity_owners()
    default = customer.owner_id if customer.owner_id in dict(owners) else request.user.pk
    data = request.POST if request.method == "POST" else None
    form = OpportunityForm(data, owners=owners, initial={"owner": default})
    if data is not None and form.is_valid():
        try:
            opp = services.create_opportunity(actor, customer=customer, **_fields(form))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _refreshed(request, customer.pk, _("已新建商机“%(name)s”") % {"name": opp.name})
    context = {"form": form, "owners": owners, "title": _("新建商机")}
    return _dialog(request, "pipeline/dialogs/opportunity.html", customer, **context)


def _initial(opp: Opportunity) -> dict[str, Any]:
    names = ("name", "amount", "expected_close_on", "needs_confirmed_on", "notes")
    initial: dict[str, Any] = {name: getattr(opp, name) for name in names}
    initial["owner"] = opp.owner_id
    initial["needs_confirmed_on"] = opp.needs_confirmed_on or ""
    return initial


def _changed(form: OpportunityForm, opp: Opportunity) -> dict[str, Any]:
    """The service's fields: the owner only when changed (an unchanged, since deactivated
    owner must not block correcting the amount)."""
    fields = dict(form.cleaned_data)
    owner = _int(fields.pop("owner"))
    if owner != opp.owner_id:
        fields["owner"] = _owner(form)
    return fields


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改: the service audits each changed field; an opportunity someone else saved meanwhile
    is refused once, keeping what was typed (save again to overwrite)."""
    actor = _actor(request)
    opp = _workable(request, pk)
    owners = selectors.opportunity_owners()
    if opp.owner_id not in dict(owners):  # keep the current owner on offer
        owners.append((opp.owner_id, str(opp.owner)))
    data = request.POST if request.method == "POST" else None
    form = OpportunityForm(data, owners=owners, initial=_initial(opp))
    version = (_int(request.POST.get("version")) or 0) if data is not None else opp.version
    reason = (request.POST.get("reason", "") if data is not None else "")[:200]
    if data is not None and form.is_valid():
        try:
            services.update_opportunity(
                actor, opp, expected_version=version, reason=reason, **_changed(form, opp)
            )
        except PreconditionFailed as exc:
            form.add_error(
                None,
                _("这个商机刚被他人修改过;您填写的内容已保留,核对后再次保存将以您填写的为准。"),
            )
            version = exc.details.get("current_version", version)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _refreshed(
                request, opp.customer_id, _("已修改商机“%(name)s”") % {"name": opp.name}
            )
    context = {"form": form, "editing": True, "version": version, "reason": reason}
    context |= {"owners": owners, "title": _("修改商机")}
    return _dialog(request, "pipeline/dialogs/opportunity.html", opp, **context)


# --- moving between stages -------------------------------------------------------------------


def _dragged(request: HttpRequest, opp: Opportunity) -> HttpResponse:
    """A card dropped on another column: move it, answer with the board as it now is."""
    data = request.POST
    try:
        moved = services.move_opportunity(
            _actor(request),
            opp,
            stage=_int(data.get("stage")),
            reason=data.get("reason", "")[:200],
            lost_reason=data.get("lost_reason", "")[:200],
            expected_version=_int(data.get("version")) or 0,
        )
    except PreconditionFailed as exc:
        return _board_refresh(request, exc.message, "danger")
    except ValidationError as exc:
        return _board_refresh(request, " ".join(exc.messages), "danger")
    done = _("已将“%(name)s”移到「%(stage)s」") % {"name": moved.name, "stage": moved.stage.name}
    return _board_refresh(request, done)


def _move_message(moved: Opportunity) -> str:
    names = {"name": moved.name, "stage": moved.stage.name}
    if moved.status == OpportunityStatus.WON:
        return _("商机“%(name)s”已赢单") % names
    if moved.status == OpportunityStatus.LOST:
        return _("商机“%(name)s”已转为输单") % names
    return _("商机“%(name)s”已进入「%(stage)s」") % names


@login_required
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, pk: int) -> HttpResponse:
    """变更阶段: the dialog (GET, ?stage= preselects the column a card was dropped on) and its
    POST; a POST without `dialog` is a drag on the board."""
    opp = _workable(request, pk)
    if request.method == "POST" and not request.POST.get("dialog"):
        return _dragged(request, opp)
    stages = selectors.move_targets(opp)
    data = request.POST if request.method == "POST" else None
    form = MoveForm(data, stages=[(s.pk, s.name) for s in stages], initial=request.GET)
    version = _int((data or request.GET).get("version")) or (0 if data else opp.version)
    if data is not None and form.is_valid():
        try:
            moved = services.move_opportunity(
                _actor(request),
                opp,
                stage=int(form.cleaned_data["stage"]),
                reason=form.cleaned_data["reason"],
                lost_reason=form.cleaned_data["lost_reason"],
                expected_version=version,
            )
        except PreconditionFailed as exc:
            form.add_error(None, _("这个商机刚被他人修改过,请核对当前阶段后再次提交。"))
            version = exc.details.get("current_version", version)
            opp = services.get_visible_opportunity(_actor(request), pk)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            won = moved.status == OpportunityStatus.WON
            return _refreshed(request, opp.customer_id, _move_message(moved), header=won)
    return _move_dialog(request, opp, form, stages, version)


def _move_dialog(
    request: HttpRequest, opp: Opportunity, form: MoveForm, stages: list[Any], version: int
) -> HttpResponse:
    chosen = next((s for s in stages if str(s.pk) == str(form["stage"].value())), None)
    context = {
        "form": form,
        "version": version,
        "stages": [(s.pk, f"{s.name}({s.get_kind_display()})") for s in stages],
        "chosen": chosen,
        "losing": chosen is not None and chosen.kind == StageKind.LOST,
        "reopening": chosen is not None
        and chosen.kind == StageKind.OPEN
        and opp.status != OpportunityStatus.OPEN,
        "title": _("变更商机阶段"),
    }
    return _dialog(request, "pipeline/dialogs/opportunity_move.html", opp, **context)


# --- gates -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pass_gate(request: HttpRequest, pk: int) -> HttpResponse:
    """通过关卡: record that a gate (客户资质审核 …) was passed, with what was checked."""
    opp = _workable(request, pk)
    gates = selectors.gates_to_pass(opp)
    data = request.POST if request.method == "POST" else None
    label = _("%(gate)s(进入「%(stage)s」前)")
    choices = [(g.pk, label % {"gate": g.name, "stage": g.stage.name}) for g in gates]
    form = GateForm(data, gates=choices)
    if data is not None and form.is_valid():
        try:
            passed = services.pass_gate(
                _actor(request),
                opp,
                gate=int(form.cleaned_data["gate"]),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            message = _("已通过关卡「%(gate)s」") % {"gate": passed.gate.name}
            return _refreshed(request, opp.customer_id, message)
    context = {"form": form, "gates": gates, "title": _("通过关卡")}
    return _dialog(request, "pipeline/dialogs/opportunity_gate.html", opp, **context)


# --- objections ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def objections(request: HttpRequest, pk: int) -> HttpResponse:
    """异议: the opportunity's objections with their 24-hour clocks, and 记录异议."""
    opp = _workable(request, pk)
    data = request.POST if request.method == "POST" else None
    form = ObjectionForm(data)
    if data is not None and form.is_valid():
        try:
            services.raise_objection(
                _actor(request),
                opp,
                content=form.cleaned_data["content"],
                raised_at=form.cleaned_data["raised_at"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _refreshed(request, opp.customer_id, _("已记录异议,请在 24 小时内答复"))
    rows = selectors.objections_of(opp, timezone.now())
    context = {"form": form, "objections": rows, "title": _("客户异议")}
    return _dialog(request, "pipeline/dialogs/objections.html", opp, **context)


@login_required
@require_http_methods(["GET", "POST"])
def answer_objection(request: HttpRequest, pk: int) -> HttpResponse:
    """答复异议: the answer closes the objection's 24-hour clock (late answers are marked)."""
    objection = selectors.visible_objection(_user(request), pk)
    opp = _workable(request, objection.opportunity_id)
    data = request.POST if request.method == "POST" else None
    form = AnswerForm(data)
    if data is not None and form.is_valid():
        try:
            services.answer_objection(
                _actor(request), objection, answer=form.cleaned_data["answer"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _refreshed(request, opp.customer_id, _("已答复异议"))
    row = selectors.objections_of(opp, timezone.now(), only=objection.pk)[0]
    context = {"form": form, "objection": row, "title": _("答复异议")}
    return _dialog(request, "pipeline/dialogs/objection_answer.html", opp, **context)

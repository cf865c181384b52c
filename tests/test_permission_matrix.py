"""Every endpoint × every persona: the status, nothing changed on refusal, nothing leaked.

The world: alice (sales, 华东销售一部) owns 深圳市腾飞科技有限公司 with contact 单田芳; bob is
her teammate (not a collaborator), carol their manager, dave sales in another team, erin
service staff, admin the administrator. Nobody holds the sensitive grant.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils.timezone import localdate, now

from crm.accounts.models import Team, User
from crm.audit.models import AuditEvent, SensitiveAccess
from crm.contacts.models import Contact
from crm.core.actor import Actor
from crm.core.testing import Personas, api_client
from crm.customers.models import (
    Address,
    Collaborator,
    Customer,
    CustomFieldDefinition,
    Industry,
    NumberRule,
    Source,
)
from crm.discipline.models import DisciplineRules
from crm.pipeline import services as pipeline_services
from crm.pipeline.models import (
    Contract,
    Gate,
    GatePass,
    Opportunity,
    Order,
    Pipeline,
    Stage,
    TierRules,
)
from crm.records import services as record_services
from crm.records.models import Record, Task
from crm.workdays import services as workday_services
from crm.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db
PERSONAS = ("alice", "bob", "carol", "dave", "erin", "admin")
SECRET_NAME = "深圳市腾飞科技有限公司"
SECRET_MOBILE = "13812345678"
WORKDAY_OVERRIDE_DAY = datetime.date(2026, 10, 10)  # a make-up Saturday the company takes off


@dataclass
class World:
    p: Personas
    customer: Customer
    contact: Contact
    record: Any = None  # alice's sales card on the customer (records_world)
    task: Any = None  # its to-do, owned by alice
    opportunity: Any = None  # alice's opportunity, contract and order (pipeline_world)
    contract: Any = None
    order: Any = None
    gate: Any = None  # a gate on 商务谈判 of the standard pipeline


@dataclass
class Case:
    name: str
    method: str
    url: Callable[[World], str]
    body: Callable[[World], dict[str, Any]]
    expected: dict[str, int]
    if_match: bool = False

    def __str__(self) -> str:
        return self.name


def view(ok: int) -> dict[str, int]:
    """Who may see alice's customer: owner, manager, service staff, admin."""
    return {"alice": ok, "bob": 404, "carol": ok, "dave": 404, "erin": ok, "admin": ok}


def edit(ok: int) -> dict[str, int]:
    """Who may change it: owner, manager, admin; service staff see it but may not."""
    return {"alice": ok, "bob": 404, "carol": ok, "dave": 404, "erin": 403, "admin": ok}


def everyone(ok: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, ok)


def admin_only(ok: int) -> dict[str, int]:
    return {**dict.fromkeys(PERSONAS, 403), "admin": ok}


def c_url(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/customers/{w.customer.pk}/{suffix}"


def k_url(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/contacts/{w.contact.pk}/{suffix}"


def static(url: str) -> Callable[[World], str]:
    return lambda w: url


def none(w: World) -> dict[str, Any]:
    return {}


def r_url(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/records/{w.record.pk}/{suffix}"


def t_url(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/tasks/{w.task.pk}/{suffix}"


def sales_card(ok: int) -> dict[str, int]:
    """A sales card: the customer's editors; service staff see service records only."""
    return {**edit(ok), "erin": 404}


def card(kind: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {
        "customer": w.customer.pk,
        "kind": kind,
        "occurred_at": now().isoformat(),
        "channel": "phone",
        "purpose": "regular_visit",
        "content": "客户反馈系统操作复杂,希望简化流程",
    }


CASES = [
    Case("customer list", "get", static("/api/v1/customers/"), none, everyone(200)),
    Case("customer detail", "get", c_url(), none, view(200)),
    Case("customer patch", "patch", c_url(), lambda w: {"notes": "改"}, edit(200), True),
    Case(
        "customer put",
        "put",
        c_url(),
        lambda w: {"name": "深圳市腾飞科技有限公司"},
        edit(200),
        True,
    ),
    Case(
        "customer stage",
        "post",
        c_url("stage/"),
        lambda w: {"stage": "intent", "reason": "需求明确"},
        edit(200),
    ),
    Case(
        "customer transfer",
        "post",
        c_url("transfer/"),
        lambda w: {"owner": w.p.bob.pk, "reason": "调整"},
        {**edit(200), "alice": 403},
    ),
    Case(
        "customer add collaborator",
        "post",
        c_url("collaborators/"),
        lambda w: {"user": w.p.bob.pk},
        edit(200),
    ),
    Case(
        "customer add address",
        "post",
        c_url("addresses/"),
        lambda w: {"kind": "branch", "detail": "浦东新区世纪大道 100 号"},
        edit(201),
    ),
    Case(
        "customer change address",
        "patch",
        lambda w: f"/api/v1/customers/{w.customer.pk}/addresses/{w.customer.addresses.get().pk}/",
        lambda w: {"detail": "南山区科技园 2 号"},
        edit(200),
    ),
    Case(
        "customer remove address",
        "delete",
        lambda w: f"/api/v1/customers/{w.customer.pk}/addresses/{w.customer.addresses.get().pk}/",
        none,
        edit(204),
    ),
    Case("customer timeline", "get", c_url("timeline/"), none, view(200)),
    Case("customer transitions", "get", c_url("transitions/"), none, view(200)),
    Case(
        "customer create",
        "post",
        static("/api/v1/customers/"),
        lambda w: {"name": "广州云帆物流有限公司"},
        {**everyone(201), "erin": 403},
    ),
    Case(
        "duplicate check",
        "post",
        static("/api/v1/customers/check-duplicate/"),
        lambda w: {"name": SECRET_NAME},
        everyone(200),
    ),
    Case("contact list", "get", static("/api/v1/contacts/"), none, everyone(200)),
    Case("contact detail", "get", k_url(), none, view(200)),
    Case("contact patch", "patch", k_url(), lambda w: {"title": "总经理"}, edit(200), True),
    Case("contact delete", "delete", k_url(), none, edit(204)),
    Case(
        "contact create",
        "post",
        static("/api/v1/contacts/"),
        lambda w: {"customer": w.customer.pk, "name": "李四"},
        edit(201),
    ),
    Case(
        "contact reveal",
        "post",
        k_url("reveal/"),
        lambda w: {"field": "id_number"},
        {**edit(403), "erin": 403},
    ),
    Case("user list", "get", static("/api/v1/users/"), none, everyone(200)),
    Case(
        "user create",
        "post",
        static("/api/v1/users/"),
        lambda w: {"username": "newbie", "password": "Newbie-pass-2026", "role": "sales"},
        admin_only(201),
    ),
    Case(
        "user patch",
        "patch",
        lambda w: f"/api/v1/users/{w.p.bob.pk}/",
        lambda w: {"role": "service"},
        admin_only(200),
    ),
    Case("team list", "get", static("/api/v1/teams/"), none, everyone(200)),
    Case(
        "team create",
        "post",
        static("/api/v1/teams/"),
        lambda w: {"name": "西南销售部"},
        admin_only(201),
    ),
    Case(
        "team patch",
        "patch",
        lambda w: f"/api/v1/teams/{w.p.team_a.pk}/",
        lambda w: {"manager": w.p.alice.pk},
        admin_only(200),
    ),
    Case(
        "number rule set",
        "post",
        static("/api/v1/number-rule/"),
        lambda w: {"pattern": "{IND}{YYYY}{SEQ:3}"},
        admin_only(200),
    ),
    Case("industries", "get", static("/api/v1/industries/?parent=A"), none, everyone(200)),
    Case(
        "industry short code",
        "patch",
        static("/api/v1/industries/I/"),
        lambda w: {"short_code": "TECH"},
        admin_only(200),
    ),
    Case("regions", "get", static("/api/v1/regions/?level=province"), none, everyone(200)),
    Case("custom fields", "get", static("/api/v1/custom-fields/"), none, everyone(200)),
    Case(
        "custom field create",
        "post",
        static("/api/v1/custom-fields/"),
        lambda w: {"key": "score", "label": "满意度评分", "type": "integer"},
        admin_only(201),
    ),
    Case("audit events", "get", static("/api/v1/audit-events/"), none, admin_only(200)),
    Case("sensitive access log", "get", static("/api/v1/sensitive-access/"), none, admin_only(200)),
    Case("sources", "get", static("/api/v1/sources/"), none, everyone(200)),
    Case(
        "source create",
        "post",
        static("/api/v1/sources/"),
        lambda w: {"name": "抖音"},
        admin_only(201),
    ),
    Case("claims", "get", static("/api/v1/duplicate-claims/"), none, everyone(200)),
    Case("record list", "get", static("/api/v1/records/"), none, everyone(200)),
    Case("record detail", "get", r_url(), none, sales_card(200)),
    Case("record patch", "patch", r_url(), lambda w: {"notes": "竞品降价"}, sales_card(200), True),
    Case("record void", "post", r_url("void/"), lambda w: {"reason": "重复填写"}, sales_card(200)),
    Case("record create", "post", static("/api/v1/records/"), card("sales"), edit(201)),
    Case(
        "service record create",
        "post",
        static("/api/v1/records/"),
        card("service"),
        {**edit(201), "erin": 201},
    ),
    Case("task list", "get", static("/api/v1/tasks/"), none, everyone(200)),
    Case("task detail", "get", t_url(), none, view(200)),
    Case("task patch", "patch", t_url(), lambda w: {"description": "改"}, edit(200), True),
    Case(
        "task complete",
        "post",
        t_url("complete/"),
        lambda w: {"result": "已提供报价单,客户已确认"},
        edit(200),
    ),
    Case("task cancel", "post", t_url("cancel/"), lambda w: {"reason": "客户取消"}, edit(200)),
    Case(
        "task create",
        "post",
        static("/api/v1/tasks/"),
        lambda w: {"customer": w.customer.pk, "description": "回访", "due": str(localdate())},
        view(201),
    ),
    Case(
        "workdays add",
        "get",
        static("/api/v1/workdays/add/?start=2026-09-30&days=1"),
        none,
        everyone(200),
    ),
    Case(
        "workdays between",
        "get",
        static("/api/v1/workdays/between/?start=2026-09-30&end=2026-10-09"),
        none,
        everyone(200),
    ),
    Case("workday override list", "get", static("/api/v1/workday-overrides/"), none, everyone(200)),
    Case(
        "workday override set",
        "post",
        static("/api/v1/workday-overrides/"),
        lambda w: {"day": "2026-03-07", "is_workday": True, "note": "年会补班"},
        admin_only(201),
    ),
    Case("agenda", "get", static("/api/v1/agenda/"), none, everyone(200)),
    Case(
        "agenda of a team member",
        "get",
        lambda w: f"/api/v1/agenda/?user={w.p.alice.pk}",
        none,
        {**view(200), "bob": 404, "erin": 404},
    ),
    Case("notifications", "get", static("/api/v1/notifications/"), none, everyone(200)),
    Case(
        "notifications read",
        "post",
        static("/api/v1/notifications/read/"),
        lambda w: {"all": True},
        everyone(200),
    ),
    Case("discipline rules", "get", static("/api/v1/discipline-rules/"), none, everyone(200)),
    Case(
        "customer export",
        "get",
        static("/api/v1/exports/customers/?format=csv"),
        none,
        everyone(200),
    ),
    Case(
        "discipline rules change",
        "patch",
        static("/api/v1/discipline-rules/"),
        lambda w: {"escalate_after_days": 3},
        admin_only(200),
    ),
    Case(
        "workday override delete",
        "delete",
        static("/api/v1/workday-overrides/2026-10-10/"),
        none,
        admin_only(204),
    ),
]


@pytest.fixture
def world(personas: Personas, customer_of: Any) -> World:
    customer = customer_of(
        personas.alice,
        name=SECRET_NAME,
        contacts=[{"name": "单田芳", "mobile": SECRET_MOBILE, "id_number": "11010519491231002X"}],
        addresses=[{"kind": "hq", "detail": "南山区科技园 1 号"}],
    )
    workday_services.set_override(
        Actor(personas.admin), day=WORKDAY_OVERRIDE_DAY, is_workday=False, note="公司不补班"
    )
    return World(personas, customer, customer.contacts.get())


def state() -> dict[str, Any]:
    """Everything a refused request must leave untouched."""
    return {
        "customers": list(Customer.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values("pk", "title", "version")),
        "collaborators": list(Collaborator.objects.values_list("customer", "user")),
        "users": list(User.objects.order_by("pk").values("pk", "role", "team")),
        "teams": list(Team.objects.order_by("pk").values()),
        "rules": list(NumberRule.objects.values()),
        "industries": list(Industry.objects.filter(short_code__gt="").values()),
        "fields": CustomFieldDefinition.objects.count(),
        "sources": list(Source.objects.values()),
        "addresses": list(Address.objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
        "reveals": SensitiveAccess.objects.count(),
        "records": list(Record.objects.order_by("pk").values("pk", "version", "voided")),
        "tasks": list(Task.objects.order_by("pk").values("pk", "version", "status")),
        "workday_overrides": list(CalendarOverride.objects.order_by("day").values()),
        "discipline_rules": list(DisciplineRules.objects.values()),
        "opportunities": list(
            Opportunity.objects.order_by("pk").values("pk", "version", "stage", "amount")
        ),
        "gate_passes": GatePass.objects.count(),
        "contracts": list(Contract.objects.order_by("pk").values("pk", "version", "amount")),
        "orders": list(Order.objects.order_by("pk").values("pk", "version", "summary")),
        "pipelines": list(Pipeline.objects.order_by("pk").values()),
        "stages": list(Stage.objects.order_by("pk").values()),
        "gates": list(Gate.objects.order_by("pk").values()),
        "tier_rules": list(TierRules.objects.values()),
    }


def call(case: Case, w: World, user: User | None) -> Any:
    client = api_client(user)
    url = case.url(w)
    headers = {}
    if case.if_match:
        target = w.contact if "/contacts/" in url else w.customer
        if "/records/" in url or "/tasks/" in url:
            target = w.record if "/records/" in url else w.task
        target = pipeline_target(w, url) or target
        target.refresh_from_db()
        headers["HTTP_IF_MATCH"] = f'"{target.pk}-{target.version}"'
    return getattr(client, case.method)(url, case.body(w), format="json", **headers)


@pytest.fixture(autouse=True)
def records_world(world: World) -> None:
    """alice's sales card on the customer, with one open to-do she owns."""
    world.record = record_services.file_record(
        Actor(world.p.alice),
        customer=world.customer,
        occurred_at=now(),
        channel="visit",
        purpose="needs_discovery",
        content="客户提出下季度采购预算需降低15%",
        tasks=[{"description": "3个工作日内提供定制化报价单", "due": localdate()}],
    )
    world.task = world.record.tasks.get()


# --- the pipeline: opportunities, pipelines, contracts, orders, levels, tier rules ------------


def o_url(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/opportunities/{w.opportunity.pk}/{suffix}"


def ct_url(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/contracts/{w.contract.pk}/{suffix}"


def od_url(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/orders/{w.order.pk}/{suffix}"


def standard_url(w: World) -> str:
    return f"/api/v1/pipelines/{Pipeline.objects.get(is_default=True).pk}/"


def move_to(code: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"stage": w.opportunity.pipeline.stages.get(code=code).pk}


def pipeline_target(w: World, url: str) -> Any:
    """The row an If-Match case names, for the pipeline resources (None for the others)."""
    for part, obj in (
        ("/opportunities/", w.opportunity),
        ("/contracts/", w.contract),
        ("/orders/", w.order),
    ):
        if part in url:
            return obj
    return None


PIPELINE_CASES = [
    Case("opportunity list", "get", static("/api/v1/opportunities/"), none, everyone(200)),
    Case("opportunity detail", "get", o_url(), none, view(200)),
    Case(
        "opportunity create",
        "post",
        static("/api/v1/opportunities/"),
        lambda w: {
            "customer": w.customer.pk,
            "name": "二期扩容",
            "amount": "100000.00",
            "expected_close_on": str(localdate()),
        },
        edit(201),
    ),
    Case("opportunity patch", "patch", o_url(), lambda w: {"amount": "450000.00"}, edit(200), True),
    Case("opportunity move", "post", o_url("move/"), move_to("solution"), edit(200)),
    Case(
        "opportunity pass gate",
        "post",
        o_url("pass-gate/"),
        lambda w: {"gate": w.gate.pk, "note": "折扣已审批"},
        edit(200),
    ),
    Case("pipeline list", "get", static("/api/v1/pipelines/"), none, everyone(200)),
    Case("pipeline detail", "get", standard_url, none, everyone(200)),
    Case(
        "pipeline create",
        "post",
        static("/api/v1/pipelines/"),
        lambda w: {"name": "政府采购流程", "industries": ["S"]},
        admin_only(201),
    ),
    Case("pipeline patch", "patch", standard_url, lambda w: {"position": 5}, admin_only(200)),
    Case("pipeline stage list", "get", static("/api/v1/pipeline-stages/"), none, everyone(200)),
    Case(
        "pipeline stage create",
        "post",
        static("/api/v1/pipeline-stages/"),
        lambda w: {"pipeline": w.opportunity.pipeline_id, "code": "pilot", "name": "试点验证"},
        admin_only(201),
    ),
    Case(
        "pipeline stage patch",
        "patch",
        lambda w: f"/api/v1/pipeline-stages/{w.gate.stage_id}/",
        lambda w: {"probability": 75},
        admin_only(200),
    ),
    Case("pipeline gate list", "get", static("/api/v1/pipeline-gates/"), none, everyone(200)),
    Case(
        "pipeline gate create",
        "post",
        static("/api/v1/pipeline-gates/"),
        lambda w: {"stage": w.gate.stage_id, "code": "legal", "name": "法务审核"},
        admin_only(201),
    ),
    Case(
        "pipeline gate patch",
        "patch",
        lambda w: f"/api/v1/pipeline-gates/{w.gate.pk}/",
        lambda w: {"name": "价格审批单"},
        admin_only(200),
    ),
    Case("contract list", "get", static("/api/v1/contracts/"), none, everyone(200)),
    Case("contract detail", "get", ct_url(), none, view(200)),
    Case(
        "contract create",
        "post",
        static("/api/v1/contracts/"),
        lambda w: {"customer": w.customer.pk, "amount": "50000.00", "signed_on": str(localdate())},
        edit(201),
    ),
    Case("contract patch", "patch", ct_url(), lambda w: {"amount": "1.00"}, edit(200), True),
    Case("contract delete", "delete", ct_url(), none, everyone(405)),
    Case("order list", "get", static("/api/v1/orders/"), none, everyone(200)),
    Case("order detail", "get", od_url(), none, view(200)),
    Case(
        "order create",
        "post",
        static("/api/v1/orders/"),
        lambda w: {
            "customer": w.customer.pk,
            "number": "DD-002",
            "ordered_on": str(localdate()),
            "amount": "5000.00",
        },
        edit(201),
    ),
    Case("order patch", "patch", od_url(), lambda w: {"summary": "年度运维"}, edit(200), True),
    Case("order delete", "delete", od_url(), lambda w: {"reason": "重复录入"}, edit(204)),
    Case(
        "customer level override",
        "post",
        c_url("level-override/"),
        lambda w: {"level": "B", "reason": "年度评审"},
        edit(200),
    ),
    Case(
        "customer level override clear",
        "delete",
        c_url("level-override/"),
        lambda w: {"reason": "恢复自动分级"},
        edit(200),
    ),
    Case("tier rules", "get", static("/api/v1/tier-rules/"), none, everyone(200)),
    Case(
        "tier rules change",
        "patch",
        static("/api/v1/tier-rules/"),
        lambda w: {"expiry_warning_days": 45},
        admin_only(200),
    ),
    Case(
        "tier rules put",
        "put",
        static("/api/v1/tier-rules/"),
        lambda w: {
            "strategic_threshold": "900000.00",
            "key_threshold": "400000.00",
            "expiry_warning_days": 30,
        },
        admin_only(200),
    ),
]
CASES += PIPELINE_CASES


@pytest.fixture(autouse=True)
def pipeline_world(world: World, records_world: None) -> None:
    """alice's opportunity, contract (with an order) on the customer, whose level she holds
    by hand; a gate on 商务谈判 of the standard pipeline to pass."""
    alice = Actor(world.p.alice)
    negotiation = Stage.objects.get(pipeline__is_default=True, code="negotiation")
    world.gate = pipeline_services.save_gate(
        Actor(world.p.admin), stage=negotiation, code="pricing", name="价格审批"
    )
    world.opportunity = pipeline_services.create_opportunity(
        alice,
        customer=world.customer,
        name="运维托管项目",
        amount=Decimal("400000.00"),
        expected_close_on=localdate(),
    )
    world.contract = pipeline_services.create_contract(
        alice, customer=world.customer, amount=Decimal("600000.00"), signed_on=localdate()
    )
    world.order = pipeline_services.create_order(
        alice,
        customer=world.customer,
        number="DD-001",
        ordered_on=localdate(),
        amount=Decimal("12000.00"),
        contract=world.contract,
    )
    pipeline_services.set_level_override(alice, world.customer, level="A", reason="集团框架协议")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_permission_matrix(world: World, case: Case, persona: str) -> None:
    before = state()
    response = call(case, world, getattr(world.p, persona))
    expected = case.expected[persona]
    assert response.status_code == expected, (case.name, persona, response.content[:300])
    if expected >= 400:
        assert state() == before, f"{case.name} as {persona} changed data"
    if expected == 404 or (case.name.endswith(" list") and persona in {"bob", "dave"}):
        body = response.content.decode()
        assert SECRET_NAME not in body and SECRET_MOBILE not in body, (case.name, persona)
        assert "138****5678" not in body


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_requests_are_refused_and_change_nothing(world: World, case: Case) -> None:
    before = state()
    response = call(case, world, None)
    assert response.status_code == 401
    assert state() == before
    assert SECRET_NAME not in response.content.decode()


def test_list_shows_each_persona_exactly_the_rows_in_scope(world: World) -> None:
    seen = {
        persona: [
            r["id"]
            for r in api_client(getattr(world.p, persona)).get("/api/v1/customers/").data["results"]
        ]
        for persona in PERSONAS
    }
    mine = [world.customer.pk]
    assert seen == {
        "alice": mine,
        "bob": [],
        "carol": mine,
        "dave": [],
        "erin": mine,
        "admin": mine,
    }


def test_contact_mobile_is_masked_exactly_for_those_without_the_full_view(world: World) -> None:
    shown = {}
    for persona in ("alice", "carol", "erin", "admin"):
        body = api_client(getattr(world.p, persona)).get(f"/api/v1/contacts/{world.contact.pk}/")
        shown[persona] = (body.data["mobile"], body.data["id_number"])
    masked_id = "**************002X"
    assert shown == {
        "alice": (SECRET_MOBILE, masked_id),
        "carol": (SECRET_MOBILE, masked_id),
        "erin": ("138****5678", masked_id),
        "admin": (SECRET_MOBILE, masked_id),
    }

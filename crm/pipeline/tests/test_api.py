"""The pipeline API: opportunities through stages and gates, pipelines as settings, contracts
and orders deriving the customer's level, level overrides and tier rules. Exact values, Chinese
400s, 404 for hidden rows, 428/412 for missing or stale If-Match."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from crm.core.testing import actor, api_client
from crm.customers.models import Industry
from crm.pipeline import services
from crm.pipeline.models import Contract, Opportunity, Order, Pipeline, Stage

pytestmark = pytest.mark.django_db


def opportunity(user: Any, customer: Any, **fields: Any) -> Opportunity:
    fields = {
        "name": "运维托管项目",
        "amount": Decimal("400000.00"),
        "expected_close_on": datetime.date(2026, 4, 30),
        **fields,
    }
    return services.create_opportunity(actor(user), customer=customer, **fields)


def stage_id(opp: Opportunity, code: str) -> int:
    return Stage.objects.get(pipeline=opp.pipeline, code=code).pk


def etag(obj: Any) -> str:
    obj.refresh_from_db()
    return f'"{obj.pk}-{obj.version}"'


@pytest.fixture
def hospital(personas: Any, customer_of: Any) -> Any:
    """An industry-84 (卫生) customer of alice: the medical pipeline, whose 赢单 has two gates."""
    return customer_of(
        personas.alice, name="杭州市第一人民医院", industry=Industry.objects.get(pk="84")
    )


# --- opportunities -----------------------------------------------------------------------------


def test_create_answers_201_in_the_first_stage_with_an_etag(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/opportunities/",
        {
            "customer": customer.pk,
            "name": "运维托管项目",
            "amount": "400000.00",
            "expected_close_on": "2026-04-30",
            "needs_confirmed_on": "2026-03-02",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    data = response.data
    first = Stage.objects.get(pipeline__name="标准销售流程", code="needs_analysis")
    assert response["ETag"] == f'"{data["id"]}-1"'
    assert data["stage"] == {
        "id": first.pk,
        "code": "needs_analysis",
        "name": "需求分析",
        "kind": "open",
    }
    assert data["pipeline"] == {"id": first.pipeline_id, "name": "标准销售流程"}
    assert (data["status"], data["owner"], data["owner_name"], data["customer_name"]) == (
        "open",
        personas.alice.pk,
        "张爱丽",
        "深圳市腾飞科技有限公司",
    )
    assert (data["amount"], data["solution_due"], data["gates"], data["version"]) == (
        "400000.00",
        "2026-03-05",  # 3 working days after Monday 2 March
        [],
        1,
    )


def test_create_on_a_hidden_customer_answers_404(personas, customer):
    response = api_client(personas.dave).post(
        "/api/v1/opportunities/",
        {"customer": customer.pk, "name": "x", "amount": "1", "expected_close_on": "2026-04-30"},
        format="json",
    )
    assert response.status_code == 404
    assert not Opportunity.objects.exists()


def test_a_negative_amount_answers_400_on_the_field(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/opportunities/",
        {"customer": customer.pk, "name": "x", "amount": "-1", "expected_close_on": "2026-04-30"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.data) == ["amount"]


def test_patch_without_if_match_answers_428(personas, customer):
    opp = opportunity(personas.alice, customer)
    response = api_client(personas.alice).patch(
        f"/api/v1/opportunities/{opp.pk}/", {"amount": "1.00"}, format="json"
    )
    assert response.status_code == 428
    assert Opportunity.objects.get().amount == Decimal("400000.00")


def test_patch_with_a_stale_if_match_answers_412(personas, customer):
    opp = opportunity(personas.alice, customer)
    stale = etag(opp)
    services.update_opportunity(actor(personas.carol), opp, amount=Decimal(450000))
    response = api_client(personas.alice).patch(
        f"/api/v1/opportunities/{opp.pk}/", {"amount": "1.00"}, format="json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    assert Opportunity.objects.get().amount == Decimal(450000)


def test_patch_with_if_match_changes_and_answers_the_next_etag(personas, customer):
    opp = opportunity(personas.alice, customer)
    response = api_client(personas.alice).patch(
        f"/api/v1/opportunities/{opp.pk}/",
        {"amount": "450000.00", "reason": "客户扩大范围"},
        format="json",
        HTTP_IF_MATCH=etag(opp),
    )
    assert response.status_code == 200, response.data
    assert (response.data["amount"], response["ETag"]) == ("450000.00", f'"{opp.pk}-2"')


def test_move_goes_to_the_stage_without_if_match(personas, customer):
    opp = opportunity(personas.alice, customer)
    response = api_client(personas.alice).post(
        f"/api/v1/opportunities/{opp.pk}/move/", {"stage": stage_id(opp, "solution")}, format="json"
    )
    assert response.status_code == 200, response.data
    assert (response.data["stage"]["code"], response.data["version"]) == ("solution", 2)
    assert response["ETag"] == f'"{opp.pk}-2"'


def test_move_with_a_stale_if_match_answers_412(personas, customer):
    opp = opportunity(personas.alice, customer)
    response = api_client(personas.alice).post(
        f"/api/v1/opportunities/{opp.pk}/move/",
        {"stage": stage_id(opp, "solution")},
        format="json",
        HTTP_IF_MATCH=f'"{opp.pk}-7"',
    )
    assert response.status_code == 412
    assert Opportunity.objects.get().stage.code == "needs_analysis"


def test_a_move_refused_by_a_gate_answers_400_with_the_gate_message(personas, hospital):
    opp = opportunity(personas.alice, hospital)
    response = api_client(personas.alice).post(
        f"/api/v1/opportunities/{opp.pk}/move/", {"stage": stage_id(opp, "won")}, format="json"
    )
    assert response.status_code == 400
    assert response.data == {"stage": ["进入「赢单」前须先通过:客户资质审核、合规性检查"]}


def test_losing_without_a_reason_answers_400(personas, customer):
    opp = opportunity(personas.alice, customer)
    response = api_client(personas.alice).post(
        f"/api/v1/opportunities/{opp.pk}/move/", {"stage": stage_id(opp, "lost")}, format="json"
    )
    assert response.status_code == 400
    assert response.data == {"lost_reason": ["转为输单时必须填写输单原因"]}


def test_losing_with_a_reason_shows_it(personas, customer):
    opp = opportunity(personas.alice, customer)
    response = api_client(personas.alice).post(
        f"/api/v1/opportunities/{opp.pk}/move/",
        {"stage": stage_id(opp, "lost"), "lost_reason": "预算被砍,选择了低价竞品"},
        format="json",
    )
    assert (response.data["status"], response.data["lost_reason"]) == (
        "lost",
        "预算被砍,选择了低价竞品",
    )


def test_the_body_lists_the_pipelines_gates_with_passed_flags(personas, hospital):
    opp = opportunity(personas.alice, hospital)
    gates = list(Stage.objects.get(pipeline=opp.pipeline, code="won").gates.order_by("pk"))
    response = api_client(personas.alice).post(
        f"/api/v1/opportunities/{opp.pk}/pass-gate/",
        {"gate": gates[0].pk, "note": "已核对医疗机构执业许可证"},
        format="json",
    )
    assert response.status_code == 200, response.data
    shown = [(g["code"], g["name"], g["passed"], g["note"]) for g in response.data["gates"]]
    assert shown == [
        ("qualification", "客户资质审核", True, "已核对医疗机构执业许可证"),
        ("compliance", "合规性检查", False, ""),
    ]
    assert response.data["gates"][0]["passed_by"] == personas.alice.pk


def test_after_every_gate_passed_the_move_wins_and_the_customer_cooperates(personas, hospital):
    opp = opportunity(personas.alice, hospital)
    client = api_client(personas.alice)
    for gate in Stage.objects.get(pipeline=opp.pipeline, code="won").gates.all():
        client.post(
            f"/api/v1/opportunities/{opp.pk}/pass-gate/",
            {"gate": gate.pk, "note": "材料齐全"},
            format="json",
        )
    moved = client.post(
        f"/api/v1/opportunities/{opp.pk}/move/", {"stage": stage_id(opp, "won")}, format="json"
    )
    assert (moved.status_code, moved.data["status"], moved.data["closed_on"]) == (
        200,
        "won",
        "2026-03-02",
    )
    assert client.get(f"/api/v1/customers/{hospital.pk}/").data["stage"] == "cooperating"


def test_pass_gate_without_a_note_answers_400(personas, hospital):
    opp = opportunity(personas.alice, hospital)
    gate = Stage.objects.get(pipeline=opp.pipeline, code="won").gates.get(code="compliance")
    response = api_client(personas.alice).post(
        f"/api/v1/opportunities/{opp.pk}/pass-gate/", {"gate": gate.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.data == {"note": ["请填写审核说明(核对了哪些材料、结论)"]}


def test_a_hidden_opportunity_answers_404_to_read_and_move(personas, customer):
    opp = opportunity(personas.alice, customer)
    client = api_client(personas.dave)
    assert client.get(f"/api/v1/opportunities/{opp.pk}/").status_code == 404
    moved = client.post(
        f"/api/v1/opportunities/{opp.pk}/move/", {"stage": stage_id(opp, "solution")}, format="json"
    )
    assert moved.status_code == 404
    assert client.get("/api/v1/opportunities/").data["results"] == []


def test_opportunity_filters(personas, customer, hospital):
    mine = opportunity(personas.alice, customer, name="标准项目")
    gated = opportunity(personas.alice, hospital, name="医院项目", owner=personas.bob)
    services.move_opportunity(actor(personas.alice), mine, stage=stage_id(mine, "quotation"))
    client = api_client(personas.alice)

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/opportunities/?{query}")
        assert response.status_code == 200, response.data
        return [r["name"] for r in response.data["results"]]

    assert names(f"customer={hospital.pk}") == ["医院项目"]
    assert names(f"owner={personas.bob.pk}") == ["医院项目"]
    assert names(f"pipeline={gated.pipeline_id}") == ["医院项目"]
    assert names(f"stage={stage_id(mine, 'quotation')}") == ["标准项目"]
    assert names("stage_code=needs_analysis") == ["医院项目"]
    assert names("status=open&ordering=id") == ["标准项目", "医院项目"]
    assert names("status=won") == []


def test_opportunity_ordering_by_amount_and_cursor_paging(personas, customer):
    for amount in ("300", "100", "500", "200", "400"):
        opportunity(personas.alice, customer, name=f"项目{amount}", amount=Decimal(amount))
    client = api_client(personas.alice)
    page = client.get("/api/v1/opportunities/?ordering=-amount&page_size=2").data
    second = client.get(page["next"]).data
    third = client.get(second["next"]).data
    amounts = [r["amount"] for p in (page, second, third) for r in p["results"]]
    assert amounts == ["500.00", "400.00", "300.00", "200.00", "100.00"]
    assert third["next"] is None


# --- pipelines ---------------------------------------------------------------------------------


def test_pipelines_list_nests_the_active_stages_and_their_gates(personas):
    medical = Pipeline.objects.get(name="医疗行业销售流程")
    services.save_stage(
        actor(personas.admin), medical.stages.get(code="quotation"), is_active=False
    )
    rows = api_client(personas.erin).get("/api/v1/pipelines/").data
    assert [(p["name"], p["industries"], p["is_default"]) for p in rows] == [
        ("标准销售流程", [], True),
        ("医疗行业销售流程", ["84", "27"], False),
        ("金融行业销售流程", ["J"], False),
    ]
    stages = rows[1]["stages"]
    assert [s["code"] for s in stages] == [
        "needs_analysis",
        "solution",
        "negotiation",
        "won",
        "lost",
    ]
    assert [g["name"] for g in stages[3]["gates"]] == ["客户资质审核", "合规性检查"]
    assert all(s["gates"] == [] for s in rows[0]["stages"])


def test_only_administrators_write_pipelines(personas):
    body = {"name": "政府采购流程", "industries": ["s", "92"]}
    assert (
        api_client(personas.carol).post("/api/v1/pipelines/", body, format="json").status_code
        == 403
    )
    response = api_client(personas.admin).post("/api/v1/pipelines/", body, format="json")
    assert response.status_code == 201, response.data
    assert (response.data["industries"], response.data["stages"]) == (["S", "92"], [])


def test_an_unknown_industry_code_answers_400(personas):
    response = api_client(personas.admin).post(
        "/api/v1/pipelines/", {"name": "新流程", "industries": ["ZZ"]}, format="json"
    )
    assert response.status_code == 400
    assert response.data == {"industries": ["未知的行业代码: ZZ"]}


def test_an_added_stage_and_gate_show_in_the_pipeline_and_on_its_opportunities(personas, customer):
    standard = Pipeline.objects.get(name="标准销售流程")
    admin = api_client(personas.admin)
    stage = admin.post(
        "/api/v1/pipeline-stages/",
        {"pipeline": standard.pk, "code": "pilot", "name": "试点验证", "position": 3},
        format="json",
    )
    assert stage.status_code == 201, stage.data
    gate = admin.post(
        "/api/v1/pipeline-gates/",
        {"stage": stage.data["id"], "code": "poc", "name": "试点报告"},
        format="json",
    )
    assert gate.status_code == 201, gate.data
    renamed = admin.patch(
        f"/api/v1/pipeline-gates/{gate.data['id']}/", {"name": "试点验收报告"}, format="json"
    )
    assert renamed.data["name"] == "试点验收报告"
    opp = opportunity(personas.alice, customer)
    shown = api_client(personas.alice).get(f"/api/v1/opportunities/{opp.pk}/").data["gates"]
    assert [(g["name"], g["stage"], g["passed"]) for g in shown] == [
        ("试点验收报告", stage.data["id"], False)
    ]


def test_a_duplicate_stage_code_answers_400(personas):
    standard = Pipeline.objects.get(name="标准销售流程")
    response = api_client(personas.admin).post(
        "/api/v1/pipeline-stages/",
        {"pipeline": standard.pk, "code": "won", "name": "又一个赢单"},
        format="json",
    )
    assert response.status_code == 400
    assert Stage.objects.filter(pipeline=standard, code="won").count() == 1


# --- contracts ---------------------------------------------------------------------------------


def contract(personas: Any, customer: Any, amount: int = 1, **fields: Any) -> Contract:
    """alice's contract, signed 10 January 2026 unless told otherwise."""
    fields = {"signed_on": datetime.date(2026, 1, 10), **fields}
    return services.create_contract(
        actor(personas.alice), customer=customer, amount=Decimal(amount), **fields
    )


def contract_body(customer: Any, **extra: Any) -> dict[str, Any]:
    return {"customer": customer.pk, "amount": "600000.00", "signed_on": "2026-01-10", **extra}


def test_contract_create_answers_201_and_recomputes_the_customers_level(personas, customer):
    client = api_client(personas.alice)
    response = client.post("/api/v1/contracts/", contract_body(customer), format="json")
    assert response.status_code == 201, response.data
    data = response.data
    assert (data["number"], data["status"], data["expiring"], response["ETag"]) == (
        "HT-20260302-001",
        "active",
        False,
        f'"{data["id"]}-1"',
    )
    shown = client.get(f"/api/v1/customers/{customer.pk}/").data
    assert (shown["level"], shown["level_manual"], shown["cumulative_amount"]) == (
        "B",
        False,
        "600000.00",
    )


def test_contract_dates_answer_400_per_field(personas, customer):
    response = api_client(personas.alice).post(
        "/api/v1/contracts/",
        contract_body(customer, signed_on=None, starts_on="2026-05-01", ends_on="2026-04-01"),
        format="json",
    )
    assert response.status_code == 400
    assert response.data == {
        "signed_on": ["已签订的合同需要填写签订日期"],
        "ends_on": ["到期日期不能早于开始日期"],
    }


def test_contract_patch_needs_if_match_and_retiers_the_customer(personas, customer):
    made = contract(personas, customer, 600000)
    client = api_client(personas.alice)
    url = f"/api/v1/contracts/{made.pk}/"
    assert client.patch(url, {"amount": "1000000.00"}, format="json").status_code == 428
    stale = client.patch(
        url, {"amount": "1000000.00"}, format="json", HTTP_IF_MATCH=f'"{made.pk}-9"'
    )
    assert stale.status_code == 412
    done = client.patch(url, {"amount": "1000000.00"}, format="json", HTTP_IF_MATCH=etag(made))
    assert (done.status_code, done.data["version"]) == (200, 2)
    assert client.get(f"/api/v1/customers/{customer.pk}/").data["level"] == "A"


def test_contract_handover_due_and_recorded(personas, customer):
    made = contract(personas, customer, 600000, signed_on=datetime.date(2026, 1, 30))  # a Friday
    client = api_client(personas.alice)
    url = f"/api/v1/contracts/{made.pk}/"
    shown = client.get(url).data
    assert (shown["handover_on"], shown["handover_due_on"]) == (None, "2026-02-02")
    early = client.patch(
        url, {"handover_on": "2026-01-29"}, format="json", HTTP_IF_MATCH=etag(made)
    )
    assert (early.status_code, early.data) == (
        400,
        {"handover_on": ["内部交接日期不能早于签订日期"]},
    )
    done = client.patch(url, {"handover_on": "2026-02-02"}, format="json", HTTP_IF_MATCH=etag(made))
    assert (done.status_code, done.data["handover_on"], done.data["version"]) == (
        200,
        "2026-02-02",
        2,
    )


def test_contracts_are_never_deleted(personas, customer):
    made = contract(personas, customer, 1)
    assert api_client(personas.admin).delete(f"/api/v1/contracts/{made.pk}/").status_code == 405


def test_contract_filters(personas, customer, hospital):
    def make(who: Any, number: str, **fields: Any) -> None:
        fields = {"amount": Decimal(1000), "signed_on": datetime.date(2026, 1, 10), **fields}
        services.create_contract(actor(personas.alice), customer=who, number=number, **fields)

    make(customer, "HT-SOON", ends_on=datetime.date(2026, 3, 20))
    make(
        customer,
        "HT-LATER",
        ends_on=datetime.date(2026, 6, 30),
        signed_on=datetime.date(2025, 6, 1),
    )
    make(hospital, "HT-DRAFT", status="draft", signed_on=None, ends_on=datetime.date(2026, 3, 10))
    client = api_client(personas.alice)

    def numbers(query: str) -> list[str]:
        response = client.get(f"/api/v1/contracts/?ordering=id&{query}")
        assert response.status_code == 200, response.data
        return [r["number"] for r in response.data["results"]]

    assert numbers("expiring=true") == ["HT-SOON"]
    assert numbers("expiring=false") == ["HT-LATER", "HT-DRAFT"]
    assert numbers(f"customer={hospital.pk}") == ["HT-DRAFT"]
    assert numbers("status=draft") == ["HT-DRAFT"]
    assert numbers("signed_after=2026-01-01&signed_before=2026-01-31") == ["HT-SOON"]
    assert numbers("signed_before=2025-12-31") == ["HT-LATER"]


def test_the_expiring_flag_follows_the_tier_rules_warning_days(personas, customer):
    contract(personas, customer, 1000, ends_on=datetime.date(2026, 4, 15))
    client = api_client(personas.alice)
    assert [r["expiring"] for r in client.get("/api/v1/contracts/").data["results"]] == [False]
    services.save_tier_rules(actor(personas.admin), expiry_warning_days=60)
    assert [r["expiring"] for r in client.get("/api/v1/contracts/").data["results"]] == [True]
    assert len(client.get("/api/v1/contracts/?expiring=true").data["results"]) == 1


# --- orders ------------------------------------------------------------------------------------


def order(personas: Any, customer: Any, number: str = "DD-001", **fields: Any) -> Order:
    fields = {"ordered_on": datetime.date(2026, 2, 1), "amount": Decimal("12000.00"), **fields}
    return services.create_order(actor(personas.alice), customer=customer, number=number, **fields)


def test_order_create_answers_201_with_its_contract(personas, customer):
    made = contract(personas, customer, 50000, number="HT-1")
    response = api_client(personas.alice).post(
        "/api/v1/orders/",
        {
            "customer": customer.pk,
            "number": "DD-001",
            "ordered_on": "2026-02-01",
            "amount": "12000.00",
            "contract": made.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert (response.data["contract_number"], response.data["customer_name"]) == (
        "HT-1",
        "深圳市腾飞科技有限公司",
    )
    assert response["ETag"] == f'"{response.data["id"]}-1"'


def test_an_order_on_another_customers_contract_answers_400(personas, customer, hospital):
    theirs = contract(personas, hospital, 1)
    response = api_client(personas.alice).post(
        "/api/v1/orders/",
        {
            "customer": customer.pk,
            "number": "DD-1",
            "ordered_on": "2026-02-01",
            "amount": "1",
            "contract": theirs.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.data == {"contract": ["所选合同不属于该客户"]}


def test_order_patch_with_if_match(personas, customer):
    made = order(personas, customer)
    response = api_client(personas.alice).patch(
        f"/api/v1/orders/{made.pk}/",
        {"summary": "年度运维服务"},
        format="json",
        HTTP_IF_MATCH=etag(made),
    )
    assert (response.status_code, response.data["summary"], response["ETag"]) == (
        200,
        "年度运维服务",
        f'"{made.pk}-2"',
    )


def test_deleting_an_order_without_a_reason_answers_400(personas, customer):
    made = order(personas, customer)
    response = api_client(personas.alice).delete(f"/api/v1/orders/{made.pk}/")
    assert response.status_code == 400
    assert response.data == {"reason": ["删除订单需要填写原因"]}
    assert Order.objects.filter(pk=made.pk).exists()


@pytest.mark.parametrize("where", ["query", "body"])
def test_deleting_an_order_with_a_reason_answers_204(personas, customer, where):
    made = order(personas, customer)
    client = api_client(personas.alice)
    if where == "query":
        response = client.delete(f"/api/v1/orders/{made.pk}/?reason=重复录入")
    else:
        response = client.delete(
            f"/api/v1/orders/{made.pk}/", {"reason": "重复录入"}, format="json"
        )
    assert response.status_code == 204
    assert not Order.objects.exists()
    assert client.get(f"/api/v1/customers/{customer.pk}/").data["cumulative_amount"] == "0.00"


def test_order_filters(personas, customer, hospital):
    made = contract(personas, customer, 1)
    order(personas, customer, "DD-1", contract=made)
    order(personas, customer, "DD-2", ordered_on=datetime.date(2025, 12, 1))
    order(personas, hospital, "DD-3", ordered_on=datetime.date(2026, 2, 20))
    client = api_client(personas.alice)

    def numbers(query: str) -> list[str]:
        response = client.get(f"/api/v1/orders/?ordering=id&{query}")
        assert response.status_code == 200, response.data
        return [r["number"] for r in response.data["results"]]

    assert numbers(f"customer={customer.pk}") == ["DD-1", "DD-2"]
    assert numbers(f"contract={made.pk}") == ["DD-1"]
    assert numbers("ordered_after=2026-01-01") == ["DD-1", "DD-3"]
    assert numbers("ordered_after=2026-01-01&ordered_before=2026-02-10") == ["DD-1"]


# --- the customer's level ----------------------------------------------------------------------


def test_a_level_override_holds_the_level(personas, customer):
    client = api_client(personas.alice)
    url = f"/api/v1/customers/{customer.pk}/level-override/"
    response = client.post(url, {"level": "A", "reason": "集团框架协议"}, format="json")
    assert (response.status_code, response.data) == (
        200,
        {"id": customer.pk, "level": "A", "level_manual": True},
    )
    shown = client.get(f"/api/v1/customers/{customer.pk}/").data
    assert (shown["level"], shown["level_manual"]) == ("A", True)


def test_a_level_override_without_a_reason_answers_400(personas, customer):
    response = api_client(personas.alice).post(
        f"/api/v1/customers/{customer.pk}/level-override/", {"level": "A"}, format="json"
    )
    assert response.status_code == 400
    assert response.data == {"reason": ["手动指定客户等级需要填写原因"]}


def test_clearing_the_override_goes_back_to_the_computed_level(personas, customer):
    contract(personas, customer, 600000)
    services.set_level_override(actor(personas.alice), customer, level="C", reason="试用期")
    url = f"/api/v1/customers/{customer.pk}/level-override/"
    response = api_client(personas.alice).delete(url)
    assert (response.status_code, response.data) == (
        200,
        {"id": customer.pk, "level": "B", "level_manual": False},
    )
    again = api_client(personas.alice).delete(url)
    assert (again.status_code, again.data) == (400, {"level": ["该客户的等级已是自动计算"]})


def test_a_level_override_answers_404_for_hidden_and_403_for_service_staff(personas, customer):
    url = f"/api/v1/customers/{customer.pk}/level-override/"
    body = {"level": "A", "reason": "集团框架协议"}
    assert api_client(personas.dave).post(url, body, format="json").status_code == 404
    assert api_client(personas.erin).post(url, body, format="json").status_code == 403
    customer.refresh_from_db()
    assert (customer.level, customer.level_manual) == ("C", False)


# --- tier rules --------------------------------------------------------------------------------


def test_tier_rules_read_the_seed_defaults(personas):
    response = api_client(personas.alice).get("/api/v1/tier-rules/")
    assert response.data == {
        "strategic_threshold": "1000000.00",
        "key_threshold": "500000.00",
        "expiry_warning_days": 30,
        "updated_at": None,
        "updated_by": None,
    }


def test_only_administrators_change_tier_rules(personas):
    response = api_client(personas.carol).patch(
        "/api/v1/tier-rules/", {"expiry_warning_days": 60}, format="json"
    )
    assert response.status_code == 403
    assert services.tier_rules().expiry_warning_days == 30


def test_changing_a_threshold_retiers_the_customers(personas, customer):
    contract(personas, customer, 800000)
    response = api_client(personas.admin).patch(
        "/api/v1/tier-rules/",
        {"strategic_threshold": "800000.00", "reason": "年度调整"},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert (response.data["strategic_threshold"], response.data["updated_by"]) == (
        "800000.00",
        personas.admin.pk,
    )
    assert api_client(personas.alice).get(f"/api/v1/customers/{customer.pk}/").data["level"] == "A"


def test_put_needs_every_threshold(personas):
    response = api_client(personas.admin).put(
        "/api/v1/tier-rules/", {"expiry_warning_days": 60}, format="json"
    )
    assert response.status_code == 400
    assert set(response.data) == {"strategic_threshold", "key_threshold"}


def test_a_key_threshold_above_the_strategic_one_answers_400(personas):
    response = api_client(personas.admin).put(
        "/api/v1/tier-rules/",
        {
            "strategic_threshold": "1000000.00",
            "key_threshold": "2000000.00",
            "expiry_warning_days": 30,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.data == {"key_threshold": ["重点客户下限不能高于战略客户下限"]}


def test_objections_are_raised_listed_and_answered_with_their_24_hour_clock(personas, customer):
    opp = opportunity(personas.alice, customer)
    client = api_client(personas.alice)
    url = f"/api/v1/opportunities/{opp.pk}/objections/"

    blank = client.post(url, {"content": "  "}, format="json")
    made = client.post(
        url,
        {"content": "报价比预算高 15%", "raised_at": "2026-02-27T09:00:00+08:00"},
        format="json",
    )
    now = client.post(url, {"content": "实施周期太长"}, format="json")
    listed = client.get(url)

    assert (blank.status_code, blank.data) == (400, {"content": ["请填写客户的异议内容"]})
    assert (made.status_code, made.data["due_at"], made.data["clock"]) == (
        201,
        "2026-02-28T09:00:00+08:00",
        "breached",
    )
    assert (now.data["raised_at"], now.data["due_at"], now.data["clock"]) == (
        "2026-03-02T10:00:00+08:00",
        "2026-03-03T10:00:00+08:00",
        "open",
    )
    assert [row["content"] for row in listed.data] == ["报价比预算高 15%", "实施周期太长"]

    answer = f"/api/v1/opportunities/{opp.pk}/answer-objection/"
    other = opportunity(personas.alice, customer, name="另一个商机")
    wrong = client.post(
        f"/api/v1/opportunities/{other.pk}/answer-objection/",
        {"objection": now.data["id"], "answer": "x"},
        format="json",
    )
    done = client.post(answer, {"objection": now.data["id"], "answer": "分两期实施"}, format="json")
    twice = client.post(answer, {"objection": now.data["id"], "answer": "再答"}, format="json")

    assert (wrong.status_code, wrong.data) == (400, {"objection": ["该商机没有这条异议"]})
    assert (done.status_code, done.data["answer"], done.data["clock"]) == (200, "分两期实施", "met")
    assert (twice.status_code, twice.data) == (400, {"answer": ["该异议已答复"]})


def test_objections_of_a_hidden_or_read_only_opportunity(personas, customer):
    opp = opportunity(personas.alice, customer)
    url = f"/api/v1/opportunities/{opp.pk}/objections/"

    hidden = api_client(personas.dave).post(url, {"content": "价格偏高"}, format="json")
    read = api_client(personas.erin).get(url)
    refused = api_client(personas.erin).post(url, {"content": "价格偏高"}, format="json")

    assert (hidden.status_code, read.status_code, refused.status_code) == (404, 200, 403)
    assert not opp.objections.exists()

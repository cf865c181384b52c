"""The customer REST API: shapes, concurrency, errors, filters, paging."""

import pytest

from crm.audit.models import AuditEvent
from crm.core.testing import actor, api_client
from crm.customers import services
from crm.customers.models import Customer, Industry, Region

pytestmark = pytest.mark.django_db
USCC = "91110108551385082Q"


def test_create_answers_201_with_number_etag_and_masked_nothing(personas):
    client = api_client(personas.alice)
    response = client.post(
        "/api/v1/customers/",
        {
            "name": "深圳市腾飞科技有限公司",
            "uscc": USCC,
            "industry": "65",
            "region": "440300",
            "tags": ["重点客户"],
            "contacts": [{"name": "单田芳", "mobile": "13812345678"}],
            "addresses": [{"kind": "hq", "region": "440300", "detail": "南山区科技园"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    body = response.data
    assert body["number"].startswith("CRM-")
    assert body["industry_name"] == "软件和信息技术服务业"
    assert body["region_name"] == "广东省 深圳市"
    assert body["tags"] == ["重点客户"]
    assert body["addresses"][0]["detail"] == "南山区科技园"
    assert response["ETag"] == f'"{body["id"]}-1"'
    assert AuditEvent.objects.filter(action="customer.create", source="api").count() == 1


def test_invalid_input_answers_400_with_field_messages_in_chinese(personas):
    response = api_client(personas.alice).post(
        "/api/v1/customers/", {"name": "", "uscc": "123", "stage": "potential"}, format="json"
    )
    assert response.status_code == 400
    assert "name" in response.data
    assert response.data["uscc"] == ["统一社会信用代码应为18位"]
    assert Customer.objects.count() == 0


def test_duplicate_answers_409_with_the_masked_hint(personas, customer_of):
    customer_of(personas.alice, name="深圳市腾飞科技有限公司", uscc=USCC)
    response = api_client(personas.dave).post(
        "/api/v1/customers/", {"name": "深圳市腾飞科技股份有限公司"}, format="json"
    )
    assert response.status_code == 409
    assert response.data["code"] == "duplicate"
    assert response.data["hint"] == "已存在: 深圳市腾飞科… 负责人 张*"
    assert response.data["existing_id"] is None
    assert "张爱丽" not in response.content.decode()


def test_patch_without_if_match_answers_428(personas, customer_of):
    customer = customer_of(personas.alice)
    response = api_client(personas.alice).patch(
        f"/api/v1/customers/{customer.pk}/", {"notes": "新"}, format="json"
    )
    assert response.status_code == 428
    customer.refresh_from_db()
    assert customer.notes == ""


def test_patch_with_stale_if_match_answers_412_and_changes_nothing(personas, customer_of):
    customer = customer_of(personas.alice)
    client = api_client(personas.alice)
    etag = client.get(f"/api/v1/customers/{customer.pk}/")["ETag"]
    first = client.patch(
        f"/api/v1/customers/{customer.pk}/", {"notes": "甲"}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200
    assert first["ETag"] == f'"{customer.pk}-2"'
    second = client.patch(
        f"/api/v1/customers/{customer.pk}/", {"notes": "乙"}, format="json", HTTP_IF_MATCH=etag
    )
    assert second.status_code == 412
    assert second.data["current_version"] == 2
    customer.refresh_from_db()
    assert customer.notes == "甲"


def test_other_teams_customer_answers_404_everywhere(personas, customer_of):
    customer = customer_of(personas.dave)
    client = api_client(personas.alice)
    assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert (
        client.patch(
            f"/api/v1/customers/{customer.pk}/",
            {"notes": "x"},
            format="json",
            HTTP_IF_MATCH=f'"{customer.pk}-1"',
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/customers/{customer.pk}/stage/",
            {"stage": "intent", "reason": "x"},
            format="json",
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/customers/{customer.pk}/timeline/").status_code == 404


def test_service_staff_read_but_may_not_edit(personas, customer_of):
    customer = customer_of(personas.alice)
    client = api_client(personas.erin)
    assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 200
    response = client.patch(
        f"/api/v1/customers/{customer.pk}/",
        {"notes": "x"},
        format="json",
        HTTP_IF_MATCH=f'"{customer.pk}-1"',
    )
    assert response.status_code == 403
    assert response.data["detail"] == "您只能查看该客户,不能修改"


def test_stage_action_and_lost_reason(personas, customer_of):
    customer = customer_of(personas.alice)
    client = api_client(personas.alice)
    url = f"/api/v1/customers/{customer.pk}/stage/"
    missing = client.post(url, {"stage": "lost", "reason": "停止合作"}, format="json")
    assert missing.status_code == 400
    assert missing.data == {"churn_reason": ["转为流失客户时必须填写流失原因"]}
    done = client.post(
        url, {"stage": "lost", "reason": "停止合作", "churn_reason": "价格因素"}, format="json"
    )
    assert done.status_code == 200
    assert (done.data["stage"], done.data["status"]) == ("lost", "lost")
    transitions = client.get(f"/api/v1/customers/{customer.pk}/transitions/").data
    assert [(t["from_stage"], t["to_stage"]) for t in transitions] == [
        ("potential", "lost"),
        ("potential", "potential"),
    ]


def test_transfer_action(personas, customer_of):
    customer = customer_of(personas.alice)
    url = f"/api/v1/customers/{customer.pk}/transfer/"
    body = {"owner": personas.bob.pk, "reason": "调整分工"}
    assert api_client(personas.alice).post(url, body, format="json").status_code == 403
    response = api_client(personas.carol).post(url, body, format="json")
    assert response.status_code == 200
    assert response.data["owner"] == personas.bob.pk


def test_collaborator_actions(personas, customer_of):
    customer = customer_of(personas.alice)
    client = api_client(personas.alice)
    url = f"/api/v1/customers/{customer.pk}/collaborators/"
    assert client.post(url, {"user": personas.bob.pk}, format="json").data["collaborators"] == [
        personas.bob.pk
    ]
    assert api_client(personas.bob).get(f"/api/v1/customers/{customer.pk}/").status_code == 200
    assert client.delete(url, {"user": personas.bob.pk}, format="json").data["collaborators"] == []


def test_check_duplicate_action(personas, customer_of):
    customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    client = api_client(personas.erin)
    response = client.post(
        "/api/v1/customers/check-duplicate/",
        {"name": "深圳市腾飞科技（中国）有限公司"},
        format="json",
    )
    assert response.status_code == 200
    assert response.data["exists"] is True
    assert response.data["hint"] == "已存在: 深圳市腾飞科… 负责人 张*"
    empty = client.post("/api/v1/customers/check-duplicate/", {}, format="json")
    assert empty.status_code == 400
    assert empty.data == {"non_field_errors": ["请填写客户名称或统一社会信用代码"]}


def test_claim_flow_through_the_api(personas, customer_of):
    customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    refused = api_client(personas.dave).post(
        "/api/v1/customers/", {"name": "深圳市腾飞科技"}, format="json"
    )
    token = refused.data["claim_token"]
    created = api_client(personas.dave).post(
        "/api/v1/duplicate-claims/", {"claim_token": token, "note": "我先联系"}, format="json"
    )
    assert created.status_code == 201
    claim_id = created.data["id"]
    assert (
        api_client(personas.alice)
        .post(f"/api/v1/duplicate-claims/{claim_id}/resolve/", {"approve": True}, format="json")
        .status_code
        == 404
    )
    resolved = api_client(personas.carol).post(
        f"/api/v1/duplicate-claims/{claim_id}/resolve/",
        {"approve": False, "resolution": "alice 在跟"},
        format="json",
    )
    assert resolved.status_code == 200
    assert resolved.data["status"] == "rejected"


def test_timeline_lists_events_newest_first(personas, customer_of):
    customer = customer_of(personas.alice)
    services.update_customer(actor(personas.alice), customer, notes="一")
    services.change_stage(actor(personas.alice), customer, stage="intent", reason="需求明确")
    response = api_client(personas.alice).get(f"/api/v1/customers/{customer.pk}/timeline/")
    actions = [e["action"] for e in response.data["results"]]
    assert actions == ["customer.stage", "customer.update", "customer.create"]


def test_timeline_masks_contact_mobiles_for_viewers_without_the_full_view(personas, customer_of):
    customer = customer_of(personas.alice, contacts=[{"name": "王五", "mobile": "13812345678"}])
    events = api_client(personas.erin).get(f"/api/v1/customers/{customer.pk}/timeline/").data
    contact_event = next(e for e in events["results"] if e["action"] == "contact.create")
    assert contact_event["changes"]["mobile"] == {"before": None, "after": "138****5678"}
    own = api_client(personas.alice).get(f"/api/v1/customers/{customer.pk}/timeline/").data
    contact_event = next(e for e in own["results"] if e["action"] == "contact.create")
    assert contact_event["changes"]["mobile"]["after"] == "13812345678"


def test_list_filters_search_and_cursor_paging(personas, customer_of):
    for i in range(5):
        customer_of(personas.alice, name=f"杭州分页{i}号有限公司", level="A" if i % 2 else "C")
    customer_of(
        personas.alice,
        name="深圳市腾飞科技有限公司",
        region=Region.objects.get(code="440300"),
        industry=Industry.objects.get(code="65"),
    )
    client = api_client(personas.alice)
    page = client.get("/api/v1/customers/?page_size=2").data
    assert len(page["results"]) == 2
    assert page["next"] is not None
    second = client.get(page["next"]).data
    assert len(second["results"]) == 2
    assert {r["id"] for r in page["results"]}.isdisjoint({r["id"] for r in second["results"]})
    assert len(client.get("/api/v1/customers/?level=A").data["results"]) == 2
    assert [r["name"] for r in client.get("/api/v1/customers/?region=440000").data["results"]] == [
        "深圳市腾飞科技有限公司"
    ]
    assert [r["name"] for r in client.get("/api/v1/customers/?industry=I").data["results"]] == [
        "深圳市腾飞科技有限公司"
    ]
    assert [r["name"] for r in client.get("/api/v1/customers/?q=szstf").data["results"]] == [
        "深圳市腾飞科技有限公司"
    ]
    names = [
        r["name"] for r in client.get("/api/v1/customers/?ordering=name&q=分页").data["results"]
    ]
    assert names == sorted(names)


def test_custom_field_filters(personas, customer_of):
    services.save_custom_field(
        actor(personas.admin), key="score", label="满意度评分", type="integer"
    )
    for score in (60, 85, 95):
        customer_of(personas.alice, custom={"score": score})
    client = api_client(personas.alice)
    assert len(client.get("/api/v1/customers/?cf_score=85").data["results"]) == 1
    assert len(client.get("/api/v1/customers/?cf_score__gte=85").data["results"]) == 2
    bad = client.get("/api/v1/customers/?cf_score=很好")
    assert bad.status_code == 400
    assert bad.data == {"cf_score": ["满意度评分应为整数"]}
    assert client.get("/api/v1/customers/?cf_nope=1").status_code == 400


def test_number_rule_read_by_all_set_by_admin(personas):
    assert api_client(personas.alice).get("/api/v1/number-rule/").data["pattern"] == (
        "CRM-{YYYYMMDD}-{SEQ:3}"
    )
    assert (
        api_client(personas.carol)
        .post("/api/v1/number-rule/", {"pattern": "{IND}{YYYY}{SEQ:3}"}, format="json")
        .status_code
        == 403
    )
    bad = api_client(personas.admin).post("/api/v1/number-rule/", {"pattern": "CRM"}, format="json")
    assert bad.status_code == 400
    ok = api_client(personas.admin).post(
        "/api/v1/number-rule/", {"pattern": "{IND}{YYYY}{SEQ:3}"}, format="json"
    )
    assert ok.data["pattern"] == "{IND}{YYYY}{SEQ:3}"


def test_reference_lists(personas):
    client = api_client(personas.erin)
    industries = client.get("/api/v1/industries/?parent=I").data
    assert [i["code"] for i in industries] == ["63", "64", "65"]
    regions = client.get("/api/v1/regions/?parent=110000").data
    assert "海淀区" in [r["name"] for r in regions]
    assert len(client.get("/api/v1/regions/?level=province").data) == 34


def test_addresses_are_added_changed_and_removed_with_the_timeline(personas, customer_of):
    customer = customer_of(personas.alice, addresses=[{"kind": "hq", "detail": "西湖区文三路1号"}])
    client = api_client(personas.alice)
    url = f"/api/v1/customers/{customer.pk}/addresses/"
    second_hq = client.post(url, {"kind": "hq", "detail": "滨江区"}, format="json")
    assert second_hq.status_code == 400
    assert second_hq.data == {
        "non_field_errors": ["每个客户只能有一个总部地址,其他地址请选择分支机构"]
    }
    branch = client.post(
        url,
        {"kind": "branch", "label": "上海分公司", "region": "310115", "detail": "世纪大道100号"},
        format="json",
    )
    assert branch.status_code == 201
    assert branch.data["region_name"] == "上海市 浦东新区"
    moved = client.patch(f"{url}{branch.data['id']}/", {"detail": "世纪大道200号"}, format="json")
    assert moved.data["detail"] == "世纪大道200号"
    assert client.delete(f"{url}{branch.data['id']}/").status_code == 204
    assert client.delete(f"{url}{branch.data['id']}/").status_code == 404
    customer.refresh_from_db()
    assert customer.version == 4
    changes = [
        e.changes["addresses"]
        for e in AuditEvent.objects.filter(action="customer.address").order_by("id")
    ]
    assert changes[0]["after"] == [
        "总部地址 西湖区文三路1号",
        "分支机构地址 上海市 浦东新区世纪大道100号",
    ]
    assert changes[2]["after"] == ["总部地址 西湖区文三路1号"]


def test_admin_defines_a_custom_field_that_sales_then_fill(personas, customer_of):
    created = api_client(personas.admin).post(
        "/api/v1/custom-fields/",
        {
            "key": "competitor",
            "label": "竞品动态",
            "type": "choice",
            "choices": ["A公司", "B公司"],
        },
        format="json",
    )
    assert created.status_code == 201
    no_choices = api_client(personas.admin).post(
        "/api/v1/custom-fields/",
        {"key": "level2", "label": "二级", "type": "choice"},
        format="json",
    )
    assert no_choices.status_code == 400
    assert no_choices.data == {"choices": ["单选字段需要至少一个可选值(文本列表)"]}
    response = api_client(personas.alice).post(
        "/api/v1/customers/",
        {"name": "宁波海曙贸易有限公司", "custom": {"competitor": "C公司"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.data == {"custom": ["竞品动态只能是: A公司、B公司"]}
    renamed = api_client(personas.admin).patch(
        f"/api/v1/custom-fields/{created.data['id']}/",
        {"key": "other", "label": "竞品"},
        format="json",
    )
    assert (renamed.data["key"], renamed.data["label"]) == ("competitor", "竞品")


def test_admin_adds_and_retires_a_customer_source(personas):
    client = api_client(personas.admin)
    created = client.post("/api/v1/sources/", {"name": "抖音"}, format="json")
    assert created.status_code == 201
    assert client.post("/api/v1/sources/", {"name": "抖音"}, format="json").status_code == 400
    retired = client.patch(
        f"/api/v1/sources/{created.data['id']}/", {"is_active": False}, format="json"
    )
    assert retired.data["is_active"] is False
    refused = api_client(personas.alice).post(
        "/api/v1/customers/",
        {"name": "宁波海曙贸易有限公司", "source": created.data["id"]},
        format="json",
    )
    assert refused.status_code == 400
    assert list(refused.data) == ["source"]

"""The customer create and edit pages: saving through the services, inline checks, conflicts."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client

from crm.audit.models import AuditEvent
from crm.contacts.models import Contact
from crm.core import testing
from crm.customers import services
from crm.customers.choices import CustomFieldType
from crm.customers.models import (
    Address,
    Customer,
    CustomFieldDefinition,
    Industry,
    Region,
    Source,
)

pytestmark = pytest.mark.django_db

USCC = "91440300708461136T"
OTHER_USCC = "91310000MA1FL1234Q"
HX = {"HX-Request": "true"}
# Every signed-in request: the session read and the user (the session is re-saved at most
# every five minutes, not on every request).
BASE = 2


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def warm(client: Client) -> Client:
    """One request first: the session's first save and the first-admin check are not counted."""
    client.get("/customers/regions/")
    return client


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def value_of(page: str, name: str) -> str:
    """The value attribute of the input called `name` in a rendered page."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no input {name}"
    found = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(found.group(1)) if found else ""


def selected(page: str, name: str) -> list[str]:
    block = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert block, f"no select {name}"
    return re.findall(r'<option value="([^"]*)"[^>]*\bselected', block.group(1))


def minimal(**extra: Any) -> dict[str, Any]:
    data = {"name": "深圳市腾飞科技有限公司", "kind": "enterprise", "status": "normal"}
    return {**data, **extra}


def edit_data(page: str, **changes: Any) -> dict[str, Any]:
    """What the edit page would post back untouched, with `changes` typed over it."""
    data = {
        name: value_of(page, name)
        for name in (
            "name",
            "short_name",
            "uscc",
            "version",
            "seen",
            "original",
            "tags",
            "main_products",
        )
    }
    for name in ("kind", "level", "status", "province", "city", "industry"):
        chosen = selected(page, name)
        data[name] = chosen[0] if chosen else ""
    return {**data, **changes}


@pytest.fixture
def tengfei(personas: Any, customer_of: Any) -> Customer:
    return customer_of(personas.alice, name="深圳市腾飞科技有限公司", uscc=USCC)


# --- create ---------------------------------------------------------------------------------


def test_create_saves_customer_contact_address_tags_and_audit(personas: Any) -> None:
    source = Source.objects.get(name="行业展会")
    data = minimal(
        short_name="腾飞",
        uscc="9144 0300 7084 6113 6t",
        industry="65",
        province="440000",
        city="440300",
        source=str(source.pk),
        level="B",
        intent="high",
        need_keywords="CRM 私有化",
        founded_on="2015-06-01",
        headcount="100_299",
        annual_revenue="12000000.50",
        preferred_channel="wechat",
        flag_to_verify="on",
        tags="重点客户, 华南区域、重点客户",
        contact_name="王芳",
        contact_title="采购经理",
        contact_mobile="138 1234 5678",
        contact_email="Wang.Fang@Tengfei.CN",
        hq_province="440000",
        hq_city="440300",
        hq_detail="南山区科技园 1 号",
        notes="展会上认识",
    )
    response = signed_in(personas.alice).post("/customers/new/", data)

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert (customer.name, customer.short_name, customer.uscc) == (
        "深圳市腾飞科技有限公司",
        "腾飞",
        USCC,
    )
    assert (customer.industry_id, customer.region_id, customer.source_id) == (
        "65",
        "440300",
        source.pk,
    )
    assert (customer.level, customer.level_manual, customer.intent) == ("B", True, "high")
    assert str(customer.annual_revenue) == "12000000.50"
    assert str(customer.founded_on) == "2015-06-01"
    assert (customer.flag_to_verify, customer.flag_complaint) == (True, False)
    assert (customer.owner, customer.created_by) == (personas.alice, personas.alice)
    assert sorted(t.name for t in customer.tags.all()) == ["华南区域", "重点客户"]
    contact = Contact.objects.get(customer=customer)
    assert (contact.name, contact.title, contact.mobile, contact.email, contact.is_primary) == (
        "王芳",
        "采购经理",
        "13812345678",
        "Wang.Fang@tengfei.cn",
        True,
    )
    address = Address.objects.get(customer=customer)
    assert (address.kind, address.region_id, address.detail) == (
        "hq",
        "440300",
        "南山区科技园 1 号",
    )
    event = AuditEvent.objects.get(customer=customer, action="customer.create")
    assert (event.actor, event.source) == (personas.alice, "web")
    assert event.changes["name"] == {"before": None, "after": "深圳市腾飞科技有限公司"}
    assert event.changes["tags"]["after"] == ["华南区域", "重点客户"]


def test_create_success_message_shows_on_customer_page(personas: Any) -> None:
    client = signed_in(personas.alice)

    response = client.post("/customers/new/", minimal(), follow=True)

    assert response.status_code == 200
    assert "已新建客户 深圳市腾飞科技有限公司" in text(response)


def test_create_without_level_keeps_automatic_level(personas: Any) -> None:
    signed_in(personas.alice).post("/customers/new/", minimal(level=""))

    customer = Customer.objects.get()
    assert (customer.level, customer.level_manual) == ("C", False)


def test_create_errors_are_chinese_and_keep_typed_values(personas: Any) -> None:
    data = minimal(
        name="",
        short_name="腾飞<b>",
        uscc="91440300708461136X",
        contact_name="王芳",
        contact_mobile="12345",
        contact_email="not-an-email",
        hq_province="440000",
        hq_city="440300",
        tags="重点客户",
    )
    response = signed_in(personas.alice).post("/customers/new/", data)

    page = text(response)
    assert response.status_code == 200
    assert "该字段是必填项。" in page
    assert "统一社会信用代码校验位不正确" in page
    assert "手机号码格式不正确,应为11位数字,以1开头" in page
    assert "邮箱地址格式不正确" in page
    assert "请填写详细地址" in page
    raw = response.content.decode()
    assert value_of(raw, "short_name") == "腾飞<b>"
    assert "<b>" not in raw  # escaped, never markup
    assert value_of(page, "contact_mobile") == "12345"
    assert value_of(page, "tags") == "重点客户"
    assert selected(page, "hq_city") == ["440300"]
    assert Customer.objects.count() == 0


def test_create_bad_input_never_500s_and_keeps_values(personas: Any) -> None:
    data = minimal(
        name="坏\x00名字",
        province="999999",
        city="330100",
        industry="ZZ",
        annual_revenue="一千万",
        founded_on="2023-13-45",
        kind="alien",
        tags="x" * 31,
    )

    response = signed_in(personas.alice).post("/customers/new/", data)

    page = text(response)
    assert response.status_code == 200
    assert "请选择列表中的省份" in page
    assert "输入一个数字。" in page
    assert f"每个标签最多 30 个字:{'x' * 31}" in page
    assert value_of(page, "annual_revenue") == "一千万"
    assert value_of(page, "founded_on") == "2023-13-45"
    assert Customer.objects.count() == 0


def test_city_outside_the_province_is_refused(personas: Any) -> None:
    data = minimal(province="440000", city="330100")

    page = text(signed_in(personas.alice).post("/customers/new/", data))

    assert "所选城市不属于所选省份" in page
    assert Customer.objects.count() == 0


def test_create_individual_with_uscc_is_refused_by_the_service(personas: Any) -> None:
    response = signed_in(personas.alice).post(
        "/customers/new/", minimal(name="王小明", kind="individual", uscc=USCC)
    )

    assert "个人客户不填写统一社会信用代码" in text(response)
    assert Customer.objects.count() == 0


def test_create_bad_custom_field_value_is_shown_and_nothing_saved(personas: Any) -> None:
    CustomFieldDefinition.objects.create(
        key="score", label="满意度评分", type=CustomFieldType.INTEGER
    )

    response = signed_in(personas.alice).post("/customers/new/", minimal(cf_score="九十"))

    page = text(response)
    assert "满意度评分应为整数" in page
    assert value_of(page, "cf_score") == "九十"
    assert Customer.objects.count() == 0


def test_create_saves_typed_custom_fields(personas: Any) -> None:
    CustomFieldDefinition.objects.create(
        key="score", label="满意度评分", type=CustomFieldType.INTEGER
    )
    CustomFieldDefinition.objects.create(key="vip", label="VIP", type=CustomFieldType.BOOLEAN)

    signed_in(personas.alice).post("/customers/new/", minimal(cf_score=" 95 ", cf_vip="true"))

    assert Customer.objects.get().custom == {"score": 95, "vip": True}


def test_duplicate_name_is_refused_with_masked_hint(personas: Any, customer_of: Any) -> None:
    customer_of(personas.dave, name="深圳市腾飞科技有限公司")

    response = signed_in(personas.alice).post(
        "/customers/new/", minimal(name="深圳市腾飞科技(有限公司)", notes="保留")
    )

    page = text(response)
    assert "客户名称与已有客户重复。已存在: 深圳市腾飞科… 负责人 邓*" in page
    assert value_of(page, "name") == "深圳市腾飞科技(有限公司)"
    assert "保留" in page
    assert Customer.objects.count() == 1


def test_duplicate_uscc_is_refused_on_the_uscc_field(personas: Any, tengfei: Customer) -> None:
    response = signed_in(personas.bob).post(
        "/customers/new/", minimal(name="另一家公司", uscc=USCC)
    )

    assert "统一社会信用代码与已有客户重复。已存在: 深圳市腾飞科… 负责人 张*" in text(response)
    assert Customer.objects.count() == 1


def test_service_staff_cannot_open_or_post_the_create_page(personas: Any) -> None:
    client = signed_in(personas.erin)

    assert client.get("/customers/new/").status_code == 403
    assert client.post("/customers/new/", minimal()).status_code == 403
    assert Customer.objects.count() == 0


def test_anonymous_is_sent_to_login(personas: Any) -> None:
    response = Client().get("/customers/new/")

    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_nav_shows_new_customer_only_to_creators(personas: Any) -> None:
    assert 'data-nav="customer_new"' in text(signed_in(personas.alice).get("/customers/"))
    assert 'data-nav="customer_new"' not in text(signed_in(personas.erin).get("/customers/"))


def test_create_page_has_sections_and_no_inline_script_or_style(personas: Any) -> None:
    page = signed_in(personas.alice).get("/customers/new/").content.decode()

    for title in ("基本信息", "经营信息", "合作信息", "服务偏好", "备注", "主要联系人", "总部地址"):
        assert f">{title}</h2>" in page
    assert 'id="customer-form"' in page and 'id="customer-form-submit"' in page
    assert 'id="name-duplicate-hint"' in page
    assert "<script>" not in page and "style=" not in page and " onclick" not in page
    assert "hx-on" not in page


def test_no_js_refresh_rerenders_cities_without_saving(personas: Any) -> None:
    data = minimal(province="330000", refresh="province", notes="先别存")

    response = signed_in(personas.alice).post("/customers/new/", data)

    page = text(response)
    assert '<option value="330100">杭州市</option>' in page
    assert "先别存" in page
    assert "该字段是必填项" not in page
    assert Customer.objects.count() == 0


# --- inline checks and pickers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "data", "expected"),
    [
        ("uscc", {"uscc": "9144030070846113"}, "统一社会信用代码应为18位"),
        ("uscc", {"uscc": "91440300708461136X"}, "统一社会信用代码校验位不正确"),
        ("uscc", {"uscc": OTHER_USCC}, "格式正确"),
        ("uscc", {"uscc": OTHER_USCC, "kind": "individual"}, "个人客户不填写统一社会信用代码"),
        ("mobile", {"contact_mobile": "1381234567"}, "手机号码格式不正确,应为11位数字,以1开头"),
        ("mobile", {"contact_mobile": "+86 138-1234-5678"}, "格式正确"),
        ("email", {"contact_email": "a@b"}, "邮箱地址格式不正确"),
        ("email", {"contact_email": "wang@example.com"}, "格式正确"),
    ],
)
def test_inline_validation_answers_in_chinese(
    personas: Any, check: str, data: dict[str, str], expected: str
) -> None:
    response = signed_in(personas.alice).post(f"/customers/validate/{check}/", data, headers=HX)

    assert response.status_code == 200
    assert expected in text(response)
    state = "valid" if expected == "格式正确" else "invalid"
    assert f'data-state="{state}"' in response.content.decode()


def test_inline_validation_of_empty_value_is_silent(personas: Any) -> None:
    response = signed_in(personas.alice).post("/customers/validate/uscc/", {"uscc": " "})

    assert response.content.decode().strip() == ""


def test_inline_validation_of_unknown_field_is_404(personas: Any) -> None:
    response = signed_in(personas.alice).post("/customers/validate/password/", {"value": "x"})

    assert response.status_code == 404


def test_inline_uscc_check_reports_an_existing_customer(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.dave)

    page = text(client.post("/customers/validate/uscc/", {"uscc": USCC}, headers=HX))

    assert "统一社会信用代码与已有客户重复。已存在: 深圳市腾飞科… 负责人 张*" in page


def test_inline_uscc_check_ignores_the_customer_being_edited(
    personas: Any, tengfei: Customer
) -> None:
    data = {"uscc": USCC, "exclude": str(tengfei.pk)}

    page = text(signed_in(personas.alice).post("/customers/validate/uscc/", data, headers=HX))

    assert "格式正确" in page


def test_duplicate_hint_is_masked_for_another_teams_customer(
    personas: Any, tengfei: Customer
) -> None:
    data = {"name": "深圳市腾飞科技有限公司", "kind": "enterprise"}

    response = signed_in(personas.dave).post("/customers/check-duplicate/", data, headers=HX)

    page = text(response)
    assert "已存在: 深圳市腾飞科… 负责人 张*" in page
    assert f"/customers/{tengfei.pk}/" not in page  # dave may not see it: no link, no id


def test_duplicate_hint_links_a_visible_customer(personas: Any, tengfei: Customer) -> None:
    data = {"name": "深圳市腾飞科技", "kind": "enterprise"}

    page = text(signed_in(personas.carol).post("/customers/check-duplicate/", data, headers=HX))

    assert "已存在: 深圳市腾飞科… 负责人 张*" in page
    assert f'href="/customers/{tengfei.pk}/"' in page


def test_duplicate_hint_is_empty_for_a_new_name_and_for_self(
    personas: Any, tengfei: Customer
) -> None:
    client = signed_in(personas.alice)
    new = client.post("/customers/check-duplicate/", {"name": "全新公司", "kind": "enterprise"})
    itself = client.post(
        "/customers/check-duplicate/",
        {"name": "深圳市腾飞科技有限公司", "kind": "enterprise", "exclude": str(tengfei.pk)},
    )

    assert new.content.decode().strip() == ""
    assert itself.content.decode().strip() == ""


def test_region_cascade_lists_cities_of_the_province(personas: Any) -> None:
    client = signed_in(personas.alice)

    page = text(client.get("/customers/regions/?parent=330000", headers=HX))
    by_select_name = text(client.get("/customers/regions/?hq_province=440000", headers=HX))
    empty = text(client.get("/customers/regions/?parent=", headers=HX))

    assert page.startswith('<option value="">请选择城市</option>')
    assert '<option value="330100">杭州市</option>' in page
    assert "深圳市" not in page
    assert '<option value="440300">深圳市</option>' in by_select_name
    assert empty.strip() == '<option value="">请先选择省份</option>'


def test_industry_search_by_name_groups_by_section(personas: Any) -> None:
    page = text(signed_in(personas.alice).get("/customers/industries/?q=软件", headers=HX))

    assert '<optgroup label="I 信息传输、软件和信息技术服务业">' in page
    assert '<option value="65">65 软件和信息技术服务业</option>' in page
    assert 'value="01"' not in page


def test_industry_search_by_code_and_keeps_the_chosen_one(personas: Any) -> None:
    client = signed_in(personas.alice)

    page = text(client.get("/customers/industries/?q=65&industry=01", headers=HX))
    section = text(client.get("/customers/industries/?q=i", headers=HX))
    nothing = text(client.get("/customers/industries/?q=不存在的行业", headers=HX))

    assert 'value="65"' in page
    assert '<option value="01" selected>' in page
    assert 'value="I"' in section and 'value="63"' in section and 'value="01"' not in section
    assert "没有匹配的行业" in nothing


# --- edit -----------------------------------------------------------------------------------


def test_edit_page_shows_stored_values_and_lock(personas: Any, customer_of: Any) -> None:
    customer = customer_of(
        personas.alice,
        name="深圳市腾飞科技有限公司",
        industry=Industry.objects.get(code="65"),
        region=Region.objects.get(code="440300"),
        tags=["重点客户", "华南"],
    )
    newest = AuditEvent.objects.filter(customer=customer).latest("id")

    page = text(signed_in(personas.alice).get(f"/customers/{customer.pk}/edit/"))

    assert value_of(page, "name") == "深圳市腾飞科技有限公司"
    assert value_of(page, "version") == "1"
    assert value_of(page, "seen") == str(newest.pk)
    assert value_of(page, "tags") == "华南、重点客户"
    assert selected(page, "province") == ["440000"]
    assert selected(page, "city") == ["440300"]
    assert selected(page, "industry") == ["65"]
    assert "主要联系人" not in page


def test_edit_saves_through_the_service(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.alice)
    page = text(client.get(f"/customers/{tengfei.pk}/edit/"))

    response = client.post(
        f"/customers/{tengfei.pk}/edit/",
        edit_data(page, short_name="腾飞", tags="重点客户", city="440300", province="440000"),
    )

    tengfei.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{tengfei.pk}/"
    assert (tengfei.short_name, tengfei.region_id, tengfei.version) == ("腾飞", "440300", 2)
    assert [t.name for t in tengfei.tags.all()] == ["重点客户"]
    event = AuditEvent.objects.filter(customer=tengfei).latest("id")
    assert (event.action, event.actor, event.source) == ("customer.update", personas.alice, "web")
    assert event.changes["short_name"] == {"before": "", "after": "腾飞"}


def test_edit_without_changes_says_so(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.alice)
    page = text(client.get(f"/customers/{tengfei.pk}/edit/"))

    response = client.post(f"/customers/{tengfei.pk}/edit/", edit_data(page), follow=True)

    assert "没有需要保存的修改" in text(response)
    tengfei.refresh_from_db()
    assert tengfei.version == 1


def test_stale_edit_shows_the_other_change_and_keeps_typed_values(
    personas: Any, tengfei: Customer
) -> None:
    client = signed_in(personas.alice)
    page = text(client.get(f"/customers/{tengfei.pk}/edit/"))
    fresh = Customer.objects.get(pk=tengfei.pk)
    services.update_customer(testing.actor(personas.carol), fresh, main_products="工业软件")

    typed = edit_data(page, short_name="腾飞科技", notes="爱丽填写的备注")
    response = client.post(f"/customers/{tengfei.pk}/edit/", typed)

    body = text(response)
    carols = AuditEvent.objects.filter(customer=tengfei).latest("id")
    assert response.status_code == 200
    assert re.search(r"该客户已被 陈经理 于 \d\d:\d\d 修改,您填写的内容已保留。", body)
    assert 'id="customer-conflict"' in body
    assert "主营产品:(空) → 工业软件" in body
    assert value_of(body, "short_name") == "腾飞科技"
    assert "爱丽填写的备注" in body
    assert value_of(body, "version") == "2"
    assert value_of(body, "seen") == str(carols.pk)
    tengfei.refresh_from_db()
    assert (tengfei.short_name, tengfei.main_products) == ("", "工业软件")


def test_second_save_after_conflict_review_succeeds(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.alice)
    page = text(client.get(f"/customers/{tengfei.pk}/edit/"))
    fresh = Customer.objects.get(pk=tengfei.pk)
    services.update_customer(testing.actor(personas.carol), fresh, main_products="工业软件")
    conflict = text(
        client.post(f"/customers/{tengfei.pk}/edit/", edit_data(page, short_name="腾飞"))
    )

    response = client.post(f"/customers/{tengfei.pk}/edit/", edit_data(conflict))

    tengfei.refresh_from_db()
    assert response.status_code == 302
    assert (tengfei.short_name, tengfei.main_products, tengfei.version) == ("腾飞", "工业软件", 3)


def test_conflict_takes_the_other_change_where_the_user_left_the_field_alone(
    personas: Any, tengfei: Customer
) -> None:
    client = signed_in(personas.alice)
    page = text(client.get(f"/customers/{tengfei.pk}/edit/"))
    fresh = Customer.objects.get(pk=tengfei.pk)
    services.update_customer(testing.actor(personas.carol), fresh, main_products="工业软件")

    body = text(client.post(f"/customers/{tengfei.pk}/edit/", edit_data(page, short_name="腾飞")))

    assert value_of(body, "main_products") == "工业软件"  # carol's, not the stale empty value
    assert value_of(body, "short_name") == "腾飞"  # alice's
    assert "您没有改动、对方改过的字段已换成对方的新值:主营产品" in body
    assert 'id="customer-conflict-kept"' not in body


def test_conflict_keeps_the_users_value_where_both_changed_and_says_so(
    personas: Any, tengfei: Customer
) -> None:
    client = signed_in(personas.alice)
    page = text(client.get(f"/customers/{tengfei.pk}/edit/"))
    fresh = Customer.objects.get(pk=tengfei.pk)
    services.update_customer(testing.actor(personas.carol), fresh, main_products="工业软件")

    body = text(
        client.post(f"/customers/{tengfei.pk}/edit/", edit_data(page, main_products="芯片设计"))
    )

    assert value_of(body, "main_products") == "芯片设计"
    assert "双方都改过的字段保留了您填写的值,保存将覆盖对方的修改:主营产品" in body


def test_conflict_with_a_tampered_original_keeps_everything_typed(
    personas: Any, tengfei: Customer
) -> None:
    client = signed_in(personas.alice)
    page = text(client.get(f"/customers/{tengfei.pk}/edit/"))
    fresh = Customer.objects.get(pk=tengfei.pk)
    services.update_customer(testing.actor(personas.carol), fresh, main_products="工业软件")

    body = text(
        client.post(f"/customers/{tengfei.pk}/edit/", edit_data(page, original="forged:value"))
    )

    assert 'id="customer-conflict"' in body
    assert value_of(body, "main_products") == ""


def test_edit_validation_error_keeps_the_loaded_version(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.alice)
    page = text(client.get(f"/customers/{tengfei.pk}/edit/"))

    response = client.post(
        f"/customers/{tengfei.pk}/edit/", edit_data(page, uscc="123", short_name="腾飞")
    )

    body = text(response)
    assert "统一社会信用代码应为18位" in body
    assert value_of(body, "uscc") == "123"
    assert value_of(body, "version") == "1"


def test_service_staff_gets_403_on_edit(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.erin)

    assert client.get(f"/customers/{tengfei.pk}/edit/").status_code == 403
    response = client.post(f"/customers/{tengfei.pk}/edit/", minimal(short_name="x", version=1))
    assert response.status_code == 403
    tengfei.refresh_from_db()
    assert (tengfei.short_name, tengfei.version) == ("", 1)


def test_other_team_gets_404_on_edit(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.dave)

    assert client.get(f"/customers/{tengfei.pk}/edit/").status_code == 404
    response = client.post(f"/customers/{tengfei.pk}/edit/", minimal(short_name="x", version=1))
    assert response.status_code == 404
    tengfei.refresh_from_db()
    assert tengfei.short_name == ""


def test_teammate_and_manager_may_edit(personas: Any, tengfei: Customer) -> None:
    assert signed_in(personas.carol).get(f"/customers/{tengfei.pk}/edit/").status_code == 200
    # bob is alice's teammate but neither owner, collaborator nor manager
    assert signed_in(personas.bob).get(f"/customers/{tengfei.pk}/edit/").status_code == 404


# --- query counts ---------------------------------------------------------------------------


def test_new_page_query_count(personas: Any, django_assert_num_queries: Any) -> None:
    client = warm(signed_in(personas.alice))

    # session (read, save: 3), user; custom fields, sources, provinces, industries
    with django_assert_num_queries(BASE + 4):
        assert client.get("/customers/new/").status_code == 200


def test_edit_page_query_count(
    personas: Any, customer_of: Any, django_assert_num_queries: Any
) -> None:
    customer = customer_of(
        personas.alice,
        name="深圳市腾飞科技有限公司",
        region=Region.objects.get(code="440300"),
        tags=["重点客户"],
    )
    client = warm(signed_in(personas.alice))

    # customer, may-edit, custom fields, tags, region, newest event, sources,
    # provinces with the chosen one's cities, industries
    with django_assert_num_queries(BASE + 9):
        assert client.get(f"/customers/{customer.pk}/edit/").status_code == 200


@pytest.mark.parametrize(
    ("method", "url", "data", "queries"),
    [
        ("get", "/customers/regions/?parent=330000", {}, 1),
        ("get", "/customers/industries/?q=软件", {}, 1),
        ("post", "/customers/validate/mobile/", {"contact_mobile": "13812345678"}, 0),
        ("post", "/customers/validate/uscc/", {"uscc": OTHER_USCC}, 1),
        ("post", "/customers/check-duplicate/", {"name": "新公司", "kind": "enterprise"}, 1),
    ],
)
def test_htmx_endpoint_query_counts(
    personas: Any,
    django_assert_num_queries: Any,
    method: str,
    url: str,
    data: dict[str, str],
    queries: int,
) -> None:
    client = warm(signed_in(personas.alice))

    with django_assert_num_queries(BASE + queries):
        response = getattr(client, method)(url, data, headers=HX)
    assert response.status_code == 200


def test_new_page_leaves_the_level_to_the_automatic_rule(personas: Any) -> None:
    page = text(signed_in(personas.alice).get("/customers/new/"))

    assert selected(page, "level") == [""]


def test_head_office_without_its_own_city_takes_the_customers_region(personas: Any) -> None:
    signed_in(personas.alice).post(
        "/customers/new/",
        minimal(province="330000", city="330200", hq_detail="北仑区大港工业城"),
    )

    customer = Customer.objects.get(name="深圳市腾飞科技有限公司")
    address = customer.addresses.get()
    assert (address.kind, address.region_id, address.detail) == ("hq", "330200", "北仑区大港工业城")


def test_head_office_with_its_own_city_keeps_it(personas: Any) -> None:
    signed_in(personas.alice).post(
        "/customers/new/",
        minimal(
            province="330000",
            city="330200",
            hq_province="440000",
            hq_city="440300",
            hq_detail="南山区科技园",
        ),
    )

    address = Customer.objects.get(name="深圳市腾飞科技有限公司").addresses.get()
    assert address.region_id == "440300"

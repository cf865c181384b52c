"""Contacts and addresses managed from the customer page, in dialogs (views/people.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from crm.audit.models import AuditEvent
from crm.contacts import services as contact_services
from crm.contacts.models import Contact
from crm.core import testing
from crm.customers import services
from crm.customers.models import Address, Customer

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
OTHER_ID_NUMBER = "110105198001010024"
BANK_ACCOUNT = "6222020200112233445"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tengfei(personas: Any, customer_of: Any) -> Customer:
    return customer_of(
        personas.alice,
        name="深圳市腾飞科技有限公司",
        contacts=[{"name": "单田芳", "mobile": "13812345678"}],
        addresses=[{"kind": "hq", "region_id": "440300", "detail": "南山区科技园 1 号"}],
    )


@pytest.fixture
def bare(personas: Any, customer_of: Any) -> Customer:
    """A customer without contacts or addresses."""
    return customer_of(personas.alice, name="杭州无联系人科技有限公司")


def contact_named(customer: Customer, name: str) -> Contact:
    return Contact.objects.get(customer=customer, name=name)


def new_contact(client: Client, customer: Customer, **fields: Any) -> Any:
    data = {"name": "", "decision_role": "other", **fields}
    return client.post(f"/customers/{customer.pk}/contacts/new/", data)


def edit_form(contact: Contact, **fields: Any) -> dict[str, Any]:
    data = {
        "name": contact.name,
        "title": contact.title,
        "mobile": contact.mobile,
        "email": contact.email,
        "decision_role": contact.decision_role,
        "version": contact.version,
    }
    return {**data, **fields}


def stored_ciphertext(contact: Contact, column: str) -> str:
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Contact._meta.db_table)
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [contact.pk])  # noqa: S608
        return str(cursor.fetchone()[0])


# --- buttons on the page ------------------------------------------------------------------------


def test_editor_sees_add_edit_and_delete_buttons_in_both_cards(
    personas: Any, tengfei: Customer
) -> None:
    html = signed_in(personas.alice).get(f"/customers/{tengfei.pk}/").content.decode()
    contact = tengfei.contacts.get()
    address = tengfei.addresses.get()

    assert f'hx-get="/customers/{tengfei.pk}/contacts/new/"' in html
    assert f'hx-get="/customers/{tengfei.pk}/contacts/{contact.pk}/edit/"' in html
    assert f'hx-get="/customers/{tengfei.pk}/contacts/{contact.pk}/delete/"' in html
    assert f'hx-get="/customers/{tengfei.pk}/addresses/new/"' in html
    assert f'hx-get="/customers/{tengfei.pk}/addresses/{address.pk}/edit/"' in html
    assert f'hx-get="/customers/{tengfei.pk}/addresses/{address.pk}/delete/"' in html
    assert '<div class="card mb-3" id="contacts">' in html
    assert '<div class="card mb-3" id="addresses">' in html


def test_read_only_service_sees_the_cards_without_buttons(personas: Any, tengfei: Customer) -> None:
    html = signed_in(personas.erin).get(f"/customers/{tengfei.pk}/").content.decode()

    assert "单田芳" in html
    assert "南山区科技园 1 号" in html
    assert 'id="add-contact"' not in html
    assert 'id="add-address"' not in html
    assert "/contacts/new/" not in html
    assert "/edit/" not in html
    assert "/delete/" not in html


# --- add a contact ------------------------------------------------------------------------------


def test_add_contact_dialog_is_a_fragment_posting_to_itself(
    personas: Any, tengfei: Customer
) -> None:
    response = signed_in(personas.alice).get(f"/customers/{tengfei.pk}/contacts/new/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'hx-post="/customers/{tengfei.pk}/contacts/new/"' in html
    assert '<h2 class="modal-title h3" id="crm-dialog-title">添加联系人</h2>' in html
    assert '<option value="other" selected>其他</option>' in html
    assert 'name="version"' not in html


def test_first_contact_becomes_primary_and_is_audited(personas: Any, bare: Customer) -> None:
    new_contact(signed_in(personas.alice), bare, name="林晓峰", title="技术总监")

    contact = contact_named(bare, "林晓峰")
    assert (contact.title, contact.is_primary) == ("技术总监", True)
    event = AuditEvent.objects.get(action="contact.create")
    assert (event.object_id, event.customer_id, event.actor_id, event.source) == (
        str(contact.pk),
        bare.pk,
        personas.alice.pk,
        "web",
    )


def test_second_contact_is_not_primary_unless_ticked(personas: Any, tengfei: Customer) -> None:
    new_contact(signed_in(personas.alice), tengfei, name="王小明")

    assert contact_named(tengfei, "王小明").is_primary is False
    assert contact_named(tengfei, "单田芳").is_primary is True


def test_ticking_primary_on_a_new_contact_moves_the_flag(personas: Any, tengfei: Customer) -> None:
    html = new_contact(
        signed_in(personas.alice), tengfei, name="王小明", is_primary="on"
    ).content.decode()

    assert contact_named(tengfei, "王小明").is_primary is True
    assert contact_named(tengfei, "单田芳").is_primary is False
    assert "已添加联系人 王小明(主要联系人)" in html
    demoted = AuditEvent.objects.get(
        action="contact.update", object_id=str(contact_named(tengfei, "单田芳").pk)
    )
    assert demoted.changes == {"is_primary": {"before": True, "after": False}}


def test_added_contact_answers_with_the_cards_and_timeline_out_of_band(
    personas: Any, tengfei: Customer
) -> None:
    response = new_contact(
        signed_in(personas.alice), tengfei, name="王小明", mobile="13900001111", title="采购经理"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="dialog-form"' not in html
    assert html.startswith('<div class="card mb-3" id="contacts" hx-swap-oob="true">')
    assert '<div class="card mb-3" id="addresses" hx-swap-oob="true">' in html
    assert '<ul class="list-group list-group-flush" id="timeline" hx-swap-oob="true">' in html
    assert '<div id="messages" hx-swap-oob="true">' in html
    assert "已添加联系人 王小明" in html
    assert "<strong>王小明</strong> 采购经理" in html
    assert '<span data-field="mobile">139****1111</span>' in html  # masked, as on the page
    assert "13900001111" not in html
    assert 'data-action="contact.create"' in html


def test_bad_mobile_keeps_the_dialog_with_a_chinese_error_and_what_was_typed(
    personas: Any, tengfei: Customer
) -> None:
    html = new_contact(
        signed_in(personas.alice), tengfei, name="王小明", mobile="1390000", wechat="wxm_2024"
    ).content.decode()

    assert 'id="dialog-form"' in html
    assert "手机号码格式不正确,应为11位数字,以1开头" in html
    assert 'name="mobile" id="id_mobile" value="1390000"' in html
    assert 'name="name" id="id_name" value="王小明"' in html
    assert 'value="wxm_2024"' in html
    assert not Contact.objects.filter(name="王小明").exists()
    assert (
        not AuditEvent.objects.filter(action="contact.create", customer=tengfei)
        .exclude(object_id=str(tengfei.contacts.get().pk))
        .exists()
    )


def test_bad_id_number_keeps_the_dialog_with_a_chinese_error_and_what_was_typed(
    personas: Any, tengfei: Customer
) -> None:
    html = new_contact(
        signed_in(personas.alice), tengfei, name="王小明", id_number="110105194912310021"
    ).content.decode()

    assert "身份证号码校验位不正确" in html
    assert 'name="id_number" id="id_id_number" value="110105194912310021"' in html
    assert 'value="王小明"' in html
    assert not Contact.objects.filter(name="王小明").exists()


def test_missing_name_is_refused_in_chinese(personas: Any, tengfei: Customer) -> None:
    html = new_contact(signed_in(personas.alice), tengfei, name="  ").content.decode()

    assert "该字段是必填项。" in html
    assert tengfei.contacts.count() == 1


def test_typed_text_is_escaped_in_the_dialog_and_the_card(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.alice)
    name = '<img src=x onerror="alert(1)">'

    refused = new_contact(client, tengfei, name=name, mobile="1").content.decode()
    done = new_contact(client, tengfei, name=name).content.decode()

    for html in (refused, done):
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_null_character_is_a_form_error_not_a_crash(personas: Any, tengfei: Customer) -> None:
    response = new_contact(signed_in(personas.alice), tengfei, name="王\x00小明")

    assert response.status_code == 200
    assert "不允许是用空字符串。" in response.content.decode()  # Django's own zh-hans message
    assert tengfei.contacts.count() == 1


# --- edit a contact -----------------------------------------------------------------------------


def test_edit_dialog_prefills_mobile_but_never_the_encrypted_numbers(
    personas: Any, tengfei: Customer
) -> None:
    contact = tengfei.contacts.get()
    contact_services.update_contact(
        testing.actor(personas.alice), contact, id_number=ID_NUMBER, bank_account=BANK_ACCOUNT
    )
    contact.refresh_from_db()
    events_before = AuditEvent.objects.count()

    html = (
        signed_in(personas.alice)
        .get(f"/customers/{tengfei.pk}/contacts/{contact.pk}/edit/")
        .content.decode()
    )

    assert 'name="mobile" id="id_mobile" value="13812345678"' in html
    assert f'<input type="hidden" name="version" value="{contact.version}">' in html
    assert 'name="id_number" id="id_id_number" value=""' in html
    assert 'name="bank_account" id="id_bank_account" value=""' in html
    assert ID_NUMBER not in html and BANK_ACCOUNT not in html
    assert "留空则不修改" in html
    assert "已保存(加密)。" in html
    assert AuditEvent.objects.count() == events_before  # opening the dialog records nothing


def test_id_number_typed_on_edit_is_stored_encrypted_and_never_shown_in_full(
    personas: Any, tengfei: Customer
) -> None:
    client = signed_in(personas.alice)
    contact = tengfei.contacts.get()

    html = client.post(
        f"/customers/{tengfei.pk}/contacts/{contact.pk}/edit/",
        edit_form(contact, id_number=ID_NUMBER.lower()),
    ).content.decode()

    contact.refresh_from_db()
    assert contact.id_number == ID_NUMBER
    assert ID_NUMBER not in stored_ciphertext(contact, "id_number")
    assert ID_NUMBER.lower() not in stored_ciphertext(contact, "id_number")
    assert "联系人 单田芳 已保存" in html
    assert '<span data-field="id_number">已加密</span>' in html
    page = client.get(f"/customers/{tengfei.pk}/").content.decode()
    for shown in (html, page):
        assert ID_NUMBER not in shown and ID_NUMBER.lower() not in shown
    event = AuditEvent.objects.get(action="contact.update", object_id=str(contact.pk))
    assert ID_NUMBER not in str(event.changes)


def test_blank_id_number_on_edit_keeps_the_stored_one(personas: Any, tengfei: Customer) -> None:
    contact = tengfei.contacts.get()
    contact = contact_services.update_contact(
        testing.actor(personas.alice), contact, id_number=ID_NUMBER
    )
    contact.refresh_from_db()

    signed_in(personas.alice).post(
        f"/customers/{tengfei.pk}/contacts/{contact.pk}/edit/",
        edit_form(contact, title="总经理", id_number="", bank_account=""),
    )

    contact.refresh_from_db()
    assert (contact.title, contact.id_number) == ("总经理", ID_NUMBER)


def test_editing_another_contact_to_primary_moves_the_flag(
    personas: Any, tengfei: Customer
) -> None:
    other = contact_services.create_contact(
        testing.actor(personas.alice), customer=tengfei, name="王小明"
    )

    html = (
        signed_in(personas.alice)
        .post(
            f"/customers/{tengfei.pk}/contacts/{other.pk}/edit/",
            edit_form(other, is_primary="on"),
        )
        .content.decode()
    )

    assert contact_named(tengfei, "王小明").is_primary is True
    assert contact_named(tengfei, "单田芳").is_primary is False
    first = html.index('id="contact-')
    assert html[first:].startswith(f'id="contact-{other.pk}"')  # the primary is listed first


def test_primary_contact_cannot_be_unticked_in_the_dialog(personas: Any, tengfei: Customer) -> None:
    contact = tengfei.contacts.get()
    client = signed_in(personas.alice)

    dialog = client.get(f"/customers/{tengfei.pk}/contacts/{contact.pk}/edit/").content.decode()
    client.post(f"/customers/{tengfei.pk}/contacts/{contact.pk}/edit/", edit_form(contact))

    assert 'id="id_is_primary" checked disabled' in dialog
    assert contact_named(tengfei, "单田芳").is_primary is True


def test_stale_edit_shows_the_conflict_and_keeps_what_was_typed(
    personas: Any, tengfei: Customer
) -> None:
    contact = tengfei.contacts.get()
    seen = edit_form(contact, title="销售总监")
    contact_services.update_contact(testing.actor(personas.carol), contact, title="总经理")

    response = signed_in(personas.alice).post(
        f"/customers/{tengfei.pk}/contacts/{contact.pk}/edit/", seen
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="dialog-form"' in html
    assert "该联系人已被他人修改,您填写的内容已保留。" in html
    assert "他人已改为:总经理" in html
    assert 'name="title" id="id_title" value="销售总监"' in html
    assert f'<input type="hidden" name="version" value="{contact.version + 1}">' in html
    assert contact_named(tengfei, "单田芳").title == "总经理"


def test_saving_again_after_the_conflict_writes_what_was_typed(
    personas: Any, tengfei: Customer
) -> None:
    contact = tengfei.contacts.get()
    contact_services.update_contact(testing.actor(personas.carol), contact, title="总经理")
    client = signed_in(personas.alice)
    url = f"/customers/{tengfei.pk}/contacts/{contact.pk}/edit/"
    client.post(url, edit_form(contact, title="销售总监"))

    client.post(url, edit_form(contact, title="销售总监", version=contact.version + 1))

    assert contact_named(tengfei, "单田芳").title == "销售总监"


def test_missing_version_is_refused_without_saving(personas: Any, tengfei: Customer) -> None:
    contact = tengfei.contacts.get()
    data = edit_form(contact, title="销售总监", version="abc")

    html = (
        signed_in(personas.alice)
        .post(f"/customers/{tengfei.pk}/contacts/{contact.pk}/edit/", data)
        .content.decode()
    )

    assert "页面已过期,请关闭对话框后重新打开" in html
    assert contact_named(tengfei, "单田芳").title == ""


def test_saving_unchanged_contact_says_nothing_changed(personas: Any, tengfei: Customer) -> None:
    contact = tengfei.contacts.get()

    html = (
        signed_in(personas.alice)
        .post(f"/customers/{tengfei.pk}/contacts/{contact.pk}/edit/", edit_form(contact))
        .content.decode()
    )

    assert "没有需要保存的修改" in html
    assert not AuditEvent.objects.filter(action="contact.update").exists()


# --- delete a contact ---------------------------------------------------------------------------


def test_delete_asks_to_confirm_then_removes_and_records_the_audit_row(
    personas: Any, tengfei: Customer
) -> None:
    client = signed_in(personas.alice)
    contact = tengfei.contacts.get()
    url = f"/customers/{tengfei.pk}/contacts/{contact.pk}/delete/"

    dialog = client.get(url).content.decode()
    assert "确定删除联系人“单田芳”吗?" in dialog
    assert f'hx-post="{url}"' in dialog
    assert Contact.objects.filter(pk=contact.pk).exists()

    html = client.post(url, {"reason": "已离职"}).content.decode()

    assert not Contact.objects.filter(pk=contact.pk).exists()
    event = AuditEvent.objects.get(action="contact.delete")
    assert (event.object_id, event.reason, event.actor_id) == (
        str(contact.pk),
        "已离职",
        personas.alice.pk,
    )
    assert "已删除联系人 单田芳" in html
    assert "暂无联系人" in html
    assert 'data-action="contact.delete"' in html


def test_deleting_the_primary_warns_when_others_remain(personas: Any, tengfei: Customer) -> None:
    contact_services.create_contact(testing.actor(personas.alice), customer=tengfei, name="王小明")
    primary = contact_named(tengfei, "单田芳")

    html = (
        signed_in(personas.alice)
        .get(f"/customers/{tengfei.pk}/contacts/{primary.pk}/delete/")
        .content.decode()
    )

    assert "这是主要联系人。删除后,请编辑另一位联系人并设为主要联系人。" in html


def test_contact_of_another_customer_is_not_found(
    personas: Any, tengfei: Customer, bare: Customer
) -> None:
    contact = tengfei.contacts.get()
    client = signed_in(personas.alice)

    for action in ("edit", "delete"):
        url = f"/customers/{bare.pk}/contacts/{contact.pk}/{action}/"
        assert client.get(url).status_code == 404
        assert client.post(url, edit_form(contact)).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_huge_ids_answer_404(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.alice)
    huge = 2**70

    assert client.get(f"/customers/{tengfei.pk}/contacts/{huge}/edit/").status_code == 404
    assert client.get(f"/customers/{tengfei.pk}/addresses/{huge}/edit/").status_code == 404
    assert client.get(f"/customers/{huge}/contacts/new/").status_code == 404


# --- addresses ----------------------------------------------------------------------------------


def test_address_dialog_defaults_to_head_office_when_there_is_none(
    personas: Any, bare: Customer
) -> None:
    html = signed_in(personas.alice).get(f"/customers/{bare.pk}/addresses/new/").content.decode()

    assert '<option value="hq" selected>总部地址</option>' in html
    assert '<option value="330000">浙江省</option>' in html
    assert 'hx-get="/customers/regions/"' in html
    assert 'hx-target="#id_city"' in html
    assert "请先选择省份" in html


def test_add_branch_address_with_province_and_city(personas: Any, tengfei: Customer) -> None:
    html = (
        signed_in(personas.alice)
        .post(
            f"/customers/{tengfei.pk}/addresses/new/",
            {
                "kind": "branch",
                "label": "杭州分公司",
                "province": "330000",
                "city": "330100",
                "detail": "西湖区文三路 90 号",
            },
        )
        .content.decode()
    )

    address = tengfei.addresses.get(kind="branch")
    assert (address.label, address.region_id, address.detail) == (
        "杭州分公司",
        "330100",
        "西湖区文三路 90 号",
    )
    event = AuditEvent.objects.get(action="customer.address")
    assert event.object_id == str(tengfei.pk)
    assert "已添加地址" in html
    assert html.startswith('<div class="card mb-3" id="contacts" hx-swap-oob="true">')
    assert '<div class="card mb-3" id="addresses" hx-swap-oob="true">' in html
    assert "分支机构地址 杭州分公司:浙江省 杭州市 西湖区文三路 90 号" in html
    assert 'data-action="customer.address"' in html


def test_address_with_only_a_province_is_kept(personas: Any, bare: Customer) -> None:
    signed_in(personas.alice).post(
        f"/customers/{bare.pk}/addresses/new/",
        {"kind": "hq", "province": "330000", "city": "", "detail": "某路 1 号"},
    )

    assert bare.addresses.get().region_id == "330000"


def test_city_of_another_province_is_refused_and_the_cities_stay_listed(
    personas: Any, tengfei: Customer
) -> None:
    html = (
        signed_in(personas.alice)
        .post(
            f"/customers/{tengfei.pk}/addresses/new/",
            {"kind": "branch", "province": "330000", "city": "440300", "detail": "某路 1 号"},
        )
        .content.decode()
    )

    assert "所选城市不属于该省份" in html
    assert '<option value="330000" selected>浙江省</option>' in html
    assert '<option value="330100">杭州市</option>' in html
    assert 'value="某路 1 号"' in html
    assert tengfei.addresses.count() == 1


def test_unknown_province_and_missing_detail_are_refused(personas: Any, tengfei: Customer) -> None:
    html = (
        signed_in(personas.alice)
        .post(
            f"/customers/{tengfei.pk}/addresses/new/",
            {"kind": "branch", "province": "999999", "city": "", "detail": ""},
        )
        .content.decode()
    )

    assert "请选择有效的省份" in html
    assert "该字段是必填项。" in html
    assert tengfei.addresses.count() == 1


def test_second_head_office_is_refused_in_chinese(personas: Any, tengfei: Customer) -> None:
    html = (
        signed_in(personas.alice)
        .post(
            f"/customers/{tengfei.pk}/addresses/new/",
            {"kind": "hq", "province": "330000", "city": "330100", "detail": "西湖区 1 号"},
        )
        .content.decode()
    )

    assert 'id="dialog-form"' in html
    assert "每个客户只能有一个总部地址,其他地址请选择分支机构" in html
    assert tengfei.addresses.count() == 1
    assert not AuditEvent.objects.filter(action="customer.address").exists()


def test_address_edit_dialog_shows_the_saved_province_and_city(
    personas: Any, tengfei: Customer
) -> None:
    address = tengfei.addresses.get()

    html = (
        signed_in(personas.alice)
        .get(f"/customers/{tengfei.pk}/addresses/{address.pk}/edit/")
        .content.decode()
    )

    assert '<option value="440000" selected>广东省</option>' in html
    assert '<option value="440300" selected>深圳市</option>' in html
    assert 'value="南山区科技园 1 号"' in html


def test_edit_address_moves_it_to_another_city(personas: Any, tengfei: Customer) -> None:
    address = tengfei.addresses.get()

    html = (
        signed_in(personas.alice)
        .post(
            f"/customers/{tengfei.pk}/addresses/{address.pk}/edit/",
            {"kind": "hq", "province": "440000", "city": "440100", "detail": "天河区 2 号"},
        )
        .content.decode()
    )

    address.refresh_from_db()
    assert (address.region_id, address.detail) == ("440100", "天河区 2 号")
    assert "地址已保存" in html
    assert "总部地址:广东省 广州市 天河区 2 号" in html
    assert AuditEvent.objects.filter(action="customer.address").count() == 1


def test_delete_address_asks_to_confirm_then_records_the_audit_row(
    personas: Any, tengfei: Customer
) -> None:
    address = tengfei.addresses.get()
    client = signed_in(personas.alice)
    url = f"/customers/{tengfei.pk}/addresses/{address.pk}/delete/"

    dialog = client.get(url).content.decode()
    assert "确定删除地址“总部地址 南山区科技园 1 号”吗?" in dialog
    assert Address.objects.filter(pk=address.pk).exists()

    html = client.post(url, {"reason": "搬迁"}).content.decode()

    assert not Address.objects.filter(pk=address.pk).exists()
    event = AuditEvent.objects.get(action="customer.address")
    assert event.reason == "搬迁"
    assert "已删除地址" in html
    assert "暂无地址" in html


# --- permissions --------------------------------------------------------------------------------


def endpoints(customer: Customer) -> list[str]:
    contact = customer.contacts.get()
    address = customer.addresses.get()
    base = f"/customers/{customer.pk}"
    return [
        f"{base}/contacts/new/",
        f"{base}/contacts/{contact.pk}/edit/",
        f"{base}/contacts/{contact.pk}/delete/",
        f"{base}/addresses/new/",
        f"{base}/addresses/{address.pk}/edit/",
        f"{base}/addresses/{address.pk}/delete/",
    ]


@pytest.mark.parametrize(("persona", "status"), [("erin", 403), ("dave", 404), ("bob", 404)])
def test_non_editors_are_refused_and_nothing_changes(
    personas: Any, tengfei: Customer, persona: str, status: int
) -> None:
    client = signed_in(getattr(personas, persona))
    form = {"name": "王小明", "decision_role": "other", "kind": "branch", "detail": "某路"}
    events = AuditEvent.objects.count()

    for url in endpoints(tengfei):
        assert client.get(url).status_code == status, url
        assert client.post(url, form).status_code == status, url

    assert tengfei.contacts.count() == 1
    assert tengfei.addresses.count() == 1
    assert AuditEvent.objects.count() == events


def test_service_refusal_is_in_chinese(personas: Any, tengfei: Customer) -> None:
    response = signed_in(personas.erin).get(f"/customers/{tengfei.pk}/contacts/new/")

    assert "您只能查看该客户,不能修改" in response.content.decode()


def test_collaborator_may_add_a_contact(personas: Any, tengfei: Customer) -> None:
    services.add_collaborator(testing.actor(personas.alice), tengfei, user=personas.bob)

    new_contact(signed_in(personas.bob), tengfei, name="王小明")

    assert contact_named(tengfei, "王小明").customer_id == tengfei.pk


def test_anonymous_is_sent_to_sign_in(tengfei: Customer) -> None:
    response = Client().get(f"/customers/{tengfei.pk}/contacts/new/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- query counts -------------------------------------------------------------------------------

# the pages' first three (session, whether any user exists, the user), the customer (scope), and
# its edit right
ADD_CONTACT_QUERIES = 5
# ... and the contact
EDIT_CONTACT_QUERIES = 6
# ... the contact, and whether other contacts remain (a primary's warning)
DELETE_CONTACT_QUERIES = 7
# ... whether a head office exists, provinces (and the chosen one's cities)
ADD_ADDRESS_QUERIES = 7
# ... the address with its region, provinces and cities
EDIT_ADDRESS_QUERIES = 7


@pytest.mark.parametrize(
    ("suffix", "count"),
    [
        ("contacts/new/", ADD_CONTACT_QUERIES),
        ("contacts/{contact}/edit/", EDIT_CONTACT_QUERIES),
        ("contacts/{contact}/delete/", DELETE_CONTACT_QUERIES),
        ("addresses/new/", ADD_ADDRESS_QUERIES),
        ("addresses/{address}/edit/", EDIT_ADDRESS_QUERIES),
    ],
)
def test_dialogs_run_a_fixed_number_of_queries(
    personas: Any,
    tengfei: Customer,
    django_assert_num_queries: Any,
    suffix: str,
    count: int,
) -> None:
    for i in range(3):
        contact_services.create_contact(
            testing.actor(personas.alice), customer=tengfei, name=f"联系人{i}"
        )
    contact = contact_named(tengfei, "单田芳")
    url = f"/customers/{tengfei.pk}/" + suffix.format(
        contact=contact.pk, address=tengfei.addresses.get().pk
    )
    client = signed_in(personas.alice)

    with django_assert_num_queries(count):
        response = client.get(url)

    assert response.status_code == 200

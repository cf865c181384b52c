"""Dialogs on the customer page (stage, owner, collaborators) and the top bar's type-ahead."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crm.audit.models import AuditEvent
from crm.customers.models import Customer, StageTransition

pytestmark = pytest.mark.django_db


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
    )


# --- stage ----------------------------------------------------------------------------------


def test_stage_dialog_shows_current_stage_and_choices(personas: Any, tengfei: Customer) -> None:
    response = signed_in(personas.alice).get(f"/customers/{tengfei.pk}/stage/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "当前阶段:<strong>潜在客户</strong>" in html
    assert '<option value="intent">意向客户</option>' in html
    assert f'hx-post="/customers/{tengfei.pk}/stage/"' in html


def test_stage_change_without_reason_keeps_the_dialog_with_the_error(
    personas: Any, tengfei: Customer
) -> None:
    response = signed_in(personas.alice).post(
        f"/customers/{tengfei.pk}/stage/", {"stage": "intent", "reason": ""}
    )

    html = response.content.decode()
    assert 'id="dialog-form"' in html
    assert "该字段是必填项。" in html
    assert '<option value="intent" selected>意向客户</option>' in html
    assert not StageTransition.objects.filter(to_stage="intent").exists()


def test_lost_without_churn_reason_is_refused_in_chinese(personas: Any, tengfei: Customer) -> None:
    response = signed_in(personas.alice).post(
        f"/customers/{tengfei.pk}/stage/", {"stage": "lost", "reason": "客户不再回复"}
    )

    html = response.content.decode()
    assert "转为流失客户时必须填写流失原因" in html
    assert "客户不再回复" in html  # what the user typed stays
    assert Customer.objects.get(pk=tengfei.pk).stage == "potential"


def test_stage_change_closes_dialog_and_swaps_header_and_timeline(
    personas: Any, tengfei: Customer
) -> None:
    response = signed_in(personas.alice).post(
        f"/customers/{tengfei.pk}/stage/", {"stage": "intent", "reason": "已演示产品"}
    )

    html = response.content.decode()
    assert 'id="dialog-form"' not in html
    assert '<div id="customer-header" class="page-header mb-3" hx-swap-oob="true">' in html
    assert '<span class="badge bg-azure-lt" id="customer-stage">意向客户</span>' in html
    assert '<ul class="list-group list-group-flush" id="timeline" hx-swap-oob="true">' in html
    assert 'data-action="customer.stage"' in html
    assert "阶段已变更为“意向客户”" in html
    transition = StageTransition.objects.get(to_stage="intent")
    assert (transition.from_stage, transition.to_stage, transition.reason) == (
        "potential",
        "intent",
        "已演示产品",
    )


def test_read_only_service_cannot_open_the_stage_dialog(personas: Any, tengfei: Customer) -> None:
    response = signed_in(personas.erin).get(f"/customers/{tengfei.pk}/stage/")

    assert response.status_code == 403
    assert "您只能查看该客户,不能修改" in response.content.decode()


def test_other_team_gets_404_for_the_stage_dialog(personas: Any, tengfei: Customer) -> None:
    assert signed_in(personas.dave).get(f"/customers/{tengfei.pk}/stage/").status_code == 404


# --- transfer -----------------------------------------------------------------------------------


def test_manager_transfers_owner_within_the_team(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.carol)
    dialog = client.get(f"/customers/{tengfei.pk}/transfer/").content.decode()
    assert f'<option value="{personas.bob.pk}">白波</option>' in dialog
    assert f'value="{personas.dave.pk}"' not in dialog  # another team
    assert f'value="{personas.alice.pk}"' not in dialog  # the current owner

    html = client.post(
        f"/customers/{tengfei.pk}/transfer/",
        {"owner": personas.bob.pk, "reason": "区域调整", "keep_as_collaborator": "on"},
    ).content.decode()

    tengfei.refresh_from_db()
    assert tengfei.owner == personas.bob
    assert list(tengfei.collaborators.all()) == [personas.alice]
    assert '<dd class="col-7" id="customer-owner">白波 · 华东销售一部</dd>' in html
    assert "已将客户转给 白波" in html
    assert AuditEvent.objects.filter(action="customer.transfer", reason="区域调整").count() == 1


def test_sales_cannot_transfer(personas: Any, tengfei: Customer) -> None:
    response = signed_in(personas.alice).get(f"/customers/{tengfei.pk}/transfer/")

    assert response.status_code == 403
    assert "只有该团队的销售经理或管理员可以转移客户" in response.content.decode()


def test_transfer_to_someone_outside_the_list_is_a_form_error(
    personas: Any, tengfei: Customer
) -> None:
    html = (
        signed_in(personas.carol)
        .post(f"/customers/{tengfei.pk}/transfer/", {"owner": personas.dave.pk, "reason": "x"})
        .content.decode()
    )

    assert "选择一个有效的选项" in html
    assert Customer.objects.get(pk=tengfei.pk).owner == personas.alice


# --- collaborators ------------------------------------------------------------------------------


def test_owner_adds_then_removes_a_collaborator(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.alice)

    added = client.post(
        f"/customers/{tengfei.pk}/collaborators/", {"user": personas.erin.pk}
    ).content.decode()
    assert '<dd class="col-7" id="customer-collaborators">尔琳</dd>' in added
    assert list(tengfei.collaborators.all()) == [personas.erin]

    dialog = client.get(f"/customers/{tengfei.pk}/collaborators/").content.decode()
    assert f'name="remove" value="{personas.erin.pk}"' in dialog

    removed = client.post(
        f"/customers/{tengfei.pk}/collaborators/", {"remove": personas.erin.pk}
    ).content.decode()
    assert '<dd class="col-7" id="customer-collaborators">—</dd>' in removed
    assert not tengfei.collaborators.exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="customer.collaborator").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["customer.collaborator_add", "customer.collaborator_remove"]


def test_removing_someone_who_is_not_a_collaborator_says_so(
    personas: Any, tengfei: Customer
) -> None:
    html = (
        signed_in(personas.alice)
        .post(f"/customers/{tengfei.pk}/collaborators/", {"remove": personas.bob.pk})
        .content.decode()
    )

    assert "该用户不是此客户的协办人" in html


def test_teammate_cannot_manage_collaborators(personas: Any, tengfei: Customer) -> None:
    assert signed_in(personas.bob).get(f"/customers/{tengfei.pk}/collaborators/").status_code == 404


def test_page_buttons_follow_the_role(personas: Any, tengfei: Customer) -> None:
    alice = signed_in(personas.alice).get(f"/customers/{tengfei.pk}/").content.decode()
    carol = signed_in(personas.carol).get(f"/customers/{tengfei.pk}/").content.decode()
    erin = signed_in(personas.erin).get(f"/customers/{tengfei.pk}/").content.decode()

    assert 'id="change-stage"' in alice and 'id="transfer-owner"' not in alice
    assert 'id="manage-collaborators"' in alice
    assert 'id="transfer-owner"' in carol
    assert 'id="change-stage"' not in erin and 'id="manage-collaborators"' not in erin


# --- type-ahead ---------------------------------------------------------------------------------


def typeahead(user: Any, q: str) -> str:
    response = signed_in(user).get("/customers/search/", {"q": q})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("q", ["szstf", "tengfei", "腾飞", "单田芳", "stf", "5678"])
def test_typeahead_finds_by_name_pinyin_contact_and_phone_tail(
    personas: Any, tengfei: Customer, q: str
) -> None:
    html = typeahead(personas.alice, q)

    assert f'href="/customers/{tengfei.pk}/' in html


def test_typeahead_lists_matching_contacts_with_their_customer(
    personas: Any, tengfei: Customer
) -> None:
    html = typeahead(personas.alice, "单田")

    contact = tengfei.contacts.get()
    assert f'href="/customers/{tengfei.pk}/#contact-{contact.pk}"' in html
    assert "深圳市腾飞科技有限公司" in html


def test_typeahead_hides_what_the_user_may_not_see(personas: Any, tengfei: Customer) -> None:
    html = typeahead(personas.dave, "腾飞")

    assert "深圳市腾飞科技有限公司" not in html
    assert "没有找到匹配的客户或联系人" in html


def test_typeahead_escapes_the_query(personas: Any) -> None:
    html = typeahead(personas.alice, "<img src=x onerror=alert(1)>")

    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_typeahead_empty_query_is_empty(personas: Any) -> None:
    assert typeahead(personas.alice, "   ").strip() == ""


def test_typeahead_query_count_is_fixed(
    personas: Any, customer_of: Any, django_assert_num_queries: Any
) -> None:
    for i in range(12):
        customer_of(personas.alice, name=f"腾飞{i}号有限公司", contacts=[{"name": f"腾飞{i}"}])
    client = signed_in(personas.alice)
    client.get("/customers/search/", {"q": "x"})

    # session, user, customers, contacts
    with django_assert_num_queries(4):
        html = client.get("/customers/search/", {"q": "腾飞"}).content.decode()

    assert html.count('data-kind="customer"') == 10
    assert html.count('data-kind="contact"') == 10


def test_typeahead_finds_contacts_by_name_pinyin_and_phone_tail(
    personas: Any, customer_of: Any
) -> None:
    customer_of(
        personas.alice,
        name="杭州云帆科技有限公司",
        contacts=[{"name": "欧阳娜娜", "mobile": "13812345678"}],
    )
    customer_of(
        personas.alice,
        name="宁波海港贸易有限公司",
        contacts=[{"name": "李雷", "title": "采购经理"}],
    )
    for q in ("欧阳", "ouyang", "oyn", "5678"):
        html = typeahead(personas.alice, q)
        assert html.count('data-kind="contact"') == 1, q
        assert "欧阳娜娜" in html, q
    # one character scans; it finds the contact too
    assert "李雷" in typeahead(personas.alice, "雷")

"""Defects found in review, each pinned by a test: leaks, permission holes, 500s."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.accounts import services as account_services
from crm.audit.models import AuditEvent
from crm.core.errors import Duplicate
from crm.core.testing import actor, api_client
from crm.customers import services
from crm.customers.models import Customer, CustomFieldDefinition

pytestmark = pytest.mark.django_db
USCC = "91110108551385082Q"


def test_the_api_answers_json_only_so_no_html_form_shows_raw_values(personas, customer_of):
    customer = customer_of(personas.alice, contacts=[{"name": "王五", "mobile": "13812345678"}])
    contact = customer.contacts.get()
    response = api_client(personas.erin).get(
        f"/api/v1/contacts/{contact.pk}/", HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 406
    assert "13812345678" not in response.content.decode()


def test_a_claim_shows_the_requester_only_the_masked_customer_name(personas, customer_of):
    customer_of(personas.alice, name="深圳绝密合作伙伴科技有限公司")
    answer = services.check_duplicate(actor(personas.dave), name="深圳绝密合作伙伴科技")
    created = api_client(personas.dave).post(
        "/api/v1/duplicate-claims/", {"claim_token": answer["claim_token"]}, format="json"
    )
    listed = api_client(personas.dave).get("/api/v1/duplicate-claims/").data["results"]
    for row in (created.data, listed[0]):
        assert (row["customer"], row["customer_name"]) == (None, "深圳绝密合作伙…")
    manager_view = api_client(personas.carol).get("/api/v1/duplicate-claims/").data["results"]
    assert manager_view[0]["customer_name"] == "深圳绝密合作伙伴科技有限公司"


def test_the_claim_token_does_not_carry_the_customer_id(personas, customer_of):
    existing = customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    token = services.check_duplicate(actor(personas.dave), name="深圳市腾飞科技")["claim_token"]
    decoded = [base64.b64decode(part + "==", validate=False) for part in token.split(":")[2:]]
    assert str(existing.pk).encode() + b":" not in b"".join(decoded)
    assert services.request_claim(actor(personas.dave), claim_token=token).customer == existing


def test_service_staff_cannot_file_claims(personas, customer_of):
    customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    token = services.check_duplicate(actor(personas.erin), name="深圳市腾飞科技")["claim_token"]
    assert token is None  # erin may see it: she is told its id instead
    token = services.check_duplicate(actor(personas.dave), name="深圳市腾飞科技")["claim_token"]
    with pytest.raises(PermissionDenied):
        services.request_claim(actor(personas.erin), claim_token=token)


def test_demoting_an_administrator_removes_every_admin_right(personas):
    account_services.update_user(actor(personas.admin), personas.carol, role="admin")
    account_services.update_user(actor(personas.admin), personas.carol, role="sales_manager")
    personas.carol.refresh_from_db()
    assert (personas.carol.is_admin, personas.carol.is_superuser) == (False, False)


def test_a_manager_assigns_customers_only_inside_the_team(personas, customer_of):
    with pytest.raises(ValidationError) as exc:
        customer_of(personas.carol, owner=personas.dave)
    assert exc.value.message_dict == {"owner": ["销售经理只能把客户分配给本团队的成员"]}
    customer = customer_of(personas.alice)
    with pytest.raises(ValidationError):
        services.transfer_owner(actor(personas.carol), customer, owner=personas.dave, reason="x")
    assert Customer.objects.get(pk=customer.pk).owner == personas.alice


def test_a_collaborator_cannot_change_the_collaborators(personas, customer_of):
    customer = customer_of(personas.alice)
    services.add_collaborator(actor(personas.alice), customer, user=personas.bob)
    response = api_client(personas.bob).delete(
        f"/api/v1/customers/{customer.pk}/collaborators/", {"user": personas.bob.pk}, format="json"
    )
    assert response.status_code == 403
    assert response.data["detail"] == "只有主责人、团队经理或管理员可以调整协办人"


def test_a_transfer_records_the_collaborator_who_became_owner(personas, customer_of):
    customer = customer_of(personas.carol, owner=personas.alice)
    services.add_collaborator(actor(personas.alice), customer, user=personas.bob)
    response = api_client(personas.carol).post(
        f"/api/v1/customers/{customer.pk}/transfer/",
        {"owner": personas.bob.pk, "reason": "调整"},
        format="json",
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="customer.transfer")
    assert event.changes["collaborators"] == {"before": ["白波"], "after": []}
    assert event.changes["owner"] == {"before": "张爱丽", "after": "白波"}


def test_a_full_width_uscc_is_the_same_uscc(personas, customer_of):
    customer_of(personas.alice, uscc=USCC)
    with pytest.raises(Duplicate):
        customer_of(personas.dave, uscc="９１１１０１０８５５１３８５０８２Ｑ")
    assert Customer.objects.count() == 1


def test_non_ascii_digits_are_refused_not_a_500(personas):
    response = api_client(personas.alice).post(
        "/api/v1/customers/",
        {
            "name": "某公司",
            "uscc": "٩١١١٠١٠٨551385082Q",
            "contacts": [{"name": "王", "mobile": "13٨12345678"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.data == {"uscc": ["统一社会信用代码含有无效字符"]}


@pytest.mark.parametrize(
    "header", ['"{pk}-²"', '"{pk}-' + "9" * 5000 + '"', 'W/"{pk}-1"', "{pk}-1"]
)
def test_odd_if_match_headers_answer_412(personas, customer_of, header):
    customer = customer_of(personas.alice)
    response = api_client(personas.alice).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"notes": "x"},
        format="json",
        HTTP_IF_MATCH=header.format(pk=customer.pk),
    )
    assert response.status_code == 412


def test_odd_page_cursors_start_from_the_top(personas, customer_of, client):
    customer = customer_of(personas.alice)
    client.force_login(personas.alice)
    assert client.get("/customers/?after=²").status_code == 200
    assert client.get(f"/customers/{customer.pk}/?before=²").status_code == 200


def test_deeply_nested_json_answers_400(personas):
    response = api_client(personas.alice).generic(
        "POST", "/api/v1/customers/check-duplicate/", "[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400


def test_unsaveable_custom_text_is_refused(personas, customer_of):
    services.save_custom_field(actor(personas.admin), key="note", label="说明", type="text")
    for bad in ("\ud800x", "a\x00b"):
        with pytest.raises(ValidationError) as exc:
            customer_of(personas.alice, custom={"note": bad})
        assert exc.value.message_dict == {"custom": ["说明含有无法保存的字符"]}
    with pytest.raises(ValidationError):
        customer_of(personas.alice, custom={"note": {"nested": 1}})


def test_huge_custom_integer_filters_answer_400(personas):
    services.save_custom_field(actor(personas.admin), key="score", label="评分", type="integer")
    response = api_client(personas.alice).get(
        "/api/v1/customers/?cf_score__gte=-99999999999999999999999"
    )
    assert response.status_code == 400
    assert response.data == {"cf_score__gte": ["评分超出范围"]}


@pytest.mark.parametrize("key", ["contains", "isnull", "a__b", "Score", "9lives", "has-dash"])
def test_custom_field_keys_cannot_read_as_lookups(personas, key):
    with pytest.raises(ValidationError) as exc:
        services.save_custom_field(actor(personas.admin), key=key, label="X", type="text")
    assert list(exc.value.message_dict) == ["key"]
    assert CustomFieldDefinition.objects.count() == 0


def test_a_retired_custom_field_does_not_block_other_edits(personas, customer_of):
    field = services.save_custom_field(
        actor(personas.admin), key="old", label="旧字段", type="text"
    )
    services.save_custom_field(actor(personas.admin), key="new", label="新字段", type="text")
    customer = customer_of(personas.alice, custom={"old": "保留"})
    services.save_custom_field(actor(personas.admin), field, is_active=False)
    services.update_customer(actor(personas.alice), customer, custom={"new": "填写"})
    customer.refresh_from_db()
    assert customer.custom == {"old": "保留", "new": "填写"}

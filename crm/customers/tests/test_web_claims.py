"""查重申请 on the web: 申请协作 from the duplicate hint; the page where managers resolve claims."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.core.testing import actor
from crm.customers import services
from crm.customers.models import Collaborator, Customer, DuplicateClaim

pytestmark = pytest.mark.django_db

NAME = "深圳市腾飞科技有限公司"
MASKED = "深圳市腾飞科…"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tengfei(personas: Any, customer_of: Any) -> Customer:
    return customer_of(personas.alice, name=NAME)


def token_for(user: Any, name: str = NAME) -> str:
    token: str = services.check_duplicate(actor(user), name=name)["claim_token"]
    return token


def claim_of(user: Any, note: str = "我上周拜访过该客户") -> DuplicateClaim:
    return services.request_claim(actor(user), claim_token=token_for(user), note=note)


# --- 申请协作 on the create page ---------------------------------------------------------------


def test_hint_for_a_hidden_customer_offers_a_claim_button_without_id_or_name(
    personas: Any, tengfei: Customer
) -> None:
    response = signed_in(personas.dave).post("/customers/check-duplicate/", {"name": NAME})

    html = response.content.decode()
    assert "已存在: 深圳市腾飞科… 负责人 张*" in html
    assert 'id="claim-request"' in html
    assert 'hx-post="/customers/claims/new/" hx-vals=\'{"claim_token": "' in html
    assert "claim_token=" not in html  # never in a URL, so never in an access log
    assert 'hx-target="#crm-dialog-body"' in html
    assert NAME not in html
    assert f"/customers/{tengfei.pk}/" not in html


def test_hint_for_a_visible_customer_links_to_it_and_offers_no_claim(
    personas: Any, tengfei: Customer
) -> None:
    response = signed_in(personas.carol).post("/customers/check-duplicate/", {"name": NAME})

    html = response.content.decode()
    assert f'href="/customers/{tengfei.pk}/"' in html
    assert 'id="claim-request"' not in html


def test_claim_dialog_carries_the_token_and_no_customer_data(
    personas: Any, tengfei: Customer
) -> None:
    token = token_for(personas.dave)
    response = signed_in(personas.dave).post(
        "/customers/claims/new/", {"claim_token": token, "open": "1"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="dialog-form"' in html
    assert 'hx-post="/customers/claims/new/"' in html
    assert f'name="claim_token" value="{token}"' in html
    assert '<textarea class="form-control" name="note" id="id_note" rows="3">' in html
    assert NAME not in html and MASKED not in html


def test_submitting_a_claim_closes_the_dialog_and_names_only_the_masked_owner(
    personas: Any, tengfei: Customer
) -> None:
    response = signed_in(personas.dave).post(
        "/customers/claims/new/",
        {"claim_token": token_for(personas.dave), "note": "我上周拜访过该客户"},
    )

    html = response.content.decode()
    claim = DuplicateClaim.objects.get()
    assert 'id="dialog-form"' not in html
    assert '<div id="messages" hx-swap-oob="true">' in html
    assert "已提交申请,等待 张* 的经理处理" in html
    assert NAME not in html and f"/customers/{tengfei.pk}/" not in html
    assert (claim.customer_id, claim.requester, claim.note) == (
        tengfei.pk,
        personas.dave,
        "我上周拜访过该客户",
    )
    assert claim.status == "open"


def test_a_second_claim_says_it_was_already_submitted(personas: Any, tengfei: Customer) -> None:
    client = signed_in(personas.dave)
    body = {"claim_token": token_for(personas.dave), "note": "第一次"}
    client.post("/customers/claims/new/", body)

    response = client.post("/customers/claims/new/", {**body, "note": "第二次"})

    html = response.content.decode()
    assert 'id="dialog-form"' in html
    assert "您已提交过该客户的申请,请等待经理处理" in html
    assert "第二次" in html  # what was typed stays
    assert DuplicateClaim.objects.count() == 1


@pytest.mark.parametrize("token", ["", "garbage", "crm1:k:AAAA", "x" * 401])
def test_a_bad_token_is_refused_in_chinese_without_a_claim(
    personas: Any, tengfei: Customer, token: str
) -> None:
    response = signed_in(personas.dave).post(
        "/customers/claims/new/", {"claim_token": token, "note": "说明"}
    )

    assert response.status_code == 200
    assert "申请凭证无效或已过期,请重新检查客户是否存在" in response.content.decode()
    assert not DuplicateClaim.objects.exists()


def test_a_claim_needs_a_note(personas: Any, tengfei: Customer) -> None:
    response = signed_in(personas.dave).post(
        "/customers/claims/new/", {"claim_token": token_for(personas.dave), "note": "  "}
    )

    assert "该字段是必填项。" in response.content.decode()
    assert not DuplicateClaim.objects.exists()


def test_the_claim_dialog_does_not_open_by_get(personas: Any) -> None:
    response = signed_in(personas.dave).get("/customers/claims/new/?claim_token=x")

    assert response.status_code == 405


def test_service_staff_may_not_open_the_claim_dialog(personas: Any, tengfei: Customer) -> None:
    response = signed_in(personas.erin).post(
        "/customers/claims/new/", {"claim_token": "x", "open": "1"}
    )

    assert response.status_code == 403


# --- the 查重申请 page --------------------------------------------------------------------------


def test_manager_sees_open_claims_with_requester_customer_and_note(
    personas: Any, tengfei: Customer
) -> None:
    claim = claim_of(personas.dave)

    response = signed_in(personas.carol).get("/customers/claims/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-tab="open" aria-current="page"' in html
    assert f'<tr id="claim-{claim.pk}" data-status="open">' in html
    assert "邓伟" in html and "华南销售部" in html
    assert f'<a href="/customers/{tengfei.pk}/" data-customer>{NAME}</a>' in html
    assert "我上周拜访过该客户" in html
    assert f'hx-get="/customers/claims/{claim.pk}/approve/"' in html
    assert f'hx-get="/customers/claims/{claim.pk}/reject/"' in html


def test_requester_sees_own_claim_masked_with_its_status(personas: Any, tengfei: Customer) -> None:
    claim_of(personas.dave)

    response = signed_in(personas.dave).get("/customers/claims/")

    html = response.content.decode()
    assert 'id="claim-tabs"' not in html  # sales users have one list: their own
    assert f"<span data-masked>{MASKED}</span>" in html
    assert ">待处理</span>" in html
    assert NAME not in html and f"/customers/{tengfei.pk}/" not in html
    assert "data-approve" not in html


def test_a_teammate_of_the_owner_does_not_see_others_claims(
    personas: Any, tengfei: Customer
) -> None:
    claim_of(personas.dave)

    html = signed_in(personas.bob).get("/customers/claims/?tab=open").content.decode()

    assert "我上周拜访过该客户" not in html
    assert 'id="claims-empty"' in html


def test_notes_are_escaped(personas: Any, tengfei: Customer) -> None:
    claim_of(personas.dave, note='<script>alert("x")</script><b>粗体</b>')

    html = signed_in(personas.carol).get("/customers/claims/").content.decode()

    assert "<script>alert" not in html and "<b>粗体" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;粗体&lt;/b&gt;" in html


def test_admin_sees_every_open_claim(personas: Any, tengfei: Customer) -> None:
    claim = claim_of(personas.dave)

    html = signed_in(personas.admin).get("/customers/claims/").content.decode()

    assert f'<tr id="claim-{claim.pk}" data-status="open">' in html
    assert "data-approve" in html


# --- 同意 / 拒绝 ------------------------------------------------------------------------------


def test_approve_dialog_shows_the_claim(personas: Any, tengfei: Customer) -> None:
    claim = claim_of(personas.dave)

    response = signed_in(personas.carol).get(f"/customers/claims/{claim.pk}/approve/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="dialog-form"' in html
    assert f'hx-post="/customers/claims/{claim.pk}/approve/"' in html
    assert NAME in html and "我上周拜访过该客户" in html
    assert 'name="resolution"' in html


def test_approving_adds_the_collaborator_and_swaps_the_row(
    personas: Any, tengfei: Customer
) -> None:
    claim = claim_of(personas.dave)

    response = signed_in(personas.carol).post(
        f"/customers/claims/{claim.pk}/approve/", {"resolution": "确认由邓伟协助"}
    )

    html = response.content.decode()
    claim.refresh_from_db()
    assert 'id="dialog-form"' not in html
    assert "已同意,邓伟 已成为该客户的协办人" in html
    assert f'<template><tr id="claim-{claim.pk}" data-status="approved" hx-swap-oob="true">' in html
    assert "data-approve" not in html
    assert (claim.status, claim.resolved_by, claim.resolution) == (
        "approved",
        personas.carol,
        "确认由邓伟协助",
    )
    assert Collaborator.objects.filter(customer=tengfei, user=personas.dave).exists()
    assert AuditEvent.objects.filter(action="customer.claim_resolve").count() == 1


def test_the_approved_requester_then_sees_the_customer_on_the_page(
    personas: Any, tengfei: Customer
) -> None:
    claim = claim_of(personas.dave)
    signed_in(personas.carol).post(f"/customers/claims/{claim.pk}/approve/", {"resolution": ""})

    html = signed_in(personas.dave).get("/customers/claims/").content.decode()

    assert f'<a href="/customers/{tengfei.pk}/" data-customer>{NAME}</a>' in html
    assert ">已同意</span>" in html
    assert signed_in(personas.dave).get(f"/customers/{tengfei.pk}/").status_code == 200


def test_rejecting_needs_a_reason(personas: Any, tengfei: Customer) -> None:
    claim = claim_of(personas.dave)

    response = signed_in(personas.carol).post(
        f"/customers/claims/{claim.pk}/reject/", {"resolution": " "}
    )

    assert "拒绝申请时请填写原因" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "open"
    assert not AuditEvent.objects.filter(action="customer.claim_resolve").exists()


def test_rejecting_keeps_the_customer_hidden_and_tells_the_requester_why(
    personas: Any, tengfei: Customer
) -> None:
    claim = claim_of(personas.dave)
    response = signed_in(personas.carol).post(
        f"/customers/claims/{claim.pk}/reject/", {"resolution": "<i>已有专人跟进</i>"}
    )
    assert "已拒绝 邓伟 的申请" in response.content.decode()

    html = signed_in(personas.dave).get("/customers/claims/").content.decode()

    assert ">已拒绝</span>" in html
    assert "&lt;i&gt;已有专人跟进&lt;/i&gt;" in html
    assert NAME not in html
    assert not Collaborator.objects.filter(customer=tengfei, user=personas.dave).exists()


def test_a_resolved_claim_moves_to_the_resolved_tab(personas: Any, tengfei: Customer) -> None:
    claim = claim_of(personas.dave)
    carol = signed_in(personas.carol)
    carol.post(f"/customers/claims/{claim.pk}/reject/", {"resolution": "已有专人跟进"})

    open_tab = carol.get("/customers/claims/?tab=open").content.decode()
    resolved = carol.get("/customers/claims/?tab=resolved").content.decode()

    assert f'id="claim-{claim.pk}"' not in open_tab
    assert f'<tr id="claim-{claim.pk}" data-status="rejected">' in resolved
    assert "显示最近处理的 1 条申请" in resolved


def test_resolving_twice_says_it_was_already_resolved(personas: Any, tengfei: Customer) -> None:
    claim = claim_of(personas.dave)
    carol = signed_in(personas.carol)
    carol.post(f"/customers/claims/{claim.pk}/approve/", {"resolution": ""})

    response = carol.post(f"/customers/claims/{claim.pk}/reject/", {"resolution": "改主意了"})

    assert "该申请已处理" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "approved"


def test_the_requester_may_not_resolve_own_claim(personas: Any, tengfei: Customer) -> None:
    claim = claim_of(personas.dave)

    response = signed_in(personas.dave).post(
        f"/customers/claims/{claim.pk}/approve/", {"resolution": ""}
    )

    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == "open"
    assert not Collaborator.objects.filter(user=personas.dave).exists()


@pytest.mark.parametrize("persona", ["alice", "bob", "erin"])
def test_others_get_404_for_a_claim_outside_their_scope(
    personas: Any, tengfei: Customer, persona: str
) -> None:
    claim = claim_of(personas.dave)

    response = signed_in(getattr(personas, persona)).post(
        f"/customers/claims/{claim.pk}/approve/", {"resolution": ""}
    )

    assert response.status_code == 404
    claim.refresh_from_db()
    assert claim.status == "open"


def test_a_manager_of_another_team_gets_404(personas: Any, customer_of: Any) -> None:
    customer_of(personas.dave, name="广州市南方贸易有限公司")
    claim = services.request_claim(
        actor(personas.alice), claim_token=token_for(personas.alice, "广州市南方贸易有限公司")
    )

    response = signed_in(personas.carol).get(f"/customers/claims/{claim.pk}/approve/")

    assert response.status_code == 404


def test_an_absurd_claim_id_is_404(personas: Any) -> None:
    response = signed_in(personas.carol).get(f"/customers/claims/{'9' * 30}/approve/")

    assert response.status_code == 404


# --- paging and query counts ----------------------------------------------------------------


def many_resolved(personas: Any, customer: Customer, count: int) -> None:
    now = timezone.now()
    DuplicateClaim.objects.bulk_create(
        DuplicateClaim(
            customer=customer,
            requester=personas.dave,
            note=f"第{i}次",
            status="rejected",
            resolved_by=personas.carol,
            resolved_at=now,
            resolution="不同意",
        )
        for i in range(count)
    )


def test_own_claims_are_paged_50_at_a_time_newest_first(personas: Any, tengfei: Customer) -> None:
    many_resolved(personas, tengfei, 51)
    client = signed_in(personas.dave)
    ids = list(DuplicateClaim.objects.order_by("-id").values_list("id", flat=True))

    first = client.get("/customers/claims/").content.decode()
    second = client.get(f"/customers/claims/?tab=mine&after={ids[49]}").content.decode()

    assert first.count("<tr id=") == 50
    assert first.index(f'id="claim-{ids[0]}"') < first.index(f'id="claim-{ids[49]}"')
    assert f'href="?tab=mine&amp;after={ids[49]}" id="next-page"' in first
    assert second.count("<tr id=") == 1 and f'id="claim-{ids[50]}"' in second
    assert 'id="next-page"' not in second and 'id="first-page"' in second


def test_the_resolved_tab_shows_the_last_50(personas: Any, tengfei: Customer) -> None:
    many_resolved(personas, tengfei, 53)

    html = signed_in(personas.carol).get("/customers/claims/?tab=resolved").content.decode()

    assert html.count("<tr id=") == 50
    assert 'id="next-page"' not in html


def queries(user: Any, url: str) -> int:
    client = signed_in(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_claims(personas: Any, customer_of: Any, start: int, count: int) -> None:
    for i in range(start, start + count):
        name = f"上海第{i}号信息科技有限公司"
        customer_of(personas.alice, name=name)
        claim = services.request_claim(
            actor(personas.dave), claim_token=token_for(personas.dave, name), note=f"说明{i}"
        )
        if i % 2:
            services.resolve_claim(actor(personas.carol), claim, approve=i % 4 == 1)


# session + users-exist check + user + rows, + managed teams for a manager: at 2 and 8 claims
@pytest.mark.parametrize(
    ("persona", "url", "expected"),
    [
        ("carol", "/customers/claims/", 5),
        ("carol", "/customers/claims/?tab=resolved", 5),
        ("carol", "/customers/claims/?tab=mine", 5),
        ("dave", "/customers/claims/", 4),
        ("admin", "/customers/claims/", 4),
    ],
)
def test_claims_page_query_count_does_not_grow_with_rows(
    personas: Any, customer_of: Any, persona: str, url: str, expected: int
) -> None:
    user = getattr(personas, persona)
    add_claims(personas, customer_of, 0, 2)
    small = queries(user, url)
    add_claims(personas, customer_of, 2, 6)
    large = queries(user, url)

    assert (small, large) == (expected, expected)


def test_a_refused_create_offers_the_claim_button_too(personas: Any, tengfei: Customer) -> None:
    response = signed_in(personas.dave).post(
        "/customers/new/", {"name": NAME, "kind": "enterprise", "status": "normal"}
    )

    html = response.content.decode()
    assert "客户名称与已有客户重复。已存在: 深圳市腾飞科… 负责人 张*" in html
    assert 'id="claim-request"' in html
    assert f"/customers/{tengfei.pk}/" not in html
    assert not Customer.objects.filter(owner=personas.dave).exists()

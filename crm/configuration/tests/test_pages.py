"""The settings pages (系统设置): who may use them, what each form writes, errors, query counts."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from crm.accounts.models import Team, User
from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor
from crm.customers import services
from crm.customers.models import (
    Customer,
    CustomFieldDefinition,
    Industry,
    NumberRule,
    Source,
    Tag,
)

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data)


def audits(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def tag_names(customer: Customer) -> list[str]:
    return sorted(customer.tags.values_list("name", flat=True))


@pytest.fixture
def admin(personas: Personas) -> Client:
    return signed_in(personas.admin)


GET_URLS = [
    "/settings/",
    "/settings/teams/",
    "/settings/teams/new/",
    "/settings/users/",
    "/settings/users/new/",
    "/settings/numbering/",
    "/settings/industries/",
    "/settings/industries/I/",
    "/settings/custom-fields/",
    "/settings/custom-fields/new/",
    "/settings/sources/",
    "/settings/sources/new/",
    "/settings/tags/",
    "/settings/workdays/",
]


# --- who may use the pages --------------------------------------------------------------------


@pytest.mark.parametrize("url", GET_URLS)
def test_admin_can_open_every_settings_page(personas: Personas, admin: Client, url: str) -> None:
    html = page(admin, url)

    assert "系统设置" in html


@pytest.mark.parametrize("persona", ["alice", "carol", "erin"])
@pytest.mark.parametrize("url", GET_URLS)
def test_non_admins_are_refused_every_settings_page(
    personas: Personas, persona: str, url: str
) -> None:
    response = signed_in(getattr(personas, persona)).get(url)

    assert response.status_code == 403


@pytest.mark.parametrize("url", ["/settings/", "/settings/users/", "/settings/tags/"])
def test_anonymous_visitor_is_sent_to_login(personas: Personas, url: str) -> None:
    response = Client().get(url)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login/?next={url}"


def test_manager_cannot_create_a_team_or_user_through_the_pages(personas: Personas) -> None:
    carol = signed_in(personas.carol)
    events = AuditEvent.objects.count()

    r1 = post(carol, "/settings/teams/new/", {"name": "越权团队"})
    r2 = post(
        carol,
        "/settings/users/new/",
        {"username": "sneaky", "role": "admin", "password": "Sneaky-pass-2026"},
    )
    r3 = post(carol, f"/settings/users/{personas.carol.pk}/", {"role": "admin", "is_active": "on"})

    assert (r1.status_code, r2.status_code, r3.status_code) == (403, 403, 403)
    assert not Team.objects.filter(name="越权团队").exists()
    assert not User.objects.filter(username="sneaky").exists()
    assert User.objects.get(pk=personas.carol.pk).role == "sales_manager"
    assert AuditEvent.objects.count() == events


def test_sales_cannot_rename_merge_or_delete_a_tag(personas: Personas, customer_of: Any) -> None:
    customer = customer_of(personas.alice, tags=["重点"])
    tag = Tag.objects.get(name="重点")
    alice = signed_in(personas.alice)

    codes = [
        post(alice, f"/settings/tags/{tag.pk}/rename/", {"name": "改名"}).status_code,
        post(alice, f"/settings/tags/{tag.pk}/merge/", {"into": "重点"}).status_code,
        post(alice, f"/settings/tags/{tag.pk}/delete/", {}).status_code,
    ]

    assert codes == [403, 403, 403]
    assert tag_names(customer) == ["重点"]


def test_settings_entry_is_in_the_side_nav_for_admin_only(personas: Personas) -> None:
    assert 'data-nav="settings"' in page(signed_in(personas.admin), "/settings/")
    assert 'data-nav="settings"' not in page(signed_in(personas.alice), "/customers/")


def test_index_links_to_every_section(admin: Client) -> None:
    html = page(admin, "/settings/")

    for url in [
        "/settings/teams/",
        "/settings/users/",
        "/settings/numbering/",
        "/settings/industries/",
        "/settings/custom-fields/",
        "/settings/sources/",
        "/settings/tags/",
        "/settings/workdays/",
    ]:
        assert f'href="{url}"' in html


# --- teams ------------------------------------------------------------------------------------


def test_team_list_shows_name_manager_and_member_count(admin: Client) -> None:
    html = page(admin, "/settings/teams/")

    assert (
        "<td>华东销售一部</td>\n          <td>陈经理</td>\n          <td data-members>3</td>"
        in html
    )
    assert "<td>华南销售部</td>\n          <td>—</td>\n          <td data-members>1</td>" in html


def test_admin_creates_a_team_through_the_page(personas: Personas, admin: Client) -> None:
    response = post(
        admin, "/settings/teams/new/", {"name": " 西南销售部 ", "manager": personas.dave.pk}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/settings/teams/"
    team = Team.objects.get(name="西南销售部")
    assert team.manager == personas.dave
    [event] = audits("team.create")
    assert (event.actor, event.source, event.object_id) == (personas.admin, "web", str(team.pk))
    assert "已保存" in page(admin, "/settings/teams/")


def test_admin_renames_a_team_and_changes_its_manager(personas: Personas, admin: Client) -> None:
    url = f"/settings/teams/{personas.team_b.pk}/"
    assert 'value="华南销售部"' in page(admin, url)

    response = post(admin, url, {"name": "华南大区", "manager": personas.dave.pk})

    assert response.status_code == 302
    team = Team.objects.get(pk=personas.team_b.pk)
    assert (team.name, team.manager) == ("华南大区", personas.dave)
    [event] = audits("team.update")
    assert event.changes == {
        "manager": {"before": None, "after": "邓伟"},
        "name": {"before": "华南销售部", "after": "华南大区"},
    }


def test_duplicate_team_name_is_shown_on_the_form_in_chinese(
    personas: Personas, admin: Client
) -> None:
    response = post(admin, "/settings/teams/new/", {"name": "华南销售部", "manager": ""})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_name_error">具有 名称 的 团队 已存在。</div>' in html
    assert 'value="华南销售部"' in html
    assert Team.objects.filter(name="华南销售部").count() == 1
    assert audits("team.create") == []


def test_team_form_refuses_blank_name_and_unknown_manager(admin: Client) -> None:
    response = post(admin, "/settings/teams/new/", {"name": "  ", "manager": "999999"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "该字段是必填项。" in html
    assert "选择一个有效的选项" in html
    assert Team.objects.count() == 2


def test_team_name_is_escaped(admin: Client) -> None:
    post(admin, "/settings/teams/new/", {"name": "<b>坏</b>"})

    html = page(admin, "/settings/teams/")
    assert "&lt;b&gt;坏&lt;/b&gt;" in html
    assert "<b>坏</b>" not in html


def test_missing_team_answers_404(admin: Client) -> None:
    assert admin.get("/settings/teams/999999/").status_code == 404


# --- users ------------------------------------------------------------------------------------


def _usernames(html: str) -> list[str]:
    return re.findall(r'data-user="([^"]+)"', html)


def test_user_list_shows_role_team_grants_and_last_login(personas: Personas, admin: Client) -> None:
    User.objects.filter(pk=personas.alice.pk).update(
        grant_sensitive=True, last_login=timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 30))
    )

    html = page(admin, "/settings/users/")

    assert _usernames(html) == ["admin", "alice", "bob", "carol", "dave", "erin"]
    alice_row = html.split('data-user="alice"')[1].split("</tr>")[0]
    assert "<td>张爱丽</td>" in alice_row
    assert "<td>销售</td>" in alice_row
    assert "<td>华东销售一部</td>" in alice_row
    assert "敏感信息" in alice_row and "完整联系方式" not in alice_row
    assert "2026-03-01 09:30" in alice_row
    bob_row = html.split('data-user="bob"')[1].split("</tr>")[0]
    assert "从未登录" in bob_row


def test_user_list_filters_by_team_role_and_active(personas: Personas, admin: Client) -> None:
    User.objects.filter(pk=personas.bob.pk).update(is_active=False)
    team_a = personas.team_a.pk

    assert _usernames(page(admin, f"/settings/users/?team={team_a}")) == ["alice", "bob", "carol"]
    assert _usernames(page(admin, "/settings/users/?role=sales")) == ["alice", "bob", "dave"]
    assert _usernames(page(admin, f"/settings/users/?team={team_a}&active=1")) == [
        "alice",
        "carol",
    ]
    assert _usernames(page(admin, "/settings/users/?active=0")) == ["bob"]


def test_user_list_ignores_invalid_filters(admin: Client) -> None:
    html = page(admin, "/settings/users/?team=abc&role=boss&active=x")

    assert len(_usernames(html)) == 6


def test_admin_creates_a_user_through_the_page(personas: Personas, admin: Client) -> None:
    data = {
        "username": "frank",
        "full_name": "方可",
        "role": "sales_manager",
        "team": personas.team_b.pk,
        "mobile": "13900001111",
        "grant_personal": "on",
        "password": "Frank-pass-2026",
    }

    response = post(admin, "/settings/users/new/", data)

    assert response.status_code == 302
    frank = User.objects.get(username="frank")
    assert (frank.full_name, frank.role, frank.team, frank.mobile) == (
        "方可",
        "sales_manager",
        personas.team_b,
        "13900001111",
    )
    assert (frank.grant_personal, frank.grant_sensitive, frank.is_active) == (True, False, True)
    assert frank.check_password("Frank-pass-2026")
    [event] = audits("user.create")
    assert (event.actor, event.source, event.object_id) == (personas.admin, "web", str(frank.pk))


def test_weak_password_is_refused_in_chinese_and_the_entries_are_kept(admin: Client) -> None:
    data = {"username": "frank", "full_name": "方可", "role": "sales", "password": "123"}

    response = post(admin, "/settings/users/new/", data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "此密码太短，至少要包含 8 个字符。" in html
    assert 'value="frank"' in html and 'value="方可"' in html
    assert 'value="123"' not in html  # the password is not echoed
    assert not User.objects.filter(username="frank").exists()
    assert audits("user.create") == []


def test_taken_username_is_refused_on_the_form(admin: Client) -> None:
    data = {"username": "alice", "role": "sales", "password": "Frank-pass-2026"}

    html = post(admin, "/settings/users/new/", data).content.decode()

    assert "已存在一位使用该名字的用户。" in html
    assert User.objects.filter(username="alice").count() == 1


def test_admin_edits_a_users_role_team_grants_and_active(personas: Personas, admin: Client) -> None:
    url = f"/settings/users/{personas.alice.pk}/"
    assert 'value="张爱丽"' in page(admin, url)
    data = {
        "full_name": "张爱丽",
        "role": "sales_manager",
        "team": personas.team_b.pk,
        "mobile": "",
        "grant_sensitive": "on",
    }

    response = post(admin, url, data)

    assert response.status_code == 302
    alice = User.objects.get(pk=personas.alice.pk)
    assert (alice.role, alice.team, alice.grant_sensitive, alice.is_active) == (
        "sales_manager",
        personas.team_b,
        True,
        False,
    )
    [event] = audits("user.update")
    assert event.changes == {
        "grant_sensitive": {"before": False, "after": True},
        "is_active": {"before": True, "after": False},
        "role": {"before": "sales", "after": "sales_manager"},
        "team": {"before": "华东销售一部", "after": "华南销售部"},
    }


def test_admin_cannot_demote_themselves(personas: Personas, admin: Client) -> None:
    data = {"full_name": "管理员", "role": "sales", "is_active": "on"}

    response = post(admin, f"/settings/users/{personas.admin.pk}/", data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "不能停用自己或取消自己的管理员角色" in html
    assert User.objects.get(pk=personas.admin.pk).role == "admin"
    assert audits("user.update") == []


def test_missing_user_answers_404(admin: Client) -> None:
    assert admin.get("/settings/users/999999/").status_code == 404


# --- customer numbers and industry codes ------------------------------------------------------


def test_numbering_page_shows_pattern_and_next_number(
    personas: Personas, admin: Client, customer_of: Any
) -> None:
    today = f"{timezone.localdate():%Y%m%d}"
    html = page(admin, "/settings/numbering/")
    assert '<code id="current-pattern">CRM-{YYYYMMDD}-{SEQ:3}</code>' in html
    assert f'<strong id="next-number">CRM-{today}-001</strong>' in html

    customer = customer_of(personas.alice)

    assert customer.number == f"CRM-{today}-001"
    assert f'<strong id="next-number">CRM-{today}-002</strong>' in page(
        admin, "/settings/numbering/"
    )


def test_admin_changes_the_number_pattern(
    personas: Personas, admin: Client, customer_of: Any
) -> None:
    data = {"pattern": "{YYYY}-{IND}-{SEQ:4}", "reason": "按行业编号"}

    response = post(admin, "/settings/numbering/", data)

    assert response.status_code == 302
    assert NumberRule.objects.get().pattern == "{YYYY}-{IND}-{SEQ:4}"
    [event] = audits("settings.number_rule")
    assert event.reason == "按行业编号"
    assert event.changes == {
        "pattern": {"before": "CRM-{YYYYMMDD}-{SEQ:3}", "after": "{YYYY}-{IND}-{SEQ:4}"}
    }
    year = timezone.localdate().year
    assert f'<strong id="next-number">{year}-TEC-0001</strong>' in page(
        admin, "/settings/numbering/"
    )
    customer = customer_of(personas.alice, industry=Industry.objects.get(code="65"))
    assert customer.number == f"{year}-TEC-0001"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{FOO}-{SEQ:3}", "编号规则含有未知占位符: FOO"),
        ("CRM-{YYYY}", "编号规则必须且只能包含一个 {SEQ:n} 序号占位符"),
        ("客户{SEQ:3}", "编号规则的固定部分只能使用字母、数字和 - _ / ."),
    ],
)
def test_invalid_pattern_is_refused_on_the_form(admin: Client, pattern: str, message: str) -> None:
    response = post(admin, "/settings/numbering/", {"pattern": pattern, "reason": ""})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<div class="invalid-feedback" id="id_pattern_error">{message}</div>' in html
    assert f'value="{pattern}"' in html
    assert not NumberRule.objects.exists()
    assert audits("settings.number_rule") == []


def test_industry_list_searches_by_name_and_code(admin: Client) -> None:
    everything = page(admin, "/settings/industries/")
    assert everything.count('action="/settings/industries/') == Industry.objects.count()

    html = page(admin, "/settings/industries/?q=软件")

    assert 'action="/settings/industries/I/"' in html
    assert 'action="/settings/industries/65/"' in html
    assert html.count('action="/settings/industries/') == 2
    assert page(admin, "/settings/industries/?q=65").count('action="/settings/industries/') == 1


def test_admin_sets_an_industry_short_code(personas: Personas, admin: Client) -> None:
    response = post(admin, "/settings/industries/65/", {"short_code": "soft", "q": "软件"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/settings/industries/?q=%E8%BD%AF%E4%BB%B6"
    assert Industry.objects.get(code="65").short_code == "SOFT"
    [event] = audits("settings.industry_code")
    assert event.changes == {"short_code": {"before": "", "after": "SOFT"}}


def test_invalid_industry_short_code_is_shown_with_the_entry(admin: Client) -> None:
    response = post(admin, "/settings/industries/65/", {"short_code": "T1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "编号简码应为 2-6 个大写英文字母,例如 TEC 或 TECH" in html
    assert 'value="T1"' in html
    assert Industry.objects.get(code="65").short_code == ""


def test_unknown_industry_answers_404(admin: Client) -> None:
    assert admin.get("/settings/industries/ZZ/").status_code == 404


# --- custom fields ----------------------------------------------------------------------------


def test_admin_creates_a_choice_field_with_one_value_per_line(
    personas: Personas, admin: Client
) -> None:
    data = {
        "key": "satisfaction",
        "label": "满意度",
        "type": "choice",
        "choices": "满意\r\n 一般 \r\n\r\n不满意\r\n满意",
        "required": "on",
        "position": "3",
    }

    response = post(admin, "/settings/custom-fields/new/", data)

    assert response.status_code == 302
    field = CustomFieldDefinition.objects.get(key="satisfaction")
    assert (field.label, field.type, field.choices, field.required, field.position) == (
        "满意度",
        "choice",
        ["满意", "一般", "不满意"],
        True,
        3,
    )
    assert [e.object_id for e in audits("settings.custom_field")] == [str(field.pk)]
    html = page(admin, "/settings/custom-fields/")
    assert "<code>satisfaction</code>" in html and "不满意" in html


def test_choice_field_without_values_is_refused_in_chinese(admin: Client) -> None:
    data = {"key": "level2", "label": "二级", "type": "choice", "choices": "", "position": "0"}

    response = post(admin, "/settings/custom-fields/new/", data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "单选字段需要至少一个可选值(文本列表)" in html
    assert 'value="level2"' in html and 'value="二级"' in html
    assert not CustomFieldDefinition.objects.exists()


def test_invalid_custom_field_key_is_refused(admin: Client) -> None:
    data = {"key": "Bad-Key", "label": "坏", "type": "text", "position": "0"}

    html = post(admin, "/settings/custom-fields/new/", data).content.decode()

    assert "字段键应以小写字母开头,只含小写字母、数字和单个下划线,且不能是保留字" in html
    assert 'value="Bad-Key"' in html
    assert not CustomFieldDefinition.objects.exists()


def test_edit_changes_label_but_never_the_key(personas: Personas, admin: Client) -> None:
    field = CustomFieldDefinition.objects.create(key="score", label="评分", type="integer")
    url = f"/settings/custom-fields/{field.pk}/"
    assert 'value="评分"' in page(admin, url)

    data = {"key": "hacked", "label": "满意度评分", "type": "integer", "position": "1"}
    response = post(admin, url, data)

    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.key, field.label, field.position) == ("score", "满意度评分", 1)


def test_choice_values_are_shown_one_per_line_when_editing(admin: Client) -> None:
    field = CustomFieldDefinition.objects.create(
        key="grade", label="等级", type="choice", choices=["高", "低"]
    )

    html = page(admin, f"/settings/custom-fields/{field.pk}/")

    assert ">\n高\n低</textarea>" in html


def test_admin_deactivates_and_reactivates_a_custom_field(admin: Client) -> None:
    field = CustomFieldDefinition.objects.create(key="score", label="评分", type="integer")
    url = f"/settings/custom-fields/{field.pk}/active/"

    post(admin, url, {"active": "0"})
    field.refresh_from_db()
    assert field.is_active is False
    assert "已停用" in page(admin, "/settings/custom-fields/")

    post(admin, url, {"active": "1"})
    field.refresh_from_db()
    assert field.is_active is True
    assert [e.changes for e in audits("settings.custom_field")] == [
        {"is_active": {"before": True, "after": False}},
        {"is_active": {"before": False, "after": True}},
    ]


def test_toggle_is_post_only(admin: Client) -> None:
    field = CustomFieldDefinition.objects.create(key="score", label="评分", type="integer")

    assert admin.get(f"/settings/custom-fields/{field.pk}/active/").status_code == 405


# --- sources ----------------------------------------------------------------------------------


def test_source_list_is_in_order(admin: Client) -> None:
    html = page(admin, "/settings/sources/")

    positions = [html.index(f"<td>{name}</td>") for name in ["官网留言", "行业展会", "其他"]]
    assert positions == sorted(positions)


def test_admin_adds_a_source_placed_last_by_default(admin: Client) -> None:
    assert 'name="position" value="7"' in page(admin, "/settings/sources/new/")

    response = post(admin, "/settings/sources/new/", {"name": "抖音", "position": "7"})

    assert response.status_code == 302
    source = Source.objects.get(name="抖音")
    assert (source.position, source.is_active) == (7, True)
    assert [e.object_id for e in audits("settings.source")] == [str(source.pk)]


def test_admin_reorders_renames_and_disables_a_source(admin: Client) -> None:
    source = Source.objects.get(name="其他")

    post(admin, f"/settings/sources/{source.pk}/", {"name": "其它渠道", "position": "0"})
    post(admin, f"/settings/sources/{source.pk}/active/", {"active": "0"})

    source.refresh_from_db()
    assert (source.name, source.position, source.is_active) == ("其它渠道", 0, False)
    assert len(audits("settings.source")) == 2


def test_duplicate_source_and_bad_position_are_refused(admin: Client) -> None:
    response = post(admin, "/settings/sources/new/", {"name": "官网留言", "position": "99999"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "确保该值小于或等于32767。" in html
    assert Source.objects.filter(name="官网留言").count() == 1

    html = post(
        admin, "/settings/sources/new/", {"name": "官网留言", "position": "1"}
    ).content.decode()
    assert "具有 名称 的 客户来源 已存在。" in html


def test_an_empty_submission_shows_the_required_fields(admin: Client) -> None:
    response = post(admin, "/settings/sources/new/", {})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_name_error">该字段是必填项。</div>' in html
    assert Source.objects.count() == 7


# --- tags -------------------------------------------------------------------------------------


@pytest.fixture
def tagged(personas: Personas, customer_of: Any) -> dict[str, Customer]:
    return {
        "a": customer_of(personas.alice, tags=["重点"]),
        "b": customer_of(personas.alice, tags=["重点", "重点客户"]),
        "c": customer_of(personas.dave, tags=["重点客户", "华东区域"]),
    }


def test_tag_list_shows_how_many_customers_use_each(admin: Client, tagged: Any) -> None:
    html = page(admin, "/settings/tags/")

    rows = {
        name: html.split(f'<span class="badge bg-blue-lt">{name}</span>')[1].split("</tr>")[0]
        for name in ["重点", "重点客户", "华东区域"]
    }
    assert "<td data-count>2</td>" in rows["重点"]
    assert "<td data-count>2</td>" in rows["重点客户"]
    assert "<td data-count>1</td>" in rows["华东区域"]


def test_tag_list_searches_by_name(admin: Client, tagged: Any) -> None:
    html = page(admin, "/settings/tags/?q=重点")

    assert "重点客户" in html and "华东区域" not in html


def test_admin_renames_a_tag_for_every_customer(
    personas: Personas, admin: Client, tagged: Any
) -> None:
    tag = Tag.objects.get(name="重点")
    version = Customer.objects.get(pk=tagged["a"].pk).version

    response = post(admin, f"/settings/tags/{tag.pk}/rename/", {"name": "战略"})

    assert response.status_code == 302
    assert tag_names(tagged["a"]) == ["战略"]
    assert tag_names(tagged["b"]) == ["战略", "重点客户"]
    assert Customer.objects.get(pk=tagged["a"].pk).version == version + 1
    [event] = audits("tag.rename")
    assert event.changes == {
        "name": {"before": "重点", "after": "战略"},
        "customers": {"before": 2, "after": 2},
    }


def test_renaming_to_a_taken_name_is_refused_with_the_entry_kept(
    admin: Client, tagged: Any
) -> None:
    tag = Tag.objects.get(name="重点")

    response = post(admin, f"/settings/tags/{tag.pk}/rename/", {"name": "重点客户"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "已有名为「重点客户」的标签" in html
    assert 'name="name" value="重点客户"' in html
    assert tag_names(tagged["a"]) == ["重点"]
    assert audits("tag.rename") == []


def test_admin_merges_a_tag_into_another(admin: Client, tagged: Any) -> None:
    tag = Tag.objects.get(name="重点")

    response = post(admin, f"/settings/tags/{tag.pk}/merge/", {"into": "重点客户"})

    assert response.status_code == 302
    assert not Tag.objects.filter(name="重点").exists()
    assert tag_names(tagged["a"]) == ["重点客户"]
    assert tag_names(tagged["b"]) == ["重点客户"]
    assert tag_names(tagged["c"]) == ["华东区域", "重点客户"]
    [event] = audits("tag.merge")
    assert event.changes == {
        "merged_into": {"before": "重点", "after": "重点客户"},
        "customers": {"before": 2, "after": 3},
    }


@pytest.mark.parametrize(
    ("into", "message"),
    [("没有这个", "没有名为「没有这个」的标签"), ("重点", "不能把标签合并到它自己")],
)
def test_merge_into_unknown_or_same_tag_is_refused(
    admin: Client, tagged: Any, into: str, message: str
) -> None:
    tag = Tag.objects.get(name="重点")

    response = post(admin, f"/settings/tags/{tag.pk}/merge/", {"into": into})

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'name="into" value="{into}"' in html
    assert tag_names(tagged["b"]) == ["重点", "重点客户"]
    assert audits("tag.merge") == []


def test_admin_deletes_a_tag_from_every_customer(admin: Client, tagged: Any) -> None:
    tag = Tag.objects.get(name="重点客户")

    response = post(admin, f"/settings/tags/{tag.pk}/delete/", {})

    assert response.status_code == 302
    assert not Tag.objects.filter(name="重点客户").exists()
    assert tag_names(tagged["a"]) == ["重点"]
    assert tag_names(tagged["b"]) == ["重点"]
    assert tag_names(tagged["c"]) == ["华东区域"]
    [event] = audits("tag.delete")
    assert event.changes == {
        "name": {"before": "重点客户", "after": None},
        "customers": {"before": 2, "after": 0},
    }
    assert "标签「重点客户」已删除" in page(admin, "/settings/tags/")


def test_tag_page_shows_its_usage_and_escapes_the_name(
    personas: Personas, admin: Client, customer_of: Any
) -> None:
    customer_of(personas.alice, tags=["<i>x</i>"])
    tag = Tag.objects.get(name="<i>x</i>")

    html = page(admin, f"/settings/tags/{tag.pk}/")

    assert "1 个客户使用此标签" in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html and "<i>x</i>" not in html


def test_renaming_a_tag_to_its_own_name_writes_nothing(personas: Personas, tagged: Any) -> None:
    tag = Tag.objects.get(name="重点")

    services.rename_tag(actor(personas.admin), tag, name=" 重点 ")

    assert audits("tag.rename") == []


@pytest.mark.parametrize(
    "write",
    [
        lambda a, t, o: services.rename_tag(a, t, name="新名"),
        lambda a, t, o: services.merge_tags(a, t, into=o),
        lambda a, t, o: services.delete_tag(a, t),
    ],
)
def test_tag_services_are_admin_only(personas: Personas, tagged: Any, write: Any) -> None:
    tag, other = Tag.objects.get(name="重点"), Tag.objects.get(name="重点客户")

    with pytest.raises(PermissionDenied):
        write(actor(personas.carol), tag, other)

    assert tag_names(tagged["b"]) == ["重点", "重点客户"]
    assert not AuditEvent.objects.filter(action__startswith="tag.").exists()


def test_deleting_a_missing_tag_answers_404(admin: Client) -> None:
    assert admin.post("/settings/tags/999999/delete/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/settings/tags/?q=%00&page=abc",
        "/settings/tags/?page=999",
        "/settings/industries/?q=%00",
        "/settings/users/?team=%00&role=%00&active=%00",
    ],
)
def test_odd_query_strings_never_fail(admin: Client, tagged: Any, url: str) -> None:
    assert admin.get(url).status_code == 200


# --- query counts (fixed, whatever the number of rows) ----------------------------------------

# Every signed-in request costs 2: session and user (the session is re-saved at most every
# five minutes). Then each page's own queries, independent of the number of rows.
BASE = 2
LIST_QUERIES = {
    "/settings/": BASE,
    "/settings/teams/": BASE + 1,  # teams with manager and member count
    "/settings/users/": BASE + 2,  # teams for the filter, users with their team
    "/settings/users/?role=sales&active=1": BASE + 2,
    "/settings/numbering/": BASE + 2,  # the rule, the counter for the preview
    "/settings/industries/": BASE + 1,  # industries with their section
    "/settings/industries/?q=软件": BASE + 1,
    "/settings/custom-fields/": BASE + 1,
    "/settings/sources/": BASE + 1,
    "/settings/tags/": BASE + 2,  # count for the pager, the page of tags with usage counts
}


def _more_rows(personas: Personas, customer_of: Any, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        team = Team.objects.create(name=f"扩展团队{i}", manager=personas.carol)
        User.objects.create(username=f"user{i}", team=team, role="sales")
        Source.objects.create(name=f"来源{i}", position=10 + i)
        CustomFieldDefinition.objects.create(key=f"f{i}", label=f"字段{i}", type="text")
        customer_of(personas.alice, tags=[f"标签{i}", "共用"])


@pytest.mark.parametrize("url", list(LIST_QUERIES))
def test_list_pages_run_a_fixed_number_of_queries(
    personas: Personas,
    customer_of: Any,
    django_assert_num_queries: Any,
    url: str,
) -> None:
    client = signed_in(personas.admin)
    client.get("/settings/")  # warm up: the first request of a process checks for any user
    _more_rows(personas, customer_of, 1)
    with django_assert_num_queries(LIST_QUERIES[url]):
        assert client.get(url).status_code == 200
    _more_rows(personas, customer_of, 6, start=1)
    with django_assert_num_queries(LIST_QUERIES[url]):
        assert client.get(url).status_code == 200

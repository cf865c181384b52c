"""Web sign-in: first-administrator set-up, login/logout, password change, sessions, lockout."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from crm.accounts.choices import Role
from crm.accounts.models import ApiToken, User, hash_token
from crm.audit.models import AuditEvent
from crm.core import testing

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Brand-new-pass-2026"
SETUP_PASSWORD = "Strong-setup-2026"


def setup_post(client: Any, **overrides: str) -> Any:
    data = {
        "username": "boss",
        "full_name": "王总",
        "password": SETUP_PASSWORD,
        "password2": SETUP_PASSWORD,
        **overrides,
    }
    return client.post("/setup/", data)


def make_token(user: User) -> str:
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[:8])
    return raw


def login_post(client: Any, username: str, password: str, **extra: Any) -> Any:
    return client.post("/login/", {"username": username, "password": password}, **extra)


def is_signed_in(client: Any) -> bool:
    response = client.get("/customers/")
    return response.status_code == 200


# --- first administrator ----------------------------------------------------------------------


def test_empty_database_sends_home_page_to_setup(client: Any) -> None:
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/setup/"


def test_empty_database_sends_login_page_to_setup(client: Any) -> None:
    response = client.get("/login/")

    assert response.status_code == 302
    assert response["Location"] == "/setup/"


def test_setup_page_greets_in_chinese(client: Any) -> None:
    response = client.get("/setup/")

    assert response.status_code == 200
    assert "欢迎使用客户关系管理系统" in response.content.decode()


def test_setup_with_mismatching_passwords_creates_nobody(client: Any) -> None:
    response = setup_post(client, password2="Other-setup-2026")

    assert response.status_code == 200
    assert "两次输入的密码不一致" in response.content.decode()
    assert User.objects.count() == 0


def test_setup_with_short_common_password_shows_django_validation_in_chinese(client: Any) -> None:
    response = setup_post(client, password="123", password2="123")

    body = response.content.decode()
    assert response.status_code == 200
    assert "此密码太短，至少要包含 8 个字符。" in body
    assert "这个密码太常见了。" in body
    assert "密码只包含数字。" in body
    assert User.objects.count() == 0


def test_setup_creates_one_superuser_admin(client: Any) -> None:
    setup_post(client)

    user = User.objects.get()
    assert (user.username, user.full_name, user.role) == ("boss", "王总", Role.ADMIN)
    assert user.is_superuser is True
    assert user.is_staff is True
    assert user.check_password(SETUP_PASSWORD)


def test_setup_logs_the_admin_in_and_redirects_to_customer_list(client: Any) -> None:
    response = setup_post(client)

    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)
    assert is_signed_in(client)


def test_setup_writes_create_first_admin_audit_row_from_web(client: Any) -> None:
    setup_post(client)

    user = User.objects.get()
    event = AuditEvent.objects.get()
    assert (event.action, event.source, event.actor_id) == (
        "user.create_first_admin",
        "web",
        user.pk,
    )
    assert event.object_id == str(user.pk)
    assert SETUP_PASSWORD not in json.dumps(event.changes, ensure_ascii=False)


def test_setup_redirects_to_login_once_a_user_exists(client: Any, personas: Any) -> None:
    response = client.get("/setup/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_setup_post_once_a_user_exists_creates_nobody(client: Any, personas: Any) -> None:
    response = setup_post(client)

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert not User.objects.filter(username="boss").exists()


def test_same_client_stops_going_to_setup_after_users_appear(client: Any) -> None:
    """FirstAdminMiddleware only caches "has users" once true, so it re-checks while empty."""
    assert client.get("/").headers["Location"] == "/setup/"
    testing.make_personas()

    response = client.get("/login/")

    assert response.status_code == 200


# --- login / logout ---------------------------------------------------------------------------


def test_login_with_wrong_password_shows_chinese_error(client: Any, personas: Any) -> None:
    response = login_post(client, "alice", "wrong-password")

    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_unknown_username_shows_same_error(client: Any, personas: Any) -> None:
    response = login_post(client, "nobody", testing.PASSWORD)

    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_correct_login_redirects_to_customer_list(client: Any, personas: Any) -> None:
    response = login_post(client, "alice", testing.PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    assert client.session["_auth_user_id"] == str(personas.alice.pk)


def test_login_follows_safe_next_parameter(client: Any, personas: Any) -> None:
    response = client.post(
        "/login/", {"username": "alice", "password": testing.PASSWORD, "next": "/password/"}
    )

    assert response["Location"] == "/password/"


def test_login_ignores_offsite_next_parameter(client: Any, personas: Any) -> None:
    response = client.post(
        "/login/",
        {"username": "alice", "password": testing.PASSWORD, "next": "https://evil.example/"},
    )

    assert response["Location"] == "/customers/"


def test_inactive_user_cannot_log_in(client: Any, personas: Any) -> None:
    User.objects.filter(pk=personas.alice.pk).update(is_active=False)

    response = login_post(client, "alice", testing.PASSWORD)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_post_ends_the_session(client: Any, personas: Any) -> None:
    login_post(client, "alice", testing.PASSWORD)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/customers/").status_code == 302


def test_logout_get_is_refused(client: Any, personas: Any) -> None:
    client.force_login(personas.alice)

    response = client.get("/logout/")

    assert response.status_code == 405
    assert is_signed_in(client)


def test_customer_list_requires_login(client: Any, personas: Any) -> None:
    response = client.get("/customers/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/customers/"


def test_password_page_requires_login(client: Any, personas: Any) -> None:
    response = client.get("/password/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/password/"


# --- password change --------------------------------------------------------------------------


def change_password(client: Any, old: str, new: str = NEW_PASSWORD, new2: str | None = None) -> Any:
    return client.post(
        "/password/",
        {
            "old_password": old,
            "new_password": new,
            "new_password2": new if new2 is None else new2,
        },
    )


def test_password_change_with_wrong_old_password_is_refused(client: Any, personas: Any) -> None:
    client.force_login(personas.alice)

    response = change_password(client, old="not-my-password")

    assert response.status_code == 200
    assert "原密码不正确" in response.content.decode()
    personas.alice.refresh_from_db()
    assert personas.alice.check_password(testing.PASSWORD)


def test_password_change_with_weak_new_password_is_refused(client: Any, personas: Any) -> None:
    client.force_login(personas.alice)

    response = change_password(client, old=testing.PASSWORD, new="12345678")

    body = response.content.decode()
    assert response.status_code == 200
    assert "这个密码太常见了。" in body
    personas.alice.refresh_from_db()
    assert personas.alice.check_password(testing.PASSWORD)


def test_password_change_success_redirects_and_keeps_session(client: Any, personas: Any) -> None:
    client.force_login(personas.alice)

    response = change_password(client, old=testing.PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    assert is_signed_in(client)


def test_after_password_change_only_new_password_logs_in(client: Any, personas: Any) -> None:
    client.force_login(personas.alice)
    change_password(client, old=testing.PASSWORD)

    old = login_post(Client(), "alice", testing.PASSWORD)
    new = login_post(Client(), "alice", NEW_PASSWORD)

    assert old.status_code == 200
    assert new.status_code == 302
    assert new["Location"] == "/customers/"


def test_password_change_deletes_the_users_api_tokens(client: Any, personas: Any) -> None:
    for user in (personas.alice, personas.alice, personas.bob):
        make_token(user)
    client.force_login(personas.alice)

    change_password(client, old=testing.PASSWORD)

    assert ApiToken.objects.filter(user=personas.alice).count() == 0
    assert ApiToken.objects.filter(user=personas.bob).count() == 1


def test_password_change_audit_row_hides_the_password(client: Any, personas: Any) -> None:
    client.force_login(personas.alice)

    change_password(client, old=testing.PASSWORD)

    event = AuditEvent.objects.get(action="user.change_password")
    assert (event.actor_id, event.source, event.object_id) == (
        personas.alice.pk,
        "web",
        str(personas.alice.pk),
    )
    assert event.changes == {"password": {"before": "******", "after": "******"}}
    dumped = json.dumps(event.changes, ensure_ascii=False) + event.reason
    assert NEW_PASSWORD not in dumped
    assert testing.PASSWORD not in dumped


# --- session expiry ---------------------------------------------------------------------------


def test_sessions_last_eight_hours_and_slide_with_each_request() -> None:
    assert django_settings.SESSION_COOKIE_AGE == 8 * 3600
    assert django_settings.SESSION_SAVE_EVERY_REQUEST is False  # slid by our middleware
    assert django_settings.SESSION_REFRESH_SECONDS == 300


def test_active_session_is_not_written_on_every_request(
    client: Any, personas: Any, monkeypatch: Any, django_assert_num_queries: Any
) -> None:
    login_post(client, "alice", testing.PASSWORD)
    key = client.session.session_key
    expiry = Session.objects.get(session_key=key).expire_date

    with monkeypatch.context() as patch:
        travel(patch, datetime.timedelta(minutes=4))
        assert client.get("/customers/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == expiry

    travel(monkeypatch, datetime.timedelta(minutes=6))
    assert client.get("/customers/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date >= expiry + datetime.timedelta(
        minutes=5
    )


def travel(monkeypatch: Any, delta: datetime.timedelta) -> None:
    """Move the clock used by the session store (django.utils.timezone.now) forward."""
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + delta)


def test_idle_session_older_than_eight_hours_no_longer_authenticates(
    client: Any, personas: Any, monkeypatch: Any
) -> None:
    login_post(client, "alice", testing.PASSWORD)
    travel(monkeypatch, datetime.timedelta(hours=8, minutes=1))

    response = client.get("/customers/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/customers/"


def test_session_seven_hours_idle_still_authenticates(
    client: Any, personas: Any, monkeypatch: Any
) -> None:
    login_post(client, "alice", testing.PASSWORD)
    travel(monkeypatch, datetime.timedelta(hours=7, minutes=59))

    assert client.get("/customers/").status_code == 200


def test_active_session_slides_forward_past_eight_hours(
    client: Any, personas: Any, monkeypatch: Any
) -> None:
    login_post(client, "alice", testing.PASSWORD)
    with monkeypatch.context() as patch:
        travel(patch, datetime.timedelta(hours=7))
        assert client.get("/customers/").status_code == 200
    travel(monkeypatch, datetime.timedelta(hours=14))

    assert client.get("/customers/").status_code == 200


# --- django-axes lockout ----------------------------------------------------------------------


def test_first_four_failures_only_show_the_login_error(client: Any, personas: Any) -> None:
    statuses = [login_post(client, "alice", "wrong").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 200]
    assert login_post(client, "alice", testing.PASSWORD).status_code == 302


def test_fifth_failure_locks_the_username_with_429(client: Any, personas: Any) -> None:
    for _ in range(4):
        login_post(client, "alice", "wrong")

    response = login_post(client, "alice", "wrong")

    assert response.status_code == 429


def test_locked_username_cannot_log_in_with_right_password(client: Any, personas: Any) -> None:
    for _ in range(5):
        login_post(client, "alice", "wrong")

    response = login_post(client, "alice", testing.PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_does_not_block_other_usernames_from_same_address(
    client: Any, personas: Any
) -> None:
    for _ in range(5):
        login_post(client, "alice", "wrong")

    response = login_post(client, "bob", testing.PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/customers/"


def test_lockout_is_per_username_and_address(client: Any, personas: Any) -> None:
    for _ in range(5):
        login_post(client, "alice", "wrong", REMOTE_ADDR="10.0.0.1")

    response = login_post(client, "alice", testing.PASSWORD, REMOTE_ADDR="10.0.0.2")

    assert response.status_code == 302


def test_lockout_page_speaks_chinese(client: Any, personas: Any) -> None:
    for _ in range(5):
        login_post(client, "alice", "wrong")

    response = login_post(client, "alice", testing.PASSWORD)

    body = response.content.decode()
    assert response.status_code == 429
    assert "Account locked" not in body
    assert re.search(r"[\u4e00-\u9fff]", body)


# --- what the sign-in page tells the user ------------------------------------------------------


def test_sign_out_says_so_on_the_sign_in_page(client: Any, personas: Any) -> None:
    login_post(client, "alice", testing.PASSWORD)

    response = client.post("/logout/", follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [("/login/", 302)]
    assert "您已退出登录" in html
    assert "_auth_user_id" not in client.session


def test_redirect_to_sign_in_explains_why(client: Any, personas: Any) -> None:
    response = client.get("/customers/?stage=intent", follow=True)

    html = response.content.decode()
    assert "请先登录,登录后将回到您要打开的页面" in html
    assert 'name="next" value="/customers/?stage=intent"' in html


def test_plain_sign_in_page_has_no_explanation(client: Any, personas: Any) -> None:
    assert "请先登录" not in client.get("/login/").content.decode()

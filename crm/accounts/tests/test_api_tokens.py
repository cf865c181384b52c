"""API tokens: issue for credentials, authenticate with `Authorization: Token`, revoke."""

from __future__ import annotations

import datetime
import hashlib
import re
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from crm.accounts.models import ApiToken, User
from crm.audit.models import AuditEvent
from crm.core import testing

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
REVOKE_URL = "/api/v1/auth/token/current/"
ME_URL = "/api/v1/users/me/"


def issue(username: str = "alice", password: str = testing.PASSWORD) -> Any:
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")


def token_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_issue_token_answers_token_and_expiry(personas: Any) -> None:
    response = issue()

    assert response.status_code == 200
    assert set(response.json()) == {"token", "expires_at"}
    token = ApiToken.objects.get()
    assert token.expires_at is not None
    assert (
        response.json()["expires_at"] == token.expires_at.isoformat().replace("+00:00", "Z")
        or response.json()["expires_at"] == timezone.localtime(token.expires_at).isoformat()
    )


def test_issued_token_expires_after_configured_days(personas: Any, settings: Any) -> None:
    before = timezone.now()
    issue()
    after = timezone.now()

    token = ApiToken.objects.get()
    days = datetime.timedelta(days=settings.API_TOKEN_DAYS)
    assert settings.API_TOKEN_DAYS == 90
    assert token.expires_at is not None
    assert before + days <= token.expires_at <= after + days


def test_issued_token_belongs_to_the_user(personas: Any) -> None:
    issue()

    assert ApiToken.objects.get().user == personas.alice


def test_raw_token_is_stored_only_as_its_sha256(personas: Any) -> None:
    raw = issue().json()["token"]

    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:8]


def test_no_token_column_holds_the_raw_token(personas: Any) -> None:
    raw = issue().json()["token"]

    row = ApiToken.objects.values().get()
    assert all(raw not in str(value) for value in row.values())


def test_token_authenticates_users_me(personas: Any) -> None:
    raw = issue().json()["token"]

    response = token_client(raw).get(ME_URL)

    assert response.status_code == 200
    assert (response.json()["username"], response.json()["id"]) == ("alice", personas.alice.pk)


def test_each_user_gets_their_own_token(personas: Any) -> None:
    alice_raw = issue("alice").json()["token"]
    dave_raw = issue("dave").json()["token"]

    assert alice_raw != dave_raw
    assert token_client(dave_raw).get(ME_URL).json()["username"] == "dave"


def test_using_a_token_records_last_use(personas: Any) -> None:
    raw = issue().json()["token"]
    assert ApiToken.objects.get().last_used_at is None

    token_client(raw).get(ME_URL)

    assert ApiToken.objects.get().last_used_at is not None


def test_wrong_password_is_refused_with_403(personas: Any) -> None:
    response = issue(password="wrong-password")

    assert response.status_code == 403
    assert response.json() == {"detail": "用户名或密码不正确"}
    assert ApiToken.objects.count() == 0


def test_unknown_user_is_refused_like_a_wrong_password(personas: Any) -> None:
    response = issue(username="nobody")

    assert response.status_code == 403
    assert response.json() == {"detail": "用户名或密码不正确"}


def test_inactive_user_cannot_get_a_token(personas: Any) -> None:
    User.objects.filter(pk=personas.alice.pk).update(is_active=False)

    response = issue()

    assert response.status_code == 403
    assert response.json() == {"detail": "用户名或密码不正确"}
    assert ApiToken.objects.count() == 0


def test_missing_fields_answer_400_with_field_messages(personas: Any) -> None:
    response = APIClient().post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"username": ["该字段是必填项。"], "password": ["该字段是必填项。"]}


def test_blank_password_answers_400(personas: Any) -> None:
    response = issue(password="")

    assert response.status_code == 400
    assert response.json() == {"password": ["该字段不能为空。"]}


def test_bad_token_answers_401(personas: Any) -> None:
    response = token_client("not-a-real-token").get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "令牌无效或已过期"}
    assert response["WWW-Authenticate"] == "Token"


def test_no_credentials_answer_401(personas: Any) -> None:
    response = APIClient().get(ME_URL)

    assert response.status_code == 401


def test_expired_token_answers_401(personas: Any) -> None:
    raw = issue().json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = token_client(raw).get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "令牌无效或已过期"}


def test_inactive_users_token_answers_401(personas: Any) -> None:
    raw = issue().json()["token"]
    User.objects.filter(pk=personas.alice.pk).update(is_active=False)

    response = token_client(raw).get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "该用户已停用"}


def test_revoke_answers_204_and_deletes_the_token(personas: Any) -> None:
    raw = issue().json()["token"]

    response = token_client(raw).delete(REVOKE_URL)

    assert response.status_code == 204
    assert ApiToken.objects.count() == 0


def test_revoked_token_no_longer_authenticates(personas: Any) -> None:
    raw = issue().json()["token"]
    client = token_client(raw)
    client.delete(REVOKE_URL)

    response = client.get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "令牌无效或已过期"}


def test_revoke_deletes_only_the_token_in_use(personas: Any) -> None:
    first = issue().json()["token"]
    second = issue().json()["token"]

    token_client(first).delete(REVOKE_URL)

    assert token_client(second).get(ME_URL).status_code == 200
    assert ApiToken.objects.count() == 1


def test_revoke_over_a_session_is_refused(personas: Any) -> None:
    response = testing.api_client(personas.alice).delete(REVOKE_URL)

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["只能注销通过令牌认证的请求所用的令牌"]}


def test_issue_writes_token_issue_audit_row_from_api(personas: Any) -> None:
    raw = issue().json()["token"]

    event = AuditEvent.objects.get(action="token.issue")
    assert (event.source, event.actor_id, event.object_id) == (
        "api",
        personas.alice.pk,
        str(personas.alice.pk),
    )
    assert event.changes == {"token": {"before": None, "after": f"{raw[:8]}…"}}


def test_revoke_writes_token_revoke_audit_row_from_api(personas: Any) -> None:
    raw = issue().json()["token"]
    token_client(raw).delete(REVOKE_URL)

    event = AuditEvent.objects.get(action="token.revoke")
    assert (event.source, event.actor_id, event.object_id) == (
        "api",
        personas.alice.pk,
        str(personas.alice.pk),
    )
    assert event.changes == {"token": {"before": f"{raw[:8]}…", "after": None}}


def test_audit_rows_never_hold_the_raw_token(personas: Any) -> None:
    raw = issue().json()["token"]
    token_client(raw).delete(REVOKE_URL)

    assert AuditEvent.objects.count() == 2
    assert all(raw not in str(e.changes) for e in AuditEvent.objects.all())


def test_failed_token_request_writes_no_audit_row(personas: Any) -> None:
    issue(password="wrong-password")

    assert AuditEvent.objects.count() == 0


def test_fifth_failed_token_request_locks_the_username_with_429(personas: Any) -> None:
    statuses = [issue(password="wrong-password").status_code for _ in range(5)]

    assert statuses == [403, 403, 403, 403, 429]


def test_locked_username_gets_no_token_with_right_password(personas: Any) -> None:
    for _ in range(5):
        issue(password="wrong-password")

    response = issue()

    assert response.status_code == 429
    assert ApiToken.objects.count() == 0


def test_api_lockout_answers_json_detail_in_chinese(personas: Any) -> None:
    for _ in range(5):
        issue(password="wrong-password")

    response = issue()

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"])

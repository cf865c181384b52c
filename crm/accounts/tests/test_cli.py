"""`crm createadmin --username NAME --password-stdin`: the first administrator without a browser."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from crm.accounts.choices import Role
from crm.accounts.models import User
from crm.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "Cli-admin-pass-2026"


def createadmin(monkeypatch: Any, stdin: str, *args: str, **options: Any) -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("createadmin", *args, stdout=out, **options)
    return out.getvalue()


def test_createadmin_creates_a_superuser_admin_from_stdin(monkeypatch: Any) -> None:
    createadmin(monkeypatch, f"{PASSWORD}\n", "--username", "boss", "--password-stdin")

    user = User.objects.get()
    assert (user.username, user.role, user.is_superuser, user.is_staff) == (
        "boss",
        Role.ADMIN,
        True,
        True,
    )
    assert user.check_password(PASSWORD)


def test_createadmin_reports_success_in_chinese(monkeypatch: Any) -> None:
    out = createadmin(monkeypatch, f"{PASSWORD}\n", "--username", "boss", "--password-stdin")

    assert out.strip() == "已创建管理员 boss"


def test_createadmin_sets_full_name(monkeypatch: Any) -> None:
    createadmin(
        monkeypatch,
        f"{PASSWORD}\n",
        "--username",
        "boss",
        "--full-name",
        "王总",
        "--password-stdin",
    )

    assert User.objects.get().full_name == "王总"


def test_createadmin_reads_only_the_first_line_without_line_ending(monkeypatch: Any) -> None:
    createadmin(
        monkeypatch, f"{PASSWORD}\r\nsecond line\n", "--username", "boss", "--password-stdin"
    )

    assert User.objects.get().check_password(PASSWORD)


def test_createadmin_accepts_password_without_trailing_newline(monkeypatch: Any) -> None:
    createadmin(monkeypatch, PASSWORD, "--username", "boss", "--password-stdin")

    assert User.objects.get().check_password(PASSWORD)


def test_createadmin_writes_audit_row_from_cli(monkeypatch: Any) -> None:
    createadmin(monkeypatch, f"{PASSWORD}\n", "--username", "boss", "--password-stdin")

    user = User.objects.get()
    event = AuditEvent.objects.get()
    assert (event.action, event.source, event.actor_id) == (
        "user.create_first_admin",
        "cli",
        user.pk,
    )


def test_second_createadmin_is_refused(monkeypatch: Any) -> None:
    createadmin(monkeypatch, f"{PASSWORD}\n", "--username", "boss", "--password-stdin")

    with pytest.raises(CommandError) as excinfo:
        createadmin(monkeypatch, f"{PASSWORD}\n", "--username", "boss2", "--password-stdin")

    assert str(excinfo.value) == "系统已有用户,不能再创建首个管理员(已有 1 个用户)"
    assert list(User.objects.values_list("username", flat=True)) == ["boss"]


def test_createadmin_refused_when_personas_exist(monkeypatch: Any, personas: Any) -> None:
    with pytest.raises(CommandError, match="系统已有用户"):
        createadmin(monkeypatch, f"{PASSWORD}\n", "--username", "boss", "--password-stdin")

    assert User.objects.count() == 6


def test_createadmin_with_empty_stdin_is_refused(monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as excinfo:
        createadmin(monkeypatch, "", "--username", "boss", "--password-stdin")

    assert str(excinfo.value) == "标准输入中没有读到密码"
    assert User.objects.count() == 0


def test_createadmin_with_blank_first_line_is_refused(monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as excinfo:
        createadmin(monkeypatch, f"\n{PASSWORD}\n", "--username", "boss", "--password-stdin")

    assert str(excinfo.value) == "标准输入中没有读到密码"
    assert User.objects.count() == 0


def test_createadmin_with_weak_password_is_refused(monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as excinfo:
        createadmin(monkeypatch, "123\n", "--username", "boss", "--password-stdin")

    assert (
        str(excinfo.value)
        == "此密码太短，至少要包含 8 个字符。; 这个密码太常见了。; 密码只包含数字。"
    )
    assert User.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_createadmin_with_password_like_username_is_refused(monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as excinfo:
        createadmin(monkeypatch, "bossbossboss\n", "--username", "bossbossboss", "--password-stdin")

    assert str(excinfo.value) == "密码跟 用户名 太相似了。"
    assert User.objects.count() == 0


def test_createadmin_without_password_stdin_flag_is_refused(monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as excinfo:
        createadmin(monkeypatch, f"{PASSWORD}\n", "--username", "boss")

    assert str(excinfo.value) == "请使用 --password-stdin,并通过标准输入提供密码"
    assert User.objects.count() == 0


def test_createadmin_without_username_is_refused(monkeypatch: Any) -> None:
    with pytest.raises(CommandError, match="--username"):
        createadmin(monkeypatch, f"{PASSWORD}\n", "--password-stdin")

    assert User.objects.count() == 0


def test_createadmin_with_invalid_username_is_refused(monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as excinfo:
        createadmin(monkeypatch, f"{PASSWORD}\n", "--username", "bad name!", "--password-stdin")

    assert str(excinfo.value) == (
        "请输入合法的用户名。只能包含英文字母、数字、特殊字符“@”、“.”、“-”和“_”。"
    )
    assert User.objects.count() == 0

"""Writes for users, teams and API tokens. Every write is authorised and audited here."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from crm.audit import services as audit
from crm.core.actor import Actor
from crm.core.errors import Conflict

from . import policy
from .choices import Role
from .models import ApiToken, Team, User, hash_token

USER_FIELDS = (
    "username",
    "full_name",
    "email",
    "mobile",
    "role",
    "team",
    "is_active",
    "grant_sensitive",
    "grant_personal",
)
TEAM_FIELDS = ("name", "manager")


def _validate_password(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def create_first_admin(actor: Actor, *, username: str, password: str, full_name: str = "") -> User:
    """The first administrator of an empty installation; refused once any user exists."""
    with transaction.atomic():
        if connection.vendor == "postgresql":  # SQLite's IMMEDIATE transactions already queue
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {User._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        if User.objects.exists():
            raise Conflict("系统已有用户,不能再创建首个管理员")
        user = User(
            username=username,
            full_name=full_name,
            role=Role.ADMIN,
            is_staff=True,
            is_superuser=True,
        )
        user.full_clean(exclude=["password"])
        _validate_password(password, user)
        user.set_password(password)
        user.save()
        audit.record(
            Actor(user, actor.source),
            "user.create_first_admin",
            user,
            changes=audit.diff({}, audit.snapshot(user, USER_FIELDS)),
        )
    return user


def create_user(actor: Actor, *, password: str, **fields: Any) -> User:
    policy.require(actor.user, "user.manage")
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise ValidationError(f"未知字段: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        user = User(**fields)
        user.is_staff = user.is_superuser = user.role == Role.ADMIN
        user.full_clean(exclude=["password"])
        _validate_password(password, user)
        user.set_password(password)
        user.save()
        audit.record(
            actor, "user.create", user, changes=audit.diff({}, audit.snapshot(user, USER_FIELDS))
        )
    return user


def update_user(actor: Actor, user: User, *, reason: str = "", **fields: Any) -> User:
    policy.require(actor.user, "user.manage")
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise ValidationError(f"未知字段: {', '.join(sorted(unknown))}")
    if actor.user == user and (
        fields.get("is_active") is False or fields.get("role", Role.ADMIN) != Role.ADMIN
    ):
        raise ValidationError("不能停用自己或取消自己的管理员角色")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = audit.snapshot(user, USER_FIELDS)
        for name, value in fields.items():
            setattr(user, name, value)
        user.is_staff = user.is_superuser = user.role == Role.ADMIN
        user.full_clean(exclude=["password"])
        user.save(update_fields=[*fields, "is_staff", "is_superuser"])
        changes = audit.diff(before, audit.snapshot(user, USER_FIELDS))
        if changes:
            audit.record(actor, "user.update", user, changes=changes, reason=reason)
    return user


def change_password(actor: Actor, *, old_password: str, new_password: str) -> User:
    user = actor.user
    if user is None:
        raise PermissionDenied("请先登录")
    if not user.check_password(old_password):
        raise ValidationError({"old_password": ["原密码不正确"]})
    _validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        ApiToken.objects.filter(user=user).delete()
        audit.record(
            actor,
            "user.change_password",
            user,
            changes={"password": {"before": audit.REDACTED, "after": audit.REDACTED}},
            reason="用户修改密码;该用户的 API 令牌已全部作废",
        )
    return user


def create_team(actor: Actor, *, name: str, manager: User | None = None) -> Team:
    policy.require(actor.user, "team.manage")
    with transaction.atomic():
        team = Team(name=name.strip(), manager=manager)
        team.full_clean()
        team.save()
        audit.record(
            actor, "team.create", team, changes=audit.diff({}, audit.snapshot(team, TEAM_FIELDS))
        )
    return team


def update_team(actor: Actor, team: Team, **fields: Any) -> Team:
    policy.require(actor.user, "team.manage")
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        before = audit.snapshot(team, TEAM_FIELDS)
        for name in TEAM_FIELDS:
            if name in fields:
                setattr(team, name, fields[name])
        team.full_clean()
        team.save()
        changes = audit.diff(before, audit.snapshot(team, TEAM_FIELDS))
        if changes:
            audit.record(actor, "team.update", team, changes=changes)
    return team


def issue_token(
    actor: Actor,
    *,
    username: str,
    password: str,
    request: HttpRequest,
    name: str = "",
) -> tuple[ApiToken, str]:
    """Exchange credentials for a new API token; the raw token is returned once.

    The request is required: the login lockout (django-axes) counts failures per client.
    """
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise PermissionDenied("用户名或密码不正确")
    assert isinstance(user, User)
    raw = ApiToken.generate()
    expires = timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:60], key_hash=hash_token(raw), prefix=raw[:8], expires_at=expires
        )
        audit.record(
            Actor(user, actor.source),
            "token.issue",
            user,
            changes={"token": {"before": None, "after": f"{raw[:8]}…"}},
        )
    return token, raw


def revoke_token(actor: Actor, token: ApiToken) -> None:
    if actor.user is None or (token.user_id != actor.user.pk and not actor.user.is_admin):
        raise PermissionDenied("您没有执行此操作的权限")
    with transaction.atomic():
        audit.record(
            actor,
            "token.revoke",
            token.user,
            changes={"token": {"before": f"{token.prefix}…", "after": None}},
        )
        token.delete()

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from crm.core.models import ChoiceLabels

from .choices import Role


class Team(models.Model):
    """A department (部门) with its manager."""

    name = models.CharField("名称", max_length=60, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="负责人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "团队"
        verbose_name_plural = "团队"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(ChoiceLabels, AbstractUser):
    full_name = models.CharField("姓名", max_length=60, blank=True)
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.SALES)
    team = models.ForeignKey(
        Team,
        verbose_name="团队",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    mobile = models.CharField("手机", max_length=20, blank=True)
    grant_sensitive = models.BooleanField(
        "可查看敏感信息", default=False, help_text="证件号码、银行账户;每次查看都会记录"
    )
    grant_personal = models.BooleanField(
        "可查看完整联系方式", default=False, help_text="手机、邮箱不打码显示"
    )
    # Kept by crm.notifications.services (recounted from the notifications on every change),
    # so the top bar's bell costs no query: the user row is read for every request anyway.
    unread_notifications = models.PositiveIntegerField("未读提醒", default=0, editable=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """An API token; only its SHA-256 is stored, the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=60, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate() -> str:
        return secrets.token_urlsafe(32)

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

"""crm createadmin --username NAME --password-stdin: the first administrator, without a browser."""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.accounts import services
from crm.accounts.models import User
from crm.core.actor import Actor
from crm.core.errors import Conflict


class Command(BaseCommand):
    help = "创建首个管理员(数据库中还没有任何用户时);密码从标准输入读取"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="从标准输入读取密码(第一行)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["password_stdin"]:
            raise CommandError("请使用 --password-stdin,并通过标准输入提供密码")
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("标准输入中没有读到密码")
        try:
            user = services.create_first_admin(
                Actor(None, "cli"),
                username=options["username"],
                password=password,
                full_name=options["full_name"],
            )
        except Conflict as exc:
            raise CommandError(f"{exc.message}(已有 {User.objects.count()} 个用户)") from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"已创建管理员 {user.username}"))

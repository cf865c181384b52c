"""`crm export customers OUT.xlsx --as USERNAME [--format xlsx|csv|csv_gbk]
[--filter key=value ...] [--include-personal]`

Writes the customer list as USERNAME sees it (the list page's filters, `--filter sort=name`
for its order), through the same export as the web page and the API, and logs it. The format
is taken from the file name (.xlsx, .csv) unless given. The file appears only when the export
succeeded (written beside it first, then moved into place).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from crm.accounts.models import User
from crm.core.actor import Actor
from crm.transfer import export
from crm.transfer.export_views import error_messages

SUFFIX_FORMATS = {".xlsx": "xlsx", ".csv": "csv"}


def _format(out: Path, given: str | None) -> str:
    if given:
        return given
    found = SUFFIX_FORMATS.get(out.suffix.lower())
    if found is None:
        raise CommandError(
            f"无法从文件名 {out.name} 判断格式,请用 --format 指定 xlsx、csv 或 csv_gbk"
        )
    return found


def _filters(pairs: list[str]) -> QueryDict:
    params = QueryDict(mutable=True)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"筛选条件应写成 key=value: {pair}")
        params.appendlist(key.strip(), value.strip())
    return params


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"没有用户名为 {username} 的用户")
    if not user.is_active:
        raise CommandError(f"用户 {username} 已停用,不能导出")
    return user


def _write(actor: Actor, out: Path, file_format: str, params: QueryDict, full: bool) -> int:
    """Export into a temporary file beside `out`, then move it into place; the row count."""
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=".export-", suffix=out.suffix)
    try:
        with os.fdopen(handle, "wb") as file:
            done = export.export_customers(
                actor, params=params, file_format=file_format, out=file, include_personal=full
            )
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return done.row_count


class Command(BaseCommand):
    help = "导出客户列表: customers OUT.xlsx --as 用户名 [--format] [--filter k=v] ..."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        customers = sub.add_parser("customers", help="导出客户(与客户列表相同的筛选与排序)")
        customers.add_argument("out", help="输出文件, 如 客户.xlsx")
        customers.add_argument("--as", dest="username", required=True, help="以该用户的权限导出")
        customers.add_argument("--format", choices=list(export.CONTENT_TYPES), default=None)
        customers.add_argument(
            "--filter",
            dest="filters",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="客户列表的筛选条件, 可重复, 如 --filter stage=intent --filter owner=3",
        )
        customers.add_argument(
            "--include-personal", action="store_true", help="含完整联系方式(有权限时)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"目录不存在: {out.parent}")
        file_format = _format(out, options["format"])
        actor = Actor(_user(options["username"]), "cli")
        params = _filters(options["filters"])
        try:
            count = _write(actor, out, file_format, params, options["include_personal"])
        except ValidationError as exc:
            raise CommandError("无法导出: " + ";".join(error_messages(exc))) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "没有导出权限") from exc
        self.stdout.write(f"已导出客户 {count} 行 → {out}")

"""`crm import customers|records|contracts|orders FILE [--dry-run] [--as USER] [--mapping NAME]
[--errors OUT.xlsx]`

Reads xlsx, xls, ods or CSV (UTF-8 with or without BOM, GBK/GB18030, UTF-16; detected),
maps the columns from the Chinese header synonyms (and a remembered template), and imports
through the services as the given user: customers with their contact and addresses, record
cards with a to-do, contracts and orders (known by their number: a second run of the same
file changes nothing). `--dry-run` shows what would be created,
updated, skipped and refused, writing nothing. A run that was killed is resumed by running
the same command again: the rows it recorded are skipped.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.accounts.models import User
from crm.core.actor import Actor
from crm.transfer import jobs
from crm.transfer.choices import ImportKind, JobStatus, Resolution, RowOutcome
from crm.transfer.importer import Progress
from crm.transfer.models import ImportJob
from crm.transfer.targets import by_key

OUTCOMES = (
    (RowOutcome.CREATED, "新建"),
    (RowOutcome.UPDATED, "更新"),
    (RowOutcome.UNCHANGED, "无变化"),
    (RowOutcome.SKIPPED, "跳过"),
    (RowOutcome.REFUSED, "拒绝"),
)


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(m for messages in exc.message_dict.values() for m in messages)
    return "; ".join(exc.messages)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class Bar:
    """A progress bar on a terminal; a line per tenth otherwise (logs, CI)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0
        self.tenth = -1

    def __call__(self, p: Progress) -> None:
        share = p.done / p.total if p.total else 1.0
        rate = p.done / max(time.monotonic() - p.started, 1e-6)
        if self.tty:
            if time.monotonic() - self.last < 0.2 and p.done < p.total:
                return
            self.last = time.monotonic()
            filled = int(share * 30)
            bar = "█" * filled + "░" * (30 - filled)
            self.stream.write(
                f"\r导入 [{bar}] {share:4.0%} {p.done}/{p.total} 行  {rate:,.0f} 行/秒"
            )
            if p.done >= p.total:
                self.stream.write("\n")
        elif int(share * 10) > self.tenth:
            self.tenth = int(share * 10)
            self.stream.write(f"导入 {share:.0%} {p.done}/{p.total} 行\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "导入客户/维护记录/合同/订单: customers|records|contracts|orders FILE [--dry-run] "
        "--as 用户名 [--mapping 模板] [--errors 出错.xlsx]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind",
            choices=ImportKind.values,
            help="导入对象: customers 客户 / records 维护记录 / contracts 合同 / orders 订单",
        )
        parser.add_argument("file", help="xlsx / xls / ods / csv 文件")
        parser.add_argument("--dry-run", action="store_true", help="只预览,不写入")
        parser.add_argument("--as", dest="username", required=True, help="以哪个用户的身份导入")
        parser.add_argument("--mapping", default="", help="使用已保存的列映射模板")
        parser.add_argument("--save-mapping", default="", help="把本次的列映射保存为模板")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="表头=字段",
            help="指定一列的映射,如 --map 公司=name;字段留空则不导入该列",
        )
        parser.add_argument(
            "--on-duplicate",
            choices=Resolution.values,
            default=Resolution.SKIP,
            help=(
                "与已有客户重复时: skip 跳过(默认) / update 更新 / new 作为新客户;"
                "合同、订单编号已存在而内容不同时: skip 跳过(默认) / update 按表格更新"
            ),
        )
        parser.add_argument("--errors", default="", help="把未导入的行写入此 xlsx 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件: {path}")
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有在职用户 {options['username']}")
        actor = Actor(user, source="cli")
        try:
            job = self._job(actor, path, options)
            self._report_mapping(job)
            if options["dry_run"]:
                self._preview(job)
                return
            if job.processed_rows:
                done = f"{job.processed_rows}/{job.total_rows}"
                self.stdout.write(f"继续未完成的导入任务 #{job.pk}: 已处理 {done} 行")
            started = time.monotonic()
            job = jobs.run(job, on_progress=Bar(sys.stderr))
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "您没有导入客户的权限") from None
        if job.status == JobStatus.FAILED:
            raise CommandError(f"导入失败: {job.error}")
        seconds = time.monotonic() - started
        counts = ", ".join(f"{label} {getattr(job, f'{code}_count')}" for code, label in OUTCOMES)
        self.stdout.write(
            f"导入完成(任务 #{job.pk}): 共 {job.total_rows} 行, {counts}; 用时 {seconds:.1f} 秒"
        )
        if options["errors"]:
            written = jobs.write_refused(job, Path(options["errors"]))
            self.stdout.write(f"未导入的 {written} 行已写入 {options['errors']}(含错误原因列)")
        elif job.refused_count:
            self.stdout.write("用 --errors 未导入.xlsx 导出被拒绝的行及原因,修改后可再次导入")

    def _job(self, actor: Actor, path: Path, options: dict[str, Any]) -> ImportJob:
        kind = options["kind"]
        if not options["dry_run"]:
            resumable = jobs.unfinished(actor, kind=kind, digest=_digest(path))
            if resumable is not None:
                return resumable
        job = jobs.start_from_path(
            actor,
            kind=kind,
            path=path,
            source="cli",
            mapping_name=options["mapping"],
            default_resolution=options["on_duplicate"],
        )
        overrides = self._overrides(job, options["map"])
        if overrides or options["save_mapping"]:
            mapping = {int(k): v for k, v in job.mapping.items()}
            mapping.update(overrides)
            jobs.set_mapping(actor, job, mapping=mapping, save_as=options["save_mapping"])
        return job

    @staticmethod
    def _overrides(job: ImportJob, pairs: list[str]) -> dict[int, str]:
        chosen: dict[int, str] = {}
        labels = {t.label: t.key for t in by_key(job.kind).values()}
        for pair in pairs:
            header, sep, target = pair.partition("=")
            if not sep or header not in job.headers:
                raise CommandError(f"--map {pair}: 文件中没有表头“{header}”")
            chosen[job.headers.index(header)] = labels.get(target, target)
        return chosen

    def _report_mapping(self, job: ImportJob) -> None:
        targets = by_key(job.kind)
        mapped = {int(k): v for k, v in job.mapping.items()}
        self.stdout.write(
            f"读取 {job.file_name}: {job.file_format}"
            f"{' ' + job.encoding if job.encoding else ''}, 表头在第 {job.header_row} 行, "
            f"数据 {job.total_rows} 行"
        )
        for index, header in enumerate(job.headers):
            target = mapped.get(index)
            if target:
                label = targets[target].label if target in targets else target
                self.stdout.write(f"  {header} → {label}")
        skipped = [h for i, h in enumerate(job.headers) if i not in mapped and h]
        if skipped:
            self.stdout.write(f"  未导入的列: {'、'.join(skipped)}(用 --map 表头=字段 指定)")

    def _preview(self, job: ImportJob) -> None:
        job = jobs.preview(job)
        if job.status == JobStatus.FAILED:
            raise CommandError(f"预览失败: {job.error}")
        counts = job.preview.get("counts", {})
        summary = ", ".join(f"{label} {counts.get(code, 0)}" for code, label in OUTCOMES)
        self.stdout.write(f"预览(未写入): {summary}")
        for row in job.preview.get("rows", []):
            shown = (RowOutcome.REFUSED, RowOutcome.SKIPPED, RowOutcome.UPDATED)
            if row["outcome"] in shown or (row["outcome"] == RowOutcome.CREATED and row["message"]):
                label = dict(OUTCOMES)[row["outcome"]]
                self.stdout.write(f"  第 {row['row']} 行 {label}: {row['name']} {row['message']}")

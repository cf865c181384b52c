"""What `crm demo --scale` prints: counts and timings per table, in Chinese."""

from __future__ import annotations

from . import tables
from .load import Report
from .verify import Result


def summary(size: str, seed: int, report: Report) -> str:
    lines = [
        f"{size} 规模数据已生成(种子 {seed}),总用时 {report.total_seconds:.1f} 秒:",
        f"  {'表':<8}{'行数':>12}{'写入(秒)':>10}{'建索引(秒)':>12}",
    ]
    for name in [*tables.MODELS, "search"]:
        wrote, indexed = report.write_seconds.get(name, 0.0), report.index_seconds.get(name, 0.0)
        lines.append(
            f"  {tables.LABELS[name]:<8}{report.rows[name]:>12,}{wrote:>12.1f}{indexed:>12.1f}"
        )
    stats = report.stats
    lines += [
        f"  生成数据(各进程合计):{report.draw_seconds:.1f} 秒",
        f"  近似重名 {stats['near_duplicates']} 个;跨批次重名重新取名 {stats['renamed']} 个",
        f"  客户最多的主责人名下 {report.largest_owner:,} 个客户",
    ]
    return "\n".join(lines)


def verification(result: Result) -> str:
    pages = "、".join(f"{label} {status}" for label, status in result.pages.items())
    lines = [f"抽样校验:检查 {result.checked} 项,错误 {len(result.errors)} 处;页面:{pages}"]
    lines += [f"  {error}" for error in result.errors[:20]]
    return "\n".join(lines)

"""Results: one JSON line per measured operation, and Markdown tables of the same lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .probes import GROWTH_LIMIT, ROLE_LABELS

GROWTH_OPS = {1, 2, 3, 4, 5}


def write_jsonl(path: Path, lines: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(t) for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]


def _ms(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}"


def _verdict(line: dict[str, Any]) -> str:
    return "✅ 通过" if line.get("pass") else "❌ 未达标"


def _role(line: dict[str, Any]) -> str:
    role = line.get("role", "")
    return ROLE_LABELS.get(role, role)


def _target(line: dict[str, Any]) -> str:
    target = line.get("target") or {}
    if "server_p95_ms" in target:
        return f"≤ {target['server_p95_ms']:g} ms"
    if "queries_max" in target:
        return f"≤ {target['queries_max']} 条"
    return "—"


def latency_table(lines: list[dict[str, Any]]) -> list[str]:
    rows = [
        "| # | 操作 | 角色 | n | 服务端 p50 | 服务端 p95 | 服务端 max | 客户端 p95 | SQL "
        "| 基线 p95 | ×基线 | 目标 | 结果 |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for ln in lines:
        if ln["op"] > 7:
            continue
        s, c, q, f = ln["server_ms"], ln["client_ms"], ln["queries"], ln.get("floor") or {}
        sql = _range(q["min"], q["max"])
        floor = f"{f.get('name')} {_ms(f.get('server_p95'))}" if f else "—"
        ratio = "—" if ln.get("ratio") is None else f"{ln['ratio']:.1f}"
        verdict = _verdict(ln) if ln["op"] else ("✅" if ln["errors"] == 0 else "❌")
        rows.append(
            f"| {ln['op']} | {ln['label']} | {_role(ln)} | {ln['requests']} | {_ms(s['p50'])} "
            f"| {_ms(s['p95'])} | {_ms(s['max'])} | {_ms(c['p95'])} | {sql} | {floor} | {ratio} "
            f"| {_target(ln)} | {verdict}{_errors(ln)} |"
        )
    return rows


def _path(line: dict[str, Any]) -> str:
    return f" `{line['path']}`" if line.get("path") else ""


def _range(low: int | None, high: int | None) -> str:
    if high is None:
        return "—"
    return str(high) if low == high else f"{low}–{high}"


def _errors(line: dict[str, Any]) -> str:
    return f"(错误 {line['errors']})" if line.get("errors") else ""


def load_table(lines: list[dict[str, Any]]) -> list[str]:
    rows = []
    for ln in lines:
        if ln["op"] == 8:
            c, s = ln["client_ms"], ln["server_ms"]
            rows.append(
                f"- **8 混合负载**:{ln['requests']} 个请求 / {ln['seconds']} 秒 = "
                f"**{ln['throughput_rps']} 请求/秒**(目标 ≥ {ln['target']['rps_min']:g});"
                f"客户端 p50 {_ms(c['p50'])} / p95 **{_ms(c['p95'])}** / max {_ms(c['max'])} ms"
                f"(目标 p95 ≤ {ln['target']['client_p95_ms']:g});服务端 p95 {_ms(s['p95'])} ms;"
                f"错误 {ln['errors']};构成 {ln['mix']} — {_verdict(ln)}"
            )
        if ln["op"] == 9:
            workers = ";".join(_worker(w) for w in ln["workers"])
            rows.append(
                f"- **9 工作进程内存**(第 {ln['baseline_at']} → 第 {ln['requests']} 个请求,"
                f"目标 ≤ {ln['target']['rss_mib_max']:g} MiB 且增长 < "
                f"{ln['target']['growth_pct_below']:g} %):{workers} — {_verdict(ln)}"
            )
    return rows


def _worker(w: dict[str, Any]) -> str:
    growth = "—" if w["growth_pct"] is None else format(w["growth_pct"], "+.1f")
    anon, mapped = w.get("anon_mib") or [None, None], w.get("file_mib") or [None, None]
    return (
        f"pid {w['pid']} VmRSS {w['rss_mib_baseline']} → {w['rss_mib_end']} MiB({growth} %;"
        f"其中匿名 {anon[0]} → {anon[1]},文件映射 {mapped[0]} → {mapped[1]})"
    )


def query_table(lines: list[dict[str, Any]]) -> list[str]:
    rows = ["| 页面 | 角色 | SQL 条数 | 预算 | 结果 |", "|---|---|---:|---|---|"]
    for ln in lines:
        if ln["op"] != 10:
            continue
        q = ln["queries"]
        if "small" in q:
            count = f"{q['small']} / {q['big']}"
            budget = "相同" if ln.get("target") else "—"
        else:
            count, budget = str(q["max"]), _target(ln)
        verdict = _verdict(ln) if ln.get("target") else ("ℹ️ 无预算" if not ln["errors"] else "❌")
        rows.append(
            f"| {ln['label']}{_path(ln)} | {_role(ln)} | {count} | {budget} "
            f"| {verdict}{_errors(ln)} |"
        )
    return rows


def markdown(meta: dict[str, Any], lines: list[dict[str, Any]]) -> str:
    counts = ", ".join(f"{k} {v:,}" for k, v in meta["counts"].items())
    head = [
        f"### 基准测试:规模 {meta['scale']},{meta['vendor']},{meta['started']}",
        "",
        f"数据:{counts}。gunicorn {meta['workers']} 个工作进程 × {meta['threads']} 线程,"
        f"生产设置;每项预热 {meta['warmup']} 次后顺序 {meta['requests']} 次,"
        "每次之后请求一次基线(同样的噪声);时间单位 ms,目标针对 L 规模。",
        "",
    ]
    parts = [*head, *latency_table(lines)]
    load = load_table(lines)
    if load:
        parts += ["", *load]
    if any(ln["op"] == 10 for ln in lines):
        parts += ["", "SQL 查询数(每页,取各次请求的最大值):", "", *query_table(lines)]
    failed = [ln for ln in lines if ln["op"] and ln.get("target") and not ln.get("pass")]
    parts += ["", f"未达标 {len(failed)} 项 / 共 {sum(1 for ln in lines if ln.get('target'))} 项。"]
    return "\n".join(parts) + "\n"


# --- operation 11: growth between two runs -------------------------------------------------


def compare(small: list[dict[str, Any]], large: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """p95 at the larger scale ÷ p95 at the smaller, per operation 1-5 and role."""
    index = {(ln["key"], ln["role"]): ln for ln in small if ln["op"] in GROWTH_OPS}
    out = []
    for ln in large:
        base = index.get((ln["key"], ln["role"]))
        if ln["op"] not in GROWTH_OPS or base is None:
            continue
        a, b = base["server_ms"]["p95"], ln["server_ms"]["p95"]
        ratio = round(b / a, 2) if a and b else None
        out.append(
            {
                "op": 11,
                "key": ln["key"],
                "label": ln["label"],
                "role": ln["role"],
                "of_op": ln["op"],
                "scales": [base.get("scale"), ln.get("scale")],
                "server_p95": [a, b],
                "ratio": ratio,
                "target": {"ratio_max": GROWTH_LIMIT},
                "pass": ratio is not None and ratio <= GROWTH_LIMIT,
            }
        )
    return out


def growth_markdown(lines: list[dict[str, Any]]) -> str:
    if not lines:
        return "两个结果文件没有可比较的操作(1-5)。\n"
    a, b = lines[0]["scales"]
    rows = [
        f"### 增长:{b} 的 p95 ÷ {a} 的 p95(目标 ≤ {GROWTH_LIMIT:g})",
        "",
        f"| # | 操作 | 角色 | {a} p95 | {b} p95 | 倍数 | 结果 |",
        "|---:|---|---|---:|---:|---:|---|",
    ]
    for ln in lines:
        ratio = "—" if ln["ratio"] is None else f"{ln['ratio']:.2f}"
        rows.append(
            f"| {ln['of_op']} | {ln['label']} | {_role(ln)} | {_ms(ln['server_p95'][0])} "
            f"| {_ms(ln['server_p95'][1])} | {ratio} | {_verdict(ln)} |"
        )
    return "\n".join(rows) + "\n"

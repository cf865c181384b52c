"""crm bench: the benchmark suite of issue 7 against the real server.

Starts gunicorn (2 workers × 4 threads, production settings, CRM_BENCH=1) on a free port of
127.0.0.1 over the database this command uses, signs in as a user of each role of the scale
roster (`crm demo --scale …`), measures operations 1-10 and writes a JSON-lines file and a
Markdown table; `--compare A.jsonl B.jsonl` is operation 11 (growth between two runs).
The bench writes: a bench administrator (s.bench.admin, once), edits giving one customer 20
timeline entries (once), and the customers the write operations create and update.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.bench import probes, report, runner
from crm.bench.client import Http, RequestCounter
from crm.bench.server import THREADS, WORKERS, Server
from crm.bench.subjects import NotReady, Subjects, gather, vendor
from crm.customers.management.commands.demo import DEFAULT_PASSWORD

SCALES = {"XS": 300, "S": 10_000, "M": 100_000, "L": 1_000_000}
SEQUENTIAL_OPS = {1, 2, 3, 4, 5, 6, 7}
QUERY_REQUESTS = 3


def infer_scale(customers: int) -> str:
    """The scale label the customer count matches (the bench's own creates add a few)."""
    for label, size in SCALES.items():
        if 0.9 * size <= customers <= 1.25 * size:
            return label
    return f"{customers}客户"


def parse_only(value: str) -> set[int]:
    if not value:
        return set(range(1, 11))
    names = {name: op for op, name in probes.OPERATIONS.items()}
    chosen = set()
    for item in value.replace(" ", "").split(","):
        if item.isdigit() and int(item) in probes.OPERATIONS:
            chosen.add(int(item))
        elif item in names:
            chosen.add(names[item])
        elif item:
            raise CommandError(f"未知的操作 {item}:可选 1-10 或 {', '.join(names)}")
    return chosen - {11}


class Command(BaseCommand):
    help = "基准测试:启动真实服务器(gunicorn),按角色登录,测量各项操作并输出结果"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", default="", help="结果中的规模标签(默认按客户数判断)")
        parser.add_argument("--requests", type=int, default=30, help="每项顺序请求次数(默认 30)")
        parser.add_argument("--warmup", type=int, default=5, help="每项预热次数(默认 5)")
        parser.add_argument("--out", default="", help="结果目录(默认 <CRM_VAR_DIR>/bench)")
        parser.add_argument("--only", default="", help="只测这些操作,如 1,2,5 或 list,search")
        parser.add_argument(
            "--load-seconds", type=float, default=30.0, help="混合负载时长(秒,默认 30)"
        )
        parser.add_argument(
            "--memory-requests", type=int, default=10_000, help="内存测量的总请求数(默认 10000)"
        )
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="规模演示用户的密码")
        parser.add_argument(
            "--var-dir", default="", help="服务器的 CRM_VAR_DIR(默认与本命令相同;须有静态文件)"
        )
        parser.add_argument(
            "--compare", nargs=2, metavar=("SMALL.jsonl", "LARGE.jsonl"), help="操作 11:比较"
        )
        parser.add_argument("--strict", action="store_true", help="有未达标项时以非零状态退出")

    def handle(self, *args: Any, **options: Any) -> None:
        out_dir = Path(options["out"] or Path(settings.VAR_DIR) / "bench")
        out_dir.mkdir(parents=True, exist_ok=True)
        if options["compare"]:
            lines = self._compare(out_dir, *map(Path, options["compare"]))
        else:
            lines = self._bench(out_dir, options)
        failed = [ln for ln in lines if ln.get("target") and not ln.get("pass")]
        if options["strict"] and failed:
            raise CommandError(f"{len(failed)} 项未达标")

    # --- operation 11 -----------------------------------------------------------------------

    def _compare(self, out_dir: Path, small: Path, large: Path) -> list[dict[str, Any]]:
        for path in (small, large):
            if not path.exists():
                raise CommandError(f"结果文件不存在:{path}")
        lines = report.compare(report.read_jsonl(small), report.read_jsonl(large))
        stem = f"growth-{small.stem}-vs-{large.stem}"
        report.write_jsonl(out_dir / f"{stem}.jsonl", lines)
        text = report.growth_markdown(lines)
        (out_dir / f"{stem}.md").write_text(text, encoding="utf-8")
        self.stdout.write(text)
        self.stdout.write(f"结果:{out_dir / stem}.jsonl / .md")
        return lines

    # --- operations 1-10 --------------------------------------------------------------------

    def _bench(self, out_dir: Path, options: dict[str, Any]) -> list[dict[str, Any]]:
        only = parse_only(options["only"])
        if options["requests"] < 1 or options["warmup"] < 0:
            raise CommandError("--requests 至少为 1,--warmup 不能为负")
        try:
            subjects = gather(options["password"])
        except NotReady as exc:
            raise CommandError(str(exc)) from exc
        var_dir = Path(options["var_dir"] or settings.VAR_DIR)
        self._ensure_static(var_dir)
        started = datetime.now()
        run_id = started.strftime("%Y%m%d%H%M%S")
        meta = {
            "scale": options["scale"] or infer_scale(subjects.counts["customers"]),
            "vendor": vendor(),
            "counts": subjects.counts,
            "started": started.isoformat(timespec="seconds"),
            "run": run_id,
            "workers": WORKERS,
            "threads": THREADS,
            "requests": options["requests"],
            "warmup": options["warmup"],
        }
        stem = f"bench-{meta['scale']}-{meta['vendor']}-{run_id}"
        server = Server.start(var_dir, out_dir / f"{stem}.server.log")
        self.say(f"服务器已启动:http://127.0.0.1:{server.port}/(日志 {server.log})")
        try:
            lines = self._run(server, subjects, only, run_id, options)
        finally:
            server.stop()
        for line in lines:
            line.update({k: meta[k] for k in ("scale", "vendor", "counts", "run")})
        report.write_jsonl(out_dir / f"{stem}.jsonl", lines)
        text = report.markdown(meta, lines)
        (out_dir / f"{stem}.md").write_text(text, encoding="utf-8")
        self.stdout.write(text)
        self.stdout.write(f"结果:{out_dir / stem}.jsonl / .md")
        return lines

    def _ensure_static(self, var_dir: Path) -> None:
        """Production settings serve hashed static names: the manifest must exist."""
        if (var_dir / "static" / "staticfiles.json").exists():
            return
        if var_dir.resolve() != Path(settings.STATIC_ROOT).parent.resolve():
            raise CommandError(f"{var_dir}/static 没有静态文件清单:先对该目录运行 collectstatic")
        self.say("收集静态文件(collectstatic)……")
        call_command("collectstatic", interactive=False, verbosity=0)

    def _run(
        self, server: Server, s: Subjects, only: set[int], run_id: str, options: dict[str, Any]
    ) -> list[dict[str, Any]]:
        counter = RequestCounter()
        sessions = self._sign_in(server.port, counter, s, options["password"])
        memory = None
        if 9 in only:
            memory = runner.MemoryProbe(server, baseline_at=options["memory_requests"] // 10)
            counter.at(memory.baseline_at, memory.take_baseline)
        warmup, requests = options["warmup"], options["requests"]
        lines = runner.floor_lines(sessions, s, warmup, requests)
        chosen = [p for p in probes.sequential(s, run_id) if p.op in only]
        lines += self._measure(chosen, sessions, s, warmup, requests)
        if 10 in only:
            query_lines = self._measure(probes.query_probes(s), sessions, s, 1, QUERY_REQUESTS)
            lines += query_lines + runner.size_independence(query_lines)
        if 8 in only:
            self.say(f"混合负载 {runner.CLIENTS} 个客户端,{options['load_seconds']:g} 秒……")
            result, elapsed = runner.mixed_load(
                sessions, s, run_id, seconds=options["load_seconds"]
            )
            lines.append(runner.mixed_line(result, elapsed))
        if memory is not None:
            lines.append(self._memory(memory, sessions, s, run_id, options["memory_requests"]))
        for http in sessions.values():
            http.close()
        return lines

    def _sign_in(
        self, port: int, counter: RequestCounter, s: Subjects, password: str
    ) -> dict[str, Http]:
        sessions: dict[str, Http] = {}
        by_user: dict[int, Http] = {}
        for role, user in [*s.users.items(), ("agenda", s.agenda_user)]:
            if user.pk not in by_user:
                http = Http(port, counter)
                http.sign_in(user.username, password)
                by_user[user.pk] = http
            sessions[role] = by_user[user.pk]
        self.say("已登录:" + "、".join(f"{r} {h.username}" for r, h in sessions.items()))
        return sessions

    def _measure(
        self,
        chosen: Iterable[probes.Probe],
        sessions: dict[str, Http],
        s: Subjects,
        warmup: int,
        requests: int,
    ) -> list[dict[str, Any]]:
        lines = []
        for probe in chosen:
            http = sessions[probe.role]
            floor = runner.floor_call(probe.floor, s) if probe.floor else None
            own, base = runner.measure(probe, http, floor, warmup, requests)
            line = runner.probe_line(probe, http, own, base)
            self.say(
                f"  {probe.op} {probe.label} [{probe.role}]: p95 {line['server_ms']['p95']} ms, "
                f"SQL {line['queries']['max']}, 错误 {line['errors']}"
            )
            lines.append(line)
        return lines

    def _memory(
        self,
        memory: runner.MemoryProbe,
        sessions: dict[str, Http],
        s: Subjects,
        run_id: str,
        total: int,
    ) -> dict[str, Any]:
        counter = sessions["sales"].counter
        if counter.total < total:
            self.say(f"内存:混合负载直到共 {total} 个请求(已 {counter.total})……")
            runner.mixed_load(
                sessions, s, run_id, seconds=runner.MEMORY_TIME_CAP, until_total=total
            )
        if not memory.baseline:  # fewer requests than the baseline count before this point
            memory.take_baseline(counter.total)
        return memory.line(counter.total, total)

    def say(self, text: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(text)

    def execute(self, *args: Any, **options: Any) -> Any:
        self.verbosity = options.get("verbosity", 1)
        return super().execute(*args, **options)

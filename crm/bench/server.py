"""The server under test: gunicorn as `make run` starts it, production settings, CRM_BENCH=1."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from . import ENV

WORKERS, THREADS = 2, 4  # as `make run`
READY_SECONDS = 90


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    """The database this process is connected to, as a DATABASE_URL for the server (a test
    database included, so a test's server reads the rows the test wrote)."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(conf['NAME']).resolve()}"
    if connection.vendor != "postgresql":
        raise RuntimeError(f"不支持的数据库: {connection.vendor}")
    auth = quote(conf.get("USER") or "", safe="")
    if conf.get("PASSWORD"):
        auth += ":" + quote(conf["PASSWORD"], safe="")
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or 5432
    return f"postgres://{auth + '@' if auth else ''}{host}:{port}/{quote(conf['NAME'], safe='')}"


def server_environment(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CRM_DEBUG"}  # production settings
    env.update({ENV: "1", "CRM_VAR_DIR": str(var_dir), "DATABASE_URL": database_url()})
    return env


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    _log_file: IO[Any]

    @classmethod
    def start(cls, var_dir: Path, log: Path) -> Server:
        port = free_port()
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi",
            "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--threads", str(THREADS),
            "--graceful-timeout", "5", "--log-level", "warning",
        ]  # fmt: skip
        log_file = log.open("ab")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=settings.BASE_DIR,
            env=server_environment(var_dir),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        server = cls(process, port, log, log_file)
        try:
            server._wait_ready()
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn 启动失败(见 {self.log}):\n{self.log_tail()}")
            if self._answers() and len(self.workers()) >= WORKERS:
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {READY_SECONDS} 秒内没有就绪(见 {self.log})")

    def _answers(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/bench/bare/")
            response = conn.getresponse()
            response.read()
        except OSError:
            return False
        finally:
            conn.close()
        if response.status != 200 or not response.getheader("Server-Timing"):
            raise RuntimeError(
                f"/bench/bare/ 答 {response.status}:服务器没有以 {ENV}=1 运行基准视图"
            )
        return True

    def workers(self) -> list[int]:
        """The gunicorn worker processes (children of the master we started)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        if children.exists():
            return sorted(int(p) for p in children.read_text().split())
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
        return sorted(found)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log_file.close()


MEMORY_FIELDS = ("VmRSS", "RssAnon", "RssFile", "RssShmem")


def memory_kib(pid: int) -> dict[str, int] | None:
    """Resident memory of a process in KiB from /proc/<pid>/status: VmRSS (the total) and its
    parts — RssAnon (heap), RssFile (mapped files: SQLite's mmap of the database counts here)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in MEMORY_FIELDS:
            found[name] = int(value.split()[0])
    return found if "VmRSS" in found else None

"""kill -9 in the middle of an import: the database stays consistent, and running the same
command again completes the import without duplicates.

The import runs as a real `crm import` process against its own database (a SQLite file, or
a fresh PostgreSQL database when the suite runs on PostgreSQL); the test reads that database
directly while the process works, kills it once a few batches are committed, checks what is
there, then resumes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.conf import settings

ROWS = 6000
CRM = str(Path(sys.executable).with_name("crm"))
CHECKS = {
    # every customer came with its contact, its 建档 stage row and its audit rows
    "customers": "SELECT COUNT(*) FROM customers_customer",
    "created_rows": "SELECT COUNT(*) FROM transfer_importrow WHERE outcome = 'created'",
    "recorded_rows": "SELECT COUNT(*) FROM transfer_importrow",
    "distinct_rows": "SELECT COUNT(DISTINCT row_no) FROM transfer_importrow",
    "contacts": "SELECT COUNT(*) FROM contacts_contact",
    "transitions": "SELECT COUNT(*) FROM customers_stagetransition",
    "customer_audits": "SELECT COUNT(*) FROM audit_auditevent WHERE action = 'customer.create'",
    "contact_audits": "SELECT COUNT(*) FROM audit_auditevent WHERE action = 'contact.create'",
    "distinct_names": "SELECT COUNT(DISTINCT name_key) FROM customers_customer",
    "job_processed": "SELECT COALESCE(MAX(processed_rows), 0) FROM transfer_importjob",
    "orphans": (
        "SELECT COUNT(*) FROM transfer_importrow r WHERE r.outcome = 'created' AND NOT EXISTS "
        "(SELECT 1 FROM customers_customer c WHERE c.id = r.object_id)"
    ),
}


def _file(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    for col, header in enumerate(["客户名称", "联系人", "手机", "总部地址"]):
        sheet.write_string(0, col, header)
    for i in range(1, ROWS + 1):
        sheet.write_string(i, 0, f"崩溃恢复测试{i}号科技有限公司")
        sheet.write_string(i, 1, "孙八")
        sheet.write_string(i, 2, f"137{i:08d}")
        sheet.write_string(i, 3, "江苏省南京市鼓楼区中山路1号")
    book.close()
    return path


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[dict[str, str], Any]]:
    """The environment for `crm` processes and a function running SQL on their database."""
    env = {**os.environ, "CRM_VAR_DIR": str(tmp_path / "var")}
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        name = f"crm_crash_{uuid.uuid4().hex[:10]}"
        server = url.rsplit("/", 1)[0]
        admin = psycopg.connect(f"{server}/postgres", autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{server}/{name}"

        def query(sql: str) -> int:
            with psycopg.connect(env["DATABASE_URL"]) as conn:
                return int(conn.execute(sql).fetchone()[0])  # type: ignore[index]

        yield env, query
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()
    else:
        env.pop("DATABASE_URL", None)
        path = tmp_path / "var" / "crm.sqlite3"

        def query(sql: str) -> int:
            conn = sqlite3.connect(path, timeout=30)
            try:
                return int(conn.execute(sql).fetchone()[0])
            finally:
                conn.close()

        yield env, query


def _crm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own crm command
        [CRM, *args], env=env, capture_output=True, text=True, timeout=300, check=True
    )


def _survivors(marker: str) -> list[int]:
    """Processes still running with this file on their command line (a second's grace)."""
    time.sleep(1)
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if proc.name.isdigit() and marker in cmdline:
            found.append(int(proc.name))
    return found


def _state(query: Any) -> dict[str, int]:
    return {name: query(sql) for name, sql in CHECKS.items()}


@pytest.mark.skipif(not Path(CRM).exists(), reason="the crm command is installed with the env")
def test_an_import_killed_mid_way_is_consistent_and_resumes(
    tmp_path: Path, database: tuple[dict[str, str], Any]
) -> None:
    env, query = database
    (tmp_path / "var").mkdir()
    _crm(env, "migrate", "--noinput", "-v", "0")
    _crm(
        env,
        "shell",
        "-c",
        "from crm.core.testing import make_user; make_user('sun', 'sales', None, '孙销售')",
    )
    path = _file(tmp_path / "大表格.xlsx")
    command = [CRM, "import", "customers", str(path), "--as", "sun"]

    process = subprocess.Popen(  # noqa: S603 - our own crm command
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if query(CHECKS["recorded_rows"]) >= 1500:
                break
        except Exception:  # noqa: S110 - the tables may not be readable yet
            pass
        time.sleep(0.02)
    assert process.poll() is None, "the import ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert _survivors(str(path)) == []  # its reader process died with it

    killed = _state(query)
    done = killed["recorded_rows"]
    assert 1500 <= done < ROWS
    assert killed == {
        "customers": done,
        "created_rows": done,
        "recorded_rows": done,
        "distinct_rows": done,
        "contacts": done,
        "transitions": done,
        "customer_audits": done,
        "contact_audits": done,
        "distinct_names": done,
        "job_processed": done,
        "orphans": 0,
    }

    resumed = subprocess.run(  # noqa: S603 - our own crm command
        command, env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"继续未完成的导入任务 #1: 已处理 {done}/{ROWS} 行" in resumed.stdout
    assert f"新建 {ROWS}, 更新 0, 无变化 0, 跳过 0, 拒绝 0" in resumed.stdout
    final = _state(query)
    assert final == {**{name: ROWS for name in CHECKS}, "orphans": 0}
    assert query("SELECT COUNT(*) FROM transfer_importjob WHERE status = 'done'") == 1
    assert tmp_path / "var" != settings.VAR_DIR  # the suite's own database was never touched

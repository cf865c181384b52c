"""Contracts 合同 and orders 订单 from the teams' ledgers, through the pipeline's services:
files made the way users make them, idempotent by number, the customer's derived amount and
level after the import."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from crm.accounts.choices import Role
from crm.audit.models import AuditEvent
from crm.core import testing
from crm.core.actor import Actor
from crm.customers import services as customer_services
from crm.customers.models import Customer
from crm.pipeline import services as pipeline
from crm.pipeline.models import Contract, Order
from crm.transfer import business_import, jobs
from crm.transfer.choices import JobStatus, RowOutcome
from crm.transfer.models import ImportJob, ImportRow

# A fixed "now": 2026-03-02 10:00 in Shanghai. The level counts the contracts signed in the
# trailing 12 months, from 2025-03-03 on.
NOW = datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

LEDGER = [
    "客户名称",
    "合同编号",
    "合同名称",
    "合同金额(元)",
    "签订日期",
    "合同期限",
    "合同状态",
    "备注",
]
XINGCHEN = "北京星辰科技有限公司"
YUNFAN = "上海云帆信息技术有限公司"


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def alice(personas: Any) -> Actor:
    return Actor(personas.alice)


@pytest.fixture
def archive(personas: Any) -> dict[str, Customer]:
    """Two customers of alice, one of dave (another team)."""
    make = customer_services.create_customer
    return {
        XINGCHEN: make(Actor(personas.alice), name=XINGCHEN),
        YUNFAN: make(Actor(personas.alice), name=YUNFAN),
        "dave": make(Actor(personas.dave), name="广州别队科技有限公司"),
    }


def workbook(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    """An xlsx as a spreadsheet program writes it: text, numbers and real date cells."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("合同台账")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, headers)
    for r, cells in enumerate(rows, start=1):
        for c, value in enumerate(cells):
            if isinstance(value, datetime.date):
                sheet.write_datetime(r, c, value, dates)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value != "":
                sheet.write_string(r, c, value)
    book.close()
    return path


def ledger_rows() -> list[list[Any]]:
    return [
        [
            XINGCHEN,
            "HT-2025-001",
            "智能办公系统采购合同",
            "¥500,000.00",
            "2025/6/1",
            "2025-06-01至2026-05-31",
            "履行中",
            "分两期付款",
        ],
        [
            XINGCHEN,
            "HT-2025-002",
            "运维服务合同",
            "50万",
            "2025年9月15日",
            "2025.9.15-2026.9.14",
            "",
            "",
        ],
        # a date cell, an amount as a number, a term long over: 已到期
        [
            YUNFAN,
            "HT-2024-007",
            "数据平台合同",
            120000,
            datetime.date(2024, 1, 15),
            "2024-01-15至2024-12-31",
            "",
            "",
        ],
        ["广州别队科技有限公司", "HT-2025-101", "", "10000", "2025-05-01", "", "", ""],
        ["不存在的公司", "HT-2025-102", "", "10000", "2025-05-01", "", "", ""],
        [XINGCHEN, "", "无编号的合同", "10000", "2025-05-01", "", "", ""],
        [XINGCHEN, "HT-2025-003", "", "一万块", "2025-05-01", "", "", ""],
    ]


def outcomes(job: ImportJob) -> dict[int, tuple[str, str]]:
    return {r.row_no: (r.outcome, r.message) for r in ImportRow.objects.filter(job=job)}


def run(actor: Actor, path: Path, kind: str = "contracts", **options: Any) -> ImportJob:
    return jobs.run(jobs.start_from_path(actor, kind=kind, path=path, **options))


REFUSED_LEDGER = {
    5: (RowOutcome.REFUSED, "找不到客户“广州别队科技有限公司”,或您无权查看该客户"),
    6: (RowOutcome.REFUSED, "找不到客户“不存在的公司”,或您无权查看该客户"),
    7: (
        RowOutcome.REFUSED,
        "合同编号为空: 导入的合同须填写合同编号(再次导入同一表格时按编号识别,不会重复建档)",
    ),
    8: (RowOutcome.REFUSED, "合同金额(元): 无法识别的金额: 一万块"),
}


# --- contracts ------------------------------------------------------------------------------


def test_a_contract_ledger_maps_its_columns_from_the_headers(tmp_path: Path, alice: Actor) -> None:
    path = workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows())
    job = jobs.start_from_path(alice, kind="contracts", path=path)
    assert job.mapping == {
        "0": "customer_name",
        "1": "number",
        "2": "title",
        "3": "amount",
        "4": "signed_on",
        "5": "term",
        "6": "contract_status",
        "7": "notes",
    }


def test_contracts_are_created_through_the_pipeline_and_tier_their_customer(
    tmp_path: Path, alice: Actor, archive: dict[str, Customer]
) -> None:
    path = workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows())

    job = run(alice, path)

    assert (job.status, job.created_count, job.refused_count) == (JobStatus.DONE, 3, 4)
    assert outcomes(job) == {
        2: (RowOutcome.CREATED, ""),
        3: (RowOutcome.CREATED, ""),
        4: (RowOutcome.CREATED, "到期日期已过,合同状态记为已到期"),
        **REFUSED_LEDGER,
    }
    first = Contract.objects.get(number="HT-2025-001")
    assert (
        first.customer,
        first.title,
        first.amount,
        first.signed_on,
        first.starts_on,
        first.ends_on,
        first.status,
        first.notes,
        first.created_by,
    ) == (
        archive[XINGCHEN],
        "智能办公系统采购合同",
        Decimal("500000.00"),
        datetime.date(2025, 6, 1),
        datetime.date(2025, 6, 1),
        datetime.date(2026, 5, 31),
        "active",
        "分两期付款",
        alice.user,
    )
    second = Contract.objects.get(number="HT-2025-002")
    assert (second.amount, second.signed_on, second.ends_on, second.status) == (
        Decimal("500000.00"),
        datetime.date(2025, 9, 15),
        datetime.date(2026, 9, 14),
        "active",
    )
    old = Contract.objects.get(number="HT-2024-007")
    assert (old.amount, old.signed_on, old.status) == (
        Decimal("120000.00"),
        datetime.date(2024, 1, 15),
        "expired",
    )
    xingchen = Customer.objects.get(pk=archive[XINGCHEN].pk)
    assert (
        xingchen.cumulative_amount,
        xingchen.level,
        xingchen.first_cooperation_on,
        xingchen.last_cooperation_on,
    ) == (Decimal("1000000.00"), "A", datetime.date(2025, 6, 1), datetime.date(2025, 9, 15))
    yunfan = Customer.objects.get(pk=archive[YUNFAN].pk)
    assert (yunfan.cumulative_amount, yunfan.level) == (Decimal("120000.00"), "C")
    # evaluated after the import as the daily run would: no cooperation for over 6 months
    assert (xingchen.flag_long_inactive, yunfan.flag_long_inactive) == (False, True)
    creates = AuditEvent.objects.filter(action="contract.create")
    assert sorted(creates.values_list("source", flat=True)) == ["import"] * 3
    assert list(
        AuditEvent.objects.filter(action="customer.level").values_list(
            "customer__name", "changes__level__after", "source"
        )
    ) == [(XINGCHEN, "B", "import"), (XINGCHEN, "A", "import")]
    assert not Contract.objects.filter(customer=archive["dave"]).exists()


def test_running_the_same_ledger_again_changes_nothing(
    tmp_path: Path, alice: Actor, archive: dict[str, Customer]
) -> None:
    path = workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows())
    run(alice, path)
    audits = AuditEvent.objects.count()
    versions = sorted(Contract.objects.values_list("number", "version"))

    again = run(alice, path)

    assert (
        again.created_count,
        again.updated_count,
        again.unchanged_count,
        again.skipped_count,
        again.refused_count,
    ) == (0, 0, 3, 0, 4)
    assert outcomes(again)[2] == (RowOutcome.UNCHANGED, "与已有合同一致,无需更新")
    assert Contract.objects.count() == 3
    assert sorted(Contract.objects.values_list("number", "version")) == versions
    assert AuditEvent.objects.count() == audits


def test_a_changed_amount_is_skipped_by_default_and_updated_on_request(
    tmp_path: Path, alice: Actor, archive: dict[str, Customer]
) -> None:
    run(alice, workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows()[:2]))
    changed = [row[:] for row in ledger_rows()[:2]]
    changed[1][3] = "30万"
    path = workbook(tmp_path / "合同-修订.xlsx", LEDGER, changed)

    skipped = run(alice, path)

    assert outcomes(skipped) == {
        2: (RowOutcome.UNCHANGED, "与已有合同一致,无需更新"),
        3: (
            RowOutcome.SKIPPED,
            "合同编号已存在,合同金额(元)与系统中不同,已跳过(选择“按表格更新”可更新)",
        ),
    }
    assert Contract.objects.get(number="HT-2025-002").amount == Decimal("500000.00")

    updated = run(alice, path, default_resolution="update")

    assert outcomes(updated)[3] == (RowOutcome.UPDATED, "已更新: 合同金额(元)")
    contract = Contract.objects.get(number="HT-2025-002")
    assert (contract.amount, contract.version) == (Decimal("300000.00"), 2)
    customer = Customer.objects.get(pk=archive[XINGCHEN].pk)
    assert (customer.cumulative_amount, customer.level) == (Decimal("800000.00"), "B")
    event = AuditEvent.objects.get(action="contract.update")
    assert (event.source, event.changes["amount"], event.reason) == (
        "import",
        {"before": "500000.00", "after": "300000.00"},
        f"导入 合同-修订.xlsx(任务 #{updated.pk})",
    )


def test_a_dry_run_shows_each_row_and_writes_nothing(
    tmp_path: Path, alice: Actor, archive: dict[str, Customer]
) -> None:
    path = workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows())
    audits = AuditEvent.objects.count()

    job = jobs.preview(jobs.start_from_path(alice, kind="contracts", path=path))

    assert job.status == JobStatus.PREVIEW
    assert job.preview["counts"] == {"created": 3, "refused": 4}
    assert [(r["row"], r["outcome"], r["name"]) for r in job.preview["rows"]][:4] == [
        (2, "created", f"HT-2025-001 {XINGCHEN}"),
        (3, "created", f"HT-2025-002 {XINGCHEN}"),
        (4, "created", f"HT-2024-007 {YUNFAN}"),
        (5, "refused", "HT-2025-101 广州别队科技有限公司"),
    ]
    assert not Contract.objects.exists()
    assert AuditEvent.objects.count() == audits
    assert not ImportRow.objects.exists()
    customer = Customer.objects.get(pk=archive[XINGCHEN].pk)
    assert (customer.cumulative_amount, customer.level) == (Decimal(0), "C")


def test_a_run_that_breaks_off_resumes_without_duplicates(
    tmp_path: Path, alice: Actor, archive: dict[str, Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(business_import, "WRITE_ROWS", 2)
    rows = [[XINGCHEN, f"HT-{n}", "", "100000", "2025-06-01", "", "", ""] for n in range(1, 6)]
    path = workbook(tmp_path / "合同.xlsx", LEDGER, rows)
    job = jobs.start_from_path(alice, kind="contracts", path=path)
    create = pipeline.create_contract
    calls = iter(range(1, 100))

    def dies_on_the_fourth(*args: Any, **kwargs: Any) -> Contract:
        if next(calls) == 4:
            raise RuntimeError("断电")
        return create(*args, **kwargs)

    monkeypatch.setattr(pipeline, "create_contract", dies_on_the_fourth)
    with pytest.raises(RuntimeError):
        jobs.run(job)

    job.refresh_from_db()
    assert (job.status, job.processed_rows) == (JobStatus.FAILED, 2)
    assert sorted(Contract.objects.values_list("number", flat=True)) == ["HT-1", "HT-2"]
    assert ImportRow.objects.filter(job=job).count() == 2

    job = jobs.run(job)

    assert (job.status, job.created_count, job.processed_rows) == (JobStatus.DONE, 5, 5)
    assert Contract.objects.count() == 5
    customer = Customer.objects.get(pk=archive[XINGCHEN].pk)
    assert (customer.cumulative_amount, customer.level) == (Decimal("500000.00"), "B")


def test_a_number_twice_in_a_file_is_imported_once(
    tmp_path: Path, alice: Actor, archive: dict[str, Customer]
) -> None:
    row = [XINGCHEN, "HT-2025-001", "", "100000", "2025-06-01", "", "", ""]
    other = [XINGCHEN, "HT-2025-001", "", "200000", "2025-06-01", "", "", ""]
    path = workbook(tmp_path / "重复.xlsx", LEDGER, [row, row, other])

    job = run(alice, path)

    assert outcomes(job) == {
        2: (RowOutcome.CREATED, ""),
        3: (RowOutcome.SKIPPED, "与第 2 行重复,已跳过"),
        4: (RowOutcome.REFUSED, "与第 2 行的合同编号相同但内容不同,请核对后只保留一行"),
    }
    assert Contract.objects.get().amount == Decimal("100000.00")


def test_a_number_of_another_customers_contract_is_refused(
    tmp_path: Path, alice: Actor, personas: Any, archive: dict[str, Customer]
) -> None:
    pipeline.create_contract(
        Actor(personas.dave),
        customer=archive["dave"],
        number="HT-2025-001",
        amount=Decimal(1),
        signed_on=datetime.date(2025, 1, 1),
    )
    pipeline.create_contract(
        alice,
        customer=archive[YUNFAN],
        number="HT-2025-002",
        amount=Decimal(1),
        signed_on=datetime.date(2025, 1, 1),
    )
    path = workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows()[:2])

    job = run(alice, path)

    yunfan = archive[YUNFAN]
    assert outcomes(job) == {
        2: (RowOutcome.REFUSED, "合同编号“HT-2025-001”已是另一客户的合同,不能用于本行的客户"),
        3: (
            RowOutcome.REFUSED,
            f"合同编号“HT-2025-002”已是客户“{YUNFAN}”({yunfan.number})的合同,不能用于本行的客户",
        ),
    }


def test_a_customer_is_found_by_number_and_a_shared_name_needs_it(
    tmp_path: Path, alice: Actor, archive: dict[str, Customer]
) -> None:
    for _ in range(2):
        customer_services.create_customer(alice, name="张伟", kind="individual")
    number = archive[YUNFAN].number
    headers = ["客户编号", "客户名称", "合同号", "签约金额", "签约日期"]
    rows = [
        [number, "云帆(简称也无妨)", "HT-1", "1000", "2025-07-01"],
        ["", "张伟", "HT-2", "1000", "2025-07-01"],
        ["CRM-NOPE", "", "HT-3", "1000", "2025-07-01"],
        ["", "", "HT-4", "1000", "2025-07-01"],
    ]
    job = run(alice, workbook(tmp_path / "c.xlsx", headers, rows))

    assert outcomes(job) == {
        2: (RowOutcome.CREATED, ""),
        3: (RowOutcome.REFUSED, "有多个名为“张伟”的客户,请填写客户编号以指明是哪一个"),
        4: (RowOutcome.REFUSED, "找不到编号为“CRM-NOPE”的客户,或您无权查看该客户"),
        5: (RowOutcome.REFUSED, "客户编号和客户名称都为空"),
    }
    assert Contract.objects.get().customer == archive[YUNFAN]


def test_a_customer_the_importer_may_only_see_is_refused(
    tmp_path: Path, archive: dict[str, Customer]
) -> None:
    success = testing.make_user("fay", Role.CUSTOMER_SUCCESS, None, "冯菲")
    path = workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows()[:1])

    job = run(Actor(success), path)

    assert outcomes(job) == {
        2: (RowOutcome.REFUSED, f"您只能查看客户“{XINGCHEN}”,不能为其导入合同")
    }


def test_service_checks_come_back_as_the_rows_reason(
    tmp_path: Path, alice: Actor, archive: dict[str, Customer]
) -> None:
    headers = ["客户名称", "合同编号", "合同金额", "开始日期", "到期日期", "状态"]
    rows = [
        [XINGCHEN, "HT-9", "1000", "2025-05-01", "2025-04-01", "执行中"],
        [XINGCHEN, "HT-10", "1000", "", "", "未签订"],
        [XINGCHEN, "HT-11", "1000", "", "", "作废了"],
    ]
    job = run(alice, workbook(tmp_path / "c.xlsx", headers, rows))

    assert outcomes(job) == {
        2: (
            RowOutcome.REFUSED,
            "已签订的合同需要填写签订日期; 到期日期不能早于开始日期",
        ),
        3: (RowOutcome.CREATED, ""),
        4: (
            RowOutcome.REFUSED,
            "合同状态: “作废了”不是有效的选项,可选: 草稿、履行中、已到期、已终止",
        ),
    }
    assert Contract.objects.get().status == "draft"


def test_a_contracts_file_needs_its_number_column(tmp_path: Path, alice: Actor) -> None:
    path = workbook(tmp_path / "c.xlsx", ["客户名称", "金额"], [[XINGCHEN, "1000"]])
    job = jobs.start_from_path(alice, kind="contracts", path=path)
    with pytest.raises(ValidationError, match="请指定“合同编号”所在的列"):
        jobs.set_mapping(alice, job, mapping={0: "customer_name", 1: "amount"})


# --- orders ---------------------------------------------------------------------------------


def test_orders_from_a_gbk_csv_link_to_their_contracts(
    tmp_path: Path, alice: Actor, archive: dict[str, Customer]
) -> None:
    run(alice, workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows()[:3]))
    xingchen, yunfan = archive[XINGCHEN].number, archive[YUNFAN].number
    path = tmp_path / "订单.csv"
    path.write_bytes(
        (
            "客户编号,订单号,下单日期,订单金额,产品,合同编号\r\n"
            f'{xingchen},DD-001,2025/7/1,"￥200,000.00",智能办公系统一期,HT-2025-001\r\n'
            f"{xingchen},DD-002,20251020,8000,软件升级服务,\r\n"
            f"{xingchen},DD-003,45306,1.5万,培训,\r\n"
            f"{xingchen},DD-004,2025-07-02,1000,错挂的订单,HT-2024-007\r\n"
            f"CRM-NOPE,DD-005,2025-07-02,1000,不知是谁,\r\n"
            f"{yunfan},DD-006,,1000,没有日期,\r\n"
        ).encode("gbk")
    )

    job = run(alice, path, kind="orders")

    assert outcomes(job) == {
        2: (RowOutcome.CREATED, ""),
        3: (RowOutcome.CREATED, ""),
        4: (RowOutcome.CREATED, ""),
        5: (
            RowOutcome.REFUSED,
            f"合同编号“HT-2024-007”不是客户“{XINGCHEN}”的合同(请先导入该合同)",
        ),
        6: (RowOutcome.REFUSED, "找不到编号为“CRM-NOPE”的客户,或您无权查看该客户"),
        7: (RowOutcome.REFUSED, "订单日期为空"),
    }
    linked = Order.objects.select_related("contract").get(number="DD-001")
    assert linked.contract is not None
    assert (linked.contract.number, linked.ordered_on, linked.amount, linked.summary) == (
        "HT-2025-001",
        datetime.date(2025, 7, 1),
        Decimal("200000.00"),
        "智能办公系统一期",
    )
    serial = Order.objects.get(number="DD-003")
    assert (serial.ordered_on, serial.amount, serial.contract) == (
        datetime.date(2024, 1, 15),
        Decimal("15000.00"),
        None,
    )
    customer = Customer.objects.get(pk=archive[XINGCHEN].pk)
    # two contracts of 500,000 plus the orders outside a contract (8,000 and 15,000)
    assert (
        customer.cumulative_amount,
        customer.level,
        customer.first_cooperation_on,
        customer.last_cooperation_on,
    ) == (Decimal("1023000.00"), "A", datetime.date(2024, 1, 15), datetime.date(2025, 10, 20))
    assert AuditEvent.objects.filter(action="order.create", source="import").count() == 3

    again = run(alice, path, kind="orders")
    assert (again.created_count, again.unchanged_count, again.refused_count) == (0, 3, 3)
    assert Order.objects.count() == 3


def test_an_order_moved_to_a_contract_is_updated_on_request(
    tmp_path: Path, alice: Actor, archive: dict[str, Customer]
) -> None:
    run(alice, workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows()[:1]))
    headers = ["客户名称", "订单编号", "订单日期", "订单金额(元)", "订单内容", "合同编号"]
    run(
        alice,
        workbook(
            tmp_path / "o1.xlsx", headers, [[XINGCHEN, "DD-1", "2025-08-01", "100000", "x", ""]]
        ),
        kind="orders",
    )
    customer = Customer.objects.get(pk=archive[XINGCHEN].pk)
    assert customer.cumulative_amount == Decimal("600000.00")
    moved = [[XINGCHEN, "DD-1", "2025-08-01", "100000", "", "HT-2025-001"]]  # 内容 left empty

    job = run(
        alice,
        workbook(tmp_path / "o2.xlsx", headers, moved),
        kind="orders",
        default_resolution="update",
    )

    assert outcomes(job) == {2: (RowOutcome.UPDATED, "已更新: 合同编号")}
    order = Order.objects.select_related("contract").get()
    assert order.contract is not None
    assert (order.contract.number, order.summary) == ("HT-2025-001", "x")  # nothing erased
    customer.refresh_from_db()
    assert customer.cumulative_amount == Decimal("500000.00")  # part of the contract now


# --- the command, the API, the pages --------------------------------------------------------


def test_the_command_previews_imports_and_writes_the_refused_rows(
    tmp_path: Path, archive: dict[str, Customer]
) -> None:
    path = workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows())
    out = io.StringIO()

    call_command("import", "contracts", str(path), "--as", "alice", "--dry-run", stdout=out)

    text = out.getvalue()
    assert "  合同期限 → 合同期限" in text and "  签订日期 → 签订日期" in text
    assert "预览(未写入): 新建 3, 更新 0, 无变化 0, 跳过 0, 拒绝 4" in text
    assert "第 7 行 拒绝: 北京星辰科技有限公司 合同编号为空" in text
    assert not Contract.objects.exists()

    errors = tmp_path / "未导入.xlsx"
    out = io.StringIO()
    call_command(
        "import",
        "contracts",
        str(path),
        "--as",
        "alice",
        "--errors",
        str(errors),
        stdout=out,
        stderr=io.StringIO(),
    )

    text = out.getvalue()
    assert "新建 3, 更新 0, 无变化 0, 跳过 0, 拒绝 4" in text
    assert "未导入的 4 行已写入" in text
    rows = CalamineWorkbook.from_path(str(errors)).get_sheet_by_index(0).to_python()
    assert rows[0][-2:] == ["错误原因", "原行号"]
    assert [(r[0], r[-2], r[-1]) for r in rows[1:]] == [
        ("广州别队科技有限公司", REFUSED_LEDGER[5][1], 5),
        ("不存在的公司", REFUSED_LEDGER[6][1], 6),
        (XINGCHEN, REFUSED_LEDGER[7][1], 7),
        (XINGCHEN, REFUSED_LEDGER[8][1], 8),
    ]
    assert Contract.objects.count() == 3


def test_the_api_imports_contracts(
    tmp_path: Path, personas: Any, archive: dict[str, Customer]
) -> None:
    client = testing.api_client(personas.alice)
    data = workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows()).read_bytes()

    response = client.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("合同.xlsx", data, content_type=XLSX), "kind": "contracts"},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["preview"]["counts"]) == (
        "contracts",
        "preview",
        {"created": 3, "refused": 4},
    )
    assert not Contract.objects.exists()
    ran = client.post(f"/api/v1/imports/{body['id']}/run/")
    assert ran.status_code == 200
    assert ran.json()["counts"] == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "refused": 4,
    }
    refused = client.get(f"/api/v1/imports/{body['id']}/rows/?outcome=refused").json()
    assert [(r["row_no"], r["message"]) for r in refused["results"]] == [
        (n, message) for n, (_, message) in REFUSED_LEDGER.items()
    ]
    assert Contract.objects.count() == 3
    service = testing.api_client(personas.erin).post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("合同.xlsx", data, content_type=XLSX), "kind": "orders"},
        format="multipart",
    )
    assert service.status_code == 403


def test_the_upload_page_offers_the_four_kinds_and_a_contract_job_its_choices(
    tmp_path: Path, personas: Any, archive: dict[str, Customer]
) -> None:
    client = Client()
    client.force_login(personas.alice)
    page = client.get(reverse("transfer:imports")).content.decode()
    assert '<select name="kind" class="form-select" id="id_kind">' in page
    for code, label in (
        ("customers", "客户"),
        ("records", "维护记录"),
        ("contracts", "合同"),
        ("orders", "订单"),
    ):
        assert f'<option value="{code}"' in page and f">{label}</option>" in page
    data = workbook(tmp_path / "合同.xlsx", LEDGER, ledger_rows()).read_bytes()

    response = client.post(
        reverse("transfer:imports"),
        {
            "kind": "contracts",
            "file": SimpleUploadedFile("合同.xlsx", data, content_type=XLSX),
            "on_duplicate": "skip",
        },
    )

    job = ImportJob.objects.get()
    assert (response.status_code, job.kind) == (302, "contracts")
    page = client.get(response["Location"]).content.decode()
    assert "编号已存在而内容不同时" in page and ">按表格更新</option>" in page
    assert "作为新客户导入" not in page
    client.post(
        reverse("transfer:import", args=[job.pk]),
        {**{f"col-{i}": t for i, t in job.mapping.items()}, "action": "preview"},
    )
    page = client.get(reverse("transfer:import", args=[job.pk])).content.decode()
    assert "合同编号 / 客户" in page and f"HT-2025-001 {XINGCHEN}" in page
    client.post(reverse("transfer:import", args=[job.pk]), {"action": "run"})
    job.refresh_from_db()
    assert (job.status, job.created_count, job.refused_count) == (JobStatus.DONE, 3, 4)

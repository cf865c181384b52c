"""Customer import through the services: files made the way users make them."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from crm.audit.models import AuditEvent
from crm.contacts.models import Contact
from crm.core.actor import Actor
from crm.customers import services as customer_services
from crm.customers.models import Customer
from crm.transfer import jobs
from crm.transfer.choices import JobStatus, RowOutcome
from crm.transfer.models import ImportJob, ImportRow, MappingTemplate

SEED_HEADERS = [
    "客户编号",
    "客户名称(全称)",
    "客户类型",
    "所属行业",
    "客户等级",
    "联系人",
    "职位",
    "办公电话",
    "手机",
    "邮箱",
    "总部地址",
    "分支机构地址",
    "合作起始时间",
    "最近合作时间",
    "合作产品/服务",
    "累计合作金额(元)",
    "订单记录摘要",
    "沟通方式偏好",
    "服务需求偏好",
    "关注重点",
    "状态标识",
]
XINGCHEN = [
    "2023-TEC-001",
    "北京星辰科技有限公司",
    "成交客户",
    "信息技术",
    "A类战略客户",
    "李经理",
    "采购总监",
    "010-62345678",
    "１３８００１３８０００",
    "li@xingchen.cn",
    "北京市海淀区中关村大街1号",
    "上海市浦东新区张江路88号",
    datetime.date(2023, 1, 15),
    "2023/10/20",
    "智能办公系统",
    "500,000",
    "订单2023102001:软件升级",
    "沟通+周报",
    "售后响应速度",
    "产品功能迭代",
    "正常",
]


def row(**values: Any) -> list[Any]:
    """A seed-table row: blank cells but the named headers."""
    cells: list[Any] = [""] * len(SEED_HEADERS)
    for header, value in values.items():
        cells[SEED_HEADERS.index(header)] = value
    return cells


def workbook(path: Path, rows: list[list[Any]], headers: list[str] = SEED_HEADERS) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("客户档案")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write(0, 0, "客户信息管理与客户档案维护表")  # the seed's title row above the header
    for col, header in enumerate(headers):
        sheet.write_string(1, col, header)
    for r, cells in enumerate(rows, start=2):
        for col, value in enumerate(cells):
            if isinstance(value, datetime.date):
                sheet.write_datetime(
                    r, col, datetime.datetime.combine(value, datetime.time()), dates
                )
            elif isinstance(value, int | float):
                sheet.write_number(r, col, value)
            elif value != "":
                sheet.write_string(r, col, value)
    book.close()
    return path


def start(actor: Actor, path: Path, **options: Any) -> ImportJob:
    return jobs.start_from_path(actor, kind="customers", path=path, **options)


def outcomes(job: ImportJob) -> dict[int, tuple[str, str]]:
    return {r.row_no: (r.outcome, r.message) for r in ImportRow.objects.filter(job=job)}


@pytest.fixture
def alice(personas: Any) -> Actor:
    return Actor(personas.alice, source="import")


def test_the_seed_archive_table_imports_with_values_as_people_type_them(
    tmp_path: Path, personas: Any, alice: Actor
) -> None:
    path = workbook(
        tmp_path / "客户档案.xlsx",
        [
            XINGCHEN,
            row(
                **{
                    "客户名称(全称)": "上海云帆贸易有限公司",
                    "合作起始时间": "2023年1月15日",
                    "累计合作金额(元)": "50万",
                    "客户类型": "企业",
                    "最近合作时间": 44941,
                }
            ),
            row(
                **{"客户名称(全称)": "广州手机号错误有限公司", "联系人": "王五", "手机": "1380013"}
            ),
        ],
    )
    job = start(alice, path)
    assert job.header_row == 2
    assert job.total_rows == 3
    mapping = {job.headers[int(k)]: v for k, v in job.mapping.items()}
    assert mapping["客户名称(全称)"] == "name"
    assert mapping["手机"] == "contact_mobile"
    assert mapping["职位"] == "contact_title"

    job = jobs.run(job)

    assert job.status == JobStatus.DONE
    assert (job.created_count, job.refused_count, job.processed_rows) == (2, 1, 3)
    assert outcomes(job)[5] == (RowOutcome.REFUSED, "手机号“1380013”格式不正确")
    xc = Customer.objects.get(name="北京星辰科技有限公司")
    assert xc.number == "2023-TEC-001"
    assert (xc.kind, xc.stage, xc.level, xc.industry_id, xc.status) == (
        "enterprise",
        "cooperating",
        "A",
        "65",
        "normal",
    )
    assert xc.owner == personas.alice
    assert xc.first_cooperation_on == datetime.date(2023, 1, 15)
    assert xc.last_cooperation_on == datetime.date(2023, 10, 20)
    assert (xc.cooperation_products, xc.service_preference, xc.focus) == (
        "智能办公系统",
        "售后响应速度",
        "产品功能迭代",
    )
    assert xc.notes == (
        "导入时记录:\n累计合作金额(元): 500,000.00\n订单记录摘要: 订单2023102001:软件升级\n"
        "沟通方式偏好: 沟通+周报"
    )
    assert xc.region is not None and xc.region.name == "海淀区"
    contact = Contact.objects.get(customer=xc)
    assert (contact.name, contact.title, contact.mobile, contact.phone, contact.email) == (
        "李经理",
        "采购总监",
        "13800138000",
        "010-62345678",
        "li@xingchen.cn",
    )
    assert contact.is_primary
    addresses = sorted((a.kind, str(a.region), a.detail) for a in xc.addresses.all())
    assert addresses == [
        ("branch", "上海市 浦东新区", "张江路88号"),
        ("hq", "北京市 海淀区", "中关村大街1号"),
    ]
    yunfan = Customer.objects.get(name="上海云帆贸易有限公司")
    assert yunfan.first_cooperation_on == datetime.date(2023, 1, 15)
    assert yunfan.last_cooperation_on == datetime.date(2023, 1, 15)  # Excel serial 44941
    assert "累计合作金额(元): 500,000.00" in yunfan.notes
    assert yunfan.number.startswith("CRM-")
    # audited like any other create, with the import named as the reason
    events = AuditEvent.objects.filter(customer=xc).order_by("pk")
    assert [(e.action, e.source) for e in events] == [
        ("customer.create", "import"),
        ("contact.create", "import"),
        ("discipline.evaluate", "system"),  # its first follow-up due date
    ]
    assert events[0].reason == f"导入 客户档案.xlsx(任务 #{job.pk})"
    assert events[0].changes["name"] == {"before": None, "after": "北京星辰科技有限公司"}
    # the follow-up discipline knows the new customers at once
    assert xc.transitions.get().reason == "建档"
    xc.refresh_from_db()
    assert xc.follow_up_due is not None


def test_running_the_same_file_again_changes_nothing(tmp_path: Path, alice: Actor) -> None:
    path = workbook(tmp_path / "a.xlsx", [XINGCHEN, row(**{"客户名称(全称)": "杭州一号有限公司"})])
    jobs.run(start(alice, path))
    events = AuditEvent.objects.count()

    again = jobs.run(start(alice, path))

    assert (again.created_count, again.skipped_count, again.refused_count) == (0, 2, 0)
    assert Customer.objects.count() == 2
    assert AuditEvent.objects.count() == events
    assert (
        outcomes(again)[3][1] == "与已有客户 2023-TEC-001 北京星辰科技有限公司 客户编号相同,已跳过"
    )
    assert outcomes(again)[4][1].endswith(" 杭州一号有限公司 客户名称相同,已跳过")

    updated = jobs.run(start(alice, path, default_resolution="update"))
    assert (updated.created_count, updated.unchanged_count) == (0, 2)
    assert AuditEvent.objects.count() == events


def test_update_changes_only_what_the_file_fills_in(tmp_path: Path, alice: Actor) -> None:
    jobs.run(start(alice, workbook(tmp_path / "a.xlsx", [XINGCHEN])))
    changed = list(XINGCHEN)
    changed[SEED_HEADERS.index("关注重点")] = "数据安全"
    changed[SEED_HEADERS.index("职位")] = ""  # an empty cell never erases
    changed[SEED_HEADERS.index("邮箱")] = "new@xingchen.cn"

    job = jobs.run(
        start(alice, workbook(tmp_path / "b.xlsx", [changed]), default_resolution="update")
    )

    assert job.updated_count == 1
    customer = Customer.objects.get(name="北京星辰科技有限公司")
    assert customer.focus == "数据安全"
    contact = customer.contacts.get()
    assert (contact.title, contact.email) == ("采购总监", "new@xingchen.cn")
    update = AuditEvent.objects.get(customer=customer, action="customer.update")
    assert update.changes == {"focus": {"before": "产品功能迭代", "after": "数据安全"}}
    assert AuditEvent.objects.filter(customer=customer, action="contact.update").count() == 1


def test_duplicates_inside_the_file(tmp_path: Path, alice: Actor) -> None:
    first = row(**{"客户名称(全称)": "深圳鹏程电子有限公司", "关注重点": "价格"})
    second = row(**{"客户名称(全称)": "深圳鹏程电子有限公司", "服务需求偏好": "上门服务"})
    path = workbook(tmp_path / "dup.xlsx", [first, second])

    preview = jobs.preview(start(alice, path))
    assert preview.preview["counts"] == {"created": 1, "skipped": 1}
    assert [r["message"] for r in preview.preview["rows"]] == ["", "与第 3 行客户名称相同,已跳过"]
    assert Customer.objects.count() == 0  # a dry run writes nothing
    assert not ImportRow.objects.exists()

    merged = jobs.run(start(alice, path, default_resolution="update"))
    assert (merged.created_count, merged.updated_count) == (1, 1)
    customer = Customer.objects.get()
    assert (customer.focus, customer.service_preference) == ("价格", "上门服务")


def test_a_customer_of_another_team_is_never_named(
    tmp_path: Path, personas: Any, alice: Actor
) -> None:
    customer_services.create_customer(Actor(personas.dave), name="南方隐秘科技有限公司")
    path = workbook(tmp_path / "x.xlsx", [row(**{"客户名称(全称)": "南方隐秘科技有限公司"})])

    job = jobs.run(start(alice, path, default_resolution="update"))

    outcome, message = outcomes(job)[3]
    assert outcome == RowOutcome.REFUSED
    assert "南方隐秘科技有限公司" not in message
    assert message == "与已有客户 已存在: 南方隐秘科… 负责人 邓* 客户名称相同,您无权修改该客户"
    assert Customer.objects.count() == 1


def test_owners_and_permissions(tmp_path: Path, personas: Any, alice: Actor) -> None:
    headers = ["客户名称", "负责人"]
    path = workbook(
        tmp_path / "o.xlsx",
        [["甲公司", "bob"], ["乙公司", "张爱丽"], ["丙公司", "nobody"]],
        headers,
    )

    job = jobs.run(start(alice, path))

    assert outcomes(job) == {
        3: (RowOutcome.REFUSED, "只有销售经理或管理员可以为他人建档"),
        4: (RowOutcome.CREATED, ""),
        5: (RowOutcome.REFUSED, "主责人“nobody”不是系统中的在职用户(请填写用户名或姓名)"),
    }
    manager = jobs.run(start(Actor(personas.carol), path))
    assert Customer.objects.get(name="甲公司").owner == personas.bob
    assert manager.created_count == 1
    with pytest.raises(PermissionDenied):
        start(Actor(personas.erin), path)


def test_the_refused_rows_come_back_as_a_workbook(tmp_path: Path, alice: Actor) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        [
            row(**{"客户名称(全称)": '=HYPERLINK("http://x")公司', "手机": "12345"}),
            row(**{"客户类型": "企业"}),
        ],
    )
    job = jobs.run(start(alice, path))
    out = tmp_path / "refused.xlsx"

    assert jobs.write_refused(job, out) == 2

    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[0][-2:] == ["错误原因", "原行号"]
    assert rows[1][1] == '\'=HYPERLINK("http://x")公司'  # neutralised, never a formula
    assert rows[1][-2:] == ["手机号“12345”格式不正确", 3]
    assert rows[2][-2:] == ["客户名称为空", 4]
    fixed = jobs.run(start(alice, out))  # the workbook re-imports (its reason column ignored)
    assert fixed.refused_count == 2


def test_csv_in_gbk_through_the_command(tmp_path: Path, personas: Any) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(
        "公司名称,联系人,手机号,合作起始时间,累计合作金额\r\n"
        '成都天府软件有限公司,赵六,13912345678,20230115,"￥500,000.00"\r\n'.encode("gbk")
    )
    out = io.StringIO()

    call_command(
        "import", "customers", str(path), "--as", "alice", stdout=out, stderr=io.StringIO()
    )

    text = out.getvalue()
    assert "读取 customers.csv: csv gb18030, 表头在第 1 行, 数据 1 行" in text
    assert "导入完成" in text and "新建 1" in text
    customer = Customer.objects.get(name="成都天府软件有限公司")
    assert customer.first_cooperation_on == datetime.date(2023, 1, 15)
    assert customer.contacts.get().mobile == "13912345678"
    with pytest.raises(CommandError, match="没有在职用户 nobody"):
        call_command("import", "customers", str(path), "--as", "nobody")


def test_dry_run_through_the_command_writes_nothing(tmp_path: Path, personas: Any) -> None:
    path = workbook(tmp_path / "d.xlsx", [XINGCHEN, row(**{"手机": "1"})])
    out = io.StringIO()

    call_command("import", "customers", str(path), "--as", "alice", "--dry-run", stdout=out)

    assert "预览(未写入): 新建 1, 更新 0, 无变化 0, 跳过 0, 拒绝 1" in out.getvalue()
    assert "第 4 行 拒绝:  客户名称为空" in out.getvalue()
    assert not Customer.objects.exists()


def test_a_mapping_is_remembered_as_a_template(tmp_path: Path, alice: Actor) -> None:
    path = workbook(tmp_path / "m.xlsx", [["甲公司", "老客户介绍"]], ["单位全称XYZ", "我们的备注"])
    job = start(alice, path)
    assert job.mapping == {}
    with pytest.raises(ValidationError, match="请指定“客户名称”所在的列"):
        jobs.set_mapping(alice, job, mapping={1: "notes"})

    jobs.set_mapping(alice, job, mapping={0: "name", 1: "notes"}, save_as="旧系统")

    assert MappingTemplate.objects.get(name="旧系统").mapping == {
        "单位全称XYZ": "name",
        "我们的备注": "notes",
    }
    second = start(alice, path, mapping_name="旧系统")
    assert second.mapping == {"0": "name", "1": "notes"}
    assert jobs.run(second).created_count == 1


def test_queries_grow_by_batch_not_by_row(tmp_path: Path, alice: Actor) -> None:
    def imported(n: int, offset: int) -> int:
        rows = [
            row(
                **{
                    "客户名称(全称)": f"批量测试{offset + i}有限公司",
                    "联系人": "钱七",
                    "手机": f"139{offset + i:08d}",
                    "总部地址": "浙江省杭州市西湖区文三路1号",
                }
            )
            for i in range(n)
        ]
        job = start(alice, workbook(tmp_path / f"q{n}.xlsx", rows))
        with CaptureQueriesContext(connection) as queries:
            job = jobs.run(job)
        assert job.created_count == n
        return len(queries)

    imported(1, 5000)  # the working-day calendar is read once per process
    assert imported(20, 0) == imported(200, 1000) == 43  # the search pieces of a batch: one INSERT
    assert Customer.objects.count() == 221
    assert Contact.objects.filter(is_primary=True).count() == 221


def test_numbers_given_in_the_file_are_kept_and_name_the_customer(
    tmp_path: Path, alice: Actor
) -> None:
    path = workbook(
        tmp_path / "n.xlsx",
        [
            row(**{"客户编号": "2023-TEC-001", "客户名称(全称)": "甲有限公司"}),
            row(**{"客户编号": "2023-TEC-001", "客户名称(全称)": "乙有限公司"}),
        ],
    )
    job = jobs.run(start(alice, path))
    assert Customer.objects.get(name="甲有限公司").number == "2023-TEC-001"
    assert outcomes(job)[4] == (RowOutcome.SKIPPED, "与第 3 行客户编号相同,已跳过")
    assert Decimal(Customer.objects.get().cumulative_amount) == Decimal(0)


@pytest.mark.parametrize("file_format", ["xlsx", "csv", "csv_gbk"])
def test_our_own_export_re_imports_to_the_same_data(
    tmp_path: Path, personas: Any, alice: Actor, file_format: str
) -> None:
    from crm.customers.models import Industry, Region, Source
    from crm.transfer import export

    customer_services.create_customer(
        Actor(personas.alice),
        name="=重庆长江银行股份有限公司",  # a formula-like name survives the round trip
        uscc="91500000MA5U7XH83N",
        kind="enterprise",
        level="A",
        intent="high",
        industry=Industry.objects.get(code="66"),
        source=Source.objects.get(name="行业展会"),
        region=Region.objects.get(code="500000"),
        founded_on=datetime.date(2001, 3, 5),
        headcount="300_999",
        annual_revenue=Decimal("123456789.50"),
        first_cooperation_on=datetime.date(2023, 1, 15),
        preferred_channel="visit",
        focus="+1 风控",
        flag_complaint=True,
        notes="第一行\n第二行",
        tags=["重点客户", "西南区域"],
        addresses=[
            {"kind": "hq", "region": Region.objects.get(code="500000"), "detail": "渝中区解放碑1号"}
        ],
        contacts=[
            {"name": "欧阳娜", "title": "财务总监", "mobile": "13912345678", "email": "oy@cq.cn"}
        ],
    )
    customer_services.create_customer(Actor(personas.alice), name="张三", kind="individual")
    out = tmp_path / f"export.{file_format[:4]}"
    with out.open("wb") as file:
        export.export_customers(
            Actor(personas.alice),
            params={},
            file_format=file_format,
            out=file,
            include_personal=True,
        )
    events = AuditEvent.objects.count()

    job = jobs.run(start(alice, out, default_resolution="update"))

    assert (job.total_rows, job.unchanged_count, job.refused_count) == (2, 2, 0), [
        (e.action, e.changes) for e in AuditEvent.objects.order_by("-pk")[:3]
    ]
    assert AuditEvent.objects.count() == events  # nothing changed, nothing audited


def test_one_run_of_a_job_at_a_time(tmp_path: Path, alice: Actor) -> None:
    job = start(alice, workbook(tmp_path / "c.xlsx", [XINGCHEN]))
    ImportJob.objects.filter(pk=job.pk).update(status="running", runner=f"{jobs.runner_id()[:-1]}x")
    other_host = ImportJob.objects.get(pk=job.pk)
    other_host.runner = "another-host:12345"
    other_host.heartbeat_at = timezone.now()
    other_host.save()

    with pytest.raises(ValidationError, match="该导入正在进行中"):
        jobs.run(ImportJob.objects.get(pk=job.pk))
    assert not Customer.objects.exists()

    # a run that went silent long ago (killed) is taken over and completes
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert jobs.run(ImportJob.objects.get(pk=job.pk)).created_count == 1
    with pytest.raises(ValidationError, match="已完成"):
        jobs.claim(ImportJob.objects.get(pk=job.pk))


def test_two_rows_updating_one_customer_keep_both_changes(tmp_path: Path, alice: Actor) -> None:
    jobs.run(
        start(alice, workbook(tmp_path / "a.xlsx", [row(**{"客户名称(全称)": "丙贸易有限公司"})]))
    )
    headers = ["客户名称", "标签", "联系人", "手机", "分支机构地址"]
    rows = [
        ["丙贸易有限公司", "甲标签", "王五", "13800000001", "上海市浦东新区张江路1号"],
        ["丙贸易有限公司", "乙标签", "王五", "13800000001", "上海市浦东新区张江路1号"],
    ]

    job = jobs.run(
        start(alice, workbook(tmp_path / "b.xlsx", rows, headers), default_resolution="update")
    )

    customer = Customer.objects.get()
    assert sorted(t.name for t in customer.tags.all()) == ["乙标签", "甲标签"]
    assert [c.name for c in customer.contacts.all()] == ["王五"]
    assert customer.addresses.count() == 1
    assert (job.updated_count, job.unchanged_count) == (2, 0)


def test_a_duration_cell_in_a_refused_row_is_kept_as_text(tmp_path: Path, alice: Actor) -> None:
    path = tmp_path / "t.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["客户名称", "联系人", "手机", "通话时长"])
    sheet.write_row(1, 0, ["甲有限公司", "赵一", "123"])
    sheet.write_number(1, 3, 0.5, book.add_format({"num_format": "[h]:mm:ss"}))
    sheet.write_row(2, 0, ["乙有限公司", "钱二", "13900000000"])
    book.close()

    job = jobs.run(start(alice, path))

    assert (job.created_count, job.refused_count) == (1, 1), outcomes(job)
    assert ImportRow.objects.get(job=job, outcome="refused").values[3] == "12:00:00"


def test_derived_notes_are_written_once(tmp_path: Path, alice: Actor) -> None:
    path = workbook(
        tmp_path / "n.xlsx", [row(**{"客户名称(全称)": "丁有限公司", "累计合作金额(元)": "12345"})]
    )
    jobs.run(start(alice, path))
    again = jobs.run(start(alice, path, default_resolution="update"))

    assert again.unchanged_count == 1
    assert Customer.objects.get().notes == "导入时记录:\n累计合作金额(元): 12,345.00"


def test_numbers_the_file_brings_are_not_allocated_to_other_rows(
    tmp_path: Path, alice: Actor
) -> None:
    nxt = f"CRM-{timezone.localdate():%Y%m%d}-001"
    path = workbook(
        tmp_path / "r.xlsx",
        [
            row(**{"客户名称(全称)": "甲有限公司"}),
            row(**{"客户编号": nxt, "客户名称(全称)": "乙有限公司"}),
        ],
    )
    job = jobs.run(start(alice, path))

    assert job.created_count == 2
    assert Customer.objects.get(name="乙有限公司").number == nxt
    assert (
        Customer.objects.get(name="甲有限公司").number == f"CRM-{timezone.localdate():%Y%m%d}-002"
    )


def test_a_lost_customer_needs_its_churn_reason(tmp_path: Path, alice: Actor) -> None:
    headers = ["客户名称", "合作阶段", "流失原因"]
    rows = [["甲有限公司", "流失客户", ""], ["乙有限公司", "流失", "价格太高"]]

    job = jobs.run(start(alice, workbook(tmp_path / "l.xlsx", rows, headers)))

    assert outcomes(job)[3] == (RowOutcome.REFUSED, "流失原因: 转为流失客户时必须填写流失原因")
    lost = Customer.objects.get()
    assert (lost.stage, lost.status, lost.churn_reason) == ("lost", "lost", "价格太高")


def test_a_mapping_to_a_column_that_does_not_exist_is_refused(tmp_path: Path, alice: Actor) -> None:
    job = start(alice, workbook(tmp_path / "m.xlsx", [XINGCHEN]))
    with pytest.raises(ValidationError, match="第 100 列不存在"):
        jobs.set_mapping(alice, job, mapping={0: "name", 99: "name"})


def test_an_xls_workbook_imports(tmp_path: Path, alice: Actor) -> None:
    path = Path(__file__).parent / "data" / "客户档案.xls"

    job = start(alice, path)

    assert (job.file_format, job.header_row, job.total_rows, job.sheet) == ("xls", 2, 2, "客户档案")
    job = jobs.run(job)
    assert job.created_count == 2
    xc = Customer.objects.get(number="2023-TEC-001")
    assert (xc.name, xc.stage, xc.first_cooperation_on) == (
        "北京星辰科技有限公司",
        "cooperating",
        datetime.date(2023, 1, 15),
    )
    assert xc.notes == "导入时记录:\n累计合作金额(元): 500,000.00"
    yf = Customer.objects.get(number="2023-TEC-002")
    assert (yf.stage, yf.contacts.get().mobile) == ("potential", "13912345678")
    assert "累计合作金额(元): 120,000.50" in yf.notes

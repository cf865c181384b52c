"""Record cards from the seed's 维护记录卡 / tracking sheets, through the records service."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from crm.audit.models import AuditEvent
from crm.core.actor import Actor
from crm.customers import services as customer_services
from crm.records.models import Record, Task
from crm.transfer import jobs
from crm.transfer.choices import RowOutcome
from crm.transfer.models import ImportRow

HEADERS = [
    "客户名称",
    "联系人及职务",
    "维护日期",
    "维护方式",
    "维护人",
    "沟通核心内容",
    "客户反馈与情绪",
    "待办事项",
    "负责人",
    "完成时限",
    "跟进记录",
    "下次沟通时间",
    "重点方向",
]


def workbook(path: Path, rows: list[list[Any]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for col, header in enumerate(HEADERS):
        sheet.write_string(0, col, header)
    for r, cells in enumerate(rows, start=1):
        for col, value in enumerate(cells):
            if value != "":
                sheet.write_string(r, col, str(value))
    book.close()
    return path


@pytest.fixture
def archive(personas: Any) -> Any:
    customer = customer_services.create_customer(
        Actor(personas.alice),
        name="北京星辰科技有限公司",
        contacts=[{"name": "李经理", "title": "采购总监", "mobile": "13800138000"}],
    )
    customer_services.create_customer(Actor(personas.dave), name="广州别队科技有限公司")
    return customer


def test_cards_with_to_dos_import_once(tmp_path: Path, personas: Any, archive: Any) -> None:
    rows = [
        [
            "北京星辰科技有限公司",
            "李经理 采购总监",
            "2023-10-20 14:30",
            "拜访",
            "张爱丽",
            "1.客户反馈产品使用中遇到问题;2.询问新功能的上线时间",
            "满意",
            "提供新功能上线计划",
            "张爱丽",
            "2023/10/25",
            "已提供上线计划,客户已确认",
            "2023年11月5日",
            "确认新功能计划细节",
        ],
        [
            "北京星辰科技有限公司",
            "",
            "2023-11-05",
            "电话",
            "",
            "新模块需求调研",
            "",
            "整理需求清单",
            "alice",
            "2023-11-10",
            "",
            "",
            "",
        ],
        [
            "北京星辰科技有限公司",
            "",
            "2023-11-06",
            "电话",
            "",
            "正常沟通",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "广州别队科技有限公司",
            "",
            "2023-11-06",
            "电话",
            "",
            "报价跟进",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "北京星辰科技有限公司",
            "",
            "2023-11-07",
            "飞鸽传书",
            "",
            "报价跟进",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    path = workbook(tmp_path / "记录卡.xlsx", rows)
    job = jobs.start_from_path(Actor(personas.alice), kind="records", path=path)
    assert set(job.mapping.values()) >= {
        "customer_name",
        "contact",
        "occurred_at",
        "channel",
        "content",
        "task_description",
        "task_owner",
        "task_due",
        "task_result",
    }

    job = jobs.run(job)

    outcome = {r.row_no: (r.outcome, r.message) for r in ImportRow.objects.filter(job=job)}
    assert outcome[2][0] == outcome[3][0] == RowOutcome.CREATED, outcome
    assert outcome[4] == (
        RowOutcome.REFUSED,
        "沟通核心内容: 请分点写明沟通要点(例如「客户反馈系统操作复杂,希望简化流程」),"
        "不要只写「正常沟通」「无」之类的笼统表述",
    )
    assert outcome[5] == (RowOutcome.REFUSED, "找不到客户“广州别队科技有限公司”,或您无权查看该客户")
    assert outcome[6][0] == RowOutcome.REFUSED and "飞鸽传书" in outcome[6][1]
    first = Record.objects.get(content__startswith="1.客户反馈")
    assert first.occurred_at == datetime.datetime(2023, 10, 20, 6, 30, tzinfo=datetime.UTC)
    assert (first.channel, first.sentiment, first.next_contact_on, first.next_focus) == (
        "visit",
        "satisfied",
        datetime.date(2023, 11, 5),
        "确认新功能计划细节",
    )
    assert first.is_late is False  # history from paper cards is not late filing
    assert [c.name for c in first.contacts.all()] == ["李经理"]
    done = Task.objects.get(record=first)
    assert (done.status, done.result, done.due) == (
        "done",
        "已提供上线计划,客户已确认",
        datetime.date(2023, 10, 25),
    )
    open_task = Task.objects.get(description="整理需求清单")
    assert (open_task.status, open_task.owner) == ("open", personas.alice)
    assert AuditEvent.objects.filter(action="record.file", source="import").count() == 2

    again = jobs.run(jobs.start_from_path(Actor(personas.alice), kind="records", path=path))
    assert (again.created_count, again.unchanged_count, again.refused_count) == (0, 2, 3)
    assert Record.objects.count() == 2


def test_a_records_file_needs_its_columns(tmp_path: Path, personas: Any) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["客户名称", "备注"])
    sheet.write_row(1, 0, ["甲公司", "x"])
    book.close()
    job = jobs.start_from_path(Actor(personas.alice), kind="records", path=tmp_path / "x.xlsx")
    with pytest.raises(Exception, match="请指定“维护日期”所在的列"):
        jobs.set_mapping(Actor(personas.alice), job, mapping={0: "customer_name", 1: "notes"})


def test_a_name_two_customers_share_needs_the_number(tmp_path: Path, personas: Any) -> None:
    alice = Actor(personas.alice)
    for _ in range(2):
        customer_services.create_customer(alice, name="张伟", kind="individual")
    path = workbook(
        tmp_path / "z.xlsx", [["张伟", "", "2023-10-20", "电话", "", "回访满意度"] + [""] * 7]
    )

    job = jobs.run(jobs.start_from_path(alice, kind="records", path=path))

    assert {r.row_no: r.message for r in ImportRow.objects.filter(job=job)} == {
        2: "有多个同名客户,请填写客户编号以指明是哪一个"
    }
    assert not Record.objects.exists()

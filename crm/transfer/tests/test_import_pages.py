"""The import pages and the imports API: upload → mapping → preview → run → result."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from crm.core import testing
from crm.customers.models import Customer
from crm.transfer import jobs
from crm.transfer.choices import JobStatus
from crm.transfer.models import ImportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_bytes(rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            sheet.write(r, c, value)
    book.close()
    return out.getvalue()


ROWS = [
    ["公司名称", "联系人", "手机号", "客户等级", "旧系统编号"],
    ["苏州园林设计有限公司", "周九", "13600000001", "B类", "OLD-1"],
    ["无锡太湖科技有限公司", "吴十", "1360000", "C", "OLD-2"],
]


@pytest.fixture
def alice_client(personas: Any) -> Client:
    client = Client()
    client.force_login(personas.alice)
    return client


def upload(client: Client, data: bytes, name: str = "客户.xlsx", **extra: str) -> Any:
    return client.post(
        reverse("transfer:imports"),
        {
            "file": SimpleUploadedFile(name, data, content_type=XLSX),
            "on_duplicate": "skip",
            **extra,
        },
    )


def test_upload_map_preview_and_run_in_the_browser_flow(
    alice_client: Client, personas: Any
) -> None:
    response = upload(alice_client, sheet_bytes(ROWS))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("transfer:import", args=[job.pk])
    page = alice_client.get(response["Location"]).content.decode()
    assert "确认列" in page and "苏州园林设计有限公司" in page  # the sample values
    assert 'name="col-4"' in page  # 旧系统编号 is not recognised: the user picks

    # confirm the columns (the unknown one into 备注), preview: nothing written yet
    mapping = {
        f"col-{i}": t
        for i, t in jobs.get_job(testing.actor(personas.alice), job.pk).mapping.items()
    }
    response = alice_client.post(
        reverse("transfer:import", args=[job.pk]),
        {**mapping, "col-4": "notes", "on_duplicate": "skip", "action": "preview"},
    )
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEW
    assert job.preview["counts"] == {"created": 1, "refused": 1}
    assert not Customer.objects.exists()
    page = alice_client.get(reverse("transfer:import", args=[job.pk])).content.decode()
    assert "手机号“1360000”格式不正确" in page
    assert "开始导入 2 行" in page

    response = alice_client.post(reverse("transfer:import", args=[job.pk]), {"action": "run"})
    job.refresh_from_db()
    assert (job.status, job.created_count, job.refused_count) == (JobStatus.DONE, 1, 1)
    customer = Customer.objects.get()
    assert (customer.name, customer.level, customer.notes) == ("苏州园林设计有限公司", "B", "OLD-1")
    page = alice_client.get(reverse("transfer:import", args=[job.pk])).content.decode()
    assert "下载未导入的行" in page

    download = alice_client.get(reverse("transfer:import_refused", args=[job.pk]))
    assert download["Content-Type"] == XLSX
    body = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    path = Path(jobs.import_dir()) / "check.xlsx"
    path.write_bytes(body)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[1][:2] == ["无锡太湖科技有限公司", "吴十"]
    assert rows[1][-2:] == ["手机号“1360000”格式不正确", 3]
    # a finished job cannot be run again
    again = alice_client.post(reverse("transfer:import", args=[job.pk]), {"action": "run"})
    assert "不能再次开始" in again.content.decode()
    assert Customer.objects.count() == 1


def test_a_file_that_is_no_spreadsheet_is_refused_on_the_upload_page(alice_client: Client) -> None:
    response = upload(
        alice_client, b"<html><body><table><tr><td>1</td></tr></table></body></html>", "x.xlsx"
    )

    assert response.status_code == 200
    assert "网页" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_service_staff_and_other_users_cannot_reach_an_import(
    alice_client: Client, personas: Any
) -> None:
    upload(alice_client, sheet_bytes(ROWS))
    job = ImportJob.objects.get()
    for user in (personas.erin, personas.bob):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("transfer:import", args=[job.pk])).status_code == 404
        assert client.get(reverse("transfer:import_refused", args=[job.pk])).status_code == 404
    erin = Client()
    erin.force_login(personas.erin)
    assert erin.get(reverse("transfer:imports")).status_code == 403


def test_the_imports_api(personas: Any) -> None:
    client = testing.api_client(personas.alice)
    data = sheet_bytes(ROWS)

    response = client.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("api.xlsx", data, content_type=XLSX)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "preview"
    assert body["preview"]["counts"] == {"created": 1, "refused": 1}
    assert [c["target"] for c in body["columns"]] == [
        "name",
        "contact_name",
        "contact_mobile",
        "level",
        "",
    ]
    job_id = body["id"]

    bad = client.post(
        f"/api/v1/imports/{job_id}/mapping/", {"columns": {"0": "nonsense"}}, format="json"
    )
    assert bad.status_code == 400
    assert "第 1 列: 未知的字段 nonsense" in str(bad.json())

    run = client.post(f"/api/v1/imports/{job_id}/run/")
    assert run.status_code == 200
    assert run.json()["counts"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "refused": 1,
    }
    rows = client.get(f"/api/v1/imports/{job_id}/rows/?outcome=refused").json()
    assert rows["results"] == [
        {
            "row_no": 3,
            "outcome": "refused",
            "object_id": None,
            "message": "手机号“1360000”格式不正确",
        }
    ]
    assert client.post(f"/api/v1/imports/{job_id}/run/").status_code == 400
    assert testing.api_client(personas.bob).get(f"/api/v1/imports/{job_id}/").status_code == 404
    refused = testing.api_client(personas.erin).post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("api.xlsx", data, content_type=XLSX)},
        format="multipart",
    )
    assert refused.status_code == 403
    empty = client.post("/api/v1/imports/", {}, format="multipart")
    assert empty.status_code == 400


def test_a_large_file_goes_to_the_background_worker(
    alice_client: Client, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(jobs, "INLINE_ROWS", 1)
    upload(alice_client, sheet_bytes(ROWS))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alice_client.post(
            reverse("transfer:import", args=[job.pk]),
            {**{f"col-{k}": v for k, v in job.mapping.items()}, "action": "preview"},
        )
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEWING
    assert len(callbacks) == 1  # enqueued once the request's transaction commits
    progress = alice_client.get(reverse("transfer:import_progress", args=[job.pk]))
    assert "已处理 0 / 2 行(0%)" in progress.content.decode()
    assert "HX-Refresh" not in progress

    from crm.transfer.tasks import run_import

    assert run_import.call(job.pk, True) == "preview"  # what the worker runs
    assert run_import.call(job.pk, False) == "done"
    assert run_import.call(job.pk, False) == "done"  # a second delivery changes nothing
    assert Customer.objects.count() == 1
    finished = alice_client.get(reverse("transfer:import_progress", args=[job.pk]))
    assert finished["HX-Refresh"] == "true"


def test_a_failed_run_resumes_from_its_page(
    alice_client: Client, personas: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm.transfer import importer

    upload(alice_client, sheet_bytes(ROWS))
    job = ImportJob.objects.get()
    calls = {"n": 0}
    real = importer.CustomerImport._batch

    def failing(self: Any, batch: Any, progress: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("磁盘已满")
        real(self, batch, progress, **kwargs)

    monkeypatch.setattr(importer.CustomerImport, "_batch", failing)
    with pytest.raises(RuntimeError):
        alice_client.post(reverse("transfer:import", args=[job.pk]), {"action": "run"})
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "导入中断: 磁盘已满。已导入的行已保存,可以继续导入"

    page = alice_client.get(reverse("transfer:import", args=[job.pk])).content.decode()
    assert "磁盘已满" in page and 'id="resume-import"' not in page  # nothing written yet

    alice_client.post(reverse("transfer:import", args=[job.pk]), {"action": "run"})
    job.refresh_from_db()
    assert (job.status, job.created_count, job.refused_count) == (JobStatus.DONE, 1, 1)

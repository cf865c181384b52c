"""The customer list export: the list's rows (scope, filters, sort, every page), the importer's
columns and value forms, masking and the access log, safe cells, the export log, and its
three doors (web page, CLI, API)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from crm.audit.models import AuditEvent, SensitiveAccess
from crm.core.testing import Personas, actor, api_client
from crm.customers import services
from crm.customers.models import Customer, Industry, Region
from crm.transfer import export
from crm.transfer.models import DataExport
from crm.transfer.targets import CUSTOMER_TARGETS

pytestmark = pytest.mark.django_db
LABELS = [t.label for t in CUSTOMER_TARGETS]
MOBILE = "13812345678"
ID_NUMBER = "11010519491231002X"


def run(user: Any, query: str = "", file_format: str = "xlsx", **options: Any) -> bytes:
    out = io.BytesIO()
    export.export_customers(
        actor(user), params=QueryDict(query), file_format=file_format, out=out, **options
    )
    return out.getvalue()


def sheet(data: bytes) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def records(rows: list[list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def names(data: bytes) -> list[str]:
    return [r["客户名称"] for r in records(sheet(data))]


@pytest.fixture
def world(personas: Personas, customer_of: Any) -> Personas:
    """alice: 甲 (intent, with a contact), 乙 (potential); bob: 丙 (intent); dave: 丁 (intent)."""
    customer_of(
        personas.alice,
        name="杭州甲科技有限公司",
        stage="intent",
        contacts=[
            {"name": "王五", "title": "采购总监", "mobile": MOBILE, "email": "wangwu@jia.cn"},
        ],
    )
    customer_of(personas.alice, name="杭州乙贸易有限公司")
    customer_of(personas.bob, name="杭州丙软件有限公司", stage="intent")
    customer_of(personas.dave, name="广州丁实业有限公司", stage="intent")
    return personas


def test_salesperson_gets_exactly_her_customers_with_the_filter(world: Personas) -> None:
    assert names(run(world.alice, "stage=intent")) == ["杭州甲科技有限公司"]
    assert names(run(world.alice, "sort=-id")) == ["杭州乙贸易有限公司", "杭州甲科技有限公司"]


def test_manager_gets_her_team_in_the_list_order(world: Personas) -> None:
    assert names(run(world.carol, "sort=name")) == [  # the name key: 丙 乙 甲 in code order
        "杭州丙软件有限公司",
        "杭州乙贸易有限公司",
        "杭州甲科技有限公司",
    ]


def test_every_page_of_the_list_in_its_order_across_chunks(
    personas: Personas, customer_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.utils import timezone

    monkeypatch.setattr(export, "CHUNK", 4)
    made = [customer_of(personas.alice, name=f"宁波第{i:02d}号有限公司") for i in range(11)]
    now = timezone.now()
    for i, customer in enumerate(made):
        if i % 3:  # every third never contacted: nulls come last, as on the list
            Customer.objects.filter(pk=customer.pk).update(
                last_contacted_at=now - datetime.timedelta(hours=i % 4)
            )
    expected = [
        c.name
        for c in sorted(
            Customer.objects.filter(owner=personas.alice),
            key=lambda c: (c.last_contacted_at is None, c.last_contacted_at or now, c.pk),
        )
    ]
    assert names(run(personas.alice, "sort=last_contacted")) == expected


def test_columns_are_the_import_headers_with_values_in_the_importers_form(
    personas: Personas, customer_of: Any
) -> None:
    services.save_custom_field(
        actor(personas.admin), key="satisfaction", label="满意度评分", type="integer"
    )
    customer_of(
        personas.alice,
        name="深圳市腾飞科技有限公司",
        industry=Industry.objects.get(code="65"),
        region=Region.objects.get(code="440300"),
        level="B",
        founded_on=datetime.date(2015, 3, 1),
        annual_revenue=Decimal("1234567.50"),
        flag_churn_risk=True,
        tags=["重点客户", "华东区域"],
        custom={"satisfaction": 85},
        addresses=[
            {"kind": "hq", "region_id": "440300", "detail": "南山区科技园 1 号"},
            {"kind": "branch", "region_id": "310115", "detail": "世纪大道 100 号"},
        ],
        contacts=[{"name": "单田芳", "title": "总经理", "decision_role": "decision_maker"}],
    )
    rows = sheet(run(personas.alice))
    row = records(rows)[0]

    assert rows[0] == [*LABELS, "满意度评分"]
    assert {k: row[k] for k in ("客户类型", "所属行业", "区域", "客户等级", "主责人", "标签")} == {
        "客户类型": "企业",
        "所属行业": "65",
        "区域": "440300",
        "客户等级": "B类 重点客户",
        "主责人": "alice",
        "标签": "华东区域、重点客户",
    }
    assert (row["成立时间"], row["年营业额(元)"], row["累计合作金额(元)"]) == (
        datetime.date(2015, 3, 1),
        1234567.5,
        0.0,
    )
    assert (row["流失风险"], row["投诉"], row["满意度评分"]) == ("是", "否", 85.0)
    assert (row["联系人"], row["职务"], row["决策链角色"]) == ("单田芳", "总经理", "决策人")
    assert row["总部地址"] == "广东省 深圳市 南山区科技园 1 号"
    assert row["分支机构地址"] == "上海市 浦东新区 世纪大道 100 号"


def _contact_cells(data: bytes) -> tuple[Any, Any, Any]:
    row = records(sheet(data))[0]
    return row["手机"], row["邮箱"], row["证件号码"]


@pytest.fixture
def with_id(personas: Personas, customer_of: Any) -> Personas:
    customer_of(
        personas.alice,
        name="杭州甲科技有限公司",
        contacts=[
            {"name": "王五", "mobile": MOBILE, "email": "wangwu@jia.cn", "id_number": ID_NUMBER}
        ],
    )
    return personas


def test_mobiles_are_masked_unless_asked_for_by_someone_who_may_see_them(with_id: Personas) -> None:
    p = with_id
    masked = ("138****5678", "wa****@jia.cn", "")
    assert _contact_cells(run(p.alice)) == masked
    assert _contact_cells(run(p.alice, include_personal=True)) == (MOBILE, "wangwu@jia.cn", "")
    assert _contact_cells(run(p.erin, include_personal=True)) == masked  # service, no grant


def test_id_numbers_only_with_the_sensitive_grant_and_logged(with_id: Personas) -> None:
    p = with_id
    assert _contact_cells(run(p.carol, include_personal=True))[2] == ""
    p.carol.grant_sensitive = True
    p.carol.save()
    assert _contact_cells(run(p.carol))[2] == ""  # not asked for
    assert SensitiveAccess.objects.count() == 0

    assert _contact_cells(run(p.carol, include_personal=True))[2] == ID_NUMBER
    log = list(SensitiveAccess.objects.values_list("actor__username", "field", "contact__name"))
    assert log == [("carol", "id_number", "王五")]


def test_full_values_seen_only_through_the_grant_are_logged_per_field(with_id: Personas) -> None:
    p = with_id
    p.erin.grant_personal = True
    p.erin.save()
    assert _contact_cells(run(p.erin, include_personal=True))[:2] == (MOBILE, "wangwu@jia.cn")
    assert sorted(SensitiveAccess.objects.values_list("actor__username", "field", "reason")) == [
        ("erin", "email", "导出客户列表"),
        ("erin", "mobile", "导出客户列表"),
    ]
    run(p.alice, include_personal=True)  # the owner: the export's own log says it all
    assert SensitiveAccess.objects.filter(actor=p.alice).count() == 0


def test_each_export_writes_its_log_row_and_audit_event(with_id: Personas) -> None:
    p = with_id
    run(p.alice, "stage=potential&sort=name&after=xyz", file_format="csv")
    run(p.alice, include_personal=True)

    logged = list(
        DataExport.objects.order_by("pk").values_list(
            "kind", "file_format", "created_by__username", "filters", "row_count", "sensitive"
        )
    )
    assert logged == [
        ("customers", "csv", "alice", {"stage": "potential", "sort": "name"}, 1, False),
        ("customers", "xlsx", "alice", {}, 1, True),
    ]
    events = list(AuditEvent.objects.filter(action="export.customers").order_by("pk"))
    assert [(e.actor_id, e.source, e.object_type) for e in events] == [
        (p.alice.pk, "web", "transfer.dataexport")
    ] * 2
    assert events[0].changes == {
        "file_format": {"before": None, "after": "csv"},
        "filters": {"before": None, "after": {"stage": "potential", "sort": "name"}},
        "row_count": {"before": None, "after": 1},
    }
    assert events[1].changes["sensitive"] == {"before": None, "after": True}


FORMULA_NAME = '=HYPERLINK("http://x")'


@pytest.fixture
def formulas(personas: Personas, customer_of: Any) -> Personas:
    customer_of(
        personas.alice,
        name=FORMULA_NAME,
        kind="individual",
        notes="+1",
        tags=["@x"],
        contacts=[{"name": "-王", "mobile": MOBILE}],
    )
    return personas


def test_formulas_come_out_as_text_with_a_leading_apostrophe_in_xlsx(formulas: Personas) -> None:
    row = records(sheet(run(formulas.alice, include_personal=True)))[0]
    cells = (row["客户名称"], row["备注"], row["标签"], row["联系人"], row["手机"])
    assert cells == ("'" + FORMULA_NAME, "'+1", "'@x", "'-王", MOBILE)


def test_formulas_come_out_with_a_leading_apostrophe_in_csv(formulas: Personas) -> None:
    data = run(formulas.alice, file_format="csv")
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert (rows[0]["客户名称"], rows[0]["备注"], rows[0]["标签"]) == (
        "'" + FORMULA_NAME,
        "'+1",
        "'@x",
    )


def test_gbk_csv_decodes_as_gb18030_with_the_chinese_headers(world: Personas) -> None:
    data = run(world.alice, "sort=name", file_format="csv_gbk")
    rows = list(csv.reader(io.StringIO(data.decode("gb18030"))))
    assert rows[0] == LABELS
    assert [r[1] for r in rows[1:]] == ["杭州乙贸易有限公司", "杭州甲科技有限公司"]
    assert rows[2][LABELS.index("合作阶段")] == "意向客户"
    assert rows[1][LABELS.index("成立时间")] == ""


def _export_queries(user: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        run(type(user).objects.get(pk=user.pk), "sort=name", include_personal=True)
    return len(ctx.captured_queries)


def _fill(personas: Personas, customer_of: Any, start: int, count: int) -> None:
    for i in range(start, start + count):
        customer_of(
            personas.alice,
            name=f"温州批量{i:03d}号有限公司",
            tags=["重点客户", f"标签{i}"],
            contacts=[{"name": f"王{i}", "mobile": f"1381234{i:04d}", "id_number": ID_NUMBER}],
            addresses=[{"kind": "hq", "region_id": "330300", "detail": f"鹿城区{i}号"}],
        )


def test_query_count_does_not_grow_with_rows(personas: Personas, customer_of: Any) -> None:
    personas.carol.grant_sensitive = True  # the heaviest path: full values, id numbers, a log
    personas.carol.save()
    _fill(personas, customer_of, 0, 30)
    small = _export_queries(personas.carol)
    _fill(personas, customer_of, 30, 30)
    large = _export_queries(personas.carol)
    # managed teams, custom fields; per chunk: rows, tags, addresses, contacts, the access log
    # (a bulk insert in a savepoint); the export log and its audit event (another savepoint)
    assert (small, large) == (12, 12)
    assert SensitiveAccess.objects.filter(field="id_number").count() == 30 + 60


def test_bad_filter_values_and_formats_are_refused_before_anything_is_written(
    world: Personas,
) -> None:
    with pytest.raises(ValidationError) as bad_stage:
        run(world.alice, "stage=nope")
    with pytest.raises(ValidationError) as bad_format:
        run(world.alice, file_format="pdf")
    assert list(bad_stage.value.message_dict) == ["stage"]
    assert bad_format.value.message_dict == {"format": [export.FORMAT_ERROR]}
    assert DataExport.objects.count() == 0


# --- web ------------------------------------------------------------------------------------


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_web_export_downloads_the_filtered_list_with_a_chinese_file_name(world: Personas) -> None:
    from django.utils import timezone

    response = signed_in(world.alice).get("/exports/customers/?format=xlsx&stage=intent")
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]

    assert response.status_code == 200
    assert response["Content-Type"] == export.CONTENT_TYPES["xlsx"]
    day = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == (
        f'attachment; filename="customers_{day}.xlsx"; '
        f"filename*=UTF-8''%E5%AE%A2%E6%88%B7_{day}.xlsx"
    )
    assert names(data) == ["杭州甲科技有限公司"]
    assert DataExport.objects.get().created_by == world.alice


def test_web_export_answers_a_bad_filter_with_a_chinese_400(world: Personas) -> None:
    response = signed_in(world.alice).get("/exports/customers/?format=xlsx&stage=nope")
    html = response.content.decode()
    assert response.status_code == 400
    assert "无法导出" in html and "合作阶段:" in html
    assert DataExport.objects.count() == 0


def test_list_page_offers_the_export_with_its_filters(world: Personas) -> None:
    html = signed_in(world.alice).get("/customers/?stage=intent").content.decode()
    assert 'href="/exports/customers/?format=xlsx&amp;stage=intent&amp;sort=-id"' in html
    assert 'id="export-xlsx-full"' in html
    erin = signed_in(world.erin).get("/customers/").content.decode()
    assert 'id="export-csv-gbk"' in erin and 'id="export-xlsx-full"' not in erin


# --- CLI ------------------------------------------------------------------------------------


def test_cli_writes_the_file_and_says_how_many_rows(world: Personas, tmp_path: Path) -> None:
    out = tmp_path / "客户.xlsx"
    printed = io.StringIO()
    call_command(
        "export", "customers", str(out), "--as", "alice", "--filter", "stage=intent", stdout=printed
    )
    assert printed.getvalue().strip() == f"已导出客户 1 行 → {out}"
    assert names(out.read_bytes()) == ["杭州甲科技有限公司"]
    assert AuditEvent.objects.get(action="export.customers").source == "cli"


def test_cli_guesses_csv_from_the_file_name(world: Personas, tmp_path: Path) -> None:
    out = tmp_path / "customers.csv"
    call_command("export", "customers", str(out), "--as", "carol", stdout=io.StringIO())
    assert out.read_bytes().startswith(b"\xef\xbb\xbf\xe5\xae\xa2\xe6\x88\xb7")  # BOM 客户编号


def test_cli_refuses_an_unknown_user_or_a_bad_filter_in_chinese(
    world: Personas, tmp_path: Path
) -> None:
    out = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match="没有用户名为 nobody 的用户"):
        call_command("export", "customers", str(out), "--as", "nobody")
    with pytest.raises(CommandError, match="无法导出: 合作阶段: "):
        call_command("export", "customers", str(out), "--as", "alice", "--filter", "stage=x")
    with pytest.raises(CommandError, match="请用 --format 指定"):
        call_command("export", "customers", str(tmp_path / "x.txt"), "--as", "alice")
    assert list(tmp_path.iterdir()) == []


# --- API ------------------------------------------------------------------------------------


def test_api_export_answers_the_file_with_the_lists_filters(world: Personas) -> None:
    response = api_client(world.carol).get(
        "/api/v1/exports/customers/?format=csv&stage=intent&ordering=-name"
    )
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["杭州甲科技有限公司", "杭州丙软件有限公司"]
    assert AuditEvent.objects.get(action="export.customers").source == "api"


def test_api_export_answers_a_bad_format_with_a_400_json(world: Personas) -> None:
    response = api_client(world.alice).get("/api/v1/exports/customers/?format=pdf")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"format": [export.FORMAT_ERROR]}
    bad = api_client(world.alice).get("/api/v1/exports/customers/?owner=abc")
    assert bad.status_code == 400 and list(bad.json()) == ["owner"]


def test_api_export_needs_a_signed_in_user(world: Personas) -> None:
    assert api_client(None).get("/api/v1/exports/customers/").status_code == 401

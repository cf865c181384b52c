"""Opening the files users bring: workbooks and CSVs as they make them, and files refused."""

from __future__ import annotations

import datetime
import os
import re
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineError

from crm.transfer import readers
from crm.transfer.headers import score
from crm.transfer.readers import FileRefused, Sheet, open_sheet

D = datetime.date
HEADERS = ["客户名称", "合作起始时间", "累计合作金额(元)", "手机", "投诉"]


def customer_score(cells: list[str]) -> int:
    return score(cells, "customers")


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]], **options: Any) -> Path:
    """A workbook as people make them: typed cells, dates as date cells (yyyy-mm-dd)."""
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        if name in options.get("hidden", ()):
            sheet.hide()
        elif options.get("hidden"):
            sheet.activate()  # xlsxwriter keeps the active sheet visible
        for row_index, row in enumerate(rows):
            for col_index, value in enumerate(row):
                row_at, col_at = (
                    row_index + options.get("row", 0),
                    col_index + options.get("col", 0),
                )
                if isinstance(value, datetime.date):
                    sheet.write_datetime(row_at, col_at, value, date_format)
                elif value is not None:
                    sheet.write(row_at, col_at, value)
    workbook.close()
    return path


def customers_xlsx(path: Path) -> Path:
    return write_xlsx(
        path,
        {
            "客户": [
                ["客户档案维护表"],
                [],
                HEADERS,
                ["深圳腾飞科技有限公司", D(2023, 1, 15), 500000.5, 13800138000, True],
                [],
                ["广州华南贸易有限公司", 44941, "¥500,000.00", "１３８００１３８０００", "否"],
            ]
        },
    )


def rows(sheet: Sheet) -> list[tuple[int, list[Any]]]:
    return list(sheet.rows())


def refused(path: Path, **kwargs: Any) -> str:
    with pytest.raises(FileRefused) as error:
        open_sheet(path, **kwargs)
    assert str(error.value) == error.value.message
    return error.value.message


def rewrite_zip(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))
    return target


def replace_sheet_data(source: Path, target: Path, sheet_data: bytes) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        return re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", sheet_data, data, flags=re.S)

    return rewrite_zip(source, target, change)


MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
    ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/"'
    ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def write_ods(path: Path, rows_xml: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="客户">'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        mimetype = zipfile.ZipInfo("mimetype")
        archive.writestr(mimetype, "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", MANIFEST)
        archive.writestr("content.xml", content)
    return path


def ods_text(text: str, repeat: int = 1) -> str:
    return (
        f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def compound_file(*streams: str) -> bytes:
    """A minimal OLE2 compound file (one FAT sector, one directory sector) with empty streams."""
    free, end = 0xFFFFFFFF, 0xFFFFFFFE

    def entry(name: str, kind: int, right: int = free, child: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, free, right, child, b"",
            0, 0, 0, end, 0,
        )  # fmt: skip

    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", readers.OLE_MAGIC, b"", 0x3E, 3, 0xFFFE, 9, 6, b"", 0, 1, 1,
        0, 0x1000, end, 0, end, 0,
    ) + struct.pack("<109I", 0, *[free] * 108)  # fmt: skip
    fat = struct.pack("<128I", 0xFFFFFFFD, end, *[free] * 126)
    entries = [entry("Root Entry", 5, child=1)]
    for index, name in enumerate(streams, 1):
        entries.append(entry(name, 2, right=index + 1 if index < len(streams) else free))
    entries += [entry("", 0)] * (4 - len(entries))
    return header + fat + b"".join(entries)


# --- xlsx ---


def test_an_xlsx_with_a_title_row_finds_the_header_below_it(tmp_path: Path) -> None:
    sheet = open_sheet(customers_xlsx(tmp_path / "客户.xlsx"), score=customer_score)
    assert (sheet.file_format, sheet.encoding, sheet.sheet_name) == ("xlsx", "", "客户")
    assert sheet.header_row == 3
    assert sheet.headers == HEADERS
    assert sheet.total_rows == 2


def test_xlsx_cells_keep_their_types_and_rows_their_sheet_numbers(tmp_path: Path) -> None:
    sheet = open_sheet(customers_xlsx(tmp_path / "客户.xlsx"), score=customer_score)
    assert rows(sheet) == [
        (4, ["深圳腾飞科技有限公司", D(2023, 1, 15), 500000.5, 13800138000.0, True]),
        (6, ["广州华南贸易有限公司", 44941.0, "¥500,000.00", "１３８００１３８０００", "否"]),
    ]


def test_rows_can_be_read_more_than_once(tmp_path: Path) -> None:
    sheet = open_sheet(customers_xlsx(tmp_path / "客户.xlsx"), score=customer_score)
    assert rows(sheet) == rows(sheet)
    assert len(rows(sheet)) == sheet.total_rows


def test_without_a_score_the_first_non_empty_row_is_the_header(tmp_path: Path) -> None:
    sheet = open_sheet(customers_xlsx(tmp_path / "客户.xlsx"))
    assert sheet.header_row == 1
    assert sheet.headers == ["客户档案维护表", "", "", "", ""]
    assert sheet.total_rows == 3


def test_a_sheet_that_starts_at_c5_keeps_sheet_row_numbers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx", {"S": [["客户名称", "手机"], ["腾飞", "139"]]}, row=4, col=2
    )
    sheet = open_sheet(path)
    assert (sheet.header_row, sheet.headers, rows(sheet)) == (
        5,
        ["客户名称", "手机"],
        [(6, ["腾飞", "139"])],
    )


def test_headers_are_cleaned_and_rows_fit_the_widest_row(tmp_path: Path) -> None:
    data: list[list[Any]] = [
        [" 客户名称 ", "手机\n(必填)", None, "ＥＭＡＩＬ"],
        ["腾飞"],
        ["华南", "", "", "", "", "多出来的"],
    ]
    sheet = open_sheet(write_xlsx(tmp_path / "a.xlsx", {"S": data}))
    assert sheet.headers == ["客户名称", "手机 (必填)", "", "EMAIL", "", ""]
    assert rows(sheet) == [
        (2, ["腾飞", "", "", "", "", ""]),
        (3, ["华南", "", "", "", "", "多出来的"]),
    ]


def test_an_empty_first_sheet_is_skipped(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", {"空白": [], "客户": [HEADERS]})
    assert open_sheet(path).sheet_name == "客户"


def test_a_hidden_sheet_comes_after_the_visible_ones(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx", {"下拉选项": [["A类"]], "客户": [HEADERS]}, hidden=["下拉选项"]
    )
    assert open_sheet(path).sheet_name == "客户"


def test_an_instructions_sheet_gives_way_to_the_sheet_with_known_headers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx", {"填写说明": [["请从第二页开始填写"]], "客户": [HEADERS]}
    )
    assert open_sheet(path, score=customer_score).sheet_name == "客户"
    assert open_sheet(path).sheet_name == "填写说明"


def test_the_format_comes_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    path = customers_xlsx(tmp_path / "a.xlsx").rename(tmp_path / "客户.csv")
    assert open_sheet(path, file_name="客户.csv").file_format == "xlsx"
    assert open_sheet(path.rename(tmp_path / "upload")).headers[0] == "客户档案维护表"


def test_styled_empty_cells_far_away_do_not_count(tmp_path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["客户名称", "手机"])
    sheet.write_blank(1_000_000, 16_000, None, workbook.add_format({"bold": True}))
    workbook.close()
    assert open_sheet(tmp_path / "a.xlsx").headers == ["客户名称", "手机"]


# --- ods ---


def test_an_ods_sheet_reads_with_its_types(tmp_path: Path) -> None:
    path = write_ods(
        tmp_path / "a.ods",
        f"<table:table-row>{ods_text('客户名称')}{ods_text('成立时间')}{ods_text('年营业额(元)')}"
        f"</table:table-row><table:table-row>{ods_text('腾飞')}"
        '<table:table-cell office:value-type="date" office:date-value="2023-01-15"/>'
        '<table:table-cell office:value-type="float" office:value="500000"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>',
    )
    sheet = open_sheet(path)
    assert (sheet.file_format, sheet.sheet_name, sheet.headers) == (
        "ods",
        "客户",
        ["客户名称", "成立时间", "年营业额(元)"],
    )
    assert rows(sheet) == [(2, ["腾飞", D(2023, 1, 15), 500000.0])]


def test_an_ods_row_repeated_a_million_times_is_refused_before_calamine(tmp_path: Path) -> None:
    repeated = '<table:table-row table:number-rows-repeated="1000000">'
    row = f"{repeated}{ods_text('x', 50)}</table:table-row>"
    message = refused(write_ods(tmp_path / "a.ods", row))
    assert message == "数据超过 200,000 行的上限,请拆分成几个文件分批导入"


def test_an_ods_cell_repeated_across_the_sheet_is_refused(tmp_path: Path) -> None:
    row = f"<table:table-row>{ods_text('x', 16384)}</table:table-row>"
    assert refused(write_ods(tmp_path / "a.ods", row)).startswith("第 1 行有 16,384 列数据")


# --- CSV ---

CSV_TEXT = '客户名称,手机,累计合作金额(元)\r\n深圳腾飞科技,13800138000,"￥500,000.00"\r\n'


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CSV_TEXT.encode("utf-8"), "utf-8"),
        (CSV_TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (CSV_TEXT.encode("gbk"), "gb18030"),
        (CSV_TEXT.encode("utf-16"), "utf-16"),
        (CSV_TEXT.encode("utf-16-le"), "utf-16"),
        (CSV_TEXT.encode("utf-16-be"), "utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "utf-16-bom", "utf-16-le", "utf-16-be"],
)
def test_csv_encodings_are_detected(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    sheet = open_sheet(path)
    assert (sheet.file_format, sheet.encoding, sheet.sheet_name) == ("csv", encoding, "")
    assert sheet.headers == ["客户名称", "手机", "累计合作金额(元)"]
    assert rows(sheet) == [(2, ["深圳腾飞科技", "13800138000", "￥500,000.00"])]


def test_gb18030_reads_characters_gbk_does_not_have(tmp_path: Path) -> None:
    text = "客户名称,联系人\n𠀀记商行,陈𠀾\n"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("gb18030"))
    sheet = open_sheet(path)
    assert (sheet.encoding, rows(sheet)) == ("gb18030", [(2, ["𠀀记商行", "陈𠀾"])])


@pytest.mark.parametrize(("delimiter"), ["\t", ";"])
def test_tab_and_semicolon_delimiters_are_found(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "a.csv"
    lines = [["客户名称", "地址", "备注"], ["腾飞", "深圳, 南山", "a,b"], ["华南", "广州", "c"]]
    path.write_text("\n".join(delimiter.join(line) for line in lines) + "\n", encoding="utf-8")
    sheet = open_sheet(path)
    assert sheet.headers == ["客户名称", "地址", "备注"]
    assert rows(sheet)[0] == (2, ["腾飞", "深圳, 南山", "a,b"])


def test_excel_sep_line_sets_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("sep=;\n客户名称;手机\n腾飞;139\n", encoding="utf-8")
    sheet = open_sheet(path)
    assert (sheet.header_row, sheet.headers, rows(sheet)) == (
        1,
        ["客户名称", "手机"],
        [(2, ["腾飞", "139"])],
    )


def test_a_quoted_field_may_hold_newlines_and_rows_are_numbered_by_record(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    text = (
        '客户档案维护表,,\n客户名称,备注,手机\n腾飞,"第一行\n第二行, 还有逗号",139\n\n华南,,138\n'
    )
    path.write_text(text, encoding="utf-8")
    sheet = open_sheet(path, score=customer_score)
    assert (sheet.header_row, sheet.headers, sheet.total_rows) == (
        2,
        ["客户名称", "备注", "手机"],
        2,
    )
    assert rows(sheet) == [
        (3, ["腾飞", "第一行\n第二行, 还有逗号", "139"]),
        (5, ["华南", "", "138"]),
    ]


def test_csv_cells_are_strings_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "日期,金额,手机,投诉\n2023/1/15,50万,１３８００１３８０００,是\n", encoding="utf-8"
    )
    assert rows(open_sheet(path)) == [(2, ["2023/1/15", "50万", "１３８００１３８０００", "是"])]


# --- refused ---


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(b"")
    assert refused(tmp_path / "a.xlsx") == "文件是空的,请选择填好数据的表格文件"


def test_a_file_with_no_data_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(",,\n \n", encoding="utf-8")
    assert refused(tmp_path / "a.csv") == "表格里没有数据:请检查是否选错了文件"
    assert refused(write_xlsx(tmp_path / "a.xlsx", {"S": []})).startswith("表格里没有数据")


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    (tmp_path / "a.csv").write_bytes(b"a,b\n" * 600_000)
    assert refused(tmp_path / "a.csv").startswith("文件超过 2 MB")


@pytest.mark.parametrize("name", ["客户.xlsx", "客户.xls"])
def test_a_web_page_saved_as_excel_is_refused_as_a_web_page(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    page = "\ufeff\r\n<html><head><meta charset='gbk'></head><body><table><tr><td>客户名称</td>"
    path.write_bytes(page.encode("gbk", errors="ignore"))
    message = refused(path, file_name=name)
    assert message == f"“{name}”其实是网页(HTML),不是真正的 Excel 表格:{readers.SAVE_AS}"


@pytest.mark.parametrize(
    "head",
    [
        b"<table border=1><tr><td>x</td></tr></table>",
        b"MIME-Version: 1.0\r\nContent-Type: multipart/related",
        "<!DOCTYPE html><html>".encode("utf-16"),
    ],
)
def test_other_web_pages_are_refused(tmp_path: Path, head: bytes) -> None:
    (tmp_path / "a.xls").write_bytes(head)
    assert "网页" in refused(tmp_path / "a.xls")


def test_excel_2003_xml_is_refused_with_what_to_do(tmp_path: Path) -> None:
    xml = b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
    (tmp_path / "a.xls").write_bytes(xml)
    assert refused(tmp_path / "a.xls").startswith("这是 Excel 2003 XML 表格")


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "a.xlsx", "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert refused(tmp_path / "a.xlsx").startswith("这是一个压缩包(或 Word、PPT 文档),不是表格")


def test_an_xlsb_workbook_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "a.xlsx", "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    assert (
        refused(tmp_path / "a.xlsx")
        == "暂不支持 .xlsb 二进制工作簿:请用 Excel 另存为 .xlsx 后再导入"
    )


def test_a_damaged_zip_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(customers_xlsx(tmp_path / "b.xlsx").read_bytes()[:3000])
    assert refused(tmp_path / "a.xlsx") == readers.DAMAGED


def bomb(path: Path, size: int, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024) if compression else os.urandom(1024 * 1024)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return path


def test_a_zip_bomb_is_refused_from_its_directory_before_decompressing(
    tmp_path: Path, monkeypatch: Any
) -> None:
    path = bomb(tmp_path / "a.xlsx", 8 * 1024 * 1024)
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kwargs: pytest.fail("read"))
    assert refused(path) == readers.BOMB


def test_a_workbook_larger_than_the_uncompressed_limit_is_refused(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(readers, "MAX_UNCOMPRESSED_BYTES", 2 * 1024 * 1024)
    path = bomb(tmp_path / "a.xlsx", 3 * 1024 * 1024, zipfile.ZIP_STORED)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kwargs: pytest.fail("read"))
    assert refused(path) == readers.BOMB


def declare_size(path: Path, name: str, size: int) -> None:
    """Rewrite the uncompressed size a zip declares for a part (local and central headers)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        struct.pack_into("<I", data, archive.getinfo(name).header_offset + 22, size)
    central = data.index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == name.encode():
            struct.pack_into("<I", data, central + 24, size)
            break
        central = data.index(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def test_a_part_larger_than_its_declared_size_is_refused(tmp_path: Path) -> None:
    path = customers_xlsx(tmp_path / "a.xlsx")
    declare_size(path, "xl/worksheets/sheet1.xml", 100)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 100
    assert refused(path) == readers.DAMAGED


@pytest.mark.parametrize("chunk_bytes", [1024 * 1024, 7])
@pytest.mark.parametrize(
    "declaration",
    [b'<!DOCTYPE x [<!ENTITY a "aaaa">]>', b'<!doctype x SYSTEM "file:///etc/passwd">'],
)
def test_xml_entity_declarations_are_refused(
    tmp_path: Path, monkeypatch: Any, declaration: bytes, chunk_bytes: int
) -> None:
    monkeypatch.setattr(readers, "CHUNK_BYTES", chunk_bytes)

    def change(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"?>", b"?>" + declaration, 1)
        return data

    path = rewrite_zip(customers_xlsx(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", change)
    assert refused(path) == readers.XML_ENTITY


def test_an_entity_declaration_in_an_ods_is_refused(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "a.ods", "<table:table-row/>")
    rewrite_zip(
        path, tmp_path / "b.ods", lambda name, data: data.replace(b"?>", b"?><!ENTITY x 'y'>", 1)
    )
    assert refused(tmp_path / "b.ods") == readers.XML_ENTITY


def test_a_few_cells_claiming_a_huge_sheet_are_refused_before_calamine(tmp_path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"))
    sheet = workbook.add_worksheet()
    sheet.write("A1", "客户名称")
    sheet.write("XFD1048576", "x")  # calamine would allocate 17 billion cells and abort
    workbook.close()
    assert refused(tmp_path / "a.xlsx").startswith(
        "表格的数据范围过大(有内容的单元格延伸到第 1,048,576 行第 XFD 列)"
    )


def test_cells_without_references_count_where_they_fall(tmp_path: Path) -> None:
    row = (
        b'<row r="1">' + b"<c><v>1</v></c>" * 300 + b'</row><row r="1000000"><c><v>1</v></c></row>'
    )
    path = replace_sheet_data(
        write_xlsx(tmp_path / "a.xlsx", {"S": [["x"]]}),
        tmp_path / "b.xlsx",
        b"<sheetData>" + row + b"</sheetData>",
    )
    assert refused(path).startswith(
        "表格的数据范围过大(有内容的单元格延伸到第 1,000,000 行第 KN 列)"
    )


def test_a_greater_than_sign_in_an_attribute_does_not_hide_a_cell(tmp_path: Path) -> None:
    row = b'<row r="1"><c r="A1" t="n"><v>1</v></c><c x=">" r="ZZ999999"><v>1</v></c></row>'
    path = replace_sheet_data(
        write_xlsx(tmp_path / "a.xlsx", {"S": [["x"]]}),
        tmp_path / "b.xlsx",
        b"<sheetData>" + row + b"</sheetData>",
    )
    assert refused(path).startswith("表格的数据范围过大")


def test_a_shared_string_count_calamine_would_preallocate_is_refused(tmp_path: Path) -> None:
    def change(name: str, data: bytes) -> bytes:
        if name == "xl/sharedStrings.xml":
            return re.sub(rb'uniqueCount="\d+"', b'uniqueCount="2000000000"', data)
        return data

    path = rewrite_zip(customers_xlsx(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", change)
    assert refused(path) == readers.BOMB


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes(range(256)) * 64, readers.NOT_TEXT),
        (b"\x80\xff\xfe\x81" * 1000, readers.NOT_TEXT),
        (b"abc\x01\x02\x03\x04\x05\x06\x07\x08" * 100, readers.NOT_TEXT),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3",
            "这是PDF 文件,不是表格:请上传 .xlsx、.xls、.ods 或 .csv 文件",
        ),
        (b"\x89PNG\r\n\x1a\n", "这是图片,不是表格:请上传 .xlsx、.xls、.ods 或 .csv 文件"),
    ],
    ids=["random", "invalid-bytes", "control-characters", "pdf", "png"],
)
def test_binary_files_are_refused(tmp_path: Path, data: bytes, message: str) -> None:
    (tmp_path / "a.csv").write_bytes(data)
    assert refused(tmp_path / "a.csv") == message


def test_an_ole_file_calamine_cannot_read_is_refused_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "a.xls").write_bytes(readers.OLE_MAGIC + os.urandom(4000))
    assert refused(tmp_path / "a.xls") == readers.UNREADABLE


def test_an_encrypted_xlsx_is_refused_as_encrypted(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(compound_file("EncryptionInfo", "EncryptedPackage"))
    assert refused(tmp_path / "a.xlsx") == "文件已加密,请先取消密码"
    (tmp_path / "b.xls").write_bytes(compound_file("Other"))
    assert refused(tmp_path / "b.xls") == readers.UNREADABLE


def test_a_workbook_calamine_calls_password_protected_is_refused_as_encrypted(
    tmp_path: Path, monkeypatch: Any
) -> None:
    def password(path: str) -> None:
        raise readers.PasswordError("Workbook is password protected")

    monkeypatch.setattr(readers.CalamineWorkbook, "from_path", password)
    assert refused(customers_xlsx(tmp_path / "a.xlsx")) == "文件已加密,请先取消密码"


def test_a_zip_with_encrypted_parts_is_refused_as_encrypted(tmp_path: Path) -> None:
    data = bytearray(customers_xlsx(tmp_path / "a.xlsx").read_bytes())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, data[central + 8] | 1)  # general purpose flags
    (tmp_path / "b.xlsx").write_bytes(bytes(data))
    assert refused(tmp_path / "b.xlsx") == "文件已加密,请先取消密码"


def test_calamine_errors_never_surface_as_tracebacks(tmp_path: Path, monkeypatch: Any) -> None:
    def broken(path: str) -> None:
        raise CalamineError("XmlError: unexpected end")

    monkeypatch.setattr(readers.CalamineWorkbook, "from_path", broken)
    assert refused(customers_xlsx(tmp_path / "a.xlsx")) == readers.UNREADABLE


def test_too_many_rows_are_refused(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(readers, "MAX_ROWS", 3)
    data = [["客户名称"]] + [[f"客户{n}"] for n in range(4)]
    assert refused(write_xlsx(tmp_path / "a.xlsx", {"S": data})) == (
        "数据超过 3 行的上限,请拆分成几个文件分批导入"
    )
    (tmp_path / "a.csv").write_text("\n".join(row[0] for row in data), encoding="utf-8")
    assert refused(tmp_path / "a.csv").startswith("数据超过 3 行的上限")
    (tmp_path / "b.csv").write_text("\n".join(row[0] for row in data[:4]), encoding="utf-8")
    assert open_sheet(tmp_path / "b.csv").total_rows == 3


def test_too_many_columns_are_refused_naming_the_row(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(readers, "MAX_COLUMNS", 3)
    data = [["客户名称", "手机"], ["腾飞", "139", "", "多"]]
    assert refused(write_xlsx(tmp_path / "a.xlsx", {"S": data})) == (
        "第 2 行有 4 列数据,超过 3 列的上限:请删除多余的列"
    )
    (tmp_path / "a.csv").write_text("客户名称,手机\n腾飞,139,,多\n", encoding="utf-8")
    assert refused(tmp_path / "a.csv").startswith("第 2 行有 4 列数据")


def test_a_csv_line_of_endless_delimiters_is_refused_before_it_is_split(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("客户名称,手机\n" + "," * 20_000 + "\n", encoding="utf-8")
    assert refused(tmp_path / "a.csv") == "第 2 行的列数超过 200 列的上限:请删除多余的列"


def test_a_huge_cell_is_refused_naming_its_row_and_column(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(readers, "MAX_CELL_CHARS", 10)
    data = [["客户名称", "备注"], ["腾飞", "短"], ["华南", "很长" * 6]]
    path = write_xlsx(tmp_path / "a.xlsx", {"S": data}, row=1, col=2)
    assert refused(path) == "第 4 行第 D 列的内容超过 10 个字符,请缩短后再导入"
    (tmp_path / "a.csv").write_text(
        "客户名称,备注\n腾飞,短\n华南," + "很长" * 6 + "\n", encoding="utf-8"
    )
    assert refused(tmp_path / "a.csv") == "第 3 行第 B 列的内容超过 10 个字符,请缩短后再导入"


def test_a_csv_cell_beyond_the_csv_field_limit_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text('客户名称\n"' + "长" * 140_000 + '"\n', encoding="utf-8")
    assert refused(tmp_path / "a.csv") == "第 2 行附近有单元格的内容过长,请缩短后再导入"


def test_a_csv_is_streamed_not_loaded_into_memory(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(readers, "CHUNK_BYTES", 64 * 1024)
    path = tmp_path / "a.csv"
    path.write_text("客户名称,手机,备注\n" + "深圳腾飞科技有限公司,13800138000,老客户\n" * 60_000)
    tracemalloc.start()
    try:
        sheet = open_sheet(path)
        assert sum(1 for _ in sheet.rows()) == sheet.total_rows == 60_000
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert path.stat().st_size > 3_000_000
    assert peak < 1_000_000  # the rows as lists would take about 20 MB


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (16383, "XFD")]
)
def test_column_letters_name_columns_as_spreadsheets_do(index: int, letters: str) -> None:
    assert readers.column_letter(index) == letters

"""Open the spreadsheet a user brings, safely: xlsx, xls, ods (python-calamine) or CSV.

The format comes from the bytes, never from the file name. What cannot be read, or should
not be (a web page saved as ".xls", a zip bomb, an XML entity attack, a sheet whose few
cells claim a million rows), is refused with a `FileRefused` whose message tells the user in
one Chinese sentence what is wrong and what to do.

Before calamine sees a zip workbook, its directory is checked (sizes, compression ratios,
encryption) and every part is read once, streamed: no DOCTYPE/ENTITY; the decompressed bytes
never exceed what the directory declares; no sheet whose cells span more than
`MAX_SHEET_CELLS` (calamine holds a sheet as a dense grid: two cells at A1 and XFD1048576
would make it allocate 17 billion cells and abort the process; an ods row "repeated" a
million times does the same); no shared-string count that calamine would preallocate.

python-calamine 0.9.1 quirks relied on here (pinned by tests): `CalamineSheet.iter_rows()`
yields every row from sheet row 1 (leading empty rows included) but only the columns from
the first used one (`sheet.start[1]`); empty cells are ""; `from_path` chooses the reader by
the file extension (an encrypted xlsx, an OLE file, is only recognised by the xlsx reader),
so the file is opened through a link with the right extension.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import shutil
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Literal, NoReturn
from xml.parsers import expat

from python_calamine import (
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from crm.transfer.values import clean_line

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024  # all parts of a workbook, decompressed
MAX_COMPRESSION_RATIO = 200
RATIO_MIN_BYTES = 1024 * 1024  # smaller parts cannot bomb; tiny ones compress absurdly well
MAX_ZIP_MEMBERS = 10_000
MAX_ROWS = 200_000  # data rows below the header
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767  # Excel's own limit
MAX_SHEET_CELLS = 20_000_000  # rows × columns calamine may hold (about 600 MB)
MAX_TAG_BYTES = 4 * 1024 * 1024
MAX_CSV_FIELDS = 16_384  # delimiters in one line before it is not a table row
HEADER_SEARCH_ROWS = 10
SNIFF_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ODS_MIMETYPES = (
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.spreadsheet-template",
)
OTHER_FILES = (  # (magic, what it is) for files that are clearly not tables
    (b"%PDF", "PDF 文件"),
    (b"\x89PNG", "图片"),
    (b"\xff\xd8\xff", "图片"),
    (b"GIF8", "图片"),
    (b"BM", "图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"PK\x05\x06", "空的压缩包"),
)
MEDIA_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".wdp", ".jfif",
    ".bin", ".mp3", ".mp4", ".wav",
)  # fmt: skip
XML_SUFFIXES = (".xml", ".rels", ".vml")

SAVE_AS = "请用 Excel 或 WPS 打开它,另存为 .xlsx 后再导入"
UPLOAD = "请上传 .xlsx、.xls、.ods 或 .csv 文件"
ENCRYPTED = "文件已加密,请先取消密码"
DAMAGED = f"文件已损坏,无法读取:{SAVE_AS}"
UNREADABLE = f"无法读取这个表格文件(可能已损坏或格式不受支持):{SAVE_AS}"
BOMB = f"文件解压后过大或压缩比异常,可能是恶意文件,已拒绝:{SAVE_AS}"
XML_ENTITY = f"文件中含有不允许的 XML 声明(DOCTYPE/ENTITY),可能是恶意文件,已拒绝:{SAVE_AS}"
NOT_TEXT = f"无法识别的文件:既不是 Excel/WPS 表格,也不是文本 CSV:{UPLOAD}"

FileFormat = Literal["xlsx", "xls", "ods", "csv"]
Score = Callable[[list[str]], int]
RawRows = Callable[[], Iterator[tuple[int, list[Any]]]]


class FileRefused(Exception):
    """A file we will not import; `message` says, in Chinese, what is wrong and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refuse(message: str) -> NoReturn:
    raise FileRefused(message)


@dataclass
class Sheet:
    """The table found in a file: where its header is, what it says, and its data rows."""

    file_format: FileFormat
    encoding: str  # "" for workbooks; for CSV: utf-8, utf-8-sig, gb18030 or utf-16
    sheet_name: str  # "" for CSV
    header_row: int  # 1-based
    headers: list[str]
    total_rows: int  # non-empty data rows below the header
    _raw_rows: RawRows = field(repr=False, compare=False)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(sheet row number, cells) of each non-empty data row, as many cells as headers."""
        width = len(self.headers)
        for number, cells in self._raw_rows():
            if number <= self.header_row or not _content_width(cells):
                continue
            row = ["" if cell is None else cell for cell in cells[:width]]
            yield number, row + [""] * (width - len(row))


def open_sheet(
    path: Path, *, file_name: str = "", score: Score | None = None, checked_format: str = ""
) -> Sheet:
    """Open a spreadsheet file; `score` rates candidate header rows (highest wins).

    `checked_format`: the format this very file had when it was opened before (a stored
    upload, read again by its import job); the zip checks it passed are not repeated."""
    size = path.stat().st_size
    if size == 0:
        _refuse("文件是空的,请选择填好数据的表格文件")
    if size > MAX_FILE_BYTES:
        _refuse(f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB,请拆分成几个较小的文件后分批导入")
    with path.open("rb") as file:
        head = file.read(SNIFF_BYTES)
    if head.startswith(ZIP_MAGIC):
        if checked_format == "xlsx":
            return _open_workbook(path, "xlsx", score)
        if checked_format == "ods":
            return _open_workbook(path, "ods", score)
        return _open_workbook(path, _check_zip(path), score)
    if head.startswith(OLE_MAGIC):
        return _open_workbook(path, "xls", score)
    for magic, what in OTHER_FILES:
        if head.startswith(magic):
            _refuse(f"这是{what},不是表格:{UPLOAD}")
    _refuse_markup(head, file_name)
    return _open_csv(path, head, score)


# -- finding the header ---------------------------------------------------------------------


@dataclass
class _Scan:
    """One pass over a table's rows: limits, the header candidates and the counts."""

    score: Score | None
    col_offset: int = 0
    candidates: list[tuple[int, list[str], int]] = field(default_factory=list)
    nonempty: int = 0
    width_after: int = 0  # widest row after the candidates

    def feed(self, number: int, cells: list[Any]) -> None:
        width = _checked_width(number, cells, self.col_offset)
        if not width:
            return
        self.nonempty += 1
        if len(self.candidates) < HEADER_SEARCH_ROWS:
            self.candidates.append((number, [clean_line(cell) for cell in cells[:width]], width))
            return
        self.width_after = max(self.width_after, width)
        if self.nonempty > MAX_ROWS + HEADER_SEARCH_ROWS:
            _refuse_rows()

    def best(self) -> int:
        """The index of the header among the candidates: the best score, the earliest on ties."""
        if self.score is None:
            return 0
        scores = [self.score(texts) for _, texts, _ in self.candidates]
        return scores.index(max(scores))

    def best_score(self) -> int:
        return 0 if self.score is None else self.score(self.candidates[self.best()][1])

    def sheet(self, fmt: FileFormat, encoding: str, name: str, raw: RawRows) -> Sheet:
        best = self.best()
        number, texts, _ = self.candidates[best]
        width = max([self.width_after] + [width for _, _, width in self.candidates[best:]])
        total = self.nonempty - best - 1
        if total > MAX_ROWS:
            _refuse_rows()
        headers = texts[:width] + [""] * (width - len(texts))
        return Sheet(fmt, encoding, name, number, headers, total, raw)


def _refuse_rows() -> NoReturn:
    _refuse(f"数据超过 {MAX_ROWS:,} 行的上限,请拆分成几个文件分批导入")


def _content_width(cells: list[Any]) -> int:
    """1 + the index of the last non-empty cell; 0 for an empty row."""
    for index in range(len(cells) - 1, -1, -1):
        cell = cells[index]
        if cell is not None and not (isinstance(cell, str) and (not cell or cell.isspace())):
            return index + 1
    return 0


def _checked_width(number: int, cells: list[Any], col_offset: int) -> int:
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
            column = column_letter(index + col_offset)
            _refuse(
                f"第 {number} 行第 {column} 列的内容超过 {MAX_CELL_CHARS:,} 个字符,请缩短后再导入"
            )
    width = _content_width(cells)
    if width > MAX_COLUMNS:
        _refuse(f"第 {number} 行有 {width} 列数据,超过 {MAX_COLUMNS} 列的上限:请删除多余的列")
    return width


def column_letter(index: int) -> str:
    """The spreadsheet column name of a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# -- workbooks ------------------------------------------------------------------------------


def _open_workbook(path: Path, fmt: Literal["xlsx", "xls", "ods"], score: Score | None) -> Sheet:
    """The first non-empty sheet (visible ones first); with `score`, the first one whose
    header is recognised when the first non-empty sheet's is not (a 填写说明 sheet)."""
    first: tuple[_Scan, str, RawRows] | None = None
    with _workbook(path, fmt) as workbook:
        for name in _sheet_order(workbook):
            sheet = _guarded(partial(workbook.get_sheet_by_name, name))
            found = _scan_sheet(sheet, score) if sheet.start is not None else None
            if found is None:
                continue
            first = first or found
            if score is None or found[0].best_score() > 0:
                return found[0].sheet(fmt, "", name, found[2])
    if first is None:
        _refuse("表格里没有数据:请检查是否选错了文件")
    return first[0].sheet(fmt, "", first[1], first[2])


def _sheet_order(workbook: CalamineWorkbook) -> list[str]:
    worksheets = [m for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    visible = [m.name for m in worksheets if m.visible == SheetVisibleEnum.Visible]
    return visible + [m.name for m in worksheets if m.visible != SheetVisibleEnum.Visible]


def _scan_sheet(sheet: CalamineSheet, score: Score | None) -> tuple[_Scan, str, RawRows] | None:
    scan = _Scan(score)
    count = 0
    for count, cells in enumerate(_sheet_rows(sheet), 1):
        if count == 1:
            scan.col_offset = max(0, (sheet.end or (0, 0))[1] + 1 - len(cells))
        scan.feed(count, cells)
    if not scan.candidates:
        return None
    # 0.9.1 yields rows from row 1; a version yielding from the first used row gets renumbered
    offset = (sheet.end or (0, 0))[0] + 1 - count
    if offset:
        scan.candidates = [(n + offset, texts, w) for n, texts, w in scan.candidates]

    def raw() -> Iterator[tuple[int, list[Any]]]:
        return enumerate(_sheet_rows(sheet), 1 + offset)

    return scan, sheet.name, raw


@contextmanager
def _workbook(path: Path, fmt: str) -> Iterator[CalamineWorkbook]:
    """The workbook opened by calamine's reader for `fmt`, through a link named for it."""
    with tempfile.TemporaryDirectory(prefix="crm-import-") as folder:
        try:
            workbook = _guarded(lambda: CalamineWorkbook.from_path(_link(path, folder, fmt)))
        except FileRefused:
            if fmt == "xls" and _is_encrypted_xlsx(path, folder):
                _refuse(ENCRYPTED)
            raise
        try:
            yield workbook
        finally:
            workbook.close()


def _is_encrypted_xlsx(path: Path, folder: str) -> bool:
    """An encrypted xlsx is an OLE file that only calamine's xlsx reader recognises."""
    try:
        CalamineWorkbook.from_path(_link(path, folder, "xlsx")).close()
    except PasswordError:
        return True
    except Exception:  # noqa: S110 - any other answer: not an encrypted xlsx
        pass
    return False


def _link(path: Path, folder: str, fmt: str) -> str:
    link = Path(folder) / f"upload.{fmt}"
    try:
        link.symlink_to(path.resolve())
    except OSError:
        shutil.copyfile(path, link)
    return str(link)


def _guarded[T](action: Callable[[], T]) -> T:
    """Run a calamine call; its errors (and Rust panics) become a Chinese FileRefused."""
    try:
        return action()
    except PasswordError:
        raise FileRefused(ENCRYPTED) from None
    except (KeyboardInterrupt, SystemExit, GeneratorExit, FileRefused):
        raise
    except BaseException as error:  # pyo3's PanicException is a BaseException
        logger.info("calamine could not read a workbook: %r", error)
        raise FileRefused(UNREADABLE) from error


def _sheet_rows(sheet: CalamineSheet) -> Iterator[list[Any]]:
    rows = _guarded(sheet.iter_rows)
    end: list[Any] = []
    while (cells := _guarded(lambda: next(rows, end))) is not end:
        yield cells


# -- zip workbooks: checked before calamine decompresses anything ---------------------------


def _check_zip(path: Path) -> Literal["xlsx", "ods"]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        _refuse(DAMAGED)
    with archive:
        infos = archive.infolist()
        _check_directory(infos)
        fmt = _zip_format(archive)
        total = 0
        for info in infos:
            if not info.is_dir() and not info.filename.lower().endswith(MEDIA_SUFFIXES):
                total = _check_member(archive, info, fmt, total)
    return fmt


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb from the declared sizes, before decompressing a byte."""
    if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        _refuse(BOMB)
    for info in infos:
        if info.flag_bits & 0x1:
            _refuse(ENCRYPTED)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            _refuse(BOMB)


def _zip_format(archive: zipfile.ZipFile) -> Literal["xlsx", "ods"]:
    names = set(archive.namelist())
    if {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        return "xlsx"
    if "mimetype" in names:
        with archive.open("mimetype") as member:
            if member.read(100).strip() in ODS_MIMETYPES:
                return "ods"
    if "xl/workbook.bin" in names:
        _refuse("暂不支持 .xlsb 二进制工作簿:请用 Excel 另存为 .xlsx 后再导入")
    _refuse(f"这是一个压缩包(或 Word、PPT 文档),不是表格:{UPLOAD}")


def _check_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, fmt: str, total: int) -> int:
    """Stream one part through the checks; answer the running total of decompressed bytes."""
    checks: list[_Check] = [_EntityCheck()]
    if info.filename.lower().endswith(XML_SUFFIXES):
        checks.append(_XlsxExtent() if fmt == "xlsx" else _OdsExtent(info.filename))
    read = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK_BYTES):
                read += len(chunk)
                total += len(chunk)
                if read > info.file_size or total > MAX_UNCOMPRESSED_BYTES:
                    _refuse(BOMB)
                for check in checks:
                    check.feed(chunk)
        for check in checks:
            check.close()
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError):
        _refuse(DAMAGED)
    return total


class _Check:
    def feed(self, chunk: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """The part has been read to its end."""


class _EntityCheck(_Check):
    """No <!DOCTYPE or <!ENTITY anywhere (any case, UTF-8 or UTF-16), across chunk ends."""

    PATTERNS = tuple(
        text.encode(encoding)
        for text in ("<!doctype", "<!entity")
        for encoding in ("ascii", "utf-16-le", "utf-16-be")
    )
    KEEP = max(len(pattern) for pattern in PATTERNS) - 1

    def __init__(self) -> None:
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        window = self.tail + chunk.lower()
        if any(pattern in window for pattern in self.PATTERNS):
            _refuse(XML_ENTITY)
        self.tail = window[-self.KEEP :]


def _refuse_extent(rows: int, columns: int) -> NoReturn:
    _refuse(
        f"表格的数据范围过大(有内容的单元格延伸到第 {rows:,} 行第 {column_letter(columns - 1)} 列),"
        "请删除多余的行和列,或拆分成几个文件后再导入"
    )


_NOT_R = rb"""(?:\s+(?!r\s*=)[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*"""  # attributes but r
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_R = rb"""\s+r\s*=\s*["']"""
# Cell and row tags that are not self-closing (calamine skips empty cells), with their r
# attribute wherever it is (b"" without one); a ">" inside a quoted attribute is no end.
_CELL = re.compile(
    b"<" + _PREFIX + b"c" + _NOT_R + b"(?:" + _R + rb"""([A-Za-z]*)([0-9]{0,12})["']"""
    + _NOT_R + rb")?\s*>"
)  # fmt: skip
_ROW = re.compile(
    b"<" + _PREFIX + b"row" + _NOT_R + b"(?:" + _R + rb"""([0-9]{0,12})["']""" + _NOT_R
    + rb")?\s*>"
)  # fmt: skip
_SST = re.compile(b"<" + _PREFIX + rb"sst\b([^>]*)>")
_COUNTS = re.compile(rb"""(?:count|uniqueCount)\s*=\s*["']([0-9]{1,12})["']""")


class _XlsxExtent(_Check):
    """How far the cells of a worksheet part reach, and the shared-string count it claims.

    Cells without an r attribute follow the previous one in their row: for those, the
    longest run of them in a row is added to the widest column referenced."""

    def __init__(self) -> None:
        self.carry = b""
        self.max_row = self.unnumbered_rows = self.run = self.widest_run = 0
        self.columns: set[bytes] = set()

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        cut = data.rfind(b"<")  # the last tag may be incomplete: read it with the next chunk
        if cut == -1:
            cut = len(data)
        self.carry = data[cut:]
        if len(self.carry) > MAX_TAG_BYTES:
            _refuse(DAMAGED)
        self._read(data[:cut])

    def close(self) -> None:
        self._read(self.carry)
        columns = max(map(_column_number, self.columns), default=0) + self.widest_run
        rows = self.max_row + self.unnumbered_rows
        if columns * rows > MAX_SHEET_CELLS:
            _refuse_extent(rows, columns)

    def _read(self, data: bytes) -> None:
        cells = _CELL.findall(data)
        if cells:
            letters, numbers = zip(*cells, strict=True)
            self.columns.update(letter.upper() for letter in set(letters) if letter)
            self.max_row = max(self.max_row, max(map(int, filter(None, numbers)), default=0))
            if b"" in letters:
                self._count_runs(data)
        rows = _ROW.findall(data)
        if rows:
            self.max_row = max(self.max_row, max(map(int, filter(None, rows)), default=0))
            self.unnumbered_rows += rows.count(b"")
        for match in _SST.finditer(data):
            if any(int(n) > MAX_SHEET_CELLS for n in _COUNTS.findall(match.group(1))):
                _refuse(BOMB)

    def _count_runs(self, data: bytes) -> None:
        for index, part in enumerate(_ROW.split(data)[::2]):  # [::2]: not the r captured
            if index:
                self.run = 0  # a new row starts
            self.run += sum(1 for letters, _ in _CELL.findall(part) if not letters)
            self.widest_run = max(self.widest_run, self.run)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "


class _OdsExtent(_Check):
    """The rows and columns an ods table expands to, with its repeat counts applied."""

    def __init__(self, name: str) -> None:
        self.active = name == "content.xml"
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._refuse_entity
        self.parser.EntityDeclHandler = self._refuse_entity
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.row = self.row_repeat = self.column = self.width = self.widest = self.depth = 0
        self.rows_with_data = self.last_data_row = 0
        self.cell_repeat, self.cell_valued, self.in_cell = 1, False, False

    def feed(self, chunk: bytes) -> None:
        if self.active:
            self._parse(chunk, final=False)

    def close(self) -> None:
        if self.active:
            self._parse(b"", final=True)

    def _parse(self, data: bytes, *, final: bool) -> None:
        try:
            self.parser.Parse(data, final)
        except (expat.ExpatError, ValueError):
            _refuse(DAMAGED)

    def _refuse_entity(self, *args: Any) -> None:
        _refuse(XML_ENTITY)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if name == _TABLE + "table":
            self.depth += 1
            if self.depth > 1:  # a table in a cell: calamine's reading of it is not ours
                _refuse(f"表格中有嵌套的子表格,暂不支持:{SAVE_AS}")
            self.row = self.rows_with_data = self.last_data_row = self.widest = 0
        elif name == _TABLE + "table-row":
            self.row_repeat = int(attrs.get(_TABLE + "number-rows-repeated", 1))
            self.column = self.width = 0
        elif name in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
            self.cell_repeat = int(attrs.get(_TABLE + "number-columns-repeated", 1))
            self.cell_valued, self.in_cell = _OFFICE + "value-type" in attrs, True
        elif self.in_cell:
            self.cell_valued = True  # text in a cell without a value type

    def _end(self, name: str) -> None:
        if name == _TABLE + "table":
            self.depth -= 1
        elif name in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
            self.column += self.cell_repeat
            self.width = self.column if self.cell_valued else self.width
            self.in_cell = False
        elif name == _TABLE + "table-row":
            self.row += self.row_repeat
            if self.width:
                self._row_with_data()

    def _row_with_data(self) -> None:
        self.rows_with_data += self.row_repeat
        self.last_data_row, self.widest = self.row, max(self.widest, self.width)
        if self.width > MAX_COLUMNS:
            _refuse(f"第 {self.row:,} 行有 {self.width:,} 列数据,超过 {MAX_COLUMNS} 列的上限")
        if self.rows_with_data > MAX_ROWS + HEADER_SEARCH_ROWS:
            _refuse_rows()
        if self.last_data_row * self.widest > MAX_SHEET_CELLS:
            _refuse_extent(self.last_data_row, self.widest)


# -- web pages and other files that are not tables ------------------------------------------


def _refuse_markup(head: bytes, file_name: str) -> None:
    """A web page or an XML file saved as ".xls" (many Chinese web systems export those)."""
    text = _head_text(head).lstrip("\ufeff \t\r\n").lower()
    if text.startswith("mime-version:") or (text.startswith("<") and "<html" in text[:4096]):
        shown = f"“{file_name}”" if file_name else "这个文件"
        _refuse(f"{shown}其实是网页(HTML),不是真正的 Excel 表格:{SAVE_AS}")
    if text.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in text:
            _refuse(f"这是 Excel 2003 XML 表格,暂不支持:{SAVE_AS}")
        if re.match(r"<(!doctype|table|head|body|meta|div|title|!--)", text):
            _refuse(f"这个文件其实是网页(HTML),不是真正的 Excel 表格:{SAVE_AS}")
        _refuse(f"这是 XML 文件,不是表格:{SAVE_AS}")


def _head_text(head: bytes) -> str:
    codec = _utf16_codec(head) or "utf-8"
    return head[:8192].decode(codec, errors="ignore")


def _utf16_codec(head: bytes) -> str | None:
    """UTF-16 by its BOM, or without one by where the NUL bytes fall (ASCII in UTF-16)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[: 4096 - len(head[:4096]) % 2]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    threshold = max(1, len(sample) // 200)
    if odd >= threshold and even <= odd // 10:
        return "utf-16-le"
    if even >= threshold and odd <= even // 10:
        return "utf-16-be"
    return None


# -- CSV --------------------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SEP_LINE = re.compile(r"sep=(.)\r?\n?$")


def _open_csv(path: Path, head: bytes, score: Score | None) -> Sheet:
    encoding, codec = _csv_encoding(path, head)
    sample = head.decode(codec, errors="ignore")
    first_line = sample.lstrip("\ufeff").split("\n", 1)[0]
    sep = _SEP_LINE.match(first_line)
    if sep:
        delimiter = sep.group(1)
    else:
        delimiter = _delimiter(sample if len(head) < SNIFF_BYTES else sample.rsplit("\n", 1)[0])

    def raw() -> Iterator[tuple[int, list[Any]]]:
        return enumerate(_csv_records(path, codec, delimiter, skip_first=bool(sep)), 1)

    scan = _Scan(score)
    for number, cells in raw():
        scan.feed(number, cells)
    if not scan.candidates:
        _refuse("表格里没有数据:请检查是否选错了文件")
    return scan.sheet("csv", encoding, "", raw)


def _csv_encoding(path: Path, head: bytes) -> tuple[str, str]:
    """(encoding shown, codec): BOM, UTF-16 by its NUL bytes, strict UTF-8, then GB18030."""
    if head.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "utf-8-sig")]
    elif codec := _utf16_codec(head):
        candidates = [("utf-16", codec)]
    elif b"\x00" in head:
        _refuse(NOT_TEXT)
    else:
        candidates = [("utf-8", "utf-8"), ("gb18030", "gb18030")]
    for encoding, codec in candidates:
        if _decodes(path, codec):
            return encoding, codec
    _refuse(NOT_TEXT)


def _decodes(path: Path, codec: str) -> bool:
    """Whether the whole file decodes, streamed; and reads as text, not binary."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    try:
        with path.open("rb") as file:
            while chunk := file.read(CHUNK_BYTES):
                text = decoder.decode(chunk)
                if len(_CONTROL.findall(text[:SNIFF_BYTES])) > len(text[:SNIFF_BYTES]) // 100:
                    return False
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _delimiter(sample: str) -> str:
    """Comma, tab or semicolon: the one that splits the most rows into the same width."""
    best, best_score = ",", (0, 0)
    for delimiter in (",", "\t", ";"):
        try:
            rows = list(islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 100))
        except csv.Error:
            continue
        widths = Counter(len(row) for row in rows if len(row) > 1)
        if widths:
            width, frequency = widths.most_common(1)[0]
            if (frequency, width) > best_score:
                best, best_score = delimiter, (frequency, width)
    return best


def _csv_records(
    path: Path, codec: str, delimiter: str, *, skip_first: bool
) -> Iterator[list[str]]:
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=codec, newline="") as text:
        lines = _bounded_lines(text, delimiter)
        if skip_first:
            next(lines, None)
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            yield from reader
        except csv.Error as error:
            if "field larger" in str(error):
                _refuse(f"第 {reader.line_num} 行附近有单元格的内容过长,请缩短后再导入")
            _refuse(f"第 {reader.line_num} 行附近的 CSV 格式有误(引号不成对?):{SAVE_AS}")


def _bounded_lines(lines: Iterable[str], delimiter: str) -> Iterator[str]:
    """The file's lines; one with more delimiters than any table has columns is refused
    before the csv module builds a list of its fields."""
    for number, line in enumerate(lines, 1):
        if line.count(delimiter) > MAX_CSV_FIELDS:
            _refuse(f"第 {number} 行的列数超过 {MAX_COLUMNS} 列的上限:请删除多余的列")
        yield line

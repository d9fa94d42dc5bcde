"""Intake workbook bytes → header map and raw rows, with whole-file checks first.

Cheap checks come before any XML parsing: the file type by name and magic bytes, the
size, the zip directory (declared uncompressed sizes, macros, zip features zipfile
lacks), the Strict Open XML format. openpyxl parses the workbook's parts with defusedxml,
`sheet.py` the sheet with lxml, so hostile XML (entity expansion) is refused. Cached
values are read, never formulas; rows stream, so memory stays flat. Every way a damaged
file makes openpyxl, lxml or zipfile fail becomes a named problem (`damage.diagnose`); a
formula whose value cannot be trusted reaches the validator as a `Formula`, and a row
stored past Excel's last row as a note (`Intake.notes`).
"""

from __future__ import annotations

import io
import itertools
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Any

from openpyxl import load_workbook
from openpyxl.reader import excel as excel_reader
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DIMENSION_TAG, SHEET_MAIN_NS
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.functions import iterparse

from pipeline.codes import RUSAK, SAVE_AS, Code
from pipeline.config import Batas
from pipeline.damage import READ_ERRORS, diagnose, is_strict
from pipeline.model import Problem
from pipeline.rowcache import Entry, Reused, RowCache, cached_rows
from pipeline.schema import (
    COLUMN_BY_FOLDED_HEADER,
    COLUMNS,
    HEADER_SEARCH_ROWS,
    SHEET_DATA,
    Column,
    Kind,
    Need,
    fold_header,
)
from pipeline.sharedstrings import read_strings
from pipeline.sheet import EXCEL_MAX_ROW, BeyondLastRow, Cells, Formula, stored_rows

log = logging.getLogger(__name__)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected .xlsx
ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_ENTRIES = 10_000
__all__ = ["SAVE_AS", "Formula", "Intake", "IntakeRejected", "RawRow", "open_intake"]


class IntakeRejected(Exception):
    """The whole file cannot be read; carries the Problem to report."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class SourceColumn:
    """Where a known column sits in this workbook, and its header as typed."""

    column: Column
    index: int  # 0-based position in the row
    letter: str
    header: str


@dataclass(frozen=True)
class RawRow:
    """One non-empty data row: its Excel row number and the raw cell values by key.

    With a row cache (`pipeline/rowcache.py`): `slice` is the key of the row's XML bytes
    (None: not to be cached), and `known` is set, `values` left empty, for a row not
    parsed because its bytes are those of a good row of last time.
    """

    row: int
    values: dict[str, Any]
    slice: bytes | None = None
    known: Entry | None = None


@dataclass
class Intake:
    """An opened intake workbook: its sheet, header map and a stream of raw rows."""

    name: str
    sheet: str
    header_row: int
    columns: dict[str, SourceColumn]
    epoch: datetime
    rows: Iterator[RawRow]
    # Problems met while the rows stream that do not reject the file (rows past Excel's
    # last row); complete once `rows` is exhausted.
    notes: list[Problem] = field(default_factory=list)
    cache: RowCache | None = None  # the row cache read with, recording this version's


def _sheet_size(ws: ReadOnlyWorksheet) -> None:
    """openpyxl's `_get_size` without its flaw: stop at <sheetData>, never parse it whole.

    openpyxl looks for <dimension> with end events, so a sheet without one (Excel always
    writes it; other tools and hostile files may not) is parsed completely, every row
    kept in memory, before the first row is read: gigabytes for a small zip bomb.
    """
    src = ws._get_source()
    try:
        for _event, element in iterparse(src, events=("start",)):
            if element.tag == DIMENSION_TAG:
                bounds = SheetDimension.from_tree(element).boundaries
                ws._min_column, ws._min_row, ws._max_column, ws._max_row = bounds
                return
            if element.tag == _SHEET_DATA_TAG:
                return
    finally:
        src.close()


_SHEET_DATA_TAG = f"{{{SHEET_MAIN_NS}}}sheetData"
ReadOnlyWorksheet._get_size = _sheet_size  # type: ignore[method-assign]
_string_table = read_strings  # the fast path, or openpyxl's parser (sharedstrings.py)
excel_reader.read_string_table = _string_table  # load_workbook's shared strings


def _reject(name: str, code: Code, sheet: str | None = None, **fields: object
            ) -> IntakeRejected:
    """The whole-file problem `code`, its message filled with `fields`."""
    return IntakeRejected(Problem(code=code, file=name, message=code.text(**fields),
                                  sheet=sheet))


def check_file_type(name: str, data: bytes, limits: Batas) -> None:
    """Refuse what is not a plain .xlsx before parsing anything."""
    suffix = PurePath(name).suffix.lower()
    if suffix in (".xls", ".ods", ".csv", ".xlsb"):
        raise _reject(name, Code.bukan_xlsx, jenis=suffix)
    if suffix in (".xlsm", ".xltm"):
        raise _reject(name, Code.berkas_makro, jenis=f" ({suffix})")
    if len(data) > limits.ukuran_berkas_mb * 1024 * 1024:
        raise _reject(name, Code.berkas_terlalu_besar, ukuran=len(data) / 1048576,
                      batas=limits.ukuran_berkas_mb)
    if not data:
        raise _reject(name, Code.berkas_kosong)
    if data.startswith(OLE2_MAGIC):
        raise _reject(name, Code.berkas_bersandi)
    if not data.startswith(ZIP_MAGIC):
        raise _reject(name, Code.berkas_rusak, masalah="Berkas bukan buku kerja Excel (.xlsx) "
                      "atau sudah rusak. Buka berkas di Excel untuk memeriksanya.")


def check_zip(name: str, data: bytes, limits: Batas) -> None:
    """Check the zip directory: complete, not a bomb, no macros, has a workbook part."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except NotImplementedError as exc:  # a zip feature zipfile lacks ("zip file version 6.4")
        raise _damaged(name, exc) from exc
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _reject(name, Code.berkas_rusak, masalah="Berkas .xlsx rusak atau belum "
                      "tersimpan utuh. Buka dan simpan ulang di Excel.") from exc
    names = {info.filename for info in infos}
    total = sum(info.file_size for info in infos)
    if len(infos) > MAX_ZIP_ENTRIES or total > limits.ukuran_terurai_mb * 1024 * 1024:
        raise _reject(name, Code.isi_terlalu_besar, ukuran=total / 1048576,
                      batas=limits.ukuran_terurai_mb)
    if "xl/vbaProject.bin" in names:
        raise _reject(name, Code.berkas_makro, jenis="")
    if "xl/workbook.xml" not in names:
        raise _reject(name, Code.berkas_rusak, masalah="Berkas .xlsx tidak berisi buku kerja "
                      "Excel. Buka dan simpan ulang di Excel.")


def open_intake(name: str, data: bytes, limits: Batas, cache: RowCache | None = None
                ) -> Intake:
    """Check and open an intake workbook; raise IntakeRejected for a whole-file problem.

    With `cache`, rows whose XML bytes are those of a good row of the last version are
    not parsed (`pipeline/rowcache.py`); the rows read are recorded in it.
    """
    check_file_type(name, data, limits)
    check_zip(name, data, limits)
    try:
        if is_strict(data):  # openpyxl would see a workbook without sheets
            raise _reject(name, Code.format_strict)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = _find_sheet(name, book.sheetnames)
        ws = book[sheet]
        rows = _guarded(name, stored_rows(ws) if cache is None else cached_rows(ws, cache))
        head = _head(rows)
    except READ_ERRORS as exc:
        raise _damaged(name, exc) from exc
    header_row, columns = _find_header(name, sheet, head)
    if cache is not None:  # reuse starts below the header search
        cache.enable(sheet, header_row, {k: c.index for k, c in columns.items()}, book.epoch,
                     book._date_formats, book._timedelta_formats)
    intake = Intake(name=name, sheet=sheet, header_row=header_row, columns=columns,
                    epoch=book.epoch, rows=iter(()), cache=cache)
    intake.rows = _data_rows(intake, itertools.chain(head, rows), limits.baris_maks)
    return intake


Item = tuple[int, Cells] | tuple[int, Cells, bytes | None] | Reused | BeyondLastRow


def _head(rows: Iterator[Item]) -> list[Item]:
    """The stored rows up to the first one below the header search area (that one too)."""
    head: list[Item] = []
    for item in rows:
        head.append(item)
        if isinstance(item, BeyondLastRow | Reused) or item[0] > HEADER_SEARCH_ROWS \
                or len(head) >= HEADER_SEARCH_ROWS:
            break
    return head


def _guarded(name: str, rows: Iterator[Any]) -> Iterator[Any]:
    """Rows from the sheet, with read failures met mid-sheet turned into IntakeRejected."""
    try:
        yield from rows
    except READ_ERRORS as exc:
        raise _damaged(name, exc) from exc


def _damaged(name: str, exc: BaseException) -> IntakeRejected:
    """The named whole-file problem for a failure to read the file's parts."""
    code = diagnose(exc)
    log.info("%s tidak terbaca (%s): %s: %s", name, code, type(exc).__name__, exc)
    return _reject(name, code, masalah=RUSAK)


def _find_sheet(name: str, sheetnames: list[str]) -> str:
    for sheet in sheetnames:
        if fold_header(sheet) == fold_header(SHEET_DATA):
            return sheet
    raise _reject(name, Code.lembar_tidak_ada, lembar=SHEET_DATA, ada=", ".join(sheetnames))


def _find_header(name: str, sheet: str, head: list[Item]
                 ) -> tuple[int, dict[str, SourceColumn]]:
    """The header row: the one among the first rows naming most known columns."""
    best: tuple[int, dict[str, SourceColumn]] = (0, {})
    for item in head:
        if isinstance(item, BeyondLastRow | Reused) or item[0] > HEADER_SEARCH_ROWS:
            continue
        number, cells = item[0], item[1]
        found: dict[str, SourceColumn] = {}
        for index, value in sorted(cells.items()):
            value = value.cached if isinstance(value, Formula) else value
            column = COLUMN_BY_FOLDED_HEADER.get(fold_header(value)) if value else None
            if column and column.key not in found:
                found[column.key] = SourceColumn(column, index, get_column_letter(index + 1),
                                                 str(value).strip())
        if len(found) > len(best[1]):
            best = (number, found)
    header_row, columns = best
    missing = [c.header for c in COLUMNS if c.need is Need.always and c.key not in columns]
    if missing:
        raise _reject(name, Code.judul_kolom_tidak_ada, sheet=sheet,
                      judul=", ".join(repr(h) for h in missing), baris=HEADER_SEARCH_ROWS)
    return header_row, columns


def _data_rows(intake: Intake, rows: Iterable[Item], max_rows: int) -> Iterator[RawRow]:
    """Non-empty rows below the header, as raw values by key; refuses too many rows.

    Rows are read wherever they are stored (after any run of empty rows, out of order);
    rows above the header are not data. A row past Excel's last row ends the reading and
    becomes a note, so the staff learn that the rest was not read. A reused row (a good
    data row of last time, under the same header) counts as the row it was.
    """
    count = 0
    by_index = {src.index: (key, src.column) for key, src in intake.columns.items()}
    empty = dict.fromkeys(intake.columns)
    for item in rows:
        if isinstance(item, BeyondLastRow):
            intake.notes.append(_beyond_last_row(intake, item.row))
            return
        if isinstance(item, Reused):
            count += 1
            if count > max_rows:
                raise _reject(intake.name, Code.baris_terlalu_banyak, sheet=intake.sheet,
                              batas=max_rows)
            yield RawRow(item.row, {}, item.slice, item.entry)
            continue
        number, cells = item[0], item[1]
        if number <= intake.header_row or not cells:
            continue
        raw = dict(empty)
        for index, value in cells.items():
            if index in by_index:
                key, column = by_index[index]
                raw[key] = _clean(value, column)
        if all(v is None for v in raw.values()):
            continue
        count += 1
        if count > max_rows:
            raise _reject(intake.name, Code.baris_terlalu_banyak, sheet=intake.sheet,
                          batas=max_rows)
        yield RawRow(number, raw, item[2] if len(item) > 2 else None)  # type: ignore[misc]


def _beyond_last_row(intake: Intake, number: int) -> Problem:
    """The note for a row stored past Excel's last row (Excel cannot show it)."""
    return Problem(code=Code.baris_di_luar_batas, file=intake.name, sheet=intake.sheet,
                   row=number, message=Code.baris_di_luar_batas.text(baris=number,
                                                                     batas=EXCEL_MAX_ROW))


def _clean(value: Any, column: Column) -> Any:
    """None for an empty or blank cell; a formula's cached value unless it cannot be trusted.

    A formula stays a Formula (for the validator to report) when it has no cached value,
    or when it is volatile (=NOW()) in a time column: a time is typed, not computed.
    """
    if isinstance(value, Formula):
        if value.cached is None or (value.volatile and column.kind is Kind.datetime):
            return value
        value = value.cached
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value

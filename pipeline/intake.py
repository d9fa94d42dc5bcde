"""Intake workbook bytes → header map and raw rows, with whole-file checks first.

Cheap checks come before any XML parsing: the file type by name and magic bytes, the
size, the zip directory (declared uncompressed sizes, macros). openpyxl parses with
defusedxml, so hostile XML (entity expansion) is refused. Cached values are read, never
formulas (`data_only=True`), in read-only mode (rows stream; memory stays flat).
"""

from __future__ import annotations

import io
import itertools
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DIMENSION_TAG, SHEET_MAIN_NS
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.functions import iterparse

from pipeline.codes import Code
from pipeline.config import Batas
from pipeline.model import Problem
from pipeline.schema import (
    COLUMN_BY_FOLDED_HEADER,
    COLUMNS,
    HEADER_SEARCH_ROWS,
    SHEET_DATA,
    Column,
    Need,
    fold_header,
)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected .xlsx
ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_ENTRIES = 10_000
# This many empty rows in a row end the data: the rest of the sheet is not read. Excel
# writes empty <row> elements for formatted rows; a hostile file can hold millions.
MAX_EMPTY_RUN = 10_000
# What openpyxl raises on damaged or hostile parts (defusedxml's for entity tricks).
PARSE_ERRORS = (DefusedXmlException, ElementTree.ParseError, zipfile.BadZipFile, zlib.error,
                KeyError, ValueError, TypeError, IndexError, AttributeError, EOFError, OSError)


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
    """One non-empty data row: its Excel row number and the raw cell values by key."""

    row: int
    values: dict[str, Any]


@dataclass
class Intake:
    """An opened intake workbook: its sheet, header map and a stream of raw rows."""

    name: str
    sheet: str
    header_row: int
    columns: dict[str, SourceColumn]
    epoch: datetime
    rows: Iterator[RawRow]


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


def open_intake(name: str, data: bytes, limits: Batas) -> Intake:
    """Check and open an intake workbook; raise IntakeRejected for a whole-file problem."""
    check_file_type(name, data, limits)
    check_zip(name, data, limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = _find_sheet(name, book.sheetnames)
        ws = book[sheet]
        ws.reset_dimensions()  # LibreOffice and others may write a wrong <dimension>
        rows = _guarded(name, ws.iter_rows(values_only=True))
        head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    except PARSE_ERRORS as exc:
        raise _parse_error(name, exc) from exc
    header_row, columns = _find_header(name, sheet, head)
    below = itertools.chain(head[header_row:], rows)
    return Intake(name=name, sheet=sheet, header_row=header_row, columns=columns,
                  epoch=book.epoch, rows=_data_rows(name, sheet, below, header_row, columns,
                                                    limits.baris_maks))


def _guarded(name: str, rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Rows from openpyxl, with parse failures met mid-sheet turned into IntakeRejected."""
    try:
        yield from rows
    except PARSE_ERRORS as exc:
        raise _parse_error(name, exc) from exc


def _parse_error_code(exc: BaseException | None) -> Code:
    """'xml-berbahaya' when defusedxml refused the XML (openpyxl may wrap it), else damaged."""
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return Code.xml_berbahaya
        exc = exc.__cause__ or exc.__context__
    return Code.berkas_rusak


def _parse_error(name: str, exc: Exception) -> IntakeRejected:
    """The whole-file problem of a part openpyxl could not parse."""
    return _reject(name, _parse_error_code(exc), masalah="Berkas .xlsx rusak dan tidak dapat "
                   "dibaca. Buka dan simpan ulang di Excel.")


def _find_sheet(name: str, sheetnames: list[str]) -> str:
    for sheet in sheetnames:
        if fold_header(sheet) == fold_header(SHEET_DATA):
            return sheet
    raise _reject(name, Code.lembar_tidak_ada, lembar=SHEET_DATA, ada=", ".join(sheetnames))


def _find_header(name: str, sheet: str, head: list[tuple[Any, ...]]
                 ) -> tuple[int, dict[str, SourceColumn]]:
    """The header row: the one among the first rows naming most known columns."""
    best: tuple[int, dict[str, SourceColumn]] = (0, {})
    for number, values in enumerate(head, 1):
        found: dict[str, SourceColumn] = {}
        for index, value in enumerate(values):
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


def _data_rows(name: str, sheet: str, rows: Iterator[tuple[Any, ...]], header_row: int,
               columns: dict[str, SourceColumn], max_rows: int) -> Iterator[RawRow]:
    """Non-empty rows below the header, as raw values by key; refuses too many rows."""
    count = empty = 0
    for number, values in enumerate(rows, header_row + 1):
        raw = {key: _clean(values[src.index]) if src.index < len(values) else None
               for key, src in columns.items()}
        if all(v is None for v in raw.values()):
            empty += 1
            if empty >= MAX_EMPTY_RUN:  # formatted empty rows, or a zip bomb of them
                return
            continue
        empty = 0
        count += 1
        if count > max_rows:
            raise _reject(name, Code.baris_terlalu_banyak, sheet=sheet, batas=max_rows)
        yield RawRow(number, raw)


def _clean(value: Any) -> Any:
    """None for an empty or blank cell; other values as they are."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value

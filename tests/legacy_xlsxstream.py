"""The old pipeline/xlsxstream.py (commit 6580769), verbatim below this line but for the
hyperlink spool's newline="\\n" (a link with \\r broke it): the reference writer of
tests/test_registers_same.py."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import quoteattr

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import CellRange

from pipeline.filing import write_atomic_with

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
HYPERLINK_TYPE = f"{REL_NS}/hyperlink"
# Elements that follow <hyperlinks> in a worksheet (ECMA-376 order), the first one present.
AFTER_HYPERLINKS = ("<printOptions", "<pageMargins", "<pageSetup", "<headerFooter",
                    "<rowBreaks", "<colBreaks", "<drawing", "<legacyDrawing", "<tableParts",
                    "</worksheet>")
COPY_CHUNK = 1 << 20


class RowBuffer:
    """A write-only sheet written cell by cell; rows wait here until flushed, in order.

    Anything else (column widths, print setup, charts, merged ranges…) is the sheet's own.
    """

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self.rows: dict[int, dict[int, Cell]] = {}
        self.sent = 0  # rows 1..sent are written
        # Our cells already know their place: hand them to the writer as they are.
        # openpyxl would first try each as a value, fail, and format the error (3x slower).
        ws._values_to_row = _placed_cells

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ws, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("ws", "rows", "sent"):
            object.__setattr__(self, name, value)
        else:  # freeze_panes, print_title_rows…: the sheet's own
            setattr(self.ws, name, value)

    def cell(self, row: int, column: int, value: object = None) -> Cell:
        """The cell at (row, column), created on first use; `value` set when given."""
        if row <= self.sent:
            raise ValueError(f"row {row} of {self.ws.title} is already written")
        cells = self.rows.setdefault(row, {})
        cell = cells.get(column)
        if cell is None:
            cell = cells[column] = Cell(self.ws, row=row, column=column)
        if value is not None:
            cell.value = value
        return cell

    def merge_cells(self, start_row: int, start_column: int, end_row: int,
                    end_column: int) -> None:
        """Merge a range (written with the sheet's tail)."""
        self.ws.merged_cells.add(CellRange(min_col=start_column, min_row=start_row,
                                           max_col=end_column, max_row=end_row))

    def flush(self, upto: int | None = None) -> None:
        """Write every row up to `upto` (all rows when None), empty ones included."""
        last = max(self.rows, default=self.sent) if upto is None else upto
        for row in range(self.sent + 1, last + 1):
            cells = self.rows.pop(row, {})
            self.ws.append([cells[c] for c in sorted(cells)])
            self.ws.row_dimensions.pop(row, None)  # written with the row; not kept
        self.sent = max(self.sent, last)


def _placed_cells(cells: list[Cell], row: int) -> Iterator[Cell]:
    """The cells of one row, already placed (replaces WriteOnlyWorksheet._values_to_row)."""
    return iter(cells)


class HyperlinkSpool:
    """Hyperlinks of one sheet, kept in a temporary file until the workbook is saved."""

    def __init__(self, sheet_index: int) -> None:
        self.sheet_index = sheet_index  # 1-based, as in xl/worksheets/sheetN.xml
        self.file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
        self.count = 0

    def add(self, ref: str, target: str) -> None:
        """A link from cell `ref` (e.g. 'H6') to `target` (a relative path or URI)."""
        self.file.write(f"{ref}\t{target.replace(chr(10), ' ')}\n")
        self.count += 1

    def lines(self) -> Any:
        """(number, ref, target) of every link, in the order added."""
        self.file.seek(0)
        for number, line in enumerate(self.file, start=1):
            ref, target = line.rstrip("\n").split("\t", 1)
            yield number, ref, target

    def close(self) -> None:
        """Remove the temporary file."""
        self.file.close()


def save_streaming(wb: Workbook, path: Path, links: HyperlinkSpool | None = None) -> None:
    """Save a write-only workbook atomically, with the spooled hyperlinks added."""
    def save(tmp: Path) -> None:
        if links is None or not links.count:
            wb.save(tmp)
            return
        with tempfile.TemporaryDirectory(prefix="perda-xlsx-") as folder:
            plain = Path(folder) / "plain.xlsx"
            wb.save(plain)
            _add_hyperlinks(plain, tmp, links)

    try:
        write_atomic_with(Path(path), save)
    finally:
        if links is not None:
            links.close()


def _add_hyperlinks(source: Path, target: Path, links: HyperlinkSpool) -> None:
    """Copy the xlsx, writing the links into the sheet and its relationships."""
    sheet = f"xl/worksheets/sheet{links.sheet_index}.xml"
    rels = f"xl/worksheets/_rels/sheet{links.sheet_index}.xml.rels"
    with zipfile.ZipFile(source) as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        if rels in src.namelist():
            raise ValueError(f"{sheet} already has relationships")  # not needed by us
        for info in src.infolist():
            with src.open(info) as data, out.open(_fresh(info), "w", force_zip64=True) as dest:
                if info.filename == sheet:
                    _copy_sheet(data, dest, links)
                else:
                    shutil.copyfileobj(data, dest, COPY_CHUNK)
        with out.open(_fresh(zipfile.ZipInfo(rels)), "w", force_zip64=True) as dest:
            _write_rels(dest, links)


def _fresh(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A deflated entry of the same name and date."""
    entry = zipfile.ZipInfo(info.filename, info.date_time)
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def _copy_sheet(data: IO[bytes], dest: IO[bytes], links: HyperlinkSpool) -> None:
    """Stream the sheet XML; insert <hyperlinks> after </sheetData> and what follows it."""
    marker = b"</sheetData>"
    carry = b""
    while chunk := data.read(COPY_CHUNK):
        buffer = carry + chunk
        at = buffer.find(marker)
        if at >= 0:
            dest.write(buffer[:at])
            tail = (buffer[at:] + data.read()).decode("utf-8")  # the sheet's tail: small
            break
        keep = len(marker) - 1
        dest.write(buffer[:-keep])
        carry = buffer[-keep:]
    else:
        raise ValueError("sheet without </sheetData>")
    spot = min(i for i in (tail.find(name) for name in AFTER_HYPERLINKS) if i >= 0)
    dest.write(tail[:spot].encode("utf-8"))
    dest.write(b"<hyperlinks>")
    for number, ref, _ in links.lines():
        dest.write(f'<hyperlink xmlns:r="{REL_NS}" ref="{ref}" r:id="rId{number}"/>'
                   .encode())
    dest.write(b"</hyperlinks>")
    dest.write(tail[spot:].encode("utf-8"))


def _write_rels(dest: IO[bytes], links: HyperlinkSpool) -> None:
    """The sheet's relationships: one external hyperlink target per link."""
    dest.write(f'<Relationships xmlns="{PKG_NS}">'.encode())
    for number, _, target in links.lines():
        dest.write(f'<Relationship Type="{HYPERLINK_TYPE}" Target={quoteattr(target)} '
                   f'TargetMode="External" Id="rId{number}"/>'.encode())
    dest.write(b"</Relationships>")


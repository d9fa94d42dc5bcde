"""Streaming xlsx writing for registers of any size: openpyxl's write-only mode for the
workbook's shell, and the rows that grow with the data added at save time.

`RowBuffer` addresses a write-only sheet by (row, column) like an ordinary sheet and keeps
only the rows not yet finished: the titles, headers and small tables. The rows of the
big tables come from `xlsxrows.SheetRows` (rows as XML text in a temporary file). openpyxl
keeps every hyperlink of a write-only sheet in memory (about 2.4 KB each), so
`HyperlinkSpool` writes them to a temporary file instead. `save_streaming` saves the shell
with openpyxl and copies its zip entry by entry, splicing the spooled rows in before
`</sheetData>` and the links after it.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import CellRange

from pipeline.filing import write_atomic_with
from pipeline.xlsxrows import NOT_XML, SheetRows

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
HYPERLINK_TYPE = f"{REL_NS}/hyperlink"
# Elements that follow <hyperlinks> in a worksheet (ECMA-376 order), the first one present.
AFTER_HYPERLINKS = ("<printOptions", "<pageMargins", "<pageSetup", "<headerFooter",
                    "<rowBreaks", "<colBreaks", "<drawing", "<legacyDrawing", "<tableParts",
                    "</worksheet>")
COPY_CHUNK = 1 << 20
# zlib level of the entries that grow with the rows: 3 deflates the sheet XML 3x faster
# than the default 6, for a file some 13% larger.
BIG_LEVEL = 3


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


def save_streaming(wb: Workbook, path: Path, links: HyperlinkSpool | None = None,
                   rows: Sequence[SheetRows] = ()) -> None:
    """Save a write-only workbook atomically, with the spooled rows (after the rows
    openpyxl wrote) and the spooled hyperlinks added to their sheets."""
    def save(tmp: Path) -> None:
        if not rows and (links is None or not links.count):
            wb.save(tmp)
            return
        with tempfile.TemporaryDirectory(prefix="perda-xlsx-") as folder:
            plain = Path(folder) / "plain.xlsx"
            wb.save(plain)
            _splice(plain, tmp, rows, links if links is not None and links.count else None)

    try:
        write_atomic_with(Path(path), save)
    finally:
        for spool in (*rows, links):
            if spool is not None:
                spool.close()


def _splice(source: Path, target: Path, rows: Sequence[SheetRows],
            links: HyperlinkSpool | None) -> None:
    """Copy the xlsx, adding the rows and links to their sheets (and the links'
    relationships)."""
    by_sheet = {f"xl/worksheets/sheet{r.sheet_index}.xml": r for r in rows}
    linked = f"xl/worksheets/sheet{links.sheet_index}.xml" if links else None
    rels = f"xl/worksheets/_rels/sheet{links.sheet_index}.xml.rels" if links else None
    with zipfile.ZipFile(source) as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        if rels in src.namelist():
            raise ValueError(f"{linked} already has relationships")  # not needed by us
        for info in src.infolist():
            name = info.filename
            level = BIG_LEVEL if name in by_sheet or name == linked else None
            with src.open(info) as data, \
                    out.open(_fresh(info, level), "w", force_zip64=True) as dest:
                if level is not None:
                    _copy_sheet(data, dest, by_sheet.get(name),
                                links if name == linked else None)
                else:
                    shutil.copyfileobj(data, dest, COPY_CHUNK)
        if links is not None and rels is not None:
            with out.open(_fresh(zipfile.ZipInfo(rels), BIG_LEVEL), "w",
                          force_zip64=True) as dest:
                _write_rels(dest, links)


def _fresh(info: zipfile.ZipInfo, level: int | None = None) -> zipfile.ZipInfo:
    """A deflated entry of the same name and date (at zlib's `level`, default 6)."""
    entry = zipfile.ZipInfo(info.filename, info.date_time)
    entry.compress_type = zipfile.ZIP_DEFLATED
    if level is not None:  # ZipFile.open takes the level from the entry only
        try:  # its name from 3.13 (a ZipInfo of 3.11/3.12 has no such slot)
            entry.compress_level = level  # type: ignore[attr-defined]
        except AttributeError:
            entry._compresslevel = level  # type: ignore[attr-defined]  # Python 3.11, 3.12
    return entry


def _copy_sheet(data: IO[bytes], dest: IO[bytes], rows: SheetRows | None,
                links: HyperlinkSpool | None) -> None:
    """Stream the sheet XML; add the rows before </sheetData> and <hyperlinks> after it
    (and after what follows it in ECMA-376 order)."""
    tail = _split_at_sheet_end(data, dest)
    if rows is not None:
        for chunk in rows.chunks():
            dest.write(chunk)
    dest.write(b"</sheetData>")
    if links is None:
        dest.write(tail.encode("utf-8"))
        return
    spot = min(i for i in (tail.find(name) for name in AFTER_HYPERLINKS) if i >= 0)
    dest.write(tail[:spot].encode("utf-8"))
    batch = [b"<hyperlinks>"]
    for number, ref, _ in links.lines():
        batch.append(f'<hyperlink xmlns:r="{REL_NS}" ref="{ref}" r:id="rId{number}"/>'
                     .encode())
        if len(batch) >= 4096:
            dest.write(b"".join(batch))
            batch.clear()
    batch.append(b"</hyperlinks>")
    dest.write(b"".join(batch))
    dest.write(tail[spot:].encode("utf-8"))


def _split_at_sheet_end(data: IO[bytes], dest: IO[bytes]) -> str:
    """Copy the sheet up to its </sheetData> (an empty <sheetData/> is opened instead);
    return what follows it (the sheet's tail: small) as text."""
    markers = (b"</sheetData>", b"<sheetData/>")  # both 12 bytes
    carry = b""
    while chunk := data.read(COPY_CHUNK):
        buffer = carry + chunk
        for marker in markers:
            at = buffer.find(marker)
            if at >= 0:
                dest.write(buffer[:at] + (b"<sheetData>" if marker == markers[1] else b""))
                return (buffer[at + len(marker):] + data.read()).decode("utf-8")
        keep = len(markers[0]) - 1
        dest.write(buffer[:-keep])
        carry = buffer[-keep:]
    raise ValueError("sheet without </sheetData>")


def _write_rels(dest: IO[bytes], links: HyperlinkSpool) -> None:
    """The sheet's relationships: one external hyperlink target per link."""
    batch = [f'<Relationships xmlns="{PKG_NS}">']
    for number, _, target in links.lines():
        if NOT_XML.search(target):  # not allowed in XML: percent-encoded, as in a URI
            target = NOT_XML.sub(lambda m: quote(m.group(), errors="surrogatepass"), target)
        batch.append(f'<Relationship Type="{HYPERLINK_TYPE}" Target={quoteattr(target)} '
                     f'TargetMode="External" Id="rId{number}"/>')
        if len(batch) >= 4096:
            dest.write("".join(batch).encode())
            batch.clear()
    batch.append("</Relationships>")
    dest.write("".join(batch).encode())

"""Print setup of the workbooks we write: A4 landscape, one page wide, header rows
repeated, and rows tall enough for their wrapped text (LibreOffice and Excel keep a row's
stored height, so text in a row too low is cut on paper).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import copy
from functools import lru_cache
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet


def print_a4_landscape(ws: Worksheet, title_rows: str | None = None) -> None:
    """Print setup of our registers: A4 landscape, one page wide, header rows repeated,
    centred, page numbers in the footer (also for write-only sheets)."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "Halaman &P dari &N"


# Row heights for wrapped text. Column widths count characters of the default font; the
# printed text may be set in a wider substitute (LibreOffice without Calibri), so a line is
# taken to hold fewer characters than the width.
LINE_POINTS, ROW_PADDING = 15.0, 3.0
CHARS_PER_WIDTH = 0.8
DEFAULT_WIDTH = 8.43  # Excel's width of a column never sized


@lru_cache(maxsize=4096)  # registers repeat their texts (Hal, Perda, remarks) row after row
def text_lines(text: str, width: float | None) -> int:
    """How many lines `text` takes wrapped in a column `width` characters wide."""
    room = max(1, int((width or DEFAULT_WIDTH) * CHARS_PER_WIDTH))
    lines = 0
    for paragraph in str(text).split("\n"):
        used = 0
        lines += 1
        for word in paragraph.split():
            size = len(word)
            if used and used + 1 + size <= room:
                used += 1 + size
                continue
            if used:
                lines += 1
            lines += (size - 1) // room  # a word longer than the line breaks inside
            used = (size - 1) % room + 1
    return lines


def row_height(lines: int) -> float:
    """The height in points of a row showing `lines` lines of 11-point text."""
    return LINE_POINTS * lines + ROW_PADDING


def fit_row(ws: Any, row: int, texts: Iterable[tuple[int, object]]) -> None:
    """Make a row tall enough for its wrapped texts, given as (column, value); never lower."""
    lines = max((text_lines(str(v), column_width(ws, c)) for c, v in texts
                 if isinstance(v, str) and v), default=1)
    if lines > 1:
        dim = ws.row_dimensions[row]
        dim.height = max(dim.height or 0, row_height(lines))


def column_width(ws: Any, column: int) -> float:
    """A column's width in characters (Excel's default when it was never set)."""
    dim = ws.column_dimensions.get(get_column_letter(column))
    return float(dim.width) if dim is not None and dim.customWidth and dim.width else \
        DEFAULT_WIDTH


def fit_for_print(wb: Workbook, header_row: Callable[[Worksheet], int]) -> None:
    """Make every visible sheet of a workbook print: A4 landscape, one page wide, rows
    1..header_row(ws) repeated, long text wrapped in rows tall enough to show it."""
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            print_a4_landscape(ws, f"1:{header_row(ws)}")
            _wrap_long_text(ws)


def _wrap_long_text(ws: Worksheet) -> None:
    """Wrap every text longer than its cell (a one-row merge counts its whole width) and
    make its row tall enough; never lower a row."""
    widths = {c: column_width(ws, c) for c in range(1, ws.max_column + 1)}
    spans: dict[tuple[int, int], float] = {}
    covered: set[tuple[int, int]] = set()
    for merged in ws.merged_cells.ranges:
        cells = {c for row in merged.rows for c in row}
        covered |= cells
        if merged.min_row == merged.max_row:
            spans[(merged.min_row, merged.min_col)] = sum(
                widths.get(c, DEFAULT_WIDTH) for c in range(merged.min_col, merged.max_col + 1))
    for cells in ws.iter_rows():
        lines = 1
        for c in cells:
            if not isinstance(c.value, str):
                continue
            width = spans.get((c.row, c.column))
            if width is None and (c.row, c.column) in covered:
                continue  # part of a merged block of several rows: left as it is
            if width is None and not c.alignment.wrap_text:
                width = widths[c.column]
                room = width + sum(_free_run(cells, c.column, widths))  # may spill over
                if len(c.value) <= room * CHARS_PER_WIDTH and "\n" not in c.value:
                    continue
            width = width or widths[c.column]
            if len(c.value) > width * CHARS_PER_WIDTH or "\n" in c.value:
                if not c.alignment.wrap_text:
                    c.alignment = _wrapped(c.alignment)
                lines = max(lines, text_lines(c.value, width))
        if lines > 1:
            dim = ws.row_dimensions[cells[0].row]
            dim.height = max(dim.height or 0, row_height(lines))


def _free_run(cells: Sequence[Cell], column: int, widths: dict[int, float]) -> Iterator[float]:
    """Widths of the empty cells right of `column`, up to the first filled one: text that
    is not wrapped spills over them."""
    for cell in cells[column:]:
        if cell.value not in (None, ""):
            return
        yield widths.get(cell.column, DEFAULT_WIDTH)


def _wrapped(alignment: Alignment) -> Alignment:
    """The same alignment, wrapping text, from the top of the cell."""
    wrapped = copy(alignment)
    wrapped.wrap_text = True
    wrapped.vertical = alignment.vertical or "top"
    return wrapped

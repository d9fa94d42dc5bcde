"""Sheet rows written as XML text: the `<row><c …>` elements openpyxl's write-only writer
would emit for the same cells, byte for byte, at a tenth of the cost.

openpyxl spends some 60 µs on each cell of a register (a `Cell` object, type inference,
style hashing, lxml's incremental writer). A register row is a few plain values in
styles known in advance, so `SheetRows` formats it directly: each look is registered in
the workbook's styles once (its `s` index), values are escaped as openpyxl does (text
inline, non-ASCII as character references, `\\r` as `&#13;`), and the rows are spooled
to a temporary file that `xlsxstream.save_streaming` splices into the saved sheet.

Differences from openpyxl, both deliberate: characters XML 1.0 forbids (control
characters, lone surrogates, U+FFFE/U+FFFF) are dropped, where openpyxl raised and the
whole register was lost; and a text is always text (openpyxl stores '#N/A' and the other
error names as an error cell, and '=…' as a formula, which `workbook.as_text` undid).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import IO, Any

from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import WINDOWS_EPOCH, to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from pipeline.printing import CHARS_PER_WIDTH, row_height, text_lines

EXCEL_TEXT_MAX = 32767  # openpyxl cuts a longer text here
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A text with nothing to escape, no forbidden character and no space at either end.
_PLAIN = re.compile("(?:[^\\s&<>\x00-\x1f\ud800-\udfff\ufffe\uffff]"
                    "(?:[^&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]*"
                    "[^\\s&<>\x00-\x1f\ud800-\udfff\ufffe\uffff])?)?").fullmatch
_EXACT = 10**15  # an int below this is written by "%.16g" as str() writes it
MAX_COLUMNS = 64
FLUSH_BYTES = 1 << 20
DATE_TYPES = (datetime, date, time, timedelta)


def text_xml(value: str) -> str:
    """An inline string's `<is><t>…</t></is>` as openpyxl (lxml) writes it, before the
    ASCII encoding; '' for an empty text."""
    if _SPECIAL.search(value):
        value = NOT_XML.sub("", value)[:EXCEL_TEXT_MAX]
        space = ' xml:space="preserve"' if value != value.strip() else ""
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
            .replace("\r", "&#13;")
    else:
        value = value[:EXCEL_TEXT_MAX]
        space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<is><t{space}>{value}</t></is>" if value else ""


def number_text(value: float) -> str:
    """A number as openpyxl writes it (`%.16g`; NaN and infinities as nothing)."""
    if value != value or value in (float("inf"), float("-inf")):
        return ""
    return "%.16g" % value  # noqa: UP031  (openpyxl's safe_string, to the byte)


class SheetRows:
    """The rows of one write-only sheet below those openpyxl wrote, as XML in a spool."""

    def __init__(self, ws: WriteOnlyWorksheet, sheet_index: int) -> None:
        self.ws = ws
        self.sheet_index = sheet_index  # 1-based, as in xl/worksheets/sheetN.xml
        self.epoch = ws.parent.epoch
        self.file: IO[bytes] = tempfile.TemporaryFile("w+b")
        self.pending: list[str] = []
        self.size = 0
        self.openings = [f'<c r="{get_column_letter(c)}' for c in range(1, MAX_COLUMNS + 1)]
        self._looks: dict[Hashable, str] = {}
        self._dates: dict[date, str] = {}
        self._heights: dict[float, str] = {}

    def look(self, key: Hashable, dress: Callable[[Cell], None]) -> str:
        """The ` s="N"` of a look (a cell style), registered in the workbook on first use
        by `dress`ing a blank cell; '' for the default style."""
        found = self._looks.get(key)
        if found is None:
            cell = Cell(self.ws, row=1, column=1)
            dress(cell)
            found = f' s="{cell.style_id}"' if cell.has_style else ""
            self._looks[key] = found
        return found

    def add(self, row: int, cells: Sequence[tuple[Any, str]],
            height: float | None = None) -> None:
        """Row `row`: its cells from column A as (value, look), and its height in points."""
        if len(cells) > len(self.openings):
            raise ValueError(f"row {row}: more than {len(self.openings)} cells")
        r = str(row)
        if height is None:
            parts = [f'<row r="{r}">']
        else:
            ht = self._heights.get(height)
            if ht is None:  # few heights: one per number of lines
                ht = self._heights[height] = f'" ht="{number_text(height)}" customHeight="1">'
            parts = [f'<row r="{r}{ht}']
        append = parts.append
        for opening, (value, s) in zip(self.openings, cells, strict=False):
            kind = type(value)
            if kind is str:
                if not value:
                    append(f'{opening}{r}"{s} t="inlineStr"></c>')
                elif _PLAIN(value) and len(value) <= EXCEL_TEXT_MAX:  # nothing to escape
                    append(f'{opening}{r}"{s} t="inlineStr"><is><t>{value}</t></is></c>')
                else:
                    append(f'{opening}{r}"{s} t="inlineStr">{text_xml(value)}</c>')
            elif value is None:
                append(f'{opening}{r}"{s} t="n"></c>')
            elif kind is int and -_EXACT < value < _EXACT:
                append(f'{opening}{r}"{s} t="n"><v>{value}</v></c>')
            elif kind is float or kind is int:
                append(f'{opening}{r}"{s} t="n"><v>{number_text(value)}</v></c>')
            else:
                append(f'{opening}{r}"{s}{self._other(value)}</c>')
        append("</row>")
        text = "".join(parts)
        self.pending.append(text)
        self.size += len(text)
        if self.size >= FLUSH_BYTES:
            self.flush()

    def _other(self, value: Any) -> str:
        """The type and value of a cell holding a date, time or truth value."""
        if type(value) is datetime and value.tzinfo is None:
            days = (value - self.epoch).days  # openpyxl's to_excel, inlined
            if 0 < days <= 60 and self.epoch == WINDOWS_EPOCH:
                days -= 1
            seconds = value.hour * 3600 + value.minute * 60 + value.second
            serial = days + (seconds + value.microsecond / 10**6) / 86400
            return f' t="n"><v>{number_text(serial)}</v>'
        if type(value) is date:
            serial = self._dates.get(value)
            if serial is None:
                if len(self._dates) > 4096:
                    self._dates.clear()
                serial = self._dates[value] = number_text(to_excel(value, self.epoch))
            return f' t="n"><v>{serial}</v>'
        if isinstance(value, bool):
            return f' t="b"><v>{int(value)}</v>'
        if isinstance(value, DATE_TYPES):
            return f' t="n"><v>{number_text(to_excel(value, self.epoch))}</v>'
        raise TypeError(f"cannot write {value!r} to a cell")

    def flush(self) -> None:
        """Write the pending rows to the spool (non-ASCII as character references)."""
        if self.pending:
            self.file.write("".join(self.pending).encode("ascii", "xmlcharrefreplace"))
            self.pending.clear()
            self.size = 0

    def chunks(self, size: int = FLUSH_BYTES) -> Iterable[bytes]:
        """The spooled XML, from the first row."""
        self.flush()
        self.file.seek(0)
        while chunk := self.file.read(size):
            yield chunk

    def close(self) -> None:
        """Remove the spool."""
        self.file.close()


def wrapped_height(texts: Iterable[str], widths: Sequence[float]) -> float | None:
    """The height a row needs for its wrapped texts in columns `widths` wide, as
    `printing.fit_row` sets it; None when one line is enough."""
    lines = 1
    for text, width in zip(texts, widths, strict=True):
        if not text or (len(text) <= width * CHARS_PER_WIDTH and "\n" not in text):
            continue  # no longer than a line: one line (quicker than text_lines)
        lines = max(lines, text_lines(NOT_XML.sub("", text), width))  # the text written
    return row_height(lines) if lines > 1 else None

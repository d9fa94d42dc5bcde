"""One worksheet's stored rows as values, streamed from its XML with lxml.

Values are exactly what openpyxl's read-only reader gives (`data_only=True`): its cell
rules are mirrored in `_value` (shared and inline strings, numbers, booleans, ISO dates,
numbers in a date format as datetimes or "#VALUE!" when out of range), parsed by lxml in
C rather than element by element in Python: 2-3 times less CPU (bench/bench_reader.py).

Unlike openpyxl's `iter_rows`, rows come in the order they are stored, each with its own
row number: a gap between rows costs nothing (openpyxl yields every missing row as an
empty tuple), and a row stored out of order is read, not dropped. Only the cells present
are kept (a cell in column XFD does not make a 16,384-wide row), a read row is dropped
from the tree, what follows <sheetData> is not parsed, and reading stops at Excel's last
row. A formula cell whose value cannot be trusted comes as a `Formula`. The XML is parsed
without entities, DTDs or network; a sheet declaring entities is refused as defusedxml
refuses it for the other parts.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from defusedxml import EntitiesForbidden
from lxml import etree
from openpyxl.cell.text import Text
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, FORMULA_TAG, ROW_TAG, VALUE_TAG, _cast_number
from openpyxl.xml.constants import SHEET_MAIN_NS

EXCEL_MAX_ROW = 1_048_576  # the last row Excel has; no workbook saved by Excel goes beyond
# Functions whose result changes at every recalculation: a time computed from one of them
# is not the time the step happened.
VOLATILE = re.compile(r"\b(?:TODAY|NOW|RAND|RANDBETWEEN|RANDARRAY|OFFSET|INDIRECT|CELL|INFO)"
                      r"\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class Formula:
    """A formula cell: its formula text and the value Excel stored for it (None: none)."""

    text: str
    cached: Any

    @property
    def volatile(self) -> bool:
        """True when the result changes by itself (=TODAY(), =NOW(), …)."""
        return bool(VOLATILE.search(self.text))

    @property
    def shown(self) -> str:
        """The formula as staff would recognise it, shortened for a message."""
        return self.text if len(self.text) <= 60 else self.text[:57] + "…"


@dataclass(frozen=True)
class BeyondLastRow:
    """The sheet holds a row numbered past Excel's last row; reading stopped there."""

    row: int


Cells = dict[int, Any]  # 0-based column index → value
INLINE_TAG = f"{{{SHEET_MAIN_NS}}}is"


@dataclass
class _Sheet:
    """What cell values depend on besides the cell: the workbook's strings and formats."""

    strings: list[str]
    epoch: Any
    date_formats: set[int]
    timedelta_formats: set[int]
    shared: dict[str, str] = field(default_factory=dict)  # shared formula id → master's text
    columns: dict[str, int] = field(default_factory=dict)  # column letters → number

    def cells(self, row: Any) -> Cells:
        """The values of one <row>, by 0-based column (openpyxl's parse_cell, data_only)."""
        found: Cells = {}
        column = 0
        for element in row:
            coordinate = element.get("r")
            column = self.column(coordinate) if coordinate else column + 1
            value = self.value(element)
            if value is not None:
                found[column - 1] = value
        return found

    def column(self, coordinate: str) -> int:
        """The 1-based column of a cell reference; ValueError where openpyxl raises one."""
        letters = coordinate.rstrip("0123456789")
        if len(letters) == len(coordinate):
            raise ValueError(f"{coordinate} is not a cell reference")
        index = self.columns.get(letters)
        if index is None:
            index = self.columns[letters] = column_index_from_string(letters)
        return index

    def value(self, element: Any) -> Any:
        """One cell's value; a formula's comes as a Formula (text and cached value)."""
        kind = element.get("t", "n")
        style = element.get("s", 0)
        style = int(style) if style else style
        stored = inline = formula = None
        for child in element:  # one pass instead of three finds
            tag = child.tag
            if tag == VALUE_TAG:
                stored = child if stored is None else stored
            elif tag == FORMULA_TAG:
                formula = child if formula is None else formula
            elif tag == INLINE_TAG:
                inline = child if inline is None else inline
        if kind == "inlineStr":
            value = None if inline is None else _inline_text(inline)
        else:
            value = (stored.text or None) if stored is not None else None
            if value is not None:
                value = self.typed(kind, style, value)
        if formula is None:
            return value
        if value is None and kind == "str" and stored is not None:
            value = ""  # Excel's cached empty text; no <v> means "not calculated yet"
        return Formula(self.formula_text(formula), value)

    def typed(self, kind: str, style: Any, text: str) -> Any:
        """A stored value text by its cell type, as openpyxl converts it."""
        if kind == "n":
            number = _cast_number(text)
            if style not in self.date_formats:
                return number
            try:
                return from_excel(number, self.epoch, timedelta=style in self.timedelta_formats)
            except (OverflowError, ValueError):
                return "#VALUE!"  # openpyxl's reading of a date out of range
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text  # "str", "e" (an error such as #N/A) and unknown types: the text

    def formula_text(self, formula: Any) -> str:
        """'=' + the formula; a shared formula's follower gets its master's text."""
        text = formula.text
        shared = formula.get("si") if formula.get("t") == "shared" else None
        if shared is not None:
            if text:
                self.shared.setdefault(shared, text)
            else:
                text = self.shared.get(shared, "")
        return "=" + (text or "")


def _inline_text(inline: Any) -> str:
    """An inline string's text, as openpyxl's Text.content (runs joined, phonetics left)."""
    if len(inline) == 1 and inline[0].tag.rpartition("}")[2] == "t":
        return inline[0].text or ""  # the usual <is><t>…</t></is>, without openpyxl's cost
    return str(Text.from_tree(inline).content)


def _row_number(text: str) -> int:
    """A row's r attribute as a number ("7", or "7.0" as some tools write); else ValueError."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(number)


def _refuse_entities(element: Any) -> None:
    """Refuse a sheet that declares entities (defusedxml's rule for every other part)."""
    dtd = element.getroottree().docinfo.internalDTD
    if dtd is not None and list(dtd.iterentities()):
        raise EntitiesForbidden("sheet", None, None, None, None, None)


def stored_rows(ws: ReadOnlyWorksheet) -> Iterator[tuple[int, Cells] | BeyondLastRow]:
    """Each stored row as (row number, cells), in stored order; then BeyondLastRow if any."""
    book = ws.parent
    sheet = _Sheet(ws._shared_strings, book.epoch, book._date_formats,
                   book._timedelta_formats)
    with ws._get_source() as source, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        parts = etree.iterparse(source, events=("end",), tag=(ROW_TAG, DATA_TAG),
                                resolve_entities=False, no_network=True, load_dtd=False,
                                remove_comments=True, remove_pis=True, huge_tree=False)
        number, checked = 0, False
        for _event, row in parts:
            if not checked:
                _refuse_entities(row)
                checked = True
            if row.tag == DATA_TAG:
                return
            text = row.get("r")
            number = number + 1 if text is None else _row_number(text)
            if number < 1:
                raise ValueError(f"row number {number}")  # no such row: a damaged sheet
            if number > EXCEL_MAX_ROW:
                yield BeyondLastRow(number)
                return
            yield number, sheet.cells(row)
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]  # read rows leave the tree: memory stays flat

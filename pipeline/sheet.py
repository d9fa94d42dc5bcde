"""One worksheet's stored rows as values, streamed from its XML with openpyxl's parser.

Unlike openpyxl's read-only `iter_rows`, rows come in the order they are stored, each with
its own row number: a gap between rows costs nothing (openpyxl yields every missing row
as an empty tuple), and a row stored out of order is read, not dropped. Only the cells
present are kept (a cell in column XFD does not make a 16,384-wide row), no row
dimensions are kept (openpyxl keeps one per formatted row), and reading stops at Excel's
last row. A formula cell whose value cannot be trusted comes as a `Formula`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import (
    DATA_TAG,
    FORMULA_TAG,
    ROW_TAG,
    VALUE_TAG,
    WorkSheetParser,
)
from openpyxl.xml.functions import iterparse

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


class _ValuesParser(WorkSheetParser):
    """openpyxl's sheet parser, values only: no row dimensions, formula cells marked."""

    row_counter: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.formula_texts: dict[str, str] = {}  # shared formula id → its master's text

    def parse(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """Each <row> of <sheetData>, dropped once read; what follows it is not values."""
        data = None
        for event, element in iterparse(self.source, events=("start", "end")):
            if event == "start":
                if element.tag == DATA_TAG:
                    data = element
            elif element.tag == ROW_TAG:
                yield self.parse_row(element)
                if data is not None:
                    data.remove(element)  # else a million read rows stay in the tree
            elif element.tag == DATA_TAG:
                return

    def parse_row(self, row: Any) -> tuple[int, list[dict[str, Any]]]:
        """The row number (as openpyxl counts it) and its cells."""
        number = row.get("r")
        self.row_counter = self.row_counter + 1 if number is None else _row_number(number)
        self.col_counter = 0
        return self.row_counter, [self.parse_cell(element) for element in row]

    def parse_cell(self, element: Any) -> dict[str, Any]:
        """openpyxl's cell, with a formula's text and cached value kept as a Formula."""
        cell: dict[str, Any] = super().parse_cell(element)
        formula = element.find(FORMULA_TAG)
        if formula is not None:
            cell["value"] = Formula(self._formula_text(formula), _cached(element, cell))
        return cell

    def _formula_text(self, formula: Any) -> str:
        """'=' + the formula; a shared formula's follower gets its master's text."""
        text = formula.text
        shared = formula.get("si") if formula.get("t") == "shared" else None
        if shared is not None:
            if text:
                self.formula_texts.setdefault(shared, text)
            else:
                text = self.formula_texts.get(shared, "")
        return "=" + (text or "")


def _row_number(text: str) -> int:
    """A row's r attribute as a number ("7", or "7.0" as some tools write); else ValueError."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(number)


def _cached(element: Any, cell: dict[str, Any]) -> Any:
    """The value Excel stored with a formula: None when there is none.

    Excel stores an empty text result as t="str" with an empty <v>; openpyxl and other
    tools write a formula with no <v> or an empty one, meaning "not calculated yet".
    """
    if cell["value"] is not None:
        return cell["value"]
    if element.get("t") == "str" and element.find(VALUE_TAG) is not None:
        return ""
    return None


def stored_rows(ws: ReadOnlyWorksheet) -> Iterator[tuple[int, Cells] | BeyondLastRow]:
    """Each stored row as (row number, cells), in stored order; then BeyondLastRow if any."""
    book = ws.parent
    with ws._get_source() as source, warnings.catch_warnings():
        # openpyxl warns for a date cell out of range and reads it as "#VALUE!": the
        # validator then reports that cell; the warning would only clutter the log.
        warnings.simplefilter("ignore", UserWarning)
        parser = _ValuesParser(source, ws._shared_strings, data_only=True, epoch=book.epoch,
                               date_formats=book._date_formats,
                               timedelta_formats=book._timedelta_formats)
        for number, cells in parser.parse():
            if number < 1:
                raise ValueError(f"row number {number}")  # no such row: a damaged sheet
            if number > EXCEL_MAX_ROW:
                yield BeyondLastRow(number)
                return
            yield number, {cell["column"] - 1: cell["value"] for cell in cells
                           if cell["value"] is not None}

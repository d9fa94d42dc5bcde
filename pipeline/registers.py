"""The year's registers beside the step folders: the Buku Agenda of numbered letters.

The register never shows a NIK or a phone number: `Letter` carries neither, and any long
run of digits that slipped into a free-text field (Hal, Tujuan) is masked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pipeline.layout import agenda_name
from pipeline.printing import column_width
from pipeline.schema import STEPS
from pipeline.workbook import BOX, fill, print_a4_landscape
from pipeline.xlsxrows import SheetRows, wrapped_height
from pipeline.xlsxstream import HyperlinkSpool, RowBuffer, save_streaming

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.model import Letter
    from pipeline.register_rows import AgendaRow

__all__ = ["agenda_name", "mask_personal_numbers", "write_agenda"]

SHEET_AGENDA = "Buku Agenda"
AGENDA_HEADER_ROW = 5
AGENDA_COLUMNS = (  # (header, width)
    ("No. Urut", 8), ("Nomor Surat", 26), ("Tanggal", 12), ("Hal", 40), ("Tujuan", 34),
    ("No. Laporan", 14), ("Langkah", 28), ("Berkas", 50), ("Versi", 7), ("Keterangan", 30),
)
WRAPPED = (4, 5, 6, 7, 8, 10)  # text columns: wrapped, the row as tall as they need
# The letter number opens the letter. Not the Berkas cell: LibreOffice draws a hyperlinked
# cell on one line, so a long path would be cut on paper.
LINK_COLUMN = "B"
DATE_FORMAT = "dd/mm/yyyy"
HEADER_FILL = "DDEBF7"
MASKED = "[disamarkan]"
# A run of digits with spaces, dots or dashes; masked when it holds 10+ digits and is not
# a date: a NIK (16 digits) or a phone number (10-13 digits).
_NUMBER_RUN = re.compile(r"\+?\d[\d .\-]{7,}\d")
_DATE = re.compile(r"\d{1,2}[-./]\d{1,2}[-./]\d{4}")


def mask_personal_numbers(text: str) -> str:
    """Replace anything that looks like a NIK or a phone number."""
    return _NUMBER_RUN.sub(_mask_run, text)


def _mask_run(match: re.Match[str]) -> str:
    run = match.group()
    if sum(ch.isdigit() for ch in run) < 10 or _DATE.search(run):
        return run
    return MASKED


def write_agenda(path: Path, letters: Iterable[Letter | AgendaRow], cfg: Config,
                 tahun: int) -> None:
    """Write the Buku Agenda: one row per numbered letter (and version), by No. Urut.

    Streamed: `letters` may be any size. A list is sorted here; any other iterable must
    come in order of (No. Urut, version), as `State.each_agenda_row_of_year` gives them.
    """
    path = Path(path)
    if isinstance(letters, list):
        letters = sorted(letters, key=lambda x: (x.urut, x.version))
    wb = Workbook(write_only=True)
    ws = RowBuffer(wb.create_sheet(SHEET_AGENDA))
    for index, (_, width) in enumerate(AGENDA_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = f"A{AGENDA_HEADER_ROW + 1}"  # sheet settings go before the rows
    print_a4_landscape(ws, f"{AGENDA_HEADER_ROW}:{AGENDA_HEADER_ROW}")
    _write_title(ws, cfg, tahun)
    _write_table_header(ws)
    links = HyperlinkSpool(sheet_index=1)
    rows = SheetRows(ws.ws, sheet_index=1)
    looks = [rows.look(index, partial(_dress, index))
             for index in range(1, len(AGENDA_COLUMNS) + 1)]
    widths = [column_width(ws, index) for index in WRAPPED]
    link = _Linker(cfg.outbox, path.parent)
    row = AGENDA_HEADER_ROW
    for letter in letters:
        if letter.tahun != tahun:
            continue
        row += 1
        values = _letter_values(letter)
        height = wrapped_height([values[i - 1] for i in WRAPPED], widths)  # type: ignore[misc]
        rows.add(row, list(zip(values, looks, strict=True)), height)
        links.add(f"{LINK_COLUMN}{row}", link(letter.path))
    last = get_column_letter(len(AGENDA_COLUMNS))
    ws.auto_filter.ref = f"A{AGENDA_HEADER_ROW}:{last}{max(row, AGENDA_HEADER_ROW + 1)}"
    wb.properties.title = f"Buku Agenda {tahun}"
    save_streaming(wb, path, links, [rows])


def _write_title(ws: RowBuffer, cfg: Config, tahun: int) -> None:
    """Rows 1-3: register name, office, year."""
    last = len(AGENDA_COLUMNS)
    titles = ("BUKU AGENDA SURAT KELUAR",
              f"{cfg.kantor.pemerintah} — {cfg.kantor.nama}",
              f"{cfg.kantor.seksi} — Tahun {tahun}")
    for row, text in enumerate(titles, start=1):
        cell = ws.cell(row, 1, text)
        cell.font = Font(bold=True, size=14 if row == 1 else 11)
        cell.alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)


def _write_table_header(ws: RowBuffer) -> None:
    """The header row of the table, bold, filled and boxed."""
    for index, (header, _) in enumerate(AGENDA_COLUMNS, start=1):
        cell = ws.cell(AGENDA_HEADER_ROW, index, header)
        cell.font = Font(bold=True)
        cell.fill = fill(HEADER_FILL)
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.flush(AGENDA_HEADER_ROW)


def _letter_values(letter: Letter | AgendaRow) -> tuple[object, ...]:
    """The cells of one register row, from No. Urut to Keterangan."""
    step = STEPS[letter.step - 1] if 1 <= letter.step <= len(STEPS) else None
    return (letter.urut, letter.nomor, letter.tanggal.date(),
            mask_personal_numbers(letter.hal), mask_personal_numbers(letter.tujuan),
            letter.no_laporan, f"{letter.step}. {step.name}" if step else str(letter.step),
            letter.path, letter.version, letter.keterangan)


def _dress(index: int, cell: Cell) -> None:
    """The look of the register's column `index`: boxed, from the top, texts wrapped; the
    number a blue link, kept as text with No. Laporan; the date as a date."""
    cell.border = BOX
    cell.alignment = Alignment(vertical="top", wrap_text=index in WRAPPED)
    if index in (2, 6):
        cell.number_format = "@"
    if index == 2:
        cell.font = Font(color="0563C1", underline="single")
    elif index == 3:
        cell.number_format = DATE_FORMAT


class _Linker:
    """Relative links from the register's folder to letters under outbox/ (`_link`),
    worked out once per letter folder."""

    def __init__(self, outbox: Path, base: Path) -> None:
        self.outbox, self.base = outbox, base
        self.folders: dict[str, str | None] = {}

    def __call__(self, letter_path: str) -> str:
        """The link to outbox/`letter_path` ('/'-separated)."""
        folder, _, name = letter_path.rpartition("/")
        if not name or name in (".", ".."):
            return _link(self.outbox / letter_path, self.base)
        if folder not in self.folders:
            self.folders[folder] = self._prefix(folder)
        prefix = self.folders[folder]
        return prefix + name if prefix is not None else _link(self.outbox / letter_path,
                                                             self.base)

    def _prefix(self, folder: str) -> str | None:
        """The link to a folder, ending in '/' (nothing for the base itself); None when
        it is a URI (another drive)."""
        rel = _link(self.outbox / folder, self.base)
        if ":" in rel.split("/", 1)[0]:
            return None
        return "" if rel == "." else rel + "/"


def _link(target: Path, base: Path) -> str:
    """A relative hyperlink with '/' so it still works after the year folder is moved."""
    try:
        return Path(os.path.relpath(target, base)).as_posix()
    except ValueError:  # another drive on Windows
        return target.as_uri()

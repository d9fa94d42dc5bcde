"""The registers as written before the streaming row writer (commit 6580769): openpyxl's
write-only cells for every row. Kept as the reference of tests/test_registers_same.py;
only the functions that changed are here, the rest is imported from the pipeline."""

from __future__ import annotations

from collections.abc import Iterable
from copy import copy
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from pipeline import recap as rc
from pipeline import registers as rg
from pipeline.schema import STEPS
from pipeline.status import CaseTimes, case_times, status_label
from pipeline.tally import TERBUKA, Tally
from pipeline.workbook import BOX, as_text, fit_row, print_a4_landscape
from tests.legacy_xlsxstream import HyperlinkSpool, RowBuffer, save_streaming

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.model import Case, Letter


def write_agenda(path: Path, letters: Iterable[Letter], cfg: Config, tahun: int) -> None:
    """The old `registers.write_agenda`."""
    path = Path(path)
    if isinstance(letters, list):
        letters = sorted(letters, key=lambda x: (x.urut, x.version))
    wb = Workbook(write_only=True)
    ws = RowBuffer(wb.create_sheet(rg.SHEET_AGENDA))
    for index, (_, width) in enumerate(rg.AGENDA_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = f"A{rg.AGENDA_HEADER_ROW + 1}"
    print_a4_landscape(ws, f"{rg.AGENDA_HEADER_ROW}:{rg.AGENDA_HEADER_ROW}")
    _write_title(ws, cfg, tahun)
    _write_table_header(ws)
    links = HyperlinkSpool(sheet_index=1)
    looks: dict[int, StyleArray] = {}
    row = rg.AGENDA_HEADER_ROW
    for letter in letters:
        if letter.tahun != tahun:
            continue
        row += 1
        _write_letter(ws, row, letter, looks)
        links.add(f"{rg.LINK_COLUMN}{row}", rg._link(cfg.outbox / letter.path, path.parent))
        ws.flush(row)
    last = get_column_letter(len(rg.AGENDA_COLUMNS))
    ws.auto_filter.ref = f"A{rg.AGENDA_HEADER_ROW}:{last}{max(row, rg.AGENDA_HEADER_ROW + 1)}"
    wb.properties.title = f"Buku Agenda {tahun}"
    save_streaming(wb, path, links)


def _write_title(ws: RowBuffer, cfg: Config, tahun: int) -> None:
    last = len(rg.AGENDA_COLUMNS)
    titles = ("BUKU AGENDA SURAT KELUAR",
              f"{cfg.kantor.pemerintah} — {cfg.kantor.nama}",
              f"{cfg.kantor.seksi} — Tahun {tahun}")
    for row, text in enumerate(titles, start=1):
        cell = ws.cell(row, 1, text)
        cell.font = Font(bold=True, size=14 if row == 1 else 11)
        cell.alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)


def _write_table_header(ws: RowBuffer) -> None:
    for index, (header, _) in enumerate(rg.AGENDA_COLUMNS, start=1):
        cell = ws.cell(rg.AGENDA_HEADER_ROW, index, header)
        cell.font = Font(bold=True)
        cell.fill = rg.fill(rg.HEADER_FILL)
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.flush(rg.AGENDA_HEADER_ROW)


def _write_letter(ws: RowBuffer, row: int, letter: Letter,
                  looks: dict[int, StyleArray]) -> None:
    step = STEPS[letter.step - 1] if 1 <= letter.step <= len(STEPS) else None
    values = (letter.urut, letter.nomor, letter.tanggal.date(),
              rg.mask_personal_numbers(letter.hal), rg.mask_personal_numbers(letter.tujuan),
              letter.no_laporan, f"{letter.step}. {step.name}" if step else str(letter.step),
              letter.path, letter.version, letter.keterangan)
    for index, value in enumerate(values, start=1):
        cell = as_text(ws.cell(row, index, value))
        look = looks.get(index)
        if look is not None:
            cell._style = copy(look)
            continue
        cell.border = BOX
        cell.alignment = Alignment(vertical="top", wrap_text=index in rg.WRAPPED)
        if index in (2, 6):
            cell.number_format = "@"
        if index == 2:
            cell.font = Font(color="0563C1", underline="single")
        elif index == 3:
            cell.number_format = rg.DATE_FORMAT
        looks[index] = copy(cell._style)
    fit_row(ws, row, ((i, values[i - 1]) for i in rg.WRAPPED))


def write_recap(path: Path, cases: Iterable[Case], cfg: Config, tahun: int,
                bulan: int | None = None, now: datetime | None = None,
                menunggu_perbaikan: int | None = None) -> None:
    """The old `recap.write_recap`."""
    now = now or datetime.now()
    if isinstance(cases, list):
        cases = sorted(cases, key=lambda c: (c.waktu_lapor, c.no_laporan))
    chosen = (c for c in cases if c.tahun == tahun
              and (bulan is None or c.waktu_lapor.month == bulan))
    head = rc._heading(cfg, tahun, bulan, now)
    wb = Workbook(write_only=True)
    ring, kasus, waktu = (RowBuffer(wb.create_sheet(name))
                          for name in (rc.SHEET_RINGKASAN, rc.SHEET_KASUS, rc.SHEET_WAKTU))
    tally = _write_kasus(kasus, head, chosen, cfg, now)
    for_chart = rc._write_waktu(waktu, head, tally.service_times(cfg), cfg)
    rc._write_ringkasan(ring, head, tally, cfg, bulan, for_chart, menunggu_perbaikan)
    for sheet in (ring, kasus, waktu):
        sheet.flush()
    wb.properties.title = head[0]
    wb.properties.creator = f"{cfg.kantor.nama.title()} — perda-pipeline"
    save_streaming(wb, Path(path))


def _write_kasus(ws: RowBuffer, head: tuple[str, ...], cases: Iterable[Case], cfg: Config,
                 now: datetime) -> Tally:
    last_col = rc.step_columns(7)[1] + 2  # type: ignore[operator]
    ws.freeze_panes = f"C{rc.KASUS_HEAD + 1}"
    rc._print_setup(ws, head, f"{rc.KASUS_BAND}:{rc.KASUS_HEAD}")
    rc._titles(ws, head, last_col, "Kasus")
    rc._kasus_headers(ws, cfg, last_col)
    ws.flush(rc.KASUS_HEAD)
    looks: dict[tuple[str, bool], StyleArray] = {}
    tally = Tally()
    row = rc.KASUS_HEAD
    for case in cases:
        row += 1
        t = case_times(case, cfg, now)
        _kasus_row(ws, row, row - rc.KASUS_HEAD, case, t, cfg, looks)
        tally_add(tally, case, t)
        ws.flush(row)
    end = max(row, rc.KASUS_HEAD + 1)
    ws.auto_filter.ref = f"A{rc.KASUS_HEAD}:{get_column_letter(last_col)}{end}"
    return tally


def _put(ws: RowBuffer, row: int, col: int, value: object, kind: str, late: bool,
         looks: dict[tuple[str, bool], StyleArray]) -> None:
    cell = as_text(ws.cell(row, col, value))
    look = looks.get((kind, late))
    if look is not None:
        cell._style = copy(look)
        return
    cell.border = BOX
    cell.alignment, cell.number_format = rc.KASUS_LOOKS[kind]
    if late:
        rc._mark_late(cell)
    looks[(kind, late)] = copy(cell._style)


def _kasus_row(ws: RowBuffer, row: int, number: int, case: Case, t: CaseTimes,
               cfg: Config, looks: dict[tuple[str, bool], StyleArray]) -> None:
    left = ((number, "text"), (case.no_laporan, "id"), (case.cara_lapor, "text"),
            (case.desa, "text"), (case.perda, "wrap"))
    for col, (value, kind) in enumerate(left, start=1):
        _put(ws, row, col, value, kind, False, looks)
    _put(ws, row, len(left) + 1, t.status, "text", t.terlambat, looks)
    for st in t.steps:
        time_col, min_col = rc.step_columns(st.step)
        _put(ws, row, time_col, st.waktu, "time", False, looks)
        if min_col:
            _put(ws, row, min_col, st.menit, "text", bool(st.terlambat), looks)
    last = rc.step_columns(len(STEPS))[1] + 1  # type: ignore[operator]
    _put(ws, row, last, round(t.lama_hari, 1), "days",
         t.lama_hari > cfg.waktu_baku.batas_kasus_hari, looks)
    remarks_ = remarks(t)
    _put(ws, row, last + 1, remarks_, "wrap", False, looks)
    fit_row(ws, row, [(rc.PERDA_COL, case.perda), (last + 1, remarks_)])


def tally_add(tally: Tally, case: Case, t: CaseTimes) -> None:
    """The old `Tally.add`: count one case from its `status.case_times`."""
    tally.status[status_label(t)] += 1
    tally.months[(case.waktu_lapor.month, TERBUKA if not t.closed else t.status)] += 1
    tally.cara_lapor[case.cara_lapor] += 1
    tally.desa[case.desa] += 1
    tally.perda[case.perda] += 1
    tally.late += t.terlambat
    for index, st in enumerate(t.steps):
        if st.menit is not None:
            tally.minutes[index].append(st.menit)
            tally.steps_late[index] += bool(st.terlambat)


def remarks(t: CaseTimes) -> str:
    """The old `recap._remarks`."""
    late = [str(s.step) for s in t.steps if s.terlambat]
    parts = [f"Terlambat: {t.alasan}."] if t.terlambat else []
    if late:
        parts.append(f"Langkah melewati waktu baku: {', '.join(late)}.")
    return " ".join(parts)

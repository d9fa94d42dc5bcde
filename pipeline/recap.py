"""The Laporan Pengamanan: the SOP's own record, as a workbook for the Kasi and the Camat.

Sheets: Ringkasan (counts by status, month, desa, Perda and channel, and two charts),
Kasus (one row per case: every step's time and minutes, late cells highlighted) and
Waktu Layanan (per step: median and 90th percentile of the minutes against the standard,
and the share of cases within it).

Definitions (the step times, closed/open, overdue: see `pipeline.status`), plus:

- A case belongs to the year (and month) of its Waktu Lapor.
- A late cell in Kasus: a step's minutes exceed its standard; the Status cell of an open
  case that is overdue now; and Lama (hari) above batas_kasus_hari.
- Median, 90th percentile and the share within the standard: see `pipeline.status`.

The recap never shows a NIK, a phone number, an address or a reporter's name: it holds
no personal field at all, so it may be passed on outside the office.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from pipeline import indo
from pipeline.layout import recap_path
from pipeline.printing import column_width
from pipeline.registers import HEADER_FILL
from pipeline.schema import CARA_LAPOR, STATUS_AKHIR, STEPS
from pipeline.status import (
    ServiceTime,
    case_times,
    open_labels,
    percentile,
    service_times,
    status_label,
)
from pipeline.tally import TERBUKA, Tally
from pipeline.verdicts import Standards, Verdicts, remarks, verdicts
from pipeline.workbook import BOX, STEP_FILLS, fill, fit_row, print_a4_landscape
from pipeline.xlsxrows import NOT_XML, SheetRows, wrapped_height
from pipeline.xlsxstream import RowBuffer, save_streaming

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.register_rows import AnyCase

__all__ = ["case_times", "percentile", "recap_path", "service_times", "status_label",
           "write_recap"]

SHEET_RINGKASAN, SHEET_KASUS, SHEET_WAKTU = "Ringkasan", "Kasus", "Waktu Layanan"
LATE_FILL, LATE_FONT = "FFC7CE", "9C0006"  # Excel's own "bad" cell style
DATETIME_FORMAT = "dd/mm/yy hh:mm"
# Chart colours of Terbuka, Selesai, Tidak Terbukti, Dilimpahkan.
STATUS_COLOURS = ("F4B183", "70AD47", "A5A5A5", "5B9BD5")
TABLE_ROW = 6  # first row below the titles
NONE = "—"
WRAP_TOP = Alignment(vertical="top", wrap_text=True)
TOP = Alignment(vertical="top")


def write_recap(path: Path, cases: Iterable[AnyCase], cfg: Config, tahun: int,
                bulan: int | None = None, now: datetime | None = None,
                menunggu_perbaikan: int | None = None) -> None:
    """Write the Laporan Pengamanan of a year (or one month of it), atomically.

    Streamed: `cases` may be any size. A list is sorted here; any other iterable must come
    in report order (Waktu Lapor, No. Laporan), as `State.each_case_of_year` gives them.
    `menunggu_perbaikan`: the rows waiting for correction in the workbooks now in inbox/
    (attention.office_attention), shown on Ringkasan as `perda status` counts them.
    """
    now = now or datetime.now()
    if isinstance(cases, list):
        cases = sorted(cases, key=lambda c: (c.waktu_lapor, c.no_laporan))
    chosen = (c for c in cases if c.tahun == tahun
              and (bulan is None or c.waktu_lapor.month == bulan))
    head = _heading(cfg, tahun, bulan, now)
    wb = Workbook(write_only=True)
    ring, kasus, waktu = (RowBuffer(wb.create_sheet(name))
                          for name in (SHEET_RINGKASAN, SHEET_KASUS, SHEET_WAKTU))
    rows = SheetRows(kasus.ws, sheet_index=2)
    tally = _write_kasus(kasus, rows, head, chosen, cfg, now)
    for_chart = _write_waktu(waktu, head, tally.service_times(cfg), cfg)
    _write_ringkasan(ring, head, tally, cfg, bulan, for_chart, menunggu_perbaikan)
    for sheet in (ring, kasus, waktu):
        sheet.flush()
    wb.properties.title = head[0]
    wb.properties.creator = f"{cfg.kantor.nama.title()} — perda-pipeline"
    save_streaming(wb, Path(path), rows=[rows])


# --- titles and printing ----------------------------------------------------------------

def _heading(cfg: Config, tahun: int, bulan: int | None, now: datetime) -> tuple[str, ...]:
    """The title lines: report, office, section and period, state at `now`."""
    period = f"Bulan {indo.nama_bulan(bulan)} {tahun}" if bulan else f"Tahun {tahun}"
    return ("LAPORAN PENGAMANAN PELAKSANAAN PERDA",
            f"{cfg.kantor.pemerintah} — {cfg.kantor.nama}",
            f"{cfg.kantor.seksi} — {period}",
            f"Keadaan per {indo.tanggal(now)} pukul {indo.jam(now)}")


def _titles(ws: RowBuffer, head: Sequence[str], last_col: int, subtitle: str) -> None:
    """Rows 1-4: report, office, period and state, centred over the sheet's width."""
    lines = (f"{head[0]} — {subtitle.upper()}", *head[1:])
    for row, text in enumerate(lines, start=1):
        cell = ws.cell(row, 1, text)
        cell.font = Font(bold=row < 3, size=14 if row == 1 else 11, italic=row == 4)
        cell.alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)


def _print_setup(ws: RowBuffer, head: Sequence[str], title_rows: str | None = None) -> None:
    """A4 landscape, one page wide, header rows repeated, office and page in the margins
    (before any row is written: the sheet's settings come first in the file)."""
    print_a4_landscape(ws, title_rows)
    ws.oddHeader.center.text = f"{head[1]} — {head[2]}".replace("&", "&&")
    ws.oddHeader.center.size = 8


def _header_cell(ws: RowBuffer, row: int, col: int, text: str, rgb: str = HEADER_FILL) -> None:
    """A bold, filled, boxed, wrapped header cell."""
    cell = ws.cell(row, col, text)
    cell.font = Font(bold=True)
    cell.fill = fill(rgb)
    cell.border = BOX
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _widths(ws: RowBuffer, widths: Sequence[float]) -> None:
    """Set column widths from A."""
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def _mark_late(cell: object) -> None:
    """Highlight a late cell: light red fill, dark red bold text."""
    cell.fill = fill(LATE_FILL)  # type: ignore[attr-defined]
    cell.font = Font(color=LATE_FONT, bold=True)  # type: ignore[attr-defined]


# --- Ringkasan ------------------------------------------------------------------------

def _table(ws: RowBuffer, row: int, col: int, title: str, headers: Sequence[str],
           rows: Sequence[Sequence[object]], total: bool = True) -> tuple[int, int]:
    """A titled, boxed table at (row, col); returns its first and last data rows."""
    ws.cell(row, col, title).font = Font(bold=True, size=12)
    for offset, text in enumerate(headers):
        _header_cell(ws, row + 1, col + offset, text)
    ws.row_dimensions[row + 1].height = 30
    data = [list(r) for r in rows]
    if total:
        data.append(["Jumlah", *(sum(int(r[i]) for r in rows)  # type: ignore[call-overload]
                                 for i in range(1, len(headers)))])
    for r_off, values in enumerate(data, start=row + 2):
        for c_off, value in enumerate(values):
            cell = _text_as_text(ws.cell(r_off, col + c_off, _writable(value)))
            cell.border = BOX
            cell.alignment = Alignment(vertical="top", wrap_text=c_off == 0)
            cell.font = Font(bold=total and r_off == row + 1 + len(data))
        fit_row(ws, r_off, [(col, str(values[0]))])
    return row + 2, row + 1 + len(rows)


def _writable(value: object) -> object:
    """A value without the characters XML forbids (openpyxl would refuse it)."""
    return NOT_XML.sub("", value) if isinstance(value, str) else value


def _text_as_text(cell: Cell) -> Cell:
    """Keep a text that looks like a formula ('=1+1') or an error ('#N/A') as text, as
    the Kasus sheet does: a desa or Perda is whatever a reporter typed."""
    if isinstance(cell.value, str) and cell.data_type in ("f", "e"):
        cell.data_type = "s"
    return cell


def _counts(counter: Counter[str], known: Iterable[str]) -> list[tuple[str, int]]:
    """Counts of every known value (zeros too), then any other values found."""
    names = list(dict.fromkeys(known))
    names += sorted(set(counter) - set(names))
    return [(name, counter[name]) for name in names]


def _write_ringkasan(ws: RowBuffer, head: Sequence[str], tally: Tally, cfg: Config,
                     bulan: int | None,
                     for_chart: tuple[Reference, Reference, Reference],
                     menunggu_perbaikan: int | None = None) -> None:
    """Counts by status and month (with the two charts), then by desa, Perda and channel."""
    _widths(ws, (50, 11, 3, 16, 11, 11, 11, 12, 11))
    _print_setup(ws, head)
    _titles(ws, head, 9, "Ringkasan")
    by_status = _counts(tally.status, [*open_labels(), *STATUS_AKHIR])
    _, last = _table(ws, TABLE_ROW, 1, "Menurut Status", ("Status", "Jumlah Kasus"), by_status)
    ws.cell(last + 3, 1, "Kasus terbuka yang terlambat").font = Font(bold=True)
    cell = ws.cell(last + 3, 2, tally.late)
    if tally.late:
        _mark_late(cell)
    if menunggu_perbaikan is not None:
        ws.cell(last + 4, 1, "Laporan menunggu perbaikan di buku isian").font = Font(bold=True)
        ws.cell(last + 4, 2, menunggu_perbaikan)
    first_m, last_m = _month_table(ws, tally, bulan)
    row = max(last + 5, last_m + 3)
    _add_charts(ws, row, first_m, last_m, for_chart)
    row += 18
    ws.row_breaks.append(Break(id=row - 1))  # page 1: status, months and the charts
    _table(ws, row, 1, "Menurut Cara Lapor", ("Cara Lapor", "Jumlah Kasus"),
           _counts(tally.cara_lapor, CARA_LAPOR))
    _, last = _table(ws, row, 4, "Menurut Desa", ("Desa", "Jumlah Kasus"),
                     _counts(tally.desa, cfg.daftar.desa))
    row = last + 4
    _table(ws, row, 1, "Menurut Perda yang Diduga Dilanggar", ("Perda", "Jumlah Kasus"),
           _counts(tally.perda, cfg.daftar.perda))


def _month_table(ws: RowBuffer, tally: Tally, bulan: int | None) -> tuple[int, int]:
    """Cases per month of Waktu Lapor by status, at D6; returns its first and last data rows."""
    months = [bulan] if bulan else list(range(1, 13))
    kinds = (TERBUKA, *STATUS_AKHIR)
    counter = tally.months
    rows = [(indo.nama_bulan(m), *(counter[(m, k)] for k in kinds),
             sum(counter[(m, k)] for k in kinds)) for m in months]
    return _table(ws, TABLE_ROW, 4, "Menurut Bulan Laporan", ("Bulan", *kinds, "Jumlah"), rows)


def _add_charts(ws: RowBuffer, row: int, first_m: int, last_m: int,
                for_chart: tuple[Reference, Reference, Reference]) -> None:
    """Cases per month by status (stacked), and median minutes per step against the standard."""
    per_month = BarChart()
    per_month.type, per_month.grouping, per_month.overlap = "col", "stacked", 100
    per_month.title = _chart_title("Jumlah kasus per bulan menurut status")
    per_month.y_axis.title = "Kasus"
    per_month.add_data(Reference(ws, min_col=5, max_col=8, min_row=first_m - 1, max_row=last_m),
                       titles_from_data=True)
    per_month.set_categories(Reference(ws, min_col=4, min_row=first_m, max_row=last_m))
    _colour(per_month, STATUS_COLOURS)
    cats, median, baku = for_chart
    per_step = BarChart()
    per_step.type, per_step.grouping = "col", "clustered"
    per_step.title = _chart_title("Median menit per langkah dan waktu baku")
    per_step.y_axis.title = "Menit"
    per_step.add_data(median, titles_from_data=True)
    per_step.add_data(baku, titles_from_data=True)
    per_step.set_categories(cats)
    _colour(per_step, ("4472C4", "A5A5A5"))
    for chart, anchor in ((per_month, f"A{row}"), (per_step, f"D{row}")):
        chart.width, chart.height = 13.5, 8.5
        chart.legend.position = "b"
        chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides them otherwise
        ws.add_chart(chart, anchor)


def _chart_title(text: str) -> Title:
    """A chart title in 11-point bold (openpyxl's default is too large for A4)."""
    props = CharacterProperties(sz=1100, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _colour(chart: BarChart, colours: Sequence[str]) -> None:
    """Give the chart's series fixed colours (green for Selesai, grey for the standard)."""
    for series, rgb in zip(chart.series, colours, strict=False):
        series.graphicalProperties.solidFill = rgb
        series.graphicalProperties.line.solidFill = rgb


# --- Kasus ----------------------------------------------------------------------------

KASUS_LEFT = (("No.", 5), ("No. Laporan", 12), ("Cara Lapor", 14), ("Desa", 11),
              ("Perda yang Diduga Dilanggar", 24), ("Status", 12))
PERDA_COL, KETERANGAN_WIDTH = 5, 28
KASUS_BAND, KASUS_HEAD = TABLE_ROW, TABLE_ROW + 1
STEP_COL = len(KASUS_LEFT) + 1  # step 1's time column; steps 2..7 take two columns each


def step_columns(step: int) -> tuple[int, int | None]:
    """The Kasus columns of a step: (time, minutes); step 1 has no minutes column."""
    if step == 1:
        return STEP_COL, None
    time_col = STEP_COL + 1 + 2 * (step - 2)
    return time_col, time_col + 1


def _write_kasus(ws: RowBuffer, rows: SheetRows, head: Sequence[str],
                 cases: Iterable[AnyCase], cfg: Config, now: datetime) -> Tally:
    """One row per case: each step's time and minutes, late cells highlighted; returns the
    counts of the cases written."""
    last_col = step_columns(7)[1] + 2  # type: ignore[operator]
    ws.freeze_panes = f"C{KASUS_HEAD + 1}"  # sheet settings go before the rows
    _print_setup(ws, head, f"{KASUS_BAND}:{KASUS_HEAD}")
    _titles(ws, head, last_col, "Kasus")
    _kasus_headers(ws, cfg, last_col)
    ws.flush(KASUS_HEAD)
    looks = _Looks(rows)
    widths = (column_width(ws, PERDA_COL), column_width(ws, last_col))
    std = Standards.of(cfg)
    tally = Tally()
    row = KASUS_HEAD
    for case in cases:
        row += 1
        v = verdicts(case, std, now)
        cells, why = _kasus_cells(row - KASUS_HEAD, case, v, std.case_days, looks)
        rows.add(row, cells, wrapped_height((case.perda, why), widths))
        tally.add(case, v)
    end = max(row, KASUS_HEAD + 1)
    ws.auto_filter.ref = f"A{KASUS_HEAD}:{get_column_letter(last_col)}{end}"
    return tally


def _kasus_headers(ws: RowBuffer, cfg: Config, last_col: int) -> None:
    """Band row (one merged cell per step, in the intake's step colours) and header row."""
    for col, (text, width) in enumerate(KASUS_LEFT, start=1):
        ws.merge_cells(start_row=KASUS_BAND, start_column=col, end_row=KASUS_HEAD, end_column=col)
        _header_cell(ws, KASUS_BAND, col, text)
        ws.column_dimensions[get_column_letter(col)].width = width
    for step in STEPS:
        time_col, min_col = step_columns(step.number)
        strong, light = STEP_FILLS[step.number - 1]
        _header_cell(ws, KASUS_BAND, time_col, f"{step.number}. {step.name}", strong)
        _header_cell(ws, KASUS_HEAD, time_col, "Waktu", light)
        ws.column_dimensions[get_column_letter(time_col)].width = 13
        if min_col:
            baku = cfg.waktu_baku.minutes(step.number)
            _header_cell(ws, KASUS_BAND, min_col, "", strong)
            _header_cell(ws, KASUS_HEAD, min_col,
                         f"Menit (baku {baku})" if baku else "Menit (tanpa baku)", light)
            ws.column_dimensions[get_column_letter(min_col)].width = 7
            ws.merge_cells(start_row=KASUS_BAND, start_column=time_col, end_row=KASUS_BAND,
                           end_column=min_col)
    for col, (text, width) in enumerate((("Lama (hari)", 7), ("Keterangan", KETERANGAN_WIDTH)),
                                        start=last_col - 1):
        ws.merge_cells(start_row=KASUS_BAND, start_column=col, end_row=KASUS_HEAD, end_column=col)
        _header_cell(ws, KASUS_BAND, col, text)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[KASUS_BAND].height = 42
    ws.row_dimensions[KASUS_HEAD].height = 40


# How each kind of Kasus cell looks: (alignment, number format).
KASUS_LOOKS = {"text": (TOP, "General"), "wrap": (WRAP_TOP, "General"), "id": (TOP, "@"),
               "time": (TOP, DATETIME_FORMAT), "days": (TOP, "0.0")}


class _Looks(dict[tuple[str, bool], str]):
    """The ` s="N"` of each (kind, late) look of a Kasus cell (a KASUS_LOOKS key,
    highlighted when late), registered on first use."""

    def __init__(self, rows: SheetRows) -> None:
        super().__init__()
        self.rows = rows

    def __missing__(self, key: tuple[str, bool]) -> str:
        kind, late = key
        found = self[key] = self.rows.look(key, lambda cell: _dress(cell, kind, late))
        return found


def _dress(cell: Cell, kind: str, late: bool) -> None:
    """Box a Kasus cell, align and format it by kind, highlight it when late."""
    cell.border = BOX
    cell.alignment, cell.number_format = KASUS_LOOKS[kind]
    if late:
        _mark_late(cell)


def _kasus_cells(number: int, case: AnyCase, v: Verdicts, limit: int,
                 looks: _Looks) -> tuple[list[tuple[object, str]], str]:
    """One case's cells (identity, status, step times and minutes, length, remarks) with
    their looks, and its remarks."""
    text = looks["text", False]
    cells: list[tuple[object, str]] = [
        (number, text), (case.no_laporan, looks["id", False]), (case.cara_lapor, text),
        (case.desa, text), (case.perda, looks["wrap", False]),
        (v.status, looks["text", v.terlambat]), (v.times[0], looks["time", False])]
    time = looks["time", False]
    for waktu, menit, late in zip(v.times[1:], v.minutes[1:], v.late[1:], strict=True):
        cells.append((waktu, time))  # steps 2..7: time and minutes
        cells.append((menit, looks["text", bool(late)]))
    why = remarks(v)
    cells.append((round(v.lama_hari, 1), looks["days", v.lama_hari > limit]))
    cells.append((why, looks["wrap", False]))
    return cells, why


# --- Waktu Layanan --------------------------------------------------------------------

WAKTU_HEADERS = (("Langkah", 10), ("Kegiatan", 30), ("Waktu Baku (menit)", 11),
                 ("Jumlah Kasus", 9), ("Median (menit)", 11), ("Persentil ke-90 (menit)", 12),
                 ("Dalam Waktu Baku", 10), ("Terlambat", 10), ("% Dalam Waktu Baku", 11))
WAKTU_NOTES = (
    "Menit tiap langkah = waktu langkah itu dikurangi waktu langkah sebelumnya.",
    "Langkah 1 tidak memiliki waktu awal pada lembar isian, sehingga lamanya tidak dihitung.",
    "Langkah tanpa waktu baku (4 dan 5 tidak terbaca pada naskah SOP) ditampilkan lamanya saja.",
    "Median dan persentil ke-90 dihitung seperti MEDIAN dan PERCENTILE.INC di Excel: "
    "90% kasus selesai dalam waktu persentil ke-90 atau kurang.",
)


def _write_waktu(ws: RowBuffer, head: Sequence[str], rows: list[ServiceTime],
                 cfg: Config) -> tuple[Reference, Reference, Reference]:
    """Per step: minutes against the standard; returns the chart's data references."""
    _widths(ws, [w for _, w in WAKTU_HEADERS])
    _print_setup(ws, head, f"{TABLE_ROW}:{TABLE_ROW}")
    _titles(ws, head, len(WAKTU_HEADERS), "Waktu Layanan")
    for col, (text, _) in enumerate(WAKTU_HEADERS, start=1):
        _header_cell(ws, TABLE_ROW, col, text)
    ws.row_dimensions[TABLE_ROW].height = 45
    for row, st in enumerate(rows, start=TABLE_ROW + 1):
        _waktu_row(ws, row, st)
    note_row = TABLE_ROW + len(rows) + 2
    for offset, text in enumerate(WAKTU_NOTES):
        ws.cell(note_row + offset, 1, text).font = Font(italic=True, size=9)
    return _chart_data(ws, note_row + len(WAKTU_NOTES) + 1, rows)


def _waktu_row(ws: RowBuffer, row: int, st: ServiceTime) -> None:
    """One step's service time; '—' where a figure does not apply."""
    def shown(value: object) -> object:
        return NONE if value is None else value

    values = (st.step, STEPS[st.step - 1].name, shown(st.baku), st.jumlah if st.step > 1
              else NONE, shown(st.median), shown(st.p90), shown(st.dalam_baku),
              shown(st.terlambat), shown(st.persen))
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row, col, value)
        cell.border = BOX
        cell.alignment = Alignment(horizontal="left" if col == 2 else "center")
    for col in (5, 6):
        ws.cell(row, col).number_format = "#,##0.0"
    ws.cell(row, 9).number_format = "0%"
    if st.persen is not None and st.persen < 1:
        _mark_late(ws.cell(row, 8))


def _chart_data(ws: RowBuffer, row: int, rows: list[ServiceTime]
                ) -> tuple[Reference, Reference, Reference]:
    """A small table of the steps that have a standard, for the median-vs-standard chart."""
    chosen = [st for st in rows if st.step > 1 and st.baku is not None]
    ws.cell(row, 1, "Data grafik: langkah yang memiliki waktu baku").font = Font(bold=True)
    for col, text in enumerate(("Langkah", "Median", "Waktu baku"), start=1):
        _header_cell(ws, row + 1, col, text)
    for r, st in enumerate(chosen, start=row + 2):
        for col, value in enumerate((f"Langkah {st.step}", st.median, st.baku), start=1):
            ws.cell(r, col, value).border = BOX
        ws.cell(r, 2).number_format = "#,##0.0"
    first, last = row + 2, row + 1 + max(len(chosen), 1)
    return (Reference(ws, min_col=1, min_row=first, max_row=last),
            Reference(ws, min_col=2, min_row=first - 1, max_row=last),
            Reference(ws, min_col=3, min_row=first - 1, max_row=last))

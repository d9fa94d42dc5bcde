"""Workbooks the pipeline writes: the blank intake workbook, and the shared xlsx helpers.

`write_blank_intake` builds the intake workbook from `schema.COLUMNS` (nothing about the
columns is repeated here). The problem report lives in `problems.py` and the Buku Agenda
in `registers.py`; both use the helpers below. Every file is written atomically
(`filing.write_atomic_with`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.config import choice_lists
from pipeline.filing import write_atomic, write_atomic_with
from pipeline.printing import fit_for_print, fit_row, print_a4_landscape
from pipeline.schema import (
    BANNER_ROW,
    COLUMNS,
    EXCEL_CELL_MAX,
    FIRST_DATA_ROW,
    HEADER_ROW,
    SHEET_DATA,
    SHEET_HELP,
    SHEET_LISTS,
    STEPS,
    Column,
    Kind,
    Need,
)

if TYPE_CHECKING:
    from pipeline.config import Config

LAST_VALIDATED_ROW = 2000  # drop-downs, input messages and the filter reach this row
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
TEXT_FORMAT = "@"  # keeps a leading 0 in No. Laporan, NIK and phone numbers
TEXT_KINDS = (Kind.nik, Kind.phone)
# Banner (strong) and header (light) fill per step 1..7.
STEP_FILLS = (("9BC2E6", "DDEBF7"), ("A9D08E", "E2EFDA"), ("FFD966", "FFF2CC"),
              ("F4B084", "FCE4D6"), ("C9A9E0", "EDE2F6"), ("8ED6D6", "D9F2F2"),
              ("E6A5A3", "F2DCDB"))
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# The title of each list on the Daftar sheet: the header of the column that uses it.
LIST_TITLES = {c.list_name: c.header for c in reversed(COLUMNS) if c.list_name}


__all__ = ["BOX", "STEP_FILLS", "as_text", "fill", "fit_for_print", "fit_row",
           "print_a4_landscape", "save_workbook_atomic", "write_blank_intake",
           "write_text_atomic"]


# --- shared helpers --------------------------------------------------------------

def save_workbook_atomic(wb: Workbook, path: Path, overwrite: bool = True) -> None:
    """Save an openpyxl workbook atomically."""
    write_atomic_with(path, lambda tmp: wb.save(tmp), overwrite=overwrite)


def write_text_atomic(path: Path, text: str) -> None:
    """Write text for Windows Notepad: UTF-8 with BOM, CRLF line ends, atomically."""
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8-sig")
    write_atomic(path, data)


def as_text(cell: Cell) -> Cell:
    """Keep typed text that starts with '=' as text: openpyxl would store it as a formula,
    which Excel would then run (a name like =HYPERLINK(…) typed by a reporter)."""
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell


def fill(rgb: str) -> PatternFill:
    """A solid fill of one colour."""
    return PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)


# --- the blank intake workbook -------------------------------------------------------

def write_blank_intake(path: Path, cfg: Config) -> None:
    """Write the blank intake workbook (`perda new-intake`); refuse an existing file."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    wb = Workbook()
    data = wb.active
    data.title = SHEET_DATA
    _write_help_sheet(wb.create_sheet(SHEET_HELP), cfg)
    ranges = _write_lists_sheet(wb.create_sheet(SHEET_LISTS), cfg)
    _write_data_sheet(data, ranges)
    wb.properties.title = "Lembar isian laporan dugaan pelanggaran Perda"
    wb.properties.creator = f"{cfg.kantor.nama.title()} — perda-pipeline"
    save_workbook_atomic(wb, path, overwrite=False)


def _write_lists_sheet(ws: Worksheet, cfg: Config) -> dict[str, str]:
    """Fill the hidden list sheet; return each list's absolute range, e.g. Daftar!$A$2:$A$4."""
    ranges = {}
    for index, (name, values) in enumerate(choice_lists(cfg).items(), start=1):
        letter = get_column_letter(index)
        ws.cell(1, index, LIST_TITLES.get(name, name)).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            ws.cell(row, index, value).number_format = TEXT_FORMAT
        last = max(len(values), 1) + 1
        ranges[name] = f"{SHEET_LISTS}!${letter}$2:${letter}${last}"
        ws.column_dimensions[letter].width = min(60, max(12, *(len(v) for v in values), 0))
    ws.sheet_state = "hidden"
    return ranges


def _write_data_sheet(ws: Worksheet, ranges: dict[str, str]) -> None:
    """The Laporan sheet: banner, headers, column formats, validations, panes, filter."""
    _write_banner(ws)
    for index, col in enumerate(COLUMNS, start=1):
        _write_header(ws, index, col)
        ws.add_data_validation(_validation(col, get_column_letter(index), ranges))
    last = get_column_letter(len(COLUMNS))
    ws.row_dimensions[BANNER_ROW].height = 33
    ws.row_dimensions[HEADER_ROW].height = 45
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 2)  # below the headers, after No. Laporan
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{LAST_VALIDATED_ROW}"
    ws.print_title_rows = f"{BANNER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4


def _write_banner(ws: Worksheet) -> None:
    """Row 1: 'Langkah N — <name>' merged over each step's columns, one colour per step."""
    for step in STEPS:
        cols = [i for i, c in enumerate(COLUMNS, start=1) if c.step == step.number]
        first, last = min(cols), max(cols)
        cell = ws.cell(BANNER_ROW, first, f"Langkah {step.number} — {step.name}")
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True,
                                   indent=1)  # left: visible without scrolling a wide step
        for col in range(first, last + 1):
            ws.cell(BANNER_ROW, col).fill = fill(STEP_FILLS[step.number - 1][0])
            ws.cell(BANNER_ROW, col).border = BOX
        if last > first:
            ws.merge_cells(start_row=BANNER_ROW, start_column=first,
                           end_row=BANNER_ROW, end_column=last)


def _write_header(ws: Worksheet, index: int, col: Column) -> None:
    """Row 2: the exact header text, bold and wrapped; the column's width and format."""
    cell = ws.cell(HEADER_ROW, index, col.header)
    cell.font = Font(bold=True)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.fill = fill(STEP_FILLS[col.step - 1][1])
    cell.border = BOX
    cell.number_format = "General"
    dim = ws.column_dimensions[get_column_letter(index)]
    dim.width = col.width
    fmt = column_format(col)
    if fmt:
        dim.number_format = fmt  # the column's default style: applies to cells staff type


def column_format(col: Column) -> str | None:
    """The number format a column's cells get: date + time, text, or None (General)."""
    if col.kind is Kind.datetime:
        return DATETIME_FORMAT
    if col.kind in TEXT_KINDS or col.key == "no_laporan":
        return TEXT_FORMAT
    return None


def _validation(col: Column, letter: str, ranges: dict[str, str]) -> DataValidation:
    """The column's data validation: a drop-down where there is a list, always a prompt."""
    dv = DataValidation(allow_blank=True, showInputMessage=True,
                        promptTitle=col.header[:32], prompt=column_prompt(col)[:255])
    if col.kind in (Kind.choice, Kind.text) and col.list_name:
        dv.type = "list"
        dv.formula1 = ranges[col.list_name]
        dv.showDropDown = False  # openpyxl's flag is inverted: True would HIDE the arrow
        dv.showErrorMessage = True
        dv.errorStyle = "stop" if col.strict_list else "information"
        dv.errorTitle = "Tidak ada di daftar"
        dv.error = ("Pilih salah satu isian dari daftar pada sel ini." if col.strict_list
                    else "Nama ini tidak ada di daftar. Tekan OK untuk tetap memakainya.")
    elif col.max_len and col.kind is Kind.text and col.max_len < EXCEL_CELL_MAX:
        dv.type = "textLength"
        dv.operator = "lessThanOrEqual"
        dv.formula1 = str(col.max_len)
        dv.showErrorMessage = True
        dv.errorTitle = "Isian terlalu panjang"
        dv.error = f"Isian kolom {col.header} paling banyak {col.max_len} karakter."
    dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_VALIDATED_ROW}")
    return dv


def column_prompt(col: Column) -> str:
    """The input message of a column: its help text and when it must be filled."""
    step = STEPS[col.step - 1]
    if col.key == step.time_key:
        need = f"Langkah {step.number} dianggap selesai bila kolom ini diisi."
    elif col.need is Need.always:
        need = "Wajib diisi."
    elif col.need is Need.step:
        need = f"Wajib diisi bila Langkah {step.number} sudah dilakukan."
    else:
        need = ""
    return f"{col.help} {need}".strip()


NEED_TEXT = {Need.always: "Selalu", Need.step: "Bila langkahnya dilakukan",
             Need.optional: "Tidak wajib", Need.conditional: "Tergantung (lihat keterangan)"}


def _help_lines(cfg: Config) -> list[str]:
    """The Petunjuk text, one paragraph per row."""
    lists = ", ".join(c.header for c in COLUMNS if c.kind is Kind.choice and c.strict_list)
    times = ", ".join(c.header for s in STEPS for c in COLUMNS if c.key == s.time_key)
    several = " dan ".join(c.header for c in COLUMNS if c.kind is Kind.choices)
    return [
        f"1. Isi lembar \"{SHEET_DATA}\". Satu baris untuk satu laporan dugaan pelanggaran "
        f"Perda. Isian dimulai dari baris {FIRST_DATA_ROW}; baris {BANNER_ROW} dan "
        f"{HEADER_ROW} adalah judul.",
        f"2. Jangan mengubah, menghapus, atau mengganti nama judul kolom di baris "
        f"{HEADER_ROW}. Sistem mengenali kolom dari judulnya. Kolom yang keterangannya diawali "
        "\"Boleh dikosongkan\" juga boleh tidak ada pada buku isian lama.",
        "3. No. Laporan diambil dari buku register. No. Laporan yang sama pada tahun yang "
        "sama berarti laporan yang sama: bila barisnya diubah lalu disimpan lagi, surat yang "
        "terkait dibuat ulang sebagai versi baru dengan nomor surat yang sama.",
        "4. Kolom diisi bertahap mengikuti tujuh langkah SOP (judul berwarna di baris "
        f"{BANNER_ROW}). Suatu langkah dianggap selesai bila kolom waktunya sudah diisi: "
        f"{times}.",
        "5. Isi langkah secara berurutan: suatu langkah hanya boleh diisi bila langkah "
        "sebelumnya sudah diisi. Waktu tidak boleh mundur dan tidak boleh melebihi waktu "
        "sekarang. Tahun yang jauh dari tahun langkah lain pada baris yang sama (misalnya "
        "2016 di antara 2026) diminta diperiksa.",
        "6. Tanggal dan jam ditulis hari/bulan/tahun, misalnya 25/09/2024 08:15. Bentuk lain "
        "juga dapat dibaca: 25-09-2024 08.15, 2024-09-25 08:15, 25 September 2024, "
        "25 Sept 2024, 25 Agt 2024, 25-Sep-2024, \"Rabu, 25/09/2024 pkl. 08.15\", "
        "25/09/2024 pukul 14.10 WIB, 25/09/2024 2:10 PM. Nama hari di depan tanggal "
        "diperiksa kecocokannya. Tanggal tanpa jam diterima dengan peringatan; suratnya "
        "lalu menulis tanggal saja, tanpa \"pukul\".",
        f"7. Kolom berdaftar pilihan ({lists}): klik sel, lalu pilih dari tanda panah. "
        "Petugas Penerima: pilih dari daftar atau ketik nama lain.",
        f"8. {several}: ketik satu atau lebih isian, dipisah titik koma (;). Instansi boleh "
        "ditulis dengan nama resmi atau singkatannya (huruf besar/kecil tidak berpengaruh; "
        "tabel di bawah), dan boleh juga dipisah koma. Pilihan Instruksi Disposisi: "
        f"{'; '.join(cfg.disposisi.instruksi)}.",
        "9. NIK dan nomor telepon disimpan sebagai teks agar angka 0 di depan tidak hilang. "
        "NIK terdiri atas 16 angka.",
        "10. Simpan berkas ini di folder inbox. Sistem membaca berkas setelah selesai "
        "disimpan dan tidak pernah mengubah, memindahkan, atau menghapus berkas di inbox.",
        "11. Surat yang dibuat tersimpan di folder outbox, per tahun dan per langkah, "
        "misalnya outbox/<tahun>/01-penerimaan-laporan/. Semua surat bernomor dicatat di "
        "outbox/<tahun>/Buku Agenda <tahun>.xlsx.",
        "12. Bila ada isian yang salah, sistem membuat laporan di folder "
        "outbox/_perlu-perbaikan: \"<nama berkas> - perlu perbaikan.txt\" (ringkasan) dan "
        "\"<nama berkas> - perlu perbaikan.xlsx\" (salinan berkas; sel yang salah berwarna "
        "merah, sel yang hanya diberi peringatan berwarna kuning, dan diberi catatan; daftar "
        "lengkapnya di lembar \"Perbaikan\"). Perbaiki berkas asli di folder inbox, bukan "
        "salinannya, lalu simpan kembali. Baris yang sudah benar tetap diproses. Laporan "
        "perbaikan dihapus setelah berkas benar.",
        "13. Identitas pelapor (nama, NIK, telepon, alamat) hanya dimuat dalam surat untuk "
        "internal kantor dan surat kepada pelapor. Surat koordinasi kepada instansi lain "
        "tidak menyebut identitas pelapor.",
    ]


def _write_agency_table(ws: Worksheet, cfg: Config) -> None:
    """Below the columns: every agency with the short names staff may type for it."""
    ws.append([])
    ws.append(["Instansi Terkait: nama resmi dan singkatan yang boleh diketik"])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.append(["No.", "Nama resmi", "", "Singkatan", "Surat ditujukan kepada"])
    ws.merge_cells(start_row=ws.max_row, start_column=2, end_row=ws.max_row, end_column=3)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.border = BOX
    for number, entry in enumerate(cfg.instansi, start=1):
        ws.append([number, entry.nama, "", "; ".join(entry.singkatan) or "-",
                   f"{entry.kepada}, di {entry.di}".replace("{desa}", "<desa kejadian>")])
        ws.merge_cells(start_row=ws.max_row, start_column=2, end_row=ws.max_row, end_column=3)
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = BOX
        ws.row_dimensions[ws.max_row].height = 15 * (1 + len(entry.nama) // 38)


def _write_help_sheet(ws: Worksheet, cfg: Config) -> None:
    """The Petunjuk sheet: how to fill the workbook, then every column explained."""
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 26
    ws.column_dimensions["E"].width = 70
    title = f"PETUNJUK PENGISIAN — {cfg.kantor.pemerintah}, {cfg.kantor.nama}"
    ws.append([title])
    ws.append([f"SOP Pengamanan Pelaksanaan Perda, {cfg.kantor.seksi}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    for line in _help_lines(cfg):
        ws.append([line])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=5)
        ws.cell(ws.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[ws.max_row].height = 15 * (1 + len(line) // 140)
    ws.append([])
    ws.append(["Kolom", "Judul kolom", "Langkah", "Wajib diisi", "Keterangan"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.border = BOX
    for index, col in enumerate(COLUMNS, start=1):
        ws.append([get_column_letter(index), col.header, col.step, NEED_TEXT[col.need],
                   col.help])
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = BOX
        ws.row_dimensions[ws.max_row].height = 15 * (1 + len(col.help) // 75)
    _write_agency_table(ws, cfg)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

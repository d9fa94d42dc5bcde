"""The problem report for a rejected intake file, in outbox/_perlu-perbaikan/.

Two files named after the intake file: '<stem> - perlu perbaikan.xlsx', a copy of the
workbook with each bad cell filled red and commented plus a sheet 'Perbaikan' listing every
problem, and '<stem> - perlu perbaikan.txt', a short summary for Notepad.

Edge cases handled: the source is only ever read (never saved); a file that cannot be
opened as a workbook (not a zip, encrypted, .xls, damaged) gets the .txt only, and so does
one whose full load or save fails where reading its values did not (a broken second sheet,
comments or table part, an odd cell) — the .txt still lists every row problem; a merged
range over a whole column stays a range (no million cell objects); a
whole-row problem marks the row's No. Laporan cell; several problems on one cell share one
comment; a staff comment already on the cell is kept below ours; a problem naming a sheet
or cell the workbook lacks is still listed.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.codes import Code
from pipeline.layout import is_report, report_paths
from pipeline.model import Problem
from pipeline.schema import COLUMN_BY_KEY, HEADER_ROW, HEADER_SEARCH_ROWS, fold_header
from pipeline.sheet import EXCEL_MAX_ROW
from pipeline.workbook import (
    BOX,
    as_text,
    fill,
    fit_for_print,
    save_workbook_atomic,
    write_text_atomic,
)

log = logging.getLogger(__name__)

SHEET_PROBLEMS = "Perbaikan"
PROBLEM_FILL = "FF9C9C"  # red, light enough to read the value through it
WARNING_FILL = "FFE699"  # yellow: a warning only, the row went through
COMMENT_AUTHOR = "Pemeriksa otomatis"
PROBLEM_HEADERS = ("Lembar", "Baris", "Kolom", "Judul kolom", "Kode",
                   "Masalah dan cara memperbaiki")
PROBLEM_WIDTHS = (14, 8, 8, 26, 26, 90)
KEY_HEADER = fold_header(COLUMN_BY_KEY["no_laporan"].header)
COPY_MAX_SHEET_MB = 64  # sheet XML beyond this: the full load would cost gigabytes
MAX_MERGED_CELLS = 100_000  # a merge bigger than this stays a range (see below)
NO_COPY = {Code.baris_di_luar_batas}  # a sheet Excel cannot open either: no copy of it


def _clean_small_merge(ws: Worksheet, mcr: MergedCellRange) -> None:
    """openpyxl's merge clean-up (one MergedCell per covered cell), only for small ranges.

    A merge over a whole column (A2:A1048576) made a million cell objects: 69 s and
    625 MB for the marked copy. A huge range is kept as a range; cells inside it stay.
    """
    if mcr.size["rows"] * mcr.size["columns"] <= MAX_MERGED_CELLS:
        _openpyxl_clean_merge(ws, mcr)


_openpyxl_clean_merge = Worksheet._clean_merge_range
Worksheet._clean_merge_range = _clean_small_merge  # type: ignore[method-assign]


def write_problem_report(source: Path, problems: list[Problem], outdir: Path,
                         rows_ok: int | None = None, data: bytes | None = None,
                         copy: bool = True) -> tuple[Path, Path]:
    """Write the marked copy (when the file opens) and the summary; return both paths.

    `rows_ok` is how many rows went through (None: counted from the workbook). `data` is
    the exact bytes that were validated, so the copy matches them even if staff saved the
    file again meanwhile; without it the source file is read (never written).
    """
    source = Path(source)
    xlsx_path, txt_path = report_paths(source.name, outdir)
    made = False
    if copy and any(p.sheet for p in problems) and not any(p.code in NO_COPY for p in problems):
        made, rows_ok = _write_copy(source, data, problems, rows_ok, xlsx_path)
    if not made:
        xlsx_path.unlink(missing_ok=True)  # an old copy would no longer match the summary
    write_text_atomic(txt_path, summary_text(source.name, problems, rows_ok,
                                             xlsx_path.name if made else None))
    return xlsx_path, txt_path


def _write_copy(source: Path, data: bytes | None, problems: list[Problem], rows_ok: int | None,
                path: Path) -> tuple[bool, int | None]:
    """Write the marked copy; (made, rows_ok). Not made when it cannot be loaded or saved.

    The copy needs openpyxl's full load and save, which fail on parts that reading the
    values never touches; whatever they raise, the .txt must still be written. Hence the
    broad catches here: the copy is a courtesy, the summary is the report. Only a failure
    to write into the folder (OSError while saving: open in Excel, disk full) goes up.
    """
    try:
        wb = _open_copy(source, data)
        if wb is None:
            return False, rows_ok
        if rows_ok is None:
            rows_ok = _count_rows_ok(wb, problems)
        _mark_cells(wb, problems)
        _add_problem_sheet(wb, problems)
        _untype_empty_dates(wb)
        fit_for_print(wb, lambda ws: 1 if ws.title == SHEET_PROBLEMS else _key_column(ws)[0])
    except Exception as exc:  # noqa: BLE001 — see docstring
        return _no_copy(source, exc), rows_ok
    try:
        save_workbook_atomic(wb, path)
    except OSError:
        raise  # the folder, not the workbook: the caller decides
    except Exception as exc:  # noqa: BLE001 — see docstring
        return _no_copy(source, exc), rows_ok
    return True, rows_ok


def _no_copy(source: Path, exc: Exception) -> bool:
    """Log why the marked copy was not made (the traceback at debug level); False."""
    log.warning("Salinan bertanda untuk %s tidak dapat dibuat (%s: %s); laporan teks tetap "
                "ditulis.", source.name, type(exc).__name__, exc)
    log.debug("Penyebab", exc_info=exc)
    return False


def clear_problem_report(source_name: str, outdir: Path) -> list[Path]:
    """Remove the report of a file that is now correct; return what was removed."""
    removed = []
    for path in report_paths(source_name, outdir):
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:
            pass
        except PermissionError:  # open in Excel on Windows: try again next time
            log.warning("Laporan perbaikan %s sedang dibuka; belum dapat dihapus.", path.name)
    return removed


def remove_orphan_reports(folder: Path, names: list[str]) -> list[Path]:
    """Remove the reports of intake files not among `names` (renamed or deleted)."""
    if not folder.is_dir():
        return []
    wanted = {path for name in names for path in report_paths(name, folder)}
    removed = []
    for path in folder.iterdir():
        if path.is_file() and is_report(path) and path not in wanted:
            try:
                path.unlink()
                removed.append(path)
            except FileNotFoundError:
                pass
            except PermissionError:  # open in Excel on Windows: next time
                log.warning("Laporan perbaikan %s sedang dibuka; belum dapat dihapus.", path.name)
    return removed


def _open_copy(source: Path, data: bytes | None) -> Workbook | None:
    """Load the source into memory (never saving it), or None when it is not a workbook."""
    data = data if data is not None else source.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = sum(i.file_size for i in archive.infolist()
                         if i.filename.startswith("xl/worksheets/"))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if sheets > COPY_MAX_SHEET_MB * 1024 * 1024:
        log.info("%s terlalu besar untuk salinan bertanda; hanya laporan teks.", source.name)
        return None
    return load_workbook(io.BytesIO(data), rich_text=True)


def _untype_empty_dates(wb: Workbook) -> None:
    """A date cell without a value (<c t="d"/>) makes openpyxl's save fail: make it plain."""
    for ws in wb.worksheets:
        for cell in ws._cells.values():
            if cell.data_type == "d" and cell._value is None:
                cell.data_type = "n"


def _key_column(ws: Worksheet) -> tuple[int, str]:
    """The header row and the No. Laporan column letter of a sheet (default: row 2, A)."""
    for row in ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS):
        for cell in row:
            if isinstance(cell.value, str) and fold_header(cell.value) == KEY_HEADER:
                return cell.row, cell.column_letter
    return HEADER_ROW, "A"


def _target(wb: Workbook, problem: Problem) -> tuple[str, str] | None:
    """(sheet, cell) a problem points at, or None when it has no cell in this workbook."""
    if not problem.sheet or not problem.row or problem.sheet not in wb.sheetnames \
            or problem.row > EXCEL_MAX_ROW:
        return None
    column = problem.column or _key_column(wb[problem.sheet])[1]
    try:
        column_index_from_string(column)
    except ValueError:
        return None
    return problem.sheet, _anchor(wb[problem.sheet], f"{column}{problem.row}")


def _anchor(ws: Worksheet, ref: str) -> str:
    """The cell that holds a merged range's value and comment (its top-left), else `ref`."""
    for merged in ws.merged_cells.ranges:
        if ref in merged:
            return merged.start_cell.coordinate
    return ref


def _mark_cells(wb: Workbook, problems: list[Problem]) -> None:
    """Fill each bad cell red and comment it with all its problems."""
    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for problem in problems:
        target = _target(wb, problem)
        if target:
            by_cell[target].append(problem)
    for (sheet, ref), found in by_cell.items():
        cell = wb[sheet][ref]
        cell.fill = fill(PROBLEM_FILL if any(p.blocking for p in found) else WARNING_FILL)
        cell.comment = _comment(found, cell.comment)


def _comment(found: list[Problem], old: Comment | None) -> Comment:
    """One comment holding every problem of a cell, the staff's own note kept below."""
    lines = ["Perlu diperbaiki:"]
    lines += [f"- {'' if p.blocking else 'PERINGATAN: '}{p.message}"
              + ("" if p.column else " (berlaku untuk seluruh baris)") for p in found]
    if old is not None and old.text:
        lines += ["", f"Catatan sebelumnya: {old.text}"]
    text = "\n".join(lines)
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width = 320
    comment.height = min(400, 20 + 15 * sum(1 + len(line) // 45 for line in lines))
    return comment


def _add_problem_sheet(wb: Workbook, problems: list[Problem]) -> None:
    """The 'Perbaikan' sheet: every problem, one per row; shown when the file opens."""
    if SHEET_PROBLEMS in wb.sheetnames:
        del wb[SHEET_PROBLEMS]
    ws = wb.create_sheet(SHEET_PROBLEMS)
    ws.append(PROBLEM_HEADERS)
    for problem in problems:
        ws.append([problem.sheet or "", problem.row, problem.column or "",
                   problem.header or "", problem.code, problem.message])
        target = _target(wb, problem)
        if target:  # Baris links to the bad cell
            ws.cell(ws.max_row, 2).hyperlink = Hyperlink(
                ref=f"B{ws.max_row}", location=f"'{target[0]}'!{target[1]}")
    for index, width in enumerate(PROBLEM_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for row in ws.iter_rows():
        for cell in row:
            as_text(cell).border = BOX  # a header typed as "=…" stays text
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.row == 1:
                cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = ws


def _count_rows_ok(wb: Workbook, problems: list[Problem]) -> int:
    """Filled data rows of the sheets named by problems, less the rows with problems."""
    if any(p.row is None for p in problems):
        return 0  # a whole-file or whole-sheet problem: no row went through
    ok = 0
    for sheet in {p.sheet for p in problems if p.sheet in wb.sheetnames}:
        ws = wb[sheet]
        header_row = _key_column(ws)[0]
        bad = {p.row for p in problems if p.sheet == sheet and p.blocking}
        for row in ws.iter_rows(min_row=header_row + 1, values_only=False):
            if row and row[0].row not in bad and any(_filled(c.value) for c in row):
                ok += 1
    return ok


def _filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def summary_text(source_name: str, problems: list[Problem], rows_ok: int | None,
                 copy_name: str | None, now: datetime | None = None) -> str:
    """The Indonesian summary written to the .txt report."""
    now = now or datetime.now()
    bad_rows = {(p.sheet, p.row) for p in problems if p.row and p.blocking}
    warnings = sum(not p.blocking for p in problems)
    whole_file = any(p.row is None for p in problems)
    lines = [
        "LAPORAN PERLU PERBAIKAN",
        "",
        f"Berkas              : {source_name}",
        f"Diperiksa           : {now:%d/%m/%Y %H:%M}",
        f"Baris tanpa masalah : {'-' if rows_ok is None else rows_ok} (diproses seperti biasa)",
        f"Baris bermasalah    : {len(bad_rows)} (bagian yang bermasalah belum diproses)",
        f"Jumlah masalah      : {len(problems) - warnings}",
        "",
    ]
    if warnings:
        lines[-1:-1] = [f"Peringatan          : {warnings} (tidak menahan baris; periksa saja)"]
    if whole_file:
        lines += ["Berkas ini belum dapat diproses sama sekali. Perbaiki dahulu masalah "
                  "berkas di bawah ini.", ""]
    lines.append("Daftar masalah:")
    lines += [f"{i}. {p.describe()}" for i, p in enumerate(problems, start=1)]
    lines += ["", "Cara memperbaiki: buka berkas asli di folder inbox, perbaiki isian yang "
              "disebut di atas, lalu simpan kembali di folder yang sama. Berkas akan "
              "diperiksa ulang secara otomatis dan laporan ini dihapus bila sudah benar."]
    if copy_name:
        lines.append(f"Salinan berkas dengan sel yang salah berwarna merah dan bercatatan: "
                     f"{copy_name} (lembar \"{SHEET_PROBLEMS}\" memuat daftar lengkapnya). "
                     "Jangan menyimpan salinan itu ke folder inbox.")
    return "\n".join(lines) + "\n"

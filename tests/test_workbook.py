"""The workbooks we write: the blank intake, the problem report and the Buku Agenda."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.config import Config, load_config
from pipeline.filing import safe_name
from pipeline.model import Letter, Level, Problem
from pipeline.problems import (
    PROBLEM_FILL,
    SHEET_PROBLEMS,
    WARNING_FILL,
    clear_problem_report,
    summary_text,
    write_problem_report,
)
from pipeline.registers import AGENDA_HEADER_ROW, MASKED, agenda_name, write_agenda
from pipeline.schema import (
    BANNER_ROW,
    COLUMNS,
    FIRST_DATA_ROW,
    FIXED_LISTS,
    HEADER_ROW,
    SHEET_DATA,
    SHEET_HELP,
    SHEET_LISTS,
    STEPS,
    Kind,
)
from pipeline.workbook import LAST_VALIDATED_ROW, write_blank_intake

CONFIG_SOURCE = Path(__file__).resolve().parents[1] / "config.toml"
PETUGAS = ["Sri Lestari", "Budi Santoso", "Siti Aminah"]


def make_config(root: Path) -> Config:
    """A hermetic config: the shipped config.toml in `root`, with its folders and our staff."""
    text = CONFIG_SOURCE.read_text(encoding="utf-8")
    staff = "petugas = [" + ", ".join(f'"{name}"' for name in PETUGAS) + "]"
    text = re.sub(r"(?m)^petugas = .*$", staff, text)
    (root / "config.toml").write_text(text, encoding="utf-8")
    for name in ("inbox", "templates"):
        (root / name).mkdir(exist_ok=True)
    return load_config(root / "config.toml")


def col_letter(key: str) -> str:
    """The column letter of an intake column in the blank workbook."""
    return get_column_letter([c.key for c in COLUMNS].index(key) + 1)


def validations(ws: Worksheet) -> dict[str, DataValidation]:
    """Data validations of a sheet by the first column letter they cover."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            found[get_column_letter(rng.min_col)] = dv
    return found


def list_values(wb: Workbook, formula: str) -> list[str]:
    """The values a list validation formula such as 'Daftar!$A$2:$A$4' points at."""
    sheet, ref = formula.lstrip("=").split("!")
    return [row[0].value for row in wb[sheet][ref.replace("$", "")] if row[0].value]


def expected_list(cfg: Config, name: str | None) -> list[str]:
    """A drop-down list's values: fixed in schema or from config.toml."""
    assert name is not None
    return list(FIXED_LISTS.get(name) or getattr(cfg.daftar, name))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    """The shipped config in tmp_path."""
    return make_config(tmp_path)


@pytest.fixture
def blank(tmp_path: Path, cfg: Config) -> Path:
    """A freshly written blank intake workbook."""
    path = tmp_path / "Laporan 2024.xlsx"
    write_blank_intake(path, cfg)
    return path


# --- blank intake ---------------------------------------------------------------------

def test_blank_has_the_three_sheets_with_lists_hidden(blank: Path) -> None:
    wb = load_workbook(blank)
    assert wb.sheetnames == [SHEET_DATA, SHEET_HELP, SHEET_LISTS]
    assert wb[SHEET_LISTS].sheet_state == "hidden"
    assert wb[SHEET_DATA].sheet_state == "visible"


def test_headers_in_row_2_are_the_schema_headers(blank: Path) -> None:
    ws = load_workbook(blank)[SHEET_DATA]
    assert [c.value for c in ws[HEADER_ROW]] == [c.header for c in COLUMNS]
    assert all(c.font.b and c.alignment.wrap_text for c in ws[HEADER_ROW])
    assert ws.max_row == HEADER_ROW  # data starts empty at row 3


def test_banner_names_each_step_over_its_columns(blank: Path) -> None:
    ws = load_workbook(blank)[SHEET_DATA]
    merged = {r.coord for r in ws.merged_cells.ranges}
    colours = set()
    for step in STEPS:
        keys = [c.key for c in COLUMNS if c.step == step.number]
        first, last = col_letter(keys[0]), col_letter(keys[-1])
        cell = ws[f"{first}{BANNER_ROW}"]
        assert cell.value == f"Langkah {step.number} — {step.name}"
        if first != last:
            assert f"{first}{BANNER_ROW}:{last}{BANNER_ROW}" in merged
        colours.add(cell.fill.fgColor.rgb)
    assert len(colours) == len(STEPS)


def test_every_choice_column_has_a_strict_dropdown_from_daftar(blank: Path, cfg: Config) -> None:
    wb = load_workbook(blank)
    found = validations(wb[SHEET_DATA])
    for col in (c for c in COLUMNS if c.kind is Kind.choice):
        dv = found[col_letter(col.key)]
        assert dv.type == "list"
        assert dv.formula1.startswith(f"{SHEET_LISTS}!$")
        assert not dv.showDropDown  # openpyxl's inverted flag: False shows the arrow
        assert dv.errorStyle == "stop" and dv.showErrorMessage
        assert list_values(wb, dv.formula1) == expected_list(cfg, col.list_name)
        letter = col_letter(col.key)
        assert str(dv.sqref) == f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_VALIDATED_ROW}"


def test_petugas_dropdown_accepts_other_names(blank: Path) -> None:
    wb = load_workbook(blank)
    dv = validations(wb[SHEET_DATA])[col_letter("petugas")]
    assert dv.type == "list" and dv.errorStyle in ("warning", "information")
    assert list_values(wb, dv.formula1) == PETUGAS


def test_instansi_has_a_prompt_but_no_list(blank: Path) -> None:
    dv = validations(load_workbook(blank)[SHEET_DATA])[col_letter("instansi")]
    assert dv.type is None
    assert "titik koma" in dv.prompt


def test_every_column_has_an_indonesian_input_message(blank: Path) -> None:
    found = validations(load_workbook(blank)[SHEET_DATA])
    for col in COLUMNS:
        dv = found[col_letter(col.key)]
        assert dv.showInputMessage
        assert dv.promptTitle == col.header and len(dv.promptTitle) <= 32
        assert dv.prompt.startswith(col.help) and len(dv.prompt) <= 255


def test_step_time_columns_say_they_mark_the_step_done(blank: Path) -> None:
    found = validations(load_workbook(blank)[SHEET_DATA])
    for step in STEPS:
        assert f"Langkah {step.number} dianggap selesai" in found[col_letter(step.time_key)].prompt


def test_number_formats_widths_panes_filter(blank: Path) -> None:
    ws = load_workbook(blank)[SHEET_DATA]
    for col in COLUMNS:
        dim = ws.column_dimensions[col_letter(col.key)]
        assert dim.width == col.width
        if col.kind is Kind.datetime:
            assert dim.number_format == "dd/mm/yyyy hh:mm"
        elif col.kind in (Kind.nik, Kind.phone) or col.key == "no_laporan":
            assert dim.number_format == "@"
        else:
            assert dim.number_format == "General"
    assert ws.freeze_panes == "B3"
    assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:{col_letter(COLUMNS[-1].key)}")


def test_daftar_holds_fixed_and_config_lists(blank: Path, cfg: Config) -> None:
    ws = load_workbook(blank)[SHEET_LISTS]
    columns = [[c.value for c in col[1:] if c.value] for col in ws.iter_cols()]
    for values in (*FIXED_LISTS.values(), cfg.daftar.desa, cfg.daftar.perda,
                   tuple(i.nama for i in cfg.instansi), PETUGAS):
        assert list(values) in columns


def test_petunjuk_explains_how_to_fill(blank: Path) -> None:
    ws = load_workbook(blank)[SHEET_HELP]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for phrase in ("Satu baris untuk satu laporan", "dianggap selesai bila kolom waktunya",
                   "secara berurutan", "25/09/2024 08:15", "outbox/<tahun>/",
                   "outbox/_perlu-perbaikan", "Jangan mengubah",
                   "Kepolisian Sektor Kerjo"):
        assert phrase in text
    for col in COLUMNS:
        assert col.header in text


def test_petunjuk_lists_agencies_with_their_short_names(blank: Path, cfg: Config) -> None:
    rows = [[c.value for c in row] for row in load_workbook(blank)[SHEET_HELP].iter_rows()]
    assert ["No.", "Nama resmi", None, "Singkatan", "Surat ditujukan kepada"] in rows
    assert [1, "Satuan Polisi Pamong Praja Kabupaten Karanganyar", None, "Satpol PP; Satpol",
            "Kepala Satuan Polisi Pamong Praja Kabupaten Karanganyar, di Karanganyar"] in rows
    assert [6, "Pemerintah Desa setempat", None, "Pemdes; Kades; Desa",
            "Kepala Desa <desa kejadian>, di Tempat"] in rows


def test_petunjuk_names_the_section_and_the_date_forms(blank: Path, cfg: Config) -> None:
    ws = load_workbook(blank)[SHEET_HELP]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert ws["A2"].value == ("SOP Pengamanan Pelaksanaan Perda, Seksi Ketenteraman dan "
                              "Ketertiban Umum")
    for phrase in ("25 Sept 2024", "25 Agt 2024", "25-Sep-2024", "Rabu, 25/09/2024 pkl. 08.15",
                   "Tanggal tanpa jam diterima dengan peringatan", "2016 di antara 2026",
                   "Instruksi Disposisi: Tanggapan dan saran; Proses lebih lanjut"):
        assert phrase in text


def test_daftar_titles_are_the_column_headers(blank: Path, cfg: Config) -> None:
    ws = load_workbook(blank)[SHEET_LISTS]
    columns = {col[0].value: [c.value for c in col[1:] if c.value] for col in ws.iter_cols()}
    assert columns["Instruksi Disposisi"] == list(cfg.disposisi.instruksi)
    assert columns["Instansi Terkait"] == [i.nama for i in cfg.instansi]
    assert columns["Perda yang Diduga Dilanggar"] == list(cfg.daftar.perda)


def test_long_text_columns_have_no_length_check_short_ones_do(blank: Path) -> None:
    found = validations(load_workbook(blank)[SHEET_DATA])
    assert found[col_letter("uraian")].type is None  # Excel's own cell limit applies
    assert found[col_letter("hasil")].type is None
    dv = found[col_letter("no_laporan")]
    assert (dv.type, dv.formula1) == ("textLength", "40")


def test_refuses_to_overwrite(blank: Path, cfg: Config) -> None:
    before = sha256(blank)
    with pytest.raises(FileExistsError):
        write_blank_intake(blank, cfg)
    assert sha256(blank) == before


def test_leaves_no_temporary_files_and_is_readable_by_others(blank: Path) -> None:
    assert sorted(p.name for p in blank.parent.glob("*.tmp")) == []
    if os.name == "posix":
        assert blank.stat().st_mode & 0o044  # not mkstemp's 0600: others on a share read it


def test_filled_rows_read_back(blank: Path) -> None:
    wb = load_workbook(blank)
    ws = wb[SHEET_DATA]
    row = {"no_laporan": "007", "waktu_lapor": datetime(2024, 9, 25, 8, 15),
           "cara_lapor": "SMS", "nama_pelapor": "Sri Rahayu", "nik_pelapor": "0312345678901234",
           "telepon_pelapor": "081234567890", "desa": "Botok",
           "uraian": 'Pedagang di bahu jalan & trotoar <"depan pasar">'}
    for number in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1):
        for key, value in row.items():
            ws[f"{col_letter(key)}{number}"] = value
    wb.save(blank)
    ws = load_workbook(blank)[SHEET_DATA]
    for number in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1):
        assert {k: ws[f"{col_letter(k)}{number}"].value for k in row} == row
    assert ws.max_row == FIRST_DATA_ROW + 1


# --- LibreOffice round trip -----------------------------------------------------------

def libreoffice_roundtrip(path: Path, tmp_path: Path) -> Path:
    """Open and save `path` with LibreOffice Calc as xlsx; return the new file."""
    out = tmp_path / "lo-out"
    subprocess.run(
        [shutil.which("soffice") or "soffice", "--headless", "--norestore",
         f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180)
    return out / path.name


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_blank_survives_libreoffice(blank: Path, tmp_path: Path, cfg: Config) -> None:
    wb = load_workbook(libreoffice_roundtrip(blank, tmp_path))
    ws = wb[SHEET_DATA]
    assert [c.value for c in ws[HEADER_ROW]] == [c.header for c in COLUMNS]
    assert wb[SHEET_LISTS].sheet_state == "hidden"
    found = validations(ws)
    for col in (c for c in COLUMNS if c.kind is Kind.choice):
        dv = found[col_letter(col.key)]
        assert dv.type == "list" and not dv.showDropDown
        assert list_values(wb, dv.formula1) == expected_list(cfg, col.list_name)
    assert all(found[col_letter(c.key)].prompt for c in COLUMNS)
    assert "hh:mm" in ws.column_dimensions[col_letter("waktu_lapor")].number_format
    assert ws.column_dimensions[col_letter("nik_pelapor")].number_format == "@"


# --- problem report -------------------------------------------------------------------

@pytest.fixture
def intake(blank: Path) -> Path:
    """The blank workbook with three filled rows (3, 4, 5), saved in inbox/."""
    wb = load_workbook(blank)
    ws = wb[SHEET_DATA]
    for offset, nomor in enumerate(("001", "002", "003")):
        ws[f"A{FIRST_DATA_ROW + offset}"] = nomor
        ws[f"B{FIRST_DATA_ROW + offset}"] = "25/09/2024 08:15"
    ws["D4"].comment = Comment("Nama dicek ulang besok", "Staf")
    path = blank.parent / "inbox" / "Laporan: Oktober?.xlsx"
    wb.save(path)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    return path


def problems_for(path: Path) -> list[Problem]:
    """Three cell problems (two on one cell) and one whole-row problem."""
    name = path.name
    return [
        Problem("tanggal-tidak-terbaca", name, "Tanggal tidak terbaca. Tulis 25/09/2024 08:15.",
                SHEET_DATA, 3, "B", "Waktu Lapor"),
        Problem("wajib-diisi", name, "Nama Pelapor wajib diisi.", SHEET_DATA, 4, "D",
                "Nama Pelapor"),
        Problem("terlalu-panjang", name, "Nama terlalu panjang.", SHEET_DATA, 4, "D",
                "Nama Pelapor"),
        Problem("langkah-melompat", name, "Langkah 3 diisi sebelum langkah 2.", SHEET_DATA, 5),
    ]


def marked_cells(ws: Worksheet) -> set[str]:
    """Cells filled with the problem colour."""
    return {c.coordinate for row in ws.iter_rows() for c in row
            if c.fill.fill_type == "solid" and c.fill.fgColor.rgb.endswith(PROBLEM_FILL)}


def test_report_marks_exactly_the_bad_cells(intake: Path, tmp_path: Path) -> None:
    xlsx, _ = write_problem_report(intake, problems_for(intake), tmp_path / "out")
    ws = load_workbook(xlsx)[SHEET_DATA]
    assert marked_cells(ws) == {"B3", "D4", "A5"}
    commented = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row
                 if c.comment}
    assert set(commented) == {"B3", "D4", "A5"}
    assert "Nama Pelapor wajib diisi." in commented["D4"]
    assert "Nama terlalu panjang." in commented["D4"]
    assert "Nama dicek ulang besok" in commented["D4"]  # the staff's own note is kept
    assert "seluruh baris" in commented["A5"]


def test_a_warning_is_yellow_and_says_peringatan(intake: Path, tmp_path: Path) -> None:
    warning = Problem("jam-tidak-diisi", intake.name, "Waktu Lapor berisi tanggal tanpa jam.",
                      SHEET_DATA, 4, "B", "Waktu Lapor", level=Level.peringatan)
    xlsx, txt = write_problem_report(intake, [*problems_for(intake), warning],
                                     tmp_path / "out")
    cell = load_workbook(xlsx)[SHEET_DATA]["B4"]
    assert cell.fill.fgColor.rgb.endswith(WARNING_FILL)
    assert "- PERINGATAN: Waktu Lapor berisi tanggal tanpa jam." in cell.comment.text
    text = txt.read_text(encoding="utf-8-sig")
    assert "Baris bermasalah    : 3 (bagian yang bermasalah belum diproses)" in text
    assert "Peringatan          : 1 (tidak menahan baris; periksa saja)" in text
    assert "Jumlah masalah      : 4" in text


def test_report_never_touches_the_source(intake: Path, tmp_path: Path) -> None:
    before, mtime = sha256(intake), intake.stat().st_mtime_ns
    write_problem_report(intake, problems_for(intake), tmp_path / "out")
    assert sha256(intake) == before and intake.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in intake.parent.iterdir()) == [intake.name]


def test_report_names_are_windows_safe(intake: Path, tmp_path: Path) -> None:
    xlsx, txt = write_problem_report(intake, problems_for(intake), tmp_path / "out")
    assert xlsx.name == "Laporan Oktober - perlu perbaikan.xlsx"
    assert txt.name == "Laporan Oktober - perlu perbaikan.txt"
    assert {p.name for p in (tmp_path / "out").iterdir()} == {xlsx.name, txt.name}
    assert safe_name('a<b>c:d"e/f\\g|h?i*j\x01k') == "a b c d e-f-g h i j k"
    assert safe_name("CON") == "_CON" and safe_name(" . ") == "berkas"


def test_report_lists_every_problem_in_perbaikan(intake: Path, tmp_path: Path) -> None:
    xlsx, _ = write_problem_report(intake, problems_for(intake), tmp_path / "out")
    wb = load_workbook(xlsx)
    ws = wb[SHEET_PROBLEMS]
    assert wb.active.title == SHEET_PROBLEMS
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    assert rows[0] == ("Lembar", "Baris", "Kolom", "Judul kolom", "Kode",
                       "Masalah dan cara memperbaiki")
    assert [(r[1], r[2], r[4]) for r in rows[1:]] == [
        (3, "B", "tanggal-tidak-terbaca"), (4, "D", "wajib-diisi"), (4, "D", "terlalu-panjang"),
        (5, None, "langkah-melompat")]


def test_report_text_is_indonesian_for_notepad(intake: Path, tmp_path: Path) -> None:
    problems = problems_for(intake)
    _, txt = write_problem_report(intake, problems, tmp_path / "out", rows_ok=7)
    data = txt.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    text = data.decode("utf-8-sig")
    assert "Berkas              : Laporan: Oktober?.xlsx" in text
    assert "Baris tanpa masalah : 7" in text
    assert "Baris bermasalah    : 3" in text
    for problem in problems:
        assert problem.describe() in text
    assert "berkas Laporan: Oktober?.xlsx, lembar Laporan, baris 3, kolom B (Waktu Lapor)" in text


def test_report_counts_rows_ok_from_the_workbook(intake: Path, tmp_path: Path) -> None:
    problems = problems_for(intake)[:1]  # only row 3 is bad; rows 4 and 5 are fine
    _, txt = write_problem_report(intake, problems, tmp_path / "out")
    assert "Baris tanpa masalah : 2" in txt.read_text(encoding="utf-8-sig")


def test_whole_row_problem_finds_no_laporan_in_a_reordered_sheet(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_DATA
    ws.append(["Rekap Oktober"])
    ws.append(["Desa", "Nama Pelapor", "no.  LAPORAN"])
    ws.append(["Botok", "Sri", "009"])
    source = tmp_path / "urutan lain.xlsx"
    wb.save(source)
    problem = Problem("baris-ganda", source.name, "No. Laporan dipakai dua kali.", SHEET_DATA, 3)
    xlsx, _ = write_problem_report(source, [problem], tmp_path / "out")
    assert marked_cells(load_workbook(xlsx)[SHEET_DATA]) == {"C3"}


def test_unreadable_file_gets_text_only(tmp_path: Path) -> None:
    source = tmp_path / "rusak.xlsx"
    source.write_bytes(b"bukan berkas zip")
    out = tmp_path / "out"
    out.mkdir()
    (out / "rusak - perlu perbaikan.xlsx").write_bytes(b"laporan lama")
    problem = Problem("berkas-rusak", source.name, "Berkas tidak dapat dibuka. Simpan ulang "
                      "sebagai Buku Kerja Excel (.xlsx).")
    xlsx, txt = write_problem_report(source, [problem], out)
    assert not xlsx.exists()
    assert sorted(p.name for p in out.iterdir()) == [txt.name]
    text = txt.read_text(encoding="utf-8-sig")
    assert "belum dapat diproses sama sekali" in text and problem.describe() in text
    assert source.read_bytes() == b"bukan berkas zip"


def test_damaged_workbook_with_cell_problems_still_gets_text(tmp_path: Path) -> None:
    source = tmp_path / "setengah.xlsx"
    source.write_bytes(b"PK\x03\x04 rusak")
    problem = Problem("wajib-diisi", source.name, "Wajib diisi.", SHEET_DATA, 3, "B")
    xlsx, txt = write_problem_report(source, [problem], tmp_path / "out")
    assert txt.exists() and not xlsx.exists()


def test_clear_problem_report_removes_both(intake: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    xlsx, txt = write_problem_report(intake, problems_for(intake), out)
    assert clear_problem_report(intake.name, out) == [xlsx, txt]
    assert list(out.iterdir()) == []
    assert clear_problem_report(intake.name, out) == []


def test_summary_text_whole_file_wording() -> None:
    problem = Problem("sandi", "a.xlsx", "Berkas dilindungi sandi. Simpan tanpa sandi.")
    text = summary_text("a.xlsx", [problem], None, None, now=datetime(2024, 9, 25, 8, 15))
    assert "Diperiksa           : 25/09/2024 08:15" in text
    assert "Baris tanpa masalah : -" in text
    assert "1. berkas a.xlsx: Berkas dilindungi sandi. Simpan tanpa sandi. [sandi]" in text


# --- Buku Agenda ----------------------------------------------------------------------

def letter(urut: int, **changes: object) -> Letter:
    """A numbered letter of 2024."""
    values: dict[str, object] = dict(
        case_id="2024/001", no_laporan="001", doc="tanda_terima", step=1, instansi="",
        nomor=f"300.1/{urut:03d}/Kec.Krj/2024", urut=urut, tahun=2024,
        tanggal=datetime(2024, 9, 25, 8, 15), hal="Tanda terima laporan", tujuan="Sri Rahayu",
        path="2024/01-penerimaan-laporan/001 - Tanda Terima Laporan.docx")
    values.update(changes)
    return Letter(**values)  # type: ignore[arg-type]


@pytest.fixture
def agenda(cfg: Config) -> Path:
    """A Buku Agenda with four letters of 2024 (given out of order) and one of 2023."""
    path = cfg.outbox / "2024" / agenda_name(2024)
    letters = [
        letter(3, step=4, doc="koordinasi", instansi="Kepolisian Sektor Kerjo",
               tujuan="Kepala Kepolisian Sektor Kerjo", hal="Permohonan koordinasi"),
        letter(1, tujuan="Sri Rahayu (0812-3456-7890), NIK 3313012345678901"),
        letter(2, step=2, hal="Penerusan laporan tanggal 25-09-2024", tujuan="Camat Kerjo"),
        letter(2, step=2, version=2, tujuan="Camat Kerjo"),
        letter(1, tahun=2023, nomor="300.1/001/Kec.Krj/2023"),
    ]
    write_agenda(path, letters, cfg, 2024)
    return path


def agenda_rows(path: Path) -> list[tuple[object, ...]]:
    ws = load_workbook(path)["Buku Agenda"]
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=AGENDA_HEADER_ROW + 1)]


def test_agenda_rows_in_order_with_real_dates(agenda: Path) -> None:
    rows = agenda_rows(agenda)
    assert [(r[0], r[8]) for r in rows] == [(1, 1), (2, 1), (2, 2), (3, 1)]
    assert rows[0][1] == "300.1/001/Kec.Krj/2024"
    assert rows[0][2] == datetime(2024, 9, 25)  # openpyxl reads dates back as datetimes
    assert rows[3][6] == "4. Koordinasi dan Tindakan"
    ws = load_workbook(agenda)["Buku Agenda"]
    assert ws[f"C{AGENDA_HEADER_ROW + 1}"].number_format == "dd/mm/yyyy"
    assert ws[f"B{AGENDA_HEADER_ROW + 1}"].hyperlink.target == (  # the number opens it
        "01-penerimaan-laporan/001 - Tanda Terima Laporan.docx")
    assert isinstance(rows[0][2], datetime | date)


def test_agenda_title_and_header(agenda: Path, cfg: Config) -> None:
    ws = load_workbook(agenda)["Buku Agenda"]
    titles = " ".join(str(ws.cell(r, 1).value) for r in range(1, AGENDA_HEADER_ROW))
    assert cfg.kantor.nama in titles and "2024" in titles
    assert [c.value for c in ws[AGENDA_HEADER_ROW]] == [
        "No. Urut", "Nomor Surat", "Tanggal", "Hal", "Tujuan", "No. Laporan", "Langkah",
        "Berkas", "Versi", "Keterangan"]


def test_agenda_print_settings(agenda: Path) -> None:
    ws = load_workbook(agenda)["Buku Agenda"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == f"${AGENDA_HEADER_ROW}:${AGENDA_HEADER_ROW}"
    assert ws.freeze_panes == f"A{AGENDA_HEADER_ROW + 1}"
    assert ws[f"A{AGENDA_HEADER_ROW + 1}"].border.left.style == "thin"


def test_agenda_never_shows_nik_or_phone(agenda: Path) -> None:
    text = " ".join(str(v) for row in agenda_rows(agenda) for v in row)
    assert "3313012345678901" not in text and "3456" not in text
    assert MASKED in text
    assert "25-09-2024" in text  # a date is not mistaken for a phone number


def test_agenda_is_replaced_atomically(agenda: Path, cfg: Config) -> None:
    write_agenda(agenda, [letter(1)], cfg, 2024)
    assert len(agenda_rows(agenda)) == 1
    assert [p.name for p in agenda.parent.iterdir()] == [agenda.name]


def test_report_copies_the_bytes_that_were_validated(intake: Path, tmp_path: Path) -> None:
    validated = intake.read_bytes()
    wb = load_workbook(intake)
    wb[SHEET_DATA]["A3"] = "disimpan ulang"
    wb.save(intake)  # staff saved again after validation
    xlsx, _ = write_problem_report(intake, problems_for(intake), tmp_path / "out",
                                   data=validated)
    assert load_workbook(xlsx)[SHEET_DATA]["A3"].value == "001"


def test_perbaikan_rows_link_to_the_bad_cell(intake: Path, tmp_path: Path) -> None:
    xlsx, _ = write_problem_report(intake, problems_for(intake), tmp_path / "out")
    ws = load_workbook(xlsx)[SHEET_PROBLEMS]
    assert [ws.cell(r, 2).hyperlink.location for r in range(2, 6)] == [
        f"'{SHEET_DATA}'!B3", f"'{SHEET_DATA}'!D4", f"'{SHEET_DATA}'!D4", f"'{SHEET_DATA}'!A5"]


def test_report_marks_what_the_validator_found(blank: Path, cfg: Config) -> None:
    """Contract with intake.py / validate.py: their problems land on the right cells."""
    from pipeline.intake import open_intake
    from pipeline.validate import validate

    wb = load_workbook(blank)
    ws = wb[SHEET_DATA]
    good = {"no_laporan": "001", "waktu_lapor": datetime(2024, 9, 25, 8, 15),
            "cara_lapor": "Datang Langsung", "nama_pelapor": "Sri Rahayu", "desa": "Botok",
            "lokasi": "Pasar Kerjo", "perda": cfg.daftar.perda[0], "uraian": "Berjualan di trotoar",
            "petugas": PETUGAS[0]}
    for key, value in good.items():
        ws[f"{col_letter(key)}3"] = value
        ws[f"{col_letter(key)}4"] = value
    ws["A4"] = "002"
    ws[f"{col_letter('desa')}4"] = "Desa Lain"
    wb.save(blank)
    data = blank.read_bytes()
    result = validate(open_intake(blank.name, data, cfg.batas), cfg)
    assert result.problems
    xlsx, _ = write_problem_report(blank, result.problems, cfg.outbox / "_perlu-perbaikan",
                                   data=data)
    assert marked_cells(load_workbook(xlsx)[SHEET_DATA]) == {f"{col_letter('desa')}4"}


def test_problem_inside_merged_cells_marks_the_merged_cell(intake: Path, tmp_path: Path) -> None:
    wb = load_workbook(intake)
    wb[SHEET_DATA].merge_cells("I3:K3")  # staff merged Lokasi..Uraian on one row
    wb.save(intake)
    problem = Problem("wajib-diisi", intake.name, "Uraian wajib diisi.", SHEET_DATA, 3, "K")
    xlsx, _ = write_problem_report(intake, [problem], tmp_path / "out")
    ws = load_workbook(xlsx)[SHEET_DATA]
    assert marked_cells(ws) == {"I3"} and ws["I3"].comment is not None


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    from pipeline.filing import write_atomic_with as write_atomic

    target = tmp_path / "laporan.txt"
    target.write_text("lama", encoding="utf-8")

    def broken(tmp: Path) -> None:
        tmp.write_text("setengah", encoding="utf-8")
        raise OSError("disk penuh")

    with pytest.raises(OSError):
        write_atomic(target, broken)
    assert target.read_text(encoding="utf-8") == "lama"
    assert [p.name for p in tmp_path.iterdir()] == ["laporan.txt"]

"""Reading intake workbooks: tolerant of layout, strict about broken or hostile files."""

from __future__ import annotations

import dataclasses
import io
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from pipeline.intake import IntakeRejected, open_intake
from pipeline.validate import validate
from tests.conftest import full_row, write_intake
from tests.test_validate import NOW, check


def rejected(path: Path, cfg, **limits) -> IntakeRejected:
    """The whole-file rejection of `path` (fails the test if the file is accepted)."""
    batas = dataclasses.replace(cfg.batas, **limits)
    with pytest.raises(IntakeRejected) as info:
        intake = open_intake(path.name, path.read_bytes(), batas)
        validate(intake, cfg, NOW)
    return info.value


def rezip(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    """Copy an xlsx, replacing (or adding) some of its parts."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            if item.filename not in replace:
                z.writestr(item, zin.read(item.filename))
        for name, data in replace.items():
            z.writestr(name, data)
    return target


def test_title_rows_reordered_and_extra_columns_still_read(office, cfg):
    keys = [c for c in full_row() if c != "uraian"][::-1] + ["uraian", "catatan_staf"]
    path = write_intake(office / "inbox" / "a.xlsx", [full_row(), {}, full_row(2)],
                        columns=keys, header_row=4)
    result = check(path, cfg)
    assert result.valid
    assert [(c.no_laporan, c.source_row) for c in result.cases] == [("LP-001", 5),
                                                                   ("LP-002", 7)]


def test_headers_match_case_insensitively_with_spaces_folded(office, cfg):
    path = write_intake(office / "inbox" / "a.xlsx", [full_row()])
    book = load_workbook(path)
    book["Laporan"]["A2"] = "  no.   LAPORAN "
    book.save(path)
    assert check(path, cfg).cases[0].no_laporan == "LP-001"


def test_missing_required_header_rejects_the_file_naming_it(office, cfg):
    keys = [k for k in full_row() if k != "desa"]
    path = write_intake(office / "inbox" / "a.xlsx", [full_row()], columns=keys)
    problem = rejected(path, cfg).problem
    assert problem.code == "judul-kolom-tidak-ada"
    assert problem.message.startswith("Judul kolom 'Desa' tidak ditemukan di 10 baris pertama.")


def test_missing_sheet_names_the_sheets_found(office, cfg):
    path = write_intake(office / "inbox" / "a.xlsx", [full_row()])
    book = load_workbook(path)
    book["Laporan"].title = "Sheet1"
    book.save(path)
    problem = rejected(path, cfg).problem
    assert problem.code == "lembar-tidak-ada"
    assert "Lembar \"Laporan\" tidak ditemukan; yang ada: Sheet1." in problem.message


def test_formula_without_cached_value_is_a_problem_naming_the_cell(office, cfg):
    # openpyxl (like other tools) saves a formula without a cached value. It used to read
    # as an empty cell ("wajib-diisi"); the cell holds something the reader cannot see.
    path = write_intake(office / "inbox" / "a.xlsx", [full_row(nama_pelapor='=CONCAT("A","B")')])
    result = check(path, cfg)
    assert result.flatten() == [(3, "Nama Pelapor", "rumus-tanpa-nilai")]
    assert result.problems[0].cell == "Laporan!D3"
    assert result.problems[0].message.startswith(
        'Sel berisi rumus =CONCAT("A","B") tanpa hasil tersimpan')


def test_cached_formula_value_is_read(office, cfg):
    path = write_intake(office / "inbox" / "a.xlsx", [full_row(nama_pelapor="=UPPER(\"x\")")])
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    cached = sheet.replace('<c r="D3"><f>UPPER("x")</f><v></v>',
                           '<c r="D3" t="str"><f>UPPER("x")</f><v>Siti Rahayu</v>')
    assert cached != sheet
    fixed = rezip(path, office / "b.xlsx", {"xl/worksheets/sheet1.xml": cached.encode()})
    assert check(fixed, cfg).cases[0].nama_pelapor == "Siti Rahayu"


@pytest.mark.parametrize("name, code", [("a.xls", "bukan-xlsx"), ("a.ods", "bukan-xlsx"),
                                        ("a.csv", "bukan-xlsx"), ("a.xlsm", "berkas-makro")])
def test_other_formats_are_told_to_save_as_xlsx(office, cfg, name, code):
    path = office / "inbox" / name
    path.write_bytes(b"No. Laporan;Waktu Lapor\n")
    problem = rejected(path, cfg).problem
    assert problem.code == code
    assert "Simpan Sebagai (Save As), jenis \"Excel Workbook (.xlsx)\"" in problem.message


def test_macro_inside_an_xlsx_is_refused(office, cfg):
    path = write_intake(office / "a.xlsx", [full_row()])
    bad = rezip(path, office / "inbox" / "b.xlsx", {"xl/vbaProject.bin": b"\0" * 100})
    assert rejected(bad, cfg).problem.code == "berkas-makro"


def test_password_protected_workbook(office, cfg):
    # Encrypted .xlsx files are OLE2 compound files, like the old .xls format.
    path = office / "inbox" / "rahasia.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    problem = rejected(path, cfg).problem
    assert problem.code == "berkas-bersandi"
    assert problem.message.startswith("Berkas dilindungi kata sandi")


@pytest.mark.parametrize("content", [b"", b"hello, this is not a workbook", b"PK\x03\x04trunc"])
def test_damaged_or_empty_files(office, cfg, content):
    path = office / "inbox" / "rusak.xlsx"
    path.write_bytes(content)
    assert rejected(path, cfg).problem.code in ("berkas-rusak", "berkas-kosong")


def test_truncated_save_is_damaged(office, cfg):
    path = write_intake(office / "a.xlsx", [full_row()])
    half = office / "inbox" / "half.xlsx"
    half.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert rejected(half, cfg).problem.code == "berkas-rusak"


def test_file_over_the_size_limit(office, cfg):
    path = write_intake(office / "inbox" / "a.xlsx", [full_row()])
    assert rejected(path, cfg, ukuran_berkas_mb=0).problem.code == "berkas-terlalu-besar"


def test_zip_bomb_is_refused_before_parsing(office, cfg):
    path = write_intake(office / "a.xlsx", [full_row()])
    bomb = rezip(path, office / "inbox" / "bom.xlsx",
                 {"xl/worksheets/sheet2.xml": b" " * (3 * 1024 * 1024)})
    assert bomb.stat().st_size < 100_000
    problem = rejected(bomb, cfg, ukuran_terurai_mb=2).problem
    assert problem.code == "isi-terlalu-besar"


def test_too_many_rows(office, cfg):
    path = write_intake(office / "inbox" / "a.xlsx", [full_row(n) for n in range(1, 4)])
    problem = rejected(path, cfg, baris_maks=2).problem
    assert (problem.code, problem.sheet) == ("baris-terlalu-banyak", "Laporan")


def test_hostile_xml_entities_are_refused(office, cfg):
    path = write_intake(office / "a.xlsx", [full_row()])
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
              b'</sheetData></worksheet>')
    bad = rezip(path, office / "inbox" / "xxe.xlsx", {"xl/worksheets/sheet1.xml": laughs})
    assert rejected(bad, cfg).problem.code == "xml-berbahaya"


TYPED = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n&<>\"'"),
                min_size=1, max_size=200).filter(lambda s: s.strip() == s and s != "")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TYPED)
@example(text="_x0041_ & <b> {{ 7*7 }} =HYPERLINK(\"http://x\") ꦏꦼꦂꦗ 😀\nbaris dua")
def test_any_typed_text_survives_reading_unchanged(office, cfg, text):
    path = write_intake(office / "inbox" / "teks.xlsx", [full_row(uraian=text, lokasi=text)])
    book = load_workbook(path)
    for cell in ("I3", "K3"):  # typed text, even "=…", is stored as text, not a formula
        book["Laporan"][cell].value = text
        book["Laporan"][cell].data_type = "s"
    book.save(path)
    result = check(path, cfg)
    assert result.valid, result.problems
    assert (result.cases[0].uraian, result.cases[0].lokasi) == (text, text)


def test_reading_returns_dates_as_typed(office, cfg):
    path = write_intake(office / "inbox" / "a.xlsx", [full_row()])
    intake = open_intake(path.name, path.read_bytes(), cfg.batas)
    (row,) = list(intake.rows)
    assert row.values["waktu_lapor"] == datetime(2024, 9, 25, 8, 15)
    assert io.BytesIO  # reader works from bytes, so the staff's file is opened only once


def fill_blank(path: Path, rows: list[dict]) -> Path:
    """Fill rows into a workbook from `perda new-intake`, as a clerk would (text as text)."""
    from pipeline.schema import COLUMNS, FIRST_DATA_ROW

    book = load_workbook(path)
    ws = book["Laporan"]
    for offset, row in enumerate(rows):
        for index, column in enumerate(COLUMNS, 1):
            if row.get(column.key) is not None:
                cell = ws.cell(FIRST_DATA_ROW + offset, index, row[column.key])
                if isinstance(row[column.key], str):
                    cell.data_type = "s"
    book.save(path)
    return path


TRICKY = full_row(1, uraian="A & B <c> \"kutip\" 'x' 😀 ꦏꦼꦂꦗ\nbaris dua {{ 7*7 }}",
                  lokasi="=HYPERLINK(\"http://x\")", nik_pelapor="3313016508900002",
                  telepon_pelapor="0812 3456 7890", no_laporan="007/TRANTIB")


def test_blank_workbook_filled_reads_back_exactly(office, cfg):
    from pipeline.workbook import write_blank_intake

    path = office / "inbox" / "isian.xlsx"
    write_blank_intake(path, cfg)
    fill_blank(path, [TRICKY, full_row(2)])
    result = check(path, cfg)
    assert result.valid, result.problems
    case = result.cases[0]
    assert (case.uraian, case.lokasi, case.no_laporan) == (TRICKY["uraian"], TRICKY["lokasi"],
                                                           "007/TRANTIB")
    assert case.nik_pelapor == "3313016508900002" and case.telepon_pelapor == "081234567890"


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_filled_workbook_reads_the_same_after_libreoffice_saves_it(office, cfg, tmp_path):
    from pipeline.workbook import write_blank_intake
    from tests.test_workbook import libreoffice_roundtrip

    path = office / "isian.xlsx"
    write_blank_intake(path, cfg)
    fill_blank(path, [TRICKY, full_row(2)])
    direct = check(path, cfg).cases
    saved = libreoffice_roundtrip(path, tmp_path)
    assert saved.read_bytes() != path.read_bytes()
    assert check(saved, cfg).cases == direct
